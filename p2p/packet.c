/*
 * packet.c — Packet and NodeInfo codecs over protobuf-c.
 */
#include "p2p/packet.h"

#include <string.h>

#include "agora/p2p/p2p.pb-c.h"
#include "lib/pb.h"

ag_err p2p_prefix_read(const uint8_t *in, size_t len, size_t max, size_t *n, size_t *used)
{
    uint64_t v = 0;
    *n = 0;
    *used = 0;
    for (size_t i = 0; i < 10; i++) {
        if (i >= len)
            return AG_ERR_TRUNCATED;
        v |= (uint64_t)(in[i] & 0x7f) << (7 * i);
        if (v > max)
            return ag_err_set(AG_ERR_TOO_LARGE, "p2p: message of %llu bytes > %zu",
                              (unsigned long long)v, max);
        if (!(in[i] & 0x80)) {
            if (i > 0 && in[i] == 0)
                return ag_err_set(AG_ERR_DECODE, "p2p: non-minimal length prefix");
            *n = (size_t)v;
            *used = i + 1;
            return AG_OK;
        }
    }
    return ag_err_set(AG_ERR_DECODE, "p2p: length prefix longer than 10 bytes");
}

ag_err p2p_packet_append(ag_buf *out, p2p_packet_type type, uint8_t channel, bool eof,
                         const uint8_t *data, size_t len)
{
    if (len > P2P_PACKET_DATA_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: fragment of %zu bytes", len);
    Agora__P2p__Packet pkt = AGORA__P2P__PACKET__INIT;
    Agora__P2p__PacketPing ping = AGORA__P2P__PACKET_PING__INIT;
    Agora__P2p__PacketPong pong = AGORA__P2P__PACKET_PONG__INIT;
    Agora__P2p__PacketMsg msg = AGORA__P2P__PACKET_MSG__INIT;
    switch (type) {
    case P2P_PKT_PING:
        pkt.sum_case = AGORA__P2P__PACKET__SUM_PACKET_PING;
        pkt.packet_ping = &ping;
        break;
    case P2P_PKT_PONG:
        pkt.sum_case = AGORA__P2P__PACKET__SUM_PACKET_PONG;
        pkt.packet_pong = &pong;
        break;
    case P2P_PKT_MSG:
        pkt.sum_case = AGORA__P2P__PACKET__SUM_PACKET_MSG;
        pkt.packet_msg = &msg;
        msg.channel_id = channel;
        msg.eof = eof;
        msg.data.data = (uint8_t *)(uintptr_t)data;
        msg.data.len = len;
        break;
    default:
        return ag_err_set(AG_ERR_INVALID_ARG, "p2p: unknown packet type %d", (int)type);
    }
    return ag_pb_append_delimited(out, &pkt.base);
}

ag_err p2p_packet_decode(p2p_packet *out, const uint8_t *in, size_t len)
{
    memset(out, 0, offsetof(p2p_packet, data));
    if (len > P2P_PACKET_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: packet of %zu bytes > %d", len, P2P_PACKET_MAX);
    Agora__P2p__Packet *pkt = agora__p2p__packet__unpack(NULL, len, in);
    if (!pkt)
        return ag_err_from_protobuf_c("agora.p2p.Packet");
    ag_err err = AG_OK;
    switch (pkt->sum_case) {
    case AGORA__P2P__PACKET__SUM_PACKET_PING:
        out->type = P2P_PKT_PING;
        break;
    case AGORA__P2P__PACKET__SUM_PACKET_PONG:
        out->type = P2P_PKT_PONG;
        break;
    case AGORA__P2P__PACKET__SUM_PACKET_MSG: {
        const Agora__P2p__PacketMsg *m = pkt->packet_msg;
        if (m->channel_id < 0 || m->channel_id > 255) {
            err = ag_err_set(AG_ERR_DECODE, "p2p: channel id %d out of range", m->channel_id);
            break;
        }
        if (m->data.len > P2P_PACKET_DATA_MAX) {
            err = ag_err_set(AG_ERR_TOO_LARGE, "p2p: fragment of %zu bytes", m->data.len);
            break;
        }
        out->type = P2P_PKT_MSG;
        out->channel = (uint8_t)m->channel_id;
        out->eof = m->eof;
        out->len = m->data.len;
        if (m->data.len)
            memcpy(out->data, m->data.data, m->data.len);
        break;
    }
    default:
        err = ag_err_set(AG_ERR_DECODE, "p2p: packet of no known kind");
    }
    agora__p2p__packet__free_unpacked(pkt, NULL);
    return err;
}

ag_err p2p_node_info_append(ag_buf *out, const p2p_node_info *info)
{
    Agora__P2p__NodeInfo ni = AGORA__P2P__NODE_INFO__INIT;
    ni.protocol_version = P2P_PROTOCOL_VERSION;
    ni.node_id = (char *)(uintptr_t)info->id;
    ni.listen_addr = (char *)(uintptr_t)info->listen_addr;
    ni.network = (char *)(uintptr_t)info->network;
    ni.version = (char *)(uintptr_t)info->version;
    ni.moniker = (char *)(uintptr_t)info->moniker;
    ni.channels.data = (uint8_t *)(uintptr_t)info->channels;
    ni.channels.len = info->n_channels;
    return ag_pb_append_delimited(out, &ni.base);
}

static ag_err copy_str(char *dst, size_t cap, const char *src, const char *what)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return ag_err_set(AG_ERR_DECODE, "p2p: node info %s longer than %zu", what, cap - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)src[i] < 0x20 || (unsigned char)src[i] > 0x7e)
            return ag_err_set(AG_ERR_DECODE, "p2p: node info %s not printable ASCII", what);
    memcpy(dst, src, n);
    dst[n] = 0;
    return AG_OK;
}

