/* ABCI, mempool and index methods: abci_info, abci_query, broadcast_tx_*,
 * check_tx, tx, tx_search, block_search, unconfirmed_txs,
 * num_unconfirmed_txs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/block.h"
#include "consensus/evidence.h"
#include "consensus/merkle.h"
#include "lib/hex.h"
#include "rpc/encode.h"
#include "rpc/limits.h"
#include "rpc/methods.h"
#include "rpc/server_impl.h"

#define BE(c) (&(c)->srv->be)

static json_t *str_or_empty(const char *s)
{
    return json_string(s ? s : "");
}

void rpc_m_abci_info(rpc_call *c, const rpc_args *a)
{
    abci_arena_reset(c->srv->arena);
    abci_resp_info *r = NULL;
    ag_err e = BE(c)->ops->abci_info(BE(c)->ctx, c->srv->arena, &r);
    if (e || !r) {
        rpc_call_fail(c, e ? e : AG_ERR_INTERNAL);
        return;
    }
    json_t *res =
        json_pack("{s:o, s:o, s:o, s:o, s:o}", "data", str_or_empty(r->data), "version",
                  str_or_empty(r->version), "app_version", rpc_json_u64(r->app_version),
                  "last_block_height", rpc_json_i64(r->last_block_height), "last_block_app_hash",
                  rpc_json_b64(r->last_block_app_hash.data, r->last_block_app_hash.len));
    rpc_call_result(c, json_pack("{s:o}", "response", res));
}

void rpc_m_abci_query(rpc_call *c, const rpc_args *a)
{
    abci_arena_reset(c->srv->arena);
    abci_req_query req = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    req.path = abci_str(a->v[0].present ? a->v[0].str : "");
    if (a->v[1].present) {
        req.data.data = a->v[1].bytes;
        req.data.len = a->v[1].len;
    }
    req.height = a->v[2].present ? a->v[2].i : 0;
    req.prove = a->v[3].present && a->v[3].b;
    if (req.height < 0) {
        rpc_call_error(c, RPC_CODE_INTERNAL, "height must be non-negative");
        return;
    }
    abci_resp_query *r = NULL;
    ag_err e = BE(c)->ops->abci_query(BE(c)->ctx, c->srv->arena, &req, &r);
    if (e || !r) {
        rpc_call_fail(c, e ? e : AG_ERR_INTERNAL);
        return;
    }
    json_t *res = json_object();
    json_object_set_new(res, "code", json_integer(r->code));
    json_object_set_new(res, "log", str_or_empty(r->log));
    json_object_set_new(res, "info", str_or_empty(r->info));
    json_object_set_new(res, "index", rpc_json_i64(r->index));
    json_object_set_new(res, "key", rpc_json_b64(r->key.data, r->key.len));
    json_object_set_new(res, "value", rpc_json_b64(r->value.data, r->value.len));
    if (r->proof_ops) {
        json_t *ops = json_array();
        for (size_t i = 0; i < r->proof_ops->n_ops; i++) {
            const Tendermint__Crypto__ProofOp *op = r->proof_ops->ops[i];
            json_array_append_new(ops,
                                  json_pack("{s:o, s:o, s:o}", "type", str_or_empty(op->type),
                                            "key", rpc_json_b64(op->key.data, op->key.len), "data",
                                            rpc_json_b64(op->data.data, op->data.len)));
        }
        json_object_set_new(res, "proofOps", json_pack("{s:o}", "ops", ops));
    } else {
        json_object_set_new(res, "proofOps", json_null());
    }
    json_object_set_new(res, "height", rpc_json_i64(r->height));
    json_object_set_new(res, "codespace", str_or_empty(r->codespace));
    rpc_call_result(c, json_pack("{s:o}", "response", res));
}

static bool tx_arg(rpc_call *c, const rpc_arg *a)
{
    if (!a->present) {
        rpc_call_error(c, RPC_CODE_INVALID_PARAMS, "tx is required");
        return false;
    }
    return true;
}

void rpc_m_broadcast_tx_async(rpc_call *c, const rpc_args *a)
{
    if (tx_arg(c, &a->v[0]))
        rpc_submit(c, a->v[0].bytes, a->v[0].len, RPC_SUBMIT_ASYNC);
}

void rpc_m_broadcast_tx_sync(rpc_call *c, const rpc_args *a)
{
    if (tx_arg(c, &a->v[0]))
        rpc_submit(c, a->v[0].bytes, a->v[0].len, RPC_SUBMIT_SYNC);
}

void rpc_m_broadcast_tx_commit(rpc_call *c, const rpc_args *a)
{
    if (tx_arg(c, &a->v[0]))
        rpc_submit(c, a->v[0].bytes, a->v[0].len, RPC_SUBMIT_COMMIT);
}

void rpc_m_check_tx(rpc_call *c, const rpc_args *a)
{
    if (!tx_arg(c, &a->v[0]))
        return;
    abci_arena_reset(c->srv->arena);
    abci_resp_check_tx *r = NULL;
    ag_err e = BE(c)->ops->check_tx(BE(c)->ctx, c->srv->arena, a->v[0].bytes, a->v[0].len, &r);
    if (e || !r) {
        rpc_call_fail(c, e ? e : AG_ERR_INTERNAL);
        return;
    }
    rpc_call_result(c, rpc_json_check_tx(r));
}

/* broadcast_evidence: `evidence` is the protobuf tendermint.types.Evidence
 * (base64 in JSON-RPC, 0x-hex in a URI) — CometBFT takes its amino JSON
 * instead. Decoded and checked here (size, ValidateBasic), verified by the
 * node's pool; the result is CometBFT's {"hash": base64 of Hash()}. */
