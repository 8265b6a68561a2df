/* The light client: trust root, primary, witnesses, store (client.h). */
#include "light/client.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "light/limits.h"

struct light_client {
    char chain_id[CONS_CHAIN_ID_MAX + 1];
    light_verify_opts vo;
    light_provider primary;
    light_provider witnesses[LIGHT_WITNESSES_MAX];
    size_t n_witnesses;
    light_store *store;
    light_block trusted; /* the newest trusted block */
    size_t last_steps;
    void (*on_attack)(void *ctx, const light_attack *a, ag_err submitted);
    void *attack_ctx;
};

void light_attack_free(light_attack *a)
{
    light_block_free(&a->conflicting);
    free(a->byzantine);
    memset(a, 0, sizeof *a);
}

static ag_err refuse(light_fail *why, light_fail f, const char *msg)
{
    *why = f;
    return ag_err_set(AG_ERR_VERIFY, "%s: %s", light_fail_name(f), msg);
}

/* The trust root: hash as configured, basic checks, +2/3 of its own set. */
static ag_err check_root(light_client *c, const light_block *b, const crypto_hash *want,
                         cons_timestamp now, light_fail *why)
{
    crypto_hash h;
    ag_err e = light_verify_block_basic(c->chain_id, b, why);
    if (e)
        return e;
    if (light_block_hash(b, &h) != AG_OK || memcmp(h.b, want->b, 32) != 0)
        return refuse(why, LIGHT_FAIL_TRUSTED_HASH, "the trusted height's header has another hash");
    if (light_header_expired(&b->header, c->vo.trusting_period_ns, now))
        return refuse(why, LIGHT_FAIL_EXPIRED, "the trust root is outside the trusting period");
    return light_verify_commit_light(c->chain_id, &b->vals, &b->commit.block_id, b->header.height,
                                     &b->commit, why);
}

ag_err light_client_new(light_client **out, const light_client_opts *o, cons_timestamp now,
                        light_fail *why)
{
    *out = NULL;
    *why = LIGHT_OK;
    if (!o->primary.ops || !o->primary.ops->light_block || o->n_witnesses > LIGHT_WITNESSES_MAX ||
        o->trust.height <= 0 || !o->store_dir)
        return ag_err_set(AG_ERR_INVALID_ARG, "light client: options");
    light_client *c = calloc(1, sizeof *c);
    if (!c)
        return ag_err_set(AG_ERR_NOMEM, "light client");
    snprintf(c->chain_id, sizeof c->chain_id, "%s", o->chain_id ? o->chain_id : "");
    c->vo = (light_verify_opts){.chain_id = c->chain_id,
                                .trusting_period_ns = o->trust.trusting_period_ns,
                                .max_clock_drift_ns = o->trust.max_clock_drift_ns,
                                .trust_level = o->trust.level.den ? o->trust.level
                                                                  : LIGHT_TRUST_LEVEL_DEFAULT};
    ag_err e = light_verify_opts_check(&c->vo);
    if (e || (o->chain_id && strlen(o->chain_id) > CONS_CHAIN_ID_MAX)) {
        free(c);
        return e ? e : ag_err_set(AG_ERR_INVALID_ARG, "light client: chain id");
    }
    c->primary = o->primary;
    for (size_t i = 0; i < o->n_witnesses; i++)
        if (o->witnesses[i].ops && o->witnesses[i].ops->light_block)
            c->witnesses[c->n_witnesses++] = o->witnesses[i];
    c->on_attack = o->on_attack;
    c->attack_ctx = o->attack_ctx;
    e = light_store_open(&c->store, o->store_dir, o->store_max_blocks ? o->store_max_blocks : 1000);
    if (!e && light_store_count(c->store) > 0) {
        /* resume; a stored block at the trust height must be the trusted one */
        light_block at = {0};
        ag_err le = light_store_load(c->store, o->trust.height, &at);
        if (le == AG_OK) {
            crypto_hash h;
            if (light_block_hash(&at, &h) != AG_OK || memcmp(h.b, o->trust.hash.b, 32) != 0)
                e = refuse(why, LIGHT_FAIL_TRUSTED_HASH,
                           "the store holds another header at the trusted height");
        } else if (le != AG_ERR_NOT_FOUND) {
            e = le;
        }
        light_block_free(&at);
        if (!e)
            e = light_store_load_below(c->store, 0, &c->trusted);
    } else if (!e) {
        light_block root = {0};
        e = c->primary.ops->light_block(c->primary.ctx, o->trust.height, &root);
        if (!e)
            e = check_root(c, &root, &o->trust.hash, now, why);
        if (!e)
            e = light_store_save(c->store, &root);
        if (!e)
            light_block_move(&c->trusted, &root);
        light_block_free(&root);
    }
    if (e) {
        light_client_free(c);
        return e;
    }
    *out = c;
    return AG_OK;
}

