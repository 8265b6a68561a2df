/*
 * client_socket.c — ABCI client over a Unix or TCP socket (blocking I/O on
 * the caller's thread, poll() for timeouts).
 *
 * Requests are encoded into a write buffer and recorded in a FIFO of
 * pending entries, each holding the response type it expects. A Flush
 * writes the buffer, then reads responses until its own comes back; each
 * response must match the head of the FIFO or the stream is declared
 * broken. Responses are only read while flushing, and the server only
 * writes at a Flush, so the two sides never both wait to write.
 *
 *   disconnected --(request: connect with retries)--> connected
 *   connected --(EOF, I/O error, timeout, out-of-order or malformed
 *               response)--> disconnected: every pending entry fails with
 *               AG_ERR_CLOSED; nothing is resent
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "abci/addr.h"
#include "abci/client_impl.h"
#include "abci/codec.h"
#include "abci/frame.h"
#include "abci/limits.h"
#include "lib/log.h"

#define QUEUE_CAP (ABCI_CLIENT_PENDING_MAX + 2)

typedef struct pending {
    Tendermint__Abci__Response__ValueCase expect;
    abci_response_cb cb; /* async request */
    void *user;
    abci_arena *arena; /* sync request: decode here ... */
    abci_response **out;
    bool sync, flush_marker, done;
    ag_err result;
} pending;

typedef struct sock_client {
    abci_client base;
    abci_addr addr;
    char addr_str[ABCI_ADDR_MAX];
    abci_socket_opts opts;
    int fd;
    ag_buf wbuf; /* encoded requests not yet written */
    ag_buf rbuf; /* bytes received, from roff on not yet decoded */
    size_t roff;
    pending q[QUEUE_CAP];
    size_t qhead, qlen;
    size_t unflushed;
    abci_arena *arena; /* responses of async requests, during their callback */
    char sync_detail[AG_ERR_DETAIL_MAX];
} sock_client;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- the connection ---- */

static void fail_pending(sock_client *sc, ag_err err)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    while (sc->qlen) {
        pending *p = &sc->q[sc->qhead];
        sc->qhead = (sc->qhead + 1) % QUEUE_CAP;
        sc->qlen--;
        ag_err_set(err, "%s", detail);
        if (p->sync || p->flush_marker) {
            p->done = true;
            p->result = err;
            if (p->sync)
                snprintf(sc->sync_detail, sizeof sc->sync_detail, "%s", detail);
        } else {
            p->cb(p->user, err, NULL);
        }
    }
    ag_err_set(err, "%s", detail);
}

/* Close the connection because of `err` (detail set): pending requests fail. */
static ag_err disconnect(sock_client *sc, ag_err err)
{
    if (sc->fd >= 0) {
        ag_log_warn("abci", "client %s: %s; disconnecting", sc->addr_str, ag_err_detail());
        close(sc->fd);
        sc->fd = -1;
    }
    ag_buf_reset(&sc->wbuf);
    ag_buf_reset(&sc->rbuf);
    sc->roff = 0;
    sc->unflushed = 0;
    fail_pending(sc, err == AG_OK ? AG_ERR_CLOSED : err);
    return err;
}

static ag_err wait_fd(int fd, short events, int timeout_ms, const char *what)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    for (;;) {
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc > 0)
            return AG_OK;
        if (rc == 0)
            return ag_err_set(AG_ERR_TIMEOUT, "%s: no progress in %d ms", what, timeout_ms);
        if (errno != EINTR)
            return ag_err_from_errno(errno, what);
    }
}

static ag_err connect_once(sock_client *sc)
{
    struct sockaddr_storage ss;
    socklen_t len;
    ag_err err = abci_addr_sockaddr(&sc->addr, &ss, &len);
    if (err)
        return err;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ag_err_from_errno(errno, "socket");
    int rc = connect(fd, (struct sockaddr *)&ss, len);
    if (rc != 0 && errno == EINPROGRESS) {
        err = wait_fd(fd, POLLOUT, ABCI_CLIENT_CONNECT_TIMEOUT_MS, "connect");
        if (!err) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            if (soerr)
                err = ag_err_from_errno(soerr, "connect");
        }
    } else if (rc != 0) {
        err = ag_err_from_errno(errno, "connect");
    }
    if (!err && fcntl(fd, F_SETFL, 0) != 0) /* blocking from here on */
        err = ag_err_from_errno(errno, "fcntl");
    if (err) {
        close(fd);
        return err;
    }
    if (sc->addr.kind == ABCI_ADDR_TCP) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    sc->fd = fd;
    return AG_OK;
}

static ag_err ensure_connected(sock_client *sc)
{
    if (sc->fd >= 0)
        return AG_OK;
    ag_err err = AG_OK;
    unsigned attempts = sc->opts.connect_attempts ? sc->opts.connect_attempts : 1;
    for (unsigned i = 0; i < attempts; i++) {
        if (i)
            sleep_ms(sc->opts.connect_interval_ms);
        if ((err = connect_once(sc)) == AG_OK)
            return AG_OK;
    }
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err,
                      "abci: cannot reach the application at %s (%u attempts, %u ms apart): %s",
                      sc->addr_str, attempts, sc->opts.connect_interval_ms, detail);
}