void rpc_m_broadcast_evidence(rpc_call *c, const rpc_args *a)
{
    if (!a->v[0].present) {
        rpc_call_error(c, RPC_CODE_INVALID_PARAMS, "evidence is required");
        return;
    }
    cons_evidence ev;
    ag_err e = cons_evidence_decode_wrapped(&ev, a->v[0].bytes, a->v[0].len);
    if (!e)
        e = cons_evidence_validate_basic(&ev);
    if (e) {
        char msg[512];
        snprintf(msg, sizeof msg, "invalid evidence: %s", ag_err_detail());
        rpc_call_error(c, RPC_CODE_INVALID_PARAMS, msg);
        cons_evidence_clear(&ev);
        return;
    }
    crypto_hash h;
    e = cons_evidence_hash(&h, &ev);
    if (!e && !BE(c)->ops->add_evidence)
        e = ag_err_set(AG_ERR_UNSUPPORTED, "this node takes no evidence");
    if (!e)
        e = BE(c)->ops->add_evidence(BE(c)->ctx, &ev);
    cons_evidence_clear(&ev);
    if (e) {
        char msg[512];
        snprintf(msg, sizeof msg, "evidence refused: %s", ag_err_detail());
        rpc_call_error(c, RPC_CODE_INTERNAL, msg);
        return;
    }
    rpc_call_result(c, json_pack("{s:o}", "hash", rpc_json_b64(h.b, sizeof h.b)));
}

/* TxProof of tx `index` in block `height`: {root_hash, data, proof}. */
static json_t *tx_proof(rpc_call *c, int64_t height, uint32_t index, ag_err *err)
{
    cons_block_store *bs = BE(c)->ops->block_store(BE(c)->ctx);
    ag_buf raw;
    ag_buf_init(&raw, 0);
    cons_block b = {0};
    ag_err e = cons_block_store_load_block(bs, height, &raw);
    if (!e)
        e = cons_block_decode(&b, raw.data, raw.len);
    ag_buf_free(&raw);
    if (!e && index >= b.n_txs)
        e = ag_err_set(AG_ERR_NOT_FOUND, "tx index %u not in block %" PRId64, index, height);
    crypto_hash *hashes = NULL;
    ag_slice *items = NULL;
    cons_merkle_proof *proofs = NULL;
    json_t *out = NULL;
    if (!e) {
        hashes = malloc(b.n_txs * sizeof *hashes);
        items = malloc(b.n_txs * sizeof *items);
        proofs = malloc(b.n_txs * sizeof *proofs);
        if (!hashes || !items || !proofs)
            e = ag_err_set(AG_ERR_NOMEM, "tx proof: out of memory");
    }
    crypto_hash root;
    if (!e) {
        for (size_t i = 0; i < b.n_txs; i++) {
            crypto_sha256(hashes[i].b, b.txs[i].ptr, b.txs[i].len);
            items[i] = (ag_slice){hashes[i].b, 32};
        }
        e = cons_merkle_proofs(&root, proofs, items, b.n_txs);
    }
    if (!e) {
        const cons_merkle_proof *p = &proofs[index];
        json_t *aunts = json_array();
        for (uint32_t i = 0; i < p->n_aunts; i++)
            json_array_append_new(aunts, rpc_json_b64(p->aunts[i].b, 32));
        out = json_pack("{s:o, s:o, s:{s:o, s:o, s:o, s:o}}", "root_hash", rpc_json_hex(root.b, 32),
                        "data", rpc_json_b64(b.txs[index].ptr, b.txs[index].len), "proof", "total",
                        rpc_json_i64(p->total), "index", rpc_json_i64(p->index), "leaf_hash",
                        rpc_json_b64(p->leaf_hash.b, 32), "aunts", aunts);
    }
    free(hashes);
    free(items);
    free(proofs);
    cons_block_clear(&b);
    *err = e;
    return out;
}

