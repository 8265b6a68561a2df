/* The tx and block indexer (indexer.h). */
#include "rpc/indexer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/hex.h"

/* Candidates one search scans before giving up (AG_ERR_TOO_LARGE). */
#define SCAN_MAX (16u * RPC_SEARCH_RESULTS_MAX)
#define KEY_MAX  (8u + RPC_QUERY_KEY_MAX + RPC_QUERY_STR_MAX + 1024u)

struct rpc_indexer {
    state_kv *kv;
    int64_t height;
};

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

ag_err rpc_indexer_open(rpc_indexer **out, state_kv *kv)
{
    *out = NULL;
    rpc_indexer *ix = calloc(1, sizeof *ix);
    if (!ix)
        return ag_err_set(AG_ERR_NOMEM, "indexer: out of memory");
    ix->kv = kv;
    ag_buf v;
    ag_buf_init(&v, 64);
    ag_err e = kv->ops->get(kv, STATE_CF_META, (const uint8_t *)"ix/height", 9, &v);
    if (e == AG_OK) {
        if (v.len != 8) {
            ag_buf_free(&v);
            free(ix);
            return ag_err_set(AG_ERR_CORRUPT, "indexer: bad height record");
        }
        ix->height = (int64_t)get_u64(v.data);
    } else if (e != AG_ERR_NOT_FOUND) {
        ag_buf_free(&v);
        free(ix);
        return e;
    }
    ag_buf_free(&v);
    *out = ix;
    return AG_OK;
}

void rpc_indexer_close(rpc_indexer *ix)
{
    free(ix);
}

int64_t rpc_indexer_height(const rpc_indexer *ix)
{
    return ix->height;
}

static bool attr_ok(const Tendermint__Abci__Event *ev, const Tendermint__Abci__EventAttribute *a)
{
    return ev->type && ev->type[0] && a->key && a->key[0] && a->value;
}

ag_err rpc_tx_events(rpc_events *ev, int64_t height, const crypto_hash *hash,
                     const Tendermint__Abci__ExecTxResult *r, bool indexed_only)
{
    char hx[65], hs[24];
    ag_hex_encode(hx, hash->b, 32, true);
    snprintf(hs, sizeof hs, "%" PRId64, height);
    ag_err e = rpc_events_add(ev, "tm", "event", "Tx", 2);
    if (!e)
        e = rpc_events_add(ev, "tx", "hash", hx, 64);
    if (!e)
        e = rpc_events_add(ev, "tx", "height", hs, strlen(hs));
    for (size_t i = 0; r && !e && i < r->n_events; i++) {
        const Tendermint__Abci__Event *x = r->events[i];
        for (size_t j = 0; !e && j < x->n_attributes; j++) {
            const Tendermint__Abci__EventAttribute *a = x->attributes[j];
            if (!attr_ok(x, a) || (indexed_only && !a->index))
                continue;
            e = rpc_events_add(ev, x->type, a->key, a->value, strlen(a->value));
        }
    }
    return e;
}

ag_err rpc_block_events(rpc_events *ev, int64_t height, Tendermint__Abci__Event *const *events,
                        size_t n_events, bool indexed_only)
{
    char hs[24];
    snprintf(hs, sizeof hs, "%" PRId64, height);
    ag_err e = rpc_events_add(ev, "tm", "event", "NewBlock", 8);
    if (!e)
        e = rpc_events_add(ev, "block", "height", hs, strlen(hs));
    for (size_t i = 0; !e && i < n_events; i++) {
        const Tendermint__Abci__Event *x = events[i];
        for (size_t j = 0; !e && j < x->n_attributes; j++) {
            const Tendermint__Abci__EventAttribute *a = x->attributes[j];
            if (!attr_ok(x, a) || (indexed_only && !a->index))
                continue;
            e = rpc_events_add(ev, x->type, a->key, a->value, strlen(a->value));
        }
    }
    return e;
}

