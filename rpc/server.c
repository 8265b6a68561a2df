/* The RPC server: libuv loop thread, HTTP and WebSocket connections,
 * JSON-RPC dispatch, subscriptions and block publishing (server.h). */
#include "rpc/server.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "rpc/encode.h"
#include "rpc/http.h"
#include "rpc/limits.h"
#include "rpc/methods.h"
#include "rpc/server_impl.h"
#include "rpc/ws.h"
#include "node/config.h"

#define TICK_MS    200u
#define READ_CHUNK 65536u
#define DETAIL_MAX 256u

typedef enum post_kind { POST_BLOCK = 1, POST_SUBMIT, POST_STOP } post_kind;

typedef struct rpc_post {
    struct rpc_post *next;
    post_kind kind;
    /* POST_BLOCK */
    uint8_t *block;
    size_t block_len;
    uint8_t *resp;
    size_t resp_len;
    /* POST_SUBMIT */
    rpc_call *call;
    bool commit;
    crypto_hash hash;
    ag_err err;
    char detail[DETAIL_MAX];
    json_t *check;
    uint32_t code;
    json_t *data_hex;
    char log[DETAIL_MAX];
    char codespace[64];
} rpc_post;

static void conn_close(rpc_conn *c);
static void process_input(rpc_conn *c);

uint64_t rpc_now(rpc_server *s)
{
    return uv_now(&s->loop);
}

void rpc_server_opts_default(rpc_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->laddr = "tcp://127.0.0.1:26657";
    o->max_body_bytes = RPC_BODY_MAX_DEFAULT;
    o->max_open_connections = RPC_CONNECTIONS_DEFAULT;
    o->max_subscriptions_per_client = RPC_SUBSCRIPTIONS_DEFAULT;
    o->timeout_broadcast_tx_commit_ms = RPC_BROADCAST_COMMIT_TIMEOUT_DEFAULT_MS;
}

void rpc_server_opts_from_config(rpc_server_opts *o, const struct node_config *cfg)
{
    rpc_server_opts_default(o);
    if (cfg->rpc_laddr[0])
        o->laddr = cfg->rpc_laddr;
    if (cfg->rpc_max_body_bytes)
        o->max_body_bytes = cfg->rpc_max_body_bytes;
    if (cfg->rpc_max_open_connections)
        o->max_open_connections = cfg->rpc_max_open_connections;
    if (cfg->rpc_max_subscriptions_per_client)
        o->max_subscriptions_per_client = cfg->rpc_max_subscriptions_per_client;
    if (cfg->rpc_timeout_broadcast_tx_commit_ms)
        o->timeout_broadcast_tx_commit_ms = cfg->rpc_timeout_broadcast_tx_commit_ms;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct wreq {
    uv_write_t req;
    rpc_conn *c;
    size_t len;
    bool close_after;
    uint8_t data[];
} wreq;

static void on_write(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    rpc_conn *c = w->c;
    c->out_pending -= w->len;
    if (status < 0 || w->close_after)
        conn_close(c);
    free(w);
}

static void conn_write(rpc_conn *c, const uint8_t *data, size_t len, bool close_after)
{
    if (c->closing)
        return;
    if (c->out_pending + len > RPC_WRITE_QUEUE_MAX) {
        ag_log_write(AG_LOG_INFO, "rpc", "closing a client that does not read (%zu bytes queued)",
                     c->out_pending);
        conn_close(c);
        return;
    }
    wreq *w = malloc(sizeof *w + len);
    if (!w) {
        conn_close(c);
        return;
    }
    memcpy(w->data, data, len);
    w->c = c;
    w->len = len;
    w->close_after = close_after;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)len);
    c->out_pending += len;
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
        c->out_pending -= len;
        free(w);
        conn_close(c);
    }
}

static void send_http(rpc_conn *c, int status, const char *ctype, const char *body, size_t len,
                      bool keep_alive)
{
    ag_buf out;
    ag_buf_init(&out, 0);
    if (rpc_http_response(&out, status, ctype, body, len, keep_alive) == AG_OK)
        conn_write(c, out.data, out.len, !keep_alive);
    else
        conn_close(c);
    ag_buf_free(&out);
}

static void send_ws(rpc_conn *c, uint8_t op, const void *data, size_t len)
{
    ag_buf out;
    ag_buf_init(&out, 0);
    if (rpc_ws_frame_append(&out, op, data, len) == AG_OK)
        conn_write(c, out.data, out.len, op == RPC_WS_CLOSE);
    else
        conn_close(c);
    ag_buf_free(&out);
}

/* Send a JSON value as the answer on c (HTTP response with `status`, or
 * a WS text frame). */
static void send_json_status(rpc_conn *c, const json_t *j, bool ws, int status)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s) {
        conn_close(c);
        return;
    }
    if (ws)
        send_ws(c, RPC_WS_TEXT, s, strlen(s));
    else
        send_http(c, status, "application/json", s, strlen(s), c->keep_alive);
    free(s);
}

static void send_json(rpc_conn *c, const json_t *j, bool ws)
{
    send_json_status(c, j, ws, 200);
}

/* ---- connections -------------------------------------------------------- */

