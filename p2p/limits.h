/*
 * limits.h — every size and count the p2p layer accepts from the network.
 *
 * The secret connection moves fixed-size sealed frames; inside them runs a
 * byte stream of varint-delimited Packet messages; a channel message is
 * carried in PacketMsg fragments of at most P2P_PACKET_DATA_MAX bytes and
 * reassembled up to its channel's recv_message_max.
 */
#ifndef AGORA_P2P_LIMITS_H
#define AGORA_P2P_LIMITS_H

/* Secret connection frames (see p2p/README.md for the layout). */
#define P2P_FRAME_DATA_MAX 1024 /* plaintext payload bytes of one frame */
#define P2P_FRAME_LEN_SIZE 4    /* little-endian payload length, inside the seal */
#define P2P_FRAME_PLAIN    (P2P_FRAME_LEN_SIZE + P2P_FRAME_DATA_MAX)
#define P2P_AEAD_TAG_LEN   16
#define P2P_FRAME_SEALED   (P2P_FRAME_PLAIN + P2P_AEAD_TAG_LEN) /* 1044 bytes on the wire */
#define P2P_AEAD_KEY_LEN   32
#define P2P_AEAD_NONCE_LEN 12

/* Packets inside the stream. */
#define P2P_PACKET_DATA_MAX 1024 /* bytes of one PacketMsg fragment */
#define P2P_PACKET_MAX      1100 /* encoded Packet, without its varint prefix */
#define P2P_NODE_INFO_MAX   1024 /* encoded NodeInfo */
#define P2P_CHANNELS_MAX    32   /* channels per node */

/* Channel messages. */
#define P2P_MSG_MAX_DEFAULT ((size_t)1 << 20)  /* default per-channel max message */
#define P2P_MSG_MAX_LIMIT   ((size_t)16 << 20) /* no channel may declare more */

/* Addresses. */
#define P2P_HOST_MAX 253                                 /* DNS name or IP literal */
#define P2P_ADDR_MAX (40 + 1 + P2P_HOST_MAX + 1 + 5 + 2) /* id@host:port + [] */

/* Peer exchange. */
#define P2P_PEX_ADDRS_MAX 100 /* addresses in one PexAddrs */
#define P2P_PEX_MSG_MAX   (P2P_PEX_ADDRS_MAX * 320)

#endif
