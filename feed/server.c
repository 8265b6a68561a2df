/* server.c — the PUB publisher thread with its bounded queue, and the REP thread. */
#include "feed/server.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/handler.h"
#include "lib/log.h"

#define LOG "feed"

struct feed_server {
    nng_socket pub, rep;
    bool has_pub, has_rep;
    feed_source source;
    pthread_t pub_thread, rep_thread;
    bool pub_started, rep_started;

    pthread_mutex_t mu; /* guards the queue, stop and the stats */
    pthread_cond_t cv;
    nng_msg **ring; /* queue_max_msgs slots */
    size_t head, count, bytes, max_msgs, max_bytes;
    bool stop;
    feed_stats stats;
};

/* ---- PUB ---- */

static void *pub_main(void *arg)
{
    feed_server *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->stop && s->count == 0)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->stop)
            break;
        nng_msg *m = s->ring[s->head];
        s->head = (s->head + 1) % s->max_msgs;
        s->count--;
        s->bytes -= nng_msg_len(m);
        pthread_mutex_unlock(&s->mu);
        /* PUB never blocks: a subscriber with a full buffer misses it. */
        int rv = nng_sendmsg(s->pub, m, 0);
        if (rv != 0)
            nng_msg_free(m); /* sendmsg takes ownership on success only */
        pthread_mutex_lock(&s->mu);
        if (rv == 0)
            s->stats.sent_msgs++;
        else
            s->stats.dropped_msgs++;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Takes ownership of m. False (m freed, counted) when the queue is full. */
static bool enqueue(feed_server *s, nng_msg *m)
{
    size_t len = nng_msg_len(m);
    pthread_mutex_lock(&s->mu);
    bool ok = s->count < s->max_msgs && s->bytes + len <= s->max_bytes;
    if (ok) {
        s->ring[(s->head + s->count) % s->max_msgs] = m;
        s->count++;
        s->bytes += len;
        pthread_cond_signal(&s->cv);
    } else {
        s->stats.dropped_msgs++;
    }
    pthread_mutex_unlock(&s->mu);
    if (!ok)
        nng_msg_free(m);
    return ok;
}

static ag_err queue_buf(feed_server *s, const ag_buf *b, bool *all)
{
    nng_msg *m;
    int rv = nng_msg_alloc(&m, 0);
    if (rv == 0 && (rv = nng_msg_append(m, b->data, b->len)) != 0)
        nng_msg_free(m);
    if (rv != 0)
        return ag_err_from_nng(rv, "feed: message");
    if (!enqueue(s, m))
        *all = false;
    return AG_OK;
}

ag_err feed_server_publish_block(feed_server *s, int64_t height, const ag_slice *txs, size_t n_txs,
                                 const abci_resp_finalize_block *fin)
{
    if (!s->has_pub)
        return AG_OK;
    crypto_hash *hashes = calloc(n_txs ? n_txs : 1, sizeof *hashes);
    if (!hashes)
        return ag_err_set(AG_ERR_NOMEM, "feed: tx hashes");
    for (size_t i = 0; i < n_txs; i++)
        crypto_sha256(hashes[i].b, txs[i].ptr, txs[i].len);
    feed_block_events be;
    ag_err err = feed_block_events_build(&be, height, hashes, n_txs, fin);
    free(hashes);
    if (err)
        return err;
    bool all = true;
    ag_buf b;
    ag_buf_init(&b, FEED_RESPONSE_MAX);
    for (size_t i = 0; !err && i < be.n; i++) {
        ag_buf_reset(&b);
        err = feed_pub_encode_event(&b, &be.events[i]);
        if (!err)
            err = queue_buf(s, &b, &all);
    }
    if (!err) {
        ag_buf_reset(&b);
        err = feed_pub_encode_block_end(&b, height, (uint32_t)be.n);
        if (!err)
            err = queue_buf(s, &b, &all);
    }
    ag_buf_free(&b);
    feed_block_events_free(&be);
    if (err)
        return err;
    pthread_mutex_lock(&s->mu);
    if (all)
        s->stats.published_blocks++;
    pthread_mutex_unlock(&s->mu);
    return all ? AG_OK
               : ag_err_set(AG_ERR_AGAIN, "feed: queue full, events of block %lld dropped",
                            (long long)height);
}

/* ---- REP ---- */

