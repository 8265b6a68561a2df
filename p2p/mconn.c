/*
 * mconn.c — the multiplexed connection; see mconn.h.
 *
 * Life of a connection:
 *
 *   NEW -(connect/start)-> EPH: our ephemeral key is written; waiting for
 *     the peer's 33 bytes.
 *   EPH -> AUTH: keys derived, our sealed auth frame written; waiting for
 *     the peer's (one P2P_FRAME_SEALED frame).
 *   AUTH -> INFO: peer authenticated; our NodeInfo written as the first
 *     message of the encrypted stream; waiting for the peer's.
 *   INFO -> RUN: on_ready accepted the peer; packets flow both ways.
 *   any -> closing: uv_close on the socket and the timer; pending writes
 *     are cancelled; when both handles are closed, on_closed runs and the
 *     connection is freed.
 *
 * One repeating timer (tick_ms) drives the handshake timeout, pings, the
 * pong timeout, the stall timeout and the token-bucket refills.
 */
#include "p2p/mconn.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "p2p/handshake.h"
#include "p2p/secret_conn.h"

#define IN_CAP     (64 * P2P_FRAME_SEALED)
#define STREAM_CAP (2 * (P2P_FRAME_DATA_MAX + P2P_PACKET_MAX + 16))
#define BATCH      (16 * P2P_FRAME_DATA_MAX) /* plaintext sealed per uv_write */

typedef struct qmsg {
    struct qmsg *next;
    size_t len;
    uint8_t data[];
} qmsg;

typedef struct chan {
    p2p_channel_desc d;
    qmsg *head, *tail;
    size_t count;
    size_t off; /* bytes of head already sent */
    uint64_t recently_sent;
    ag_buf recv;
} chan;

typedef struct wreq {
    uv_write_t req;
    p2p_mconn *c;
    size_t len;
    uint8_t data[];
} wreq;

enum { ST_NEW, ST_CONNECTING, ST_EPH, ST_AUTH, ST_INFO, ST_RUN };

struct p2p_mconn {
    uv_loop_t *loop;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect_req;
    int open_handles;
    bool closing;
    ag_err reason;
    int st;

    const node_key *key;
    const ag_env *env;
    p2p_mconn_opts o;
    p2p_mconn_cbs cb;
    p2p_node_info self, peer;
    p2p_hs hs;
    p2p_secret sec;

    chan ch[P2P_CHANNELS_MAX];
    size_t n_ch;
    int16_t idx_of[256];

    ag_buf in;        /* wire bytes not yet consumed */
    ag_buf stream;    /* decrypted stream bytes not yet parsed */
    ag_buf plain_out; /* stream bytes not yet sealed */

    bool recv_paused;
    uint64_t started_ms, last_ping_ms, ping_sent_ms;
    bool awaiting_pong, pong_due, ping_due;
    size_t in_flight;
    uint64_t last_progress_ms;
    int64_t send_tokens, recv_tokens;
    uint64_t last_refill_ms;

    void *user;
    p2p_mconn_stats stats;
    char remote_ip[64];
};

void p2p_mconn_opts_default(p2p_mconn_opts *o)
{
    o->handshake_timeout_ms = 10000;
    o->ping_interval_ms = 10000;
    o->pong_timeout_ms = 15000;
    o->send_stall_timeout_ms = 20000;
    o->tick_ms = 50;
    o->send_rate = 5000000;
    o->recv_rate = 5000000;
    o->write_window = 64 * 1024;
}

static void pump(p2p_mconn *c);

static void fail(p2p_mconn *c, ag_err err)
{
    p2p_mconn_close(c, err ? err : AG_ERR_INTERNAL);
}

static int64_t bucket_cap(uint64_t rate)
{
    int64_t cap = (int64_t)(rate > (uint64_t)INT32_MAX ? INT32_MAX : rate);
    return cap < BATCH + P2P_FRAME_SEALED * 2 ? BATCH + P2P_FRAME_SEALED * 2 : cap;
}

/* ---- writing ---- */

