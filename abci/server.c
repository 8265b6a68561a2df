/*
 * server.c — ABCI socket server on one libuv loop.
 *
 * Life of a connection (conn):
 *
 *   accepted -> reading: bytes append to `in`; each whole frame is decoded
 *     and answered into `out` (unflushed); a Flush request moves `out` to a
 *     uv_write (queued) and answers it.
 *   reading <-> paused: while more than write_queue_max bytes are queued
 *     for the peer, reading stops; the write callback resumes it.
 *   -> failing: a protocol error drops `out`, queues one ResponseException
 *     and stops reading; the last write's callback closes.
 *   -> closing: uv_close; pending writes are cancelled; the close callback
 *     frees the conn.
 *
 * The loop thread is the only one touching conns; other threads reach the
 * server only through the stop async handle and the atomic counters.
 */
#include "abci/server.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "abci/addr.h"
#include "abci/codec.h"
#include "abci/frame.h"
#include "abci/limits.h"
#include "lib/log.h"

#define LOG_MOD "abci"

typedef struct conn conn;

struct abci_server {
    abci_app app;
    abci_server_opts opts;
    pthread_mutex_t own_mutex;
    pthread_mutex_t *mutex;

    uv_loop_t loop;
    uv_async_t stop_async;
    union {
        uv_handle_t h;
        uv_stream_t s;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } lis;
    bool lis_inited;
    abci_addr addr;
    char bound[ABCI_ADDR_MAX + 16];
    bool unlink_on_free;

    conn *conns;
    unsigned n_conns;
    uint64_t next_id;

    atomic_int stop_requested;
    bool stopped;  /* loop thread: handles closed */
    bool finished; /* the loop has returned after a stop */
    bool thread_started;
    pthread_t thread;

    atomic_uint_fast64_t st_accepted, st_refused, st_open, st_requests, st_exceptions, st_proto;
};

struct conn {
    union {
        uv_handle_t h;
        uv_stream_t s;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } u;
    abci_server *srv;
    conn *prev, *next;
    uint64_t id;
    char peer[64];
    ag_buf in;        /* received bytes not yet answered */
    ag_buf out;       /* answered, waiting for the peer's Flush */
    size_t unflushed; /* responses in out */
    size_t queued;    /* bytes handed to uv_write, not yet written */
    abci_arena *arena;
    bool reading, failing, closing;
};

typedef struct wreq {
    uv_write_t req;
    conn *c;
    uint8_t *data;
    size_t len;
} wreq;

static void conn_close(conn *c);
static void conn_process(conn *c);
static void read_start(conn *c);

/* ---- closing ---- */

static void on_conn_closed(uv_handle_t *h)
{
    conn *c = h->data;
    abci_server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_conns--;
    atomic_fetch_sub(&s->st_open, 1);
    ag_buf_free(&c->in);
    ag_buf_free(&c->out);
    abci_arena_free(c->arena);
    free(c);
}

static void conn_close(conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->reading = false;
    uv_close(&c->u.h, on_conn_closed);
}

static void read_stop(conn *c)
{
    if (c->reading) {
        uv_read_stop(&c->u.s);
        c->reading = false;
    }
}

/* ---- writing ---- */

static void on_write(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    conn *c = w->c;
    c->queued -= w->len;
    free(w->data);
    free(w);
    if (c->closing)
        return;
    if (status < 0) {
        ag_err_from_uv(status, "write");
        ag_log_warn(LOG_MOD, "connection %llu (%s): %s; closing", (unsigned long long)c->id,
                    c->peer, ag_err_detail());
        conn_close(c);
        return;
    }
    if (c->failing) {
        if (c->queued == 0)
            conn_close(c);
        return;
    }
    if (!c->reading && c->queued <= c->srv->opts.write_queue_max / 2)
        conn_process(c); /* resume after back-pressure */
}

/* Hand everything in `out` to libuv. False if the connection was closed. */
static bool flush_out(conn *c)
{
    if (c->out.len == 0)
        return true;
    wreq *w = malloc(sizeof *w);
    if (!w) {
        ag_log_error(LOG_MOD, "connection %llu: no memory for a write; closing",
                     (unsigned long long)c->id);
        conn_close(c);
        return false;
    }
    w->c = c;
    w->data = ag_buf_steal(&c->out, &w->len);
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);
    int rc = uv_write(&w->req, &c->u.s, &b, 1, on_write);
    if (rc < 0) {
        free(w->data);
        free(w);
        ag_err_from_uv(rc, "write");
        ag_log_warn(LOG_MOD, "connection %llu (%s): %s; closing", (unsigned long long)c->id,
                    c->peer, ag_err_detail());
        conn_close(c);
        return false;
    }
    c->queued += w->len;
    c->unflushed = 0;
    return true;
}

