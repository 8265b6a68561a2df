/*
 * switch.h — the peer manager: listens and dials on libuv TCP, keeps the set
 * of connected peers within the inbound/outbound limits, redials persistent
 * peers with exponential backoff and jitter, resolves duplicate connections,
 * refuses itself, bans misbehaving peers, and routes channel messages to the
 * reactors registered for them.
 *
 * Reactor interface: a reactor declares its channels and callbacks; the
 * switch calls peer_added when a peer is connected and authenticated (every
 * reactor, in registration order), receive for each whole message on one of
 * the reactor's channels, and peer_removed when it goes (reverse order).
 * A receive that returns an error counts as P2P_BAD_INVALID_MSG against the
 * peer. tick, if set, runs every tick_ms (timers for reactors without their
 * own handles). All callbacks run on the loop thread.
 *
 * Duplicate connections: when a second connection to an already connected
 * node ID completes, both ends keep the connection dialled by the node with
 * the lower ID (so two nodes dialling each other at once agree), or the
 * newer one if both were dialled by the same node (a restarted peer).
 *
 * Lifetime: p2p_switch_close closes every connection and handle; reactors get
 * peer_removed for each peer; on_closed runs when the last handle is closed,
 * then the switch is freed. The loop and node key are borrowed until then.
 */
#ifndef AGORA_P2P_SWITCH_H
#define AGORA_P2P_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/env.h"
#include "lib/err.h"
#include "node/node_key.h"
#include "p2p/channels.h"
#include "p2p/mconn.h"
#include "p2p/netaddr.h"
#include "p2p/peer.h"

#define P2P_REACTORS_MAX   8
#define P2P_PERSISTENT_MAX 64
#define P2P_BANS_MAX       256

typedef struct p2p_reactor {
    const char *name;
    const p2p_channel_desc *channels; /* copied by add_reactor */
    size_t n_channels;
    void *ctx;
    void (*peer_added)(void *ctx, p2p_peer *peer);
    void (*peer_removed)(void *ctx, p2p_peer *peer, ag_err reason);
    /* msg is borrowed for the call. An error reports the peer. */
    ag_err (*receive)(void *ctx, p2p_peer *peer, uint8_t channel, const uint8_t *msg, size_t len);
    void (*tick)(void *ctx, uint64_t now_ms);
    /* An outbound dial to addr failed before the peer was added (optional). */
    void (*dial_failed)(void *ctx, const p2p_netaddr *addr, ag_err reason);
} p2p_reactor;

typedef struct p2p_switch_opts {
    const char *listen_addr;      /* "[tcp://]ip:port" (port 0: any); NULL: no listening */
    const char *external_address; /* advertised "host:port"; NULL: the bound address */
    const char *network;          /* chain ID; peers of another network are refused */
    const char *moniker;
    uint32_t max_inbound, max_outbound; /* defaults 40 and 10 */
    bool allow_duplicate_ip;            /* more than one peer per remote IP */
    uint32_t max_handshakes_per_ip;     /* inbound handshakes in progress per IP (default 8) */
    uint64_t dial_backoff_min_ms;       /* first redial delay (default 1000) */
    uint64_t dial_backoff_max_ms;       /* cap (default 60000) */
    uint64_t ban_ms;                    /* default 600000 */
    uint64_t tick_ms;                   /* reactor ticks (default 100) */
    p2p_mconn_opts conn;
} p2p_switch_opts;

void p2p_switch_opts_default(p2p_switch_opts *o);

typedef struct p2p_switch_stats {
    uint64_t accepted, dialed, dial_failures;
    uint64_t handshake_failures; /* closed before the peer authenticated (incl. failed connects) */
    uint64_t refused_limit, refused_self, refused_banned, refused_duplicate;
    uint64_t refused_network, refused_dup_ip, id_mismatch;
    uint64_t bad_frames; /* MAC / auth failures, malformed packets */
    uint64_t oversized;  /* messages or frames above a limit */
    uint64_t timeouts;   /* handshake, pong, stall */
    uint64_t reported_bad, bans;
    uint64_t peers_added, peers_removed;
    uint64_t msgs_recv, msgs_sent; /* whole messages delivered / queued */
} p2p_switch_stats;

/* env gives the handshake's ephemeral keys and the backoff jitter. opts is
 * copied (its strings too). Caller frees with p2p_switch_close. */
ag_err p2p_switch_new(p2p_switch **out, uv_loop_t *loop, const node_key *key, const ag_env *env,
                      const p2p_switch_opts *opts);
/* Register a reactor before start; returns its data slot (>= 0) in *slot.
 * AG_ERR_EXISTS for a channel another reactor has, AG_ERR_TOO_LARGE past
 * P2P_REACTORS_MAX reactors or P2P_CHANNELS_MAX channels, AG_ERR_STATE
 * after start. */
ag_err p2p_switch_add_reactor(p2p_switch *sw, const p2p_reactor *r, int *slot);
/* Listen (if configured) and start dialling persistent peers. */
ag_err p2p_switch_start(p2p_switch *sw);
/* Close everything; on_closed(ctx) runs once all handles are closed. */
void p2p_switch_close(p2p_switch *sw, void (*on_closed)(void *ctx), void *ctx);

/* Dial "id@host:port" once (a host name is resolved first, off the loop). AG_ERR_DECODE (address),
 * AG_ERR_EXISTS (already connected or dialling that ID, or it is our own ID), AG_ERR_AGAIN
 * (outbound limit), AG_ERR_PERMISSION (banned). */
ag_err p2p_switch_dial(p2p_switch *sw, const p2p_netaddr *addr);
/* Keep a peer connected: dialled now and redialled with backoff whenever
 * the connection is lost. */
ag_err p2p_switch_add_persistent(p2p_switch *sw, const char *addr);

/* Queue msg to every connected peer; returns how many accepted it. */
size_t p2p_switch_broadcast(p2p_switch *sw, uint8_t channel, const uint8_t *msg, size_t len);
/* The connected peer with that ID, or NULL. */
p2p_peer *p2p_switch_find_peer(const p2p_switch *sw, const char *id);
/* Connected peers into out[0..cap); returns the total number. */
size_t p2p_switch_peers(const p2p_switch *sw, p2p_peer **out, size_t cap);
size_t p2p_switch_n_outbound(const p2p_switch *sw);
size_t p2p_switch_n_inbound(const p2p_switch *sw);
/* True if connected to or dialling id. */
bool p2p_switch_has(const p2p_switch *sw, const char *id);

/* Hang up on a connected peer (no ban). */
void p2p_switch_disconnect(p2p_switch *sw, const char *id);
/* Ban id for ms milliseconds (disconnects it if connected). */
void p2p_switch_ban(p2p_switch *sw, const char *id, uint64_t ms);
bool p2p_switch_is_banned(const p2p_switch *sw, const char *id);

const char *p2p_switch_id(const p2p_switch *sw);
/* The address we advertise (external_address or the bound "host:port"). */
const char *p2p_switch_listen_addr(const p2p_switch *sw);
const p2p_switch_stats *p2p_switch_get_stats(const p2p_switch *sw);
uv_loop_t *p2p_switch_loop(const p2p_switch *sw);
const ag_env *p2p_switch_env(const p2p_switch *sw);

#endif
