/*
 * client.h — a subscriber that misses nothing: it catches up from the REP
 * socket, then follows the PUB stream, and returns every event exactly once
 * in feed order ((height, index) ascending, no gap).
 *
 * The algorithm (feed/README.md):
 *   1. Subscribe to everything on the PUB socket first; NNG buffers what
 *      arrives meanwhile.
 *   2. Catch up: request pages from the cursor (the --from height, index 0)
 *      until a page says next_height > latest_height.
 *   3. Follow: for each PUB message, with the cursor c = the next event
 *      wanted:
 *        event (h, i) < c              a duplicate (already returned): skip
 *        event (h, i) == c             return it; c = (h, i + 1)
 *        event (h, i) > c              a gap (a lost message): back to 2
 *        block end (h, n), c == (h, n) c = (h + 1, 0)
 *        block end (h, n), c.h > h     a duplicate: skip
 *        block end (h, n), otherwise   a gap: back to 2
 *      Every block is stored before its messages are published, so the
 *      REP socket always has what the PUB stream lost.
 *   4. When the stream is quiet for a whole timeout, one request from the
 *      cursor: a lost last block end would otherwise hide a gap until the
 *      next block.
 * Single-threaded: one caller at a time.
 */
#ifndef AGORA_FEED_CLIENT_H
#define AGORA_FEED_CLIENT_H

#include <stdint.h>

#include "feed/wire.h"

typedef struct feed_client feed_client;

typedef struct feed_client_stats {
    uint64_t pages;      /* catch-up responses read */
    uint64_t gaps;       /* catch-ups started while following */
    uint64_t duplicates; /* PUB messages skipped as already returned */
} feed_client_stats;

/* Dial both sockets (NNG redials them if the node restarts) and start at
 * (from_height, 0); from_height 0 starts after the latest block at the time
 * of the call (one request is made here). Errors: ag_err_from_nng for a bad
 * address or a refused connection, feed_client_next's for that request. */
ag_err feed_client_open(feed_client **out, const char *pub_url, const char *rep_url,
                        int64_t from_height);

/* Start at a cursor instead (a restart that already has events of a block). */
void feed_client_set_cursor(feed_client *c, feed_cursor at);

/* The next event: *ev borrowed until the next call. AG_ERR_TIMEOUT when
 * nothing arrived within timeout_ms; AG_ERR_NOT_FOUND when the node no
 * longer holds the cursor's height (pruned: the detail says so);
 * AG_ERR_DECODE for a malformed message or response from the node. */
ag_err feed_client_next(feed_client *c, const feed_event **ev, int timeout_ms);

feed_cursor feed_client_cursor(const feed_client *c);
feed_client_stats feed_client_get_stats(const feed_client *c);
void feed_client_close(feed_client *c);

#endif
