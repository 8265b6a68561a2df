/* mempool.c — FIFO mempool with an LRU cache, CheckTx through ABCI, bounded
 * rechecking (see mempool.h). */
#include "consensus/mempool.h"

#include <stdlib.h>
#include <string.h>

#include "lib/varint.h"

/* ---- a chained hash table keyed by SHA-256, only ever looked up ---- */

typedef struct hnode {
    struct hnode *hnext;
    crypto_hash key;
} hnode;

typedef struct htab {
    hnode **b;
    size_t mask;
} htab;

static ag_err htab_init(htab *t, size_t cap)
{
    size_t n = 16;
    while (n < 2 * cap && n < ((size_t)1 << 30))
        n <<= 1;
    t->b = calloc(n, sizeof *t->b);
    t->mask = n - 1;
    return t->b ? AG_OK : ag_err_set(AG_ERR_NOMEM, "mempool: hash table of %zu", n);
}

static size_t htab_slot(const htab *t, const crypto_hash *k)
{
    uint64_t v;
    memcpy(&v, k->b, sizeof v);
    return (size_t)v & t->mask;
}

static hnode *htab_get(const htab *t, const crypto_hash *k)
{
    for (hnode *n = t->b[htab_slot(t, k)]; n; n = n->hnext)
        if (memcmp(n->key.b, k->b, CRYPTO_SHA256_LEN) == 0)
            return n;
    return NULL;
}

static void htab_put(htab *t, hnode *n)
{
    size_t s = htab_slot(t, &n->key);
    n->hnext = t->b[s];
    t->b[s] = n;
}

static void htab_del(htab *t, hnode *n)
{
    for (hnode **p = &t->b[htab_slot(t, &n->key)]; *p; p = &(*p)->hnext)
        if (*p == n) {
            *p = n->hnext;
            return;
        }
}

/* ---- entries ---- */

enum { RC_NONE = 0, RC_WAITING, RC_SENT };

typedef struct mtx {
    hnode h; /* key: SHA-256 of the tx; first member */
    struct mtx *prev, *next;
    uint8_t *tx;
    size_t len;
    int64_t gas_wanted;
    int64_t height; /* mempool height at admission */
    int rc;         /* RC_* */
    uint64_t round; /* recheck round of the request in flight */
} mtx;

typedef struct centry {
    hnode h;
    struct centry *prev, *next; /* most recent first */
} centry;

struct cons_mempool {
    abci_client *client;
    cons_mempool_opts o;
    /* FIFO */
    mtx *head, *tail;
    size_t n_txs, n_bytes;
    htab txs;
    /* in flight (NEW) */
    size_t n_inflight, inflight_bytes;
    size_t n_rc_inflight;
    /* LRU cache */
    centry *lru_head, *lru_tail;
    size_t n_cache;
    htab cache;
    /* recheck */
    mtx *rc_cursor; /* next entry to consider; NULL: none */
    size_t rc_pending;
    uint64_t rc_round;
    int64_t height;
    bool notified;
    cons_mempool_txs_available_cb avail_cb;
    void *avail_user;
};

void cons_mempool_opts_default(cons_mempool_opts *o)
{
    o->max_txs = 5000;
    o->max_bytes = (size_t)1 << 30;
    o->max_tx_bytes = (size_t)1 << 20;
    o->cache_size = 10000;
    o->keep_invalid_in_cache = false;
    o->recheck = true;
    o->recheck_batch = 1000;
    o->max_gas = -1;
}

ag_err cons_mempool_new(cons_mempool **out, abci_client *client, const cons_mempool_opts *opts)
{
    *out = NULL;
    cons_mempool_opts o;
    if (opts)
        o = *opts;
    else
        cons_mempool_opts_default(&o);
    if (!client || !o.max_txs || !o.max_bytes || !o.max_tx_bytes || !o.recheck_batch)
        return ag_err_set(AG_ERR_INVALID_ARG, "mempool: missing client or a zero cap");
    cons_mempool *mp = calloc(1, sizeof *mp);
    if (!mp)
        return ag_err_set(AG_ERR_NOMEM, "mempool");
    mp->client = client;
    mp->o = o;
    ag_err err = htab_init(&mp->txs, o.max_txs);
    if (!err)
        err = htab_init(&mp->cache, o.cache_size);
    if (err) {
        free(mp->txs.b);
        free(mp);
        return err;
    }
    *out = mp;
    return AG_OK;
}

