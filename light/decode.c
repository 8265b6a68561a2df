/* CometBFT JSON-RPC response decoders (decode.h). */
#include "light/decode.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/hex.h"
#include "lib/rfc3339.h"
#include "light/limits.h"

/* Prefix the current detail with the field or message that contained it
 * (the detail is copied first: ag_err_set formats into the same buffer). */
static ag_err wrapf(ag_err e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ag_err wrapf(ag_err e, const char *fmt, ...)
{
    char inner[AG_ERR_DETAIL_MAX], prefix[128];
    snprintf(inner, sizeof inner, "%s", ag_err_detail());
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    return ag_err_set(e, "%s: %s", prefix, inner);
}

ag_err light_json_parse(const char *text, size_t len, json_t **out)
{
    *out = NULL;
    if (len > LIGHT_RESPONSE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "response: %zu bytes over %u", len, LIGHT_RESPONSE_MAX);
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return ag_err_set(AG_ERR_DECODE, "response: not JSON (%s at %d)", je.text, je.position);
    *out = j;
    return AG_OK;
}

ag_err light_json_result(json_t *resp, json_t **result)
{
    *result = NULL;
    if (!json_is_object(resp))
        return ag_err_set(AG_ERR_DECODE, "response: not an object");
    const json_t *err = json_object_get(resp, "error");
    if (err && !json_is_null(err)) {
        const json_t *code = json_object_get(err, "code");
        const char *msg = json_string_value(json_object_get(err, "message"));
        const char *data = json_string_value(json_object_get(err, "data"));
        ag_err e = json_is_integer(code) && json_integer_value(code) == -32601 ? AG_ERR_UNSUPPORTED
                                                                               : AG_ERR_NOT_FOUND;
        return ag_err_set(e, "node: %.80s %.120s", msg ? msg : "error", data ? data : "");
    }
    json_t *r = json_object_get(resp, "result");
    if (!json_is_object(r))
        return ag_err_set(AG_ERR_DECODE, "response: no result object");
    *result = r;
    return AG_OK;
}

/* ---- field helpers: each names the field it refuses ---- */

static const json_t *field(const json_t *obj, const char *key)
{
    return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

static ag_err get_obj(const json_t *obj, const char *key, const json_t **out)
{
    *out = field(obj, key);
    if (!json_is_object(*out))
        return ag_err_set(AG_ERR_DECODE, "%s: not an object", key);
    return AG_OK;
}

static ag_err get_str(const json_t *obj, const char *key, const char **s, size_t *len)
{
    const json_t *v = field(obj, key);
    if (!json_is_string(v))
        return ag_err_set(AG_ERR_DECODE, "%s: not a string", key);
    *s = json_string_value(v);
    *len = json_string_length(v);
    return AG_OK;
}

/* An int64 as CometBFT writes it: a decimal string (a plain integer is
 * accepted too). */
static ag_err get_i64(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = field(obj, key);
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return AG_OK;
    }
    if (!json_is_string(v))
        return ag_err_set(AG_ERR_DECODE, "%s: not an integer string", key);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0 || len > 20)
        return ag_err_set(AG_ERR_DECODE, "%s: bad integer", key);
    bool neg = s[0] == '-';
    uint64_t acc = 0;
    for (size_t i = neg; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return ag_err_set(AG_ERR_DECODE, "%s: bad integer", key);
        unsigned d = (unsigned)(s[i] - '0');
        if (acc > (UINT64_MAX - d) / 10)
            return ag_err_set(AG_ERR_OVERFLOW, "%s: integer overflow", key);
        acc = acc * 10 + d;
    }
    if (len == (size_t)neg)
        return ag_err_set(AG_ERR_DECODE, "%s: bad integer", key);
    if (neg ? acc > (uint64_t)INT64_MAX + 1 : acc > (uint64_t)INT64_MAX)
        return ag_err_set(AG_ERR_OVERFLOW, "%s: integer overflow", key);
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return AG_OK;
}

static ag_err get_u64(const json_t *obj, const char *key, uint64_t *out)
{
    int64_t v;
    ag_err e = get_i64(obj, key, &v);
    if (e)
        return e;
    if (v < 0)
        return ag_err_set(AG_ERR_DECODE, "%s: negative", key);
    *out = (uint64_t)v;
    return AG_OK;
}

