/*
 * peer.h — a connected, authenticated peer as reactors see it.
 *
 * A p2p_peer is owned by the switch: it is valid from the reactor's
 * peer_added callback until its peer_removed callback returns. Reactors keep
 * their per-peer state in their data slot (p2p_peer_set_data with the slot
 * p2p_switch_add_reactor returned) and free it in peer_removed.
 */
#ifndef AGORA_P2P_PEER_H
#define AGORA_P2P_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "p2p/mconn.h"
#include "p2p/packet.h"

typedef struct p2p_peer p2p_peer;
typedef struct p2p_switch p2p_switch;

/* Why a peer is reported; each carries a score (P2P_BAD_SCORE_BAN bans). */
typedef enum p2p_bad_reason {
    P2P_BAD_PROTOCOL = 0, /* broke the wire protocol: ban at once */
    P2P_BAD_INVALID_MSG,  /* a reactor message that does not decode or validate */
    P2P_BAD_SPAM,         /* too many requests */
    P2P_BAD__COUNT
} p2p_bad_reason;

#define P2P_BAD_SCORE_BAN 100

const char *p2p_peer_id(const p2p_peer *p);
const p2p_node_info *p2p_peer_info(const p2p_peer *p);
bool p2p_peer_is_outbound(const p2p_peer *p);
bool p2p_peer_is_persistent(const p2p_peer *p);
/* The remote IP as text. */
const char *p2p_peer_remote_ip(const p2p_peer *p);
p2p_switch *p2p_peer_switch(const p2p_peer *p);

/* The reactor's slot (NULL until set). */
void *p2p_peer_get_data(const p2p_peer *p, int slot);
void p2p_peer_set_data(p2p_peer *p, int slot, void *data);

/* Queue a copy of msg for the peer; see p2p_mconn_try_send for errors
 * (AG_ERR_AGAIN when the channel's queue is full). */
ag_err p2p_peer_send(p2p_peer *p, uint8_t channel, const uint8_t *msg, size_t len);
/* The connection's byte, frame and message counters. */
const p2p_mconn_stats *p2p_peer_conn_stats(const p2p_peer *p);
/* Messages waiting in the peer's queue of a channel. */
size_t p2p_peer_queued(const p2p_peer *p, uint8_t channel);

/* Count misbehaviour: adds the reason's score; at P2P_BAD_SCORE_BAN the peer
 * is disconnected and banned for the switch's ban_ms. `why` is logged. Safe
 * to call from the peer's own receive callback. */
void p2p_peer_report_bad(p2p_peer *p, p2p_bad_reason reason, const char *why);
/* The peer's misbehaviour score so far. */
uint32_t p2p_peer_score(const p2p_peer *p);

#endif
