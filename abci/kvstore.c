/*
 * kvstore.c — the example key-value application.
 *
 * State machine (one height at a time):
 *
 *   InitChain (height 0 only) --> committed state, height 0
 *   FinalizeBlock(h == last + 1, or the initial height) --> working = committed + txs
 *   Commit --> committed = working, height = h, maybe a snapshot
 *   OfferSnapshot (height 0 only) --> restoring; ApplySnapshotChunk in index
 *   order; the last chunk must hash to the offered app hash --> committed
 *
 * Queries and Info read only the committed state. Pairs are immutable and
 * reference-counted, so the working state starts as a cheap copy of the
 * committed one (an array of pointers) and Commit is a move.
 */
#include "abci/kvstore.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/varint.h"

#define KV_CHUNK_MAX ((size_t)16 << 20)

typedef struct kv_pair {
    size_t refs;
    size_t klen, vlen;
    uint8_t data[]; /* key then value */
} kv_pair;

typedef struct kv_state {
    kv_pair **items; /* ascending by key */
    size_t n, cap;
} kv_state;

typedef struct kv_snapshot {
    uint64_t height;
    uint8_t hash[CRYPTO_SHA256_LEN];
    uint8_t *data;
    size_t len;
    uint32_t chunks;
} kv_snapshot;

struct abci_kvstore {
    abci_kvstore_opts opts;
    kv_state committed;
    int64_t height; /* last committed height */
    uint8_t app_hash[CRYPTO_SHA256_LEN];
    int64_t initial_height;

    kv_state working; /* FinalizeBlock's result, until Commit */
    bool have_working;
    int64_t working_height;
    uint8_t working_hash[CRYPTO_SHA256_LEN];

    kv_snapshot *snaps; /* oldest first */
    size_t n_snaps;

    struct {
        bool active;
        uint64_t height;
        uint32_t chunks, next;
        uint8_t hash[CRYPTO_SHA256_LEN];
        ag_buf buf;
    } restore;
};

/* ---- pairs and states ---- */

static const uint8_t *pair_key(const kv_pair *p)
{
    return p->data;
}

static const uint8_t *pair_value(const kv_pair *p)
{
    return p->data + p->klen;
}

static void pair_release(kv_pair *p)
{
    if (p && --p->refs == 0)
        free(p);
}

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* Index of key if present (true), else where it would go (false). */
static bool state_find(const kv_state *st, const uint8_t *key, size_t klen, size_t *idx)
{
    size_t lo = 0, hi = st->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const kv_pair *p = st->items[mid];
        int c = key_cmp(pair_key(p), p->klen, key, klen);
        if (c == 0) {
            *idx = mid;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *idx = lo;
    return false;
}

static ag_err state_reserve(kv_state *st, size_t n)
{
    if (n <= st->cap)
        return AG_OK;
    size_t cap = st->cap ? st->cap : 16;
    while (cap < n)
        cap *= 2;
    kv_pair **items = realloc(st->items, cap * sizeof *items);
    if (!items)
        return ag_err_set(AG_ERR_NOMEM, "kvstore: state of %zu keys", n);
    st->items = items;
    st->cap = cap;
    return AG_OK;
}

static ag_err state_set(kv_state *st, ag_slice key, ag_slice value)
{
    kv_pair *p = malloc(sizeof *p + key.len + value.len);
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "kvstore: pair of %zu bytes", key.len + value.len);
    p->refs = 1;
    p->klen = key.len;
    p->vlen = value.len;
    if (key.len)
        memcpy(p->data, key.ptr, key.len);
    if (value.len)
        memcpy(p->data + key.len, value.ptr, value.len);
    size_t idx;
    if (state_find(st, key.ptr, key.len, &idx)) {
        pair_release(st->items[idx]);
        st->items[idx] = p;
        return AG_OK;
    }
    ag_err err = state_reserve(st, st->n + 1);
    if (err) {
        free(p);
        return err;
    }
    memmove(st->items + idx + 1, st->items + idx, (st->n - idx) * sizeof *st->items);
    st->items[idx] = p;
    st->n++;
    return AG_OK;
}

static void state_clear(kv_state *st)
{
    for (size_t i = 0; i < st->n; i++)
        pair_release(st->items[i]);
    st->n = 0;
}

static void state_free(kv_state *st)
{
    state_clear(st);
    free(st->items);
    *st = (kv_state){0};
}

