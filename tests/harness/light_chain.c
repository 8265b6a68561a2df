/* Chains generated in process for the light client (light_chain.h). */
#include "tests/harness/light_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/vote.h"
#include "crypto/hash.h"

struct lchain {
    lchain_opts o;
    char chain_id[CONS_CHAIN_ID_MAX + 1];
    size_t pool;
    crypto_privkey *keys;
    cons_validator *vals; /* pool entries: address, key, power */
    uint64_t served;
    crypto_hash *hashes; /* header hashes of heights 1..n_hashes, made in order */
    int64_t n_hashes, cap_hashes;
    int64_t cached_epoch[4]; /* validator set hashes of recent epochs */
    cons_hash cached_hash[4];
    unsigned cache_next;
};

static void derive(uint8_t out[32], uint64_t seed, const char *what, int64_t n)
{
    char buf[96];
    int len =
        snprintf(buf, sizeof buf, "%llu/%s/%lld", (unsigned long long)seed, what, (long long)n);
    crypto_sha256(out, buf, (size_t)len);
}

ag_err lchain_new(lchain **out, const lchain_opts *o)
{
    *out = NULL;
    if (o->n_vals == 0 || o->n_vals > 256 || (o->change_every && o->shift >= o->n_vals))
        return AG_ERR_INVALID_ARG;
    lchain *c = calloc(1, sizeof *c);
    if (!c)
        return AG_ERR_NOMEM;
    c->o = *o;
    snprintf(c->chain_id, sizeof c->chain_id, "%s", o->chain_id);
    c->o.chain_id = c->chain_id;
    for (int i = 0; i < 4; i++)
        c->cached_epoch[i] = -1;
    c->pool = o->change_every ? 4 * o->n_vals : o->n_vals;
    c->keys = calloc(c->pool, sizeof *c->keys);
    c->vals = calloc(c->pool, sizeof *c->vals);
    if (!c->keys || !c->vals) {
        lchain_free(c);
        return AG_ERR_NOMEM;
    }
    for (size_t i = 0; i < c->pool; i++) {
        uint8_t k[32];
        crypto_pubkey pub;
        ag_err e;
        for (int64_t tries = 0;; tries++) {
            derive(k, o->seed, "key", (int64_t)(i * 1000 + (size_t)tries));
            if ((e = crypto_privkey_from_bytes(&c->keys[i], k, 32)) == AG_OK)
                break;
        }
        e = crypto_pubkey_from_privkey(&pub, &c->keys[i]);
        if (e) {
            lchain_free(c);
            return e;
        }
        cons_validator_init(&c->vals[i], &pub, 10 + (int64_t)(i % 7));
    }
    *out = c;
    return AG_OK;
}

void lchain_free(lchain *c)
{
    if (!c)
        return;
    free(c->keys);
    free(c->vals);
    free(c->hashes);
    free(c);
}

/* The content salt of height h: the fork's from fork_from on. */
static uint64_t salt(const lchain *c, int64_t h)
{
    return c->o.fork && h >= c->o.fork_from ? c->o.fork : 0;
}

static ag_err set_at(lchain *c, int64_t h, cons_valset *out)
{
    size_t n = c->o.n_vals;
    cons_validator vs[256];
    int64_t epoch = c->o.change_every ? (h - 1) / c->o.change_every : 0;
    for (size_t i = 0; i < n; i++)
        vs[i] = c->vals[((size_t)epoch * c->o.shift + i) % c->pool];
    return cons_valset_new(out, vs, n);
}

static long key_of(const lchain *c, const crypto_address *a)
{
    for (size_t i = 0; i < c->pool; i++)
        if (crypto_address_equal(&c->vals[i].address, a))
            return (long)i;
    return -1;
}

ag_err lchain_resign(lchain *c, light_block *b, size_t signers)
{
    return lchain_resign_round(c, b, signers, 0);
}

ag_err lchain_resign_round(lchain *c, light_block *b, size_t signers, int32_t round)
{
    crypto_hash hh;
    ag_err e = cons_header_hash(&hh, &b->header);
    if (e)
        return e;
    cons_commit *cm = &b->commit;
    cons_commit_clear(cm);
    if ((e = cons_commit_alloc(cm, b->vals.n)) != AG_OK)
        return e;
    cm->height = b->header.height;
    cm->round = round;
    cons_hash_set(&cm->block_id.hash, hh.b);
    uint8_t ph[32];
    derive(ph, c->o.seed ^ salt(c, b->header.height), "parts", b->header.height);
    cm->block_id.parts.total = 1;
    cons_hash_set(&cm->block_id.parts.hash, ph);
    for (size_t i = 0; i < b->vals.n && i < signers; i++) {
        long k = key_of(c, &b->vals.vals[i].address);
        if (k < 0)
            return AG_ERR_NOT_FOUND;
        cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                       .height = cm->height,
                       .round = round,
                       .block_id = cm->block_id,
                       .timestamp = b->header.time,
                       .validator_index = (int32_t)i};
        v.timestamp.nanos += 1000;
        if ((e = cons_vote_sign(&v, b->header.chain_id, &c->keys[k], false)) != AG_OK)
            return e;
        cm->sigs[i].flag = CONS_BLOCK_ID_FLAG_COMMIT;
        cm->sigs[i].has_address = true;
        cm->sigs[i].validator_address = v.validator_address;
        cm->sigs[i].timestamp = v.timestamp;
        cm->sigs[i].signature = v.signature;
    }
    return AG_OK;
}

