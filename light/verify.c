/* Light client verification (verify.h). Pure: no clock, no I/O except the
 * provider passed to light_verify_skipping. */
#include "light/verify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/vote.h"
#include "light/limits.h"

static const char *const FAIL_NAMES[LIGHT_FAIL__COUNT] = {
    [LIGHT_OK] = "ok",
    [LIGHT_FAIL_EXPIRED] = "trusted header expired",
    [LIGHT_FAIL_CHAIN_ID] = "wrong chain id",
    [LIGHT_FAIL_MALFORMED] = "malformed header or commit",
    [LIGHT_FAIL_HEIGHT] = "wrong height",
    [LIGHT_FAIL_TIME_NOT_MONOTONIC] = "header time not after trusted time",
    [LIGHT_FAIL_CLOCK_DRIFT] = "header time beyond clock drift",
    [LIGHT_FAIL_VALSET_HASH] = "validator set does not match its hash",
    [LIGHT_FAIL_NEXT_VALSET] = "validators do not match trusted next_validators_hash",
    [LIGHT_FAIL_COMMIT_MISMATCH] = "commit is for another block",
    [LIGHT_FAIL_SIGNATURE] = "invalid signature",
    [LIGHT_FAIL_NOT_ENOUGH_TRUST] = "not enough trusted voting power",
    [LIGHT_FAIL_NOT_ENOUGH_POWER] = "not enough voting power",
    [LIGHT_FAIL_TRUSTED_HASH] = "trusted hash mismatch",
    [LIGHT_FAIL_CONFLICT] = "conflicting header (light client attack)",
    [LIGHT_FAIL_PROOF] = "proof does not verify",
    [LIGHT_FAIL_QUERY] = "query response mismatch",
};

const char *light_fail_name(light_fail f)
{
    return (unsigned)f < LIGHT_FAIL__COUNT ? FAIL_NAMES[f] : "unknown";
}

