/*
 * lg_watch.c — follows one node's committed blocks over its RPC (`block`
 * and `block_results`, polled every few milliseconds): each of our txs gets
 * its commit time (when its block was first seen: at most one poll period
 * plus one RPC round trip after the node stored it) and its result code;
 * each block its size and header time. Scenario 3's flows advance from here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/lg.h"
#include "crypto/hash.h"
#include "lib/base64.h"
#include "lib/rfc3339.h"

#define POLL_MS 3

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

/* The results of block h, retried until the node has them. */
static json_t *results_of(lg_run *run, lg_http *h, int64_t height)
{
    char path[64];
    snprintf(path, sizeof path, "block_results?height=%" PRId64, height);
    for (int tries = 0; tries < 2000 && !atomic_load(&run->stop); tries++) {
        json_t *r = lg_rpc_get(h, run->rpc_port[run->watch_node], path);
        if (r)
            return r;
        lg_sleep_ms(POLL_MS);
    }
    return NULL;
}

static void handle_block(lg_run *run, lg_http *h, json_t *res, uint64_t seen)
{
    json_t *block = json_object_get(res, "block");
    json_t *header = json_object_get(block, "header");
    lg_block b = {.seen_ns = seen};
    const char *hs = json_string_value(json_object_get(header, "height"));
    const char *ts = json_string_value(json_object_get(header, "time"));
    b.height = hs ? strtoll(hs, NULL, 10) : 0;
    int64_t sec;
    int32_t nanos;
    if (ts && ag_rfc3339_parse(ts, strlen(ts), &sec, &nanos) == AG_OK)
        b.time_ns = sec * 1000000000 + nanos;
    json_t *txs = json_object_get(json_object_get(block, "data"), "txs");
    size_t n = json_array_size(txs);
    b.n_txs = (uint32_t)n;
    long *ours = n ? malloc(n * sizeof *ours) : NULL;
    if (n && !ours)
        lg_die("out of memory");
    static uint8_t buf[1 << 21];
    for (size_t k = 0; k < n; k++) {
        const char *s = json_string_value(json_array_get(txs, k));
        size_t len = 0;
        ours[k] = -1;
        if (!s || ag_base64_decode(buf, sizeof buf, &len, s, strlen(s)) != AG_OK)
            continue;
        b.bytes += len;
        uint8_t hash[32];
        crypto_sha256(hash, buf, len);
        pthread_mutex_lock(&run->mu);
        ours[k] = lg_tx_find_locked(run, hash);
        pthread_mutex_unlock(&run->mu);
        if (ours[k] >= 0)
            b.n_ours++;
    }
    json_t *results = b.n_ours ? results_of(run, h, b.height) : NULL;
    json_t *txr = json_object_get(results, "txs_results");
    for (size_t k = 0; k < n; k++) {
        if (ours[k] < 0)
            continue;
        lg_tx *t = lg_tx_at(run, (uint32_t)ours[k]);
        json_t *r = json_array_get(txr, k);
        uint32_t code = r ? (uint32_t)json_integer_value(json_object_get(r, "code")) : 1;
        t->commit_ns = seen;
        t->height = b.height;
        uint8_t st = atomic_load(&t->state);
        if (st == LG_TX_COMMITTED || st == LG_TX_FAILED)
            continue; /* a duplicate in a later block cannot happen; be safe */
        atomic_store(&t->state, code == 0 ? LG_TX_COMMITTED : LG_TX_FAILED);
        atomic_fetch_add(code == 0 ? &run->n_committed : &run->n_failed, 1);
        if (run->market)
            lg_market_on_tx(run, (uint32_t)ours[k], code, json_object_get(r, "events"));
    }
    json_decref(results);
    free(ours);
    block_add(run, &b);
}

static void *watch_main(void *arg)
{
    lg_run *run = arg;
    lg_http *h = lg_http_new();
    int64_t next = run->start_height;
    char path[64];
    while (!atomic_load(&run->stop)) {
        snprintf(path, sizeof path, "block?height=%" PRId64, next);
        json_t *res = lg_rpc_get(h, run->rpc_port[run->watch_node], path);
        uint64_t seen = lg_now_ns();
        if (!res || !json_object_get(res, "block") || json_is_null(json_object_get(res, "block"))) {
            json_decref(res);
            lg_sleep_ms(POLL_MS);
            continue;
        }
        handle_block(run, h, res, seen);
        json_decref(res);
        next++;
    }
    lg_http_free(h);
    return NULL;
}

void lg_watch_start(lg_run *run, pthread_t *tid)
{
    if (pthread_create(tid, NULL, watch_main, run) != 0)
        lg_die("pthread_create");
}
