/*
 * p2p_rig.c — see p2p_rig.h.
 */
#include "tests/harness/p2p_rig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/log.h"

/* ---- the test reactor ---- */

static const p2p_channel_desc t_channels_default[] = {
    {T_CH_A, 5, 16, 1 << 20},
    {T_CH_B, 10, 16, 1 << 20},
    {T_CH_C, 1, 16, 1 << 20},
};

static void t_added(void *ctx, p2p_peer *peer)
{
    tnode *n = ctx;
    n->rx.added++;
    p2p_peer_set_data(peer, n->slot, n);
}

static void t_removed(void *ctx, p2p_peer *peer, ag_err reason)
{
    tnode *n = ctx;
    ck_assert_ptr_eq(p2p_peer_get_data(peer, n->slot), n);
    n->rx.removed++;
    n->rx.last_removed_reason = reason;
}

/* A message starting with 0xff is "invalid": the reactor refuses it. */
static ag_err t_receive(void *ctx, p2p_peer *peer, uint8_t ch, const uint8_t *msg, size_t len)
{
    tnode *n = ctx;
    if (len && msg[0] == 0xff)
        return ag_err_set(AG_ERR_DECODE, "test reactor: invalid message");
    n->rx.msgs[ch]++;
    n->rx.bytes[ch] += len;
    uint8_t h[32];
    crypto_sha256(h, msg, len);
    uint64_t v;
    memcpy(&v, h, 8);
    n->rx.hash[ch] = n->rx.hash[ch] * 1000003u ^ v;
    return AG_OK;
}

void rig_init(uv_loop_t *loop, ag_env_sim *env)
{
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    ck_assert_int_eq(uv_loop_init(loop), 0);
    ag_env_sim_init(env, 0x5eed, 1700000000ull * 1000000000ull);
}

void rig_default_opts(p2p_switch_opts *o)
{
    p2p_switch_opts_default(o);
    o->listen_addr = "127.0.0.1:0";
    o->network = "agora-test";
    o->allow_duplicate_ip = true;
    o->dial_backoff_min_ms = 50;
    o->dial_backoff_max_ms = 400;
    o->conn.handshake_timeout_ms = 2000;
    o->conn.tick_ms = 10;
    o->conn.send_rate = 0;
    o->conn.recv_rate = 0;
    o->tick_ms = 20;
}

void tnode_up(tnode *n, uv_loop_t *loop, const ag_env *env, const p2p_switch_opts *o, bool keep_key)
{
    if (!keep_key) {
        size_t rm = n->recv_max;
        uint8_t xc = n->extra_channel;
        const p2p_pex_opts *po = n->pex_opts;
        const char *bp = n->book_path;
        memset(n, 0, sizeof *n);
        n->recv_max = rm;
        n->extra_channel = xc;
        n->pex_opts = po;
        n->book_path = bp;
        ck_assert_int_eq(node_key_generate(&n->key), AG_OK);
    } else {
        memset(&n->rx, 0, sizeof n->rx);
    }
    n->closed = false;
    ck_assert_int_eq(p2p_switch_new(&n->sw, loop, &n->key, env, o), AG_OK);
    p2p_channel_desc chs[4];
    memcpy(chs, t_channels_default, sizeof t_channels_default);
    chs[3] = (p2p_channel_desc){n->extra_channel, 1, 16, 1 << 20};
    if (n->recv_max)
        for (int i = 0; i < 4; i++)
            chs[i].recv_message_max = n->recv_max;
    p2p_reactor r = {.name = "test",
                     .channels = chs,
                     .n_channels = n->extra_channel ? 4 : 3,
                     .ctx = n,
                     .peer_added = t_added,
                     .peer_removed = t_removed,
                     .receive = t_receive};
    ck_assert_int_eq(p2p_switch_add_reactor(n->sw, &r, &n->slot), AG_OK);
    if (n->pex_opts) {
        ck_assert_int_eq(p2p_addrbook_new(&n->book, n->book_path, 1000, env), AG_OK);
        ck_assert_int_eq(p2p_pex_new(&n->pex, n->sw, n->book, n->pex_opts), AG_OK);
    }
    ag_err err = p2p_switch_start(n->sw);
    ck_assert_msg(err == AG_OK, "start: %s", ag_err_detail());
}

static void on_node_closed(void *ctx)
{
    ((tnode *)ctx)->closed = true;
}

static bool node_closed(void *ctx)
{
    return ((tnode *)ctx)->closed;
}

