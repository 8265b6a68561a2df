/*
 * verify.h — the light client verification rules of CometBFT v0.38
 * (spec/light-client/verification/), as pure functions: no clock, no I/O.
 * The caller passes `now`; the same inputs always give the same answer.
 *
 * A header h2 is verified from a trusted light block h1 when
 *   - h1 is within the trusting period: h1.time + trusting_period > now;
 *   - h2 is well formed for the chain: its chain id, height > 0, a
 *     validators hash, h2.height > h1.height, h2.time > h1.time,
 *     h2.time < now + max_clock_drift;
 *   - h2's validator set hashes to h2.validators_hash, and the commit is for
 *     h2 (its height, and a block id whose hash is h2's hash);
 *   - adjacent (h2 = h1 + 1): h2.validators_hash == h1.next_validators_hash,
 *     and more than 2/3 of h2's set signed the commit;
 *   - non-adjacent: validators of h1's set holding at least trust_level of
 *     h1's total power signed h2's commit (so at least one of them is
 *     correct), and more than 2/3 of h2's set signed it.
 * Skipping verification (light_verify_skipping) reaches a target height by
 * bisection: when a non-adjacent step lacks trust (LIGHT_FAIL_NOT_ENOUGH_TRUST)
 * it verifies the header half way first.
 *
 * Every refusal returns AG_ERR_VERIFY with a light_fail reason and a detail
 * (ag_err_detail); other codes are the provider's errors or AG_ERR_NOMEM.
 */
#ifndef AGORA_LIGHT_VERIFY_H
#define AGORA_LIGHT_VERIFY_H

#include <stdint.h>

#include "light/block.h"
#include "light/provider.h"

typedef enum light_fail {
    LIGHT_OK = 0,
    LIGHT_FAIL_EXPIRED,            /* the trusted header is outside the trusting period */
    LIGHT_FAIL_CHAIN_ID,           /* header of another chain */
    LIGHT_FAIL_MALFORMED,          /* header or commit breaks a basic rule */
    LIGHT_FAIL_HEIGHT,             /* not above the trusted height (or not the one asked) */
    LIGHT_FAIL_TIME_NOT_MONOTONIC, /* header time not after the trusted header's */
    LIGHT_FAIL_CLOCK_DRIFT,        /* header time beyond now + max clock drift */
    LIGHT_FAIL_VALSET_HASH,        /* validator set does not hash to validators_hash */
    LIGHT_FAIL_NEXT_VALSET,        /* adjacent: validators_hash != trusted next_validators_hash */
    LIGHT_FAIL_COMMIT_MISMATCH,    /* commit is for another height or block */
    LIGHT_FAIL_SIGNATURE,          /* a commit signature does not verify */
    LIGHT_FAIL_NOT_ENOUGH_TRUST,   /* non-adjacent: < trust level of the trusted set signed */
    LIGHT_FAIL_NOT_ENOUGH_POWER,   /* not more than 2/3 of the new set signed */
    LIGHT_FAIL_TRUSTED_HASH,       /* the trust root's hash is not the one configured */
    LIGHT_FAIL_CONFLICT,           /* a witness has a different verified header: an attack */
    LIGHT_FAIL_PROOF,              /* a state proof does not verify */
    LIGHT_FAIL_QUERY,              /* a query response is not what was asked */
    LIGHT_FAIL__COUNT
} light_fail;

/* Stable lower-case name of a reason ("expired", "signature"...). */
const char *light_fail_name(light_fail f);

typedef struct light_trust_level {
    uint64_t num, den; /* in [1/3, 1]; default 1/3 */
} light_trust_level;
#define LIGHT_TRUST_LEVEL_DEFAULT ((light_trust_level){1, 3})

typedef struct light_verify_opts {
    const char *chain_id;       /* borrowed */
    int64_t trusting_period_ns; /* > 0 */
    int64_t max_clock_drift_ns; /* >= 0 */
    light_trust_level trust_level;
} light_verify_opts;

/* AG_ERR_INVALID_ARG unless the chain id is 1..50 bytes, the trusting period
 * positive, the drift not negative and the trust level in [1/3, 1]. */
ag_err light_verify_opts_check(const light_verify_opts *o);

/* Is `trusted` (a header time) outside the trusting period at `now`? */
bool light_header_expired(const cons_header *trusted, int64_t trusting_period_ns,
                          cons_timestamp now);

/* The checks on an untrusted block alone: chain id, basic header rules,
 * validator set hash, commit for this header. (The trust root itself is
 * checked with this plus light_verify_commit_light.) */
ag_err light_verify_block_basic(const char *chain_id, const light_block *b, light_fail *why);

/* VerifyCommitLight: more than 2/3 of vals' power signed (flag COMMIT) the
 * block id at height, every counted signature verified. */
ag_err light_verify_commit_light(const char *chain_id, const cons_valset *vals,
                                 const cons_block_id *block_id, int64_t height,
                                 const cons_commit *commit, light_fail *why);
/* VerifyCommitLightTrusting: validators of `trusted` (matched by address,
 * each at most once) holding more than level of its total power signed. */
ag_err light_verify_commit_trusting(const char *chain_id, const cons_valset *trusted,
                                    const cons_commit *commit, light_trust_level level,
                                    light_fail *why);

ag_err light_verify_adjacent(const light_verify_opts *o, const light_block *trusted,
                             const light_block *untrusted, cons_timestamp now, light_fail *why);
ag_err light_verify_non_adjacent(const light_verify_opts *o, const light_block *trusted,
                                 const light_block *untrusted, cons_timestamp now, light_fail *why);
/* Adjacent or non-adjacent as the heights say. */
ag_err light_verify_step(const light_verify_opts *o, const light_block *trusted,
                         const light_block *untrusted, cons_timestamp now, light_fail *why);

/* Called for each block verified on the way (in increasing height); the
 * block is borrowed for the call. A non-zero return stops the walk with it. */
typedef ag_err (*light_on_verified)(void *ctx, const light_block *b);

/* Skipping verification from `trusted` to `target` (already fetched, with
 * target.header.height > trusted's) by bisection, fetching pivots from p.
 * on_verified (may be NULL) sees every newly verified block, the target
 * last. *stats_steps (may be NULL) counts verification steps done. */
ag_err light_verify_skipping(const light_verify_opts *o, const light_block *trusted,
                             const light_block *target, const light_provider *p, cons_timestamp now,
                             light_on_verified on_verified, void *ctx, size_t *steps,
                             light_fail *why);

#endif
