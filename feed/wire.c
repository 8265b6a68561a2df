/* wire.c — the feed's PUB framing, requests and a block's events in feed order. */
#include "feed/wire.h"

#include <stdlib.h>
#include <string.h>

int feed_cursor_cmp(feed_cursor a, feed_cursor b)
{
    if (a.height != b.height)
        return a.height < b.height ? -1 : 1;
    if (a.index != b.index)
        return a.index < b.index ? -1 : 1;
    return 0;
}

/* Protobuf-c packs a NULL string as a crash; an application may leave one. */
static char *str_or_empty(const char *s)
{
    return (char *)(uintptr_t)(s ? s : "");
}

void feed_block_events_free(feed_block_events *b)
{
    free(b->events);
    free(b->attrs);
    free(b->attr_ptrs);
    free(b->hashes);
    memset(b, 0, sizeof *b);
}

static void fill_event(feed_event *e, Agora__Feed__V1__Attribute **ptrs,
                       Agora__Feed__V1__Attribute *attrs, const Tendermint__Abci__Event *src)
{
    e->type = str_or_empty(src->type);
    e->n_attributes = src->n_attributes;
    e->attributes = ptrs;
    for (size_t j = 0; j < src->n_attributes; j++) {
        agora__feed__v1__attribute__init(&attrs[j]);
        const Tendermint__Abci__EventAttribute *a = src->attributes[j];
        attrs[j].key = str_or_empty(a ? a->key : NULL);
        attrs[j].value = str_or_empty(a ? a->value : NULL);
        attrs[j].index = a ? a->index : false;
        ptrs[j] = &attrs[j];
    }
}

ag_err feed_block_events_build(feed_block_events *out, int64_t height, const crypto_hash *tx_hashes,
                               size_t n_txs, const abci_resp_finalize_block *fin)
{
    memset(out, 0, sizeof *out);
    if (fin->n_tx_results != n_txs)
        return ag_err_set(AG_ERR_INVALID_ARG, "feed: block %lld has %zu txs and %zu results",
                          (long long)height, n_txs, fin->n_tx_results);
    size_t n = fin->n_events, n_attrs = 0;
    for (size_t i = 0; i < fin->n_events; i++)
        n_attrs += fin->events[i]->n_attributes;
    for (size_t t = 0; t < n_txs; t++) {
        const Tendermint__Abci__ExecTxResult *r = fin->tx_results[t];
        n += r ? r->n_events : 0;
        for (size_t i = 0; r && i < r->n_events; i++)
            n_attrs += r->events[i]->n_attributes;
    }
    if (n > UINT32_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "feed: block %lld has too many events",
                          (long long)height);
    out->events = calloc(n ? n : 1, sizeof *out->events);
    out->attrs = calloc(n_attrs ? n_attrs : 1, sizeof *out->attrs);
    out->attr_ptrs = calloc(n_attrs ? n_attrs : 1, sizeof *out->attr_ptrs);
    out->hashes = calloc(n_txs ? n_txs : 1, sizeof *out->hashes);
    if (!out->events || !out->attrs || !out->attr_ptrs || !out->hashes) {
        feed_block_events_free(out);
        return ag_err_set(AG_ERR_NOMEM, "feed: events of block %lld", (long long)height);
    }
    if (n_txs)
        memcpy(out->hashes, tx_hashes, n_txs * sizeof *tx_hashes);
    size_t k = 0, a = 0;
    for (size_t t = 0; t < n_txs; t++) {
        const Tendermint__Abci__ExecTxResult *r = fin->tx_results[t];
        for (size_t i = 0; r && i < r->n_events; i++, k++) {
            feed_event *e = &out->events[k];
            agora__feed__v1__event__init(e);
            fill_event(e, &out->attr_ptrs[a], &out->attrs[a], r->events[i]);
            a += e->n_attributes;
            e->tx_hash.data = out->hashes[t].b;
            e->tx_hash.len = sizeof out->hashes[t].b;
            e->tx_index = (uint32_t)t;
        }
    }
    for (size_t i = 0; i < fin->n_events; i++, k++) {
        feed_event *e = &out->events[k];
        agora__feed__v1__event__init(e);
        fill_event(e, &out->attr_ptrs[a], &out->attrs[a], fin->events[i]);
        a += e->n_attributes;
    }
    for (size_t i = 0; i < n; i++) {
        out->events[i].height = height;
        out->events[i].index = (uint32_t)i;
    }
    out->n = n;
    return AG_OK;
}

static ag_err append_packed(ag_buf *out, const ProtobufCMessage *m)
{
    size_t sz = protobuf_c_message_get_packed_size(m);
    ag_err err = ag_buf_reserve(out, sz);
    if (err)
        return err;
    out->len += protobuf_c_message_pack(m, out->data + out->len);
    return AG_OK;
}

