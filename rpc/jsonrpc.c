/* JSON-RPC framing and parameter decoding (jsonrpc.h). */
#include "rpc/jsonrpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/hex.h"
#include "rpc/http.h"
#include "rpc/limits.h"
#include "rpc/methods.h"

static const rpc_method METHODS[] = {
    {"health", rpc_m_health, false, false, 0, {{0}}},
    {"status", rpc_m_status, false, false, 0, {{0}}},
    {"net_info", rpc_m_net_info, false, false, 0, {{0}}},
    {"genesis", rpc_m_genesis, false, false, 0, {{0}}},
    {"genesis_chunked", rpc_m_genesis_chunked, false, false, 1, {{"chunk", RPC_ARG_INT}}},
    {"block", rpc_m_block, false, true, 1, {{"height", RPC_ARG_INT}}},
    {"block_by_hash", rpc_m_block_by_hash, false, true, 1, {{"hash", RPC_ARG_HASH}}},
    {"block_results", rpc_m_block_results, false, true, 1, {{"height", RPC_ARG_INT}}},
    {"blockchain",
     rpc_m_blockchain,
     false,
     true,
     2,
     {{"minHeight", RPC_ARG_INT}, {"maxHeight", RPC_ARG_INT}}},
    {"commit", rpc_m_commit, false, true, 1, {{"height", RPC_ARG_INT}}},
    {"header", rpc_m_header, false, true, 1, {{"height", RPC_ARG_INT}}},
    {"header_by_hash", rpc_m_header_by_hash, false, true, 1, {{"hash", RPC_ARG_HASH}}},
    {"validators",
     rpc_m_validators,
     false,
     true,
     3,
     {{"height", RPC_ARG_INT}, {"page", RPC_ARG_INT}, {"per_page", RPC_ARG_INT}}},
    {"consensus_params", rpc_m_consensus_params, false, true, 1, {{"height", RPC_ARG_INT}}},
    {"abci_info", rpc_m_abci_info, false, false, 0, {{0}}},
    {"abci_query",
     rpc_m_abci_query,
     false,
     false,
     4,
     {{"path", RPC_ARG_STR},
      {"data", RPC_ARG_HEXBYTES},
      {"height", RPC_ARG_INT},
      {"prove", RPC_ARG_BOOL}}},
    {"broadcast_tx_async", rpc_m_broadcast_tx_async, false, false, 1, {{"tx", RPC_ARG_BYTES}}},
    {"broadcast_tx_sync", rpc_m_broadcast_tx_sync, false, false, 1, {{"tx", RPC_ARG_BYTES}}},
    {"broadcast_tx_commit", rpc_m_broadcast_tx_commit, false, false, 1, {{"tx", RPC_ARG_BYTES}}},
    {"check_tx", rpc_m_check_tx, false, false, 1, {{"tx", RPC_ARG_BYTES}}},
    {"broadcast_evidence",
     rpc_m_broadcast_evidence,
     false,
     false,
     1,
     {{"evidence", RPC_ARG_BYTES}}},
    {"tx", rpc_m_tx, false, true, 2, {{"hash", RPC_ARG_HASH}, {"prove", RPC_ARG_BOOL}}},
    {"tx_search",
     rpc_m_tx_search,
     false,
     true,
     5,
     {{"query", RPC_ARG_STR},
      {"prove", RPC_ARG_BOOL},
      {"page", RPC_ARG_INT},
      {"per_page", RPC_ARG_INT},
      {"order_by", RPC_ARG_STR}}},
    {"block_search",
     rpc_m_block_search,
     false,
     true,
     4,
     {{"query", RPC_ARG_STR},
      {"page", RPC_ARG_INT},
      {"per_page", RPC_ARG_INT},
      {"order_by", RPC_ARG_STR}}},
    {"unconfirmed_txs", rpc_m_unconfirmed_txs, false, false, 1, {{"limit", RPC_ARG_INT}}},
    {"num_unconfirmed_txs", rpc_m_num_unconfirmed_txs, false, false, 0, {{0}}},
    {"subscribe", rpc_m_subscribe, true, false, 1, {{"query", RPC_ARG_STR}}},
    {"unsubscribe", rpc_m_unsubscribe, true, false, 1, {{"query", RPC_ARG_STR}}},
    {"unsubscribe_all", rpc_m_unsubscribe_all, true, false, 0, {{0}}},
};