static ag_err state_copy(kv_state *dst, const kv_state *src)
{
    state_clear(dst);
    ag_err err = state_reserve(dst, src->n);
    if (err)
        return err;
    for (size_t i = 0; i < src->n; i++) {
        src->items[i]->refs++;
        dst->items[i] = src->items[i];
    }
    dst->n = src->n;
    return AG_OK;
}

/* dst takes src's pairs; src is left empty. */
static void state_move(kv_state *dst, kv_state *src)
{
    state_free(dst);
    *dst = *src;
    *src = (kv_state){0};
}

static void state_hash(const kv_state *st, uint8_t out[CRYPTO_SHA256_LEN])
{
    crypto_sha256_ctx ctx;
    crypto_sha256_init(&ctx);
    for (size_t i = 0; i < st->n; i++) {
        const kv_pair *p = st->items[i];
        uint8_t v[AG_UVARINT_MAX];
        crypto_sha256_update(&ctx, v, ag_uvarint_encode(v, p->klen));
        crypto_sha256_update(&ctx, pair_key(p), p->klen);
        crypto_sha256_update(&ctx, v, ag_uvarint_encode(v, p->vlen));
        crypto_sha256_update(&ctx, pair_value(p), p->vlen);
    }
    crypto_sha256_final(&ctx, out);
}

static ag_err state_encode(const kv_state *st, ag_buf *out)
{
    for (size_t i = 0; i < st->n; i++) {
        const kv_pair *p = st->items[i];
        ag_err err = ag_buf_append_uvarint(out, p->klen);
        if (!err)
            err = ag_buf_append(out, pair_key(p), p->klen);
        if (!err)
            err = ag_buf_append_uvarint(out, p->vlen);
        if (!err)
            err = ag_buf_append(out, pair_value(p), p->vlen);
        if (err)
            return err;
    }
    return AG_OK;
}

/* The inverse of state_encode; keys must be non-empty and strictly ascending. */
static ag_err state_decode(kv_state *st, const uint8_t *in, size_t len)
{
    size_t off = 0;
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    while (off < len) {
        uint64_t klen, vlen;
        size_t used;
        if (ag_uvarint_decode(in + off, len - off, &klen, &used) != AG_OK || klen == 0 ||
            klen > len - off - used)
            return ag_err_set(AG_ERR_DECODE, "kvstore snapshot: bad key at offset %zu", off);
        off += used;
        ag_slice key = {in + off, (size_t)klen};
        off += (size_t)klen;
        if (ag_uvarint_decode(in + off, len - off, &vlen, &used) != AG_OK ||
            vlen > len - off - used)
            return ag_err_set(AG_ERR_DECODE, "kvstore snapshot: bad value at offset %zu", off);
        off += used;
        ag_slice value = {in + off, (size_t)vlen};
        off += (size_t)vlen;
        if (prev && key_cmp(prev, prev_len, key.ptr, key.len) >= 0)
            return ag_err_set(AG_ERR_DECODE, "kvstore snapshot: keys out of order at offset %zu",
                              off);
        prev = key.ptr;
        prev_len = key.len;
        ag_err err = state_reserve(st, st->n + 1);
        if (err)
            return err;
        /* Ascending keys append at the end: state_set's search finds the end. */
        err = state_set(st, key, value);
        if (err)
            return err;
    }
    return AG_OK;
}

/* ---- helpers ---- */

uint32_t abci_kvstore_parse_tx(const uint8_t *tx, size_t len, ag_slice *key, ag_slice *value)
{
    *key = *value = (ag_slice){NULL, 0};
    if (len > ABCI_KV_TX_MAX)
        return ABCI_KV_CODE_TOO_LARGE;
    const uint8_t *eq = len ? memchr(tx, '=', len) : NULL;
    if (!eq || eq == tx)
        return ABCI_KV_CODE_BAD_FORMAT;
    *key = (ag_slice){tx, (size_t)(eq - tx)};
    *value = (ag_slice){eq + 1, len - key->len - 1};
    return ABCI_KV_OK;
}

static const char *code_log(uint32_t code)
{
    switch (code) {
    case ABCI_KV_OK:
        return "";
    case ABCI_KV_CODE_BAD_FORMAT:
        return "tx must be key=value with a non-empty key";
    case ABCI_KV_CODE_TOO_LARGE:
        return "tx larger than 65536 bytes";
    default:
        return "unknown code";
    }
}

