/*
 * bench_rpc — RPC requests per second over one keep-alive HTTP connection,
 * for a cheap method (health: the HTTP/JSON-RPC path alone), the URI form
 * (header), a store read (block at a random height, 10 txs, decoded and
 * encoded) and an index search (tx_search by an attribute). The time to
 * build and index the chain is printed too.
 *
 * The chain (tests/harness/rpc_chain.c: kvstore app, signed commits) has
 * 200 blocks of 10 txs. The server runs on its own thread, the client on
 * this one. Prints a digest of every response body so a change in the JSON
 * shows. Usage: bench_rpc [scale]   (default 1: 20k requests per method)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "lib/hex.h"
#include "rpc/server.h"
#include "tests/harness/rpc_chain.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static crypto_sha256_ctx digest;
static char rbuf[8 << 20];
static size_t rlen;

/* Read one response (Content-Length framed); 0 on success. */
static int read_one(int fd)
{
    for (;;) {
        rbuf[rlen] = 0;
        char *e = strstr(rbuf, "\r\n\r\n");
        if (e) {
            char *cl = strstr(rbuf, "Content-Length: ");
            if (!cl)
                return -1;
            size_t want = strtoul(cl + 16, NULL, 10), head = (size_t)(e + 4 - rbuf);
            if (rlen - head >= want) {
                crypto_sha256_update(&digest, e + 4, want);
                memmove(rbuf, rbuf + head + want, rlen - head - want);
                rlen -= head + want;
                return 0;
            }
        }
        ssize_t r = recv(fd, rbuf + rlen, sizeof rbuf - 1 - rlen, 0);
        if (r <= 0)
            return -1;
        rlen += (size_t)r;
    }
}

static double run(int fd, const char *name, long n, int kind)
{
    char req[1024], body[512];
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        int len;
        switch (kind) {
        case 0:
            snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"health\"}",
                     i);
            break;
        case 1:
            snprintf(body, sizeof body,
                     "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"block\",\"params\":{\"height\":"
                     "\"%ld\"}}",
                     i, 1 + (i * 7919) % 200);
            break;
        case 2:
            snprintf(
                body, sizeof body,
                "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tx_search\",\"params\":{\"query\":"
                "\"kv.key='k%ld_3'\"}}",
                i, 1 + (i * 7919) % 200);
            break;
        default:
            body[0] = 0;
        }
        if (kind == 3)
            len = snprintf(req, sizeof req, "GET /header?height=%ld HTTP/1.1\r\n\r\n",
                           1 + (i * 7919) % 200);
        else
            len = snprintf(req, sizeof req, "POST / HTTP/1.1\r\nContent-Length: %zu\r\n\r\n%s",
                           strlen(body), body);
        if (send(fd, req, (size_t)len, 0) != len || read_one(fd) != 0) {
            fprintf(stderr, "bench_rpc: %s: request %ld failed\n", name, i);
            exit(1);
        }
    }
    double dt = now_s() - t0;
    printf("  %-34s %10.0f req/s   (%ld requests)\n", name, (double)n / dt, n);
    return dt;
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        scale = 1;
    tchain *c;
    if (tchain_new(&c, 42) != AG_OK)
        return 1;
    rpc_backend be = tchain_backend(c);
    rpc_server_opts o;
    rpc_server_opts_default(&o);
    o.laddr = "tcp://127.0.0.1:0";
    o.index_kv = tchain_index_kv(c);
    rpc_server *s;
    if (rpc_server_start(&s, &be, &o) != AG_OK) {
        fprintf(stderr, "bench_rpc: %s\n", ag_err_detail());
        return 1;
    }
    tchain_set_server(c, s);
    double t0 = now_s();
    for (int h = 1; h <= 200; h++) {
        char txb[10][32];
        ag_slice txs[10];
        for (int i = 0; i < 10; i++) {
            snprintf(txb[i], sizeof txb[i], "k%d_%d=v%d", h, i, h * i);
            txs[i] = (ag_slice){(const uint8_t *)txb[i], strlen(txb[i])};
        }
        if (tchain_add_block(c, txs, 10) != AG_OK) {
            fprintf(stderr, "bench_rpc: block %d: %s\n", h, ag_err_detail());
            return 1;
        }
    }
    rpc_server_sync(s);
    printf("RPC server, one keep-alive connection (chain: 200 blocks x 10 txs, built and indexed "
           "in %.2f s)\n",
           now_s() - t0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)rpc_server_port(s));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return 1;
    crypto_sha256_init(&digest);
    long n = 20000 * scale;
    run(fd, "health (JSON-RPC POST)", n, 0);
    run(fd, "header (URI GET)", n, 3);
    run(fd, "block at a random height", n, 1);
    run(fd, "tx_search kv.key='...'", n / 4, 2);
    close(fd);
    uint8_t d[32];
    char hx[65];
    crypto_sha256_final(&digest, d);
    ag_hex_encode(hx, d, 16, false);
    printf("  digest of the response bodies (ids vary with scale): %s\n", hx);
    tchain_set_server(c, NULL);
    rpc_server_free(s);
    tchain_free(c);
    return 0;
}
