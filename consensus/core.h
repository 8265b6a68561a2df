/*
 * core.h — the Tendermint consensus algorithm for one node, as a pure state
 * machine (Algorithm 1 of "The latest gossip on BFT consensus", Buchman,
 * Kwon, Milosevic 2018; spec/consensus/consensus-paper/). Line numbers in
 * core.c comments are the paper's.
 *
 * No I/O, clock, randomness or threads: inputs are function calls, outputs
 * go to a queue the caller drains with cons_core_next_output after EVERY
 * input (an input produces at most CONS_CORE_OUTPUTS_MAX outputs).
 *
 * What the caller (the driver) does:
 *   - verifies signatures before feeding a proposal or vote (the core checks
 *     height, round window, validator membership, index/address agreement and
 *     the proposer of the round, but not signatures: the driver owns the keys
 *     of the validator set and the chain id, and verifies once per message);
 *   - fetches the block of a proposal and reports ProcessProposal's verdict
 *     with cons_core_block_ready (any time after the proposal);
 *   - on CONS_OUT_BUILD_PROPOSAL builds a block and calls cons_core_propose;
 *   - on CONS_OUT_SIGN_PROPOSAL / CONS_OUT_SIGN_VOTE sets the timestamp,
 *     signs through its double-sign-protected signer, broadcasts, and feeds
 *     the signed message back (cons_core_add_proposal / cons_core_add_vote)
 *     like any received message; for its own proposal it also calls
 *     cons_core_block_ready(valid) (the block is its own);
 *   - on CONS_OUT_TIMEOUT starts a timer and calls cons_core_timeout when it
 *     fires (stale timeouts are ignored, so timers never need cancelling);
 *   - on CONS_OUT_DECIDE executes and stores the block and its commit;
 *   - on CONS_OUT_HEIGHT_DONE (the commit timeout elapsed) calls
 *     cons_core_start_height for the next height with the next validator set;
 *   - on CONS_OUT_EVIDENCE turns the two conflicting votes into evidence;
 *   - for a height it missed, verifies a commit it received (signatures, +2/3)
 *     and calls cons_core_add_commit with it (catch-up).
 *
 * Restart contract (for the WAL). The core's state is a pure function of
 * cons_core_new's arguments and the sequence of input calls, so a node
 * logs every input before acting on its outputs (cons_core_start_height,
 * add_proposal, block_ready, add_vote, timeout, propose, add_commit) and
 * after a crash creates a new core and replays the inputs logged since its
 * last cons_core_start_height. During replay it drops every output (their
 * effects are either logged inputs already -- signed messages come back as
 * add_vote/add_proposal -- or re-emitted below). Then it calls
 * cons_core_resume, which re-emits what the current state still owes: the
 * timeout of the current step (and the prevote/precommit timeouts if they
 * were scheduled), the request for this node's proposal or its vote of the
 * current round/step if the signed message never came back, DECIDE again if
 * the height is decided (the driver skips a block it already stored) and
 * HEIGHT_DONE if the commit timeout had fired. The signer's own double-sign
 * record (not the core) guarantees that a re-requested vote is signed only if
 * it equals the one signed before the crash.
 *
 * Rejected inputs never fail the call: they are counted in cons_core_stats
 * and reported in *why (when not NULL).
 *
 * Memory: one validator-set copy, two vote sets per round held, rounds
 * 0 .. current + CONS_CORE_FUTURE_ROUNDS, one proposal per round (the first
 * valid one; a different second one from the same proposer is counted as a
 * conflict). Nothing is kept from earlier heights.
 */
#ifndef AGORA_CONSENSUS_CORE_H
#define AGORA_CONSENSUS_CORE_H

#include "consensus/core_limits.h"
#include "consensus/proposal.h"
#include "consensus/vote_set.h"

typedef enum cons_step {
    CONS_STEP_PROPOSE = 1,
    CONS_STEP_PREVOTE = 2,
    CONS_STEP_PRECOMMIT = 3,
    CONS_STEP_COMMIT = 4, /* decided; waiting for the commit timeout */
} cons_step;