/* Protobuf strings must be UTF-8; keys and values that are not stay out of events. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            if (c == 0)
                return false; /* protobuf-c strings are NUL-terminated */
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

static ProtobufCBinaryData arena_bytes(abci_arena *a, const void *p, size_t n, bool *ok)
{
    ProtobufCBinaryData b = {0, NULL};
    if (!n)
        return b;
    b.data = abci_arena_dup(a, p, n);
    if (!b.data)
        *ok = false;
    b.len = n;
    return b;
}

static const kv_snapshot *find_snapshot(const abci_kvstore *kv, uint64_t height, uint32_t format)
{
    if (format != ABCI_KV_SNAPSHOT_FORMAT)
        return NULL;
    for (size_t i = 0; i < kv->n_snaps; i++)
        if (kv->snaps[i].height == height)
            return &kv->snaps[i];
    return NULL;
}

static ag_err take_snapshot(abci_kvstore *kv)
{
    ag_buf buf;
    ag_buf_init(&buf, ABCI_KV_STATE_MAX);
    ag_err err = state_encode(&kv->committed, &buf);
    if (err) {
        ag_buf_free(&buf);
        return err;
    }
    if (kv->n_snaps == kv->opts.snapshot_keep) {
        free(kv->snaps[0].data);
        memmove(kv->snaps, kv->snaps + 1, (kv->n_snaps - 1) * sizeof *kv->snaps);
        kv->n_snaps--;
    }
    kv_snapshot *s = &kv->snaps[kv->n_snaps++];
    s->height = (uint64_t)kv->height;
    s->len = buf.len;
    s->data = ag_buf_steal(&buf, &s->len);
    s->chunks = (uint32_t)(s->len ? (s->len + kv->opts.chunk_size - 1) / kv->opts.chunk_size : 1);
    crypto_sha256(s->hash, s->data, s->len);
    ag_buf_free(&buf);
    return AG_OK;
}

static void restore_end(abci_kvstore *kv)
{
    kv->restore.active = false;
    ag_buf_free(&kv->restore.buf);
}

/* ---- the ABCI methods ---- */

#define NOMEM(what) ag_err_set(AG_ERR_NOMEM, "kvstore: no memory for %s", what)

static ag_err kv_info(void *ctx, abci_arena *a, const abci_req_info *req, abci_resp_info *resp)
{
    abci_kvstore *kv = ctx;
    bool ok = true;
    resp->data = abci_arena_printf(a, "{\"size\":%zu}", kv->committed.n);
    resp->version = abci_str("1.0.0");
    resp->app_version = ABCI_KV_APP_VERSION;
    resp->last_block_height = kv->height;
    if (kv->height > 0)
        resp->last_block_app_hash = arena_bytes(a, kv->app_hash, sizeof kv->app_hash, &ok);
    return resp->data && ok ? AG_OK : NOMEM("Info");
}

static ag_err kv_init_chain(void *ctx, abci_arena *a, const abci_req_init_chain *req,
                            abci_resp_init_chain *resp)
{
    abci_kvstore *kv = ctx;
    if (kv->height != 0)
        return ag_err_set(AG_ERR_STATE, "kvstore: InitChain at height %" PRId64 ", expected 0",
                          kv->height);
    if (req->initial_height < 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "kvstore: negative initial height %" PRId64,
                          req->initial_height);
    kv_state st = {0};
    const uint8_t *p = req->app_state_bytes.data;
    size_t left = req->app_state_bytes.len, line = 0;
    /* A genesis.json holds app_state as a JSON object: an empty one ("{}",
     * what `agorad init` writes) is an empty initial state. */
    if (left == 2 && p[0] == '{' && p[1] == '}')
        left = 0;
    while (left) {
        const uint8_t *nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) : left;
        line++;
        if (n) {
            ag_slice k, v;
            uint32_t code = abci_kvstore_parse_tx(p, n, &k, &v);
            ag_err err = code ? ag_err_set(AG_ERR_DECODE, "kvstore: app_state line %zu: %s", line,
                                           code_log(code))
                              : state_set(&st, k, v);
            if (err) {
                state_free(&st);
                return err;
            }
        }
        p += n + (nl != NULL);
        left -= n + (nl != NULL);
    }
    state_move(&kv->committed, &st);
    kv->initial_height = req->initial_height ? req->initial_height : 1;
    state_hash(&kv->committed, kv->app_hash);
    bool ok = true;
    resp->app_hash = arena_bytes(a, kv->app_hash, sizeof kv->app_hash, &ok);
    return ok ? AG_OK : NOMEM("InitChain");
}