/* ---- cache ---- */

static void cache_unlink(cons_mempool *mp, centry *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        mp->lru_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        mp->lru_tail = c->prev;
    c->prev = c->next = NULL;
}

static void cache_push_front(cons_mempool *mp, centry *c)
{
    c->prev = NULL;
    c->next = mp->lru_head;
    if (mp->lru_head)
        mp->lru_head->prev = c;
    mp->lru_head = c;
    if (!mp->lru_tail)
        mp->lru_tail = c;
}

/* Push key: true if it was new. A NOMEM leaves it uncached (the cache is an
 * optimisation; the mempool's own table still refuses duplicates). */
static bool cache_push(cons_mempool *mp, const crypto_hash *key)
{
    if (!mp->o.cache_size)
        return true;
    centry *c = (centry *)htab_get(&mp->cache, key);
    if (c) {
        cache_unlink(mp, c);
        cache_push_front(mp, c);
        return false;
    }
    if (mp->n_cache >= mp->o.cache_size) {
        c = mp->lru_tail;
        cache_unlink(mp, c);
        htab_del(&mp->cache, &c->h);
        mp->n_cache--;
    } else {
        c = malloc(sizeof *c);
        if (!c)
            return true;
    }
    c->h.key = *key;
    htab_put(&mp->cache, &c->h);
    cache_push_front(mp, c);
    mp->n_cache++;
    return true;
}

static void cache_remove(cons_mempool *mp, const crypto_hash *key)
{
    centry *c = mp->o.cache_size ? (centry *)htab_get(&mp->cache, key) : NULL;
    if (!c)
        return;
    cache_unlink(mp, c);
    htab_del(&mp->cache, &c->h);
    mp->n_cache--;
    free(c);
}

static void cache_reset(cons_mempool *mp)
{
    for (centry *c = mp->lru_head, *n; c; c = n) {
        n = c->next;
        htab_del(&mp->cache, &c->h);
        free(c);
    }
    mp->lru_head = mp->lru_tail = NULL;
    mp->n_cache = 0;
}

/* ---- FIFO ---- */

static void notify(cons_mempool *mp)
{
    if (mp->notified || !mp->avail_cb)
        return;
    for (mtx *e = mp->head; e; e = e->next)
        if (e->rc == RC_NONE) {
            mp->notified = true;
            mp->avail_cb(mp->avail_user);
            return;
        }
}

static void remove_entry(cons_mempool *mp, mtx *e)
{
    if (mp->rc_cursor == e)
        mp->rc_cursor = e->next;
    if (e->rc != RC_NONE)
        mp->rc_pending--;
    if (e->prev)
        e->prev->next = e->next;
    else
        mp->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        mp->tail = e->prev;
    htab_del(&mp->txs, &e->h);
    mp->n_txs--;
    mp->n_bytes -= e->len;
    free(e->tx);
    free(e);
}

void cons_mempool_free(cons_mempool *mp)
{
    if (!mp)
        return;
    if (mp->n_inflight || mp->n_rc_inflight)
        (void)abci_client_flush(mp->client);
    while (mp->head)
        remove_entry(mp, mp->head);
    cache_reset(mp);
    free(mp->txs.b);
    free(mp->cache.b);
    free(mp);
}

/* ---- CheckTx NEW ---- */

typedef struct new_req {
    cons_mempool *mp;
    uint8_t *tx;
    size_t len;
    crypto_hash key;
    cons_mempool_check_cb cb;
    void *user;
} new_req;

static bool is_full(const cons_mempool *mp, size_t len)
{
    size_t count = mp->n_txs + mp->n_inflight;
    size_t bytes = mp->n_bytes + mp->inflight_bytes;
    return count >= mp->o.max_txs || bytes > mp->o.max_bytes || len > mp->o.max_bytes - bytes;
}

