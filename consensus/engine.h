/*
 * engine.h — the consensus engine: the Tendermint core (core.h) wired to the
 * application (ABCI), the write-ahead log, the validator signer, the block
 * and state stores, the mempool and the evidence pool. Transport-agnostic:
 * the host (agorad's event loop, or a test/simulation) supplies timers and
 * gossip through cons_engine_io and feeds received messages in.
 *
 * Lifecycle
 *   cons_engine_new     checks and copies the arguments, creates the
 *                       mempool; no I/O yet (the evidence pool is created
 *                       by cons_engine_start, from the loaded state).
 *   cons_engine_start   startup: load the state (or InitChain from genesis),
 *                       the ABCI handshake (Info, replay of stored blocks the
 *                       app has not committed), the double-sign start check,
 *                       replay of the current height's WAL inputs into a
 *                       fresh core, then resume (timers are scheduled and
 *                       messages may be broadcast from inside this call:
 *                       also the node's own proposal and votes of the
 *                       current height found in the WAL, since a crash may
 *                       have come between their WAL sync and broadcast).
 *   inbound calls       cons_engine_on_timer, cons_engine_receive_*,
 *                       cons_engine_submit_tx, from the host's loop.
 *   cons_engine_free    releases the engine; the stores, WAL, signer and
 *                       ABCI clients are the host's and stay open. There is
 *                       no separate "clean shutdown": every step is durable
 *                       when it is taken, so freeing at any point (or the
 *                       process dying) is recovered by the next start.
 *
 * Threads: single-threaded. Every call on one engine comes from one thread
 * (the node's loop), never concurrently, and the io callbacks are called
 * from inside those calls on that thread. The io callbacks must not call
 * back into the engine; to react, they schedule work on the host's loop
 * (schedule_timer itself may be called at any time, also from inside
 * cons_engine_submit_tx).
 *
 * Crash safety (what a restart recovers; cons_eng_commit_block in
 * engine_exec.c takes the steps in this order):
 * every consensus input is written to the WAL before the engine acts on the
 * core's outputs, the node's own signed votes/proposals are written with
 * write_sync before they are broadcast, and a decided block goes through
 *   1 block store save (block + seen commit)
 *   2 FinalizeBlock          3 save its response (state store)
 *   4 ABCI Commit            5 state store save (new cons_state)
 *   6 prune stores (retain height)  7 mempool / evidence update
 *   8 WAL end-height marker  9 committed notification, next height
 * A crash before 1 replays the WAL and decides again; between 1 and 5 the
 * handshake sees the block store one above the state and re-executes the
 * block against the app (or, if the app already committed it, checks its app
 * hash against the stored response and just updates the state); after 5 the
 * start writes the missing end-of-height marker and begins the next height
 * (steps 6-7 work on memory or are repeated at the next commit).
 *
 * Errors: startup errors are returned by cons_engine_start with a detail an
 * operator can act on (app ahead of the store, app hash mismatch, double
 * sign risk, corrupt WAL record). Inbound calls return AG_ERR_VERIFY (or
 * AG_ERR_DECODE) for a message that fails its checks -- the host may
 * penalise the peer that sent it --, AG_ERR_AGAIN for a message the engine
 * cannot use yet (a later height; a block part before its proposal): the
 * host may keep it and deliver it again after the next new_round_step --,
 * and AG_OK for a message used or ignored (stale, duplicate). A failure of
 * the node itself (WAL, store, signer I/O, the application) makes the
 * engine FAILED: the call returns that error and every later call returns
 * AG_ERR_STATE; cons_engine_failed() says why. The host must then stop the
 * node (a restart recovers).
 */
#ifndef AGORA_CONSENSUS_ENGINE_H
#define AGORA_CONSENSUS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abci/client.h"
#include "consensus/block.h"
#include "consensus/block_store.h"
#include "consensus/core.h"
#include "consensus/evidence.h"
#include "consensus/mempool.h"
#include "consensus/privval.h"
#include "consensus/state_store.h"
#include "consensus/wal.h"
#include "genesis/genesis.h"
#include "lib/env.h"

