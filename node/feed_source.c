/* feed_source.c — catch-up reads from the node's stores, under the node mutex. */
#include "node/host.h"
#include "node/feed_source.h"

#include <stdlib.h>

#include "consensus/block.h"

static ag_err range(void *ctx, int64_t *oldest, int64_t *latest)
{
    node_feed_stores *s = ctx;
    node_host_lock_other(s->mu);
    *latest = cons_block_store_height(s->blocks);
    *oldest = *latest ? cons_block_store_base(s->blocks) : 0;
    pthread_mutex_unlock(s->mu);
    return AG_OK;
}

static ag_err load(void *ctx, int64_t height, crypto_hash **hashes, size_t *n_txs, ag_buf *finalize)
{
    node_feed_stores *s = ctx;
    *hashes = NULL;
    *n_txs = 0;
    ag_buf raw;
    ag_buf_init(&raw, 0);
    node_host_lock_other(s->mu);
    ag_err err = cons_block_store_load_block(s->blocks, height, &raw);
    if (!err)
        err = cons_state_store_load_finalize_response(s->states, height, finalize);
    pthread_mutex_unlock(s->mu);
    cons_block b = {0};
    if (!err)
        err = cons_block_decode(&b, raw.data, raw.len);
    ag_buf_free(&raw);
    if (err)
        return err;
    if (b.n_txs) {
        *hashes = calloc(b.n_txs, sizeof **hashes);
        if (!*hashes) {
            cons_block_clear(&b);
            return ag_err_set(AG_ERR_NOMEM, "feed: tx hashes");
        }
        for (size_t i = 0; i < b.n_txs; i++)
            crypto_sha256((*hashes)[i].b, b.txs[i].ptr, b.txs[i].len);
    }
    *n_txs = b.n_txs;
    cons_block_clear(&b);
    return AG_OK;
}

feed_source node_feed_source(node_feed_stores *stores)
{
    return (feed_source){.ctx = stores, .range = range, .load = load};
}
