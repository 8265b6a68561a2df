/*
 * packet.h — the messages of the connection stream (Packet, NodeInfo in
 * proto/agora/p2p/p2p.proto), encoded and decoded with their length checks.
 *
 * Inside the secret connection each message is an unsigned varint length
 * followed by the protobuf bytes. The decoders take exactly one message body
 * (without the prefix) and check every field against the limits of
 * p2p/limits.h before anything is used.
 */
#ifndef AGORA_P2P_PACKET_H
#define AGORA_P2P_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "node/node_key.h"
#include "p2p/limits.h"

#define P2P_PROTOCOL_VERSION 1
#define P2P_NETWORK_MAX      64
#define P2P_VERSION_MAX      32
#define P2P_MONIKER_MAX      64

typedef enum p2p_packet_type {
    P2P_PKT_PING = 1,
    P2P_PKT_PONG = 2,
    P2P_PKT_MSG = 3,
} p2p_packet_type;

typedef struct p2p_packet {
    p2p_packet_type type;
    uint8_t channel; /* P2P_PKT_MSG only */
    bool eof;
    size_t len;
    uint8_t data[P2P_PACKET_DATA_MAX];
} p2p_packet;

typedef struct p2p_node_info {
    char id[NODE_ID_LEN + 1];
    char listen_addr[P2P_ADDR_MAX + 1]; /* host:port, "" if none */
    char network[P2P_NETWORK_MAX + 1];
    char version[P2P_VERSION_MAX + 1];
    char moniker[P2P_MONIKER_MAX + 1];
    uint8_t channels[P2P_CHANNELS_MAX];
    size_t n_channels;
} p2p_node_info;

/* Append varint(len) || Packet to out. data may be NULL for ping/pong;
 * len <= P2P_PACKET_DATA_MAX. AG_ERR_TOO_LARGE, AG_ERR_NOMEM. */
ag_err p2p_packet_append(ag_buf *out, p2p_packet_type type, uint8_t channel, bool eof,
                         const uint8_t *data, size_t len);
/* Decode one Packet body (len <= P2P_PACKET_MAX). AG_ERR_TOO_LARGE,
 * AG_ERR_DECODE (malformed, no packet kind, channel id above 255, fragment
 * above P2P_PACKET_DATA_MAX). */
ag_err p2p_packet_decode(p2p_packet *out, const uint8_t *in, size_t len);

/* Append varint(len) || NodeInfo. */
ag_err p2p_node_info_append(ag_buf *out, const p2p_node_info *info);
/* Decode one NodeInfo body (len <= P2P_NODE_INFO_MAX). AG_ERR_TOO_LARGE,
 * AG_ERR_DECODE (malformed, an unknown protocol version, a string too long
 * or not printable, a node ID that is not 40 lower-case hex, too many or
 * duplicate channels). */
ag_err p2p_node_info_decode(p2p_node_info *out, const uint8_t *in, size_t len);

/* Read a varint length prefix from in[0..len): AG_OK with *n and *used,
 * AG_ERR_TRUNCATED (need more bytes), AG_ERR_TOO_LARGE when above max. */
ag_err p2p_prefix_read(const uint8_t *in, size_t len, size_t max, size_t *n, size_t *used);

#endif
