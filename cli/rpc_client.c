/* rpc_client.c — JSON-RPC over HTTP POST with libcurl. */
#include "cli/rpc_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/base64.h"
#include "lib/hex.h"

#define RPC_TIMEOUT_S 30L

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    ag_buf *b = user;
    size_t len = size * n;
    return ag_buf_append(b, data, len) == AG_OK ? len : 0; /* 0 aborts the transfer */
}

ag_err cli_rpc_call(const char *node, const char *method, json_t *params, json_t **result)
{
    *result = NULL;
    static long next_id = 1;
    json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", next_id++, "method",
                            method, "params", params ? params : json_object());
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body)
        return ag_err_set(AG_ERR_NOMEM, "rpc: request encoding");
    CURL *c = curl_easy_init();
    if (!c) {
        free(body);
        return ag_err_set(AG_ERR_NOMEM, "rpc: curl_easy_init failed");
    }
    ag_buf resp;
    ag_buf_init(&resp, CLI_RPC_RESPONSE_MAX);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, node);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, RPC_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    ag_err err = AG_OK;
    if (rc == CURLE_WRITE_ERROR)
        err = ag_err_set(AG_ERR_TOO_LARGE, "rpc: %s answered more than %zu bytes", node,
                         CLI_RPC_RESPONSE_MAX);
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        err = ag_err_set(AG_ERR_TIMEOUT, "rpc: %s did not answer %s within %lds", node, method,
                         RPC_TIMEOUT_S);
    else if (rc != CURLE_OK)
        err = ag_err_set(AG_ERR_CONN_REFUSED,
                         "cannot reach the node at %s (%s): is it running? "
                         "(--node URL)",
                         node, curl_easy_strerror(rc));
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    free(body);
    json_t *root = NULL;
    if (!err) {
        json_error_t jerr;
        root = json_loadb((const char *)resp.data, resp.len, 0, &jerr);
        if (!json_is_object(root))
            err = ag_err_set(AG_ERR_DECODE, "rpc: %s: the answer to %s is not JSON-RPC (%s)", node,
                             method, jerr.text);
    }
    ag_buf_free(&resp);
    if (!err) {
        json_t *e = json_object_get(root, "error");
        json_t *r = json_object_get(root, "result");
        if (e) {
            const char *msg = json_string_value(json_object_get(e, "message"));
            const char *data = json_string_value(json_object_get(e, "data"));
            err = ag_err_set(AG_ERR_STATE, "%s: %s%s%s", method, msg ? msg : "error",
                             data ? ": " : "", data ? data : "");
        } else if (!r) {
            err = ag_err_set(AG_ERR_DECODE, "rpc: %s: no result", method);
        } else {
            *result = json_incref(r);
        }
    }
    json_decref(root);
    return err;
}

ag_err cli_rpc_abci_query(const char *node, const char *path, ag_slice data, int64_t height,
                          bool prove, json_t **response)
{
    *response = NULL;
    char *hex = malloc(2 * data.len + 1);
    if (!hex)
        return ag_err_set(AG_ERR_NOMEM, "rpc: query data");
    ag_hex_encode(hex, data.ptr, data.len, false);
    char h[24];
    snprintf(h, sizeof h, "%lld", (long long)height);
    json_t *params =
        json_pack("{s:s, s:s, s:s, s:b}", "path", path, "data", hex, "height", h, "prove", prove);
    free(hex);
    json_t *res;
    ag_err err = cli_rpc_call(node, "abci_query", params, &res);
    if (err)
        return err;
    json_t *r = json_object_get(res, "response");
    if (!json_is_object(r))
        err = ag_err_set(AG_ERR_DECODE, "abci_query: no response object");
    else
        *response = json_incref(r);
    json_decref(res);
    return err;
}

ag_err cli_rpc_response_value(json_t *response, ag_buf *out)
{
    const char *v = json_string_value(json_object_get(response, "value"));
    if (!v || !*v)
        return AG_OK;
    size_t len = strlen(v), got = 0;
    ag_err err = ag_buf_reserve(out, ag_base64_decoded_max(len));
    if (!err)
        err = ag_base64_decode(out->data + out->len, out->cap - out->len, &got, v, len);
    if (!err)
        out->len += got;
    return err;
}

ag_err cli_json_u64(json_t *j, uint64_t *out)
{
    *out = 0;
    if (json_is_integer(j) && json_integer_value(j) >= 0) {
        *out = (uint64_t)json_integer_value(j);
        return AG_OK;
    }
    const char *s = json_string_value(j);
    char *end;
    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return ag_err_set(AG_ERR_DECODE, "expected a decimal number");
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return ag_err_set(AG_ERR_DECODE, "\"%s\" is not a 64-bit number", s);
    *out = v;
    return AG_OK;
}
