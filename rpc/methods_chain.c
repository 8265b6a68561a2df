/* Methods over the block and state stores: block, block_by_hash,
 * block_results, blockchain, commit, header, header_by_hash, validators,
 * consensus_params. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/block.h"
#include "consensus/state_store.h"
#include "rpc/encode.h"
#include "rpc/limits.h"
#include "rpc/methods.h"
#include "rpc/server_impl.h"

static cons_block_store *store(rpc_call *c)
{
    return c->srv->be.ops->block_store(c->srv->be.ctx);
}

static cons_state_store *sstore(rpc_call *c)
{
    return c->srv->be.ops->state_store(c->srv->be.ctx);
}

/* CometBFT's getHeight: absent -> latest; otherwise 1 <= h <= latest and
 * h >= base. false (and the call answered) on a bad height. */
static bool get_height(rpc_call *c, const rpc_arg *a, int64_t latest, int64_t base, int64_t *out)
{
    char d[160];
    if (!a->present) {
        *out = latest;
        return true;
    }
    if (a->i <= 0) {
        snprintf(d, sizeof d, "height must be greater than 0, but got %" PRId64, a->i);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return false;
    }
    if (a->i > latest) {
        snprintf(d, sizeof d,
                 "height %" PRId64
                 " must be less than or equal to the current blockchain height %" PRId64,
                 a->i, latest);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return false;
    }
    if (a->i < base) {
        snprintf(d, sizeof d, "height %" PRId64 " is not available, lowest height is %" PRId64,
                 a->i, base);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return false;
    }
    *out = a->i;
    return true;
}

static json_t *load_block_json(rpc_call *c, int64_t h, cons_block_meta *meta, ag_err *err)
{
    cons_block_store *bs = store(c);
    ag_buf raw;
    ag_buf_init(&raw, 0);
    cons_block b = {0};
    ag_err e = cons_block_store_load_meta(bs, h, meta);
    if (!e)
        e = cons_block_store_load_block(bs, h, &raw);
    if (!e)
        e = cons_block_decode(&b, raw.data, raw.len);
    ag_buf_free(&raw);
    *err = e;
    if (e)
        return NULL;
    json_t *j = rpc_json_block(&b);
    cons_block_clear(&b);
    return j;
}

static void answer_block(rpc_call *c, int64_t h)
{
    cons_block_meta meta;
    ag_err e;
    json_t *b = load_block_json(c, h, &meta, &e);
    if (!b) {
        rpc_call_fail(c, e);
        return;
    }
    rpc_call_result(
        c, json_pack("{s:o, s:o}", "block_id", rpc_json_block_id(&meta.block_id), "block", b));
}

void rpc_m_block(rpc_call *c, const rpc_args *a)
{
    cons_block_store *bs = store(c);
    int64_t h;
    if (!get_height(c, &a->v[0], cons_block_store_height(bs), cons_block_store_base(bs), &h))
        return;
    if (h == 0) {
        cons_block_id zero = {0};
        rpc_call_result(c, json_pack("{s:o, s:n}", "block_id", rpc_json_block_id(&zero), "block"));
        return;
    }
    answer_block(c, h);
}

static bool hash_arg(rpc_call *c, const rpc_arg *a, crypto_hash *out)
{
    if (!a->present || a->len != 32) {
        rpc_call_error(c, RPC_CODE_INVALID_PARAMS, "hash must be 32 bytes");
        return false;
    }
    memcpy(out->b, a->bytes, 32);
    return true;
}

void rpc_m_block_by_hash(rpc_call *c, const rpc_args *a)
{
    crypto_hash h;
    if (!hash_arg(c, &a->v[0], &h))
        return;
    cons_block_meta meta;
    ag_err e = cons_block_store_load_meta_by_hash(store(c), &h, &meta);
    if (e == AG_ERR_NOT_FOUND) {
        cons_block_id zero = {0};
        rpc_call_result(c, json_pack("{s:o, s:n}", "block_id", rpc_json_block_id(&zero), "block"));
        return;
    }
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    answer_block(c, meta.header.height);
}

