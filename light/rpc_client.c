/* JSON-RPC client over libcurl (rpc_client.h). */
#include "light/rpc_client.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/hex.h"
#include "light/evidence.h"
#include "light/limits.h"

struct light_rpc {
    CURL *curl;
    char url[LIGHT_URL_MAX + 1];
    long timeout_ms;
    size_t max_response;
    uint64_t next_id;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

ag_err light_rpc_new(light_rpc **out, const light_rpc_opts *opts)
{
    *out = NULL;
    size_t n = opts->url ? strlen(opts->url) : 0;
    if (n == 0 || n > LIGHT_URL_MAX ||
        (strncmp(opts->url, "http://", 7) != 0 && strncmp(opts->url, "https://", 8) != 0))
        return ag_err_set(AG_ERR_INVALID_ARG, "light rpc: url must be http(s)://host:port");
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return ag_err_set(AG_ERR_INTERNAL, "light rpc: curl_global_init failed");
    light_rpc *c = calloc(1, sizeof *c);
    if (!c)
        return ag_err_set(AG_ERR_NOMEM, "light rpc");
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        return ag_err_set(AG_ERR_INTERNAL, "light rpc: curl_easy_init failed");
    }
    memcpy(c->url, opts->url, n);
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : LIGHT_TIMEOUT_MS_DEFAULT;
    c->max_response = opts->max_response && opts->max_response < LIGHT_RESPONSE_MAX
                          ? opts->max_response
                          : LIGHT_RESPONSE_MAX;
    c->next_id = 1;
    *out = c;
    return AG_OK;
}

void light_rpc_free(light_rpc *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

typedef struct sink {
    ag_buf buf;
    bool too_large;
} sink;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb;
    if (ag_buf_append(&s->buf, ptr, n) != AG_OK) {
        s->too_large = true;
        return 0; /* aborts the transfer */
    }
    return n;
}

static ag_err from_curl(CURLcode rc, const char *url)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return ag_err_set(AG_ERR_CONN_REFUSED, "light rpc: %s: %s", url, curl_easy_strerror(rc));
    case CURLE_OPERATION_TIMEDOUT:
        return ag_err_set(AG_ERR_TIMEOUT, "light rpc: %s: %s", url, curl_easy_strerror(rc));
    default:
        return ag_err_set(AG_ERR_IO, "light rpc: %s: %s", url, curl_easy_strerror(rc));
    }
}