/* Refuse with a reason: *why and the detail. */
static ag_err refuse(light_fail *why, light_fail f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ag_err refuse(light_fail *why, light_fail f, const char *fmt, ...)
{
    char msg[AG_ERR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *why = f;
    return ag_err_set(AG_ERR_VERIFY, "%s: %s", light_fail_name(f), msg);
}

ag_err light_verify_opts_check(const light_verify_opts *o)
{
    size_t n = o->chain_id ? strlen(o->chain_id) : 0;
    if (n == 0 || n > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "light: chain id of %zu bytes", n);
    if (o->trusting_period_ns <= 0 || o->max_clock_drift_ns < 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "light: trusting period or clock drift");
    const light_trust_level *l = &o->trust_level;
    if (l->den == 0 || l->num > l->den || l->den > (1u << 20) || 3 * l->num < l->den)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "light: trust level %" PRIu64 "/%" PRIu64 " not in [1/3, 1]", l->num,
                          l->den);
    return AG_OK;
}

/* t + ns, saturating at the valid time range. */
static cons_timestamp ts_add(cons_timestamp t, int64_t ns)
{
    int64_t s = ns / 1000000000, r = ns % 1000000000;
    cons_timestamp out = t;
    if (s > CONS_TIME_MAX_SECONDS - t.seconds)
        return (cons_timestamp){CONS_TIME_MAX_SECONDS, 999999999};
    out.seconds += s;
    out.nanos += (int32_t)r;
    if (out.nanos >= 1000000000) {
        out.nanos -= 1000000000;
        out.seconds++;
    }
    return out;
}

static int ts_cmp(cons_timestamp a, cons_timestamp b)
{
    if (a.seconds != b.seconds)
        return a.seconds < b.seconds ? -1 : 1;
    return a.nanos < b.nanos ? -1 : a.nanos > b.nanos;
}

bool light_header_expired(const cons_header *trusted, int64_t trusting_period_ns,
                          cons_timestamp now)
{
    /* expired unless now < time + period (CometBFT's HeaderExpired) */
    return ts_cmp(ts_add(trusted->time, trusting_period_ns), now) <= 0;
}

ag_err light_verify_block_basic(const char *chain_id, const light_block *b, light_fail *why)
{
    const cons_header *h = &b->header;
    *why = LIGHT_OK;
    if (strcmp(h->chain_id, chain_id) != 0)
        return refuse(why, LIGHT_FAIL_CHAIN_ID, "header of chain '%s', expected '%s'", h->chain_id,
                      chain_id);
    if (h->height <= 0)
        return refuse(why, LIGHT_FAIL_MALFORMED, "height %" PRId64, h->height);
    if (h->version.block != CONS_BLOCK_PROTOCOL)
        return refuse(why, LIGHT_FAIL_MALFORMED, "block protocol %" PRIu64, h->version.block);
    if (h->validators_hash.len != CONS_HASH_LEN || h->next_validators_hash.len != CONS_HASH_LEN)
        return refuse(why, LIGHT_FAIL_MALFORMED, "validators hashes missing");
    if (cons_timestamp_validate(&h->time) != AG_OK)
        return refuse(why, LIGHT_FAIL_MALFORMED, "header time");
    if (b->vals.n == 0)
        return refuse(why, LIGHT_FAIL_MALFORMED, "no validators");
    crypto_hash vh;
    if (cons_valset_hash(&vh, &b->vals) != AG_OK)
        return AG_ERR_NOMEM;
    if (memcmp(vh.b, h->validators_hash.b, CONS_HASH_LEN) != 0)
        return refuse(why, LIGHT_FAIL_VALSET_HASH, "height %" PRId64, h->height);
    crypto_hash hh;
    if (cons_header_hash(&hh, h) != AG_OK)
        return refuse(why, LIGHT_FAIL_MALFORMED, "header has no hash");
    const cons_commit *c = &b->commit;
    if (c->height != h->height)
        return refuse(why, LIGHT_FAIL_COMMIT_MISMATCH,
                      "commit height %" PRId64 " for header %" PRId64, c->height, h->height);
    if (c->block_id.hash.len != CONS_HASH_LEN || memcmp(c->block_id.hash.b, hh.b, 32) != 0)
        return refuse(why, LIGHT_FAIL_COMMIT_MISMATCH, "commit signs another header at %" PRId64,
                      h->height);
    if (c->n_sigs == 0)
        return refuse(why, LIGHT_FAIL_MALFORMED, "empty commit");
    return AG_OK;
}

static ag_err verify_sig(const char *chain_id, const cons_commit *c, size_t i,
                         const cons_validator *val, light_fail *why)
{
    const cons_commit_sig *s = &c->sigs[i];
    if (cons_commit_sig_validate_basic(s) != AG_OK)
        return refuse(why, LIGHT_FAIL_MALFORMED, "commit signature %zu", i);
    cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                   .height = c->height,
                   .round = c->round,
                   .block_id = c->block_id,
                   .timestamp = s->timestamp,
                   .validator_address = s->validator_address,
                   .validator_index = (int32_t)i,
                   .signature = s->signature};
    if (cons_vote_verify(&v, chain_id, &val->pub_key) != AG_OK)
        return refuse(why, LIGHT_FAIL_SIGNATURE, "signature %zu at height %" PRId64, i, c->height);
    return AG_OK;
}

