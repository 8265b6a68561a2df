/*
 * validator_set.h — CometBFT v0.38 validator sets: order, hash, updates and
 * weighted round-robin proposer selection (spec/consensus/proposer-selection.md).
 *
 * A set holds 1..CONS_VALIDATORS_MAX validators sorted by voting power
 * (descending), then address (ascending); the total voting power is at most
 * CONS_TOTAL_VOTING_POWER_MAX. All arithmetic is on int64 with CometBFT's
 * clipping (priorities saturate at INT64_MIN/INT64_MAX instead of
 * wrapping), the average of the priorities is the floor of the exact sum
 * divided by n (Go's big.Int Div), and ties between equal priorities go to the
 * smaller address, so every node computes the same proposer sequence.
 *
 * Each round, IncrementProposerPriority(times) first rescales the priorities
 * so they span at most 2 * total (dividing each by ceil(span / (2*total))),
 * then centres them on zero (subtracting the average), then `times` times:
 * adds each validator's power to its priority and subtracts the total from
 * the largest, which becomes the proposer.
 *
 * Copy semantics: cons_valset owns its validator array; a set is copied only
 * with cons_valset_copy (a deep copy that shares nothing), and validators
 * passed in (changes, initial lists) are copied, never kept. The proposer is
 * remembered by address: cons_valset_proposer returns the current entry of
 * that validator, so later priority changes are visible in it (as with the
 * pointer CometBFT keeps). If an update removed the remembered proposer,
 * the proposer is recomputed from the priorities (CometBFT would return its
 * stale copy; its block execution always increments after an update, which
 * replaces the proposer, so the two never differ there).
 */
#ifndef AGORA_CONSENSUS_VALIDATOR_SET_H
#define AGORA_CONSENSUS_VALIDATOR_SET_H

#include "consensus/types.h"
#include "lib/buf.h"

typedef struct cons_validator {
    crypto_address address; /* RIPEMD160(SHA256(pub_key)) for a real validator */
    crypto_pubkey pub_key;
    int64_t voting_power;
    int64_t proposer_priority;
} cons_validator;

typedef struct cons_valset {
    cons_validator *vals; /* owned: n entries in set order */
    size_t n;
    int64_t total_power;
    bool has_proposer;
    crypto_address proposer; /* address of the last proposer chosen */
} cons_valset;

/* A validator for pub with `power`: address derived from the key, priority 0. */
void cons_validator_init(cons_validator *v, const crypto_pubkey *pub, int64_t power);

/* NewValidatorSet: the set of `n` validators (copied; their priorities are
 * ignored, as for any new validator), then one priority increment when
 * n > 0. n == 0 gives an empty set (hash SHA256(""), no proposer).
 * Errors as cons_valset_update, which it uses with removals refused:
 * AG_ERR_INVALID_ARG (zero or negative power, duplicate address),
 * AG_ERR_OVERFLOW (total over CONS_TOTAL_VOTING_POWER_MAX), AG_ERR_TOO_LARGE,
 * AG_ERR_NOMEM. *out is an empty set on error; free it with cons_valset_free. */
ag_err cons_valset_new(cons_valset *out, const cons_validator *vals, size_t n);

void cons_valset_free(cons_valset *vs);

/* A deep copy of src into *dst (whose previous content is not freed).
 * AG_ERR_NOMEM. */
ag_err cons_valset_copy(cons_valset *dst, const cons_valset *src);

/* UpdateWithChangeSet: each change with power 0 removes the validator with
 * that address; any other adds it (priority -1.125 * the total power after
 * the updates and before the removals) or updates its power and key
 * (keeping its priority). Then the priorities are rescaled and centred and
 * the set is re-sorted. The proposer is not changed.
 * Errors (the set is unchanged): AG_ERR_INVALID_ARG for a duplicate address
 * in the changes, a negative power, a power over the maximum, the removal of
 * an unknown validator, or a result with no validators; AG_ERR_OVERFLOW when
 * the total would exceed CONS_TOTAL_VOTING_POWER_MAX; AG_ERR_TOO_LARGE past
 * CONS_VALIDATORS_MAX validators; AG_ERR_NOMEM. */
ag_err cons_valset_update(cons_valset *vs, const cons_validator *changes, size_t n);

/* IncrementProposerPriority(times). AG_ERR_STATE on an empty set,
 * AG_ERR_INVALID_ARG for times <= 0. */
ag_err cons_valset_increment(cons_valset *vs, int32_t times);

/* The current proposer (GetProposer), copied to *out. AG_ERR_STATE if the set
 * is empty. */
ag_err cons_valset_proposer(const cons_valset *vs, cons_validator *out);

/* Index of the validator with `addr`, or -1. */
long cons_valset_index_of(const cons_valset *vs, const crypto_address *addr);

/* ValidatorSet.Hash (Header.validators_hash): the Merkle root over each
 * validator's SimpleValidator{pub_key, voting_power} encoding. AG_ERR_NOMEM. */
ag_err cons_valset_hash(crypto_hash *out, const cons_valset *vs);

/* tendermint.types.ValidatorSet. The encoder writes the proposer when the set
 * has one. The decoder (at most CONS_VALSET_ENCODED_MAX bytes) requires 1 to
 * CONS_VALIDATORS_MAX validators, each with a secp256k1 key whose address is
 * its `address`, power > 0 (updates never leave a zero-power validator), the set order with no
 * duplicate address, a total within the maximum, and a proposer that is in the set; it keeps the
 * given priorities and recomputes the total (ignoring the encoded one, as CometBFT does). *out is
 * an empty set on error; free it with cons_valset_free. */
ag_err cons_valset_encode(ag_buf *out, const cons_valset *vs);
ag_err cons_valset_decode(cons_valset *out, const uint8_t *in, size_t len);

/* One tendermint.types.Validator (address, key, power, priority), as
 * LightClientAttackEvidence lists its byzantine validators. The decoder
 * takes at most CONS_VALIDATOR_ENCODED_MAX bytes and checks what
 * cons_valset_decode checks of each entry (a secp256k1 key whose address is
 * the one given, a positive power); *out is zero on error. */
#define CONS_VALIDATOR_ENCODED_MAX 128u
ag_err cons_validator_encode(ag_buf *out, const cons_validator *v);
ag_err cons_validator_decode(cons_validator *out, const uint8_t *in, size_t len);

/* CometBFT's ValidatorsByVotingPower order: power descending, then address
 * ascending. <0, 0, >0. */
int cons_validator_power_cmp(const cons_validator *a, const cons_validator *b);

#endif