static int timeout_ms(const sock_client *sc)
{
    return sc->opts.io_timeout_ms ? (int)sc->opts.io_timeout_ms : -1;
}

static ag_err write_all(sock_client *sc)
{
    size_t off = 0;
    while (off < sc->wbuf.len) {
        ag_err err = wait_fd(sc->fd, POLLOUT, timeout_ms(sc), "abci: writing to the application");
        if (err)
            return disconnect(sc, err);
        ssize_t n = send(sc->fd, sc->wbuf.data + off, sc->wbuf.len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return disconnect(sc, ag_err_from_errno(errno, "abci: writing to the application"));
        off += (size_t)n;
    }
    ag_buf_reset(&sc->wbuf);
    return AG_OK;
}

/* Read more bytes into rbuf (compacting it first). */
static ag_err read_more(sock_client *sc)
{
    if (sc->roff) {
        ag_buf_consume(&sc->rbuf, sc->roff);
        sc->roff = 0;
    }
    size_t room = sc->rbuf.max - sc->rbuf.len;
    size_t want = room < ABCI_READ_CHUNK ? room : ABCI_READ_CHUNK;
    ag_err err = want ? ag_buf_reserve(&sc->rbuf, want) : AG_ERR_TOO_LARGE;
    if (err)
        return disconnect(sc, ag_err_set(err, "abci: response buffer full"));
    err = wait_fd(sc->fd, POLLIN, timeout_ms(sc), "abci: waiting for the application");
    if (err)
        return disconnect(sc, err);
    size_t avail = sc->rbuf.cap - sc->rbuf.len;
    if (avail > room)
        avail = room;
    for (;;) {
        ssize_t n = recv(sc->fd, sc->rbuf.data + sc->rbuf.len, avail, 0);
        if (n > 0) {
            sc->rbuf.len += (size_t)n;
            return AG_OK;
        }
        if (n == 0)
            return disconnect(
                sc, ag_err_set(AG_ERR_CLOSED, "abci: the application at %s closed the connection%s",
                               sc->addr_str, sc->rbuf.len ? " in the middle of a response" : ""));
        if (errno != EINTR && errno != EAGAIN)
            return disconnect(sc, ag_err_from_errno(errno, "abci: reading from the application"));
    }
}

/* Read and deliver one response. */
static ag_err read_one(sock_client *sc)
{
    ag_slice body;
    size_t used;
    ag_err err;
    for (;;) {
        err = abci_frame_decode(sc->rbuf.data + sc->roff, sc->rbuf.len - sc->roff,
                                sc->opts.frame_max, &body, &used);
        if (err != AG_ERR_TRUNCATED)
            break;
        if ((err = read_more(sc)) != AG_OK)
            return err;
    }
    if (err)
        return disconnect(sc, err);
    if (sc->qlen == 0)
        return disconnect(sc, ag_err_set(AG_ERR_DECODE,
                                         "abci: the application sent a response nobody asked for"));
    pending *p = &sc->q[sc->qhead];
    abci_arena *arena = p->sync ? p->arena : sc->arena;
    abci_response *resp;
    err = abci_response_decode(arena, body.ptr, body.len, &resp);
    sc->roff += used;
    if (err)
        return disconnect(sc, err);
    const char *method = abci_response_name(p->expect);
    if (resp->value_case == TENDERMINT__ABCI__RESPONSE__VALUE_EXCEPTION) {
        err = abci_exception_error(method, resp->exception->error);
        resp = NULL;
    } else if (resp->value_case != p->expect) {
        return disconnect(sc, ag_err_set(AG_ERR_DECODE,
                                         "abci: response out of order: the application answered "
                                         "%s to a %s request",
                                         abci_response_name(resp->value_case), method));
    }
    sc->qhead = (sc->qhead + 1) % QUEUE_CAP;
    sc->qlen--;
    if (p->sync) {
        p->done = true;
        p->result = err;
        *p->out = resp;
        if (err)
            snprintf(sc->sync_detail, sizeof sc->sync_detail, "%s", ag_err_detail());
    } else if (p->flush_marker) {
        p->done = true;
        p->result = err;
    } else {
        p->cb(p->user, err, resp);
        abci_arena_reset(sc->arena);
    }
    return AG_OK;
}

/* ---- requests ---- */

static pending *push(sock_client *sc, Tendermint__Abci__Request__ValueCase c)
{
    pending *p = &sc->q[(sc->qhead + sc->qlen) % QUEUE_CAP];
    *p = (pending){.expect = abci_response_case_for(c)};
    sc->qlen++;
    return p;
}

static ag_err encode(sock_client *sc, const abci_request *req)
{
    ag_err err = abci_frame_append(&sc->wbuf, &req->base, sc->opts.frame_max);
    if (err)
        return ag_err_set(err, "abci: %s request not sent: %s", abci_request_name(req->value_case),
                          ag_err_detail());
    return AG_OK;
}

/* Send a Flush and read until its response: every earlier request is answered. */
static ag_err do_flush(sock_client *sc)
{
    static abci_req_flush flush_body = TENDERMINT__ABCI__REQUEST_FLUSH__INIT;
    abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
    req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_FLUSH;
    req.flush = &flush_body;
    ag_err err = encode(sc, &req);
    if (err)
        return err;
    pending *marker = push(sc, req.value_case);
    marker->flush_marker = true;
    sc->unflushed = 0;
    if ((err = write_all(sc)) != AG_OK)
        return err;
    /* The marker's slot is not reused before it is popped: the queue only
     * grows again after this returns. */
    while (!marker->done)
        if ((err = read_one(sc)) != AG_OK)
            return err;
    return marker->result;
}

static ag_err sock_send(abci_client *c, const abci_request *req, abci_response_cb cb, void *user)
{
    sock_client *sc = (sock_client *)c;
    ag_err err = ensure_connected(sc);
    if (err)
        return err;
    if (sc->qlen + 2 > QUEUE_CAP && (err = do_flush(sc)) != AG_OK)
        return err;
    if ((err = encode(sc, req)) != AG_OK)
        return err;
    pending *p = push(sc, req->value_case);
    p->cb = cb;
    p->user = user;
    /* From here on the request is queued: a failure reaches it (and every
     * other pending request) through its callback, not the return value. */
    if (++sc->unflushed >= ABCI_CLIENT_UNFLUSHED_MAX)
        do_flush(sc);
    else if (sc->wbuf.len >= ABCI_CLIENT_WRITE_BUFFER)
        write_all(sc);
    return AG_OK;
}

static ag_err sock_flush(abci_client *c)
{
    sock_client *sc = (sock_client *)c;
    if (sc->fd < 0 && sc->qlen == 0)
        return AG_OK;
    ag_err err = ensure_connected(sc);
    if (err)
        return err;
    return do_flush(sc);
}

static ag_err sock_call(abci_client *c, abci_arena *arena, const abci_request *req,
                        abci_response **out)
{
    sock_client *sc = (sock_client *)c;
    ag_err err = ensure_connected(sc);
    if (err)
        return err;
    if (sc->qlen + 3 > QUEUE_CAP && (err = do_flush(sc)) != AG_OK)
        return err;
    if ((err = encode(sc, req)) != AG_OK)
        return err;
    pending *p = push(sc, req->value_case);
    p->sync = true;
    p->arena = arena;
    p->out = out;
    sc->sync_detail[0] = '\0';
    err = do_flush(sc);
    /* A broken connection fails the call too (p->result says so). */
    if (p->result)
        return ag_err_set(p->result, "%s", sc->sync_detail);
    return err;
}

static void sock_free(abci_client *c)
{
    sock_client *sc = (sock_client *)c;
    if (sc->fd >= 0) {
        close(sc->fd);
        sc->fd = -1;
    }
    if (sc->qlen) {
        ag_err_set(AG_ERR_CLOSED, "abci: client closed with the request pending");
        fail_pending(sc, AG_ERR_CLOSED);
    }
    ag_buf_free(&sc->wbuf);
    ag_buf_free(&sc->rbuf);
    abci_arena_free(sc->arena);
    free(sc);
}

static const abci_client_vt sock_vt = {sock_send, sock_flush, sock_call, sock_free};

void abci_socket_opts_default(abci_socket_opts *opts)
{
    *opts = (abci_socket_opts){.connect_attempts = ABCI_CLIENT_CONNECT_ATTEMPTS,
                               .connect_interval_ms = ABCI_CLIENT_CONNECT_INTERVAL_MS,
                               .io_timeout_ms = 0,
                               .frame_max = ABCI_FRAME_MAX};
}

ag_err abci_socket_new(abci_client **out, const char *addr, const abci_socket_opts *opts)
{
    *out = NULL;
    sock_client *sc = calloc(1, sizeof *sc);
    if (!sc)
        return ag_err_set(AG_ERR_NOMEM, "abci: socket client");
    sc->base.vt = &sock_vt;
    sc->fd = -1;
    if (opts)
        sc->opts = *opts;
    else
        abci_socket_opts_default(&sc->opts);
    if (!sc->opts.frame_max)
        sc->opts.frame_max = ABCI_FRAME_MAX;
    ag_err err = abci_addr_parse(&sc->addr, addr);
    if (!err)
        err = abci_arena_new(&sc->arena, ABCI_RESPONSE_ARENA_MAX);
    if (err) {
        free(sc);
        return err;
    }
    snprintf(sc->addr_str, sizeof sc->addr_str, "%s", addr);
    ag_buf_init(&sc->wbuf, ABCI_CLIENT_WRITE_BUFFER + sc->opts.frame_max + ABCI_FRAME_PREFIX_MAX);
    ag_buf_init(&sc->rbuf, sc->opts.frame_max + ABCI_FRAME_PREFIX_MAX);
    if ((err = ensure_connected(sc)) != AG_OK) {
        sock_free(&sc->base);
        return err;
    }
    *out = &sc->base;
    return AG_OK;
}
