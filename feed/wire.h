/*
 * wire.h — the event feed's messages and limits (proto/agora/feed/feed.proto,
 * described in feed/README.md). Prefix feed_.
 *
 * PUB message:  <topic> 0x00 <agora.feed.v1.Message>
 *   topic = the event's type (at most FEED_TOPIC_MAX bytes: a longer type is
 *   cut there), or empty for a BlockEnd. An NNG SUB socket subscribed to
 *   "lease_created\0" receives exactly the events of that type; subscribed
 *   to "" it receives everything; to "\0" only the block ends.
 * REQ/REP:      agora.feed.v1.Request -> agora.feed.v1.Response
 *
 * Every decoder checks the length before parsing; the decoded messages are
 * protobuf-c structures owned by the caller (free with their
 * *__free_unpacked function).
 */
#ifndef AGORA_FEED_WIRE_H
#define AGORA_FEED_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abci/types.h"
#include "agora/feed/feed.pb-c.h"
#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"

#define FEED_TOPIC_MAX           128         /* bytes of a topic (event type cut there) */
#define FEED_REQUEST_MAX         64          /* bytes of an encoded Request */
#define FEED_RECV_MAX            4096        /* the REP socket drops larger messages unread */
#define FEED_PAGE_DEFAULT_EVENTS 256         /* events of a page when max_events is 0 */
#define FEED_PAGE_MAX_EVENTS     1024        /* max_events is clamped to this */
#define FEED_PAGE_MAX_BYTES      (1u << 20)  /* a page stops growing past this many bytes */
#define FEED_PAGE_MAX_HEIGHTS    1000        /* heights read for one page */
#define FEED_RESPONSE_MAX        (64u << 20) /* what a client accepts (one event can be large) */
#define FEED_QUEUE_MAX_MSGS      65536       /* PUB messages waiting for the publisher thread */
#define FEED_QUEUE_MAX_BYTES     (32u << 20)

typedef Agora__Feed__V1__Event feed_event;
typedef Agora__Feed__V1__Message feed_message;
typedef Agora__Feed__V1__Response feed_response;

/* A place in the feed: the event `index` of block `height`. */
typedef struct feed_cursor {
    int64_t height;
    uint32_t index;
} feed_cursor;

/* <0, 0, >0 as a is before, at, after b. */
int feed_cursor_cmp(feed_cursor a, feed_cursor b);

/*
 * A block's events in feed order: those of tx 0, tx 1, ... then the
 * FinalizeBlock events; event i has index i. Strings are borrowed from `fin`
 * (valid while it is); the rest is owned: free with feed_block_events_free.
 */
typedef struct feed_block_events {
    feed_event *events;
    size_t n;
    Agora__Feed__V1__Attribute *attrs;
    Agora__Feed__V1__Attribute **attr_ptrs;
    crypto_hash *hashes; /* copies of the tx hashes the events point to */
} feed_block_events;

/* AG_ERR_INVALID_ARG when n_txs differs from fin->n_tx_results; AG_ERR_TOO_LARGE
 * past UINT32_MAX events; AG_ERR_NOMEM. *out is empty on error. */
ag_err feed_block_events_build(feed_block_events *out, int64_t height, const crypto_hash *tx_hashes,
                               size_t n_txs, const abci_resp_finalize_block *fin);
void feed_block_events_free(feed_block_events *b);

/* The PUB messages (appended to out; AG_ERR_TOO_LARGE past out's cap). */
ag_err feed_pub_encode_event(ag_buf *out, const feed_event *ev);
ag_err feed_pub_encode_block_end(ag_buf *out, int64_t height, uint32_t n_events);

/* A PUB message: AG_ERR_DECODE for a missing topic terminator, a Message
 * that does not parse or holds neither case, or a topic that is not the
 * one its content has; AG_ERR_TOO_LARGE past FEED_RESPONSE_MAX. *out is
 * NULL on error. */
ag_err feed_pub_decode(const uint8_t *in, size_t len, feed_message **out);

/* Requests. Decode: AG_ERR_TOO_LARGE past FEED_REQUEST_MAX, AG_ERR_DECODE
 * when not a Request, AG_ERR_INVALID_ARG for from_height < 1. max_events 0
 * becomes FEED_PAGE_DEFAULT_EVENTS and anything above
 * FEED_PAGE_MAX_EVENTS is clamped. */
ag_err feed_request_encode(ag_buf *out, feed_cursor from, uint32_t max_events);
ag_err feed_request_decode(const uint8_t *in, size_t len, feed_cursor *from, uint32_t *max_events);

/* A Response: AG_ERR_TOO_LARGE past FEED_RESPONSE_MAX, AG_ERR_DECODE. */
ag_err feed_response_decode(const uint8_t *in, size_t len, feed_response **out);

#endif