static void subs_free(rpc_server *s, rpc_conn *c)
{
    while (c->subs) {
        rpc_sub *n = c->subs->next;
        json_decref(c->subs->id);
        free(c->subs);
        c->subs = n;
        s->n_subs--;
    }
    c->n_subs = 0;
}

static void conn_free(rpc_conn *c)
{
    ag_buf_free(&c->in);
    ag_buf_free(&c->ws_msg);
    free(c);
}

static void on_closed(uv_handle_t *h)
{
    rpc_conn *c = h->data;
    c->tcp.data = NULL; /* the handle is closed */
    if (c->batches == 0)
        conn_free(c);
}

static void conn_close(rpc_conn *c)
{
    if (c->closing)
        return;
    rpc_server *s = c->srv;
    c->closing = true;
    subs_free(s, c);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_conns--;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

/* ---- calls and batches -------------------------------------------------- */

static void batch_free(rpc_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->calls[i].id);
        json_decref(b->responses[i]);
    }
    free(b->calls);
    free(b->responses);
    free(b);
}

static void batch_finish(rpc_batch *b)
{
    rpc_conn *c = b->conn;
    c->batches--;
    if (!c->closing) {
        if (b->is_array) {
            json_t *arr = json_array();
            for (size_t i = 0; i < b->n; i++)
                json_array_append(arr, b->responses[i]);
            send_json(c, arr, c->ws);
            json_decref(arr);
        } else {
            bool failed = json_object_get(b->responses[0], "error") != NULL;
            send_json_status(c, b->responses[0], c->ws, b->uri && failed ? 500 : 200);
        }
    }
    batch_free(b);
    if (c->closing) {
        if (c->tcp.data == NULL && c->batches == 0)
            conn_free(c);
        return;
    }
    if (!c->ws && c->batches == 0 && !c->in_process)
        process_input(c); /* a pipelined request may be waiting */
}

static void call_set(rpc_call *call, json_t *resp)
{
    if (call->done) {
        json_decref(resp);
        return;
    }
    call->done = true;
    rpc_batch *b = call->batch;
    b->responses[call->slot] = resp;
    if (--b->pending == 0)
        batch_finish(b);
}

void rpc_call_result(rpc_call *call, json_t *result)
{
    call_set(call, rpc_response_result(call->id, result));
}

void rpc_call_error(rpc_call *call, int code, const char *data)
{
    call_set(call, rpc_response_error(call->id, code, data));
}

void rpc_call_fail(rpc_call *call, ag_err e)
{
    const char *d = ag_err_detail();
    rpc_call_error(call, RPC_CODE_INTERNAL, d && d[0] ? d : ag_strerror(e));
}

rpc_conn *rpc_call_conn(rpc_call *call)
{
    return call->batch->conn;
}

/* Run one element of a body. */
static void run_call(rpc_call *call, const json_t *elem, bool uri_params, const json_t *uri_obj,
                     const char *uri_method, size_t uri_method_len)
{
    rpc_request r;
    if (uri_params) {
        memset(&r, 0, sizeof r);
        r.method = uri_method;
        r.method_len = uri_method_len;
        r.params = uri_obj;
    } else {
        rpc_request_check(&r, elem);
        if (r.id)
            call->id = json_incref(r.id);
        if (r.error_code) {
            rpc_call_error(call, r.error_code, r.error_msg);
            return;
        }
    }
    const rpc_method *m = rpc_method_find(r.method, r.method_len);
    if (!m) {
        rpc_call_error(call, RPC_CODE_METHOD_NOT_FOUND, NULL);
        return;
    }
    if (m->ws_only && !call->batch->conn->ws) {
        rpc_call_error(call, RPC_CODE_METHOD_NOT_FOUND, "only available over websocket");
        return;
    }
    rpc_args args;
    ag_err_clear();
    if (rpc_args_decode(m, r.params, uri_params, &args) != AG_OK) {
        char data[DETAIL_MAX + 48];
        snprintf(data, sizeof data, "error converting json params to arguments: %s",
                 ag_err_detail());
        rpc_call_error(call, RPC_CODE_INVALID_PARAMS, data);
        return;
    }
    const rpc_backend *be = &call->srv->be;
    bool lock = m->stores && be->ops->stores_lock && be->ops->stores_unlock;
    if (lock)
        be->ops->stores_lock(be->ctx);
    m->handler(call, &args);
    if (lock)
        be->ops->stores_unlock(be->ctx);
    rpc_args_free(&args);
}

static rpc_batch *batch_new(rpc_conn *c, size_t n, bool is_array)
{
    rpc_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->calls = calloc(n, sizeof *b->calls);
    b->responses = calloc(n, sizeof *b->responses);
    if (!b->calls || !b->responses) {
        free(b->calls);
        free(b->responses);
        free(b);
        return NULL;
    }
    b->conn = c;
    b->n = b->pending = n;
    b->is_array = is_array;
    for (size_t i = 0; i < n; i++) {
        b->calls[i].srv = c->srv;
        b->calls[i].batch = b;
        b->calls[i].slot = i;
    }
    c->batches++;
    return b;
}

/* An error before any call runs (parse error, bad URI params): CometBFT
 * answers these with HTTP 500. */
static void answer_error(rpc_conn *c, int code, const char *data)
{
    json_t *r = rpc_response_error(NULL, code, data);
    send_json_status(c, r, c->ws, 500);
    json_decref(r);
}