void light_client_free(light_client *c)
{
    if (!c)
        return;
    light_store_close(c->store);
    light_block_free(&c->trusted);
    free(c);
}

ag_err light_client_trusted(const light_client *c, light_block *out)
{
    memset(out, 0, sizeof *out);
    return light_block_copy(out, &c->trusted);
}

const light_verify_opts *light_client_verify_opts(const light_client *c)
{
    return &c->vo;
}

const light_provider *light_client_primary(const light_client *c)
{
    return &c->primary;
}

size_t light_client_witnesses(const light_client *c)
{
    return c->n_witnesses;
}

size_t light_client_last_steps(const light_client *c)
{
    return c->last_steps;
}

/* ---- cross-checking ---- */

static int by_power(const void *a, const void *b)
{
    return cons_validator_power_cmp(a, b);
}

static void report(light_client *c, const light_provider *to, const light_block *conflicting,
                   const light_block *common, const char *by)
{
    light_attack a = {0};
    a.common_height = common->header.height;
    a.total_voting_power = common->vals.total_power;
    a.timestamp = common->header.time;
    snprintf(a.reported_by, sizeof a.reported_by, "%s", by ? by : "");
    ag_err e = light_block_copy(&a.conflicting, conflicting);
    /* the validators of the common set who signed the conflicting block */
    a.byzantine =
        calloc(conflicting->commit.n_sigs ? conflicting->commit.n_sigs : 1, sizeof *a.byzantine);
    for (size_t i = 0; !e && a.byzantine && i < conflicting->commit.n_sigs; i++) {
        const cons_commit_sig *s = &conflicting->commit.sigs[i];
        long idx = s->flag == CONS_BLOCK_ID_FLAG_COMMIT
                       ? cons_valset_index_of(&common->vals, &s->validator_address)
                       : -1;
        if (idx >= 0)
            a.byzantine[a.n_byzantine++] = common->vals.vals[idx];
    }
    /* in CometBFT's order (power descending, then address): the node
     * computes the same list and refuses evidence whose list differs */
    if (!e && a.byzantine)
        qsort(a.byzantine, a.n_byzantine, sizeof *a.byzantine, by_power);
    ag_err submitted = AG_ERR_UNSUPPORTED;
    if (!e && to->ops->report_attack)
        submitted = to->ops->report_attack(to->ctx, &a);
    if (c->on_attack)
        c->on_attack(c->attack_ctx, &a, submitted);
    light_attack_free(&a);
}

