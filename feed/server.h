/*
 * server.h — the node's side of the event feed: an NNG PUB socket that
 * publishes every committed block's events, and an NNG REP socket that
 * answers catch-up requests (handler.h) from a feed_source.
 *
 * Threads. feed_server_publish_block is called by the node's loop thread:
 * it encodes the block's messages and puts them in a bounded queue
 * (FEED_QUEUE_MAX_MSGS / FEED_QUEUE_MAX_BYTES) and returns; it never waits
 * for a socket. A publisher thread sends them (NNG's PUB never blocks
 * either: a subscriber whose own buffer is full loses messages). When the
 * queue is full the new messages are dropped and counted: consensus is
 * never slowed by a subscriber, and a subscriber detects the loss by the
 * block-end messages and reads the missing events from the REP socket. A
 * REP thread answers requests one at a time, calling the source.
 */
#ifndef AGORA_FEED_SERVER_H
#define AGORA_FEED_SERVER_H

#include <stdint.h>

#include "feed/source.h"
#include "feed/wire.h"

typedef struct feed_server feed_server;

typedef struct feed_server_opts {
    const char *pub_url; /* NNG address to listen on ("tcp://127.0.0.1:26670"); NULL/"": no PUB */
    const char *rep_url; /* the same for the REP socket; NULL/"": no catch-up */
    feed_source source;  /* borrowed until feed_server_free; needed with rep_url */
    size_t queue_max_msgs, queue_max_bytes; /* 0: FEED_QUEUE_MAX_MSGS / _BYTES */
} feed_server_opts;

typedef struct feed_stats {
    uint64_t published_blocks; /* blocks queued whole */
    uint64_t sent_msgs;        /* messages handed to the PUB socket */
    uint64_t dropped_msgs;     /* messages dropped because the queue was full */
    uint64_t requests;         /* catch-up requests answered */
    uint64_t refused_requests; /* of which refused (bad or out of range) */
} feed_stats;

/* Listen and start the threads. AG_ERR_ADDR_IN_USE, AG_ERR_INVALID_ARG for
 * an address NNG does not accept (detail names it). *out: free with
 * feed_server_free. */
ag_err feed_server_start(feed_server **out, const feed_server_opts *o);

/* Queue block `height`'s events and its block end (txs and fin borrowed for
 * the call). AG_ERR_AGAIN when the queue had no room for some of them (they
 * are dropped and counted); AG_ERR_INVALID_ARG when the tx and result counts
 * differ. */
ag_err feed_server_publish_block(feed_server *s, int64_t height, const ag_slice *txs, size_t n_txs,
                                 const abci_resp_finalize_block *fin);

void feed_server_stats(feed_server *s, feed_stats *out);

/* Close the sockets, join the threads (queued messages not yet sent are
 * dropped). NULL is a no-op. */
void feed_server_free(feed_server *s);

#endif
