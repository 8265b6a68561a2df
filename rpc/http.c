/* The HTTP/1.1 request parser and response writer (http.h). */
#include "rpc/http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rpc/limits.h"

static bool slice_ieq(const uint8_t *p, size_t n, const char *s)
{
    size_t m = strlen(s);
    return n == m && strncasecmp((const char *)p, s, m) == 0;
}

/* Does the comma-separated header value contain `tok` (case-insensitive)? */
static bool has_token(const uint8_t *p, size_t n, const char *tok)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
            i++;
        size_t s = i;
        while (i < n && p[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
            e--;
        if (slice_ieq(p + s, e - s, tok))
            return true;
    }
    return false;
}

static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The end of the head (index just past "\r\n\r\n"), or 0 if not yet seen. */
static size_t head_end(const uint8_t *in, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (in[i] == '\n' && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r')
            return i + 1;
    return 0;
}

static ag_err parse_head(rpc_http_req *req, const uint8_t *in, size_t hlen, size_t *content_len)
{
    /* request line */
    const uint8_t *eol = memchr(in, '\r', hlen);
    if (!eol || eol[1] != '\n')
        return ag_err_set(AG_ERR_DECODE, "http: bad request line");
    size_t ll = (size_t)(eol - in);
    const uint8_t *sp1 = memchr(in, ' ', ll);
    if (!sp1)
        return ag_err_set(AG_ERR_DECODE, "http: bad request line");
    size_t ml = (size_t)(sp1 - in);
    if (ml == 3 && memcmp(in, "GET", 3) == 0)
        req->method = RPC_HTTP_GET;
    else if (ml == 4 && memcmp(in, "POST", 4) == 0)
        req->method = RPC_HTTP_POST;
    else if (ml == 7 && memcmp(in, "OPTIONS", 7) == 0)
        req->method = RPC_HTTP_OPTIONS;
    else
        return ag_err_set(AG_ERR_UNSUPPORTED, "http: method not supported");
    const uint8_t *t = sp1 + 1;
    const uint8_t *sp2 = memchr(t, ' ', (size_t)(eol - t));
    if (!sp2)
        return ag_err_set(AG_ERR_DECODE, "http: bad request line");
    size_t tl = (size_t)(sp2 - t);
    if (tl == 0 || tl > RPC_TARGET_MAX || t[0] != '/')
        return ag_err_set(AG_ERR_DECODE, "http: target must be a path");
    for (size_t i = 0; i < tl; i++)
        if (t[i] <= ' ' || t[i] >= 0x7f)
            return ag_err_set(AG_ERR_DECODE, "http: bad character in target");
    const uint8_t *q = memchr(t, '?', tl);
    if (q) {
        req->path = (ag_slice){t, (size_t)(q - t)};
        req->query = (ag_slice){q + 1, (size_t)(sp2 - q - 1)};
    } else {
        req->path = (ag_slice){t, tl};
    }
    const uint8_t *v = sp2 + 1;
    size_t vl = (size_t)(eol - v);
    if (vl != 8 || memcmp(v, "HTTP/1.", 7) != 0 || (v[7] != '0' && v[7] != '1'))
        return ag_err_set(AG_ERR_DECODE, "http: bad version");
    req->minor = v[7] - '0';
    req->keep_alive = req->minor == 1;

    /* headers */
    const uint8_t *p = eol + 2;
    const uint8_t *end = in + hlen - 2; /* the final empty line */
    unsigned count = 0;
    bool have_len = false, conn_upgrade = false, upgrade_ws = false;
    while (p < end) {
        const uint8_t *e = memchr(p, '\r', (size_t)(end - p) + 1);
        if (!e || e[1] != '\n')
            return ag_err_set(AG_ERR_DECODE, "http: bad header line");
        if (++count > RPC_HEADERS_COUNT)
            return ag_err_set(AG_ERR_TOO_LARGE, "http: more than %u headers", RPC_HEADERS_COUNT);
        const uint8_t *colon = memchr(p, ':', (size_t)(e - p));
        if (!colon || colon == p)
            return ag_err_set(AG_ERR_DECODE, "http: header without a name");
        for (const uint8_t *c = p; c < colon; c++)
            if (!is_tchar(*c))
                return ag_err_set(AG_ERR_DECODE, "http: bad header name");
        const uint8_t *val = colon + 1;
        while (val < e && (*val == ' ' || *val == '\t'))
            val++;
        const uint8_t *ve = e;
        while (ve > val && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        for (const uint8_t *c = val; c < ve; c++)
            if ((*c < ' ' && *c != '\t') || *c == 0x7f)
                return ag_err_set(AG_ERR_DECODE, "http: control character in a header");
        size_t nl = (size_t)(colon - p), vn = (size_t)(ve - val);
        if (slice_ieq(p, nl, "content-length")) {
            if (have_len)
                return ag_err_set(AG_ERR_DECODE, "http: repeated Content-Length");
            if (vn == 0 || vn > 12)
                return ag_err_set(AG_ERR_DECODE, "http: bad Content-Length");
            size_t n = 0;
            for (size_t i = 0; i < vn; i++) {
                if (val[i] < '0' || val[i] > '9')
                    return ag_err_set(AG_ERR_DECODE, "http: bad Content-Length");
                n = n * 10 + (size_t)(val[i] - '0');
            }
            *content_len = n;
            have_len = true;
        } else if (slice_ieq(p, nl, "transfer-encoding")) {
            return ag_err_set(AG_ERR_UNSUPPORTED, "http: transfer codings are not supported");
        } else if (slice_ieq(p, nl, "connection")) {
            if (has_token(val, vn, "close"))
                req->keep_alive = false;
            if (has_token(val, vn, "keep-alive"))
                req->keep_alive = true;
            if (has_token(val, vn, "upgrade"))
                conn_upgrade = true;
        } else if (slice_ieq(p, nl, "upgrade")) {
            if (has_token(val, vn, "websocket"))
                upgrade_ws = true;
        } else if (slice_ieq(p, nl, "sec-websocket-key")) {
            req->ws_key = (ag_slice){val, vn};
        } else if (slice_ieq(p, nl, "sec-websocket-version")) {
            req->ws_version = (ag_slice){val, vn};
        }
        p = e + 2;
    }
    req->upgrade_websocket = conn_upgrade && upgrade_ws;
    return AG_OK;
}

ag_err rpc_http_parse(rpc_http_req *req, const uint8_t *in, size_t len, size_t body_max)
{
    memset(req, 0, sizeof *req);
    size_t scan = len < RPC_HEADER_MAX ? len : RPC_HEADER_MAX;
    size_t hlen = head_end(in, scan);
    if (hlen == 0) {
        if (len >= RPC_HEADER_MAX)
            return ag_err_set(AG_ERR_TOO_LARGE, "http: head over %u bytes", RPC_HEADER_MAX);
        return AG_ERR_TRUNCATED;
    }
    size_t clen = 0;
    ag_err e = parse_head(req, in, hlen, &clen);
    if (e != AG_OK) {
        memset(req, 0, sizeof *req);
        return e;
    }
    if (clen > body_max) {
        memset(req, 0, sizeof *req);
        return ag_err_set(AG_ERR_TOO_LARGE, "http: body of %zu bytes over the limit %zu", clen,
                          body_max);
    }
    if (len - hlen < clen) {
        memset(req, 0, sizeof *req);
        return AG_ERR_TRUNCATED;
    }
    req->body = (ag_slice){in + hlen, clen};
    req->total = hlen + clen;
    return AG_OK;
}

const char *rpc_http_reason(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

ag_err rpc_http_response(ag_buf *out, int status, const char *content_type, const char *body,
                         size_t body_len, bool keep_alive)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Access-Control-Allow-Origin: *\r\n"
                     "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
                     "Access-Control-Allow-Headers: Content-Type\r\n"
                     "Connection: %s\r\n\r\n",
                     status, rpc_http_reason(status), content_type, body_len,
                     keep_alive ? "keep-alive" : "close");
    if (n < 0 || (size_t)n >= sizeof head)
        return ag_err_set(AG_ERR_INTERNAL, "http: response head too long");
    ag_err e = ag_buf_append(out, head, (size_t)n);
    if (e == AG_OK && body_len)
        e = ag_buf_append(out, body, body_len);
    return e;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ag_err rpc_http_unescape(char *out, size_t cap, size_t *out_len, const char *in, size_t len)
{
    size_t o = 0;
    *out_len = 0;
    for (size_t i = 0; i < len; i++) {
        if (o >= cap)
            return ag_err_set(AG_ERR_TOO_LARGE, "http: unescaped value too long");
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= len)
                return ag_err_set(AG_ERR_DECODE, "http: truncated escape");
            int h = hexval(in[i + 1]), l = hexval(in[i + 2]);
            if (h < 0 || l < 0)
                return ag_err_set(AG_ERR_DECODE, "http: bad escape");
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    *out_len = o;
    return AG_OK;
}