static void new_done(void *user, ag_err err, const abci_response *resp)
{
    new_req *r = user;
    cons_mempool *mp = r->mp;
    mp->n_inflight--;
    mp->inflight_bytes -= r->len;
    uint32_t code = 0;
    ag_err result = err;
    int64_t gas = 0;
    if (!err) {
        const abci_resp_check_tx *ct = resp->check_tx;
        if (resp->value_case != TENDERMINT__ABCI__RESPONSE__VALUE_CHECK_TX || !ct) {
            result = ag_err_set(AG_ERR_DECODE, "mempool: CheckTx answered with another type");
        } else {
            code = ct->code;
            gas = ct->gas_wanted;
            if (code != 0)
                result = AG_ERR_VERIFY;
            else if (gas < 0 || (mp->o.max_gas >= 0 && gas > mp->o.max_gas))
                result = ag_err_set(AG_ERR_TOO_LARGE, "mempool: gas wanted %lld over max %lld",
                                    (long long)gas, (long long)mp->o.max_gas);
            else if (htab_get(&mp->txs, &r->key))
                result = AG_ERR_EXISTS;
            else if (is_full(mp, r->len))
                result = ag_err_set(AG_ERR_AGAIN, "mempool: full (%zu txs, %zu bytes)", mp->n_txs,
                                    mp->n_bytes);
        }
    }
    if (result == AG_OK) {
        mtx *e = calloc(1, sizeof *e);
        if (!e) {
            result = ag_err_set(AG_ERR_NOMEM, "mempool: entry");
        } else {
            e->h.key = r->key;
            e->tx = r->tx;
            r->tx = NULL;
            e->len = r->len;
            e->gas_wanted = gas;
            e->height = mp->height;
            e->prev = mp->tail;
            if (mp->tail)
                mp->tail->next = e;
            else
                mp->head = e;
            mp->tail = e;
            htab_put(&mp->txs, &e->h);
            mp->n_txs++;
            mp->n_bytes += e->len;
        }
    }
    if (result != AG_OK && result != AG_ERR_EXISTS &&
        !(result == AG_ERR_VERIFY && mp->o.keep_invalid_in_cache))
        cache_remove(mp, &r->key);
    if (r->cb)
        r->cb(r->user, result, code);
    free(r->tx);
    free(r);
    if (result == AG_OK)
        notify(mp);
}

ag_err cons_mempool_check_tx(cons_mempool *mp, const uint8_t *tx, size_t len,
                             cons_mempool_check_cb cb, void *user)
{
    if (len > mp->o.max_tx_bytes)
        return ag_err_set(AG_ERR_TOO_LARGE, "mempool: tx of %zu bytes (max %zu)", len,
                          mp->o.max_tx_bytes);
    crypto_hash key;
    crypto_sha256(key.b, tx, len);
    if (htab_get(&mp->txs, &key))
        return ag_err_set(AG_ERR_EXISTS, "mempool: tx already in the mempool");
    centry *hit = mp->o.cache_size ? (centry *)htab_get(&mp->cache, &key) : NULL;
    if (hit) { /* seen recently: refresh it, do not ask the app again */
        cache_unlink(mp, hit);
        cache_push_front(mp, hit);
        return ag_err_set(AG_ERR_EXISTS, "mempool: tx already in the cache");
    }
    if (is_full(mp, len))
        return ag_err_set(AG_ERR_AGAIN, "mempool: full (%zu txs, %zu bytes, %zu in flight)",
                          mp->n_txs, mp->n_bytes, mp->n_inflight);
    new_req *r = calloc(1, sizeof *r);
    uint8_t *copy = malloc(len ? len : 1);
    if (!r || !copy) {
        free(r);
        free(copy);
        return ag_err_set(AG_ERR_NOMEM, "mempool: tx of %zu bytes", len);
    }
    (void)cache_push(mp, &key); /* not present: always new */
    if (len)
        memcpy(copy, tx, len);
    *r = (new_req){mp, copy, len, key, cb, user};
    mp->n_inflight++;
    mp->inflight_bytes += len;
    abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
    ct.tx.data = copy;
    ct.tx.len = len;
    ct.type = TENDERMINT__ABCI__CHECK_TX_TYPE__NEW;
    abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
    req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX;
    req.check_tx = &ct;
    ag_err err = abci_client_send(mp->client, &req, new_done, r);
    if (err) { /* not queued: the callback will not run */
        mp->n_inflight--;
        mp->inflight_bytes -= len;
        cache_remove(mp, &key);
        free(copy);
        free(r);
    }
    return err;
}

