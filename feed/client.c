/* client.c — catch up by REQ/REP, then follow PUB, deduplicating by (height, index). */
#include "feed/client.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQ_TIMEOUT_MS 10000

struct feed_client {
    nng_socket sub, req;
    bool has_sub, has_req;
    feed_cursor cursor;
    bool started;   /* the cursor is known (from_height, or the first page's latest + 1) */
    bool following; /* caught up: reading the PUB stream */
    feed_response *page;
    size_t page_pos;
    feed_message *msg; /* the PUB message whose event was returned last */
    feed_client_stats stats;
};

static ag_err request_page(feed_client *c);

static ag_err nng_err(int rv, const char *what, const char *url)
{
    char w[300];
    snprintf(w, sizeof w, "feed: %s %s", what, url);
    return ag_err_from_nng(rv, w);
}

ag_err feed_client_open(feed_client **out, const char *pub_url, const char *rep_url,
                        int64_t from_height)
{
    *out = NULL;
    feed_client *c = calloc(1, sizeof *c);
    if (!c)
        return ag_err_set(AG_ERR_NOMEM, "feed client");
    int rv;
    ag_err err = AG_OK;
    if ((rv = nng_sub0_open(&c->sub)) != 0)
        err = nng_err(rv, "SUB socket for", pub_url);
    else {
        c->has_sub = true;
        nng_socket_set(c->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
        nng_socket_set_size(c->sub, NNG_OPT_RECVMAXSZ, FEED_RESPONSE_MAX);
        nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, 8192);
        if ((rv = nng_dial(c->sub, pub_url, NULL, 0)) != 0)
            err = nng_err(rv, "dial", pub_url);
    }
    if (!err) {
        if ((rv = nng_req0_open(&c->req)) != 0)
            err = nng_err(rv, "REQ socket for", rep_url);
        else {
            c->has_req = true;
            nng_socket_set_size(c->req, NNG_OPT_RECVMAXSZ, FEED_RESPONSE_MAX);
            nng_socket_set_ms(c->req, NNG_OPT_RECVTIMEO, REQ_TIMEOUT_MS);
            if ((rv = nng_dial(c->req, rep_url, NULL, 0)) != 0)
                err = nng_err(rv, "dial", rep_url);
        }
    }
    if (err) {
        char d[AG_ERR_DETAIL_MAX];
        snprintf(d, sizeof d, "%s", ag_err_detail());
        feed_client_close(c);
        return ag_err_set(err, "%s", d);
    }
    if (from_height > 0) {
        c->cursor = (feed_cursor){from_height, 0};
        c->started = true;
    } else {
        /* Ask for the tip now: "from now on" means from the open. */
        c->cursor = (feed_cursor){1, 0};
        if ((err = request_page(c)) != AG_OK) {
            char d[AG_ERR_DETAIL_MAX];
            snprintf(d, sizeof d, "%s", ag_err_detail());
            feed_client_close(c);
            return ag_err_set(err, "%s", d);
        }
    }
    *out = c;
    return AG_OK;
}

void feed_client_set_cursor(feed_client *c, feed_cursor at)
{
    c->cursor = at;
    c->started = true;
    c->following = false;
}

static void drop_page(feed_client *c)
{
    if (c->page)
        agora__feed__v1__response__free_unpacked(c->page, NULL);
    c->page = NULL;
    c->page_pos = 0;
}

/* One catch-up request from the cursor. */
static ag_err request_page(feed_client *c)
{
    drop_page(c);
    ag_buf b;
    ag_buf_init(&b, FEED_REQUEST_MAX);
    ag_err err = feed_request_encode(&b, c->cursor, FEED_PAGE_MAX_EVENTS);
    int rv = err ? 0 : nng_send(c->req, b.data, b.len, 0);
    ag_buf_free(&b);
    if (err)
        return err;
    if (rv != 0)
        return ag_err_from_nng(rv, "feed: catch-up request");
    nng_msg *m;
    if ((rv = nng_recvmsg(c->req, &m, 0)) != 0)
        return ag_err_from_nng(rv, "feed: catch-up response");
    err = feed_response_decode(nng_msg_body(m), nng_msg_len(m), &c->page);
    nng_msg_free(m);
    if (err)
        return err;
    c->stats.pages++;
    feed_response *r = c->page;
    if (!c->started) {
        /* Only the tip was wanted (a refusal, e.g. height 1 pruned, still
         * says where the tip is). */
        c->cursor = (feed_cursor){r->latest_height + 1, 0};
        c->started = true;
        drop_page(c);
        return request_page(c);
    }
    if (r->error && r->error[0]) {
        err = ag_err_set(AG_ERR_NOT_FOUND, "feed: the node refused the catch-up from %lld: %s",
                         (long long)c->cursor.height, r->error);
        drop_page(c);
        return err;
    }
    feed_cursor next = {r->next_height, r->next_index};
    if (feed_cursor_cmp(next, c->cursor) < 0 || r->next_height < 1) {
        drop_page(c);
        return ag_err_set(AG_ERR_DECODE, "feed: a page that goes backwards");
    }
    c->following = r->next_height > r->latest_height;
    return AG_OK;
}