/* "ix/a/" or "ix/c/" + key + \0 + value + \0 (+ position appended by caller). */
static ag_err attr_key(ag_buf *k, char kind, const char *key, const char *value, size_t vlen)
{
    ag_buf_reset(k);
    char pre[5] = {'i', 'x', '/', kind, '/'};
    ag_err e = ag_buf_append(k, pre, 5);
    if (!e)
        e = ag_buf_append(k, key, strlen(key) + 1);
    if (!e && value)
        e = ag_buf_append(k, value, vlen);
    if (!e && value)
        e = ag_buf_append_byte(k, 0);
    return e;
}

static ag_err pack_put(state_kv *kv, state_kv_batch *b, const uint8_t *key, size_t klen,
                       const ProtobufCMessage *m)
{
    size_t sz = protobuf_c_message_get_packed_size(m);
    uint8_t *p = malloc(sz ? sz : 1);
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "indexer: out of memory");
    protobuf_c_message_pack(m, p);
    ag_err e = kv->ops->put(b, STATE_CF_META, key, klen, p, sz);
    free(p);
    return e;
}

ag_err rpc_indexer_index_block(rpc_indexer *ix, int64_t height, const ag_slice *txs, size_t n_txs,
                               const abci_resp_finalize_block *resp)
{
    if (height <= 0 || resp->n_tx_results != n_txs)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "indexer: block %" PRId64 " has %zu txs and %zu results", height, n_txs,
                          resp->n_tx_results);
    state_kv *kv = ix->kv;
    state_kv_batch *b;
    ag_err e = kv->ops->batch_new(kv, &b);
    if (e)
        return e;
    ag_buf k;
    ag_buf_init(&k, KEY_MAX + 4096);
    uint8_t pos[12];
    for (size_t i = 0; !e && i < n_txs; i++) {
        const Tendermint__Abci__ExecTxResult *r = resp->tx_results[i];
        crypto_hash h;
        crypto_sha256(h.b, txs[i].ptr, txs[i].len);
        uint8_t tk[5 + 32];
        memcpy(tk, "ix/t/", 5);
        memcpy(tk + 5, h.b, 32);
        /* keep an earlier success over a later failure (CometBFT) */
        if (r->code != 0) {
            Tendermint__Abci__TxResult *old = NULL;
            if (rpc_indexer_get_tx(ix, &h, &old) == AG_OK) {
                bool keep = old->result && old->result->code == 0;
                tendermint__abci__tx_result__free_unpacked(old, NULL);
                if (keep)
                    continue;
            }
        }
        Tendermint__Abci__TxResult tr = TENDERMINT__ABCI__TX_RESULT__INIT;
        tr.height = height;
        tr.index = (uint32_t)i;
        tr.tx.data = (uint8_t *)(uintptr_t)txs[i].ptr;
        tr.tx.len = txs[i].len;
        tr.result = (Tendermint__Abci__ExecTxResult *)(uintptr_t)r;
        e = pack_put(kv, b, tk, sizeof tk, &tr.base);
        put_u64(pos, (uint64_t)height);
        put_u32(pos + 8, (uint32_t)i);
        uint8_t pk[5 + 12];
        memcpy(pk, "ix/p/", 5);
        memcpy(pk + 5, pos, 12);
        if (!e)
            e = kv->ops->put(b, STATE_CF_META, pk, sizeof pk, h.b, 32);
        for (size_t j = 0; !e && j < r->n_events; j++) {
            const Tendermint__Abci__Event *x = r->events[j];
            for (size_t a = 0; !e && a < x->n_attributes; a++) {
                const Tendermint__Abci__EventAttribute *at = x->attributes[a];
                if (!attr_ok(x, at) || !at->index)
                    continue;
                char ck[RPC_QUERY_KEY_MAX + 2];
                int cl = snprintf(ck, sizeof ck, "%s.%s", x->type, at->key);
                size_t vl = strlen(at->value);
                if (cl < 0 || (size_t)cl >= sizeof ck || vl > KEY_MAX)
                    continue; /* too long to be queried anyway */
                e = attr_key(&k, 'a', ck, at->value, vl);
                if (!e)
                    e = ag_buf_append(&k, pos, 12);
                if (!e)
                    e = kv->ops->put(b, STATE_CF_META, k.data, k.len, h.b, 32);
            }
        }
    }
    /* block events */
    uint8_t bk[5 + 8];
    memcpy(bk, "ix/b/", 5);
    put_u64(bk + 5, (uint64_t)height);
    if (!e) {
        Tendermint__Abci__ResponseFinalizeBlock only =
            TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
        only.events = resp->events;
        only.n_events = resp->n_events;
        e = pack_put(kv, b, bk, sizeof bk, &only.base);
    }
    for (size_t j = 0; !e && j < resp->n_events; j++) {
        const Tendermint__Abci__Event *x = resp->events[j];
        for (size_t a = 0; !e && a < x->n_attributes; a++) {
            const Tendermint__Abci__EventAttribute *at = x->attributes[a];
            if (!attr_ok(x, at) || !at->index)
                continue;
            char ck[RPC_QUERY_KEY_MAX + 2];
            int cl = snprintf(ck, sizeof ck, "%s.%s", x->type, at->key);
            size_t vl = strlen(at->value);
            if (cl < 0 || (size_t)cl >= sizeof ck || vl > KEY_MAX)
                continue;
            e = attr_key(&k, 'c', ck, at->value, vl);
            if (!e)
                e = ag_buf_append(&k, bk + 5, 8);
            if (!e)
                e = kv->ops->put(b, STATE_CF_META, k.data, k.len, NULL, 0);
        }
    }
    int64_t nh = height > ix->height ? height : ix->height;
    uint8_t hv[8];
    put_u64(hv, (uint64_t)nh);
    if (!e)
        e = kv->ops->put(b, STATE_CF_META, (const uint8_t *)"ix/height", 9, hv, 8);
    if (!e)
        e = kv->ops->write(kv, b, false);
    kv->ops->batch_free(b);
    ag_buf_free(&k);
    if (!e)
        ix->height = nh;
    return e;
}