ag_err light_verify_commit_light(const char *chain_id, const cons_valset *vals,
                                 const cons_block_id *block_id, int64_t height,
                                 const cons_commit *commit, light_fail *why)
{
    *why = LIGHT_OK;
    if (commit->height != height || !cons_block_id_equal(&commit->block_id, block_id))
        return refuse(why, LIGHT_FAIL_COMMIT_MISMATCH, "commit for another block");
    if (commit->n_sigs != vals->n)
        return refuse(why, LIGHT_FAIL_MALFORMED, "%zu signatures for %zu validators",
                      commit->n_sigs, vals->n);
    int64_t needed = vals->total_power * 2 / 3, tally = 0;
    for (size_t i = 0; i < commit->n_sigs; i++) {
        const cons_commit_sig *s = &commit->sigs[i];
        if (s->flag != CONS_BLOCK_ID_FLAG_COMMIT)
            continue;
        if (!crypto_address_equal(&s->validator_address, &vals->vals[i].address))
            return refuse(why, LIGHT_FAIL_SIGNATURE, "signature %zu is not validator %zu's", i, i);
        ag_err e = verify_sig(chain_id, commit, i, &vals->vals[i], why);
        if (e)
            return e;
        tally += vals->vals[i].voting_power;
        if (tally > needed)
            return AG_OK; /* as CometBFT: stop once +2/3 is proven */
    }
    return refuse(why, LIGHT_FAIL_NOT_ENOUGH_POWER,
                  "%" PRId64 " of %" PRId64 " signed at height %" PRId64 ", need more than 2/3",
                  tally, vals->total_power, height);
}

ag_err light_verify_commit_trusting(const char *chain_id, const cons_valset *trusted,
                                    const cons_commit *commit, light_trust_level level,
                                    light_fail *why)
{
    *why = LIGHT_OK;
    unsigned __int128 prod = (unsigned __int128)(uint64_t)trusted->total_power * level.num;
    int64_t needed = (int64_t)(prod / level.den), tally = 0;
    bool *seen = calloc(trusted->n ? trusted->n : 1, sizeof *seen);
    if (!seen)
        return ag_err_set(AG_ERR_NOMEM, "light: trusting");
    ag_err e = AG_OK;
    for (size_t i = 0; i < commit->n_sigs && !e; i++) {
        const cons_commit_sig *s = &commit->sigs[i];
        if (s->flag != CONS_BLOCK_ID_FLAG_COMMIT)
            continue;
        long idx = cons_valset_index_of(trusted, &s->validator_address);
        if (idx < 0)
            continue;
        if (seen[idx]) {
            e = refuse(why, LIGHT_FAIL_MALFORMED, "validator %ld signed twice", idx);
            break;
        }
        seen[idx] = true;
        e = verify_sig(chain_id, commit, i, &trusted->vals[idx], why);
        if (!e) {
            tally += trusted->vals[idx].voting_power;
            if (tally > needed)
                break;
        }
    }
    free(seen);
    if (e)
        return e;
    if (tally <= needed)
        return refuse(why, LIGHT_FAIL_NOT_ENOUGH_TRUST,
                      "%" PRId64 " of %" PRId64 " trusted power signed, need more than %" PRIu64
                      "/%" PRIu64,
                      tally, trusted->total_power, level.num, level.den);
    return AG_OK;
}

/* verifyNewHeaderAndVals plus the expiry of the trusted header. */
static ag_err check_new(const light_verify_opts *o, const light_block *trusted,
                        const light_block *untrusted, cons_timestamp now, light_fail *why)
{
    const cons_header *th = &trusted->header, *uh = &untrusted->header;
    if (light_header_expired(th, o->trusting_period_ns, now))
        return refuse(why, LIGHT_FAIL_EXPIRED, "trusted height %" PRId64, th->height);
    ag_err e = light_verify_block_basic(o->chain_id, untrusted, why);
    if (e)
        return e;
    if (uh->height <= th->height)
        return refuse(why, LIGHT_FAIL_HEIGHT, "%" PRId64 " not above trusted %" PRId64, uh->height,
                      th->height);
    if (ts_cmp(uh->time, th->time) <= 0)
        return refuse(why, LIGHT_FAIL_TIME_NOT_MONOTONIC, "height %" PRId64, uh->height);
    if (ts_cmp(uh->time, ts_add(now, o->max_clock_drift_ns)) >= 0)
        return refuse(why, LIGHT_FAIL_CLOCK_DRIFT, "height %" PRId64 " is from the future",
                      uh->height);
    return AG_OK;
}

