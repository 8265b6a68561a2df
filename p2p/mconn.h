/*
 * mconn.h — one multiplexed, encrypted peer connection on a libuv TCP handle.
 *
 * The connection runs the handshake (p2p/handshake.h), exchanges NodeInfo,
 * then carries messages on channels (p2p/channels.h). Each channel has a
 * bounded send queue: p2p_mconn_try_send copies the message and fails with
 * AG_ERR_AGAIN when the queue is full. There is no blocking send on libuv;
 * backpressure is that failure, and callers either drop (gossip: the peer
 * will ask again or get it from someone else) or retry on a later event.
 * Under the queues, at most write_window bytes are handed to the kernel at a
 * time; if a write makes no progress for send_stall_timeout_ms (a peer that
 * stopped reading), the connection is closed. Memory per connection is thus
 * bounded by the queues, the window and the channels' message limits.
 *
 * Outgoing messages are split into PacketMsg fragments of up to
 * P2P_PACKET_DATA_MAX bytes; when several channels have data the one with the
 * least recently-sent bytes per unit of priority goes next. Incoming
 * fragments are reassembled per channel up to its recv_message_max.
 *
 * Ping every ping_interval_ms; no pong within pong_timeout_ms closes the
 * connection. Send and receive rates are token buckets in bytes/s driven by
 * uv_now (0 = unlimited): sending pauses, reading stops until tokens refill.
 *
 * Every failure (bad frame, MAC, oversized message, unknown channel, timeout,
 * socket error) closes the connection; the owner learns it once, through
 * on_closed, with the first error as the reason. All calls on the loop thread.
 */
#ifndef AGORA_P2P_MCONN_H
#define AGORA_P2P_MCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/env.h"
#include "lib/err.h"
#include "node/node_key.h"
#include "p2p/channels.h"
#include "p2p/packet.h"

typedef struct p2p_mconn p2p_mconn;

typedef struct p2p_mconn_opts {
    uint64_t handshake_timeout_ms;  /* connect + handshake + NodeInfo (default 10000) */
    uint64_t ping_interval_ms;      /* default 10000 */
    uint64_t pong_timeout_ms;       /* default 15000 */
    uint64_t send_stall_timeout_ms; /* default 20000 */
    uint64_t tick_ms;               /* timer granularity (default 50) */
    uint64_t send_rate;             /* bytes/s, 0 = unlimited (default 5 MB/s) */
    uint64_t recv_rate;             /* bytes/s, 0 = unlimited (default 5 MB/s) */
    size_t write_window;            /* bytes in flight to the kernel (default 64 KiB) */
} p2p_mconn_opts;

void p2p_mconn_opts_default(p2p_mconn_opts *o);

typedef struct p2p_mconn_cbs {
    void *ctx;
    /* Handshake and NodeInfo done; `info->id` is the authenticated ID.
     * Returning an error refuses the peer (the connection closes with it). */
    ag_err (*on_ready)(void *ctx, p2p_mconn *c, const p2p_node_info *info);
    /* A whole message (borrowed for the call). Returning an error closes
     * the connection with it. */
    ag_err (*on_receive)(void *ctx, p2p_mconn *c, uint8_t channel, const uint8_t *msg, size_t len);
    /* Exactly once, after every handle is closed; c is freed on return. */
    void (*on_closed)(void *ctx, p2p_mconn *c, ag_err reason);
} p2p_mconn_cbs;

typedef struct p2p_mconn_stats {
    uint64_t bytes_sent, bytes_recv; /* on the wire */
    uint64_t msgs_sent, msgs_recv;   /* whole channel messages */
    uint64_t frames_sent, frames_recv;
    uint64_t send_full; /* try_send refused: queue full */
} p2p_mconn_stats;

/* A connection with an initialised, unconnected TCP handle. All pointers
 * are borrowed until on_closed; `chs` is copied. Caller frees with
 * p2p_mconn_close (then on_closed frees it). */
ag_err p2p_mconn_new(p2p_mconn **out, uv_loop_t *loop, const node_key *key, const ag_env *env,
                     const p2p_mconn_opts *opts, const p2p_channel_desc *chs, size_t n_chs,
                     const p2p_node_info *self, const p2p_mconn_cbs *cbs);
/* The TCP handle, for uv_accept. */
uv_tcp_t *p2p_mconn_tcp(p2p_mconn *c);
/* Dial addr and start the handshake when connected (errors arrive through
 * on_closed). */
ag_err p2p_mconn_connect(p2p_mconn *c, const struct sockaddr *addr);
/* Start the handshake on an accepted handle. */
ag_err p2p_mconn_start(p2p_mconn *c);

/* Queue a copy of msg on channel. AG_ERR_AGAIN (queue full), AG_ERR_TOO_LARGE
 * (above the channel's message limit), AG_ERR_NOT_FOUND (no such channel),
 * AG_ERR_STATE (not ready or closing), AG_ERR_NOMEM. */
ag_err p2p_mconn_try_send(p2p_mconn *c, uint8_t channel, const uint8_t *msg, size_t len);
/* Messages queued on a channel (0 for an unknown one). */
size_t p2p_mconn_queued(const p2p_mconn *c, uint8_t channel);

/* Close (idempotent; the first reason wins). on_closed follows from the loop. */
void p2p_mconn_close(p2p_mconn *c, ag_err reason);
bool p2p_mconn_closing(const p2p_mconn *c);

void p2p_mconn_set_user(p2p_mconn *c, void *user);
void *p2p_mconn_user(const p2p_mconn *c);
const p2p_mconn_stats *p2p_mconn_get_stats(const p2p_mconn *c);
/* The remote IP as text ("" before connect or if unknown). */
const char *p2p_mconn_remote_ip(const p2p_mconn *c);
/* The authenticated peer (valid from on_ready on). */
const p2p_node_info *p2p_mconn_peer_info(const p2p_mconn *c);

#endif