static void on_write(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    p2p_mconn *c = w->c;
    c->in_flight -= w->len;
    free(w);
    if (c->closing)
        return;
    if (status < 0) {
        fail(c, ag_err_from_uv(status, "p2p: write"));
        return;
    }
    c->last_progress_ms = uv_now(c->loop);
    pump(c);
}

static ag_err write_buf(p2p_mconn *c, wreq *w)
{
    w->c = c;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);
    if (c->in_flight == 0)
        c->last_progress_ms = uv_now(c->loop);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
    if (rc < 0) {
        free(w);
        return ag_err_from_uv(rc, "p2p: write");
    }
    c->in_flight += w->len;
    c->stats.bytes_sent += w->len;
    if (c->o.send_rate)
        c->send_tokens -= (int64_t)w->len;
    return AG_OK;
}

static ag_err write_raw(p2p_mconn *c, const uint8_t *data, size_t len)
{
    wreq *w = malloc(sizeof *w + len);
    if (!w)
        return ag_err_set(AG_ERR_NOMEM, "p2p: write buffer");
    memcpy(w->data, data, len);
    w->len = len;
    return write_buf(c, w);
}

/* Seal everything in plain_out into frames and write them in one request. */
static ag_err flush_plain(p2p_mconn *c)
{
    size_t n = c->plain_out.len;
    if (n == 0)
        return AG_OK;
    size_t frames = (n + P2P_FRAME_DATA_MAX - 1) / P2P_FRAME_DATA_MAX;
    wreq *w = malloc(sizeof *w + frames * P2P_FRAME_SEALED);
    if (!w)
        return ag_err_set(AG_ERR_NOMEM, "p2p: write buffer");
    for (size_t i = 0; i < frames; i++) {
        size_t off = i * P2P_FRAME_DATA_MAX;
        size_t len = n - off < P2P_FRAME_DATA_MAX ? n - off : P2P_FRAME_DATA_MAX;
        ag_err err =
            p2p_secret_seal(&c->sec, w->data + i * P2P_FRAME_SEALED, c->plain_out.data + off, len);
        if (err) {
            free(w);
            return err;
        }
    }
    c->stats.frames_sent += frames;
    w->len = frames * P2P_FRAME_SEALED;
    ag_buf_reset(&c->plain_out);
    return write_buf(c, w);
}

static chan *pick_channel(p2p_mconn *c)
{
    chan *best = NULL;
    for (size_t i = 0; i < c->n_ch; i++) {
        chan *ch = &c->ch[i];
        if (!ch->head)
            continue;
        if (!best || ch->recently_sent * best->d.priority < best->recently_sent * ch->d.priority)
            best = ch;
    }
    return best;
}

static void pump(p2p_mconn *c)
{
    while (!c->closing && c->st == ST_RUN && c->in_flight < c->o.write_window &&
           (!c->o.send_rate || c->send_tokens > 0)) {
        ag_err err = AG_OK;
        while (!err && c->plain_out.len < BATCH) {
            if (c->pong_due) {
                c->pong_due = false;
                err = p2p_packet_append(&c->plain_out, P2P_PKT_PONG, 0, false, NULL, 0);
                continue;
            }
            if (c->ping_due) {
                c->ping_due = false;
                err = p2p_packet_append(&c->plain_out, P2P_PKT_PING, 0, false, NULL, 0);
                continue;
            }
            chan *ch = pick_channel(c);
            if (!ch)
                break;
            qmsg *m = ch->head;
            size_t frag = m->len - ch->off;
            if (frag > P2P_PACKET_DATA_MAX)
                frag = P2P_PACKET_DATA_MAX;
            bool eof = ch->off + frag == m->len;
            err = p2p_packet_append(&c->plain_out, P2P_PKT_MSG, ch->d.id, eof, m->data + ch->off,
                                    frag);
            if (err)
                break;
            ch->off += frag;
            ch->recently_sent += frag + 1;
            if (eof) {
                ch->head = m->next;
                if (!ch->head)
                    ch->tail = NULL;
                ch->count--;
                ch->off = 0;
                free(m);
                c->stats.msgs_sent++;
            }
        }
        if (!err)
            err = flush_plain(c);
        if (err) {
            fail(c, err);
            return;
        }
        if (c->plain_out.len == 0 && !pick_channel(c) && !c->pong_due && !c->ping_due)
            break;
    }
}