ag_err cons_mempool_flush_app_conn(cons_mempool *mp)
{
    return abci_client_flush(mp->client);
}

/* ---- reaping ---- */

void cons_mempool_txs_free(cons_mempool_txs *t)
{
    free(t->txs);
    free(t->data);
    memset(t, 0, sizeof *t);
}

/* Copy the first k reapable entries (already counted: n_bytes raw bytes). */
static ag_err copy_out(const cons_mempool *mp, size_t k, size_t raw, cons_mempool_txs *out)
{
    out->txs = calloc(k ? k : 1, sizeof *out->txs);
    out->data = malloc(raw ? raw : 1);
    if (!out->txs || !out->data) {
        cons_mempool_txs_free(out);
        return ag_err_set(AG_ERR_NOMEM, "mempool: reaping %zu txs", k);
    }
    size_t off = 0, i = 0;
    for (const mtx *e = mp->head; e && i < k; e = e->next) {
        if (e->rc != RC_NONE)
            continue;
        if (e->len)
            memcpy(out->data + off, e->tx, e->len);
        out->txs[i++] = (ag_slice){out->data + off, e->len};
        off += e->len;
    }
    out->n = k;
    return AG_OK;
}

ag_err cons_mempool_reap(const cons_mempool *mp, int64_t max_bytes, int64_t max_gas,
                         cons_mempool_txs *out)
{
    memset(out, 0, sizeof *out);
    size_t k = 0, raw = 0;
    int64_t size = 0, gas = 0;
    for (const mtx *e = mp->head; e; e = e->next) {
        if (e->rc != RC_NONE)
            continue;
        int64_t ds = (int64_t)(1 + ag_uvarint_size(e->len) + e->len); /* Data{txs: [tx]} */
        if (max_bytes >= 0 && size + ds > max_bytes)
            break;
        if (max_gas >= 0 && gas + e->gas_wanted > max_gas)
            break;
        size += ds;
        gas += e->gas_wanted;
        raw += e->len;
        k++;
    }
    ag_err err = copy_out(mp, k, raw, out);
    if (!err) {
        out->gas = gas;
        out->bytes = (size_t)size;
    }
    return err;
}

ag_err cons_mempool_reap_max_txs(const cons_mempool *mp, long max, cons_mempool_txs *out)
{
    memset(out, 0, sizeof *out);
    size_t k = 0, raw = 0;
    int64_t size = 0, gas = 0;
    for (const mtx *e = mp->head; e && (max < 0 || k < (size_t)max); e = e->next) {
        if (e->rc != RC_NONE)
            continue;
        size += (int64_t)(1 + ag_uvarint_size(e->len) + e->len);
        gas += e->gas_wanted;
        raw += e->len;
        k++;
    }
    ag_err err = copy_out(mp, k, raw, out);
    if (!err) {
        out->gas = gas;
        out->bytes = (size_t)size;
    }
    return err;
}

/* ---- update and recheck ---- */

typedef struct rc_req {
    cons_mempool *mp;
    crypto_hash key;
    uint64_t round;
} rc_req;

static void recheck_done(void *user, ag_err err, const abci_response *resp)
{
    rc_req *r = user;
    cons_mempool *mp = r->mp;
    mp->n_rc_inflight--;
    mtx *e = (mtx *)htab_get(&mp->txs, &r->key);
    if (e && e->rc == RC_SENT && e->round == r->round) {
        e->rc = RC_NONE;
        mp->rc_pending--;
        bool bad = !err && (resp->value_case != TENDERMINT__ABCI__RESPONSE__VALUE_CHECK_TX ||
                            !resp->check_tx || resp->check_tx->code != 0);
        /* an ABCI error keeps the tx: the connection failed, not the tx */
        if (bad) {
            if (!mp->o.keep_invalid_in_cache)
                cache_remove(mp, &r->key);
            remove_entry(mp, e);
        }
    }
    free(r);
    if (!mp->rc_pending)
        notify(mp);
}

