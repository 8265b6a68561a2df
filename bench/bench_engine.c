/*
 * bench_engine — a single validator's consensus engine with the kvstore app
 * on a local client, memory block/state stores, a real WAL (fsync) in a
 * temporary directory and the real clock: commit latency (from entering a
 * height's propose step to the committed notification) and blocks per
 * second, with the fast timeout profile (timeout_commit 100 ms) and with
 * timeout_commit 0 (the engine's own cost per height), empty and with
 * txs; next to the WAL's write+fsync latency measured in the same run (each
 * height writes at least three synced records: proposal, prevote,
 * precommit, plus the end-of-height marker).
 *
 * Usage: bench_engine [heights]   (default 200)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "abci/client.h"
#include "abci/kvstore.h"
#include "consensus/engine.h"
#include "lib/log.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_engine: %s: %s\n", what, ag_err_detail());
    exit(1);
}

/* The kvstore reads app_state as key=value lines; genesis holds "{}". */
static const abci_app_ops *kv_ops;
static abci_app_ops ops;
static ag_err init_chain(void *ctx, abci_arena *a, const abci_req_init_chain *req,
                         abci_resp_init_chain *resp)
{
    abci_req_init_chain r = *req;
    r.app_state_bytes.len = 0;
    return kv_ops->init_chain(ctx, a, &r, resp);
}

#define TIMERS_MAX 4096
typedef struct host {
    double due[TIMERS_MAX];
    uint64_t token[TIMERS_MAX];
    size_t n;
    double height_start;
    double lat_sum, lat_max;
    long committed;
    long txs;
} host;

static void io_timer(void *ctx, uint32_t ms, uint64_t token)
{
    host *h = ctx;
    if (h->n == TIMERS_MAX) {
        fprintf(stderr, "bench_engine: too many timers\n");
        exit(1);
    }
    h->due[h->n] = now_s() + ms / 1000.0;
    h->token[h->n++] = token;
}

static void io_step(void *ctx, int64_t height, int32_t round, cons_step step)
{
    host *h = ctx;
    if (round == 0 && step == CONS_STEP_PROPOSE)
        h->height_start = now_s();
}

static void io_committed(void *ctx, const cons_engine_committed *c)
{
    host *h = ctx;
    double lat = now_s() - h->height_start;
    h->lat_sum += lat;
    if (lat > h->lat_max)
        h->lat_max = lat;
    h->committed++;
    h->txs += (long)c->block->n_txs;
}

typedef struct result {
    double blocks_per_s, lat_avg_ms, lat_max_ms, txs_per_s;
} result;