/* ---- reading ---- */

static ag_err handle_packet(p2p_mconn *c, const p2p_packet *p)
{
    switch (p->type) {
    case P2P_PKT_PING:
        c->pong_due = true;
        return AG_OK;
    case P2P_PKT_PONG:
        c->awaiting_pong = false;
        return AG_OK;
    case P2P_PKT_MSG:
        break;
    }
    int idx = c->idx_of[p->channel];
    if (idx < 0)
        return ag_err_set(AG_ERR_DECODE, "p2p: message on unknown channel 0x%02x", p->channel);
    chan *ch = &c->ch[idx];
    if (p->len && ag_buf_append(&ch->recv, p->data, p->len) != AG_OK)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: message on channel 0x%02x above %zu bytes",
                          p->channel, ch->d.recv_message_max);
    if (!p->eof)
        return AG_OK;
    c->stats.msgs_recv++;
    ag_err err = c->cb.on_receive
                     ? c->cb.on_receive(c->cb.ctx, c, p->channel, ch->recv.data, ch->recv.len)
                     : AG_OK;
    if (ch->recv.cap > 64 * 1024)
        ag_buf_free(&ch->recv);
    else
        ag_buf_reset(&ch->recv);
    return err;
}

static ag_err handle_node_info(p2p_mconn *c, const uint8_t *body, size_t len)
{
    ag_err err = p2p_node_info_decode(&c->peer, body, len);
    if (err)
        return err;
    if (strcmp(c->peer.id, c->hs.peer_id) != 0)
        return ag_err_set(AG_ERR_VERIFY, "p2p: node info names %s but the key is %s's", c->peer.id,
                          c->hs.peer_id);
    c->st = ST_RUN;
    c->last_ping_ms = uv_now(c->loop);
    if (c->cb.on_ready) {
        err = c->cb.on_ready(c->cb.ctx, c, &c->peer);
        if (err)
            return err;
    }
    return AG_OK;
}

static ag_err process_stream(p2p_mconn *c)
{
    size_t off = 0;
    ag_err err = AG_OK;
    while (!c->closing) {
        size_t n, used;
        size_t max = c->st == ST_INFO ? P2P_NODE_INFO_MAX : P2P_PACKET_MAX;
        err = p2p_prefix_read(c->stream.data + off, c->stream.len - off, max, &n, &used);
        if (err == AG_ERR_TRUNCATED) {
            err = AG_OK;
            break;
        }
        if (err)
            break;
        if (c->stream.len - off - used < n)
            break;
        const uint8_t *body = c->stream.data + off + used;
        off += used + n;
        if (c->st == ST_INFO) {
            err = handle_node_info(c, body, n);
        } else {
            p2p_packet p;
            err = p2p_packet_decode(&p, body, n);
            if (!err)
                err = handle_packet(c, &p);
        }
        if (err)
            break;
    }
    if (!c->closing)
        ag_buf_consume(&c->stream, off);
    return err;
}