const rpc_method *rpc_method_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++)
        if (strlen(METHODS[i].name) == len && memcmp(METHODS[i].name, name, len) == 0)
            return &METHODS[i];
    return NULL;
}

void rpc_args_free(rpc_args *a)
{
    for (size_t i = 0; i < RPC_ARGS_MAX; i++) {
        free(a->v[i].bytes);
        free(a->v[i].str);
    }
    memset(a, 0, sizeof *a);
}

static ag_err parse_int(const char *s, size_t n, int64_t *out, const char *name)
{
    if (n == 0 || n > 20)
        return ag_err_set(AG_ERR_DECODE, "%s: not an integer", name);
    char tmp[24];
    memcpy(tmp, s, n);
    tmp[n] = 0;
    size_t i = tmp[0] == '-' ? 1 : 0;
    if (i == n)
        return ag_err_set(AG_ERR_DECODE, "%s: not an integer", name);
    for (; i < n; i++)
        if (tmp[i] < '0' || tmp[i] > '9')
            return ag_err_set(AG_ERR_DECODE, "%s: not an integer", name);
    errno = 0;
    long long v = strtoll(tmp, NULL, 10);
    if (errno == ERANGE)
        return ag_err_set(AG_ERR_DECODE, "%s: integer out of range", name);
    *out = v;
    return AG_OK;
}

static ag_err dup_bytes(rpc_arg *a, const void *p, size_t n)
{
    a->bytes = malloc(n ? n : 1);
    if (!a->bytes)
        return ag_err_set(AG_ERR_NOMEM, "params: out of memory");
    if (n)
        memcpy(a->bytes, p, n);
    a->len = n;
    return AG_OK;
}

static ag_err decode_hex_into(rpc_arg *a, const char *s, size_t n, const char *name)
{
    a->bytes = malloc(n / 2 + 1);
    if (!a->bytes)
        return ag_err_set(AG_ERR_NOMEM, "params: out of memory");
    if (ag_hex_decode(a->bytes, n / 2 + 1, &a->len, s, n) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "%s: invalid hex", name);
    return AG_OK;
}

static ag_err decode_uri(rpc_arg *a, const rpc_arg_spec *sp, const char *s, size_t n)
{
    bool quoted = n >= 2 && s[0] == '"' && s[n - 1] == '"';
    switch (sp->type) {
    case RPC_ARG_INT:
        if (quoted)
            return parse_int(s + 1, n - 2, &a->i, sp->name);
        return parse_int(s, n, &a->i, sp->name);
    case RPC_ARG_BOOL:
        if (n == 4 && memcmp(s, "true", 4) == 0)
            a->b = true;
        else if (n == 5 && memcmp(s, "false", 5) == 0)
            a->b = false;
        else
            return ag_err_set(AG_ERR_DECODE, "%s: expected true or false", sp->name);
        return AG_OK;
    case RPC_ARG_STR:
        if (!quoted)
            return ag_err_set(AG_ERR_DECODE, "%s: strings must be quoted in a URI", sp->name);
        a->str = malloc(n - 1);
        if (!a->str)
            return ag_err_set(AG_ERR_NOMEM, "params: out of memory");
        memcpy(a->str, s + 1, n - 2);
        a->str[n - 2] = 0;
        return AG_OK;
    case RPC_ARG_BYTES:
    case RPC_ARG_HEXBYTES:
    case RPC_ARG_HASH:
        if (quoted)
            return dup_bytes(a, s + 1, n - 2);
        if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
            return decode_hex_into(a, s + 2, n - 2, sp->name);
        return ag_err_set(AG_ERR_DECODE, "%s: bytes must be 0x-prefixed hex or a quoted string",
                          sp->name);
    }
    return ag_err_set(AG_ERR_INTERNAL, "params: unknown type");
}

