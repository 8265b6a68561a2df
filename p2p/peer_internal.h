/*
 * peer_internal.h — the peer record shared by peer.c and switch.c (not a
 * public header). One record per connection, from the dial or accept until
 * the connection's on_closed.
 */
#ifndef AGORA_P2P_PEER_INTERNAL_H
#define AGORA_P2P_PEER_INTERNAL_H

#include "p2p/mconn.h"
#include "p2p/netaddr.h"
#include "p2p/peer.h"
#include "p2p/switch.h"

struct p2p_peer {
    p2p_switch *sw;
    p2p_mconn *conn;
    struct p2p_peer *prev, *next;
    bool outbound;
    bool persistent;
    bool active;              /* added: reactors know it */
    p2p_netaddr dial;         /* outbound: what we dialled (id = expected ID) */
    char id[NODE_ID_LEN + 1]; /* authenticated ID ("" before the handshake) */
    uint32_t score;
    bool protocol_fault; /* closed for breaking the protocol: ban */
    void *data[P2P_REACTORS_MAX];
    struct p2p_resolve *resolving; /* host-name lookup in flight, or NULL */
};

/* Implemented in switch.c. */
void p2p_switch_peer_bad_(p2p_switch *sw, p2p_peer *p, p2p_bad_reason reason, const char *why);
void p2p_switch_note_sent_(p2p_switch *sw);

#endif