ag_err cons_mempool_recheck_step(cons_mempool *mp, bool *more)
{
    size_t sent = 0;
    ag_err err = AG_OK;
    while (mp->rc_cursor && sent < mp->o.recheck_batch) {
        mtx *e = mp->rc_cursor;
        if (e->rc != RC_WAITING) {
            mp->rc_cursor = e->next;
            continue;
        }
        rc_req *r = malloc(sizeof *r);
        if (!r) {
            err = ag_err_set(AG_ERR_NOMEM, "mempool: recheck request");
            break;
        }
        *r = (rc_req){mp, e->h.key, mp->rc_round};
        e->rc = RC_SENT;
        e->round = mp->rc_round;
        /* advance first: a local answer may remove e */
        mp->rc_cursor = e->next;
        mp->n_rc_inflight++;
        abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
        ct.tx.data = e->tx;
        ct.tx.len = e->len;
        ct.type = TENDERMINT__ABCI__CHECK_TX_TYPE__RECHECK;
        abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
        req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX;
        req.check_tx = &ct;
        err = abci_client_send(mp->client, &req, recheck_done, r);
        if (err) {
            mp->n_rc_inflight--;
            e->rc = RC_WAITING;
            mp->rc_cursor = e; /* retry it on the next step */
            free(r);
            break;
        }
        sent++;
    }
    *more = mp->rc_cursor != NULL;
    return err;
}

ag_err cons_mempool_update(cons_mempool *mp, int64_t height, const ag_slice *txs,
                           const uint32_t *codes, size_t n)
{
    if (height <= mp->height)
        return ag_err_set(AG_ERR_INVALID_ARG, "mempool: update to height %lld after %lld",
                          (long long)height, (long long)mp->height);
    mp->height = height;
    mp->notified = false;
    for (size_t i = 0; i < n; i++) {
        crypto_hash key;
        crypto_sha256(key.b, txs[i].ptr, txs[i].len);
        if (!codes || codes[i] == 0)
            (void)cache_push(mp, &key);
        else if (!mp->o.keep_invalid_in_cache)
            cache_remove(mp, &key);
        mtx *e = (mtx *)htab_get(&mp->txs, &key);
        if (e)
            remove_entry(mp, e);
    }
    if (!mp->o.recheck || !mp->head) {
        notify(mp);
        return AG_OK;
    }
    mp->rc_round++;
    mp->rc_pending = 0;
    for (mtx *e = mp->head; e; e = e->next) {
        e->rc = RC_WAITING;
        mp->rc_pending++;
    }
    mp->rc_cursor = mp->head;
    bool more;
    ag_err err = cons_mempool_recheck_step(mp, &more);
    if (!mp->rc_pending)
        notify(mp);
    return err;
}

/* ---- the rest ---- */

void cons_mempool_flush(cons_mempool *mp)
{
    while (mp->head)
        remove_entry(mp, mp->head);
    cache_reset(mp);
    mp->rc_cursor = NULL;
}

ag_err cons_mempool_remove(cons_mempool *mp, const crypto_hash *key)
{
    mtx *e = (mtx *)htab_get(&mp->txs, key);
    if (!e)
        return ag_err_set(AG_ERR_NOT_FOUND, "mempool: no such tx");
    remove_entry(mp, e);
    return AG_OK;
}

void cons_mempool_set_txs_available(cons_mempool *mp, cons_mempool_txs_available_cb cb, void *user)
{
    mp->avail_cb = cb;
    mp->avail_user = user;
}

size_t cons_mempool_size(const cons_mempool *mp)
{
    return mp->n_txs;
}

size_t cons_mempool_bytes(const cons_mempool *mp)
{
    return mp->n_bytes;
}

size_t cons_mempool_in_flight(const cons_mempool *mp)
{
    return mp->n_inflight;
}

size_t cons_mempool_recheck_pending(const cons_mempool *mp)
{
    return mp->rc_pending;
}

int64_t cons_mempool_height(const cons_mempool *mp)
{
    return mp->height;
}

bool cons_mempool_contains(const cons_mempool *mp, const crypto_hash *key)
{
    return htab_get(&mp->txs, key) != NULL;
}

bool cons_mempool_in_cache(const cons_mempool *mp, const crypto_hash *key)
{
    return mp->o.cache_size && htab_get(&mp->cache, key) != NULL;
}