ag_err light_verify_adjacent(const light_verify_opts *o, const light_block *trusted,
                             const light_block *untrusted, cons_timestamp now, light_fail *why)
{
    *why = LIGHT_OK;
    if (untrusted->header.height != trusted->header.height + 1)
        return refuse(why, LIGHT_FAIL_HEIGHT, "not adjacent");
    ag_err e = check_new(o, trusted, untrusted, now, why);
    if (e)
        return e;
    if (!cons_hash_equal(&untrusted->header.validators_hash, &trusted->header.next_validators_hash))
        return refuse(why, LIGHT_FAIL_NEXT_VALSET, "height %" PRId64, untrusted->header.height);
    return light_verify_commit_light(o->chain_id, &untrusted->vals, &untrusted->commit.block_id,
                                     untrusted->header.height, &untrusted->commit, why);
}

ag_err light_verify_non_adjacent(const light_verify_opts *o, const light_block *trusted,
                                 const light_block *untrusted, cons_timestamp now, light_fail *why)
{
    *why = LIGHT_OK;
    if (untrusted->header.height == trusted->header.height + 1)
        return refuse(why, LIGHT_FAIL_HEIGHT, "adjacent");
    ag_err e = check_new(o, trusted, untrusted, now, why);
    if (e)
        return e;
    e = light_verify_commit_trusting(o->chain_id, &trusted->vals, &untrusted->commit,
                                     o->trust_level, why);
    if (e)
        return e;
    return light_verify_commit_light(o->chain_id, &untrusted->vals, &untrusted->commit.block_id,
                                     untrusted->header.height, &untrusted->commit, why);
}

ag_err light_verify_step(const light_verify_opts *o, const light_block *trusted,
                         const light_block *untrusted, cons_timestamp now, light_fail *why)
{
    if (untrusted->header.height == trusted->header.height + 1)
        return light_verify_adjacent(o, trusted, untrusted, now, why);
    return light_verify_non_adjacent(o, trusted, untrusted, now, why);
}

ag_err light_verify_skipping(const light_verify_opts *o, const light_block *trusted,
                             const light_block *target, const light_provider *p, cons_timestamp now,
                             light_on_verified on_verified, void *ctx, size_t *steps,
                             light_fail *why)
{
    *why = LIGHT_OK;
    if (steps)
        *steps = 0;
    /* stack[0] is the target (borrowed); fetched pivots above it (owned) */
    light_block stack[LIGHT_BISECTION_DEPTH_MAX + 1];
    size_t top = 0;
    memset(stack, 0, sizeof stack);
    const light_block *verified = trusted;
    light_block last = {0}; /* owned copy of the last verified pivot */
    ag_err e = AG_OK;
    for (;;) {
        const light_block *cand = top == 0 ? target : &stack[top];
        if (steps)
            (*steps)++;
        e = light_verify_step(o, verified, cand, now, why);
        if (e == AG_OK) {
            if (on_verified && (e = on_verified(ctx, cand)) != AG_OK)
                break;
            if (top == 0)
                break; /* the target */
            light_block_move(&last, &stack[top]);
            top--;
            verified = &last;
            continue;
        }
        if (*why != LIGHT_FAIL_NOT_ENOUGH_TRUST)
            break;
        int64_t lo = verified->header.height, hi = cand->header.height;
        int64_t mid = lo + (hi - lo) / 2;
        if (mid <= lo || top == LIGHT_BISECTION_DEPTH_MAX)
            break; /* cannot bisect further: the refusal stands */
        light_block pivot = {0};
        e = p->ops->light_block(p->ctx, mid, &pivot);
        if (e == AG_OK && pivot.header.height != mid) {
            light_block_free(&pivot);
            e = refuse(why, LIGHT_FAIL_HEIGHT, "asked height %" PRId64 ", got %" PRId64, mid,
                       pivot.header.height);
        }
        if (e) {
            if (*why == LIGHT_FAIL_NOT_ENOUGH_TRUST)
                *why = LIGHT_OK; /* a provider error, not a verification result */
            break;
        }
        light_block_move(&stack[++top], &pivot);
    }
    for (size_t i = 1; i <= top; i++)
        light_block_free(&stack[i]);
    light_block_free(&last);
    if (e == AG_OK)
        *why = LIGHT_OK;
    return e;
}