/* A JSON number in [min, max] (int32 fields: round, flags, part totals). */
static ag_err get_num(const json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
    const json_t *v = field(obj, key);
    if (!json_is_integer(v))
        return ag_err_set(AG_ERR_DECODE, "%s: not a number", key);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return ag_err_set(AG_ERR_DECODE, "%s: %" PRId64 " out of range", key, (int64_t)x);
    *out = (int64_t)x;
    return AG_OK;
}

/* Hex of 0..cap bytes. */
static ag_err get_hex(const json_t *obj, const char *key, uint8_t *out, size_t cap, size_t *len)
{
    const char *s;
    size_t n;
    ag_err e = get_str(obj, key, &s, &n);
    if (e)
        return e;
    if (n > 2 * cap)
        return ag_err_set(AG_ERR_LENGTH, "%s: %zu hex digits, at most %zu", key, n, 2 * cap);
    if (ag_hex_decode(out, cap, len, s, n) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "%s: bad hex", key);
    return AG_OK;
}

static ag_err get_hash(const json_t *obj, const char *key, cons_hash *h)
{
    size_t len;
    memset(h, 0, sizeof *h);
    ag_err e = get_hex(obj, key, h->b, CONS_HASH_LEN, &len);
    if (e)
        return e;
    if (len != 0 && len != CONS_HASH_LEN)
        return ag_err_set(AG_ERR_LENGTH, "%s: %zu bytes, not 0 or 32", key, len);
    h->len = (uint8_t)len;
    return AG_OK;
}

static ag_err get_address(const json_t *obj, const char *key, crypto_address *a)
{
    size_t len;
    ag_err e = get_hex(obj, key, a->b, CRYPTO_ADDRESS_LEN, &len);
    if (e)
        return e;
    if (len != CRYPTO_ADDRESS_LEN)
        return ag_err_set(AG_ERR_LENGTH, "%s: %zu bytes, not 20", key, len);
    return AG_OK;
}

static ag_err get_time(const json_t *obj, const char *key, cons_timestamp *t)
{
    const char *s;
    size_t n;
    ag_err e = get_str(obj, key, &s, &n);
    if (e)
        return e;
    if (ag_rfc3339_parse(s, n, &t->seconds, &t->nanos) != AG_OK ||
        cons_timestamp_validate(t) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "%s: bad time", key);
    return AG_OK;
}

/* Base64 (null or "" when empty) of at most cap bytes into a new buffer
 * (*out NULL when empty). */
static ag_err get_b64_alloc(const json_t *obj, const char *key, size_t cap, uint8_t **out,
                            size_t *len)
{
    *out = NULL;
    *len = 0;
    const json_t *v = field(obj, key);
    if (v == NULL || json_is_null(v))
        return AG_OK;
    if (!json_is_string(v))
        return ag_err_set(AG_ERR_DECODE, "%s: not a string", key);
    size_t n = json_string_length(v);
    if (n == 0)
        return AG_OK;
    if (ag_base64_decoded_max(n) > cap + 3)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: over %zu bytes", key, cap);
    uint8_t *b = malloc(ag_base64_decoded_max(n));
    if (!b)
        return ag_err_set(AG_ERR_NOMEM, "%s", key);
    if (ag_base64_decode(b, ag_base64_decoded_max(n), len, json_string_value(v), n) != AG_OK ||
        *len > cap) {
        free(b);
        *len = 0;
        return ag_err_set(AG_ERR_DECODE, "%s: bad base64", key);
    }
    *out = b;
    return AG_OK;
}

static ag_err get_block_id(const json_t *obj, const char *key, cons_block_id *id)
{
    const json_t *o = NULL, *parts = NULL;
    int64_t total;
    memset(id, 0, sizeof *id);
    ag_err e = get_obj(obj, key, &o);
    if (!e)
        e = get_hash(o, "hash", &id->hash);
    if (!e)
        e = get_obj(o, "parts", &parts);
    if (!e)
        e = get_num(parts, "total", 0, CONS_BLOCK_PARTS_MAX, &total);
    if (!e)
        e = get_hash(parts, "hash", &id->parts.hash);
    if (e)
        return wrapf(e, "%s", key);
    id->parts.total = (uint32_t)total;
    return AG_OK;
}

/* ---- header, commit ---- */