typedef struct cons_engine cons_engine;

/* What the committed-block notification carries; every pointer is borrowed
 * for the duration of the callback. */
typedef struct cons_engine_committed {
    int64_t height;
    const cons_block *block;
    const cons_block_id *block_id;
    const cons_commit *commit;                /* the +2/3 precommits that decided it */
    const abci_resp_finalize_block *finalize; /* the application's answer */
    const uint8_t *finalize_bytes;            /* its encoding, as stored */
    size_t finalize_len;
    const cons_state *state; /* the state after the block */
} cons_engine_committed;

/*
 * The host's side. Every callback may be NULL (a single validator needs only
 * schedule_timer). ctx is passed to each.
 *   schedule_timer   call cons_engine_on_timer(engine, token) after `ms`
 *                    milliseconds (0: as soon as the loop gets to it, but
 *                    never from inside this callback). Timers are never
 *                    cancelled: the engine ignores stale ones.
 *   broadcast_*      gossip the node's own proposal, its block parts, its
 *                    votes; new_round_step announces (height, round, step)
 *                    changes (CometBFT's NewRoundStep message).
 *   committed        a block was committed and the state saved.
 */
typedef struct cons_engine_io {
    void *ctx;
    void (*schedule_timer)(void *ctx, uint32_t ms, uint64_t token);
    void (*broadcast_proposal)(void *ctx, const cons_proposal *p);
    void (*broadcast_part)(void *ctx, int64_t height, int32_t round, const cons_part *part);
    void (*broadcast_vote)(void *ctx, const cons_vote *v);
    void (*new_round_step)(void *ctx, int64_t height, int32_t round, cons_step step);
    void (*committed)(void *ctx, const cons_engine_committed *c);
} cons_engine_io;

/* Points of the commit path and of input handling where a test can make
 * the engine stop as if the process died (cons_engine_args.fault). */
typedef enum cons_engine_point {
    CONS_ENGINE_AT_INPUT_LOGGED = 1, /* an input is in the WAL, not yet acted on */
    CONS_ENGINE_AT_OWN_MSG_LOGGED,   /* own signed vote/proposal synced, not broadcast */
    CONS_ENGINE_AT_BLOCK_SAVED,      /* step 1 done */
    CONS_ENGINE_AT_FINALIZED,        /* step 2 done */
    CONS_ENGINE_AT_RESPONSE_SAVED,   /* step 3 done */
    CONS_ENGINE_AT_APP_COMMITTED,    /* step 4 done */
    CONS_ENGINE_AT_STATE_SAVED,      /* step 5 done */
    CONS_ENGINE_AT_HEIGHT_ENDED,     /* step 8 done */
} cons_engine_point;

typedef struct cons_engine_config {
    cons_core_config timeouts; /* cons_core_config_default() / _fast() */
    bool create_empty_blocks;  /* false: propose only once txs are available
                                  (or the proof-block rule: an app hash change) */
    /* > 0: refuse to start if this validator signed any of the last N
     * stored commits (cons_privval_check_commits). */
    int64_t double_sign_check_height;
    cons_mempool_opts mempool;
    size_t evidence_max_count; /* pending evidence caps; 0: 1000 / 1 MiB */
    size_t evidence_max_bytes;
} cons_engine_config;

/* create_empty_blocks true, fast timeouts off (CometBFT's defaults), the
 * mempool's defaults, double-sign check off. */
void cons_engine_config_default(cons_engine_config *cfg);