static ag_err kv_check_tx(void *ctx, abci_arena *a, const abci_req_check_tx *req,
                          abci_resp_check_tx *resp)
{
    ag_slice k, v;
    resp->code = abci_kvstore_parse_tx(req->tx.data, req->tx.len, &k, &v);
    resp->log = abci_str(code_log(resp->code));
    resp->gas_wanted = 1;
    return AG_OK;
}

static ag_err kv_query(void *ctx, abci_arena *a, const abci_req_query *req, abci_resp_query *resp)
{
    abci_kvstore *kv = ctx;
    ag_slice key = {req->data.data, req->data.len};
    const char *path = req->path ? req->path : "";
    static const char key_prefix[] = "/key/";
    if (strncmp(path, key_prefix, sizeof key_prefix - 1) == 0) {
        key.ptr = (const uint8_t *)path + sizeof key_prefix - 1;
        key.len = strlen((const char *)key.ptr);
    } else if (path[0] && strcmp(path, "/store") != 0) {
        resp->code = ABCI_KV_CODE_NOT_FOUND;
        resp->log = abci_arena_printf(a, "unknown query path %.64s", path);
        return resp->log ? AG_OK : NOMEM("Query");
    }
    resp->height = kv->height;
    bool ok = true;
    resp->key = arena_bytes(a, key.ptr, key.len, &ok);
    if (req->height != 0 && req->height != kv->height) {
        resp->code = ABCI_KV_CODE_BAD_HEIGHT;
        resp->log = abci_arena_printf(a, "only height %" PRId64 " is kept", kv->height);
    } else if (req->prove) {
        resp->code = ABCI_KV_CODE_NO_PROOF;
        resp->log = abci_str("the kvstore example does not produce proofs");
    } else {
        size_t idx;
        if (key.len && state_find(&kv->committed, key.ptr, key.len, &idx)) {
            const kv_pair *p = kv->committed.items[idx];
            resp->value = arena_bytes(a, pair_value(p), p->vlen, &ok);
            resp->log = abci_str("exists");
        } else {
            resp->code = ABCI_KV_CODE_NOT_FOUND;
            resp->log = abci_str("does not exist");
        }
    }
    return ok && resp->log ? AG_OK : NOMEM("Query");
}

static ag_err kv_prepare_proposal(void *ctx, abci_arena *a, const abci_req_prepare_proposal *req,
                                  abci_resp_prepare_proposal *resp)
{
    resp->txs = abci_arena_alloc(a, req->n_txs * sizeof *resp->txs);
    if (!resp->txs)
        return NOMEM("PrepareProposal");
    int64_t total = 0;
    for (size_t i = 0; i < req->n_txs; i++) {
        ag_slice k, v;
        const ProtobufCBinaryData *tx = &req->txs[i];
        if (abci_kvstore_parse_tx(tx->data, tx->len, &k, &v) != ABCI_KV_OK)
            continue;
        /* Counted as CometBFT counts block data: field tag, length, bytes. */
        int64_t size = (int64_t)(1 + ag_uvarint_size(tx->len) + tx->len);
        if (total + size > req->max_tx_bytes)
            break;
        total += size;
        resp->txs[resp->n_txs++] = *tx; /* borrowed from the request */
    }
    return AG_OK;
}

static ag_err kv_process_proposal(void *ctx, abci_arena *a, const abci_req_process_proposal *req,
                                  abci_resp_process_proposal *resp)
{
    resp->status = TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__ACCEPT;
    for (size_t i = 0; i < req->n_txs; i++) {
        ag_slice k, v;
        if (abci_kvstore_parse_tx(req->txs[i].data, req->txs[i].len, &k, &v) != ABCI_KV_OK) {
            resp->status = TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__REJECT;
            break;
        }
    }
    return AG_OK;
}

static char *extension_for(abci_arena *a, int64_t height)
{
    return abci_arena_printf(a, "kvstore:%" PRId64, height);
}