ag_err light_decode_header(const json_t *obj, cons_header *h)
{
    memset(h, 0, sizeof *h);
    const json_t *ver = NULL;
    const char *chain;
    size_t chain_len, app_len;
    ag_err e = get_obj(obj, "version", &ver);
    if (!e)
        e = get_u64(ver, "block", &h->version.block);
    if (!e)
        e = get_u64(ver, "app", &h->version.app);
    if (!e)
        e = get_str(obj, "chain_id", &chain, &chain_len);
    if (!e && (chain_len > CONS_CHAIN_ID_MAX || strlen(chain) != chain_len))
        e = ag_err_set(AG_ERR_LENGTH, "chain_id: %zu bytes, at most 50", chain_len);
    if (!e)
        memcpy(h->chain_id, chain, chain_len);
    if (!e)
        e = get_i64(obj, "height", &h->height);
    if (!e && h->height <= 0)
        e = ag_err_set(AG_ERR_DECODE, "height: %" PRId64 " not positive", h->height);
    if (!e)
        e = get_time(obj, "time", &h->time);
    if (!e)
        e = get_block_id(obj, "last_block_id", &h->last_block_id);
    if (!e)
        e = get_hash(obj, "last_commit_hash", &h->last_commit_hash);
    if (!e)
        e = get_hash(obj, "data_hash", &h->data_hash);
    if (!e)
        e = get_hash(obj, "validators_hash", &h->validators_hash);
    if (!e)
        e = get_hash(obj, "next_validators_hash", &h->next_validators_hash);
    if (!e)
        e = get_hash(obj, "consensus_hash", &h->consensus_hash);
    if (!e)
        e = get_hex(obj, "app_hash", h->app_hash.b, CONS_APP_HASH_MAX, &app_len);
    if (!e)
        h->app_hash.len = (uint8_t)app_len;
    if (!e)
        e = get_hash(obj, "last_results_hash", &h->last_results_hash);
    if (!e)
        e = get_hash(obj, "evidence_hash", &h->evidence_hash);
    if (!e)
        e = get_address(obj, "proposer_address", &h->proposer_address);
    if (e) {
        memset(h, 0, sizeof *h);
        return wrapf(e, "header");
    }
    return AG_OK;
}

static ag_err decode_sig(const json_t *o, cons_commit_sig *s)
{
    int64_t flag;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    const char *addr;
    size_t addr_len;
    memset(s, 0, sizeof *s);
    ag_err e =
        get_num(o, "block_id_flag", CONS_BLOCK_ID_FLAG_ABSENT, CONS_BLOCK_ID_FLAG_NIL, &flag);
    if (!e)
        e = get_str(o, "validator_address", &addr, &addr_len);
    if (!e && addr_len > 0) {
        e = get_address(o, "validator_address", &s->validator_address);
        s->has_address = true;
    }
    if (!e)
        e = get_time(o, "timestamp", &s->timestamp);
    if (!e)
        e = get_b64_alloc(o, "signature", CRYPTO_SIG_LEN, &sig, &sig_len);
    if (!e && sig_len != 0 && sig_len != CRYPTO_SIG_LEN)
        e = ag_err_set(AG_ERR_LENGTH, "signature: %zu bytes, not 64", sig_len);
    if (!e && sig_len) {
        memcpy(s->signature.b, sig, sig_len);
        s->signature.len = (uint8_t)sig_len;
    }
    free(sig);
    if (!e) {
        s->flag = (cons_block_id_flag)flag;
        e = cons_commit_sig_validate_basic(s);
    }
    return e;
}

ag_err light_decode_commit(const json_t *obj, cons_commit *c)
{
    memset(c, 0, sizeof *c);
    int64_t round;
    ag_err e = get_i64(obj, "height", &c->height);
    if (!e && c->height <= 0)
        e = ag_err_set(AG_ERR_DECODE, "height: %" PRId64 " not positive", c->height);
    if (!e)
        e = get_num(obj, "round", 0, INT32_MAX, &round);
    if (!e)
        c->round = (int32_t)round;
    if (!e)
        e = get_block_id(obj, "block_id", &c->block_id);
    const json_t *sigs = field(obj, "signatures");
    if (!e && !json_is_array(sigs))
        e = ag_err_set(AG_ERR_DECODE, "signatures: not an array");
    if (!e && json_array_size(sigs) > CONS_VALIDATORS_MAX)
        e = ag_err_set(AG_ERR_TOO_LARGE, "signatures: %zu over %d", json_array_size(sigs),
                       CONS_VALIDATORS_MAX);
    if (!e && json_array_size(sigs) == 0)
        e = ag_err_set(AG_ERR_DECODE, "signatures: none");
    if (!e)
        e = cons_commit_alloc(c, json_array_size(sigs));
    for (size_t i = 0; !e && i < c->n_sigs; i++) {
        e = decode_sig(json_array_get(sigs, i), &c->sigs[i]);
        if (e)
            e = wrapf(e, "signatures[%zu]", i);
    }
    if (e) {
        cons_commit_clear(c);
        memset(c, 0, sizeof *c);
        return wrapf(e, "commit");
    }
    return AG_OK;
}

