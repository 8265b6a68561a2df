/*
 * client.h — the light client: a trust root, a primary full node and
 * witnesses, a trusted store; verified headers at any height and (query.h)
 * verified state.
 *
 * Start: the first time (empty store), the block at trust.height is fetched
 * from the primary and must hash to trust.hash, be within the trusting
 * period, carry its validator set and +2/3 of its signatures; it is saved.
 * Later starts resume from the newest stored block (which must agree with
 * the trust options if it is at their height).
 *
 * Update (light_client_verify_to): a height above the newest trusted one is
 * reached by skipping verification (verify.h) from it, with pivots from the
 * primary. Then every witness is asked for the same height: a witness with
 * the same header agrees; a witness with a different header whose chain also
 * verifies from the same trusted block proves a light-client attack (one of
 * the two nodes serves a fork signed by validators of the trusted set): it is
 * reported (light_attack: to the on_attack callback and to the other node's
 * report_attack) and the update fails with LIGHT_FAIL_CONFLICT, saving
 * nothing; a witness whose header does not verify is faulty and dropped.
 * Only then is the new block saved. A height below the newest trusted one
 * is taken from the store, or verified backwards by hashes (each header's
 * hash must be the last_block_id of the trusted one above it).
 *
 * Time: every call takes `now` from the caller; the client never reads
 * the clock.
 * Ownership: providers are borrowed (they must outlive the client); the
 * client copies the witness list; light_client_free closes the store.
 * Threads: one thread at a time.
 */
#ifndef AGORA_LIGHT_CLIENT_H
#define AGORA_LIGHT_CLIENT_H

#include "light/provider.h"
#include "light/store.h"
#include "light/verify.h"

typedef struct light_trust_options {
    int64_t height;             /* a height the user trusts (> 0) */
    crypto_hash hash;           /* its header hash, from a source the user trusts */
    int64_t trusting_period_ns; /* less than the chain's unbonding period */
    light_trust_level level;    /* {0, 0}: LIGHT_TRUST_LEVEL_DEFAULT (1/3) */
    int64_t max_clock_drift_ns;
} light_trust_options;

typedef struct light_client_opts {
    const char *chain_id; /* copied */
    light_trust_options trust;
    light_provider primary;
    const light_provider *witnesses; /* copied array of n_witnesses (<= LIGHT_WITNESSES_MAX) */
    size_t n_witnesses;
    const char *store_dir;   /* the trusted store (created if absent) */
    size_t store_max_blocks; /* 0: 1000 */
    /* Called for each attack found, with the result of submitting it to the
     * provider not blamed (report_attack: broadcast_evidence for an RPC
     * provider; AG_OK when the node accepted it, its refusal otherwise,
     * AG_ERR_UNSUPPORTED for a provider without report_attack). May be NULL. */
    void (*on_attack)(void *ctx, const light_attack *a, ag_err submitted);
    void *attack_ctx;
} light_client_opts;

typedef struct light_client light_client;

/* AG_ERR_INVALID_ARG for bad options; AG_ERR_VERIFY with *why for a trust
 * root that does not verify; provider and store errors. */
ag_err light_client_new(light_client **out, const light_client_opts *o, cons_timestamp now,
                        light_fail *why);
void light_client_free(light_client *c);

/* The verified block at `height` (0: the primary's latest). *out (may be
 * NULL) is a copy; free with light_block_free. */
ag_err light_client_verify_to(light_client *c, int64_t height, cons_timestamp now, light_block *out,
                              light_fail *why);
/* The newest trusted block (a copy). */
ag_err light_client_trusted(const light_client *c, light_block *out);
const light_verify_opts *light_client_verify_opts(const light_client *c);
const light_provider *light_client_primary(const light_client *c);
/* Witnesses still in use (faulty ones are dropped). */
size_t light_client_witnesses(const light_client *c);
/* Verification steps of the last update (for logs and benchmarks). */
size_t light_client_last_steps(const light_client *c);

#endif
