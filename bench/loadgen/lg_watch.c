/*
 * lg_watch.c — follows the watched node's event feed (feed/client.h: NNG
 * PUB, gap-free with REQ/REP catch-up) from the first loaded height. The
 * feed is published by the node at commit, off its consensus thread, so
 * watching costs the node nothing it does not already do, unlike polling
 * `block` and `block_results` over the RPC (which took the node mutex and
 * the RPC thread from the load, and lagged seconds behind under load).
 *
 * A tx's commit time is when its first event arrives; it succeeded when its
 * "message" event (emitted only when its messages ran) is among its events.
 * Block metas (header time, bytes, tx count) are read over the RPC after a
 * window (`blockchain`), not while loading.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/lg.h"
#include "feed/client.h"
#include "lib/rfc3339.h"

#define MAX_ATTRS 64

static void block_add(lg_run *run, const lg_block *b)
{
    pthread_mutex_lock(&run->mu);
    if (run->n_blocks == run->cap_blocks) {
        size_t nc = run->cap_blocks ? run->cap_blocks * 2 : 1024;
        lg_block *nb = realloc(run->blocks, nc * sizeof *nb);
        if (!nb)
            lg_die("out of memory (blocks)");
        run->blocks = nb;
        run->cap_blocks = nc;
    }
    run->blocks[run->n_blocks++] = *b;
    pthread_mutex_unlock(&run->mu);
}

typedef struct cur_tx {
    int64_t height;
    int64_t tx_index; /* -1: none open */
    long idx;         /* our tx, or -1 */
    bool ok;
} cur_tx;

static void finish_tx(lg_run *run, cur_tx *c)
{
    if (c->tx_index >= 0 && c->idx >= 0) {
        lg_tx *t = lg_tx_at(run, (uint32_t)c->idx);
        uint8_t st = atomic_load(&t->state);
        if (st != LG_TX_COMMITTED && st != LG_TX_FAILED) {
            atomic_store(&t->state, c->ok ? LG_TX_COMMITTED : LG_TX_FAILED);
            atomic_fetch_add(c->ok ? &run->n_committed : &run->n_failed, 1);
            if (run->market)
                lg_market_on_tx(run, (uint32_t)c->idx, c->ok);
        }
    }
    c->tx_index = -1;
    c->idx = -1;
    c->ok = false;
}

static void *watch_main(void *arg)
{
    lg_run *run = arg;
    feed_client *fc;
    if (feed_client_open(&fc, run->feed_pub, run->feed_rep, run->start_height) != AG_OK)
        lg_die("feed of node%d (%s, %s): %s", run->watch_node, run->feed_pub, run->feed_rep,
               ag_err_detail());
    cur_tx cur = {.tx_index = -1, .idx = -1};
    lg_block blk = {0};
    while (!atomic_load(&run->stop)) {
        const feed_event *ev;
        ag_err e = feed_client_next(fc, &ev, 50);
        uint64_t now = lg_now_ns();
        if (e == AG_ERR_TIMEOUT) {
            finish_tx(run, &cur); /* the block's last tx: nothing more came */
            continue;
        }
        if (e != AG_OK)
            lg_die("feed of node%d: %s", run->watch_node, ag_err_detail());
        if (ev->height != blk.height) {
            finish_tx(run, &cur);
            if (blk.height)
                block_add(run, &blk);
            blk = (lg_block){.height = ev->height, .seen_ns = now};
        }
        if (ev->tx_hash.len != 32) { /* a block-level event: the txs are over */
            finish_tx(run, &cur);
            continue;
        }
        if (cur.tx_index != (int64_t)ev->tx_index || cur.height != ev->height) {
            finish_tx(run, &cur);
            cur.height = ev->height;
            cur.tx_index = ev->tx_index;
            pthread_mutex_lock(&run->mu);
            cur.idx = lg_tx_find_locked(run, ev->tx_hash.data);
            pthread_mutex_unlock(&run->mu);
            blk.n_txs++;
            if (cur.idx >= 0)
                lg_tx_at(run, (uint32_t)cur.idx)->commit_ns = now;
        }
        if (cur.idx < 0)
            continue;
        if (strcmp(ev->type, "message") == 0)
            cur.ok = true;
        if (run->market) {
            const char *keys[MAX_ATTRS], *vals[MAX_ATTRS];
            size_t n = ev->n_attributes < MAX_ATTRS ? ev->n_attributes : MAX_ATTRS;
            for (size_t k = 0; k < n; k++) {
                keys[k] = ev->attributes[k]->key;
                vals[k] = ev->attributes[k]->value;
            }
            lg_market_on_event(run, (uint32_t)cur.idx, ev->type, n, keys, vals);
        }
    }
    finish_tx(run, &cur);
    feed_client_stats fs = feed_client_get_stats(fc);
    atomic_store(&run->feed_gaps, fs.gaps);
    feed_client_close(fc);
    return NULL;
}

void lg_watch_start(lg_run *run, pthread_t *tid)
{
    if (pthread_create(tid, NULL, watch_main, run) != 0)
        lg_die("pthread_create");
}

void lg_watch_fill_blocks(lg_run *run, uint64_t t0, uint64_t t1)
{
    pthread_mutex_lock(&run->mu);
    int64_t lo = 0, hi = 0;
    for (size_t k = 0; k < run->n_blocks; k++)
        if (run->blocks[k].seen_ns >= t0 && run->blocks[k].seen_ns < t1) {
            if (!lo)
                lo = run->blocks[k].height;
            hi = run->blocks[k].height;
        }
    pthread_mutex_unlock(&run->mu);
    if (!lo)
        return;
    lg_http *h = lg_http_new();
    for (int64_t from = lo; from <= hi; from += 20) {
        int64_t to = from + 19 < hi ? from + 19 : hi;
        char path[96];
        snprintf(path, sizeof path, "blockchain?minHeight=%" PRId64 "&maxHeight=%" PRId64, from,
                 to);
        json_t *r = lg_rpc_get(h, run->rpc_port[run->watch_node], path);
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(r, "block_metas"), i, m)
        {
            json_t *hd = json_object_get(m, "header");
            const char *hs = json_string_value(json_object_get(hd, "height"));
            const char *ts = json_string_value(json_object_get(hd, "time"));
            const char *bs = json_string_value(json_object_get(m, "block_size"));
            const char *nt = json_string_value(json_object_get(m, "num_txs"));
            int64_t height = hs ? strtoll(hs, NULL, 10) : 0;
            int64_t sec;
            int32_t nanos;
            pthread_mutex_lock(&run->mu);
            for (size_t k = 0; k < run->n_blocks; k++) {
                lg_block *b = &run->blocks[k];
                if (b->height != height)
                    continue;
                if (ts && ag_rfc3339_parse(ts, strlen(ts), &sec, &nanos) == AG_OK)
                    b->time_ns = sec * 1000000000 + nanos;
                if (bs)
                    b->bytes = strtoull(bs, NULL, 10);
                if (nt)
                    b->n_txs = (uint32_t)strtoul(nt, NULL, 10);
                break; /* one record per height */
            }
            pthread_mutex_unlock(&run->mu);
        }
        json_decref(r);
    }
    lg_http_free(h);
}