ag_err light_decode_signed_header(const json_t *result, cons_header *h, cons_commit *c)
{
    const json_t *sh = NULL, *ho = NULL, *co = NULL;
    memset(h, 0, sizeof *h);
    memset(c, 0, sizeof *c);
    ag_err e = get_obj(result, "signed_header", &sh);
    if (!e)
        e = get_obj(sh, "header", &ho);
    if (!e)
        e = get_obj(sh, "commit", &co);
    if (!e)
        e = light_decode_header(ho, h);
    if (!e)
        e = light_decode_commit(co, c);
    if (e)
        memset(h, 0, sizeof *h);
    return e;
}

/* ---- validators ---- */

ag_err light_decode_validator(const json_t *obj, cons_validator *v)
{
    memset(v, 0, sizeof *v);
    const json_t *pk = NULL;
    const char *type;
    size_t type_len;
    uint8_t *key = NULL;
    size_t key_len = 0;
    ag_err e = get_address(obj, "address", &v->address);
    if (!e)
        e = get_obj(obj, "pub_key", &pk);
    if (!e)
        e = get_str(pk, "type", &type, &type_len);
    if (!e && strcmp(type, "tendermint/PubKeySecp256k1") != 0)
        e = ag_err_set(AG_ERR_UNSUPPORTED, "pub_key: type %.40s", type);
    if (!e)
        e = get_b64_alloc(pk, "value", CRYPTO_PUBKEY_LEN, &key, &key_len);
    if (!e && crypto_pubkey_parse(&v->pub_key, key, key_len) != AG_OK)
        e = ag_err_set(AG_ERR_DECODE, "pub_key: not a secp256k1 key");
    free(key);
    if (!e)
        e = get_i64(obj, "voting_power", &v->voting_power);
    if (!e)
        e = get_i64(obj, "proposer_priority", &v->proposer_priority);
    if (e)
        memset(v, 0, sizeof *v);
    return e;
}

ag_err light_decode_validators_page(const json_t *result, int64_t *height, size_t *total,
                                    cons_validator **vals, size_t *n)
{
    int64_t count, tot;
    ag_err e = get_i64(result, "block_height", height);
    if (!e)
        e = get_i64(result, "count", &count);
    if (!e)
        e = get_i64(result, "total", &tot);
    const json_t *arr = field(result, "validators");
    if (!e && !json_is_array(arr))
        e = ag_err_set(AG_ERR_DECODE, "validators: not an array");
    if (e)
        return wrapf(e, "validators");
    if (tot <= 0 || tot > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "validators: total %" PRId64, tot);
    if (*total != 0 && (size_t)tot != *total)
        return ag_err_set(AG_ERR_DECODE, "validators: total changed between pages");
    if (count < 0 || (size_t)count != json_array_size(arr))
        return ag_err_set(AG_ERR_DECODE, "validators: count %" PRId64 " for %zu entries", count,
                          json_array_size(arr));
    if (count == 0 || *n + (size_t)count > (size_t)tot)
        return ag_err_set(AG_ERR_DECODE, "validators: page of %" PRId64 " after %zu of %" PRId64,
                          count, *n, tot);
    *total = (size_t)tot;
    cons_validator *grown = realloc(*vals, (*n + (size_t)count) * sizeof *grown);
    if (!grown)
        return ag_err_set(AG_ERR_NOMEM, "validators");
    *vals = grown;
    for (size_t i = 0; i < (size_t)count; i++) {
        e = light_decode_validator(json_array_get(arr, i), &grown[*n]);
        if (e)
            return wrapf(e, "validators[%zu]", *n);
        (*n)++;
    }
    return AG_OK;
}

/* ---- status ---- */

