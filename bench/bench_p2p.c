/*
 * bench_p2p — throughput of one encrypted p2p connection on loopback, next
 * to the raw ChaCha20-Poly1305 seal+open speed measured in the same run
 * (the ceiling: the connection seals and opens every byte once, plus
 * framing, protobuf packets, the kernel and the event loop).
 *
 *  1. raw: seal + open of full frames (1 KiB payload) in a loop, with the
 *     keyed contexts reused as the connection does.
 *  2. connection: two switches on one libuv loop (one thread: the two ends
 *     share a core, so the figure is for both ends together), rate limits
 *     off; N messages of S bytes on one channel; MB/s of payload and msgs/s.
 *
 * Prints a digest of the received payload so a broken path shows.
 * Usage: bench_p2p [message_bytes] [total_MB]   (defaults 65536 and 256)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "crypto/hash.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "p2p/secret_conn.h"
#include "p2p/switch.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct sink {
    uint64_t msgs, bytes;
    crypto_sha256_ctx digest;
    int added;
    bool closed;
} sink;

static ag_err on_msg(void *ctx, p2p_peer *p, uint8_t ch, const uint8_t *m, size_t len)
{
    sink *s = ctx;
    s->msgs++;
    s->bytes += len;
    crypto_sha256_update(&s->digest, m, len);
    return AG_OK;
}

static void on_added(void *ctx, p2p_peer *p)
{
    ((sink *)ctx)->added++;
}

static void on_closed(void *ctx)
{
    ((sink *)ctx)->closed = true;
}

static void on_wake(uv_timer_t *t)
{
    (void)t;
}

int main(int argc, char **argv)
{
    size_t msg = argc > 1 ? (size_t)atol(argv[1]) : 65536;
    size_t total_mb = argc > 2 ? (size_t)atol(argv[2]) : 256;
    if (msg == 0 || msg > (1u << 20) || total_mb == 0) {
        fprintf(stderr, "usage: bench_p2p [message_bytes (1..1048576)] [total_MB]\n");
        return 2;
    }
    ag_log_setup(AG_LOG_WARN, AG_LOG_TEXT, NULL);

    /* 1: raw AEAD, one keyed context per direction as the connection uses */
    uint8_t key[32], plain[P2P_FRAME_DATA_MAX], sealed[P2P_FRAME_SEALED], back[P2P_FRAME_DATA_MAX];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    memset(plain, 0x5a, sizeof plain);
    p2p_secret tx, rx;
    if (p2p_secret_init(&tx, key, key) || p2p_secret_init(&rx, key, key))
        return 1;
    long frames = 200000;
    double t0 = now_s();
    for (long i = 0; i < frames; i++) {
        size_t n;
        if (p2p_secret_seal(&tx, sealed, plain, sizeof plain) != AG_OK ||
            p2p_secret_open(&rx, back, &n, sealed) != AG_OK || n != sizeof plain) {
            fprintf(stderr, "bench_p2p: raw AEAD failed\n");
            return 1;
        }
    }
    double raw_s = now_s() - t0;
    double raw_mbs = (double)frames * P2P_FRAME_DATA_MAX / raw_s / 1e6;
    p2p_secret_free(&tx);
    p2p_secret_free(&rx);

    /* 2: one connection */
    uv_loop_t loop;
    uv_loop_init(&loop);
    node_key ka, kb;
    if (node_key_generate(&ka) || node_key_generate(&kb))
        return 1;
    p2p_switch_opts o;
    p2p_switch_opts_default(&o);
    o.listen_addr = "127.0.0.1:0";
    o.conn.send_rate = 0;
    o.conn.recv_rate = 0;
    o.conn.write_window = 256 * 1024;
    p2p_channel_desc ch = {0x30, 1, 64, 1 << 20};
    sink sa = {0}, sb = {0};
    crypto_sha256_init(&sb.digest);
    crypto_sha256_init(&sa.digest);
    p2p_switch *a, *b;
    int slot;
    p2p_reactor ra = {.name = "bench",
                      .channels = &ch,
                      .n_channels = 1,
                      .ctx = &sa,
                      .peer_added = on_added,
                      .receive = on_msg};
    p2p_reactor rb = ra;
    rb.ctx = &sb;
    if (p2p_switch_new(&a, &loop, &ka, ag_env_system(), &o) ||
        p2p_switch_new(&b, &loop, &kb, ag_env_system(), &o) ||
        p2p_switch_add_reactor(a, &ra, &slot) || p2p_switch_add_reactor(b, &rb, &slot) ||
        p2p_switch_start(a) || p2p_switch_start(b)) {
        fprintf(stderr, "bench_p2p: %s\n", ag_err_detail());
        return 1;
    }
    char addr[P2P_ADDR_MAX + 1];
    snprintf(addr, sizeof addr, "%s@%s", kb.id, p2p_switch_listen_addr(b));
    p2p_netaddr na;
    p2p_netaddr_parse(&na, addr, true);
    p2p_switch_dial(a, &na);
    uv_timer_t wake;
    uv_timer_init(&loop, &wake);
    uv_timer_start(&wake, on_wake, 1, 1);
    while (!(sa.added && sb.added))
        uv_run(&loop, UV_RUN_ONCE);
    p2p_peer *peer = p2p_switch_find_peer(a, kb.id);
    uint8_t *m = malloc(msg);
    for (size_t i = 0; i < msg; i++)
        m[i] = (uint8_t)(i * 31 + 7);
    uint64_t n_msgs = (uint64_t)total_mb * 1000000 / msg;
    if (n_msgs == 0)
        n_msgs = 1;
    uint64_t sent = 0;
    t0 = now_s();
    while (sb.msgs < n_msgs) {
        while (sent < n_msgs && p2p_peer_send(peer, 0x30, m, msg) == AG_OK)
            sent++;
        uv_run(&loop, UV_RUN_ONCE);
    }
    double conn_s = now_s() - t0;
    double conn_mbs = (double)sb.bytes / conn_s / 1e6;
    double msgs_s = (double)sb.msgs / conn_s;
    free(m);
    uv_close((uv_handle_t *)&wake, NULL);
    p2p_switch_close(a, on_closed, &sa);
    p2p_switch_close(b, on_closed, &sb);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);

    printf("chacha20-poly1305 seal+open (1 KiB frames): %8.1f MB/s  (the ceiling)\n", raw_mbs);
    printf("encrypted connection, %zu B messages:     %8.1f MB/s, %.0f msgs/s "
           "(%.0f%% of the ceiling; both ends on one core)\n",
           msg, conn_mbs, msgs_s, 100.0 * conn_mbs / raw_mbs);
    uint8_t d[32];
    crypto_sha256_final(&sb.digest, d);
    char hex[65];
    ag_hex_encode(hex, d, 32, false);
    printf("output digest: %s (%llu messages)\n", hex, (unsigned long long)sb.msgs);
    return 0;
}
