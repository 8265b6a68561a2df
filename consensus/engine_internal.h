/*
 * engine_internal.h — shared between engine.c (inputs, outputs, WAL, gossip)
 * and engine_exec.c (ABCI calls, block validation, state transitions,
 * startup handshake). Not part of the public API.
 */
#ifndef AGORA_CONSENSUS_ENGINE_INTERNAL_H
#define AGORA_CONSENSUS_ENGINE_INTERNAL_H

#include "consensus/engine.h"
#include "consensus/params.h"

/* Candidate blocks held for the current height (proposals of its rounds,
 * the node's own, a catch-up block). More are refused. */
#define ENG_CANDS_MAX 16
/* Conflicting vote pairs kept until the height is committed. */
#define ENG_CONFLICTS_MAX 64
/* Arena budget for one ABCI exchange. */
#define ENG_ARENA_MAX ((size_t)512 << 20)

/* WAL record types (payload layouts in engine.c). */
enum {
    ENG_REC_PROPOSAL = 1,
    ENG_REC_PART = 2,
    ENG_REC_VOTE = 3,
    ENG_REC_TIMEOUT = 4,
    ENG_REC_PROPOSE = 5,
    ENG_REC_READY = 6,
    ENG_REC_COMMIT = 7,
};

typedef struct eng_cand {
    bool used;
    cons_part_set ps;
    bool have_block; /* complete and decoded */
    bool broken;     /* complete but does not decode */
    cons_block block;
    cons_block_id id;
    bool has_verdict, valid;
    bool own;
    int32_t round; /* latest round whose proposal names it */
} eng_cand;

typedef struct eng_conflict {
    cons_vote a, b;
} eng_conflict;

struct cons_engine {
    cons_engine_args a;
    cons_engine_config cfg;
    const genesis_doc *genesis;
    cons_state st;
    cons_params params;
    cons_app_hash last_header_app_hash; /* app hash in the last block's header */
    cons_core *core;
    cons_mempool *mp;
    cons_evpool *ev;
    abci_arena *arena_exec; /* FinalizeBlock / Commit (live through the commit path) */
    abci_arena *arena_misc; /* Info, InitChain, PrepareProposal, ProcessProposal */
    ag_err failed;
    char failed_detail[AG_ERR_DETAIL_MAX];
    bool started, replaying;
    bool await_block; /* decided a block no longer held: wait for its parts */
    cons_block_id await_id;
    cons_commit await_commit;
    bool start_pending; /* the commit timeout ran out while awaiting the block */
    eng_cand cands[ENG_CANDS_MAX];
    eng_conflict conflicts[ENG_CONFLICTS_MAX];
    size_t n_conflicts;
    /* create_empty_blocks = false */
    bool txs_available;
    bool deferred_timeout, deferred_build;
    int64_t deferred_h;
    uint32_t deferred_ms;
    /* last announced round step */
    int64_t ann_h;
    int32_t ann_r;
    cons_step ann_s;
    cons_valset ev_vs; /* storage for the evidence pool's valset_at */
};

/* engine.c */
ag_err cons_eng_fail(cons_engine *e, ag_err err);
bool cons_eng_fault(cons_engine *e, cons_engine_point p, int64_t height);
cons_timestamp cons_eng_ts_from_ns(uint64_t ns);
cons_timestamp cons_eng_ts_add_ms(cons_timestamp t, int64_t ms);
int cons_eng_ts_cmp(cons_timestamp a, cons_timestamp b);

/* engine_exec.c */
/* The state from the genesis document (not saved). */
ag_err cons_eng_state_from_genesis(cons_engine *e, cons_state *st);
/* Decode st->consensus_params into e->params. */
ag_err cons_eng_load_params(cons_engine *e);
/* The evidence pool's view of the chain after e->st. */
void cons_eng_evidence_state(cons_engine *e, cons_evidence_state *out);
/* CometBFT's MedianTime of a commit against its validator set. */
ag_err cons_eng_median_time(const cons_commit *c, const cons_valset *vals, cons_timestamp *out);
/* VerifyCommit: signatures of every non-absent entry, +2/3 for block_id. */
ag_err cons_eng_verify_commit(const char *chain_id, const cons_valset *vals,
                              const cons_block_id *block_id, int64_t height, const cons_commit *c);
/* validateBlock against e->st (header fields, last commit, time, proposer,
 * evidence). AG_ERR_VERIFY naming the rule. */
ag_err cons_eng_validate_block(cons_engine *e, const cons_block *b);
/* ProcessProposal: *accept. */
ag_err cons_eng_process_proposal(cons_engine *e, const cons_block *b, bool *accept);
/* Build the proposal block for (height, round) of e->st into *out. */
ag_err cons_eng_build_block(cons_engine *e, int64_t height, cons_block *out);
/* The decide path (steps 1-9 of engine.h). parts: the block's complete set. */
ag_err cons_eng_commit_block(cons_engine *e, const cons_block *b, const cons_part_set *parts,
                             const cons_block_id *id, const cons_commit *seen);
/* Startup handshake (state, InitChain, Info, block replay). */
ag_err cons_eng_handshake(cons_engine *e);
/* Conflicting votes of the last committed height -> the evidence pool
 * (other heights are ignored). */
void cons_eng_add_evidence(cons_engine *e, const cons_vote *a, const cons_vote *b);
/* Double-sign start check. */
ag_err cons_eng_double_sign_check(cons_engine *e);

#endif
