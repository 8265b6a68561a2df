/*
 * vote_set.h — the votes of one (height, round, type) with their tallies.
 *
 * Per validator the first vote, plus at most one conflicting vote: a second,
 * different vote of the same validator is reported as a conflict (the pair is
 * evidence) and also kept and counted for its block id, because the paper's
 * rules count messages, and an equivocator's vote may be the one that
 * completes a +2/3 that correct nodes saw (without it, a node that heard the
 * other vote first could never verify that POL: a liveness loss). Any
 * further different vote is reported and dropped; a vote equal (same block
 * id) to a stored one is a duplicate.
 *
 * Wanted block ids: the owner may name up to CONS_VOTE_SET_WANTED_MAX block
 * ids it needs a +2/3 for (the core names the round's proposal and the
 * proposals that claim this round as their POL round). A vote for a wanted id
 * is kept and counted even when the validator already has two other votes
 * here, so an equivocator cannot hide a quorum for the value that matters by
 * sending a node two other values first. (CometBFT gets the same from its
 * peers' VoteSetMaj23 claims.) Tallies: the total power of all votes,
 * the power per block id (nil included), the +2/3 majority block id once it
 * exists, a bit array of who voted, and the commit built from +2/3
 * precommits for a block.
 *
 * Signatures are not checked here: the caller adds only votes whose
 * signature it verified (cons_vote_verify) against the set's validator.
 * "+2/3" is power * 3 > total * 2 (CometBFT's total*2/3 + 1), "+1/3"
 * (f+1) is power * 3 > total.
 */
#ifndef AGORA_CONSENSUS_VOTE_SET_H
#define AGORA_CONSENSUS_VOTE_SET_H

#include "consensus/commit.h"
#include "consensus/validator_set.h"
#include "consensus/vote.h"

/* Block ids a vote set can be told to collect votes for (see above). */
#define CONS_VOTE_SET_WANTED_MAX 4

typedef struct cons_vote_tally {
    cons_block_id block_id;
    int64_t power;
} cons_vote_tally;

typedef struct cons_vote_set {
    int64_t height;
    int32_t round;
    cons_msg_type type;
    const cons_valset *vals; /* borrowed until cons_vote_set_free */
    cons_vote *votes;        /* owned: vals->n entries, index = validator index */
    uint8_t *bits;           /* owned: (n + 7) / 8 bytes, bit i = validator i voted */
    cons_vote *conflicts;    /* owned: vals->n entries, the kept conflicting vote */
    uint8_t *conflict_bits;  /* owned: bit i = conflicts[i] is set */
    size_t n_wanted;
    cons_block_id wanted[CONS_VOTE_SET_WANTED_MAX];
    cons_vote *wanted_votes[CONS_VOTE_SET_WANTED_MAX]; /* owned, allocated on first use */
    uint8_t *wanted_bits[CONS_VOTE_SET_WANTED_MAX];
    cons_vote_tally *tallies; /* owned: distinct block ids voted for (<= 2n + wanted) */
    size_t n_tallies;
    int64_t sum; /* power of all votes */
    bool has_maj23;
    cons_block_id maj23; /* the +2/3 block id (zero = nil) once has_maj23 */
} cons_vote_set;

typedef enum cons_vote_add_result {
    CONS_VOTE_ADDED = 0,
    CONS_VOTE_DUPLICATE = 1, /* the same vote again: ignored */
    CONS_VOTE_CONFLICT = 2,  /* a different vote of the same validator (kept if the first) */
} cons_vote_add_result;

/* An empty set for (height, round, type) over vals (borrowed until free).
 * AG_ERR_INVALID_ARG for a type that is not a vote or an empty set, AG_ERR_NOMEM.
 * *s is zero on error; free with cons_vote_set_free. */
ag_err cons_vote_set_init(cons_vote_set *s, int64_t height, int32_t round, cons_msg_type type,
                          const cons_valset *vals);
void cons_vote_set_free(cons_vote_set *s);

/* Add v (copied). AG_ERR_INVALID_ARG if its height, round or type is not the
 * set's, or its block id is neither zero nor complete; AG_ERR_NOT_FOUND if its
 * index is not in the set or the address at that index is not its address;
 * AG_ERR_NOMEM. On AG_OK *res says what happened; on CONS_VOTE_CONFLICT
 * *existing (if not NULL) points at the stored vote (borrowed until free). */
ag_err cons_vote_set_add(cons_vote_set *s, const cons_vote *v, cons_vote_add_result *res,
                         const cons_vote **existing);

/* Collect votes for id (see "Wanted block ids"). false if the set already
 * wants CONS_VOTE_SET_WANTED_MAX other ids or id is nil (nil needs no help:
 * nobody loses by equivocating for nil). */
bool cons_vote_set_want(cons_vote_set *s, const cons_block_id *id);
/* Every vote held for validator i (first, conflicting, wanted ones), up to
 * 2 + CONS_VOTE_SET_WANTED_MAX, into out; returns the count. */
size_t cons_vote_set_votes_of(const cons_vote_set *s, size_t i,
                              const cons_vote *out[2 + CONS_VOTE_SET_WANTED_MAX]);

/* The (first) vote of validator i, or NULL. */
const cons_vote *cons_vote_set_get(const cons_vote_set *s, size_t i);
/* The kept conflicting vote of validator i, or NULL. */
const cons_vote *cons_vote_set_get_conflict(const cons_vote_set *s, size_t i);
/* Did validator i vote? */
bool cons_vote_set_has(const cons_vote_set *s, size_t i);
/* Power of the votes for id (zero id = nil). */
int64_t cons_vote_set_power_for(const cons_vote_set *s, const cons_block_id *id);
/* +2/3 of the power voted for one block id (or nil): writes it to *id. */
bool cons_vote_set_two_thirds_majority(const cons_vote_set *s, cons_block_id *id);
/* +2/3 of the power voted, for anything (each validator counted once). */
bool cons_vote_set_has_two_thirds_any(const cons_vote_set *s);
/* More than 1/3 of the power voted, for anything. */
bool cons_vote_set_has_one_third_any(const cons_vote_set *s);

/* The commit of a precommit set with a +2/3 majority for a block: one
 * signature per validator in set order, COMMIT for a precommit for the block,
 * NIL for a precommit for nil, ABSENT otherwise (no vote or a vote for another
 * block; a validator whose kept conflicting vote is for the block gets
 * COMMIT with that vote), as CometBFT's VoteSet.MakeCommit. AG_ERR_STATE if the set is not
 * precommits or has no +2/3 for a block; AG_ERR_NOMEM. *out (cleared or zero)
 * is the caller's: free with cons_commit_clear. */
ag_err cons_vote_set_make_commit(const cons_vote_set *s, cons_commit *out);

/* The power of the votes of a commit for its block id over vals, counting
 * only COMMIT signatures whose address is the validator's at that index.
 * AG_ERR_INVALID_ARG if the commit does not have vals->n signatures. The
 * signatures themselves are the caller's to verify. */
ag_err cons_commit_power(const cons_commit *c, const cons_valset *vals, int64_t *power);

#endif