static ag_err decode_json(rpc_arg *a, const rpc_arg_spec *sp, const json_t *v)
{
    switch (sp->type) {
    case RPC_ARG_INT:
        if (json_is_integer(v)) {
            a->i = json_integer_value(v);
            return AG_OK;
        }
        if (json_is_string(v))
            return parse_int(json_string_value(v), json_string_length(v), &a->i, sp->name);
        return ag_err_set(AG_ERR_DECODE, "%s: expected an integer", sp->name);
    case RPC_ARG_BOOL:
        if (!json_is_boolean(v))
            return ag_err_set(AG_ERR_DECODE, "%s: expected a boolean", sp->name);
        a->b = json_is_true(v);
        return AG_OK;
    case RPC_ARG_STR: {
        if (!json_is_string(v))
            return ag_err_set(AG_ERR_DECODE, "%s: expected a string", sp->name);
        size_t n = json_string_length(v);
        a->str = malloc(n + 1);
        if (!a->str)
            return ag_err_set(AG_ERR_NOMEM, "params: out of memory");
        memcpy(a->str, json_string_value(v), n);
        a->str[n] = 0;
        if (strlen(a->str) != n)
            return ag_err_set(AG_ERR_DECODE, "%s: NUL in a string", sp->name);
        return AG_OK;
    }
    case RPC_ARG_BYTES: {
        if (!json_is_string(v))
            return ag_err_set(AG_ERR_DECODE, "%s: expected a base64 string", sp->name);
        size_t n = json_string_length(v);
        a->bytes = malloc(ag_base64_decoded_max(n) + 1);
        if (!a->bytes)
            return ag_err_set(AG_ERR_NOMEM, "params: out of memory");
        if (ag_base64_decode(a->bytes, ag_base64_decoded_max(n) + 1, &a->len, json_string_value(v),
                             n) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "%s: invalid base64", sp->name);
        return AG_OK;
    }
    case RPC_ARG_HEXBYTES:
        if (!json_is_string(v))
            return ag_err_set(AG_ERR_DECODE, "%s: expected a hex string", sp->name);
        return decode_hex_into(a, json_string_value(v), json_string_length(v), sp->name);
    case RPC_ARG_HASH:
        if (json_is_string(v) && json_string_length(v) == 64)
            return decode_hex_into(a, json_string_value(v), 64, sp->name);
        return decode_json(a, &(rpc_arg_spec){sp->name, RPC_ARG_BYTES}, v);
    }
    return ag_err_set(AG_ERR_INTERNAL, "params: unknown type");
}

ag_err rpc_args_decode(const rpc_method *m, const json_t *params, bool uri, rpc_args *out)
{
    memset(out, 0, sizeof *out);
    if (!params || json_is_null(params))
        return AG_OK;
    if (json_is_array(params)) {
        if (uri)
            return ag_err_set(AG_ERR_DECODE, "params: positional params in a URI");
        if (json_array_size(params) > m->n_args)
            return ag_err_set(AG_ERR_DECODE, "params: expected at most %zu params, got %zu",
                              m->n_args, json_array_size(params));
        for (size_t i = 0; i < json_array_size(params); i++) {
            const json_t *v = json_array_get(params, i);
            if (json_is_null(v))
                continue;
            ag_err e = decode_json(&out->v[i], &m->args[i], v);
            if (e) {
                rpc_args_free(out);
                return e;
            }
            out->v[i].present = true;
        }
        return AG_OK;
    }
    if (!json_is_object(params))
        return ag_err_set(AG_ERR_DECODE, "params: must be an object or an array");
    for (size_t i = 0; i < m->n_args; i++) {
        const json_t *v = json_object_get(params, m->args[i].name);
        if (!v || json_is_null(v))
            continue;
        ag_err e;
        if (uri) {
            if (!json_is_string(v))
                e = ag_err_set(AG_ERR_INTERNAL, "params: URI value not a string");
            else
                e = decode_uri(&out->v[i], &m->args[i], json_string_value(v),
                               json_string_length(v));
        } else {
            e = decode_json(&out->v[i], &m->args[i], v);
        }
        if (e) {
            rpc_args_free(out);
            return e;
        }
        out->v[i].present = true;
    }
    return AG_OK;
}

