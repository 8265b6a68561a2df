/*
 * bench_mempool — txs per second admitted into the mempool through CheckTx
 * with the example kvstore application on a local client, next to the raw
 * local-client CheckTx rate measured in the same run (the ceiling: the
 * mempool adds hashing, the cache, copies and the FIFO on top). Also times
 * a recheck of the whole mempool after an update and a reap of a 1 MiB /
 * max-gas proposal.
 *
 * Usage: bench_mempool [scale]   (default 1: 200k txs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abci/client.h"
#include "abci/kvstore.h"
#include "consensus/mempool.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_mempool: %s: %s\n", what, ag_err_detail());
    exit(1);
}

static int make_tx(char *buf, size_t n, long i)
{
    return snprintf(buf, n, "key%ld=value%ld", i, i);
}

static long raw_ok;
static void on_raw(void *user, ag_err err, const abci_response *resp)
{
    (void)user;
    if (!err && resp->check_tx->code == 0)
        raw_ok++;
}

static long admitted;
static void on_done(void *user, ag_err result, uint32_t code)
{
    (void)user;
    (void)code;
    if (result == AG_OK)
        admitted++;
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        scale = 1;
    long n = 200000 * scale;
    abci_kvstore *kv;
    if (abci_kvstore_new(&kv, NULL))
        die("kvstore");
    abci_app app = abci_kvstore_app(kv);
    abci_client *cli;
    if (abci_local_new(&cli, &app, NULL))
        die("client");

    char buf[64];
    /* reference: raw CheckTx through the local client */
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
        ct.tx.len = (size_t)make_tx(buf, sizeof buf, i);
        ct.tx.data = (uint8_t *)buf;
        abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
        req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX;
        req.check_tx = &ct;
        if (abci_client_send(cli, &req, on_raw, NULL))
            die("send");
    }
    double raw = (double)n / (now_s() - t0);

    cons_mempool_opts o;
    cons_mempool_opts_default(&o);
    o.max_txs = (size_t)n;
    o.cache_size = (size_t)n;
    o.recheck_batch = (size_t)n;
    cons_mempool *mp;
    if (cons_mempool_new(&mp, cli, &o))
        die("mempool");
    t0 = now_s();
    for (long i = 0; i < n; i++) {
        int len = make_tx(buf, sizeof buf, i);
        if (cons_mempool_check_tx(mp, (const uint8_t *)buf, (size_t)len, on_done, NULL))
            die("check_tx");
    }
    double adm = (double)n / (now_s() - t0);

    /* duplicates: refused by the cache without calling the app */
    t0 = now_s();
    long dups = 0;
    for (long i = 0; i < n; i++) {
        int len = make_tx(buf, sizeof buf, i);
        dups += cons_mempool_check_tx(mp, (const uint8_t *)buf, (size_t)len, NULL, NULL) ==
                AG_ERR_EXISTS;
    }
    double dup = (double)n / (now_s() - t0);

    t0 = now_s();
    cons_mempool_txs t;
    if (cons_mempool_reap(mp, 1 << 20, -1, &t))
        die("reap");
    double reap_ms = (now_s() - t0) * 1e3;
    size_t reaped = t.n;

    t0 = now_s();
    if (cons_mempool_update(mp, 1, t.txs, NULL, t.n))
        die("update");
    double upd_ms = (now_s() - t0) * 1e3;
    cons_mempool_txs_free(&t);

    printf("bench_mempool: %ld txs, kvstore app, local client\n", n);
    printf("  raw local CheckTx (reference)   %10.0f tx/s  (%ld ok)\n", raw, raw_ok);
    printf("  mempool admission via CheckTx   %10.0f tx/s  (%ld admitted, %.0f%% of raw)\n", adm,
           admitted, 100.0 * adm / raw);
    printf("  duplicate refused by the cache  %10.0f tx/s  (%ld refused)\n", dup, dups);
    printf("  reap 1 MiB proposal             %10.2f ms    (%zu txs)\n", reap_ms, reaped);
    printf("  update + recheck of %zu txs  %10.2f ms    (%zu left)\n", (size_t)n - reaped, upd_ms,
           cons_mempool_size(mp));
    int bad = admitted != n || dups != n || raw_ok != n;
    cons_mempool_free(mp);
    abci_client_free(cli);
    abci_kvstore_free(kv);
    return bad;
}