/* The next event of the current page (skipping any before the cursor);
 * NULL when it is used up, the cursor then moved to the page's next. */
static const feed_event *from_page(feed_client *c)
{
    feed_response *r = c->page;
    while (r && c->page_pos < r->n_events) {
        const feed_event *e = r->events[c->page_pos++];
        feed_cursor k = {e->height, e->index};
        if (feed_cursor_cmp(k, c->cursor) < 0)
            continue;
        c->cursor = (feed_cursor){e->height, e->index + 1};
        return e;
    }
    if (r) {
        feed_cursor next = {r->next_height, r->next_index};
        if (feed_cursor_cmp(next, c->cursor) > 0)
            c->cursor = next;
        drop_page(c);
    }
    return NULL;
}

/* One PUB message: *ev set when it is the next event; a gap turns following off. */
static ag_err from_pub(feed_client *c, int timeout_ms, const feed_event **ev)
{
    nng_socket_set_ms(c->sub, NNG_OPT_RECVTIMEO, timeout_ms);
    nng_msg *m;
    int rv = nng_recvmsg(c->sub, &m, 0);
    if (rv == NNG_ETIMEDOUT)
        return ag_err_set(AG_ERR_TIMEOUT, "feed: nothing within %d ms", timeout_ms);
    if (rv != 0)
        return ag_err_from_nng(rv, "feed: receive");
    feed_message *msg;
    ag_err err = feed_pub_decode(nng_msg_body(m), nng_msg_len(m), &msg);
    nng_msg_free(m);
    if (err)
        return err;
    if (msg->msg_case == AGORA__FEED__V1__MESSAGE__MSG_BLOCK_END) {
        const Agora__Feed__V1__BlockEnd *be = msg->block_end;
        feed_cursor end = {be->height, be->n_events};
        if (feed_cursor_cmp(c->cursor, end) == 0)
            c->cursor = (feed_cursor){be->height + 1, 0};
        else if (c->cursor.height > be->height)
            c->stats.duplicates++;
        else
            c->following = false, c->stats.gaps++;
        agora__feed__v1__message__free_unpacked(msg, NULL);
        return AG_OK;
    }
    const feed_event *e = msg->event;
    int cmp = feed_cursor_cmp((feed_cursor){e->height, e->index}, c->cursor);
    if (cmp == 0) {
        c->cursor.index++;
        c->msg = msg;
        *ev = e;
        return AG_OK;
    }
    if (cmp < 0)
        c->stats.duplicates++;
    else
        c->following = false, c->stats.gaps++;
    agora__feed__v1__message__free_unpacked(msg, NULL);
    return AG_OK;
}

ag_err feed_client_next(feed_client *c, const feed_event **ev, int timeout_ms)
{
    *ev = NULL;
    /* Block ends and duplicates return nothing: keep the caller's deadline. */
    nng_time deadline = nng_clock() + (nng_time)(timeout_ms > 0 ? timeout_ms : 0);
    if (c->msg) {
        agora__feed__v1__message__free_unpacked(c->msg, NULL);
        c->msg = NULL;
    }
    for (;;) {
        if ((*ev = from_page(c)) != NULL)
            return AG_OK;
        if (!c->following) {
            ag_err err = request_page(c);
            if (err)
                return err;
            continue;
        }
        nng_time now = nng_clock();
        if (now >= deadline)
            return ag_err_set(AG_ERR_TIMEOUT, "feed: no event within %d ms", timeout_ms);
        ag_err err = from_pub(c, (int)(deadline - now), ev);
        if (err == AG_ERR_TIMEOUT) {
            /* A quiet stream may hide a lost tail (the last block end
             * dropped): one request from the cursor settles it. */
            if ((err = request_page(c)) != AG_OK)
                return err;
            if ((*ev = from_page(c)) != NULL)
                return AG_OK;
            return ag_err_set(AG_ERR_TIMEOUT, "feed: no event within %d ms", timeout_ms);
        }
        if (err || *ev)
            return err;
    }
}

feed_cursor feed_client_cursor(const feed_client *c)
{
    return c->cursor;
}

feed_client_stats feed_client_get_stats(const feed_client *c)
{
    return c->stats;
}

void feed_client_close(feed_client *c)
{
    if (!c)
        return;
    drop_page(c);
    if (c->msg)
        agora__feed__v1__message__free_unpacked(c->msg, NULL);
    if (c->has_sub)
        nng_close(c->sub);
    if (c->has_req)
        nng_close(c->req);
    free(c);
}