/* Compare `verified` (from the primary) with every witness. */
static ag_err cross_check(light_client *c, const light_block *verified, cons_timestamp now,
                          light_fail *why)
{
    crypto_hash want;
    ag_err e = light_block_hash(verified, &want);
    if (e)
        return e;
    for (size_t i = 0; i < c->n_witnesses;) {
        light_provider *w = &c->witnesses[i];
        light_block wb = {0};
        e = w->ops->light_block(w->ctx, verified->header.height, &wb);
        crypto_hash got;
        if (e || light_block_hash(&wb, &got) != AG_OK) {
            light_block_free(&wb);
            i++; /* unresponsive this time: not evidence of anything */
            continue;
        }
        if (memcmp(got.b, want.b, 32) == 0) {
            light_block_free(&wb);
            i++;
            continue;
        }
        /* A different header: does the witness's chain verify too? */
        light_fail wwhy;
        ag_err we =
            light_verify_skipping(&c->vo, &c->trusted, &wb, w, now, NULL, NULL, NULL, &wwhy);
        if (we == AG_OK) {
            report(c, w, verified, &c->trusted, c->primary.name);
            report(c, &c->primary, &wb, &c->trusted, w->name);
            light_block_free(&wb);
            *why = LIGHT_FAIL_CONFLICT;
            return ag_err_set(AG_ERR_VERIFY, "%s: witness %s has another header at %" PRId64,
                              light_fail_name(LIGHT_FAIL_CONFLICT), w->name ? w->name : "?",
                              verified->header.height);
        }
        /* the witness lies: drop it */
        light_block_free(&wb);
        c->witnesses[i] = c->witnesses[--c->n_witnesses];
    }
    return AG_OK;
}

/* Backwards: from the lowest stored block above `height`, down by hashes:
 * each header must be the last_block_id of the trusted one above it. */
static ag_err verify_backwards(light_client *c, int64_t height, light_block *out, light_fail *why)
{
    light_block above = {0}, cur = {0};
    ag_err e = light_store_load_above(c->store, height, &above);
    while (!e && above.header.height > height) {
        e = c->primary.ops->light_block(c->primary.ctx, above.header.height - 1, &cur);
        crypto_hash hh;
        if (!e)
            e = light_verify_block_basic(c->chain_id, &cur, why);
        if (!e &&
            (light_block_hash(&cur, &hh) != AG_OK || above.header.last_block_id.hash.len != 32 ||
             memcmp(above.header.last_block_id.hash.b, hh.b, 32) != 0))
            e = refuse(why, LIGHT_FAIL_COMMIT_MISMATCH,
                       "header is not the last_block_id of the trusted header above it");
        if (!e)
            light_block_move(&above, &cur);
        light_block_free(&cur);
    }
    if (!e)
        light_block_move(out, &above);
    light_block_free(&above);
    return e;
}

ag_err light_client_verify_to(light_client *c, int64_t height, cons_timestamp now, light_block *out,
                              light_fail *why)
{
    *why = LIGHT_OK;
    c->last_steps = 0;
    light_block tmp = {0};
    light_block *res = out ? out : &tmp;
    memset(res, 0, sizeof *res);
    ag_err e;
    if (height > 0 && height <= c->trusted.header.height) {
        e = light_store_load(c->store, height, res);
        if (e == AG_ERR_NOT_FOUND)
            e = verify_backwards(c, height, res, why);
        light_block_free(&tmp);
        return e;
    }
    light_block target = {0};
    e = c->primary.ops->light_block(c->primary.ctx, height, &target);
    if (!e && height > 0 && target.header.height != height)
        e = refuse(why, LIGHT_FAIL_HEIGHT, "the primary served another height");
    if (!e && target.header.height <= c->trusted.header.height) {
        /* the primary's latest is not newer than what we trust */
        light_block_free(&target);
        e = light_block_copy(res, &c->trusted);
        light_block_free(&tmp);
        return e;
    }
    if (!e)
        e = light_verify_skipping(&c->vo, &c->trusted, &target, &c->primary, now, NULL, NULL,
                                  &c->last_steps, why);
    if (!e)
        e = cross_check(c, &target, now, why);
    if (!e)
        e = light_store_save(c->store, &target);
    if (!e)
        e = light_block_copy(&c->trusted, &target);
    if (!e)
        light_block_move(res, &target);
    light_block_free(&target);
    light_block_free(&tmp);
    return e;
}
