/* The event feed: codec, the catch-up handler against a fake chain (hostile
 * requests included), and a real PUB/REP server with the client in process,
 * including a queue too small for the blocks (the client must repair every
 * gap from the REP socket), over NNG's in-process transport. Random chains: AGORA_TEST_SEED
 * reproduces. */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "feed/client.h"
#include "feed/handler.h"
#include "feed/server.h"
#include "lib/rng.h"
#include "tests/harness/ag_test.h"

/* ---- a fake chain: random txs and events per height ---- */

#define MAX_HEIGHTS 64

typedef struct fblock {
    uint8_t tx_data[8][48];
    ag_slice txs[8];
    crypto_hash hashes[8];
    size_t n_txs;
    uint8_t *fin_bytes;
    size_t fin_len;
    abci_resp_finalize_block *fin; /* unpacked from fin_bytes */
} fblock;

typedef struct fchain {
    fblock b[MAX_HEIGHTS + 1];
    int64_t oldest, latest;
    int64_t fail_at;    /* load fails with AG_ERR_IO at this height */
    pthread_mutex_t mu; /* latest moves while the REP thread reads (the node's mutex) */
} fchain;

/* "<prefix><v>", malloc'd. */
static char *dup_num(const char *prefix, unsigned v)
{
    char *s = malloc(32);
    ck_assert_ptr_nonnull(s);
    snprintf(s, 32, "%s%u", prefix, v);
    return s;
}

static Tendermint__Abci__Event *make_event(ag_rng *rng)
{
    Tendermint__Abci__Event *e = calloc(1, sizeof *e);
    tendermint__abci__event__init(e);
    e->type = dup_num("type_", (unsigned)ag_rng_below(rng, 4));
    e->n_attributes = ag_rng_below(rng, 3);
    e->attributes = calloc(e->n_attributes + 1, sizeof *e->attributes);
    for (size_t j = 0; j < e->n_attributes; j++) {
        Tendermint__Abci__EventAttribute *a = calloc(1, sizeof *a);
        tendermint__abci__event_attribute__init(a);
        a->key = dup_num("k", (unsigned)j);
        a->value = dup_num("v", (unsigned)ag_rng_below(rng, 1000));
        a->index = ag_rng_below(rng, 2);
        e->attributes[j] = a;
    }
    return e;
}

static void free_event(Tendermint__Abci__Event *e)
{
    for (size_t j = 0; j < e->n_attributes; j++) {
        free(e->attributes[j]->key);
        free(e->attributes[j]->value);
        free(e->attributes[j]);
    }
    free(e->attributes);
    free(e->type);
    free(e);
}

/* Block h: up to 4 txs with up to 3 events each, up to 2 block events
 * (heights with no event at all happen). */
static void make_block(fblock *b, ag_rng *rng, int64_t h)
{
    Tendermint__Abci__ResponseFinalizeBlock r = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
    b->n_txs = ag_rng_below(rng, 5);
    Tendermint__Abci__ExecTxResult res[8], *resp[8];
    for (size_t t = 0; t < b->n_txs; t++) {
        snprintf((char *)b->tx_data[t], sizeof b->tx_data[t], "h%lld-t%zu", (long long)h, t);
        b->txs[t] = (ag_slice){b->tx_data[t], strlen((char *)b->tx_data[t])};
        crypto_sha256(b->hashes[t].b, b->txs[t].ptr, b->txs[t].len);
        tendermint__abci__exec_tx_result__init(&res[t]);
        res[t].n_events = ag_rng_below(rng, 4);
        res[t].events = calloc(res[t].n_events + 1, sizeof *res[t].events);
        for (size_t i = 0; i < res[t].n_events; i++)
            res[t].events[i] = make_event(rng);
        resp[t] = &res[t];
    }
    r.n_tx_results = b->n_txs;
    r.tx_results = resp;
    r.n_events = ag_rng_below(rng, 3);
    Tendermint__Abci__Event *bev[3];
    for (size_t i = 0; i < r.n_events; i++)
        bev[i] = make_event(rng);
    r.events = bev;
    b->fin_len = protobuf_c_message_get_packed_size(&r.base);
    b->fin_bytes = malloc(b->fin_len + 1);
    protobuf_c_message_pack(&r.base, b->fin_bytes);
    b->fin = tendermint__abci__response_finalize_block__unpack(NULL, b->fin_len, b->fin_bytes);
    ck_assert_ptr_nonnull(b->fin);
    for (size_t t = 0; t < b->n_txs; t++) {
        for (size_t i = 0; i < res[t].n_events; i++)
            free_event(res[t].events[i]);
        free(res[t].events);
    }
    for (size_t i = 0; i < r.n_events; i++)
        free_event(bev[i]);
}

