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
};

static void derive(uint8_t out[32], uint64_t seed, const char *what, int64_t n)
{
    char buf[96];
    int len = snprintf(buf, sizeof buf, "%llu/%s/%lld", (unsigned long long)seed, what,
                       (long long)n);
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
    free(c);
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
    crypto_hash hh;
    ag_err e = cons_header_hash(&hh, &b->header);
    if (e)
        return e;
    cons_commit *cm = &b->commit;
    if ((e = cons_commit_alloc(cm, b->vals.n)) != AG_OK)
        return e;
    cm->height = b->header.height;
    cm->round = 0;
    cons_hash_set(&cm->block_id.hash, hh.b);
    uint8_t ph[32];
    derive(ph, c->o.seed, "parts", b->header.height);
    cm->block_id.parts.total = 1;
    cons_hash_set(&cm->block_id.parts.hash, ph);
    for (size_t i = 0; i < b->vals.n && i < signers; i++) {
        long k = key_of(c, &b->vals.vals[i].address);
        if (k < 0)
            return AG_ERR_NOT_FOUND;
        cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                       .height = cm->height,
                       .round = 0,
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

ag_err lchain_block(lchain *c, int64_t h, light_block *out)
{
    memset(out, 0, sizeof *out);
    if (h <= 0)
        return AG_ERR_INVALID_ARG;
    cons_header *hd = &out->header;
    hd->version = (cons_version){CONS_BLOCK_PROTOCOL, 1};
    snprintf(hd->chain_id, sizeof hd->chain_id, "%s", c->o.chain_id);
    hd->height = h;
    int64_t ms = (h - 1) * c->o.block_ms;
    hd->time = (cons_timestamp){c->o.start_s + ms / 1000, (int32_t)(ms % 1000) * 1000000};
    uint8_t b[32];
    if (h > 1) {
        derive(b, c->o.seed, "block", h - 1);
        cons_hash_set(&hd->last_block_id.hash, b);
        hd->last_block_id.parts.total = 1;
        derive(b, c->o.seed, "parts", h - 1);
        cons_hash_set(&hd->last_block_id.parts.hash, b);
        derive(b, c->o.seed, "last_commit", h);
        cons_hash_set(&hd->last_commit_hash, b);
    }
    derive(b, c->o.seed, "data", h);
    cons_hash_set(&hd->data_hash, b);
    derive(b, c->o.seed, "consensus", 0);
    cons_hash_set(&hd->consensus_hash, b);
    derive(b, c->o.seed, "app", h);
    memcpy(hd->app_hash.b, b, 32);
    hd->app_hash.len = 32;
    derive(b, c->o.seed, "results", h);
    cons_hash_set(&hd->last_results_hash, b);
    cons_valset next = {0};
    crypto_hash vh;
    ag_err e = set_at(c, h, &out->vals);
    if (!e)
        e = set_at(c, c->o.hide_changes ? h : h + 1, &next);
    if (!e)
        e = cons_valset_hash(&vh, &out->vals);
    if (!e)
        cons_hash_set(&hd->validators_hash, vh.b);
    if (!e)
        e = cons_valset_hash(&vh, &next);
    if (!e)
        cons_hash_set(&hd->next_validators_hash, vh.b);
    cons_valset_free(&next);
    if (!e)
        hd->proposer_address = out->vals.vals[0].address;
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