ag_err rpc_indexer_get_tx(rpc_indexer *ix, const crypto_hash *hash,
                          Tendermint__Abci__TxResult **out)
{
    *out = NULL;
    uint8_t tk[5 + 32];
    memcpy(tk, "ix/t/", 5);
    memcpy(tk + 5, hash->b, 32);
    ag_buf v;
    ag_buf_init(&v, 0);
    ag_err e = ix->kv->ops->get(ix->kv, STATE_CF_META, tk, sizeof tk, &v);
    if (e == AG_ERR_NOT_FOUND) {
        ag_buf_free(&v);
        return ag_err_set(AG_ERR_NOT_FOUND, "tx not found");
    }
    if (e) {
        ag_buf_free(&v);
        return e;
    }
    *out = tendermint__abci__tx_result__unpack(NULL, v.len, v.data);
    ag_buf_free(&v);
    if (!*out)
        return ag_err_set(AG_ERR_CORRUPT, "indexer: stored tx result does not decode");
    return AG_OK;
}

/* ---- searching ---------------------------------------------------------- */

typedef struct cand {
    int64_t height;
    uint32_t index;
    crypto_hash hash;
} cand;

typedef struct cands {
    cand *c;
    size_t n, cap;
    size_t scanned;
} cands;

static ag_err cands_add(cands *cs, int64_t h, uint32_t i, const uint8_t *hash)
{
    if (cs->n == cs->cap) {
        size_t nc = cs->cap ? cs->cap * 2 : 64;
        cand *nn = realloc(cs->c, nc * sizeof *nn);
        if (!nn)
            return ag_err_set(AG_ERR_NOMEM, "indexer: out of memory");
        cs->c = nn;
        cs->cap = nc;
    }
    cand *c = &cs->c[cs->n++];
    c->height = h;
    c->index = i;
    if (hash)
        memcpy(c->hash.b, hash, 32);
    return AG_OK;
}