static result run(long heights, uint32_t commit_ms, long txs_per_block)
{
    char dir[] = "/tmp/bench_engine.XXXXXX";
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    genesis_doc g;
    if (genesis_doc_init(&g) != AG_OK)
        die("genesis");
    snprintf(g.chain_id, sizeof g.chain_id, "bench");
    g.time_seconds = (int64_t)time(NULL) - 10;
    crypto_privkey key;
    crypto_pubkey pub;
    if (crypto_privkey_generate(&key) != AG_OK || crypto_pubkey_from_privkey(&pub, &key) != AG_OK)
        die("key");
    if (genesis_doc_add_validator(&g, &pub, 10, "v") != AG_OK)
        die("validator");
    cons_privval *pv;
    state_kv *kv;
    cons_block_store *bs;
    cons_state_store *ss;
    cons_wal *wal;
    abci_kvstore *app;
    abci_client *cli;
    cons_block_store_options bo = {.sync = false};
    if (cons_privval_new_memory(&pv, &key, NULL) != AG_OK || state_kv_open_memory(&kv) != AG_OK ||
        cons_block_store_open(&bs, kv, &bo) != AG_OK ||
        cons_state_store_open(&ss, kv, false) != AG_OK || cons_wal_open(&wal, dir, NULL) != AG_OK ||
        abci_kvstore_new(&app, NULL) != AG_OK)
        die("open");
    abci_app a = abci_kvstore_app(app);
    kv_ops = a.ops;
    ops = *a.ops;
    ops.init_chain = init_chain;
    a.ops = &ops;
    if (abci_local_new(&cli, &a, NULL) != AG_OK)
        die("client");
    host h = {0};
    cons_engine_args args = {.genesis = &g,
                             .block_store = bs,
                             .state_store = ss,
                             .wal = wal,
                             .signer = pv,
                             .consensus_conn = cli,
                             .env = ag_env_system(),
                             .io = {.ctx = &h,
                                    .schedule_timer = io_timer,
                                    .new_round_step = io_step,
                                    .committed = io_committed}};
    cons_engine_config_default(&args.config);
    args.config.timeouts = cons_core_config_fast();
    args.config.timeouts.commit_ms = commit_ms;
    cons_engine *e;
    if (cons_engine_new(&e, &args) != AG_OK || cons_engine_start(e) != AG_OK)
        die("start");
    long next_tx = 0;
    int64_t fed_for = -1;
    double t0 = now_s();
    while (h.committed < heights) {
        int64_t height = cons_engine_height(e);
        if (txs_per_block > 0 && fed_for != height) {
            fed_for = height;
            for (long i = 0; i < txs_per_block; i++, next_tx++) {
                char tx[64];
                int n = snprintf(tx, sizeof tx, "key%ld=value%ld", next_tx, next_tx);
                if (cons_engine_submit_tx(e, (const uint8_t *)tx, (size_t)n, NULL, NULL) != AG_OK)
                    die("submit");
            }
        }
        if (h.n == 0)
            die("no timer");
        size_t best = 0;
        for (size_t i = 1; i < h.n; i++)
            if (h.due[i] < h.due[best])
                best = i;
        double wait = h.due[best] - now_s();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
        uint64_t tok = h.token[best];
        h.due[best] = h.due[--h.n];
        h.token[best] = h.token[h.n];
        if (cons_engine_on_timer(e, tok) != AG_OK)
            die("timer");
    }
    double dt = now_s() - t0;
    result r = {h.committed / dt, 1000 * h.lat_sum / (double)h.committed, 1000 * h.lat_max,
                h.txs / dt};
    cons_engine_free(e);
    abci_client_free(cli);
    abci_kvstore_free(app);
    cons_wal_close(wal);
    cons_block_store_close(bs);
    cons_state_store_close(ss);
    state_kv_close(kv);
    cons_privval_free(pv);
    genesis_doc_free(&g);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_engine: could not remove %s\n", dir);
    return r;
}

static double wal_fsync_ms(int n)
{
    char dir[] = "/tmp/bench_engine_wal.XXXXXX";
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    cons_wal *wal;
    if (cons_wal_open(&wal, dir, NULL) != AG_OK)
        die("wal");
    uint8_t rec[200];
    memset(rec, 0x5a, sizeof rec);
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        if (cons_wal_write_sync(wal, 1, rec, sizeof rec) != AG_OK)
            die("wal write");
    double dt = now_s() - t0;
    cons_wal_close(wal);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_engine: could not remove %s\n", dir);
    return 1000 * dt / n;
}

int main(int argc, char **argv)
{
    long heights = argc > 1 ? atol(argv[1]) : 200;
    if (heights < 1)
        heights = 1;
    ag_log_setup(AG_LOG_WARN, AG_LOG_TEXT, NULL);
    double fs = wal_fsync_ms(200);
    result fast = run(heights / 4 + 1, 100, 0);
    result zero = run(heights, 0, 0);
    result ztx = run(heights, 0, 1000);
    double fs2 = wal_fsync_ms(200);
    printf("bench_engine: single validator, kvstore app (local client), memory stores, WAL on "
           "/tmp, real clock\n");
    printf("  WAL write+fsync (200 B record)        %8.3f ms  (before) %8.3f ms (after)\n", fs,
           fs2);
    printf("  fast profile (commit 100 ms), empty   %8.1f blocks/s  latency avg %7.2f ms  max "
           "%7.2f ms\n",
           fast.blocks_per_s, fast.lat_avg_ms, fast.lat_max_ms);
    printf("  timeout_commit 0, empty blocks        %8.1f blocks/s  latency avg %7.2f ms  max "
           "%7.2f ms\n",
           zero.blocks_per_s, zero.lat_avg_ms, zero.lat_max_ms);
    printf("  timeout_commit 0, 1000 txs/block      %8.1f blocks/s  latency avg %7.2f ms  max "
           "%7.2f ms  %8.0f tx/s\n",
           ztx.blocks_per_s, ztx.lat_avg_ms, ztx.lat_max_ms, ztx.txs_per_s);
    return 0;
}
