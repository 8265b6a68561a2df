/*
 * channels.h — the channel IDs of the multiplexed connection and their
 * descriptors. IDs are CometBFT v0.38's, so captures read the same.
 *
 * A reactor registers the channels it serves with the switch; each channel
 * has a send priority (relative share of the connection when several
 * channels have data queued), a bounded send queue and a maximum size of a
 * reassembled received message.
 */
#ifndef AGORA_P2P_CHANNELS_H
#define AGORA_P2P_CHANNELS_H

#include <stddef.h>
#include <stdint.h>

enum {
    P2P_CH_PEX = 0x00,            /* peer exchange */
    P2P_CH_CONS_STATE = 0x20,     /* consensus: round steps, has-vote, ... */
    P2P_CH_CONS_DATA = 0x21,      /* consensus: proposals and block parts */
    P2P_CH_CONS_VOTE = 0x22,      /* consensus: votes */
    P2P_CH_CONS_VOTE_BITS = 0x23, /* consensus: vote-set bits */
    P2P_CH_MEMPOOL = 0x30,        /* transactions */
    P2P_CH_EVIDENCE = 0x38,       /* evidence of misbehaviour */
    P2P_CH_BLOCKSYNC = 0x40,      /* block sync requests and blocks */
};

typedef struct p2p_channel_desc {
    uint8_t id;
    uint32_t priority;       /* >= 1; a larger value gets a larger share */
    uint32_t send_queue_max; /* messages queued per peer; try_send fails past it */
    size_t recv_message_max; /* reassembled message bytes; <= P2P_MSG_MAX_LIMIT */
} p2p_channel_desc;

#endif
