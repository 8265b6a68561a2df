/*
 * http.h — a small, strict HTTP/1.1 request parser for the RPC server.
 *
 * Only what JSON-RPC clients send: a request line (GET or POST or OPTIONS,
 * an origin-form target, HTTP/1.0 or 1.1), headers, and a body framed by
 * Content-Length (chunked bodies are refused with AG_ERR_UNSUPPORTED: no
 * JSON-RPC client sends them). The parser is a pure function over the bytes
 * received so far, so the connection code retries it as bytes arrive and the
 * fuzz target drives it directly.
 *
 * Ownership: the parsed request borrows from the input buffer (slices), valid
 * until that buffer changes.
 */
#ifndef AGORA_RPC_HTTP_H
#define AGORA_RPC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

typedef enum rpc_http_method { RPC_HTTP_GET = 1, RPC_HTTP_POST, RPC_HTTP_OPTIONS } rpc_http_method;

typedef struct rpc_http_req {
    rpc_http_method method;
    ag_slice path;  /* target up to '?' */
    ag_slice query; /* after '?', without it (len 0 when absent) */
    int minor;      /* HTTP/1.<minor> */
    bool keep_alive;
    bool upgrade_websocket; /* Upgrade: websocket and Connection: upgrade */
    ag_slice ws_key;        /* Sec-WebSocket-Key */
    ag_slice ws_version;    /* Sec-WebSocket-Version */
    ag_slice body;
    size_t total; /* bytes of the whole request (head and body) */
} rpc_http_req;

/*
 * Parse one request from in[0..len). AG_OK: *req is complete and
 * req->total bytes are consumed. AG_ERR_TRUNCATED: more bytes are needed
 * (nothing is wrong so far). AG_ERR_TOO_LARGE: the head passes RPC_HEADER_MAX
 * or the declared body passes body_max (answer 413). AG_ERR_DECODE: malformed
 * (answer 400); AG_ERR_UNSUPPORTED: an unknown method or transfer coding (501).
 * *req is zeroed unless AG_OK.
 */
ag_err rpc_http_parse(rpc_http_req *req, const uint8_t *in, size_t len, size_t body_max);

/* Append a complete response with the given status, content type and body.
 * keep_alive selects "Connection: keep-alive" or "close". */
ag_err rpc_http_response(ag_buf *out, int status, const char *content_type, const char *body,
                         size_t body_len, bool keep_alive);

/* The reason phrase of a status code ("OK", "Not Found"...). */
const char *rpc_http_reason(int status);

/* Percent-decode (and '+' to space) in[0..len) into out (cap bytes, at
 * least len). AG_ERR_DECODE for a bad escape. */
ag_err rpc_http_unescape(char *out, size_t cap, size_t *out_len, const char *in, size_t len);

#endif