static size_t topic_len(const char *type)
{
    size_t n = strlen(type);
    return n > FEED_TOPIC_MAX ? FEED_TOPIC_MAX : n;
}

ag_err feed_pub_encode_event(ag_buf *out, const feed_event *ev)
{
    Agora__Feed__V1__Message m = AGORA__FEED__V1__MESSAGE__INIT;
    m.msg_case = AGORA__FEED__V1__MESSAGE__MSG_EVENT;
    m.event = (feed_event *)(uintptr_t)ev;
    const char *type = ev->type ? ev->type : "";
    ag_err err = ag_buf_append(out, type, topic_len(type));
    if (!err)
        err = ag_buf_append_byte(out, 0);
    return err ? err : append_packed(out, &m.base);
}

ag_err feed_pub_encode_block_end(ag_buf *out, int64_t height, uint32_t n_events)
{
    Agora__Feed__V1__BlockEnd be = AGORA__FEED__V1__BLOCK_END__INIT;
    be.height = height;
    be.n_events = n_events;
    Agora__Feed__V1__Message m = AGORA__FEED__V1__MESSAGE__INIT;
    m.msg_case = AGORA__FEED__V1__MESSAGE__MSG_BLOCK_END;
    m.block_end = &be;
    ag_err err = ag_buf_append_byte(out, 0);
    return err ? err : append_packed(out, &m.base);
}

ag_err feed_pub_decode(const uint8_t *in, size_t len, feed_message **out)
{
    *out = NULL;
    if (len > FEED_RESPONSE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "feed: message of %zu bytes", len);
    size_t scan = len < FEED_TOPIC_MAX + 1 ? len : FEED_TOPIC_MAX + 1;
    const uint8_t *nul = memchr(in, 0, scan);
    if (!nul)
        return ag_err_set(AG_ERR_DECODE, "feed: message without a topic terminator");
    size_t tlen = (size_t)(nul - in);
    feed_message *m = agora__feed__v1__message__unpack(NULL, len - tlen - 1, nul + 1);
    if (!m)
        return ag_err_set(AG_ERR_DECODE, "feed: message does not parse");
    bool ok = false;
    if (m->msg_case == AGORA__FEED__V1__MESSAGE__MSG_EVENT && m->event) {
        const char *type = m->event->type;
        ok = topic_len(type) == tlen && memcmp(type, in, tlen) == 0;
    } else if (m->msg_case == AGORA__FEED__V1__MESSAGE__MSG_BLOCK_END && m->block_end) {
        ok = tlen == 0;
    }
    if (!ok) {
        agora__feed__v1__message__free_unpacked(m, NULL);
        return ag_err_set(AG_ERR_DECODE, "feed: topic does not match the message");
    }
    *out = m;
    return AG_OK;
}

ag_err feed_request_encode(ag_buf *out, feed_cursor from, uint32_t max_events)
{
    Agora__Feed__V1__Request r = AGORA__FEED__V1__REQUEST__INIT;
    r.from_height = from.height;
    r.from_index = from.index;
    r.max_events = max_events;
    return append_packed(out, &r.base);
}

ag_err feed_request_decode(const uint8_t *in, size_t len, feed_cursor *from, uint32_t *max_events)
{
    if (len > FEED_REQUEST_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "request of %zu bytes (at most %d)", len,
                          FEED_REQUEST_MAX);
    Agora__Feed__V1__Request *r = agora__feed__v1__request__unpack(NULL, len, in);
    if (!r)
        return ag_err_set(AG_ERR_DECODE, "not an agora.feed.v1.Request");
    from->height = r->from_height;
    from->index = r->from_index;
    uint32_t max = r->max_events;
    agora__feed__v1__request__free_unpacked(r, NULL);
    if (from->height < 1)
        return ag_err_set(AG_ERR_INVALID_ARG, "from_height %lld: must be at least 1",
                          (long long)from->height);
    *max_events = max == 0 ? FEED_PAGE_DEFAULT_EVENTS
                           : (max > FEED_PAGE_MAX_EVENTS ? FEED_PAGE_MAX_EVENTS : max);
    return AG_OK;
}

ag_err feed_response_decode(const uint8_t *in, size_t len, feed_response **out)
{
    *out = NULL;
    if (len > FEED_RESPONSE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "feed: response of %zu bytes", len);
    *out = agora__feed__v1__response__unpack(NULL, len, in);
    return *out ? AG_OK : ag_err_set(AG_ERR_DECODE, "feed: response does not parse");
}
