/* handler.c — one catch-up page read from the source. */
#include "feed/handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The events collected for one page, each owning its block's storage. */
typedef struct page {
    feed_event **events;
    size_t n, cap;
    size_t bytes;
    /* every block read: its events' storage and its decoded response */
    feed_block_events *blocks;
    abci_resp_finalize_block **fins;
    size_t n_blocks, cap_blocks;
} page;

static void page_free(page *p)
{
    for (size_t i = 0; i < p->n_blocks; i++) {
        feed_block_events_free(&p->blocks[i]);
        tendermint__abci__response_finalize_block__free_unpacked(p->fins[i], NULL);
    }
    free(p->blocks);
    free(p->fins);
    free(p->events);
}

static ag_err grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return AG_OK;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "feed: page");
    *arr = p;
    *cap = n;
    return AG_OK;
}

/* Block `h` read and decoded into the page's storage (*out points there). */
static ag_err read_block(const feed_source *src, page *p, int64_t h, feed_block_events **out)
{
    void *blocks = p->blocks, *fins = p->fins;
    size_t cap = p->cap_blocks;
    ag_err err = grow(&blocks, &cap, p->n_blocks + 1, sizeof *p->blocks);
    p->blocks = blocks;
    if (!err) {
        cap = p->cap_blocks;
        err = grow(&fins, &cap, p->n_blocks + 1, sizeof *p->fins);
        p->fins = fins;
        p->cap_blocks = cap;
    }
    if (err)
        return err;
    crypto_hash *hashes = NULL;
    size_t n_txs = 0;
    ag_buf raw;
    ag_buf_init(&raw, 0);
    err = src->load(src->ctx, h, &hashes, &n_txs, &raw);
    abci_resp_finalize_block *fin = NULL;
    if (!err) {
        fin = tendermint__abci__response_finalize_block__unpack(NULL, raw.len, raw.data);
        if (!fin)
            err = ag_err_set(AG_ERR_DECODE,
                             "stored FinalizeBlock response of height %lld does "
                             "not decode",
                             (long long)h);
    }
    ag_buf_free(&raw);
    feed_block_events *be = &p->blocks[p->n_blocks];
    if (!err)
        err = feed_block_events_build(be, h, hashes, n_txs, fin);
    free(hashes);
    if (err) {
        if (fin)
            tendermint__abci__response_finalize_block__free_unpacked(fin, NULL);
        return err;
    }
    p->fins[p->n_blocks++] = fin;
    *out = be;
    return AG_OK;
}

static ag_err refuse(ag_buf *out, ag_err code, int64_t oldest, int64_t latest)
{
    char why[AG_ERR_DETAIL_MAX + 32];
    snprintf(why, sizeof why, "%s: %s", ag_err_name(code), ag_err_detail());
    feed_response r = AGORA__FEED__V1__RESPONSE__INIT;
    r.error = why;
    r.oldest_height = oldest;
    r.latest_height = latest;
    size_t sz = protobuf_c_message_get_packed_size(&r.base);
    if (ag_buf_reserve(out, sz) == AG_OK)
        out->len += protobuf_c_message_pack(&r.base, out->data + out->len);
    return ag_err_set(code, "%s", why);
}

ag_err feed_handle_request(const feed_source *src, const uint8_t *in, size_t len, ag_buf *out)
{
    int64_t oldest = 0, latest = 0;
    feed_cursor from;
    uint32_t max_events;
    ag_err err = feed_request_decode(in, len, &from, &max_events);
    if (err)
        return refuse(out, err, 0, 0);
    if ((err = src->range(src->ctx, &oldest, &latest)) != AG_OK)
        return refuse(out, err, 0, 0);
    if (from.height > latest + 1)
        return refuse(out,
                      ag_err_set(AG_ERR_NOT_FOUND,
                                 "from_height %lld is beyond the latest height "
                                 "%lld + 1",
                                 (long long)from.height, (long long)latest),
                      oldest, latest);
    if (oldest > 0 && from.height < oldest)
        return refuse(out,
                      ag_err_set(AG_ERR_NOT_FOUND, "from_height %lld was pruned (oldest %lld)",
                                 (long long)from.height, (long long)oldest),
                      oldest, latest);

    page p = {0};
    feed_cursor next = from;
    int64_t read = 0;
    bool full = false;
    while (!err && !full && next.height <= latest && read < FEED_PAGE_MAX_HEIGHTS) {
        feed_block_events *be = NULL;
        err = read_block(src, &p, next.height, &be);
        if (err == AG_ERR_NOT_FOUND && next.height == latest) {
            /* Saved block, response not yet: the commit is under way. */
            latest--;
            err = AG_OK;
            break;
        }
        read++;
        for (size_t i = next.index; !err && i < (be ? be->n : 0); i++) {
            if (p.n >= max_events || (p.n > 0 && p.bytes >= FEED_PAGE_MAX_BYTES)) {
                full = true;
                break;
            }
            void *arr = p.events;
            err = grow(&arr, &p.cap, p.n + 1, sizeof *p.events);
            p.events = arr;
            if (!err) {
                p.events[p.n++] = &be->events[i];
                p.bytes += protobuf_c_message_get_packed_size(&be->events[i].base);
                next.index = (uint32_t)i + 1;
            }
        }
        if (!err && !full) {
            next.height++;
            next.index = 0;
        }
    }
    if (err) {
        page_free(&p);
        return refuse(out, err, oldest, latest);
    }
    feed_response r = AGORA__FEED__V1__RESPONSE__INIT;
    r.events = p.events;
    r.n_events = p.n;
    r.next_height = next.height;
    r.next_index = next.index;
    r.oldest_height = oldest;
    r.latest_height = latest;
    size_t sz = protobuf_c_message_get_packed_size(&r.base);
    err = ag_buf_reserve(out, sz);
    if (!err)
        out->len += protobuf_c_message_pack(&r.base, out->data + out->len);
    page_free(&p);
    return err;
}