void rpc_m_block_results(rpc_call *c, const rpc_args *a)
{
    cons_block_store *bs = store(c);
    int64_t h;
    if (!get_height(c, &a->v[0], cons_block_store_height(bs), cons_block_store_base(bs), &h))
        return;
    ag_buf raw;
    ag_buf_init(&raw, 0);
    ag_err e = cons_state_store_load_finalize_response(sstore(c), h, &raw);
    if (e) {
        ag_buf_free(&raw);
        char d[128];
        snprintf(d, sizeof d, "could not find results for height #%" PRId64, h);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return;
    }
    Tendermint__Abci__ResponseFinalizeBlock *r =
        tendermint__abci__response_finalize_block__unpack(NULL, raw.len, raw.data);
    ag_buf_free(&raw);
    if (!r) {
        rpc_call_error(c, RPC_CODE_INTERNAL, "stored FinalizeBlock response does not decode");
        return;
    }
    json_t *fin = rpc_json_finalize(r);
    json_t *res = json_object();
    json_object_set_new(res, "height", rpc_json_i64(h));
    json_t *txs = json_object_get(fin, "tx_results");
    json_object_set(res, "txs_results", json_array_size(txs) ? txs : json_null());
    json_t *ev = json_object_get(fin, "events");
    json_object_set(res, "finalize_block_events", json_array_size(ev) ? ev : json_null());
    json_t *vu = json_object_get(fin, "validator_updates");
    json_object_set(res, "validator_updates", json_array_size(vu) ? vu : json_null());
    json_object_set(res, "consensus_param_updates",
                    json_object_get(fin, "consensus_param_updates"));
    json_object_set(res, "app_hash", json_object_get(fin, "app_hash"));
    json_decref(fin);
    tendermint__abci__response_finalize_block__free_unpacked(r, NULL);
    rpc_call_result(c, res);
}

void rpc_m_blockchain(rpc_call *c, const rpc_args *a)
{
    cons_block_store *bs = store(c);
    int64_t base = cons_block_store_base(bs), height = cons_block_store_height(bs);
    int64_t min = a->v[0].present ? a->v[0].i : 0, max = a->v[1].present ? a->v[1].i : 0;
    char d[128];
    if (min < 0 || max < 0) {
        rpc_call_error(c, RPC_CODE_INTERNAL, "heights must be non-negative");
        return;
    }
    /* CometBFT's filterMinMax */
    if (max == 0 || max > height)
        max = height;
    if (min == 0)
        min = 1;
    if (min < base)
        min = base;
    if (min < max - RPC_BLOCKCHAIN_MAX + 1)
        min = max - RPC_BLOCKCHAIN_MAX + 1;
    if (min > max) {
        snprintf(d, sizeof d, "min height %" PRId64 " can't be greater than max height %" PRId64,
                 min, max);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return;
    }
    json_t *metas = json_array();
    for (int64_t h = max; h >= min && h > 0; h--) {
        cons_block_meta m;
        ag_err e = cons_block_store_load_meta(bs, h, &m);
        if (e) {
            json_decref(metas);
            rpc_call_fail(c, e);
            return;
        }
        json_array_append_new(metas, rpc_json_block_meta(&m));
    }
    rpc_call_result(
        c, json_pack("{s:o, s:o}", "last_height", rpc_json_i64(height), "block_metas", metas));
}

void rpc_m_commit(rpc_call *c, const rpc_args *a)
{
    cons_block_store *bs = store(c);
    int64_t latest = cons_block_store_height(bs), h;
    if (!get_height(c, &a->v[0], latest, cons_block_store_base(bs), &h))
        return;
    if (h == 0) {
        rpc_call_error(c, RPC_CODE_INTERNAL, "no blocks yet");
        return;
    }
    cons_block_meta m;
    cons_commit cm = {0};
    bool canonical = h != latest;
    ag_err e = cons_block_store_load_meta(bs, h, &m);
    if (!e)
        e = canonical ? cons_block_store_load_commit(bs, h, &cm)
                      : cons_block_store_load_seen_commit(bs, h, &cm);
    if (e) {
        cons_commit_clear(&cm);
        rpc_call_fail(c, e);
        return;
    }
    json_t *sh = json_pack("{s:o, s:o}", "header", rpc_json_header(&m.header), "commit",
                           rpc_json_commit(&cm));
    cons_commit_clear(&cm);
    rpc_call_result(c, json_pack("{s:o, s:b}", "signed_header", sh, "canonical", canonical));
}