static json_t *tx_json(rpc_call *c, const crypto_hash *h, const Tendermint__Abci__TxResult *tr,
                       bool prove, ag_err *err)
{
    *err = AG_OK;
    json_t *o = json_object();
    json_object_set_new(o, "hash", rpc_json_hex(h->b, 32));
    json_object_set_new(o, "height", rpc_json_i64(tr->height));
    json_object_set_new(o, "index", json_integer(tr->index));
    json_object_set_new(o, "tx_result", rpc_json_exec_tx_result(tr->result));
    json_t *tx = rpc_json_b64(tr->tx.data, tr->tx.len);
    json_object_set_new(o, "tx", json_is_null(tx) ? (json_decref(tx), json_string("")) : tx);
    if (prove) {
        json_t *p = tx_proof(c, tr->height, tr->index, err);
        if (!p) {
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "proof", p);
    }
    return o;
}

static bool need_index(rpc_call *c)
{
    if (c->srv->ix)
        return true;
    rpc_call_error(c, RPC_CODE_INTERNAL, "transaction indexing is disabled");
    return false;
}

void rpc_m_tx(rpc_call *c, const rpc_args *a)
{
    if (!need_index(c))
        return;
    if (!a->v[0].present || a->v[0].len != 32) {
        rpc_call_error(c, RPC_CODE_INVALID_PARAMS, "hash must be 32 bytes");
        return;
    }
    crypto_hash h;
    memcpy(h.b, a->v[0].bytes, 32);
    Tendermint__Abci__TxResult *tr;
    ag_err e = rpc_indexer_get_tx(c->srv->ix, &h, &tr);
    if (e == AG_ERR_NOT_FOUND) {
        char hx[65], d[96];
        ag_hex_encode(hx, h.b, 32, true);
        snprintf(d, sizeof d, "tx (%s) not found", hx);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return;
    }
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    json_t *j = tx_json(c, &h, tr, a->v[1].present && a->v[1].b, &e);
    tendermint__abci__tx_result__free_unpacked(tr, NULL);
    if (!j)
        rpc_call_fail(c, e);
    else
        rpc_call_result(c, j);
}

/* order_by: 0 asc, 1 desc; -1 (answered) for a bad value. */
static int order_arg(rpc_call *c, const rpc_arg *a, int dflt)
{
    if (!a->present || a->str[0] == 0)
        return dflt;
    if (strcmp(a->str, "asc") == 0)
        return 0;
    if (strcmp(a->str, "desc") == 0)
        return 1;
    rpc_call_error(c, RPC_CODE_INTERNAL, "expected order_by to be either `asc` or `desc` or empty");
    return -1;
}

static bool query_arg(rpc_call *c, const rpc_arg *a, rpc_query *q)
{
    if (!a->present) {
        rpc_call_error(c, RPC_CODE_INVALID_PARAMS, "query is required");
        return false;
    }
    if (rpc_query_parse(q, a->str, strlen(a->str)) != AG_OK) {
        char d[300];
        snprintf(d, sizeof d, "failed to parse query: %s", ag_err_detail());
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return false;
    }
    return true;
}