static ag_err kv_extend_vote(void *ctx, abci_arena *a, const abci_req_extend_vote *req,
                             abci_resp_extend_vote *resp)
{
    char *ext = extension_for(a, req->height);
    if (!ext)
        return NOMEM("ExtendVote");
    resp->vote_extension = (ProtobufCBinaryData){strlen(ext), (uint8_t *)ext};
    return AG_OK;
}

static ag_err kv_verify_vote_extension(void *ctx, abci_arena *a,
                                       const abci_req_verify_vote_extension *req,
                                       abci_resp_verify_vote_extension *resp)
{
    char *want = extension_for(a, req->height);
    if (!want)
        return NOMEM("VerifyVoteExtension");
    bool same = req->vote_extension.len == strlen(want) &&
                memcmp(req->vote_extension.data, want, strlen(want)) == 0;
    resp->status = same ? TENDERMINT__ABCI__RESPONSE_VERIFY_VOTE_EXTENSION__VERIFY_STATUS__ACCEPT
                        : TENDERMINT__ABCI__RESPONSE_VERIFY_VOTE_EXTENSION__VERIFY_STATUS__REJECT;
    return AG_OK;
}

/* The event of an applied tx: type "kv", the key (indexed) and the value. */
static ag_err tx_event(abci_arena *a, ag_slice key, ag_slice value, Tendermint__Abci__Event **out)
{
    *out = NULL;
    if (!utf8_valid(key.ptr, key.len) || !utf8_valid(value.ptr, value.len))
        return AG_OK;
    Tendermint__Abci__Event *ev = abci_arena_alloc(a, sizeof *ev);
    Tendermint__Abci__EventAttribute *attr = abci_arena_alloc(a, 2 * sizeof *attr);
    Tendermint__Abci__EventAttribute **attrs = abci_arena_alloc(a, 2 * sizeof *attrs);
    char *k = abci_arena_strndup(a, (const char *)key.ptr, key.len);
    char *v = abci_arena_strndup(a, (const char *)value.ptr, value.len);
    if (!ev || !attr || !attrs || !k || !v)
        return NOMEM("an event");
    tendermint__abci__event__init(ev);
    ev->type = abci_str("kv");
    for (int i = 0; i < 2; i++) {
        tendermint__abci__event_attribute__init(&attr[i]);
        attrs[i] = &attr[i];
    }
    attr[0].key = abci_str("key");
    attr[0].value = k;
    attr[0].index = true;
    attr[1].key = abci_str("value");
    attr[1].value = v;
    ev->attributes = attrs;
    ev->n_attributes = 2;
    *out = ev;
    return AG_OK;
}

static ag_err kv_finalize_block(void *ctx, abci_arena *a, const abci_req_finalize_block *req,
                                abci_resp_finalize_block *resp)
{
    abci_kvstore *kv = ctx;
    int64_t expect = kv->height ? kv->height + 1 : kv->initial_height ? kv->initial_height : 1;
    if (req->height != expect)
        return ag_err_set(AG_ERR_STATE,
                          "kvstore: FinalizeBlock at height %" PRId64 ", expected %" PRId64,
                          req->height, expect);
    ag_err err = state_copy(&kv->working, &kv->committed);
    if (err)
        return err;
    kv->have_working = false;
    resp->tx_results = abci_arena_alloc(a, req->n_txs * sizeof *resp->tx_results);
    if (!resp->tx_results)
        return NOMEM("FinalizeBlock");
    for (size_t i = 0; i < req->n_txs; i++) {
        Tendermint__Abci__ExecTxResult *r = abci_arena_alloc(a, sizeof *r);
        if (!r)
            return NOMEM("FinalizeBlock");
        tendermint__abci__exec_tx_result__init(r);
        resp->tx_results[resp->n_tx_results++] = r;
        ag_slice k, v;
        r->code = abci_kvstore_parse_tx(req->txs[i].data, req->txs[i].len, &k, &v);
        r->log = abci_str(code_log(r->code));
        r->gas_wanted = 1;
        if (r->code != ABCI_KV_OK)
            continue;
        r->gas_used = 1;
        if ((err = state_set(&kv->working, k, v)) != AG_OK)
            return err;
        Tendermint__Abci__Event *ev;
        if ((err = tx_event(a, k, v, &ev)) != AG_OK)
            return err;
        if (ev) {
            r->events = abci_arena_alloc(a, sizeof *r->events);
            if (!r->events)
                return NOMEM("FinalizeBlock");
            r->events[0] = ev;
            r->n_events = 1;
        }
    }
    state_hash(&kv->working, kv->working_hash);
    kv->working_height = req->height;
    kv->have_working = true;
    bool ok = true;
    resp->app_hash = arena_bytes(a, kv->working_hash, sizeof kv->working_hash, &ok);
    return ok ? AG_OK : NOMEM("FinalizeBlock");
}