static int64_t epoch_of(const lchain *c, int64_t h)
{
    return c->o.change_every ? (h - 1) / c->o.change_every : 0;
}

static ag_err valset_hash_at(lchain *c, int64_t h, cons_hash *out)
{
    int64_t ep = epoch_of(c, h);
    for (int i = 0; i < 4; i++)
        if (c->cached_epoch[i] == ep) {
            *out = c->cached_hash[i];
            return AG_OK;
        }
    cons_valset vs = {0};
    crypto_hash vh;
    ag_err e = set_at(c, h, &vs);
    if (!e)
        e = cons_valset_hash(&vh, &vs);
    cons_valset_free(&vs);
    if (e)
        return e;
    cons_hash_set(out, vh.b);
    c->cached_epoch[c->cache_next] = ep;
    c->cached_hash[c->cache_next] = *out;
    c->cache_next = (c->cache_next + 1) % 4;
    return AG_OK;
}

/* Header h (unsigned), whose last_block_id names the header hash prev. */
static ag_err make_header(lchain *c, int64_t h, const crypto_hash *prev, cons_header *hd)
{
    memset(hd, 0, sizeof *hd);
    hd->version = (cons_version){CONS_BLOCK_PROTOCOL, 1};
    snprintf(hd->chain_id, sizeof hd->chain_id, "%s", c->o.chain_id);
    hd->height = h;
    int64_t ms = (h - 1) * c->o.block_ms;
    hd->time = (cons_timestamp){c->o.start_s + ms / 1000, (int32_t)(ms % 1000) * 1000000};
    uint8_t b[32];
    if (prev) {
        cons_hash_set(&hd->last_block_id.hash, prev->b);
        hd->last_block_id.parts.total = 1;
        derive(b, c->o.seed ^ salt(c, h - 1), "parts", h - 1);
        cons_hash_set(&hd->last_block_id.parts.hash, b);
        derive(b, c->o.seed ^ salt(c, h), "last_commit", h);
        cons_hash_set(&hd->last_commit_hash, b);
    }
    derive(b, c->o.seed ^ salt(c, h), "data", h);
    cons_hash_set(&hd->data_hash, b);
    derive(b, c->o.seed ^ salt(c, h), "consensus", 0);
    cons_hash_set(&hd->consensus_hash, b);
    derive(b, c->o.seed ^ salt(c, h), "app", h);
    memcpy(hd->app_hash.b, b, 32);
    hd->app_hash.len = 32;
    derive(b, c->o.seed ^ salt(c, h), "results", h);
    cons_hash_set(&hd->last_results_hash, b);
    derive(b, c->o.seed ^ salt(c, h), "proposer", h);
    memcpy(hd->proposer_address.b, b, CRYPTO_ADDRESS_LEN);
    ag_err e = valset_hash_at(c, h, &hd->validators_hash);
    if (!e)
        e = valset_hash_at(c, c->o.hide_changes ? h : h + 1, &hd->next_validators_hash);
    return e;
}

/* The header hash of h, made (and remembered) in height order. */
static ag_err header_hash_at(lchain *c, int64_t h, crypto_hash *out)
{
    if (h > c->cap_hashes) {
        int64_t cap = c->cap_hashes ? c->cap_hashes : 1024;
        while (cap < h)
            cap *= 2;
        crypto_hash *g = realloc(c->hashes, (size_t)cap * sizeof *g);
        if (!g)
            return AG_ERR_NOMEM;
        c->hashes = g;
        c->cap_hashes = cap;
    }
    while (c->n_hashes < h) {
        int64_t k = c->n_hashes + 1;
        cons_header hd;
        ag_err e = make_header(c, k, k > 1 ? &c->hashes[k - 2] : NULL, &hd);
        if (!e)
            e = cons_header_hash(&c->hashes[k - 1], &hd);
        if (e)
            return e;
        c->n_hashes = k;
    }
    *out = c->hashes[h - 1];
    return AG_OK;
}

ag_err lchain_block(lchain *c, int64_t h, light_block *out)
{
    light_block_free(out);
    if (h <= 0)
        return AG_ERR_INVALID_ARG;
    crypto_hash prev;
    ag_err e = h > 1 ? header_hash_at(c, h - 1, &prev) : AG_OK;
    if (!e)
        e = make_header(c, h, h > 1 ? &prev : NULL, &out->header);
    if (!e)
        e = set_at(c, h, &out->vals);
    if (!e)
        e = lchain_resign(c, out, out->vals.n);
    if (e)
        light_block_free(out);
    return e;
}

static ag_err p_block(void *ctx, int64_t h, light_block *out)
{
    lchain *c = ctx;
    if (h == 0)
        h = c->o.height;
    if (h > c->o.height)
        return AG_ERR_NOT_FOUND;
    c->served++;
    return lchain_block(c, h, out);
}

static const light_provider_ops LCHAIN_OPS = {p_block, NULL, NULL};

light_provider lchain_provider(lchain *c)
{
    return (light_provider){&LCHAIN_OPS, c, c->chain_id};
}

uint64_t lchain_served(const lchain *c)
{
    return c->served;
}

void lchain_set_height(lchain *c, int64_t h)
{
    c->o.height = h;
}