/*
 * The peer broke the protocol (detail already set): tell it why in a
 * ResponseException where possible, then close once that is written.
 */
static void conn_fail(conn *c, ag_err err)
{
    abci_server *s = c->srv;
    atomic_fetch_add(&s->st_proto, 1);
    ag_log_warn(LOG_MOD, "connection %llu (%s): %s; closing", (unsigned long long)c->id, c->peer,
                ag_err_detail());
    read_stop(c);
    c->failing = true;
    ag_buf_reset(&c->out);
    abci_arena_reset(c->arena);
    abci_response resp;
    abci_exception_fill(c->arena, &resp, "connection", err);
    abci_frame_append(&c->out, &resp.base, s->opts.frame_max);
    if (!flush_out(c))
        return;
    if (c->queued == 0)
        conn_close(c);
}

/* ---- answering ---- */

/* Append one response to `out`; false if the connection failed. */
static bool queue_response(conn *c, abci_response *resp, const char *method)
{
    abci_server *s = c->srv;
    size_t n = protobuf_c_message_get_packed_size(&resp->base);
    if (n > s->opts.frame_max) {
        atomic_fetch_add(&s->st_exceptions, 1);
        ag_err e =
            ag_err_set(AG_ERR_TOO_LARGE, "response of %zu bytes exceeds the %zu-byte frame cap", n,
                       s->opts.frame_max);
        ag_log_error(LOG_MOD, "%s: %s", method, ag_err_detail());
        abci_exception_fill(c->arena, resp, method, e);
    }
    ag_err err = abci_frame_append(&c->out, &resp->base, s->opts.frame_max);
    if (err == AG_OK && ++c->unflushed <= s->opts.unflushed_count_max)
        return true;
    if (err == AG_ERR_NOMEM) {
        conn_fail(c, err);
        return false;
    }
    conn_fail(c, ag_err_set(AG_ERR_TOO_LARGE,
                            "peer sent %zu requests without a Flush (%zu bytes of responses "
                            "buffered; caps %zu responses, %zu bytes)",
                            c->unflushed, c->out.len, s->opts.unflushed_count_max,
                            s->opts.unflushed_bytes_max));
    return false;
}

/* Answer one frame body; false if the connection failed. */
static bool handle_frame(conn *c, ag_slice body)
{
    abci_server *s = c->srv;
    abci_arena_reset(c->arena);
    abci_request *req;
    ag_err err = abci_request_decode(c->arena, body.ptr, body.len, &req);
    if (err) {
        conn_fail(c, err);
        return false;
    }
    atomic_fetch_add(&s->st_requests, 1);
    const char *method = abci_request_name(req->value_case);
    abci_response resp;
    pthread_mutex_lock(s->mutex);
    err = abci_app_dispatch(&s->app, c->arena, req, &resp);
    pthread_mutex_unlock(s->mutex);
    if (err == AG_ERR_NOMEM) {
        conn_fail(c, err);
        return false;
    }
    if (err) {
        atomic_fetch_add(&s->st_exceptions, 1);
        ag_log_warn(LOG_MOD, "%s failed: %s", method, ag_err_detail());
        abci_exception_fill(c->arena, &resp, method, err);
    }
    if (!queue_response(c, &resp, method))
        return false;
    if (req->value_case == TENDERMINT__ABCI__REQUEST__VALUE_FLUSH)
        return flush_out(c);
    return true;
}

