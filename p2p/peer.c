/*
 * peer.c — what reactors may ask of a peer.
 */
#include "p2p/peer.h"

#include "p2p/peer_internal.h"

const char *p2p_peer_id(const p2p_peer *p)
{
    return p->id;
}

const p2p_node_info *p2p_peer_info(const p2p_peer *p)
{
    return p2p_mconn_peer_info(p->conn);
}

bool p2p_peer_is_outbound(const p2p_peer *p)
{
    return p->outbound;
}

bool p2p_peer_is_persistent(const p2p_peer *p)
{
    return p->persistent;
}

const char *p2p_peer_remote_ip(const p2p_peer *p)
{
    return p2p_mconn_remote_ip(p->conn);
}

p2p_switch *p2p_peer_switch(const p2p_peer *p)
{
    return p->sw;
}

void *p2p_peer_get_data(const p2p_peer *p, int slot)
{
    return slot >= 0 && slot < P2P_REACTORS_MAX ? p->data[slot] : NULL;
}

void p2p_peer_set_data(p2p_peer *p, int slot, void *data)
{
    if (slot >= 0 && slot < P2P_REACTORS_MAX)
        p->data[slot] = data;
}

ag_err p2p_peer_send(p2p_peer *p, uint8_t channel, const uint8_t *msg, size_t len)
{
    if (!p->active)
        return ag_err_set(AG_ERR_STATE, "p2p: peer %s is not connected", p->id);
    ag_err err = p2p_mconn_try_send(p->conn, channel, msg, len);
    if (!err)
        p2p_switch_note_sent_(p->sw);
    return err;
}

const p2p_mconn_stats *p2p_peer_conn_stats(const p2p_peer *p)
{
    return p2p_mconn_get_stats(p->conn);
}

size_t p2p_peer_queued(const p2p_peer *p, uint8_t channel)
{
    return p2p_mconn_queued(p->conn, channel);
}

void p2p_peer_report_bad(p2p_peer *p, p2p_bad_reason reason, const char *why)
{
    p2p_switch_peer_bad_(p->sw, p, reason, why);
}

uint32_t p2p_peer_score(const p2p_peer *p)
{
    return p->score;
}
