/*
 * bench_abci — CheckTx round trips per second through each ABCI transport,
 * side by side in one run: the application in-process (local client), and
 * the socket client against the libuv server over a Unix socket and over
 * TCP loopback, both one request per Flush (a full round trip each) and
 * pipelined in batches with one Flush per batch.
 *
 * The server runs in this process on its own thread, so on a 2-core machine
 * the client and the server each get a core. The in-process figure is the
 * limit the socket figures are measured against. Prints a digest of every
 * response code so a miscompile or nondeterminism shows.
 *
 * Usage: bench_abci [scale]   (default 1: 1M local, 20k single, 400k pipelined)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "abci/client.h"
#include "abci/kvstore.h"
#include "abci/server.h"
#include "crypto/hash.h"
#include "lib/hex.h"
#include "lib/log.h"

#define BATCH 100

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static crypto_sha256_ctx digest;
static long failures;

static void make_tx(char *buf, size_t n, long i, abci_req_check_tx *ct)
{
    /* Every 7th tx is malformed, so both CheckTx outcomes are exercised. */
    int len = i % 7 ? snprintf(buf, n, "key%ld=value%ld", i, i) : snprintf(buf, n, "junk%ld", i);
    tendermint__abci__request_check_tx__init(ct);
    ct->tx = (ProtobufCBinaryData){(size_t)len, (uint8_t *)buf};
}

static void note(uint32_t code, long i)
{
    uint8_t rec[5] = {(uint8_t)code, (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16),
                      (uint8_t)(i >> 24)};
    crypto_sha256_update(&digest, rec, sizeof rec);
    if (code != (i % 7 ? ABCI_KV_OK : ABCI_KV_CODE_BAD_FORMAT))
        failures++;
}

/* One CheckTx per call: request + Flush, wait for both. */
static double run_single(abci_client *c, long n)
{
    abci_arena *a;
    abci_arena_new(&a, 0);
    char buf[64];
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        abci_req_check_tx ct;
        make_tx(buf, sizeof buf, i, &ct);
        abci_resp_check_tx *r;
        if (abci_client_check_tx(c, a, &ct, &r) != AG_OK) {
            fprintf(stderr, "bench_abci: %s\n", ag_err_detail());
            exit(1);
        }
        note(r->code, i);
        abci_arena_reset(a);
    }
    double dt = now_s() - t0;
    abci_arena_free(a);
    return (double)n / dt;
}

typedef struct {
    long next;
} expect;

static void on_resp(void *user, ag_err err, const abci_response *resp)
{
    expect *e = user;
    if (err) {
        fprintf(stderr, "bench_abci: %s\n", ag_err_detail());
        exit(1);
    }
    note(resp->check_tx->code, e->next++);
}

/* BATCH CheckTx sent back to back, then one Flush for the batch. */
static double run_pipelined(abci_client *c, long n)
{
    char buf[64];
    expect e = {0};
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        abci_req_check_tx ct;
        make_tx(buf, sizeof buf, i, &ct);
        abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
        req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX;
        req.check_tx = &ct;
        if (abci_client_send(c, &req, on_resp, &e) != AG_OK ||
            ((i + 1) % BATCH == 0 && abci_client_flush(c) != AG_OK)) {
            fprintf(stderr, "bench_abci: %s\n", ag_err_detail());
            exit(1);
        }
    }
    if (abci_client_flush(c) != AG_OK) {
        fprintf(stderr, "bench_abci: %s\n", ag_err_detail());
        exit(1);
    }
    double dt = now_s() - t0;
    if (e.next != n) {
        fprintf(stderr, "bench_abci: %ld of %ld responses\n", e.next, n);
        exit(1);
    }
    return (double)n / dt;
}

static void socket_figures(const abci_app *app, const char *listen_addr, long single,
                           long pipelined, double *r_single, double *r_pipe)
{
    abci_server *srv;
    abci_client *c;
    if (abci_server_new(&srv, app, NULL) != AG_OK ||
        abci_server_listen(srv, listen_addr) != AG_OK || abci_server_start(srv) != AG_OK ||
        abci_socket_new(&c, abci_server_address(srv), NULL) != AG_OK) {
        fprintf(stderr, "bench_abci: %s: %s\n", listen_addr, ag_err_detail());
        exit(1);
    }
    *r_single = run_single(c, single);
    *r_pipe = run_pipelined(c, pipelined);
    abci_client_free(c);
    abci_server_free(srv);
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    if (scale <= 0)
        scale = 1.0;
    long n_local = (long)(1000000 * scale), n_single = (long)(20000 * scale),
         n_pipe = (long)(400000 * scale);
    ag_log_setup(AG_LOG_ERROR, AG_LOG_TEXT, NULL);
    crypto_sha256_init(&digest);

    abci_kvstore *kv;
    abci_kvstore_new(&kv, NULL);
    abci_app app = abci_kvstore_app(kv);

    abci_client *local;
    abci_local_new(&local, &app, NULL);
    double local_single = run_single(local, n_local);
    double local_pipe = run_pipelined(local, n_local);
    abci_client_free(local);

    char dir[] = "/tmp/agora-bench-XXXXXX", unix_addr[128];
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(unix_addr, sizeof unix_addr, "unix://%s/app.sock", dir);
    double unix_single, unix_pipe, tcp_single, tcp_pipe;
    socket_figures(&app, unix_addr, n_single, n_pipe, &unix_single, &unix_pipe);
    socket_figures(&app, "tcp://127.0.0.1:0", n_single, n_pipe, &tcp_single, &tcp_pipe);
    rmdir(dir);

    printf("CheckTx round trips per second (kvstore app, %d-byte txs, batches of %d per Flush)\n",
           (int)strlen("key100000=value100000"), BATCH);
    printf("  %-22s %14s %14s\n", "transport", "one at a time", "pipelined");
    printf("  %-22s %12.0f/s %12.0f/s   <- the limit: no encoding, no I/O\n", "in-process (local)",
           local_single, local_pipe);
    printf("  %-22s %12.0f/s %12.0f/s   (%.1f%% / %.1f%% of in-process)\n", "unix socket",
           unix_single, unix_pipe, 100 * unix_single / local_single, 100 * unix_pipe / local_pipe);
    printf("  %-22s %12.0f/s %12.0f/s   (%.1f%% / %.1f%% of in-process)\n", "tcp loopback",
           tcp_single, tcp_pipe, 100 * tcp_single / local_single, 100 * tcp_pipe / local_pipe);
    uint8_t out[32];
    crypto_sha256_final(&digest, out);
    char hex[65];
    ag_hex_encode(hex, out, 32, false);
    printf("output digest: %s\n", hex);
    abci_kvstore_free(kv);
    if (failures) {
        fprintf(stderr, "bench_abci: %ld wrong CheckTx codes\n", failures);
        return 1;
    }
    return 0;
}