/* Timeouts in milliseconds: round r of a step waits base + delta * r
 * (capped at CONS_CORE_TIMEOUT_MAX_MS); commit_ms after a decision. */
typedef struct cons_core_config {
    uint32_t propose_ms, propose_delta_ms;
    uint32_t prevote_ms, prevote_delta_ms;
    uint32_t precommit_ms, precommit_delta_ms;
    uint32_t commit_ms;
} cons_core_config;

/* CometBFT v0.38's defaults: propose 3000+500, prevote 1000+500,
 * precommit 1000+500, commit 1000. */
cons_core_config cons_core_config_default(void);
/* For local networks (sub-millisecond links): propose 400+100, prevote
 * 100+50, precommit 100+50, commit 100. */
cons_core_config cons_core_config_fast(void);

/* Duration of the timeout of `step` in `round` under cfg. */
uint32_t cons_core_timeout_ms(const cons_core_config *cfg, cons_step step, int32_t round);

typedef enum cons_out_kind {
    CONS_OUT_BUILD_PROPOSAL = 1, /* height, round: build a block, call cons_core_propose */
    CONS_OUT_SIGN_PROPOSAL,      /* proposal: unsigned; sign, broadcast, feed back */
    CONS_OUT_SIGN_VOTE,          /* vote: unsigned; sign, broadcast, feed back */
    CONS_OUT_TIMEOUT,            /* height, round, step, ms */
    CONS_OUT_DECIDE,             /* height, round, block_id, commit (owned by the output) */
    CONS_OUT_EVIDENCE,           /* vote, vote_b: two conflicting votes (owned) */
    CONS_OUT_HEIGHT_DONE,        /* height: start the next height now */
} cons_out_kind;

typedef struct cons_core_out {
    cons_out_kind kind;
    int64_t height;
    int32_t round;
    cons_step step;
    uint32_t ms;
    cons_block_id block_id;
    cons_proposal proposal;
    cons_vote vote, vote_b;
    cons_commit commit;
} cons_core_out;

/* Free what an output owns (votes, commit) and zero it. */
void cons_core_out_clear(cons_core_out *o);

/* Why an input was not used (also the index into cons_core_stats.rejected). */
typedef enum cons_reject {
    CONS_REJ_NONE = 0,
    CONS_REJ_WRONG_HEIGHT,      /* not the current height */
    CONS_REJ_FUTURE_ROUND,      /* round above current + CONS_CORE_FUTURE_ROUNDS */
    CONS_REJ_UNKNOWN_VALIDATOR, /* index/address not in the set */
    CONS_REJ_MALFORMED,         /* type, negative round, incomplete block id, pol_round */
    CONS_REJ_DUPLICATE,         /* already have it */
    CONS_REJ_CONFLICT,          /* equivocation (votes: evidence emitted) */
    CONS_REJ_WRONG_PROPOSER,    /* proposal not from the round's proposer */
    CONS_REJ_UNKNOWN_BLOCK,     /* block verdict or commit for nothing we know */
    CONS_REJ_STALE,             /* timeout or proposal request no longer current */
    CONS_REJ_NOT_STARTED,       /* no height started yet */
    CONS_REJ_NO_QUORUM,         /* a commit without +2/3 of the power */
    CONS_REJ__COUNT
} cons_reject;

typedef struct cons_core_stats {
    uint64_t rejected[CONS_REJ__COUNT];
    uint64_t votes_accepted, proposals_accepted;
    uint64_t evidence; /* conflicting vote pairs reported */
} cons_core_stats;

typedef struct cons_core cons_core;

/* A core for chain_id (copied; at most CONS_CHAIN_ID_MAX bytes) run by the
 * validator with address `self`, or by a non-validator when self is NULL.
 * AG_ERR_INVALID_ARG, AG_ERR_NOMEM. Free with cons_core_free. */
ag_err cons_core_new(cons_core **out, const char *chain_id, const crypto_address *self,
                     const cons_core_config *cfg);