typedef struct cons_engine_args {
    const genesis_doc *genesis;    /* borrowed until cons_engine_start returns */
    cons_block_store *block_store; /* borrowed until free */
    cons_state_store *state_store; /* borrowed until free */
    cons_wal *wal;                 /* borrowed until free */
    cons_privval *signer;          /* borrowed until free; NULL: not a validator */
    abci_client *consensus_conn;   /* borrowed until free: InitChain, Info, block calls */
    abci_client *mempool_conn;     /* borrowed until free: CheckTx (may equal consensus_conn) */
    const ag_env *env;             /* borrowed until free: vote timestamps, block time */
    cons_engine_config config;     /* copied */
    cons_engine_io io;             /* copied */
    /* Test hook: return true to make the engine stop at `point` as if the
     * process died there (the call returns AG_ERR_CLOSED and the engine is
     * failed; free it and start a new one on the same stores). agorad passes
     * one that only times the commit path (metrics) unless AGORA_TEST_KILL_AT. */
    bool (*fault)(void *ctx, cons_engine_point point, int64_t height);
    void *fault_ctx;
} cons_engine_args;

/* Check the arguments (AG_ERR_INVALID_ARG naming a missing one), create the
 * mempool and the evidence pool. *out: caller frees with cons_engine_free. */
ag_err cons_engine_new(cons_engine **out, const cons_engine_args *args);

/* Startup (see the top). Errors: AG_ERR_STATE when the app is ahead of the
 * block store, AG_ERR_VERIFY when an app hash or a stored block does not
 * match, AG_ERR_EXISTS from the double-sign check, AG_ERR_CORRUPT for an
 * undecodable WAL record or stored block, the stores' and ABCI errors. */
ag_err cons_engine_start(cons_engine *e);

/* NULL is a no-op. Does not close what the arguments borrowed. */
void cons_engine_free(cons_engine *e);

/* A timer scheduled through io.schedule_timer fired. */
ag_err cons_engine_on_timer(cons_engine *e, uint64_t token);

/* A proposal from a peer: signature checked against the proposer of its
 * round (AG_ERR_VERIFY when wrong), then logged and given to the core. */
ag_err cons_engine_receive_proposal(cons_engine *e, const cons_proposal *p);

/* A block part for (height, round)'s proposal: its proof is checked
 * (AG_ERR_VERIFY) against the part set header of the proposal held for that
 * round; parts for an unknown proposal are ignored (AG_OK). Once the block
 * is complete it is validated against the state and ProcessProposal is
 * asked for its verdict. */
ag_err cons_engine_receive_part(cons_engine *e, int64_t height, int32_t round,
                                const cons_part *part);

/* A vote from a peer: signature checked against the validator set of its
 * height (the current height, or the last height for late precommits);
 * conflicting votes become evidence. */
ag_err cons_engine_receive_vote(cons_engine *e, const cons_vote *v);

/* Catch-up: the encoded block (tendermint.types.Block) of the current height
 * and a commit for it (from a peer that is ahead). Verified (+2/3 of the
 * current validator set's power signed this block id) and validated like a
 * proposal, then decided. AG_ERR_VERIFY / AG_ERR_DECODE when it fails. */
ag_err cons_engine_receive_commit(cons_engine *e, const uint8_t *block, size_t len,
                                  const cons_commit *commit);

/* Submit a tx to the mempool (cons_mempool_check_tx; cb and user as there). */
ag_err cons_engine_submit_tx(cons_engine *e, const uint8_t *tx, size_t len,
                             cons_mempool_check_cb cb, void *user);

/* Idle work of the host's loop: the next mempool recheck batch. *more is
 * true while more work is pending. */
ag_err cons_engine_idle(cons_engine *e, bool *more);

/* ---- introspection (borrowed until the next call into the engine) ---- */

int64_t cons_engine_height(const cons_engine *e); /* height being decided */
int32_t cons_engine_round(const cons_engine *e);
cons_step cons_engine_step(const cons_engine *e);
/* The state after the last committed block. */
const cons_state *cons_engine_state(const cons_engine *e);
cons_mempool *cons_engine_mempool(cons_engine *e);
cons_evpool *cons_engine_evpool(cons_engine *e); /* NULL before start */
const cons_core *cons_engine_core(const cons_engine *e);
/* AG_OK, or the error that failed the engine. */
ag_err cons_engine_failed(const cons_engine *e);

#endif
