/*
 * handler.h — the catch-up request: "the events from (height, index) on".
 *
 * A page holds at most the request's max_events (clamped to
 * FEED_PAGE_MAX_EVENTS), stops growing past FEED_PAGE_MAX_BYTES (after at
 * least one event, so every page makes progress) and reads at most
 * FEED_PAGE_MAX_HEIGHTS heights; next_height/next_index say where the next
 * request starts, oldest_height/latest_height what the node holds. A client
 * is at the tip when next_height > latest_height.
 *
 * Refused with Response.error (and the code returned):
 *   AG_ERR_TOO_LARGE    request larger than FEED_REQUEST_MAX
 *   AG_ERR_DECODE       not a Request
 *   AG_ERR_INVALID_ARG  from_height < 1
 *   AG_ERR_NOT_FOUND    from_height below the oldest stored height (pruned:
 *                       those events are lost to this client) or above
 *                       latest + 1
 *   the source's error  a stored block or response that cannot be read
 */
#ifndef AGORA_FEED_HANDLER_H
#define AGORA_FEED_HANDLER_H

#include "feed/source.h"
#include "feed/wire.h"

/* The encoded Response appended to `out`. AG_OK when the request was
 * served, its refusal code otherwise (out still holds the error Response);
 * only when even that cannot be encoded is out left unchanged. */
ag_err feed_handle_request(const feed_source *src, const uint8_t *in, size_t len, ag_buf *out);

#endif