/* Answer every whole frame in `in`, unless back-pressure or failure stops us. */
static void conn_process(conn *c)
{
    abci_server *s = c->srv;
    size_t off = 0;
    bool alive = true;
    while (alive && c->queued <= s->opts.write_queue_max) {
        ag_slice body;
        size_t used;
        ag_err err =
            abci_frame_decode(c->in.data + off, c->in.len - off, s->opts.frame_max, &body, &used);
        if (err == AG_ERR_TRUNCATED)
            break;
        if (err) {
            conn_fail(c, err);
            return;
        }
        alive = handle_frame(c, body);
        off += used;
    }
    if (!alive || c->closing || c->failing)
        return;
    ag_buf_consume(&c->in, off);
    if (c->queued > s->opts.write_queue_max) {
        read_stop(c); /* the peer is not reading: neither do we */
        return;
    }
    if (!c->reading)
        read_start(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    conn *c = h->data;
    size_t room = c->in.max - c->in.len;
    size_t want = room < ABCI_READ_CHUNK ? room : ABCI_READ_CHUNK;
    if (want == 0 || ag_buf_reserve(&c->in, want) != AG_OK) {
        *buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
        return;
    }
    size_t avail = c->in.cap - c->in.len;
    if (avail > room)
        avail = room;
    *buf = uv_buf_init((char *)c->in.data + c->in.len, (unsigned)avail);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = stream->data;
    if (nread == 0 || c->closing || c->failing)
        return;
    if (nread < 0) {
        if (nread == UV_EOF && c->in.len == 0) {
            ag_log_debug(LOG_MOD, "connection %llu (%s) closed by the peer",
                         (unsigned long long)c->id, c->peer);
        } else if (nread == UV_EOF) {
            atomic_fetch_add(&c->srv->st_proto, 1);
            ag_log_warn(LOG_MOD,
                        "connection %llu (%s): peer closed in the middle of a frame (%zu bytes "
                        "of it received); closing",
                        (unsigned long long)c->id, c->peer, c->in.len);
        } else {
            ag_err_from_uv((int)nread, "read");
            ag_log_warn(LOG_MOD, "connection %llu (%s): %s; closing", (unsigned long long)c->id,
                        c->peer, ag_err_detail());
        }
        conn_close(c);
        return;
    }
    c->in.len += (size_t)nread;
    conn_process(c);
}

static void read_start(conn *c)
{
    int rc = uv_read_start(&c->u.s, on_alloc, on_read);
    if (rc < 0) {
        ag_err_from_uv(rc, "read start");
        ag_log_warn(LOG_MOD, "connection %llu (%s): %s; closing", (unsigned long long)c->id,
                    c->peer, ag_err_detail());
        conn_close(c);
        return;
    }
    c->reading = true;
}

/* ---- accepting ---- */

static void on_refused_closed(uv_handle_t *h)
{
    free(h);
}

static int init_stream(abci_server *s, uv_stream_t *st)
{
    if (s->addr.kind == ABCI_ADDR_TCP)
        return uv_tcp_init(&s->loop, (uv_tcp_t *)st);
    return uv_pipe_init(&s->loop, (uv_pipe_t *)st, 0);
}

static void peer_name(conn *c)
{
    if (c->srv->addr.kind != ABCI_ADDR_TCP) {
        snprintf(c->peer, sizeof c->peer, "unix socket");
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->u.tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    snprintf(c->peer, sizeof c->peer, "%s:%d", ip, port);
}

static void on_connection(uv_stream_t *lis, int status)
{
    abci_server *s = lis->data;
    if (status < 0) {
        ag_err_from_uv(status, "accept");
        ag_log_warn(LOG_MOD, "%s", ag_err_detail());
        return;
    }
    if (s->n_conns >= s->opts.conns_max) {
        /* Counted first: uv_close shuts the descriptor at once, and the peer
         * may look at the counters as soon as it sees the connection end. */
        atomic_fetch_add(&s->st_refused, 1);
        uv_stream_t *tmp = malloc(sizeof(union {
            uv_tcp_t t;
            uv_pipe_t p;
        }));
        if (tmp && init_stream(s, tmp) == 0) {
            uv_accept(lis, tmp);
            uv_close((uv_handle_t *)tmp, on_refused_closed);
        } else {
            free(tmp);
        }
        ag_log_warn(LOG_MOD, "refusing a connection: %u already open (the limit)", s->n_conns);
        return;
    }
    conn *c = calloc(1, sizeof *c);
    if (!c || abci_arena_new(&c->arena, ABCI_RESPONSE_ARENA_MAX) != AG_OK) {
        free(c);
        ag_log_error(LOG_MOD, "no memory for a connection");
        return;
    }
    if (init_stream(s, &c->u.s) != 0) {
        abci_arena_free(c->arena);
        free(c);
        return;
    }
    c->u.h.data = c;
    c->srv = s;
    c->id = ++s->next_id;
    ag_buf_init(&c->in, s->opts.frame_max + ABCI_FRAME_PREFIX_MAX);
    ag_buf_init(&c->out, s->opts.unflushed_bytes_max);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    atomic_fetch_add(&s->st_open, 1);
    int rc = uv_accept(lis, &c->u.s);
    if (rc < 0) {
        ag_err_from_uv(rc, "accept");
        ag_log_warn(LOG_MOD, "%s", ag_err_detail());
        conn_close(c);
        return;
    }
    atomic_fetch_add(&s->st_accepted, 1);
    if (s->addr.kind == ABCI_ADDR_TCP)
        uv_tcp_nodelay(&c->u.tcp, 1);
    peer_name(c);
    ag_log_debug(LOG_MOD, "connection %llu from %s", (unsigned long long)c->id, c->peer);
    read_start(c);
}

/* ---- life cycle ---- */

static void on_stop(uv_async_t *a)
{
    abci_server *s = a->data;
    if (s->stopped)
        return;
    s->stopped = true;
    if (s->lis_inited && !uv_is_closing(&s->lis.h))
        uv_close(&s->lis.h, NULL);
    for (conn *c = s->conns; c; c = c->next)
        conn_close(c);
    uv_close((uv_handle_t *)&s->stop_async, NULL);
}

ag_err abci_server_new(abci_server **out, const abci_app *app, const abci_server_opts *opts)
{
    *out = NULL;
    ag_err err = abci_app_check(app);
    if (err)
        return err;
    /* A peer vanishing while we write must be an error, not the end of the
     * process: ignore SIGPIPE unless the program already handles it. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    abci_server *s = calloc(1, sizeof *s);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "abci: server");
    s->app = *app;
    if (opts)
        s->opts = *opts;
#define DEFAULT_(f, v)                                                                             \
    if (!s->opts.f)                                                                                \
        s->opts.f = (v);
    DEFAULT_(frame_max, ABCI_FRAME_MAX)
    DEFAULT_(unflushed_bytes_max, ABCI_SERVER_UNFLUSHED_BYTES_MAX)
    DEFAULT_(unflushed_count_max, ABCI_SERVER_UNFLUSHED_COUNT_MAX)
    DEFAULT_(write_queue_max, ABCI_SERVER_WRITE_QUEUE_MAX)
    DEFAULT_(conns_max, ABCI_SERVER_CONNS_MAX)
#undef DEFAULT_
    if (s->opts.app_mutex) {
        s->mutex = s->opts.app_mutex;
    } else {
        pthread_mutex_init(&s->own_mutex, NULL);
        s->mutex = &s->own_mutex;
    }
    int rc = uv_loop_init(&s->loop);
    if (rc == 0) {
        rc = uv_async_init(&s->loop, &s->stop_async, on_stop);
        if (rc < 0)
            uv_loop_close(&s->loop);
    }
    if (rc < 0) {
        if (s->mutex == &s->own_mutex)
            pthread_mutex_destroy(&s->own_mutex);
        free(s);
        return ag_err_from_uv(rc, "abci server: loop");
    }
    s->stop_async.data = s;
    *out = s;
    return AG_OK;
}

/* A Unix socket file at `path`: remove it if nobody answers on it. */
static ag_err clear_stale_socket(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? AG_OK : ag_err_from_errno(errno, path);
    if (!S_ISSOCK(st.st_mode))
        return ag_err_set(AG_ERR_EXISTS, "abci: %s exists and is not a socket; not replacing it",
                          path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ag_err_from_errno(errno, "socket");
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
    int rc = connect(fd, (struct sockaddr *)&un, sizeof un);
    int e = errno;
    close(fd);
    if (rc == 0)
        return ag_err_set(AG_ERR_ADDR_IN_USE, "abci: a server already listens on %s", path);
    if (e != ECONNREFUSED)
        return ag_err_from_errno(e, path);
    if (unlink(path) != 0)
        return ag_err_from_errno(errno, path);
    ag_log_info(LOG_MOD, "removed stale socket %s", path);
    return AG_OK;
}

ag_err abci_server_listen(abci_server *s, const char *addr)
{
    if (s->lis_inited)
        return ag_err_set(AG_ERR_STATE, "abci server: already listening on %s", s->bound);
    ag_err err = abci_addr_parse(&s->addr, addr);
    if (err)
        return err;
    int rc;
    if (s->addr.kind == ABCI_ADDR_TCP) {
        struct sockaddr_storage ss;
        socklen_t len;
        if ((err = abci_addr_sockaddr(&s->addr, &ss, &len)) != AG_OK)
            return err;
        if ((rc = uv_tcp_init(&s->loop, &s->lis.tcp)) < 0)
            return ag_err_from_uv(rc, "abci server: tcp");
        s->lis_inited = true;
        rc = uv_tcp_bind(&s->lis.tcp, (struct sockaddr *)&ss, 0);
    } else {
        if ((err = clear_stale_socket(s->addr.path)) != AG_OK)
            return err;
        if ((rc = uv_pipe_init(&s->loop, &s->lis.pipe, 0)) < 0)
            return ag_err_from_uv(rc, "abci server: pipe");
        s->lis_inited = true;
        rc = uv_pipe_bind(&s->lis.pipe, s->addr.path);
        if (rc == 0)
            s->unlink_on_free = true;
    }
    s->lis.h.data = s;
    if (rc == 0)
        rc = uv_listen(&s->lis.s, 128, on_connection);
    if (rc < 0) {
        char what[ABCI_ADDR_MAX + 32];
        snprintf(what, sizeof what, "abci server: listen on %s", addr);
        return ag_err_from_uv(rc, what);
    }
    if (s->addr.kind == ABCI_ADDR_UNIX) {
        snprintf(s->bound, sizeof s->bound, "unix://%s", s->addr.path);
    } else {
        struct sockaddr_storage ss;
        int len = sizeof ss;
        char ip[INET6_ADDRSTRLEN] = "?";
        uv_tcp_getsockname(&s->lis.tcp, (struct sockaddr *)&ss, &len);
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
            snprintf(s->bound, sizeof s->bound, "tcp://[%s]:%d", ip,
                     ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
            snprintf(s->bound, sizeof s->bound, "tcp://%s:%d", ip,
                     ntohs(((struct sockaddr_in *)&ss)->sin_port));
        }
    }
    return AG_OK;
}

const char *abci_server_address(const abci_server *s)
{
    return s->bound;
}

ag_err abci_server_run(abci_server *s)
{
    if (s->finished)
        return AG_OK;
    uv_run(&s->loop, UV_RUN_DEFAULT);
    s->finished = true;
    return AG_OK;
}

static void *server_thread(void *arg)
{
    abci_server_run(arg);
    return NULL;
}

ag_err abci_server_start(abci_server *s)
{
    if (s->thread_started || s->finished)
        return ag_err_set(AG_ERR_STATE, "abci server: already started");
    int rc = pthread_create(&s->thread, NULL, server_thread, s);
    if (rc != 0)
        return ag_err_from_errno(rc, "abci server: thread");
    s->thread_started = true;
    return AG_OK;
}

void abci_server_stop(abci_server *s)
{
    if (atomic_exchange(&s->stop_requested, 1) == 0)
        uv_async_send(&s->stop_async);
}

void abci_server_stats_get(const abci_server *s, abci_server_stats *out)
{
    abci_server *m = (abci_server *)(uintptr_t)s; /* atomic loads need a non-const object */
    out->conns_accepted = atomic_load(&m->st_accepted);
    out->conns_refused = atomic_load(&m->st_refused);
    out->conns_open = atomic_load(&m->st_open);
    out->requests = atomic_load(&m->st_requests);
    out->exceptions = atomic_load(&m->st_exceptions);
    out->protocol_errors = atomic_load(&m->st_proto);
}

void abci_server_free(abci_server *s)
{
    if (!s)
        return;
    abci_server_stop(s);
    if (s->thread_started)
        pthread_join(s->thread, NULL);
    else
        abci_server_run(s); /* processes the stop: closes every handle */
    int rc = uv_loop_close(&s->loop);
    if (rc < 0)
        ag_log_error(LOG_MOD, "server loop closed with handles open: %s", uv_strerror(rc));
    if (s->unlink_on_free)
        unlink(s->addr.path);
    if (s->mutex == &s->own_mutex)
        pthread_mutex_destroy(&s->own_mutex);
    free(s);
}