/* Height bounds from conditions on `key` (tx.height / block.height). */
static void height_bounds(const rpc_query *q, const char *key, int64_t *lo, int64_t *hi)
{
    *lo = 1;
    *hi = INT64_MAX;
    for (size_t i = 0; i < q->n; i++) {
        const rpc_query_cond *c = &q->conds[i];
        if (strcmp(c->key, key) != 0 || !c->is_num || !c->num_is_int)
            continue;
        int64_t v = c->ival;
        switch (c->op) {
        case RPC_OP_EQ:
            if (v > *lo)
                *lo = v;
            if (v < *hi)
                *hi = v;
            break;
        case RPC_OP_GT:
            if (v < INT64_MAX && v + 1 > *lo)
                *lo = v + 1;
            break;
        case RPC_OP_GE:
            if (v > *lo)
                *lo = v;
            break;
        case RPC_OP_LT:
            if (v - 1 < *hi)
                *hi = v - 1;
            break;
        case RPC_OP_LE:
            if (v < *hi)
                *hi = v;
            break;
        default:
            break;
        }
    }
}

/* Iterate keys with `prefix`, calling fn for each; stops at SCAN_MAX. */
typedef ag_err (*scan_fn)(void *u, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                          bool *stop);

static ag_err scan(rpc_indexer *ix, const uint8_t *start, size_t sl, const uint8_t *prefix,
                   size_t pl, cands *cs, scan_fn fn, void *u)
{
    state_kv_iter *it;
    ag_err e = ix->kv->ops->iter_new(ix->kv, STATE_CF_META, &it);
    if (e)
        return e;
    bool stop = false;
    for (ix->kv->ops->iter_seek(it, start, sl); !e && !stop && ix->kv->ops->iter_valid(it);
         ix->kv->ops->iter_next(it)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        ix->kv->ops->iter_entry(it, &k, &kl, &v, &vl);
        if (kl < pl || memcmp(k, prefix, pl) != 0)
            break;
        if (++cs->scanned > SCAN_MAX) {
            e = ag_err_set(AG_ERR_TOO_LARGE, "search: more than %u candidates; narrow the query",
                           SCAN_MAX);
            break;
        }
        e = fn(u, k, kl, v, vl, &stop);
    }
    if (!e)
        e = ix->kv->ops->iter_status(it);
    ix->kv->ops->iter_free(it);
    return e;
}

typedef struct scan_ctx {
    cands *cs;
    int64_t hi;
    size_t prefix_len; /* of attribute keys: the position is the last 12/8 bytes */
} scan_ctx;

static ag_err on_pos(void *u, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool *stop)
{
    scan_ctx *s = u;
    if (kl != 17 || vl != 32)
        return ag_err_set(AG_ERR_CORRUPT, "indexer: bad position record");
    int64_t h = (int64_t)get_u64(k + 5);
    if (h > s->hi) {
        *stop = true;
        return AG_OK;
    }
    uint32_t i = ((uint32_t)k[13] << 24) | ((uint32_t)k[14] << 16) | ((uint32_t)k[15] << 8) | k[16];
    return cands_add(s->cs, h, i, v);
}

static ag_err on_tx_attr(void *u, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                         bool *stop)
{
    scan_ctx *s = u;
    if (kl < 12 || vl != 32)
        return ag_err_set(AG_ERR_CORRUPT, "indexer: bad attribute record");
    const uint8_t *p = k + kl - 12;
    uint32_t i = ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11];
    return cands_add(s->cs, (int64_t)get_u64(p), i, v);
}