void tnode_close(tnode *n, uv_loop_t *loop)
{
    if (!n->sw)
        return;
    p2p_switch_close(n->sw, on_node_closed, n);
    ck_assert(run_until(loop, node_closed, n, 5000));
    n->sw = NULL;
    p2p_pex_free(n->pex);
    p2p_addrbook_free(n->book);
    n->pex = NULL;
    n->book = NULL;
}

uint16_t tnode_port(const tnode *n)
{
    p2p_netaddr a;
    ck_assert_int_eq(p2p_netaddr_parse(&a, p2p_switch_listen_addr(n->sw), false), AG_OK);
    return a.port;
}

void tnode_addr(const tnode *n, char *out, size_t cap)
{
    snprintf(out, cap, "%s@%s", n->key.id, p2p_switch_listen_addr(n->sw));
}

void tnode_dial(tnode *from, const tnode *to)
{
    char s[P2P_ADDR_MAX + 1];
    tnode_addr(to, s, sizeof s);
    p2p_netaddr a;
    ck_assert_int_eq(p2p_netaddr_parse(&a, s, true), AG_OK);
    ag_err err = p2p_switch_dial(from->sw, &a);
    ck_assert_msg(err == AG_OK, "dial: %s", ag_err_detail());
}

/* ---- running the loop ---- */

static void on_wake(uv_timer_t *t)
{
    (void)t;
}

static void on_wake_closed(uv_handle_t *h)
{
    (void)h;
}

bool run_until(uv_loop_t *loop, bool (*pred)(void *), void *ctx, uint64_t ms)
{
    uv_timer_t wake;
    uv_timer_init(loop, &wake);
    uv_timer_start(&wake, on_wake, 5, 5);
    uv_update_time(loop);
    uint64_t end = uv_now(loop) + ms;
    bool ok = pred && pred(ctx);
    while (!ok && uv_now(loop) < end) {
        uv_run(loop, UV_RUN_ONCE);
        ok = pred && pred(ctx);
    }
    uv_close((uv_handle_t *)&wake, on_wake_closed);
    uv_run(loop, UV_RUN_NOWAIT);
    return ok;
}

void run_for(uv_loop_t *loop, uint64_t ms)
{
    run_until(loop, NULL, NULL, ms);
}