ag_err light_rpc_call(light_rpc *c, const char *method, json_t *params, json_t **out)
{
    *out = NULL;
    json_t *req =
        json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)c->next_id++,
                  "method", method, "params", params ? params : json_object());
    if (!req)
        return ag_err_set(AG_ERR_NOMEM, "light rpc: request");
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!body)
        return ag_err_set(AG_ERR_NOMEM, "light rpc: request");
    sink s = {.too_large = false};
    ag_buf_init(&s.buf, c->max_response);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *k = c->curl;
    curl_easy_reset(k);
    curl_easy_setopt(k, CURLOPT_URL, c->url);
    curl_easy_setopt(k, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(k, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(k, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(k, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(k, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response);
    CURLcode rc = curl_easy_perform(k);
    long status = 0;
    curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    free(body);
    ag_err e = AG_OK;
    if (s.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        e = ag_err_set(AG_ERR_TOO_LARGE, "light rpc: %s: response over %zu bytes", method,
                       c->max_response);
    else if (rc != CURLE_OK)
        e = from_curl(rc, c->url);
    else if (status != 200 && status != 500)
        e = ag_err_set(AG_ERR_IO, "light rpc: %s: HTTP status %ld", method, status);
    json_t *resp = NULL;
    json_t *result = NULL;
    if (!e)
        e = light_json_parse((const char *)s.buf.data, s.buf.len, &resp);
    if (!e)
        e = light_json_result(resp, &result);
    if (!e)
        *out = json_incref(result);
    json_decref(resp);
    ag_buf_free(&s.buf);
    return e;
}

static json_t *height_params(int64_t height)
{
    if (height <= 0)
        return json_object();
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, height);
    return json_pack("{s:s}", "height", s);
}

ag_err light_rpc_signed_header(light_rpc *c, int64_t height, cons_header *h, cons_commit *commit)
{
    json_t *r = NULL;
    ag_err e = light_rpc_call(c, "commit", height_params(height), &r);
    if (!e)
        e = light_decode_signed_header(r, h, commit);
    json_decref(r);
    return e;
}

ag_err light_rpc_validators(light_rpc *c, int64_t height, cons_valset *out)
{
    memset(out, 0, sizeof *out);
    cons_validator *vals = NULL;
    size_t n = 0, total = 0;
    ag_err e = AG_OK;
    for (int page = 1; !e && (total == 0 || n < total); page++) {
        json_t *params = height_params(height);
        if (params) {
            json_object_set_new(params, "page", json_integer(page));
            json_object_set_new(params, "per_page", json_integer(LIGHT_VALIDATORS_PER_PAGE));
        }
        json_t *r = NULL;
        int64_t got_height = 0;
        e = light_rpc_call(c, "validators", params, &r);
        if (!e)
            e = light_decode_validators_page(r, &got_height, &total, &vals, &n);
        if (!e && height > 0 && got_height != height)
            e = ag_err_set(AG_ERR_DECODE, "validators: page for height %" PRId64 ", asked %" PRId64,
                           got_height, height);
        if (!e && page == 1)
            height = got_height; /* the later pages must be of the same height */
        json_decref(r);
    }
    if (!e)
        e = light_valset_from_list(out, vals, n);
    free(vals);
    return e;
}

ag_err light_rpc_status(light_rpc *c, light_status *out)
{
    json_t *r = NULL;
    ag_err e = light_rpc_call(c, "status", NULL, &r);
    if (!e)
        e = light_decode_status(r, out);
    json_decref(r);
    return e;
}

ag_err light_rpc_abci_query(light_rpc *c, const char *path, const uint8_t *data, size_t len,
                            int64_t height, light_query_resp *out)
{
    memset(out, 0, sizeof *out);
    if (strlen(path) > LIGHT_QUERY_PATH_MAX || len > LIGHT_QUERY_KEY_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "abci_query: path or data too long");
    char *hex = malloc(2 * len + 1);
    if (!hex)
        return ag_err_set(AG_ERR_NOMEM, "abci_query");
    ag_hex_encode(hex, data, len, false);
    json_t *params = height_params(height);
    if (params) {
        json_object_set_new(params, "path", json_string(path));
        json_object_set_new(params, "data", json_string(hex));
        json_object_set_new(params, "prove", json_true());
    }
    free(hex);
    json_t *r = NULL;
    ag_err e = light_rpc_call(c, "abci_query", params, &r);
    if (!e)
        e = light_decode_abci_query(r, out);
    json_decref(r);
    return e;
}

/* ---- as a provider ---- */

static ag_err p_light_block(void *ctx, int64_t height, light_block *out)
{
    light_rpc *c = ctx;
    memset(out, 0, sizeof *out);
    ag_err e = light_rpc_signed_header(c, height, &out->header, &out->commit);
    if (!e)
        e = light_rpc_validators(c, out->header.height, &out->vals);
    if (e)
        light_block_free(out);
    return e;
}

static ag_err p_abci_query(void *ctx, const char *path, const uint8_t *data, size_t len,
                           int64_t height, light_query_resp *out)
{
    return light_rpc_abci_query(ctx, path, data, len, height, out);
}

ag_err light_rpc_broadcast_evidence(light_rpc *c, const light_attack *a, crypto_hash *hash)
{
    ag_buf ev;
    ag_buf_init(&ev, 0);
    ag_err e = light_attack_encode(&ev, a);
    char *b64 = e ? NULL : malloc(ag_base64_encoded_len(ev.len) + 1);
    if (!e && !b64)
        e = ag_err_set(AG_ERR_NOMEM, "light rpc: evidence of %zu bytes", ev.len);
    json_t *r = NULL;
    if (!e) {
        ag_base64_encode(b64, ev.data, ev.len);
        e = light_rpc_call(c, "broadcast_evidence", json_pack("{s:s}", "evidence", b64), &r);
    }
    if (!e) {
        /* {"hash": base64 of the 32-byte evidence hash} */
        const char *h = json_string_value(json_object_get(r, "hash"));
        size_t n = 0;
        uint8_t raw[40];
        if (!h || ag_base64_decode(raw, sizeof raw, &n, h, strlen(h)) != AG_OK || n != 32)
            e = ag_err_set(AG_ERR_DECODE, "light rpc: broadcast_evidence: no hash in the answer");
        else if (hash)
            memcpy(hash->b, raw, 32);
    }
    json_decref(r);
    free(b64);
    ag_buf_free(&ev);
    return e;
}

static ag_err p_report_attack(void *ctx, const light_attack *a)
{
    return light_rpc_broadcast_evidence(ctx, a, NULL);
}

static const light_provider_ops RPC_OPS = {p_light_block, p_abci_query, p_report_attack};

light_provider light_rpc_provider(light_rpc *c)
{
    return (light_provider){&RPC_OPS, c, c->url};
}