static ag_err process_input(p2p_mconn *c)
{
    size_t off = 0;
    ag_err err = AG_OK;
    while (!err && !c->closing) {
        size_t have = c->in.len - off;
        const uint8_t *p = c->in.data + off;
        if (c->st == ST_EPH) {
            if (have < P2P_HS_EPH_LEN)
                break;
            err = p2p_hs_consume_eph(&c->hs, p, P2P_HS_EPH_LEN);
            off += P2P_HS_EPH_LEN;
            uint8_t auth[P2P_HS_AUTH_WIRE];
            if (!err)
                err = p2p_hs_auth_msg(&c->hs, auth);
            if (!err)
                err = write_raw(c, auth, sizeof auth);
            if (!err)
                c->st = ST_AUTH;
        } else if (c->st == ST_AUTH) {
            if (have < P2P_HS_AUTH_WIRE)
                break;
            err = p2p_hs_consume_auth(&c->hs, p, P2P_HS_AUTH_WIRE);
            off += P2P_HS_AUTH_WIRE;
            if (!err)
                err = p2p_hs_take_secret(&c->hs, &c->sec);
            if (!err)
                err = p2p_node_info_append(&c->plain_out, &c->self);
            if (!err)
                err = flush_plain(c);
            if (!err)
                c->st = ST_INFO;
        } else if (c->st == ST_INFO || c->st == ST_RUN) {
            if (have < P2P_FRAME_SEALED)
                break;
            uint8_t data[P2P_FRAME_DATA_MAX];
            size_t n;
            err = p2p_secret_open(&c->sec, data, &n, p);
            off += P2P_FRAME_SEALED;
            if (!err) {
                c->stats.frames_recv++;
                err = ag_buf_append(&c->stream, data, n);
            }
            if (!err)
                err = process_stream(c);
        } else {
            break;
        }
    }
    if (!c->closing)
        ag_buf_consume(&c->in, off);
    return err;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    p2p_mconn *c = h->data;
    if (ag_buf_reserve(&c->in, IN_CAP - c->in.len) != AG_OK || c->in.len >= IN_CAP) {
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    *buf = uv_buf_init((char *)c->in.data + c->in.len, (unsigned)(IN_CAP - c->in.len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    p2p_mconn *c = s->data;
    if (c->closing)
        return;
    if (nread == UV_EOF) {
        fail(c, ag_err_set(AG_ERR_CLOSED, "p2p: peer closed the connection"));
        return;
    }
    if (nread < 0) {
        fail(c, ag_err_from_uv((int)nread, "p2p: read"));
        return;
    }
    c->in.len += (size_t)nread;
    c->stats.bytes_recv += (uint64_t)nread;
    ag_err err = process_input(c);
    if (err) {
        fail(c, err);
        return;
    }
    if (c->closing)
        return;
    pump(c);
    if (c->o.recv_rate && !c->closing) {
        c->recv_tokens -= nread;
        if (c->recv_tokens <= 0 && !c->recv_paused) {
            uv_read_stop((uv_stream_t *)&c->tcp);
            c->recv_paused = true;
        }
    }
}

/* ---- timer ---- */

static void refill(int64_t *tokens, uint64_t rate, uint64_t elapsed_ms)
{
    if (!rate)
        return;
    int64_t cap = bucket_cap(rate);
    int64_t add = (int64_t)(rate * elapsed_ms / 1000);
    *tokens = *tokens + add > cap ? cap : *tokens + add;
}

static void on_tick(uv_timer_t *t)
{
    p2p_mconn *c = t->data;
    if (c->closing)
        return;
    uint64_t now = uv_now(c->loop);
    if (c->st != ST_RUN) {
        if (now - c->started_ms >= c->o.handshake_timeout_ms)
            fail(c, ag_err_set(AG_ERR_TIMEOUT, "p2p: handshake not done within %llu ms",
                               (unsigned long long)c->o.handshake_timeout_ms));
        return;
    }
    uint64_t elapsed = now - c->last_refill_ms;
    c->last_refill_ms = now;
    refill(&c->send_tokens, c->o.send_rate, elapsed);
    refill(&c->recv_tokens, c->o.recv_rate, elapsed);
    for (size_t i = 0; i < c->n_ch; i++)
        c->ch[i].recently_sent = c->ch[i].recently_sent * 4 / 5;
    if (c->recv_paused && c->recv_tokens > 0) {
        int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
        if (rc < 0) {
            fail(c, ag_err_from_uv(rc, "p2p: read start"));
            return;
        }
        c->recv_paused = false;
    }
    if (c->awaiting_pong && now - c->ping_sent_ms >= c->o.pong_timeout_ms) {
        fail(c, ag_err_set(AG_ERR_TIMEOUT, "p2p: no pong within %llu ms",
                           (unsigned long long)c->o.pong_timeout_ms));
        return;
    }
    if (c->in_flight && now - c->last_progress_ms >= c->o.send_stall_timeout_ms) {
        fail(c, ag_err_set(AG_ERR_TIMEOUT, "p2p: peer read nothing for %llu ms",
                           (unsigned long long)c->o.send_stall_timeout_ms));
        return;
    }
    if (!c->awaiting_pong && now - c->last_ping_ms >= c->o.ping_interval_ms) {
        c->ping_due = true;
        c->awaiting_pong = true;
        c->ping_sent_ms = now;
        c->last_ping_ms = now;
    }
    pump(c);
}

/* ---- life cycle ---- */

ag_err p2p_mconn_new(p2p_mconn **out, uv_loop_t *loop, const node_key *key, const ag_env *env,
                     const p2p_mconn_opts *opts, const p2p_channel_desc *chs, size_t n_chs,
                     const p2p_node_info *self, const p2p_mconn_cbs *cbs)
{
    *out = NULL;
    if (n_chs > P2P_CHANNELS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "p2p: %zu channels > %d", n_chs, P2P_CHANNELS_MAX);
    p2p_mconn *c = calloc(1, sizeof *c);
    if (!c)
        return ag_err_set(AG_ERR_NOMEM, "p2p: connection");
    c->loop = loop;
    c->key = key;
    c->env = env;
    if (opts)
        c->o = *opts;
    else
        p2p_mconn_opts_default(&c->o);
    if (!c->o.tick_ms)
        c->o.tick_ms = 50;
    c->cb = *cbs;
    c->self = *self;
    for (int i = 0; i < 256; i++)
        c->idx_of[i] = -1;
    for (size_t i = 0; i < n_chs; i++) {
        if (c->idx_of[chs[i].id] >= 0 || !chs[i].priority || !chs[i].send_queue_max ||
            chs[i].recv_message_max > P2P_MSG_MAX_LIMIT || !chs[i].recv_message_max) {
            free(c);
            return ag_err_set(AG_ERR_INVALID_ARG, "p2p: bad or repeated channel 0x%02x", chs[i].id);
        }
        c->ch[i].d = chs[i];
        ag_buf_init(&c->ch[i].recv, chs[i].recv_message_max);
        c->idx_of[chs[i].id] = (int16_t)i;
    }
    c->n_ch = n_chs;
    ag_buf_init(&c->in, IN_CAP);
    ag_buf_init(&c->stream, STREAM_CAP);
    ag_buf_init(&c->plain_out, BATCH + 2 * P2P_PACKET_MAX);
    ag_err err = p2p_hs_init(&c->hs, key, env);
    if (err) {
        free(c);
        return err;
    }
    int rc = uv_tcp_init(loop, &c->tcp);
    if (rc < 0) {
        p2p_hs_clear(&c->hs);
        free(c);
        return ag_err_from_uv(rc, "p2p: tcp init");
    }
    c->tcp.data = c;
    c->open_handles = 1;
    rc = uv_timer_init(loop, &c->timer);
    if (rc == 0) {
        c->open_handles++;
        c->timer.data = c;
        rc = uv_timer_start(&c->timer, on_tick, c->o.tick_ms, c->o.tick_ms);
    }
    c->started_ms = uv_now(loop);
    c->last_refill_ms = c->started_ms;
    c->send_tokens = bucket_cap(c->o.send_rate);
    c->recv_tokens = bucket_cap(c->o.recv_rate);
    *out = c;
    if (rc < 0) {
        p2p_mconn_close(c, ag_err_from_uv(rc, "p2p: timer"));
        return AG_ERR_IO;
    }
    return AG_OK;
}

uv_tcp_t *p2p_mconn_tcp(p2p_mconn *c)
{
    return &c->tcp;
}

static void note_peer_ip(p2p_mconn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (ss.ss_family == AF_INET)
        uv_ip4_name((struct sockaddr_in *)&ss, c->remote_ip, sizeof c->remote_ip);
    else if (ss.ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)&ss, c->remote_ip, sizeof c->remote_ip);
}

ag_err p2p_mconn_start(p2p_mconn *c)
{
    if (c->closing || (c->st != ST_NEW && c->st != ST_CONNECTING))
        return ag_err_set(AG_ERR_STATE, "p2p: connection already started");
    note_peer_ip(c);
    uv_tcp_nodelay(&c->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0)
        return ag_err_from_uv(rc, "p2p: read start");
    c->st = ST_EPH;
    uint8_t eph[P2P_HS_EPH_LEN];
    p2p_hs_eph_msg(&c->hs, eph);
    return write_raw(c, eph, sizeof eph);
}

static void on_connect(uv_connect_t *req, int status)
{
    p2p_mconn *c = req->data;
    if (c->closing)
        return;
    if (status < 0) {
        fail(c, ag_err_from_uv(status, "p2p: connect"));
        return;
    }
    ag_err err = p2p_mconn_start(c);
    if (err)
        fail(c, err);
}

ag_err p2p_mconn_connect(p2p_mconn *c, const struct sockaddr *addr)
{
    if (c->closing || c->st != ST_NEW)
        return ag_err_set(AG_ERR_STATE, "p2p: connection already started");
    c->connect_req.data = c;
    int rc = uv_tcp_connect(&c->connect_req, &c->tcp, addr, on_connect);
    if (rc < 0)
        return ag_err_from_uv(rc, "p2p: connect");
    c->st = ST_CONNECTING;
    return AG_OK;
}

ag_err p2p_mconn_try_send(p2p_mconn *c, uint8_t channel, const uint8_t *msg, size_t len)
{
    if (c->closing || c->st != ST_RUN)
        return ag_err_set(AG_ERR_STATE, "p2p: connection not ready");
    int idx = c->idx_of[channel];
    if (idx < 0)
        return ag_err_set(AG_ERR_NOT_FOUND, "p2p: no channel 0x%02x", channel);
    chan *ch = &c->ch[idx];
    if (len > ch->d.recv_message_max)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: message of %zu bytes > %zu on channel 0x%02x",
                          len, ch->d.recv_message_max, channel);
    if (ch->count >= ch->d.send_queue_max) {
        c->stats.send_full++;
        return AG_ERR_AGAIN;
    }
    qmsg *m = malloc(sizeof *m + len);
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "p2p: send queue");
    m->next = NULL;
    m->len = len;
    if (len)
        memcpy(m->data, msg, len);
    if (ch->tail)
        ch->tail->next = m;
    else
        ch->head = m;
    ch->tail = m;
    ch->count++;
    pump(c);
    return AG_OK;
}