static void handle_body(rpc_conn *c, const uint8_t *body, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        char d[DETAIL_MAX];
        snprintf(d, sizeof d, "error unmarshaling request: %s", jerr.text);
        answer_error(c, RPC_CODE_PARSE, d);
        return;
    }
    bool arr = json_is_array(root);
    size_t n = arr ? json_array_size(root) : 1;
    if (arr && (n == 0 || n > RPC_BATCH_MAX)) {
        json_decref(root);
        json_t *r = rpc_response_error(NULL, RPC_CODE_INVALID_REQUEST,
                                       n ? "batch larger than the server allows" : "empty batch");
        send_json(c, r, c->ws);
        json_decref(r);
        return;
    }
    rpc_batch *b = batch_new(c, n, arr);
    if (!b) {
        json_decref(root);
        answer_error(c, RPC_CODE_INTERNAL, "out of memory");
        return;
    }
    /* calls may finish the batch (and free it) synchronously: iterate on a
     * snapshot of the calls count and keep root alive until the end */
    for (size_t i = 0; i < n; i++) {
        const json_t *elem = arr ? json_array_get(root, i) : root;
        bool last = i + 1 == n;
        if (last) {
            run_call(&b->calls[i], elem, false, NULL, NULL, 0);
        } else {
            /* hold the batch: a finished call must not complete it early */
            b->pending++;
            run_call(&b->calls[i], elem, false, NULL, NULL, 0);
            b->pending--;
        }
    }
    json_decref(root);
}

static void handle_uri(rpc_conn *c, const rpc_http_req *req)
{
    const char *method = (const char *)req->path.ptr + 1;
    size_t mlen = req->path.len - 1;
    if (mlen == 0) {
        static const char page[] =
            "<html><body>Agora RPC (CometBFT v0.38 compatible): JSON-RPC 2.0 over POST /,"
            " URI GET /&lt;method&gt;?param=value, websocket at /websocket</body></html>";
        send_http(c, 200, "text/html", page, sizeof page - 1, c->keep_alive);
        return;
    }
    json_t *params;
    if (rpc_uri_params(&params, (const char *)req->query.ptr, req->query.len) != AG_OK) {
        char d[DETAIL_MAX + 48];
        snprintf(d, sizeof d, "error converting http params to arguments: %s", ag_err_detail());
        answer_error(c, RPC_CODE_INVALID_PARAMS, d);
        return;
    }
    rpc_batch *b = batch_new(c, 1, false);
    if (!b) {
        json_decref(params);
        answer_error(c, RPC_CODE_INTERNAL, "out of memory");
        return;
    }
    b->uri = true;
    b->calls[0].id = json_integer(-1);
    run_call(&b->calls[0], NULL, true, params, method, mlen);
    json_decref(params);
}

static void handle_upgrade(rpc_conn *c, const rpc_http_req *req)
{
    char accept[RPC_WS_ACCEPT_LEN];
    if (req->method != RPC_HTTP_GET || req->ws_version.len != 2 ||
        memcmp(req->ws_version.ptr, "13", 2) != 0 ||
        rpc_ws_accept_key(accept, req->ws_key.ptr, req->ws_key.len) != AG_OK) {
        static const char msg[] = "bad websocket handshake";
        send_http(c, 400, "text/plain", msg, sizeof msg - 1, false);
        return;
    }
    char resp[256];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    c->ws = true;
    c->last_ping = rpc_now(c->srv);
    conn_write(c, (const uint8_t *)resp, (size_t)n, false);
}

static void process_http(rpc_conn *c)
{
    c->in_process = true;
    while (!c->closing && !c->ws && c->batches == 0 && c->in.len) {
        rpc_http_req req;
        ag_err e = rpc_http_parse(&req, c->in.data, c->in.len, c->srv->opts.max_body_bytes);
        if (e == AG_ERR_TRUNCATED)
            break;
        if (e) {
            int status = e == AG_ERR_TOO_LARGE ? 413 : e == AG_ERR_UNSUPPORTED ? 501 : 400;
            const char *d = ag_err_detail();
            send_http(c, status, "text/plain", d, strlen(d), false);
            c->in.len = 0;
            break;
        }
        c->keep_alive = req.keep_alive;
        size_t total = req.total;
        bool is_ws_path = req.path.len == 10 && memcmp(req.path.ptr, "/websocket", 10) == 0;
        if (req.method == RPC_HTTP_OPTIONS)
            send_http(c, 200, "text/plain", "", 0, c->keep_alive);
        else if (is_ws_path)
            req.upgrade_websocket ? handle_upgrade(c, &req)
                                  : send_http(c, 400, "text/plain", "websocket only", 14, false);
        else if (req.method == RPC_HTTP_POST)
            handle_body(c, req.body.ptr, req.body.len);
        else
            handle_uri(c, &req);
        if (c->closing)
            break;
        ag_buf_consume(&c->in, total);
    }
    c->in_process = false;
    if (c->ws && !c->closing)
        process_input(c);
}