void rpc_m_tx_search(rpc_call *c, const rpc_args *a)
{
    if (!need_index(c))
        return;
    rpc_query q;
    if (!query_arg(c, &a->v[0], &q))
        return;
    int desc = order_arg(c, &a->v[4], 0);
    if (desc < 0)
        return;
    crypto_hash *hs;
    size_t n;
    ag_err e = rpc_indexer_search_txs(c->srv->ix, &q, &hs, &n);
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    size_t skip, count;
    if (!rpc_paging(c, &a->v[2], &a->v[3], n, &skip, &count)) {
        free(hs);
        return;
    }
    json_t *txs = json_array();
    for (size_t k = skip; k < skip + count && !e; k++) {
        size_t i = desc ? n - 1 - k : k;
        Tendermint__Abci__TxResult *tr;
        e = rpc_indexer_get_tx(c->srv->ix, &hs[i], &tr);
        if (e)
            break;
        json_t *j = tx_json(c, &hs[i], tr, a->v[1].present && a->v[1].b, &e);
        tendermint__abci__tx_result__free_unpacked(tr, NULL);
        if (j)
            json_array_append_new(txs, j);
    }
    free(hs);
    if (e) {
        json_decref(txs);
        rpc_call_fail(c, e);
        return;
    }
    rpc_call_result(c,
                    json_pack("{s:o, s:o}", "txs", txs, "total_count", rpc_json_i64((int64_t)n)));
}

void rpc_m_block_search(rpc_call *c, const rpc_args *a)
{
    if (!need_index(c))
        return;
    rpc_query q;
    if (!query_arg(c, &a->v[0], &q))
        return;
    int desc = order_arg(c, &a->v[3], 1);
    if (desc < 0)
        return;
    int64_t *hs;
    size_t n;
    ag_err e = rpc_indexer_search_blocks(c->srv->ix, &q, &hs, &n);
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    size_t skip, count;
    if (!rpc_paging(c, &a->v[1], &a->v[2], n, &skip, &count)) {
        free(hs);
        return;
    }
    cons_block_store *bs = BE(c)->ops->block_store(BE(c)->ctx);
    json_t *blocks = json_array();
    for (size_t k = skip; k < skip + count && !e; k++) {
        int64_t h = hs[desc ? n - 1 - k : k];
        cons_block_meta m;
        ag_buf raw;
        ag_buf_init(&raw, 0);
        cons_block b = {0};
        e = cons_block_store_load_meta(bs, h, &m);
        if (!e)
            e = cons_block_store_load_block(bs, h, &raw);
        if (!e)
            e = cons_block_decode(&b, raw.data, raw.len);
        ag_buf_free(&raw);
        if (e == AG_ERR_NOT_FOUND) { /* pruned since it was indexed */
            e = AG_OK;
            continue;
        }
        if (!e)
            json_array_append_new(blocks, json_pack("{s:o, s:o}", "block_id",
                                                    rpc_json_block_id(&m.block_id), "block",
                                                    rpc_json_block(&b)));
        cons_block_clear(&b);
    }
    free(hs);
    if (e) {
        json_decref(blocks);
        rpc_call_fail(c, e);
        return;
    }
    rpc_call_result(
        c, json_pack("{s:o, s:o}", "blocks", blocks, "total_count", rpc_json_i64((int64_t)n)));
}

static void unconfirmed(rpc_call *c, long limit, bool list)
{
    cons_mempool_txs t = {0};
    size_t total = 0, bytes = 0;
    ag_err e = BE(c)->ops->unconfirmed_txs(BE(c)->ctx, limit, &t, &total, &bytes);
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    json_t *txs = list ? json_array() : json_null();
    for (size_t i = 0; list && i < t.n; i++) {
        json_t *x = rpc_json_b64(t.txs[i].ptr, t.txs[i].len);
        json_array_append_new(txs, json_is_null(x) ? (json_decref(x), json_string("")) : x);
    }
    json_t *res = json_pack("{s:o, s:o, s:o, s:o}", "n_txs", rpc_json_i64((int64_t)t.n), "total",
                            rpc_json_i64((int64_t)total), "total_bytes",
                            rpc_json_i64((int64_t)bytes), "txs", txs);
    cons_mempool_txs_free(&t);
    rpc_call_result(c, res);
}

void rpc_m_unconfirmed_txs(rpc_call *c, const rpc_args *a)
{
    int64_t limit = a->v[0].present ? a->v[0].i : RPC_UNCONFIRMED_DEFAULT;
    if (limit < 1)
        limit = RPC_UNCONFIRMED_DEFAULT;
    if (limit > RPC_UNCONFIRMED_MAX)
        limit = RPC_UNCONFIRMED_MAX;
    unconfirmed(c, (long)limit, true);
}

void rpc_m_num_unconfirmed_txs(rpc_call *c, const rpc_args *a)
{
    unconfirmed(c, 0, false);
}