static void *rep_main(void *arg)
{
    feed_server *s = arg;
    ag_buf out;
    ag_buf_init(&out, FEED_RESPONSE_MAX);
    for (;;) {
        nng_msg *req;
        int rv = nng_recvmsg(s->rep, &req, 0);
        if (rv == NNG_ECLOSED)
            break;
        if (rv != 0)
            continue;
        ag_buf_reset(&out);
        ag_err err = feed_handle_request(&s->source, nng_msg_body(req), nng_msg_len(req), &out);
        pthread_mutex_lock(&s->mu);
        s->stats.requests++;
        if (err)
            s->stats.refused_requests++;
        pthread_mutex_unlock(&s->mu);
        /* Reuse the request's message (it carries the REP routing header). */
        nng_msg_clear(req);
        if (out.len == 0 || nng_msg_append(req, out.data, out.len) != 0 ||
            nng_sendmsg(s->rep, req, 0) != 0)
            nng_msg_free(req);
    }
    ag_buf_free(&out);
    return NULL;
}

/* ---- lifetime ---- */

static ag_err listen_on(nng_socket sock, const char *url, const char *what)
{
    int rv = nng_listen(sock, url, NULL, 0);
    if (rv == 0)
        return AG_OK;
    char w[300];
    snprintf(w, sizeof w, "%s %s", what, url);
    return ag_err_from_nng(rv, w);
}

ag_err feed_server_start(feed_server **out, const feed_server_opts *o)
{
    *out = NULL;
    feed_server *s = calloc(1, sizeof *s);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "feed");
    s->source = o->source;
    s->max_msgs = o->queue_max_msgs ? o->queue_max_msgs : FEED_QUEUE_MAX_MSGS;
    s->max_bytes = o->queue_max_bytes ? o->queue_max_bytes : FEED_QUEUE_MAX_BYTES;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->ring = calloc(s->max_msgs, sizeof *s->ring);
    ag_err err = s->ring ? AG_OK : ag_err_set(AG_ERR_NOMEM, "feed: queue");
    int rv;
    if (!err && o->pub_url && o->pub_url[0]) {
        if ((rv = nng_pub0_open(&s->pub)) != 0)
            err = ag_err_from_nng(rv, "feed: PUB socket");
        else {
            s->has_pub = true;
            /* Per-subscriber queue, in messages (NNG's maximum): a 2,000-tx
             * block is ~16k messages published in one burst, and NNG drops
             * what does not fit, sending the subscriber to catch-up. */
            nng_socket_set_int(s->pub, NNG_OPT_SENDBUF, 8192);
            err = listen_on(s->pub, o->pub_url, "feed: PUB listen on");
        }
        if (!err && pthread_create(&s->pub_thread, NULL, pub_main, s) != 0)
            err = ag_err_set(AG_ERR_NOMEM, "feed: publisher thread");
        s->pub_started = !err;
    }
    if (!err && o->rep_url && o->rep_url[0]) {
        if (!o->source.range || !o->source.load)
            err = ag_err_set(AG_ERR_INVALID_ARG, "feed: a REP socket needs a source");
        else if ((rv = nng_rep0_open(&s->rep)) != 0)
            err = ag_err_from_nng(rv, "feed: REP socket");
        else {
            s->has_rep = true;
            nng_socket_set_size(s->rep, NNG_OPT_RECVMAXSZ, FEED_RECV_MAX);
            err = listen_on(s->rep, o->rep_url, "feed: REP listen on");
        }
        if (!err && pthread_create(&s->rep_thread, NULL, rep_main, s) != 0)
            err = ag_err_set(AG_ERR_NOMEM, "feed: request thread");
        s->rep_started = !err;
    }
    if (err) {
        char detail[AG_ERR_DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", ag_err_detail());
        feed_server_free(s);
        return ag_err_set(err, "%s", detail);
    }
    *out = s;
    return AG_OK;
}

void feed_server_stats(feed_server *s, feed_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

void feed_server_free(feed_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->pub_started)
        pthread_join(s->pub_thread, NULL);
    if (s->has_rep)
        nng_close(s->rep); /* wakes the REP thread's recv with NNG_ECLOSED */
    if (s->rep_started)
        pthread_join(s->rep_thread, NULL);
    if (s->has_pub)
        nng_close(s->pub);
    for (size_t i = 0; i < s->count; i++)
        nng_msg_free(s->ring[(s->head + i) % s->max_msgs]);
    free(s->ring);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