static ag_err kv_commit(void *ctx, abci_arena *a, const abci_req_commit *req,
                        abci_resp_commit *resp)
{
    abci_kvstore *kv = ctx;
    if (!kv->have_working)
        return ag_err_set(AG_ERR_STATE,
                          "kvstore: Commit without a FinalizeBlock before it "
                          "(last committed height %" PRId64 ")",
                          kv->height);
    state_move(&kv->committed, &kv->working);
    kv->height = kv->working_height;
    memcpy(kv->app_hash, kv->working_hash, sizeof kv->app_hash);
    kv->have_working = false;
    resp->retain_height = 0; /* keep every block */
    if (kv->opts.snapshot_interval && (uint64_t)kv->height % kv->opts.snapshot_interval == 0)
        return take_snapshot(kv);
    return AG_OK;
}

static ag_err kv_list_snapshots(void *ctx, abci_arena *a, const abci_req_list_snapshots *req,
                                abci_resp_list_snapshots *resp)
{
    abci_kvstore *kv = ctx;
    resp->snapshots = abci_arena_alloc(a, kv->n_snaps * sizeof *resp->snapshots);
    if (!resp->snapshots)
        return NOMEM("ListSnapshots");
    bool ok = true;
    for (size_t i = 0; i < kv->n_snaps; i++) {
        Tendermint__Abci__Snapshot *s = abci_arena_alloc(a, sizeof *s);
        if (!s)
            return NOMEM("ListSnapshots");
        tendermint__abci__snapshot__init(s);
        s->height = kv->snaps[i].height;
        s->format = ABCI_KV_SNAPSHOT_FORMAT;
        s->chunks = kv->snaps[i].chunks;
        s->hash = arena_bytes(a, kv->snaps[i].hash, sizeof kv->snaps[i].hash, &ok);
        resp->snapshots[resp->n_snapshots++] = s;
    }
    return ok ? AG_OK : NOMEM("ListSnapshots");
}

static ag_err kv_load_snapshot_chunk(void *ctx, abci_arena *a,
                                     const abci_req_load_snapshot_chunk *req,
                                     abci_resp_load_snapshot_chunk *resp)
{
    abci_kvstore *kv = ctx;
    const kv_snapshot *s = find_snapshot(kv, req->height, req->format);
    if (!s || req->chunk >= s->chunks)
        return AG_OK; /* no such chunk: an empty answer, as CometBFT expects */
    size_t off = (size_t)req->chunk * kv->opts.chunk_size;
    size_t n = s->len - off < kv->opts.chunk_size ? s->len - off : kv->opts.chunk_size;
    bool ok = true;
    resp->chunk = arena_bytes(a, s->data + off, n, &ok);
    return ok ? AG_OK : NOMEM("LoadSnapshotChunk");
}

#define OFFER(x) TENDERMINT__ABCI__RESPONSE_OFFER_SNAPSHOT__RESULT__##x
#define APPLY(x) TENDERMINT__ABCI__RESPONSE_APPLY_SNAPSHOT_CHUNK__RESULT__##x

static ag_err kv_offer_snapshot(void *ctx, abci_arena *a, const abci_req_offer_snapshot *req,
                                abci_resp_offer_snapshot *resp)
{
    abci_kvstore *kv = ctx;
    const Tendermint__Abci__Snapshot *s = req->snapshot;
    restore_end(kv);
    if (kv->height != 0) {
        resp->result = OFFER(ABORT); /* only an empty application restores */
    } else if (!s) {
        resp->result = OFFER(REJECT);
    } else if (s->format != ABCI_KV_SNAPSHOT_FORMAT) {
        resp->result = OFFER(REJECT_FORMAT);
    } else if (s->height == 0 || s->height > INT64_MAX || s->chunks == 0 ||
               s->chunks > ABCI_KV_CHUNKS_MAX || s->hash.len != CRYPTO_SHA256_LEN ||
               req->app_hash.len != CRYPTO_SHA256_LEN ||
               memcmp(s->hash.data, req->app_hash.data, CRYPTO_SHA256_LEN) != 0) {
        resp->result = OFFER(REJECT); /* our snapshot hash is the app hash */
    } else {
        kv->restore.active = true;
        kv->restore.height = s->height;
        kv->restore.chunks = s->chunks;
        kv->restore.next = 0;
        memcpy(kv->restore.hash, s->hash.data, CRYPTO_SHA256_LEN);
        ag_buf_init(&kv->restore.buf, ABCI_KV_STATE_MAX);
        resp->result = OFFER(ACCEPT);
    }
    return AG_OK;
}