static fchain *chain_new(uint64_t stream, int64_t heights)
{
    fchain *c = calloc(1, sizeof *c);
    ag_rng rng;
    ag_test_rng(&rng, stream);
    for (int64_t h = 1; h <= heights; h++)
        make_block(&c->b[h], &rng, h);
    c->oldest = 1;
    c->latest = heights;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void chain_free(fchain *c)
{
    for (int64_t h = 1; h <= MAX_HEIGHTS; h++) {
        free(c->b[h].fin_bytes);
        if (c->b[h].fin)
            tendermint__abci__response_finalize_block__free_unpacked(c->b[h].fin, NULL);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static ag_err src_range(void *ctx, int64_t *oldest, int64_t *latest)
{
    fchain *c = ctx;
    pthread_mutex_lock(&c->mu);
    *oldest = c->oldest;
    *latest = c->latest;
    pthread_mutex_unlock(&c->mu);
    return AG_OK;
}

static ag_err src_load(void *ctx, int64_t h, crypto_hash **hashes, size_t *n_txs, ag_buf *fin)
{
    fchain *c = ctx;
    *hashes = NULL;
    *n_txs = 0;
    pthread_mutex_lock(&c->mu);
    bool fail = h == c->fail_at, missing = h < c->oldest || h > c->latest || h > MAX_HEIGHTS;
    pthread_mutex_unlock(&c->mu);
    if (fail)
        return ag_err_set(AG_ERR_IO, "fake: read failed");
    if (missing)
        return ag_err_set(AG_ERR_NOT_FOUND, "fake: no height %lld", (long long)h);
    const fblock *b = &c->b[h];
    if (b->n_txs) {
        *hashes = malloc(b->n_txs * sizeof **hashes);
        memcpy(*hashes, b->hashes, b->n_txs * sizeof **hashes);
    }
    *n_txs = b->n_txs;
    return ag_buf_append(fin, b->fin_bytes, b->fin_len);
}

static feed_source source_of(fchain *c)
{
    return (feed_source){.ctx = c, .range = src_range, .load = src_load};
}

/* Every event of heights from..to, packed, in feed order. */
typedef struct packed_list {
    ag_buf *ev;
    size_t n;
} packed_list;

static void pack_event(ag_buf *b, const feed_event *e)
{
    ag_buf_init(b, 0);
    size_t sz = protobuf_c_message_get_packed_size(&e->base);
    ck_assert_int_eq(ag_buf_reserve(b, sz), AG_OK);
    b->len = protobuf_c_message_pack(&e->base, b->data);
}

static packed_list expected_events(fchain *c, int64_t from, int64_t to)
{
    packed_list l = {calloc(4096, sizeof(ag_buf)), 0};
    for (int64_t h = from; h <= to; h++) {
        feed_block_events be;
        ck_assert_int_eq(
            feed_block_events_build(&be, h, c->b[h].hashes, c->b[h].n_txs, c->b[h].fin), AG_OK);
        for (size_t i = 0; i < be.n; i++)
            pack_event(&l.ev[l.n++], &be.events[i]);
        feed_block_events_free(&be);
    }
    return l;
}

static void list_free(packed_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ag_buf_free(&l->ev[i]);
    free(l->ev);
}

/* ---- codec ---- */

START_TEST(block_events_order_and_framing)
{
    fchain *c = chain_new(1, 40);
    for (int64_t h = 1; h <= 40; h++) {
        const fblock *b = &c->b[h];
        feed_block_events be;
        ck_assert_int_eq(feed_block_events_build(&be, h, b->hashes, b->n_txs, b->fin), AG_OK);
        /* tx events in tx order, then the block events; index = position */
        size_t k = 0;
        for (size_t t = 0; t < b->n_txs; t++)
            for (size_t i = 0; i < b->fin->tx_results[t]->n_events; i++, k++) {
                ck_assert_str_eq(be.events[k].type, b->fin->tx_results[t]->events[i]->type);
                ck_assert_uint_eq(be.events[k].tx_index, t);
                ck_assert_uint_eq(be.events[k].tx_hash.len, 32);
                ck_assert_mem_eq(be.events[k].tx_hash.data, b->hashes[t].b, 32);
            }
        for (size_t i = 0; i < b->fin->n_events; i++, k++) {
            ck_assert_str_eq(be.events[k].type, b->fin->events[i]->type);
            ck_assert_uint_eq(be.events[k].tx_hash.len, 0);
        }
        ck_assert_uint_eq(k, be.n);
        ag_buf m;
        ag_buf_init(&m, 0);
        for (size_t i = 0; i < be.n; i++) {
            ck_assert_int_eq(be.events[i].height, h);
            ck_assert_uint_eq(be.events[i].index, i);
            ag_buf_reset(&m);
            ck_assert_int_eq(feed_pub_encode_event(&m, &be.events[i]), AG_OK);
            /* the topic is the type, then a NUL: what an NNG SUB filter matches */
            size_t tl = strlen(be.events[i].type);
            ck_assert_mem_eq(m.data, be.events[i].type, tl);
            ck_assert_uint_eq(m.data[tl], 0);
            feed_message *msg;
            ck_assert_int_eq(feed_pub_decode(m.data, m.len, &msg), AG_OK);
            ck_assert_int_eq(msg->msg_case, AGORA__FEED__V1__MESSAGE__MSG_EVENT);
            ag_buf a, b2;
            pack_event(&a, &be.events[i]);
            pack_event(&b2, msg->event);
            ck_assert_uint_eq(a.len, b2.len);
            ck_assert_mem_eq(a.data, b2.data, a.len);
            ag_buf_free(&a);
            ag_buf_free(&b2);
            agora__feed__v1__message__free_unpacked(msg, NULL);
            /* the same payload under another topic is refused */
            m.data[0] ^= 0x20;
            ck_assert_int_eq(feed_pub_decode(m.data, m.len, &msg), AG_ERR_DECODE);
            ck_assert_ptr_null(msg);
        }
        ag_buf_reset(&m);
        ck_assert_int_eq(feed_pub_encode_block_end(&m, h, (uint32_t)be.n), AG_OK);
        ck_assert_uint_eq(m.data[0], 0);
        feed_message *msg;
        ck_assert_int_eq(feed_pub_decode(m.data, m.len, &msg), AG_OK);
        ck_assert_int_eq(msg->msg_case, AGORA__FEED__V1__MESSAGE__MSG_BLOCK_END);
        ck_assert_int_eq(msg->block_end->height, h);
        ck_assert_uint_eq(msg->block_end->n_events, be.n);
        agora__feed__v1__message__free_unpacked(msg, NULL);
        ag_buf_free(&m);
        feed_block_events_free(&be);
    }
    /* a count mismatch between txs and results is refused */
    feed_block_events be;
    ck_assert_int_eq(feed_block_events_build(&be, 1, NULL, c->b[1].n_txs + 1, c->b[1].fin),
                     AG_ERR_INVALID_ARG);
    chain_free(c);
}
END_TEST

START_TEST(pub_decode_rejects_garbage)
{
    feed_message *m;
    ck_assert_int_eq(feed_pub_decode((const uint8_t *)"abc", 3, &m), AG_ERR_DECODE);
    uint8_t long_topic[FEED_TOPIC_MAX + 10];
    memset(long_topic, 'a', sizeof long_topic);
    ck_assert_int_eq(feed_pub_decode(long_topic, sizeof long_topic, &m), AG_ERR_DECODE);
    /* empty topic with an empty Message: neither case */
    ck_assert_int_eq(feed_pub_decode((const uint8_t *)"\0", 1, &m), AG_ERR_DECODE);
    /* a truncated protobuf */
    const uint8_t bad[] = {'t', 0, 0x0a, 0x10, 0x08};
    ck_assert_int_eq(feed_pub_decode(bad, sizeof bad, &m), AG_ERR_DECODE);
    ck_assert_ptr_null(m);
}
END_TEST

START_TEST(request_codec)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    feed_cursor at;
    uint32_t max;
    ck_assert_int_eq(feed_request_encode(&b, (feed_cursor){INT64_MAX, UINT32_MAX}, UINT32_MAX),
                     AG_OK);
    ck_assert_uint_le(b.len, FEED_REQUEST_MAX);
    ck_assert_int_eq(feed_request_decode(b.data, b.len, &at, &max), AG_OK);
    ck_assert_int_eq(at.height, INT64_MAX);
    ck_assert_uint_eq(at.index, UINT32_MAX);
    ck_assert_uint_eq(max, FEED_PAGE_MAX_EVENTS); /* clamped */
    ag_buf_reset(&b);
    ck_assert_int_eq(feed_request_encode(&b, (feed_cursor){7, 0}, 0), AG_OK);
    ck_assert_int_eq(feed_request_decode(b.data, b.len, &at, &max), AG_OK);
    ck_assert_uint_eq(max, FEED_PAGE_DEFAULT_EVENTS);
    ag_buf_reset(&b);
    ck_assert_int_eq(feed_request_encode(&b, (feed_cursor){0, 0}, 5), AG_OK);
    ck_assert_int_eq(feed_request_decode(b.data, b.len, &at, &max), AG_ERR_INVALID_ARG);
    ag_buf_reset(&b);
    ck_assert_int_eq(feed_request_encode(&b, (feed_cursor){-3, 0}, 5), AG_OK);
    ck_assert_int_eq(feed_request_decode(b.data, b.len, &at, &max), AG_ERR_INVALID_ARG);
    uint8_t big[FEED_REQUEST_MAX + 1] = {0};
    ck_assert_int_eq(feed_request_decode(big, sizeof big, &at, &max), AG_ERR_TOO_LARGE);
    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    ck_assert_int_eq(feed_request_decode(garbage, sizeof garbage, &at, &max), AG_ERR_DECODE);
    ag_buf_free(&b);
}
END_TEST

/* ---- the handler ---- */

static feed_response *ask(fchain *c, const uint8_t *req, size_t len, ag_err want)
{
    feed_source src = source_of(c);
    ag_buf out;
    ag_buf_init(&out, 0);
    ck_assert_int_eq(feed_handle_request(&src, req, len, &out), want);
    feed_response *r;
    ck_assert_int_eq(feed_response_decode(out.data, out.len, &r), AG_OK);
    ag_buf_free(&out);
    return r;
}

static feed_response *ask_from(fchain *c, int64_t h, uint32_t i, uint32_t max, ag_err want)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_int_eq(feed_request_encode(&b, (feed_cursor){h, i}, max), AG_OK);
    feed_response *r = ask(c, b.data, b.len, want);
    ag_buf_free(&b);
    return r;
}

START_TEST(handler_pages_cover_the_chain_once)
{
    fchain *c = chain_new(2, 50);
    packed_list want = expected_events(c, 1, 50);
    ck_assert_uint_gt(want.n, 0);
    ag_rng rng;
    ag_test_rng(&rng, 3);
    for (int round = 0; round < 20; round++) {
        feed_cursor at = {1, 0};
        size_t got = 0;
        for (int pages = 0;; pages++) {
            ck_assert_int_lt(pages, 10000);
            uint32_t max = 1 + (uint32_t)ag_rng_below(&rng, 7);
            feed_response *r = ask_from(c, at.height, at.index, max, AG_OK);
            ck_assert_str_eq(r->error, "");
            ck_assert_int_eq(r->oldest_height, 1);
            ck_assert_int_eq(r->latest_height, 50);
            ck_assert_uint_le(r->n_events, max);
            for (size_t i = 0; i < r->n_events; i++) {
                ck_assert_uint_lt(got, want.n);
                ag_buf p;
                pack_event(&p, r->events[i]);
                ck_assert_uint_eq(p.len, want.ev[got].len);
                ck_assert_mem_eq(p.data, want.ev[got].data, p.len);
                ag_buf_free(&p);
                got++;
            }
            feed_cursor next = {r->next_height, r->next_index};
            ck_assert_int_ge(feed_cursor_cmp(next, at), 0);
            bool done = r->next_height > r->latest_height;
            agora__feed__v1__response__free_unpacked(r, NULL);
            at = next;
            if (done)
                break;
        }
        ck_assert_uint_eq(got, want.n);
        ck_assert_int_eq(at.height, 51);
    }
    list_free(&want);
    chain_free(c);
}
END_TEST

START_TEST(handler_refuses_bad_requests)
{
    fchain *c = chain_new(4, 10);
    c->oldest = 3;
    const uint8_t garbage[] = {0xde, 0xad, 0xbe, 0xef, 0xff};
    feed_response *r = ask(c, garbage, sizeof garbage, AG_ERR_DECODE);
    ck_assert_str_ne(r->error, "");
    ck_assert_uint_eq(r->n_events, 0);
    agora__feed__v1__response__free_unpacked(r, NULL);
    uint8_t big[FEED_REQUEST_MAX + 100];
    memset(big, 0x08, sizeof big);
    r = ask(c, big, sizeof big, AG_ERR_TOO_LARGE);
    ck_assert_str_ne(r->error, "");
    agora__feed__v1__response__free_unpacked(r, NULL);
    r = ask(c, NULL, 0, AG_ERR_INVALID_ARG); /* empty: from_height 0 */
    agora__feed__v1__response__free_unpacked(r, NULL);
    r = ask_from(c, 12, 0, 5, AG_ERR_NOT_FOUND); /* beyond latest + 1 */
    ck_assert_int_eq(r->latest_height, 10);
    agora__feed__v1__response__free_unpacked(r, NULL);
    r = ask_from(c, INT64_MAX, 0, 5, AG_ERR_NOT_FOUND);
    agora__feed__v1__response__free_unpacked(r, NULL);
    r = ask_from(c, 2, 0, 5, AG_ERR_NOT_FOUND); /* pruned */
    ck_assert_int_eq(r->oldest_height, 3);
    ck_assert_ptr_nonnull(strstr(r->error, "pruned"));
    agora__feed__v1__response__free_unpacked(r, NULL);
    /* at the tip: an empty page, next = latest + 1 */
    r = ask_from(c, 11, 0, 5, AG_OK);
    ck_assert_uint_eq(r->n_events, 0);
    ck_assert_int_eq(r->next_height, 11);
    agora__feed__v1__response__free_unpacked(r, NULL);
    /* an index past the block's events moves on to the next height */
    r = ask_from(c, 10, 1000, 5, AG_OK);
    ck_assert_uint_eq(r->n_events, 0);
    ck_assert_int_eq(r->next_height, 11);
    agora__feed__v1__response__free_unpacked(r, NULL);
    /* a store that fails: an error reply, not a crash */
    c->fail_at = 5;
    r = ask_from(c, 3, 0, 1000, AG_ERR_IO);
    ck_assert_uint_eq(r->n_events, 0);
    ck_assert_str_ne(r->error, "");
    agora__feed__v1__response__free_unpacked(r, NULL);
    chain_free(c);
}
END_TEST

/* ---- server and client over NNG ---- */

/* In-process NNG transport: the same PUB/SUB and REQ/REP protocols without
 * ports another process could hold (test_feed.sh runs them over TCP). */
static void unique_url(char *out, size_t cap, const char *what)
{
    static int next;
    snprintf(out, cap, "inproc://feed-%s-%d-%d", what, (int)getpid(), next++);
}

/* Publishes heights 1..n of c (the chain grows as they are "committed") while
 * a client started at `from` reads; every event from `from` on must come
 * exactly once, in order. queue_max: the server's queue (small: drops). */
static void run_pubsub(int64_t n, int64_t from, size_t queue_max, bool expect_drops, bool from_tip)
{
    fchain *c = chain_new(5, n);
    c->latest = from - 1; /* the blocks before `from` exist already */
    if (from_tip)
        c->oldest = 5; /* the client's first request (height 1) is refused: pruned */
    char pub[64], rep[64];
    unique_url(pub, sizeof pub, "pub");
    unique_url(rep, sizeof rep, "rep");
    feed_server_opts o = {
        .pub_url = pub, .rep_url = rep, .source = source_of(c), .queue_max_msgs = queue_max};
    feed_server *s;
    ck_assert_int_eq(feed_server_start(&s, &o), AG_OK);
    feed_client *cl;
    ck_assert_int_eq(feed_client_open(&cl, pub, rep, from_tip ? 0 : from), AG_OK);
    packed_list want = expected_events(c, from, n);
    size_t got = 0;
    int64_t published = from - 1;
    int idle = 0;
    while (got < want.n && idle < 200) {
        /* commit a block (stored first, then published) every few reads */
        if (published < n) {
            published++;
            pthread_mutex_lock(&c->mu); /* stored, then published: as the node does */
            c->latest = published;
            pthread_mutex_unlock(&c->mu);
            ag_err e = feed_server_publish_block(s, published, c->b[published].txs,
                                                 c->b[published].n_txs, c->b[published].fin);
            ck_assert(e == AG_OK || e == AG_ERR_AGAIN);
        }
        const feed_event *ev;
        ag_err err = feed_client_next(cl, &ev, 20);
        if (err == AG_ERR_TIMEOUT) {
            idle++;
            continue;
        }
        ck_assert_int_eq(err, AG_OK);
        ag_buf p;
        pack_event(&p, ev);
        ck_assert_uint_eq(p.len, want.ev[got].len);
        ck_assert_mem_eq(p.data, want.ev[got].data, p.len);
        ag_buf_free(&p);
        got++;
    }
    ck_assert_uint_eq(got, want.n);
    /* nothing more arrives: no duplicate after the last event */
    const feed_event *ev;
    ck_assert_int_eq(feed_client_next(cl, &ev, 100), AG_ERR_TIMEOUT);
    feed_stats st;
    feed_server_stats(s, &st);
    if (expect_drops)
        ck_assert_uint_gt(st.dropped_msgs, 0);
    ck_assert_uint_gt(st.requests, 0);
    feed_client_close(cl);
    feed_server_free(s);
    list_free(&want);
    chain_free(c);
}

START_TEST(client_gets_every_event_once)
{
    run_pubsub(60, 1, 0, false, false);
}
END_TEST

START_TEST(client_repairs_drops_from_rep)
{
    /* a queue of 3 messages: most blocks lose some (counted); the client
     * sees the gaps through the block ends and reads them back */
    run_pubsub(60, 1, 3, true, false);
}
END_TEST

START_TEST(client_starts_mid_chain)
{
    run_pubsub(40, 17, 0, false, false);
}
END_TEST

START_TEST(client_from_the_tip_of_a_pruned_chain)
{
    /* from_height 0: the events after the latest block, even when height 1
     * is gone */
    run_pubsub(40, 21, 0, false, true);
}
END_TEST

/* A plain NNG SUB socket subscribed to "type_1\0" gets exactly the events
 * of that type (the topic framing works with NNG's prefix filter), and one
 * subscribed to "\0" only the block ends. */
START_TEST(sub_topic_filters_by_type)
{
    fchain *c = chain_new(6, 30);
    char pub[64];
    unique_url(pub, sizeof pub, "topic");
    feed_server_opts o = {.pub_url = pub};
    feed_server *s;
    ck_assert_int_eq(feed_server_start(&s, &o), AG_OK);
    nng_socket by_type, ends;
    ck_assert_int_eq(nng_sub0_open(&by_type), 0);
    ck_assert_int_eq(nng_sub0_open(&ends), 0);
    ck_assert_int_eq(nng_socket_set(by_type, NNG_OPT_SUB_SUBSCRIBE, "type_1", 7), 0);
    ck_assert_int_eq(nng_socket_set(ends, NNG_OPT_SUB_SUBSCRIBE, "", 1), 0);
    ck_assert_int_eq(nng_dial(by_type, pub, NULL, 0), 0);
    ck_assert_int_eq(nng_dial(ends, pub, NULL, 0), 0);
    nng_socket_set_ms(by_type, NNG_OPT_RECVTIMEO, 200);
    nng_socket_set_ms(ends, NNG_OPT_RECVTIMEO, 50);
    /* PUB sends only to attached pipes, and drops for a subscriber whose
     * buffer is full: wait until `ends` hears a block end of height 0,
     * then read as the blocks are published. */
    Tendermint__Abci__ResponseFinalizeBlock empty = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
    nng_msg *m;
    bool attached = false;
    for (int i = 0; i < 100 && !attached; i++) {
        ck_assert_int_eq(feed_server_publish_block(s, 0, NULL, 0, &empty), AG_OK);
        attached = nng_recvmsg(ends, &m, 0) == 0;
        if (attached)
            nng_msg_free(m);
    }
    ck_assert(attached);
    nng_socket_set_ms(ends, NNG_OPT_RECVTIMEO, 2000);
    while (nng_recvmsg(ends, &m, NNG_FLAG_NONBLOCK) == 0) /* later warm-up ends */
        nng_msg_free(m);
    size_t want = 0, got = 0;
    int64_t next_end = 1;
    for (int64_t h = 1; h <= 30; h++) {
        ck_assert_int_eq(feed_server_publish_block(s, h, c->b[h].txs, c->b[h].n_txs, c->b[h].fin),
                         AG_OK);
        feed_block_events be;
        ck_assert_int_eq(
            feed_block_events_build(&be, h, c->b[h].hashes, c->b[h].n_txs, c->b[h].fin), AG_OK);
        for (size_t i = 0; i < be.n; i++)
            want += strcmp(be.events[i].type, "type_1") == 0;
        feed_block_events_free(&be);
        ck_assert_int_eq(nng_recvmsg(ends, &m, 0), 0);
        feed_message *msg;
        ck_assert_int_eq(feed_pub_decode(nng_msg_body(m), nng_msg_len(m), &msg), AG_OK);
        ck_assert_int_eq(msg->msg_case, AGORA__FEED__V1__MESSAGE__MSG_BLOCK_END);
        ck_assert_int_eq(msg->block_end->height, next_end++);
        agora__feed__v1__message__free_unpacked(msg, NULL);
        nng_msg_free(m);
        while (nng_recvmsg(by_type, &m, got < want ? 0 : NNG_FLAG_NONBLOCK) == 0) {
            ck_assert_int_eq(feed_pub_decode(nng_msg_body(m), nng_msg_len(m), &msg), AG_OK);
            ck_assert_int_eq(msg->msg_case, AGORA__FEED__V1__MESSAGE__MSG_EVENT);
            ck_assert_str_eq(msg->event->type, "type_1");
            ck_assert_int_eq(msg->event->height, h);
            agora__feed__v1__message__free_unpacked(msg, NULL);
            nng_msg_free(m);
            got++;
        }
        ck_assert_uint_eq(got, want);
    }
    ck_assert_uint_gt(want, 0);
    ck_assert_int_eq(next_end, 31);
    nng_close(by_type);
    nng_close(ends);
    feed_server_free(s);
    chain_free(c);
}
END_TEST

START_TEST(server_refuses_bad_address)
{
    feed_server_opts o = {.pub_url = "nonsense://x"};
    feed_server *s;
    ck_assert_int_ne(feed_server_start(&s, &o), AG_OK);
    ck_assert_ptr_null(s);
    feed_server_opts o2 = {.rep_url = "tcp://127.0.0.1:1"}; /* no source */
    ck_assert_int_eq(feed_server_start(&s, &o2), AG_ERR_INVALID_ARG);
}
END_TEST

static Suite *feed_suite(void)
{
    Suite *s = suite_create("feed");
    TCase *tc = ag_test_tcase("codec");
    tcase_add_test(tc, block_events_order_and_framing);
    tcase_add_test(tc, pub_decode_rejects_garbage);
    tcase_add_test(tc, request_codec);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("handler");
    tcase_add_test(tc, handler_pages_cover_the_chain_once);
    tcase_add_test(tc, handler_refuses_bad_requests);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("pubsub");
    tcase_add_test(tc, client_gets_every_event_once);
    tcase_add_test(tc, client_repairs_drops_from_rep);
    tcase_add_test(tc, client_starts_mid_chain);
    tcase_add_test(tc, client_from_the_tip_of_a_pruned_chain);
    tcase_add_test(tc, sub_topic_filters_by_type);
    tcase_add_test(tc, server_refuses_bad_address);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(feed_suite)