ag_err light_decode_status(const json_t *result, light_status *out)
{
    memset(out, 0, sizeof *out);
    const json_t *ni = NULL, *si = NULL;
    const char *net, *cu;
    size_t net_len, app_len, cu_len;
    (void)cu;
    (void)cu_len;
    ag_err e = get_obj(result, "node_info", &ni);
    if (!e)
        e = get_obj(result, "sync_info", &si);
    if (!e)
        e = get_str(ni, "network", &net, &net_len);
    if (!e && (net_len > CONS_CHAIN_ID_MAX || strlen(net) != net_len))
        e = ag_err_set(AG_ERR_LENGTH, "network: %zu bytes", net_len);
    if (!e)
        memcpy(out->chain_id, net, net_len);
    if (!e)
        e = get_i64(si, "latest_block_height", &out->latest_height);
    if (!e && out->latest_height < 0)
        e = ag_err_set(AG_ERR_DECODE, "latest_block_height: negative");
    if (!e)
        e = get_hash(si, "latest_block_hash", &out->latest_block_hash);
    if (!e)
        e = get_hex(si, "latest_app_hash", out->latest_app_hash.b, CONS_APP_HASH_MAX, &app_len);
    if (!e)
        out->latest_app_hash.len = (uint8_t)app_len;
    if (!e)
        e = get_time(si, "latest_block_time", &out->latest_time);
    if (!e)
        e = get_i64(si, "earliest_block_height", &out->earliest_height);
    const json_t *catching = field(si, "catching_up");
    if (!e && !json_is_boolean(catching))
        e = ag_err_set(AG_ERR_DECODE, "catching_up: not a boolean");
    if (!e)
        out->catching_up = json_is_true(catching);
    if (e) {
        memset(out, 0, sizeof *out);
        return wrapf(e, "status");
    }
    return AG_OK;
}

/* ---- abci_query ---- */

void light_query_resp_free(light_query_resp *r)
{
    free(r->key);
    free(r->value);
    free(r->proof_key);
    free(r->proof);
    memset(r, 0, sizeof *r);
}

ag_err light_decode_abci_query(const json_t *result, light_query_resp *out)
{
    memset(out, 0, sizeof *out);
    const json_t *r = NULL;
    int64_t code;
    const char *log;
    size_t log_len;
    ag_err e = get_obj(result, "response", &r);
    if (!e)
        e = get_num(r, "code", 0, UINT32_MAX, &code);
    if (!e)
        out->code = (uint32_t)code;
    if (!e && field(r, "log") && get_str(r, "log", &log, &log_len) == AG_OK)
        snprintf(out->log, sizeof out->log, "%s", log);
    if (!e)
        e = get_i64(r, "height", &out->height);
    if (!e && out->height < 0)
        e = ag_err_set(AG_ERR_DECODE, "height: negative");
    if (!e)
        e = get_b64_alloc(r, "key", LIGHT_QUERY_KEY_MAX, &out->key, &out->key_len);
    if (!e)
        e = get_b64_alloc(r, "value", LIGHT_QUERY_VALUE_MAX, &out->value, &out->value_len);
    const json_t *po = field(r, "proofOps");
    if (!e && po && !json_is_null(po)) {
        const json_t *ops = field(po, "ops");
        if (!json_is_array(ops))
            e = ag_err_set(AG_ERR_DECODE, "proofOps.ops: not an array");
        else if (json_array_size(ops) > 16)
            e = ag_err_set(AG_ERR_TOO_LARGE, "proofOps.ops: %zu ops", json_array_size(ops));
        else
            out->n_proof_ops = json_array_size(ops);
        if (!e && out->n_proof_ops > 0) {
            const json_t *op = json_array_get(ops, 0);
            const char *type;
            size_t type_len;
            e = get_str(op, "type", &type, &type_len);
            if (!e && type_len >= sizeof out->proof_type)
                e = ag_err_set(AG_ERR_LENGTH, "proof op type: %zu bytes", type_len);
            if (!e)
                memcpy(out->proof_type, type, type_len);
            if (!e)
                e = get_b64_alloc(op, "key", LIGHT_QUERY_KEY_MAX, &out->proof_key,
                                  &out->proof_key_len);
            if (!e)
                e = get_b64_alloc(op, "data", LIGHT_QUERY_PROOF_MAX, &out->proof, &out->proof_len);
        }
    }
    if (e) {
        light_query_resp_free(out);
        return wrapf(e, "abci_query");
    }
    return AG_OK;
}