static void process_ws(rpc_conn *c)
{
    size_t max = c->srv->opts.max_body_bytes;
    while (!c->closing && c->in.len) {
        rpc_ws_frame f;
        ag_err e = rpc_ws_parse(&f, c->in.data, c->in.len, max);
        if (e == AG_ERR_TRUNCATED)
            return;
        if (e) {
            uint8_t code[2] = {0x03, e == AG_ERR_TOO_LARGE ? 0xF1 : 0xEA}; /* 1009 / 1002 */
            send_ws(c, RPC_WS_CLOSE, code, 2);
            return;
        }
        c->last_activity = rpc_now(c->srv);
        switch (f.opcode) {
        case RPC_WS_PING:
            send_ws(c, RPC_WS_PONG, f.payload, f.len);
            break;
        case RPC_WS_PONG:
            break;
        case RPC_WS_CLOSE:
            send_ws(c, RPC_WS_CLOSE, f.payload, f.len >= 2 ? 2 : 0);
            break;
        default: {
            if (f.opcode != RPC_WS_CONT) {
                if (c->ws_msg.len) {
                    send_ws(c, RPC_WS_CLOSE, (const uint8_t[]){0x03, 0xEA}, 2);
                    return;
                }
                c->ws_op = f.opcode;
            } else if (c->ws_op == 0) {
                send_ws(c, RPC_WS_CLOSE, (const uint8_t[]){0x03, 0xEA}, 2);
                return;
            }
            if (c->ws_msg.len + f.len > max) {
                send_ws(c, RPC_WS_CLOSE, (const uint8_t[]){0x03, 0xF1}, 2);
                return;
            }
            if (ag_buf_append(&c->ws_msg, f.payload, f.len) != AG_OK) {
                conn_close(c);
                return;
            }
            if (f.fin) {
                handle_body(c, c->ws_msg.data, c->ws_msg.len);
                ag_buf_reset(&c->ws_msg);
                c->ws_op = 0;
            }
        }
        }
        if (c->closing)
            return;
        ag_buf_consume(&c->in, f.total);
    }
}