static ag_err on_block(void *u, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                       bool *stop)
{
    scan_ctx *s = u;
    if (kl < 8)
        return ag_err_set(AG_ERR_CORRUPT, "indexer: bad block record");
    int64_t h = (int64_t)get_u64(k + kl - 8);
    if (kl == 13 && h > s->hi) { /* ix/b/<h>: in height order */
        *stop = true;
        return AG_OK;
    }
    return cands_add(s->cs, h, 0, NULL);
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int cand_hash_cmp(const void *a, const void *b)
{
    return memcmp(((const cand *)a)->hash.b, ((const cand *)b)->hash.b, 32);
}

/* Choose the candidate source: the index of the '=' attribute condition to
 * scan, or -1. A key prefix scan for EXISTS/CONTAINS uses *prefix_cond. */
static int pick_eq(const rpc_query *q, const char *height_key, int *prefix_cond)
{
    int eq = -1;
    *prefix_cond = -1;
    for (size_t i = 0; i < q->n; i++) {
        const rpc_query_cond *c = &q->conds[i];
        if (strcmp(c->key, "tm.event") == 0 || strcmp(c->key, height_key) == 0 ||
            strcmp(c->key, "tx.hash") == 0)
            continue;
        if (c->op == RPC_OP_EQ && eq < 0)
            eq = (int)i;
        else if (*prefix_cond < 0)
            *prefix_cond = (int)i;
    }
    return eq;
}

ag_err rpc_indexer_search_txs(rpc_indexer *ix, const rpc_query *q, crypto_hash **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    cands cs = {0};
    ag_err e = AG_OK;
    ag_buf k;
    ag_buf_init(&k, KEY_MAX + 64);
    scan_ctx sc = {&cs, INT64_MAX, 0};
    int64_t lo, hi;
    height_bounds(q, "tx.height", &lo, &hi);
    sc.hi = hi;
    const rpc_query_cond *hash_cond = NULL;
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->conds[i].key, "tx.hash") == 0 && q->conds[i].op == RPC_OP_EQ)
            hash_cond = &q->conds[i];
    int prefix_cond;
    int eq = pick_eq(q, "tx.height", &prefix_cond);
    if (lo > hi) {
        /* nothing can match */
    } else if (hash_cond) {
        crypto_hash h;
        if (hash_cond->str_len == 64 && ag_hex_decode_exact(h.b, 32, hash_cond->str) == AG_OK)
            e = cands_add(&cs, 0, 0, h.b);
    } else if (eq >= 0 || prefix_cond >= 0) {
        const rpc_query_cond *c = &q->conds[eq >= 0 ? eq : prefix_cond];
        e = attr_key(&k, 'a', c->key, eq >= 0 ? c->str : NULL, c->str_len);
        if (!e)
            e = scan(ix, k.data, k.len, k.data, k.len, &cs, on_tx_attr, &sc);
    } else {
        uint8_t start[5 + 8];
        memcpy(start, "ix/p/", 5);
        put_u64(start + 5, (uint64_t)lo);
        e = scan(ix, start, sizeof start, start, 5, &cs, on_pos, &sc);
    }
    ag_buf_free(&k);
    /* one candidate per hash (an attribute scan may list a tx twice) */
    if (!e && cs.n > 1)
        qsort(cs.c, cs.n, sizeof *cs.c, cand_hash_cmp);
    /* check every condition on each candidate's own events */
    size_t kept = 0;
    crypto_hash prev;
    for (size_t i = 0; !e && i < cs.n; i++) {
        /* (kept entries are written over the front of cs.c: compare with a copy) */
        if (i && memcmp(prev.b, cs.c[i].hash.b, 32) == 0)
            continue;
        prev = cs.c[i].hash;
        Tendermint__Abci__TxResult *tr;
        ag_err ge = rpc_indexer_get_tx(ix, &cs.c[i].hash, &tr);
        if (ge == AG_ERR_NOT_FOUND)
            continue;
        if (ge) {
            e = ge;
            break;
        }
        rpc_events ev = {0};
        e = rpc_tx_events(&ev, tr->height, &cs.c[i].hash, tr->result, true);
        bool ok = !e && rpc_query_match(q, &ev);
        /* a replaced entry (the tx seen again later) is found at its new position only */
        if (ok && cs.c[i].height && cs.c[i].height != tr->height)
            ok = false;
        rpc_events_free(&ev);
        if (ok) {
            if (kept == RPC_SEARCH_RESULTS_MAX)
                e = ag_err_set(AG_ERR_TOO_LARGE, "search: more than %u results; narrow the query",
                               RPC_SEARCH_RESULTS_MAX);
            else
                cs.c[kept++] = (cand){tr->height, tr->index, cs.c[i].hash};
        }
        tendermint__abci__tx_result__free_unpacked(tr, NULL);
    }
    if (e) {
        free(cs.c);
        return e;
    }
    if (kept > 1)
        qsort(cs.c, kept, sizeof *cs.c, cand_cmp);
    crypto_hash *res = malloc((kept ? kept : 1) * sizeof *res);
    if (!res) {
        free(cs.c);
        return ag_err_set(AG_ERR_NOMEM, "search: out of memory");
    }
    for (size_t i = 0; i < kept; i++)
        res[i] = cs.c[i].hash;
    free(cs.c);
    *out = res;
    *n = kept;
    return AG_OK;
}