static void walk_close(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void rig_finish(uv_loop_t *loop)
{
    int leftover = 0;
    uv_walk(loop, (uv_walk_cb)(void (*)(void))walk_close, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    leftover = uv_loop_close(loop);
    ck_assert_int_eq(leftover, 0);
}

/* ---- raw client ---- */

static void rawc_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

static void rawc_alloc(uv_handle_t *h, size_t s, uv_buf_t *b)
{
    static char sink[4096];
    (void)h;
    (void)s;
    *b = uv_buf_init(sink, sizeof sink);
}

static void rawc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    rawc *r = s->data;
    (void)b;
    if (n < 0) {
        r->eof = true;
        uv_read_stop(s);
    }
}

static void rawc_connected(uv_connect_t *req, int status)
{
    rawc *r = req->data;
    if (status < 0) {
        r->eof = true;
        return;
    }
    r->connected = true;
    uv_read_start((uv_stream_t *)&r->tcp, rawc_alloc, rawc_read);
    if (r->len) {
        uv_write_t *w = malloc(sizeof *w);
        uv_buf_t b = uv_buf_init((char *)r->data, (unsigned)r->len);
        uv_write(w, (uv_stream_t *)&r->tcp, &b, 1, rawc_written);
    }
}

void rawc_start(rawc *r, uv_loop_t *loop, uint16_t port, const uint8_t *data, size_t len)
{
    memset(r, 0, sizeof *r);
    ck_assert_uint_le(len, sizeof r->data);
    memcpy(r->data, data, len);
    r->len = len;
    uv_tcp_init(loop, &r->tcp);
    r->tcp.data = r;
    r->creq.data = r;
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", port, &sa);
    ck_assert_int_eq(uv_tcp_connect(&r->creq, &r->tcp, (struct sockaddr *)&sa, rawc_connected), 0);
}

void rawc_close(rawc *r)
{
    if (!uv_is_closing((uv_handle_t *)&r->tcp))
        uv_close((uv_handle_t *)&r->tcp, NULL);
}

/* ---- proxy ---- */

#define HS_BYTES (33 + 1044)

static void px_close_all(proxy *p)
{
    if (p->closing)
        return;
    p->closing = true;
    uv_close((uv_handle_t *)&p->lis, NULL);
    if (p->have_a)
        uv_close((uv_handle_t *)&p->a, NULL);
    uv_close((uv_handle_t *)&p->b, NULL);
}

static void px_alloc(uv_handle_t *h, size_t s, uv_buf_t *b)
{
    (void)h;
    *b = uv_buf_init(malloc(s), (unsigned)s);
}

typedef struct pxw {
    uv_write_t w;
    uint8_t data[];
} pxw;

static void px_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

static void px_send(uv_tcp_t *to, const uint8_t *d, size_t n)
{
    if (!n || uv_is_closing((uv_handle_t *)to))
        return;
    pxw *w = malloc(sizeof *w + n);
    memcpy(w->data, d, n);
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
    if (uv_write(&w->w, (uv_stream_t *)to, &b, 1, px_written) < 0)
        free(w);
}

/* Transform a->b bytes by mode, then forward (or hold until b is up). */
static void px_ab(proxy *p, const uint8_t *d, size_t n)
{
    ag_buf out;
    ag_buf_init(&out, 0);
    const uint64_t flip_at = HS_BYTES + 2 * 1044 + 100;
    const uint64_t f0 = HS_BYTES + 1044; /* the second data frame */
    for (size_t i = 0; i < n; i++) {
        uint64_t o = p->ab++;
        uint8_t c = d[i];
        if (p->mode == PX_FLIP && o == flip_at)
            c ^= 0x01;
        ag_buf_append_byte(&out, c);
        if (p->mode == PX_REPLAY && o >= f0 && o < f0 + 1044)
            p->saved[o - f0] = c;
        if (p->mode == PX_REPLAY && o == f0 + 1043)
            ag_buf_append(&out, p->saved, 1044);
    }
    if (p->b_up)
        px_send(&p->b, out.data, out.len);
    else
        ag_buf_append(&p->pend, out.data, out.len);
    ag_buf_free(&out);
    if (p->mode == PX_STALL && p->ab >= HS_BYTES + 1044)
        uv_read_stop((uv_stream_t *)&p->a); /* stop reading: a slow reader */
}

static void px_read_a(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    proxy *p = s->data;
    if (n > 0)
        px_ab(p, (const uint8_t *)b->base, (size_t)n);
    else if (n < 0)
        px_close_all(p);
    free(b->base);
}

static void px_read_b(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    proxy *p = s->data;
    if (n > 0 && p->have_a)
        px_send(&p->a, (const uint8_t *)b->base, (size_t)n);
    else if (n < 0)
        px_close_all(p);
    free(b->base);
}

static void px_b_connected(uv_connect_t *req, int status)
{
    proxy *p = req->data;
    if (status < 0 || p->closing) {
        px_close_all(p);
        return;
    }
    p->b_up = true;
    uv_read_start((uv_stream_t *)&p->b, px_alloc, px_read_b);
    px_send(&p->b, p->pend.data, p->pend.len);
    ag_buf_reset(&p->pend);
}

static void px_accept(uv_stream_t *lis, int status)
{
    proxy *p = lis->data;
    if (status < 0 || p->have_a)
        return;
    uv_tcp_init(p->loop, &p->a);
    p->a.data = p;
    p->have_a = true;
    uv_accept(lis, (uv_stream_t *)&p->a);
    uv_read_start((uv_stream_t *)&p->a, px_alloc, px_read_a);
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", p->target, &sa);
    p->creq.data = p;
    uv_tcp_connect(&p->creq, &p->b, (struct sockaddr *)&sa, px_b_connected);
}

void proxy_start(proxy *p, uv_loop_t *loop, uint16_t target_port, int mode)
{
    memset(p, 0, sizeof *p);
    p->loop = loop;
    p->mode = mode;
    p->target = target_port;
    ag_buf_init(&p->pend, 0);
    uv_tcp_init(loop, &p->lis);
    uv_tcp_init(loop, &p->b);
    p->lis.data = p;
    p->b.data = p;
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", 0, &sa);
    ck_assert_int_eq(uv_tcp_bind(&p->lis, (struct sockaddr *)&sa, 0), 0);
    ck_assert_int_eq(uv_listen((uv_stream_t *)&p->lis, 8, px_accept), 0);
    struct sockaddr_in bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&p->lis, (struct sockaddr *)&bound, &len);
    p->port = ntohs(bound.sin_port);
}

void proxy_close(proxy *p)
{
    px_close_all(p);
    ag_buf_free(&p->pend);
}