size_t p2p_mconn_queued(const p2p_mconn *c, uint8_t channel)
{
    int idx = c->idx_of[channel];
    return idx < 0 ? 0 : c->ch[idx].count;
}

static void on_handle_closed(uv_handle_t *h)
{
    p2p_mconn *c = h->data;
    if (--c->open_handles > 0)
        return;
    for (size_t i = 0; i < c->n_ch; i++) {
        qmsg *m = c->ch[i].head;
        while (m) {
            qmsg *next = m->next;
            free(m);
            m = next;
        }
        ag_buf_free(&c->ch[i].recv);
    }
    ag_buf_free(&c->in);
    ag_buf_free_secret(&c->stream);
    ag_buf_free_secret(&c->plain_out);
    p2p_hs_clear(&c->hs);
    p2p_secret_free(&c->sec);
    if (c->cb.on_closed)
        c->cb.on_closed(c->cb.ctx, c, c->reason);
    free(c);
}

void p2p_mconn_close(p2p_mconn *c, ag_err reason)
{
    if (c->closing)
        return;
    c->closing = true;
    c->reason = reason;
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    if (c->open_handles > 1)
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

bool p2p_mconn_closing(const p2p_mconn *c)
{
    return c->closing;
}

void p2p_mconn_set_user(p2p_mconn *c, void *user)
{
    c->user = user;
}

void *p2p_mconn_user(const p2p_mconn *c)
{
    return c->user;
}

const p2p_mconn_stats *p2p_mconn_get_stats(const p2p_mconn *c)
{
    return &c->stats;
}

const char *p2p_mconn_remote_ip(const p2p_mconn *c)
{
    return c->remote_ip;
}

const p2p_node_info *p2p_mconn_peer_info(const p2p_mconn *c)
{
    return &c->peer;
}