ag_err p2p_node_info_decode(p2p_node_info *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > P2P_NODE_INFO_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: node info of %zu bytes", len);
    Agora__P2p__NodeInfo *ni = agora__p2p__node_info__unpack(NULL, len, in);
    if (!ni)
        return ag_err_from_protobuf_c("agora.p2p.NodeInfo");
    ag_err err = AG_OK;
    if (ni->protocol_version != P2P_PROTOCOL_VERSION)
        err = ag_err_set(AG_ERR_DECODE, "p2p: protocol version %u, want %d", ni->protocol_version,
                         P2P_PROTOCOL_VERSION);
    if (!err)
        err = copy_str(out->id, sizeof out->id, ni->node_id, "node_id");
    if (!err && strlen(out->id) != NODE_ID_LEN)
        err = ag_err_set(AG_ERR_DECODE, "p2p: node info id of %zu characters", strlen(out->id));
    for (size_t i = 0; !err && i < NODE_ID_LEN; i++) {
        char ch = out->id[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            err = ag_err_set(AG_ERR_DECODE, "p2p: node info id is not lower-case hex");
    }
    if (!err)
        err = copy_str(out->listen_addr, sizeof out->listen_addr, ni->listen_addr, "listen_addr");
    if (!err)
        err = copy_str(out->network, sizeof out->network, ni->network, "network");
    if (!err)
        err = copy_str(out->version, sizeof out->version, ni->version, "version");
    if (!err)
        err = copy_str(out->moniker, sizeof out->moniker, ni->moniker, "moniker");
    if (!err && ni->channels.len > P2P_CHANNELS_MAX)
        err = ag_err_set(AG_ERR_DECODE, "p2p: node info lists %zu channels", ni->channels.len);
    for (size_t i = 0; !err && i < ni->channels.len; i++) {
        for (size_t j = 0; j < i; j++)
            if (ni->channels.data[j] == ni->channels.data[i])
                err = ag_err_set(AG_ERR_DECODE, "p2p: node info repeats channel %u",
                                 ni->channels.data[i]);
        out->channels[i] = ni->channels.data[i];
    }
    if (!err)
        out->n_channels = ni->channels.len;
    agora__p2p__node_info__free_unpacked(ni, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}