static void process_input(rpc_conn *c)
{
    if (c->ws)
        process_ws(c);
    else
        process_http(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = malloc(READ_CHUNK);
    buf->len = buf->base ? READ_CHUNK : 0;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    rpc_conn *c = st->data;
    if (nread < 0) {
        free(buf->base);
        conn_close(c);
        return;
    }
    if (nread > 0 && !c->closing) {
        c->last_activity = rpc_now(c->srv);
        if (ag_buf_append(&c->in, buf->base, (size_t)nread) != AG_OK) {
            if (c->ws) {
                send_ws(c, RPC_WS_CLOSE, (const uint8_t[]){0x03, 0xF1}, 2);
            } else {
                static const char msg[] = "request too large";
                send_http(c, 413, "text/plain", msg, sizeof msg - 1, false);
            }
            c->in.len = 0;
        } else {
            process_input(c);
        }
    }
    free(buf->base);
}

static void on_connection(uv_stream_t *server, int status)
{
    rpc_server *s = server->data;
    if (status < 0)
        return;
    rpc_conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    /* the input cap: a full request, or two websocket frames */
    ag_buf_init(&c->in, RPC_HEADER_MAX + 2 * s->opts.max_body_bytes + 64);
    ag_buf_init(&c->ws_msg, s->opts.max_body_bytes);
    uv_tcp_init(&s->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        return;
    }
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    c->last_activity = rpc_now(s);
    if (s->n_conns > s->opts.max_open_connections) {
        static const char msg[] = "too many open connections";
        send_http(c, 503, "text/plain", msg, sizeof msg - 1, false);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* ---- subscriptions ------------------------------------------------------ */

void rpc_m_subscribe(rpc_call *call, const rpc_args *a)
{
    rpc_conn *c = rpc_call_conn(call);
    rpc_server *s = call->srv;
    if (!a->v[0].present) {
        rpc_call_error(call, RPC_CODE_INVALID_PARAMS, "query is required");
        return;
    }
    rpc_query q;
    if (rpc_query_parse(&q, a->v[0].str, strlen(a->v[0].str)) != AG_OK) {
        char d[DETAIL_MAX + 32];
        snprintf(d, sizeof d, "failed to parse query: %s", ag_err_detail());
        rpc_call_error(call, RPC_CODE_INTERNAL, d);
        return;
    }
    for (rpc_sub *x = c->subs; x; x = x->next)
        if (strcmp(x->q.text, q.text) == 0) {
            rpc_call_error(call, RPC_CODE_INTERNAL, "already subscribed");
            return;
        }
    if (c->n_subs >= s->opts.max_subscriptions_per_client) {
        rpc_call_error(call, RPC_CODE_INTERNAL, "max_subscriptions_per_client reached");
        return;
    }
    if (s->n_subs >= RPC_SUBSCRIPTIONS_TOTAL) {
        rpc_call_error(call, RPC_CODE_INTERNAL, "max_subscriptions reached");
        return;
    }
    rpc_sub *sub = malloc(sizeof *sub);
    if (!sub) {
        rpc_call_error(call, RPC_CODE_INTERNAL, "out of memory");
        return;
    }
    sub->q = q;
    sub->id = call->id ? json_incref(call->id) : json_integer(-1);
    sub->next = c->subs;
    c->subs = sub;
    c->n_subs++;
    s->n_subs++;
    rpc_call_result(call, json_object());
}

void rpc_m_unsubscribe(rpc_call *call, const rpc_args *a)
{
    rpc_conn *c = rpc_call_conn(call);
    if (!a->v[0].present) {
        rpc_call_error(call, RPC_CODE_INVALID_PARAMS, "query is required");
        return;
    }
    rpc_query q;
    if (rpc_query_parse(&q, a->v[0].str, strlen(a->v[0].str)) != AG_OK) {
        rpc_call_error(call, RPC_CODE_INTERNAL, ag_err_detail());
        return;
    }
    for (rpc_sub **p = &c->subs; *p; p = &(*p)->next)
        if (strcmp((*p)->q.text, q.text) == 0) {
            rpc_sub *x = *p;
            *p = x->next;
            json_decref(x->id);
            free(x);
            c->n_subs--;
            call->srv->n_subs--;
            rpc_call_result(call, json_object());
            return;
        }
    rpc_call_error(call, RPC_CODE_INTERNAL, "subscription not found");
}

void rpc_m_unsubscribe_all(rpc_call *call, const rpc_args *a)
{
    rpc_conn *c = rpc_call_conn(call);
    if (!c->subs) {
        rpc_call_error(call, RPC_CODE_INTERNAL, "subscription not found");
        return;
    }
    subs_free(call->srv, c);
    rpc_call_result(call, json_object());
}

/* {"tm.event": ["Tx"], "tx.hash": [...], ...} */
static json_t *events_map(const rpc_events *ev)
{
    json_t *m = json_object();
    for (size_t i = 0; i < ev->n; i++) {
        json_t *arr = json_object_get(m, ev->a[i].key);
        if (!arr) {
            arr = json_array();
            json_object_set_new(m, ev->a[i].key, arr);
        }
        json_t *v = json_string(ev->a[i].value);
        json_array_append_new(arr, v ? v : json_string(""));
    }
    return m;
}

static void deliver(rpc_server *s, const char *type, json_t *value, const rpc_events *ev)
{
    json_t *data = NULL, *map = NULL;
    for (rpc_conn *c = s->conns; c; c = c->next) {
        /* a send may close c (slow reader), which frees its subscriptions */
        for (rpc_sub *sub = c->subs, *next; sub && !c->closing; sub = next) {
            next = sub->next;
            if (!rpc_query_match(&sub->q, ev))
                continue;
            if (!data) {
                char t[64];
                snprintf(t, sizeof t, "tendermint/event/%s", type);
                data = json_pack("{s:s, s:O}", "type", t, "value", value);
                map = events_map(ev);
            }
            json_t *res =
                json_pack("{s:s, s:O, s:O}", "query", sub->q.text, "data", data, "events", map);
            json_t *msg = rpc_response_result(sub->id, res);
            send_json(c, msg, true);
            json_decref(msg);
        }
    }
    json_decref(data);
    json_decref(map);
}

/* ---- publishing --------------------------------------------------------- */

static void finish_commit_waits(rpc_server *s, int64_t height, const crypto_hash *hash,
                                const Tendermint__Abci__ExecTxResult *r)
{
    for (rpc_commit_wait **p = &s->waits; *p;) {
        rpc_commit_wait *w = *p;
        if (memcmp(w->hash.b, hash->b, 32) != 0) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        json_t *res = json_pack("{s:o, s:o, s:o, s:o}", "check_tx", w->check_tx, "tx_result",
                                rpc_json_exec_tx_result(r), "hash", rpc_json_hex(hash->b, 32),
                                "height", rpc_json_i64(height));
        rpc_call_result(w->call, res);
        free(w);
    }
}

static void process_block(rpc_server *s, rpc_post *p)
{
    cons_block blk = {0};
    ag_err e = cons_block_decode(&blk, p->block, p->block_len);
    Tendermint__Abci__ResponseFinalizeBlock *resp =
        e ? NULL : tendermint__abci__response_finalize_block__unpack(NULL, p->resp_len, p->resp);
    if (e || !resp || resp->n_tx_results != blk.n_txs) {
        ag_log_write(AG_LOG_ERROR, "rpc", "published block does not decode: %s", ag_err_detail());
        if (resp)
            tendermint__abci__response_finalize_block__free_unpacked(resp, NULL);
        cons_block_clear(&blk);
        return;
    }
    int64_t h = blk.header.height;
    if (s->ix) {
        e = rpc_indexer_index_block(s->ix, h, blk.txs, blk.n_txs, resp);
        if (e)
            ag_log_write(AG_LOG_ERROR, "rpc", "indexing block %" PRId64 ": %s", h, ag_err_detail());
    }
    if (s->n_subs) {
        cons_part_set ps;
        cons_block_id id = {0};
        if (cons_block_make_part_set(&ps, &blk) == AG_OK) {
            cons_block_id_make(&id, &blk, &ps);
            cons_part_set_free(&ps);
        }
        rpc_events ev = {0};
        rpc_block_events(&ev, h, resp->events, resp->n_events, false);
        json_t *v =
            json_pack("{s:o, s:o, s:o}", "block", rpc_json_block(&blk), "block_id",
                      rpc_json_block_id(&id), "result_finalize_block", rpc_json_finalize(resp));
        deliver(s, "NewBlock", v, &ev);
        json_decref(v);
        free(ev.a[0].value);
        ev.a[0].value = strdup("NewBlockHeader");
        v = json_pack("{s:o}", "header", rpc_json_header(&blk.header));
        if (ev.a[0].value)
            deliver(s, "NewBlockHeader", v, &ev);
        json_decref(v);
        free(ev.a[0].value);
        ev.a[0].value = strdup("NewBlockEvents");
        v = json_pack("{s:o, s:o, s:o}", "height", rpc_json_i64(h), "events",
                      rpc_json_events(resp->events, resp->n_events), "num_txs",
                      rpc_json_i64((int64_t)blk.n_txs));
        if (ev.a[0].value)
            deliver(s, "NewBlockEvents", v, &ev);
        json_decref(v);
        rpc_events_free(&ev);
    }
    for (size_t i = 0; i < blk.n_txs; i++) {
        crypto_hash th;
        crypto_sha256(th.b, blk.txs[i].ptr, blk.txs[i].len);
        if (s->n_subs) {
            rpc_events ev = {0};
            rpc_tx_events(&ev, h, &th, resp->tx_results[i], false);
            json_t *txr =
                json_pack("{s:o, s:i, s:o, s:o}", "height", rpc_json_i64(h), "index", (json_int_t)i,
                          "tx", rpc_json_b64(blk.txs[i].ptr, blk.txs[i].len), "result",
                          rpc_json_exec_tx_result(resp->tx_results[i]));
            json_t *v = json_pack("{s:o}", "TxResult", txr);
            deliver(s, "Tx", v, &ev);
            json_decref(v);
            rpc_events_free(&ev);
        }
        finish_commit_waits(s, h, &th, resp->tx_results[i]);
    }
    tendermint__abci__response_finalize_block__free_unpacked(resp, NULL);
    cons_block_clear(&blk);
}

static void process_submit(rpc_server *s, rpc_post *p)
{
    rpc_call *call = p->call;
    if (!call) { /* broadcast_tx_async: answered already */
        json_decref(p->check);
        json_decref(p->data_hex);
        return;
    }
    if (p->err != AG_OK && !p->check) {
        json_decref(p->data_hex);
        rpc_call_error(call, RPC_CODE_INTERNAL, p->detail[0] ? p->detail : ag_strerror(p->err));
        return;
    }
    if (!p->commit) {
        json_t *res = json_pack("{s:i, s:o, s:s, s:s, s:o}", "code", (json_int_t)p->code, "data",
                                p->data_hex, "log", p->log, "codespace", p->codespace, "hash",
                                rpc_json_hex(p->hash.b, 32));
        json_decref(p->check);
        rpc_call_result(call, res);
        return;
    }
    json_decref(p->data_hex);
    if (p->code != 0) {
        json_t *res = json_pack("{s:o, s:o, s:o, s:s}", "check_tx", p->check, "tx_result",
                                rpc_json_exec_tx_result(NULL), "hash", rpc_json_hex(p->hash.b, 32),
                                "height", "0");
        rpc_call_result(call, res);
        return;
    }
    rpc_commit_wait *w = calloc(1, sizeof *w);
    if (!w) {
        json_decref(p->check);
        rpc_call_error(call, RPC_CODE_INTERNAL, "out of memory");
        return;
    }
    w->call = call;
    w->hash = p->hash;
    w->check_tx = p->check;
    w->deadline = rpc_now(s) + s->opts.timeout_broadcast_tx_commit_ms;
    w->next = s->waits;
    s->waits = w;
}

typedef struct submit_ctx {
    rpc_server *srv;
    rpc_call *call;
    bool commit;
    crypto_hash hash;
} submit_ctx;

static void post_push(rpc_server *s, rpc_post *p)
{
    pthread_mutex_lock(&s->mu);
    p->next = NULL;
    if (s->posts_tail)
        s->posts_tail->next = p;
    else
        s->posts = p;
    s->posts_tail = p;
    pthread_mutex_unlock(&s->mu);
    uv_async_send(&s->wake);
}

static void on_submitted(void *user, ag_err err, const abci_resp_check_tx *resp)
{
    submit_ctx *sc = user;
    rpc_server *s = sc->srv;
    rpc_post *p = calloc(1, sizeof *p);
    if (p) {
        p->kind = POST_SUBMIT;
        p->call = sc->call;
        p->commit = sc->commit;
        p->hash = sc->hash;
        p->err = err;
        snprintf(p->detail, sizeof p->detail, "%s", err ? ag_err_detail() : "");
        if (resp) {
            p->code = resp->code;
            p->check = rpc_json_check_tx(resp);
            p->data_hex = rpc_json_hex(resp->data.data, resp->data.len);
            snprintf(p->log, sizeof p->log, "%s", resp->log ? resp->log : "");
            snprintf(p->codespace, sizeof p->codespace, "%s",
                     resp->codespace ? resp->codespace : "");
        } else {
            p->data_hex = json_string("");
        }
        post_push(s, p);
    }
    pthread_mutex_lock(&s->mu);
    s->submits_out--;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    free(sc);
}

void rpc_submit(rpc_call *call, const uint8_t *tx, size_t len, rpc_submit_mode mode)
{
    rpc_server *s = call->srv;
    submit_ctx *sc = malloc(sizeof *sc);
    if (!sc) {
        rpc_call_error(call, RPC_CODE_INTERNAL, "out of memory");
        return;
    }
    sc->srv = s;
    sc->call = mode == RPC_SUBMIT_ASYNC ? NULL : call;
    sc->commit = mode == RPC_SUBMIT_COMMIT;
    crypto_sha256(sc->hash.b, tx, len);
    crypto_hash sc_hash = sc->hash; /* sc may be freed by a synchronous callback */
    pthread_mutex_lock(&s->mu);
    s->submits_out++;
    pthread_mutex_unlock(&s->mu);
    ag_err_clear();
    ag_err e = s->be.ops->broadcast_tx(s->be.ctx, tx, len, on_submitted, sc);
    if (e) {
        pthread_mutex_lock(&s->mu);
        s->submits_out--;
        pthread_mutex_unlock(&s->mu);
        free(sc);
        rpc_call_fail(call, e);
        return;
    }
    if (mode == RPC_SUBMIT_ASYNC)
        rpc_call_result(call, json_pack("{s:i, s:s, s:s, s:s, s:o}", "code", 0, "data", "", "log",
                                        "", "codespace", "", "hash", rpc_json_hex(sc_hash.b, 32)));
}

static void post_free(rpc_post *p)
{
    free(p->block);
    free(p->resp);
    free(p);
}

static void on_wake(uv_async_t *a)
{
    rpc_server *s = a->data;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        rpc_post *p = s->posts;
        if (p) {
            s->posts = p->next;
            if (!s->posts)
                s->posts_tail = NULL;
            if (p->kind == POST_BLOCK)
                s->n_posts_blocks--;
        }
        bool stopping = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (!p)
            break;
        if (p->kind == POST_BLOCK && !stopping)
            process_block(s, p);
        else if (p->kind == POST_SUBMIT)
            process_submit(s, p);
        if (p->kind == POST_BLOCK) {
            pthread_mutex_lock(&s->mu);
            s->processed++;
            pthread_cond_broadcast(&s->cond);
            pthread_mutex_unlock(&s->mu);
        }
        post_free(p);
    }
    pthread_mutex_lock(&s->mu);
    bool stop = s->stopping;
    pthread_mutex_unlock(&s->mu);
    if (stop) {
        while (s->conns)
            conn_close(s->conns);
        while (s->waits) {
            rpc_commit_wait *w = s->waits;
            s->waits = w->next;
            json_decref(w->check_tx);
            rpc_call_error(w->call, RPC_CODE_INTERNAL, "server stopping");
            free(w);
        }
        uv_close((uv_handle_t *)&s->listener, NULL);
        uv_close((uv_handle_t *)&s->wake, NULL);
        uv_close((uv_handle_t *)&s->tick, NULL);
    }
}

static void on_tick(uv_timer_t *t)
{
    rpc_server *s = t->data;
    uint64_t now = rpc_now(s);
    for (rpc_conn *c = s->conns, *n; c; c = n) {
        n = c->next;
        if (c->ws) {
            if (now - c->last_activity > 3u * RPC_WS_PING_MS) {
                conn_close(c);
            } else if (now - c->last_ping >= RPC_WS_PING_MS) {
                c->last_ping = now;
                send_ws(c, RPC_WS_PING, "", 0);
            }
        } else if (c->batches == 0 && now - c->last_activity > s->opts.request_timeout_ms) {
            if (c->in.len) {
                static const char msg[] = "request timeout";
                send_http(c, 408, "text/plain", msg, sizeof msg - 1, false);
            } else {
                conn_close(c);
            }
        }
    }
    for (rpc_commit_wait **p = &s->waits; *p;) {
        rpc_commit_wait *w = *p;
        if (now < w->deadline) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        json_decref(w->check_tx);
        rpc_call_error(w->call, RPC_CODE_INTERNAL,
                       "timed out waiting for tx to be included in a block");
        free(w);
    }
}

ag_err rpc_server_publish_block(rpc_server *s, const cons_block *block,
                                const abci_resp_finalize_block *resp)
{
    if (resp->n_tx_results != block->n_txs)
        return ag_err_set(AG_ERR_INVALID_ARG, "rpc: %zu txs but %zu tx results", block->n_txs,
                          resp->n_tx_results);
    rpc_post *p = calloc(1, sizeof *p);
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "rpc: out of memory");
    p->kind = POST_BLOCK;
    ag_buf b;
    ag_buf_init(&b, 0);
    ag_err e = cons_block_encode(&b, block);
    if (e) {
        ag_buf_free(&b);
        free(p);
        return e;
    }
    p->block = ag_buf_steal(&b, &p->block_len);
    p->resp_len = protobuf_c_message_get_packed_size(&resp->base);
    p->resp = malloc(p->resp_len ? p->resp_len : 1);
    if (!p->resp) {
        post_free(p);
        return ag_err_set(AG_ERR_NOMEM, "rpc: out of memory");
    }
    protobuf_c_message_pack(&resp->base, p->resp);
    pthread_mutex_lock(&s->mu);
    if (s->n_posts_blocks >= RPC_PUBLISH_QUEUE_MAX) {
        pthread_mutex_unlock(&s->mu);
        post_free(p);
        return ag_err_set(AG_ERR_AGAIN, "rpc: %u published blocks wait already",
                          RPC_PUBLISH_QUEUE_MAX);
    }
    s->n_posts_blocks++;
    s->published++;
    p->next = NULL;
    if (s->posts_tail)
        s->posts_tail->next = p;
    else
        s->posts = p;
    s->posts_tail = p;
    pthread_mutex_unlock(&s->mu);
    uv_async_send(&s->wake);
    return AG_OK;
}

void rpc_server_sync(rpc_server *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t target = s->published;
    while (s->processed < target && !s->stopping)
        pthread_cond_wait(&s->cond, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

int rpc_server_port(const rpc_server *s)
{
    return s->port;
}

static void *thread_main(void *arg)
{
    rpc_server *s = arg;
    uv_run(&s->loop, UV_RUN_DEFAULT);
    return NULL;
}

static ag_err parse_laddr(const char *laddr, struct sockaddr_storage *ss)
{
    const char *p = laddr;
    if (strncmp(p, "tcp://", 6) == 0)
        p += 6;
    const char *colon = strrchr(p, ':');
    if (!colon || colon == p)
        return ag_err_set(AG_ERR_DECODE, "rpc: laddr %s is not host:port", laddr);
    char host[128];
    size_t hl = (size_t)(colon - p);
    if (hl >= sizeof host)
        return ag_err_set(AG_ERR_DECODE, "rpc: laddr host too long");
    memcpy(host, p, hl);
    host[hl] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1)
        return ag_err_set(AG_ERR_DECODE, "rpc: bad port in %s", laddr);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        if (uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss) != 0)
            return ag_err_set(AG_ERR_DECODE, "rpc: bad address %s", laddr);
        return AG_OK;
    }
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) != 0)
        return ag_err_set(AG_ERR_DECODE, "rpc: bad address %s (an IP address is required)", laddr);
    return AG_OK;
}

