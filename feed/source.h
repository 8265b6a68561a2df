/*
 * source.h — where the feed reads committed blocks for catch-up: the node's
 * block store and stored FinalizeBlock responses (node/feed_source.c), or a
 * test's fake. The feed calls a source from its REP thread, one call at a
 * time; the source takes whatever lock its stores need.
 */
#ifndef AGORA_FEED_SOURCE_H
#define AGORA_FEED_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"

typedef struct feed_source {
    void *ctx;
    /* The lowest and highest heights whose block and FinalizeBlock response
     * are stored (0, 0 before the first block). */
    ag_err (*range)(void *ctx, int64_t *oldest, int64_t *latest);
    /* Block `height`: the SHA-256 of each tx (*hashes malloc'd, the caller
     * frees it; NULL when n_txs is 0) and the encoded
     * abci.ResponseFinalizeBlock appended to `finalize`. AG_ERR_NOT_FOUND
     * when either is not stored. */
    ag_err (*load)(void *ctx, int64_t height, crypto_hash **hashes, size_t *n_txs,
                   ag_buf *finalize);
} feed_source;

#endif