static ag_err load_block_events(rpc_indexer *ix, int64_t h,
                                Tendermint__Abci__ResponseFinalizeBlock **out)
{
    uint8_t bk[13];
    memcpy(bk, "ix/b/", 5);
    put_u64(bk + 5, (uint64_t)h);
    ag_buf v;
    ag_buf_init(&v, 0);
    ag_err e = ix->kv->ops->get(ix->kv, STATE_CF_META, bk, sizeof bk, &v);
    if (e) {
        ag_buf_free(&v);
        return e;
    }
    *out = tendermint__abci__response_finalize_block__unpack(NULL, v.len, v.data);
    ag_buf_free(&v);
    return *out ? AG_OK : ag_err_set(AG_ERR_CORRUPT, "indexer: stored block events do not decode");
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

ag_err rpc_indexer_search_blocks(rpc_indexer *ix, const rpc_query *q, int64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    cands cs = {0};
    ag_err e = AG_OK;
    int64_t lo, hi;
    height_bounds(q, "block.height", &lo, &hi);
    scan_ctx sc = {&cs, hi, 0};
    int prefix_cond;
    int eq = pick_eq(q, "block.height", &prefix_cond);
    ag_buf k;
    ag_buf_init(&k, KEY_MAX + 64);
    if (lo > hi) {
    } else if (eq >= 0 || prefix_cond >= 0) {
        const rpc_query_cond *c = &q->conds[eq >= 0 ? eq : prefix_cond];
        e = attr_key(&k, 'c', c->key, eq >= 0 ? c->str : NULL, c->str_len);
        if (!e)
            e = scan(ix, k.data, k.len, k.data, k.len, &cs, on_block, &sc);
    } else {
        uint8_t start[13];
        memcpy(start, "ix/b/", 5);
        put_u64(start + 5, (uint64_t)lo);
        e = scan(ix, start, sizeof start, start, 5, &cs, on_block, &sc);
    }
    ag_buf_free(&k);
    if (!e)
        if (cs.n > 1)
            qsort(cs.c, cs.n, sizeof *cs.c, cand_cmp);
    int64_t *res = e ? NULL : malloc((cs.n ? cs.n : 1) * sizeof *res);
    if (!e && !res)
        e = ag_err_set(AG_ERR_NOMEM, "search: out of memory");
    size_t kept = 0;
    for (size_t i = 0; !e && i < cs.n; i++) {
        if (kept && res[kept - 1] == cs.c[i].height)
            continue;
        Tendermint__Abci__ResponseFinalizeBlock *r;
        ag_err ge = load_block_events(ix, cs.c[i].height, &r);
        if (ge == AG_ERR_NOT_FOUND)
            continue;
        if (ge) {
            e = ge;
            break;
        }
        rpc_events ev = {0};
        e = rpc_block_events(&ev, cs.c[i].height, r->events, r->n_events, true);
        bool ok = !e && rpc_query_match(q, &ev);
        rpc_events_free(&ev);
        tendermint__abci__response_finalize_block__free_unpacked(r, NULL);
        if (ok) {
            if (kept == RPC_SEARCH_RESULTS_MAX)
                e = ag_err_set(AG_ERR_TOO_LARGE, "search: more than %u results; narrow the query",
                               RPC_SEARCH_RESULTS_MAX);
            else
                res[kept++] = cs.c[i].height;
        }
    }
    free(cs.c);
    if (e) {
        free(res);
        return e;
    }
    if (kept > 1)
        qsort(res, kept, sizeof *res, i64_cmp);
    *out = res;
    *n = kept;
    return AG_OK;
}