ag_err rpc_server_start(rpc_server **out, const rpc_backend *backend, const rpc_server_opts *opts)
{
    *out = NULL;
    rpc_server *s = calloc(1, sizeof *s);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "rpc: out of memory");
    s->be = *backend;
    s->opts = *opts;
    if (!s->opts.max_body_bytes)
        s->opts.max_body_bytes = RPC_BODY_MAX_DEFAULT;
    if (!s->opts.request_timeout_ms)
        s->opts.request_timeout_ms = RPC_REQUEST_TIMEOUT_MS;
    snprintf(s->laddr, sizeof s->laddr, "%s", opts->laddr ? opts->laddr : "");
    s->opts.laddr = s->laddr;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ag_err e = parse_laddr(s->laddr, &ss);
    if (e) {
        free(s);
        return e;
    }
    if (opts->index_kv && (e = rpc_indexer_open(&s->ix, opts->index_kv)) != AG_OK) {
        free(s);
        return e;
    }
    if ((e = abci_arena_new(&s->arena, 0)) != AG_OK) {
        rpc_indexer_close(s->ix);
        free(s);
        return e;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    /* a client that disconnects must not kill the process with SIGPIPE
     * (libuv writes with write(2)); only a default disposition is changed */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    int r = uv_loop_init(&s->loop);
    if (r == 0) {
        uv_tcp_init(&s->loop, &s->listener);
        s->listener.data = s;
        r = uv_tcp_bind(&s->listener, (const struct sockaddr *)&ss, 0);
        if (r == 0)
            r = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
        if (r != 0) {
            e = ag_err_from_uv(r, "rpc: listen");
            uv_close((uv_handle_t *)&s->listener, NULL);
            uv_run(&s->loop, UV_RUN_DEFAULT);
            uv_loop_close(&s->loop);
        }
    } else {
        e = ag_err_from_uv(r, "rpc: loop");
    }
    if (e) {
        abci_arena_free(s->arena);
        rpc_indexer_close(s->ix);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cond);
        free(s);
        return e;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &blen);
    s->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    uv_async_init(&s->loop, &s->wake, on_wake);
    s->wake.data = s;
    uv_timer_init(&s->loop, &s->tick);
    s->tick.data = s;
    uv_timer_start(&s->tick, on_tick, TICK_MS, TICK_MS);
    if (pthread_create(&s->thread, NULL, thread_main, s) != 0) {
        e = ag_err_from_errno(errno, "rpc: thread");
        uv_close((uv_handle_t *)&s->listener, NULL);
        uv_close((uv_handle_t *)&s->wake, NULL);
        uv_close((uv_handle_t *)&s->tick, NULL);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->loop);
        abci_arena_free(s->arena);
        rpc_indexer_close(s->ix);
        free(s);
        return e;
    }
    *out = s;
    return AG_OK;
}

void rpc_server_free(rpc_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    while (s->submits_out)
        pthread_cond_wait(&s->cond, &s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    uv_async_send(&s->wake);
    pthread_join(s->thread, NULL);
    uv_loop_close(&s->loop);
    while (s->posts) {
        rpc_post *p = s->posts;
        s->posts = p->next;
        json_decref(p->check);
        json_decref(p->data_hex);
        post_free(p);
    }
    rpc_indexer_close(s->ix);
    abci_arena_free(s->arena);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
    free(s);
}