static ag_err kv_apply_snapshot_chunk(void *ctx, abci_arena *a,
                                      const abci_req_apply_snapshot_chunk *req,
                                      abci_resp_apply_snapshot_chunk *resp)
{
    abci_kvstore *kv = ctx;
    if (!kv->restore.active) {
        resp->result = APPLY(ABORT);
        return AG_OK;
    }
    if (req->index != kv->restore.next) {
        resp->result = APPLY(RETRY_SNAPSHOT); /* chunks are applied in order */
        restore_end(kv);
        return AG_OK;
    }
    if (ag_buf_append(&kv->restore.buf, req->chunk.data, req->chunk.len) != AG_OK) {
        resp->result = APPLY(REJECT_SNAPSHOT);
        restore_end(kv);
        return AG_OK;
    }
    if (++kv->restore.next < kv->restore.chunks) {
        resp->result = APPLY(ACCEPT);
        return AG_OK;
    }
    uint8_t hash[CRYPTO_SHA256_LEN];
    crypto_sha256(hash, kv->restore.buf.data, kv->restore.buf.len);
    kv_state st = {0};
    if (memcmp(hash, kv->restore.hash, sizeof hash) != 0 ||
        state_decode(&st, kv->restore.buf.data, kv->restore.buf.len) != AG_OK) {
        state_free(&st);
        resp->result = APPLY(REJECT_SNAPSHOT);
        restore_end(kv);
        return AG_OK;
    }
    state_move(&kv->committed, &st);
    kv->height = (int64_t)kv->restore.height;
    memcpy(kv->app_hash, hash, sizeof hash);
    restore_end(kv);
    resp->result = APPLY(ACCEPT);
    return AG_OK;
}

static const abci_app_ops kv_ops = {
#define KV_OP_(m, M, C) .m = kv_##m,
    ABCI_APP_METHODS(KV_OP_)
#undef KV_OP_
};

void abci_kvstore_opts_default(abci_kvstore_opts *opts)
{
    *opts = (abci_kvstore_opts){
        .snapshot_interval = 10, .snapshot_keep = 2, .chunk_size = (size_t)64 << 10};
}

ag_err abci_kvstore_new(abci_kvstore **out, const abci_kvstore_opts *opts)
{
    *out = NULL;
    abci_kvstore_opts o;
    if (opts)
        o = *opts;
    else
        abci_kvstore_opts_default(&o);
    if (o.chunk_size == 0 || o.chunk_size > KV_CHUNK_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "kvstore: chunk size %zu not in 1..%zu", o.chunk_size,
                          KV_CHUNK_MAX);
    if (o.snapshot_keep == 0)
        o.snapshot_keep = 1;
    abci_kvstore *kv = calloc(1, sizeof *kv);
    if (kv)
        kv->snaps = calloc(o.snapshot_keep, sizeof *kv->snaps);
    if (!kv || !kv->snaps) {
        free(kv);
        return ag_err_set(AG_ERR_NOMEM, "kvstore: new");
    }
    kv->opts = o;
    kv->initial_height = 1;
    state_hash(&kv->committed, kv->app_hash);
    *out = kv;
    return AG_OK;
}

void abci_kvstore_free(abci_kvstore *kv)
{
    if (!kv)
        return;
    state_free(&kv->committed);
    state_free(&kv->working);
    for (size_t i = 0; i < kv->n_snaps; i++)
        free(kv->snaps[i].data);
    free(kv->snaps);
    restore_end(kv);
    free(kv);
}

abci_app abci_kvstore_app(abci_kvstore *kv)
{
    return (abci_app){&kv_ops, kv};
}