ag_err rpc_uri_params(json_t **out, const char *query, size_t len)
{
    *out = NULL;
    json_t *o = json_object();
    if (!o)
        return ag_err_set(AG_ERR_NOMEM, "uri: out of memory");
    size_t i = 0, pairs = 0;
    char *buf = malloc(len + 1);
    if (!buf) {
        json_decref(o);
        return ag_err_set(AG_ERR_NOMEM, "uri: out of memory");
    }
    ag_err e = AG_OK;
    while (i < len && !e) {
        size_t s = i;
        while (i < len && query[i] != '&')
            i++;
        size_t pe = i;
        i++;
        if (pe == s)
            continue;
        if (++pairs > 2 * RPC_ARGS_MAX) {
            e = ag_err_set(AG_ERR_TOO_LARGE, "uri: too many parameters");
            break;
        }
        const char *eq = memchr(query + s, '=', pe - s);
        size_t kl = eq ? (size_t)(eq - (query + s)) : pe - s;
        char key[64];
        size_t kn;
        if (kl >= sizeof key ||
            rpc_http_unescape(key, sizeof key - 1, &kn, query + s, kl) != AG_OK) {
            e = ag_err_set(AG_ERR_DECODE, "uri: bad parameter name");
            break;
        }
        key[kn] = 0;
        if (strlen(key) != kn) {
            e = ag_err_set(AG_ERR_DECODE, "uri: bad parameter name");
            break;
        }
        size_t vn = 0;
        if (eq &&
            rpc_http_unescape(buf, len, &vn, eq + 1, (size_t)(query + pe - eq - 1)) != AG_OK) {
            e = ag_err_set(AG_ERR_DECODE, "uri: bad escape in %s", key);
            break;
        }
        if (json_object_get(o, key)) {
            e = ag_err_set(AG_ERR_DECODE, "uri: repeated parameter %s", key);
            break;
        }
        json_t *v = json_stringn(buf, vn);
        if (!v) {
            e = ag_err_set(AG_ERR_DECODE, "uri: %s is not UTF-8", key);
            break;
        }
        json_object_set_new(o, key, v);
    }
    free(buf);
    if (e) {
        json_decref(o);
        return e;
    }
    *out = o;
    return AG_OK;
}

void rpc_request_check(rpc_request *r, const json_t *elem)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(elem)) {
        r->error_code = RPC_CODE_INVALID_REQUEST;
        r->error_msg = "request must be an object";
        return;
    }
    json_t *id = json_object_get(elem, "id");
    if (id && (json_is_string(id) || json_is_integer(id) || json_is_null(id)))
        r->id = id;
    else if (id) {
        r->error_code = RPC_CODE_INVALID_REQUEST;
        r->error_msg = "id must be a string, an integer or null";
        return;
    }
    const json_t *ver = json_object_get(elem, "jsonrpc");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0) {
        r->error_code = RPC_CODE_INVALID_REQUEST;
        r->error_msg = "jsonrpc must be \"2.0\"";
        return;
    }
    const json_t *m = json_object_get(elem, "method");
    if (!json_is_string(m)) {
        r->error_code = RPC_CODE_INVALID_REQUEST;
        r->error_msg = "method must be a string";
        return;
    }
    r->method = json_string_value(m);
    r->method_len = json_string_length(m);
    r->params = json_object_get(elem, "params");
}

const char *rpc_error_message(int code)
{
    switch (code) {
    case RPC_CODE_PARSE:
        return "Parse error";
    case RPC_CODE_INVALID_REQUEST:
        return "Invalid Request";
    case RPC_CODE_METHOD_NOT_FOUND:
        return "Method not found";
    case RPC_CODE_INVALID_PARAMS:
        return "Invalid params";
    case RPC_CODE_INTERNAL:
        return "Internal error";
    default:
        return "Server error";
    }
}

json_t *rpc_response_result(const json_t *id, json_t *result_stolen)
{
    json_t *o = json_object();
    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    if (id)
        json_object_set(o, "id", (json_t *)(uintptr_t)id);
    else
        json_object_set_new(o, "id", json_integer(-1));
    json_object_set_new(o, "result", result_stolen ? result_stolen : json_object());
    return o;
}

json_t *rpc_response_error(const json_t *id, int code, const char *data)
{
    json_t *o = json_object();
    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    if (id)
        json_object_set(o, "id", (json_t *)(uintptr_t)id);
    else
        json_object_set_new(o, "id", json_integer(-1));
    json_t *err = json_pack("{s:i, s:s}", "code", code, "message", rpc_error_message(code));
    if (data && data[0])
        json_object_set_new(err, "data", json_string(data));
    json_object_set_new(o, "error", err);
    return o;
}