void rpc_m_header(rpc_call *c, const rpc_args *a)
{
    cons_block_store *bs = store(c);
    int64_t h;
    if (!get_height(c, &a->v[0], cons_block_store_height(bs), cons_block_store_base(bs), &h))
        return;
    cons_block_meta m;
    ag_err e = h ? cons_block_store_load_meta(bs, h, &m) : AG_ERR_NOT_FOUND;
    if (e == AG_ERR_NOT_FOUND) {
        rpc_call_result(c, json_pack("{s:n}", "header"));
        return;
    }
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    rpc_call_result(c, json_pack("{s:o}", "header", rpc_json_header(&m.header)));
}

void rpc_m_header_by_hash(rpc_call *c, const rpc_args *a)
{
    crypto_hash h;
    if (!hash_arg(c, &a->v[0], &h))
        return;
    cons_block_meta m;
    ag_err e = cons_block_store_load_meta_by_hash(store(c), &h, &m);
    if (e == AG_ERR_NOT_FOUND) {
        rpc_call_result(c, json_pack("{s:n}", "header"));
        return;
    }
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    rpc_call_result(c, json_pack("{s:o}", "header", rpc_json_header(&m.header)));
}

/* page/per_page as CometBFT's validatePage/validatePerPage. */
static bool paging(rpc_call *c, const rpc_arg *page, const rpc_arg *per_page, size_t total,
                   size_t *skip, size_t *count)
{
    int64_t pp = per_page->present ? per_page->i : RPC_PER_PAGE_DEFAULT;
    if (pp < 1)
        pp = RPC_PER_PAGE_DEFAULT;
    if (pp > RPC_PER_PAGE_MAX)
        pp = RPC_PER_PAGE_MAX;
    int64_t pages = total ? ((int64_t)total + pp - 1) / pp : 1;
    int64_t p = page->present ? page->i : 1;
    if (p < 1 || p > pages) {
        char d[96];
        snprintf(d, sizeof d, "page should be within [1, %" PRId64 "] range, given %" PRId64, pages,
                 p);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return false;
    }
    *skip = (size_t)((p - 1) * pp);
    *count = total - *skip < (size_t)pp ? total - *skip : (size_t)pp;
    return true;
}

bool rpc_paging(rpc_call *c, const rpc_arg *page, const rpc_arg *per_page, size_t total,
                size_t *skip, size_t *count)
{
    return paging(c, page, per_page, total, skip, count);
}

void rpc_m_validators(rpc_call *c, const rpc_args *a)
{
    cons_block_store *bs = store(c);
    int64_t h;
    /* the latest uncommitted height: validators of the next block are known */
    if (!get_height(c, &a->v[0], cons_block_store_height(bs) + 1, cons_block_store_base(bs), &h))
        return;
    cons_valset vs = {0};
    ag_err e = cons_state_store_load_validators(sstore(c), h, &vs);
    if (e) {
        cons_valset_free(&vs);
        rpc_call_fail(c, e);
        return;
    }
    size_t skip, count;
    if (!paging(c, &a->v[1], &a->v[2], vs.n, &skip, &count)) {
        cons_valset_free(&vs);
        return;
    }
    json_t *vals = json_array();
    for (size_t i = skip; i < skip + count; i++)
        json_array_append_new(vals, rpc_json_validator(&vs.vals[i]));
    json_t *res =
        json_pack("{s:o, s:o, s:o, s:o}", "block_height", rpc_json_i64(h), "validators", vals,
                  "count", rpc_json_i64((int64_t)count), "total", rpc_json_i64((int64_t)vs.n));
    cons_valset_free(&vs);
    rpc_call_result(c, res);
}

void rpc_m_consensus_params(rpc_call *c, const rpc_args *a)
{
    cons_block_store *bs = store(c);
    int64_t h;
    if (!get_height(c, &a->v[0], cons_block_store_height(bs) + 1, cons_block_store_base(bs), &h))
        return;
    ag_buf raw;
    ag_buf_init(&raw, 0);
    ag_err e = cons_state_store_load_params(sstore(c), h, &raw);
    json_t *p = e ? NULL : rpc_json_params_encoded(raw.data, raw.len);
    ag_buf_free(&raw);
    if (!p) {
        rpc_call_fail(c, e ? e : AG_ERR_CORRUPT);
        return;
    }
    rpc_call_result(
        c, json_pack("{s:o, s:o}", "block_height", rpc_json_i64(h), "consensus_params", p));
}