void cons_core_free(cons_core *c);

/* Start `height` (> the previous one) with vals (copied; priorities as of
 * round 0): enters round 0. Forgets everything of the previous height.
 * AG_ERR_INVALID_ARG (height <= previous, empty set), AG_ERR_NOMEM. */
ag_err cons_core_start_height(cons_core *c, int64_t height, const cons_valset *vals);

/* A proposal whose signature the caller verified under the key of
 * `signer` (proposals carry no address; get the expected proposer with
 * cons_core_proposer). A proposal for the current or an earlier round must
 * come from that round's proposer; one for a later round is kept and
 * checked when the round starts. AG_ERR_NOMEM only. */
ag_err cons_core_add_proposal(cons_core *c, const cons_proposal *p, const crypto_address *signer,
                              cons_reject *why);
/* The block with block_id became available with ProcessProposal's verdict.
 * Matches the proposals of this height with that id and a +2/3 precommit
 * majority for it; CONS_REJ_UNKNOWN_BLOCK otherwise (report it again once the
 * proposal arrived). A later verdict for the same block is ignored. */
ag_err cons_core_block_ready(cons_core *c, const cons_block_id *block_id, bool valid,
                             cons_reject *why);
/* A vote whose signature the caller verified. AG_ERR_NOMEM only. */
ag_err cons_core_add_vote(cons_core *c, const cons_vote *v, cons_reject *why);
/* A timer fired. */
ag_err cons_core_timeout(cons_core *c, int64_t height, int32_t round, cons_step step,
                         cons_reject *why);
/* The block built for CONS_OUT_BUILD_PROPOSAL(height, round) is block_id. */
ag_err cons_core_propose(cons_core *c, int64_t height, int32_t round, const cons_block_id *block_id,
                         cons_reject *why);
/* Catch-up: a commit for the current height whose signatures the caller
 * verified, with its block available. Accepted when its COMMIT signatures
 * (by address, in set order) carry +2/3 of the power: the height is decided
 * (DECIDE with a copy of this commit) unless it already was.
 * AG_ERR_NOMEM only. */
ag_err cons_core_add_commit(cons_core *c, const cons_commit *commit, cons_reject *why);

/* After replaying the log of a restarted node: re-emit what the state owes
 * (see the restart contract above). */
ag_err cons_core_resume(cons_core *c);

/* Next output, moved to *out (the caller clears it with cons_core_out_clear).
 * false when the queue is empty. */
bool cons_core_next_output(cons_core *c, cons_core_out *out);

/* Introspection (tests, gossip, status). */
int64_t cons_core_height(const cons_core *c);
int32_t cons_core_round(const cons_core *c);
cons_step cons_core_step(const cons_core *c);
/* Locked and valid round and value (-1 and zero id when none). */
int32_t cons_core_locked(const cons_core *c, cons_block_id *id);
int32_t cons_core_valid(const cons_core *c, cons_block_id *id);
/* The decided block id, if decided. */
bool cons_core_decided(const cons_core *c, cons_block_id *id);
const cons_core_stats *cons_core_get_stats(const cons_core *c);
/* The current round's validator set (proposer = proposer of the round). */
const cons_valset *cons_core_valset(const cons_core *c);
/* The vote set of (round, type) at the current height, or NULL if none held. */
const cons_vote_set *cons_core_votes(const cons_core *c, int32_t round, cons_msg_type type);
/* The proposer of `round` at the current height: the current round's, a
 * past round's as it was when the node was in it (AG_ERR_NOT_FOUND for a
 * round it skipped), or for a later round the one a direct skip to it would
 * give (what CometBFT's enterNewRound computes). AG_ERR_STATE before a
 * height started, AG_ERR_INVALID_ARG outside the round window, AG_ERR_NOMEM. */
ag_err cons_core_proposer(const cons_core *c, int32_t round, cons_validator *out);
/* The proposal held for round, or NULL. */
const cons_proposal *cons_core_proposal(const cons_core *c, int32_t round);

#endif
