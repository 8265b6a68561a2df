/* mod_genesis.c — the market's app_state section:
 *
 *   "market": {"genesis_state": "<base64 agora.market.v1.GenesisState>",
 *              "records": [{"key": "<hex>", "value": "<hex>"}, ...]}
 *
 * Both optional. Without genesis_state the params are the defaults in the
 * chain's fee denom. genesis_state carries the params and the offers (ids
 * ascending; their provider index, active-offer counters and id sequence
 * are rebuilt). `records` carries the rest of an exported market state
 * as store pairs (orders, bids, leases, their indices, sequences,
 * counters), so export + import gives the same app hash; each key must be
 * under a market prefix other than params and offers, and each record
 * must decode. The imported state must pass the module's invariant
 * (mod_invariant.c), so a genesis cannot plant an inconsistency that a
 * later block would trip on. Hand-written geneses only need genesis_state. */
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/hex.h"
#include "market/auth.h"
#include "market/mod_internal.h"
#include "market/resources.h"

#define GENESIS_MAX_RECORDS ((size_t)1 << 22)

static ag_err bad(const char *what, const char *why)
{
    return ag_err_set(AG_ERR_DECODE, "%s: %s", what, why);
}

static ag_err import_offers(market_ctx *ctx, const market_offer *offers, size_t n)
{
    ag_err err = AG_OK;
    for (size_t i = 0; !err && i < n; i++) {
        const market_offer *o = &offers[i];
        if (!market_resources_fits(&o->spec.capacity, &o->leased))
            return ag_err_set(AG_ERR_DECODE, "offer %llu: leased above capacity",
                              (unsigned long long)o->id);
        market_key k;
        market_key_by_owner(&k, MARKET_KEY_OFFER_BY_PROVIDER, &o->provider, o->id);
        err = market_mod_offer_put(ctx, o);
        if (!err)
            err = market_mod_index_set(ctx, &k);
        if (!err && o->state == MARKET_OFFER_ACTIVE)
            err = market_mod_counter_add(ctx, MARKET_KIND_OFFER, &o->provider, 1);
    }
    if (!err && n) {
        market_key k;
        market_key_sequence(&k, MARKET_KIND_OFFER);
        uint8_t b[8];
        if (offers[n - 1].id == UINT64_MAX)
            return ag_err_set(AG_ERR_DECODE, "offer id too large");
        market_be64_put(b, offers[n - 1].id + 1);
        err = market_ctx_set(ctx, k.b, k.len, b, 8);
    }
    return err;
}

/* Is this pair one genesis may carry in `records`, and does it decode? */
static ag_err check_record(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (kl < 2 || kl > MARKET_KEY_MAX)
        return ag_err_set(AG_ERR_DECODE, "record key of %zu bytes", kl);
    uint8_t p = k[0];
    if (p == MARKET_KEY_SEQUENCE || p == MARKET_KEY_COUNTER) {
        if (vl != 8 || k[1] == MARKET_KIND_OFFER)
            return ag_err_set(AG_ERR_DECODE, "record 0x%02x: bad sequence or counter", p);
        return AG_OK;
    }
    ag_err err = AG_OK;
    if (p == MARKET_KEY_ORDER || p == MARKET_KEY_BID || p == MARKET_KEY_LEASE) {
        if (kl != 9)
            return ag_err_set(AG_ERR_DECODE, "record 0x%02x: key of %zu bytes", p, kl);
        if (p == MARKET_KEY_ORDER) {
            market_order *o = malloc(sizeof *o);
            if (!o)
                return ag_err_set(AG_ERR_NOMEM, "genesis record");
            err = market_order_decode(o, v, vl);
            market_order_clear(o);
            free(o);
        } else if (p == MARKET_KEY_BID) {
            market_bid b;
            err = market_bid_decode(&b, v, vl);
        } else {
            market_lease *l = malloc(sizeof *l);
            if (!l)
                return ag_err_set(AG_ERR_NOMEM, "genesis record");
            err = market_lease_decode(l, v, vl);
            free(l);
        }
        return err;
    }
    static const uint8_t idx[] = {MARKET_KEY_ORDER_BY_TENANT,  MARKET_KEY_ORDER_BY_CLOSING,
                                  MARKET_KEY_BID_BY_ORDER,     MARKET_KEY_BID_BY_PROVIDER,
                                  MARKET_KEY_LEASE_BY_TENANT,  MARKET_KEY_LEASE_BY_PROVIDER,
                                  MARKET_KEY_LEASE_BY_EXHAUST, MARKET_KEY_PRUNE};
    for (size_t i = 0; i < sizeof idx; i++)
        if (p == idx[i])
            return vl == 1 ? AG_OK : ag_err_set(AG_ERR_DECODE, "index 0x%02x: bad value", p);
    return ag_err_set(AG_ERR_DECODE, "record key prefix 0x%02x is not allowed", p);
}

static ag_err import_records(market_ctx *ctx, const json_t *recs)
{
    if (!json_is_array(recs))
        return bad("records", "not an array");
    if (json_array_size(recs) > GENESIS_MAX_RECORDS)
        return bad("records", "too many");
    uint8_t *val = malloc(MARKET_MSG_MAX_BYTES + 1024);
    if (!val)
        return ag_err_set(AG_ERR_NOMEM, "genesis records");
    ag_err err = AG_OK;
    for (size_t i = 0; !err && i < json_array_size(recs); i++) {
        const json_t *r = json_array_get(recs, i);
        const char *ks = json_string_value(json_object_get(r, "key"));
        const char *vs = json_string_value(json_object_get(r, "value"));
        uint8_t key[MARKET_KEY_MAX];
        size_t kl = 0, vl = 0;
        if (!ks || !vs)
            err = bad("records", "key or value missing");
        if (!err)
            err = ag_hex_decode(key, sizeof key, &kl, ks, strlen(ks));
        if (!err)
            err = ag_hex_decode(val, MARKET_MSG_MAX_BYTES + 1024, &vl, vs, strlen(vs));
        if (!err)
            err = check_record(key, kl, val, vl);
        if (!err)
            err = market_ctx_set(ctx, key, kl, val, vl);
        if (err) {
            char d[AG_ERR_DETAIL_MAX];
            snprintf(d, sizeof d, "%s", ag_err_detail());
            err = ag_err_set(AG_ERR_DECODE, "records[%zu]: %s", i, d);
        }
    }
    free(val);
    return err;
}

ag_err market_mod_init_genesis(market_ctx *ctx, const json_t *state)
{
    market_params p;
    market_params_default(&p, ctx->params->fee_denom);
    if (state && !json_is_object(state))
        return bad("market", "not an object");
    const json_t *gs = json_object_get(state, "genesis_state");
    ag_err err = AG_OK;
    if (gs) {
        const char *s = json_string_value(gs);
        if (!s)
            return bad("genesis_state", "not a string");
        size_t sl = strlen(s), n = 0;
        uint8_t *bin = malloc(ag_base64_decoded_max(sl) + 1);
        market_offer *offers = NULL;
        size_t n_offers = 0;
        if (!bin)
            return ag_err_set(AG_ERR_NOMEM, "genesis_state");
        err = ag_base64_decode(bin, ag_base64_decoded_max(sl) + 1, &n, s, sl);
        if (!err)
            err = market_genesis_decode(&p, &offers, &n_offers, bin, n);
        if (!err)
            err = market_params_validate(&p);
        if (!err)
            err = market_mod_params_set(ctx, &p);
        if (!err)
            err = import_offers(ctx, offers, n_offers);
        free(bin);
        free(offers);
    } else {
        err = market_mod_params_set(ctx, &p);
    }
    const json_t *recs = json_object_get(state, "records");
    if (!err && recs)
        err = import_records(ctx, recs);
    /* the imported state must be consistent before any block runs on it */
    if (!err && (gs || recs)) {
        err = market_mod_invariant(ctx);
        if (err) {
            char d[AG_ERR_DETAIL_MAX];
            snprintf(d, sizeof d, "%s", ag_err_detail());
            err = ag_err_set(AG_ERR_DECODE, "market state not consistent: %s", d);
        }
    }
    return err;
}

/* ---- export ---- */

typedef struct exp {
    ag_buf gs; /* GenesisState */
    json_t *recs;
    ag_err err;
} exp_t;

static ag_err field(ag_buf *out, uint32_t f, const uint8_t *d, size_t n)
{
    ag_err err = ag_buf_append_uvarint(out, ((uint64_t)f << 3) | 2);
    if (!err)
        err = ag_buf_append_uvarint(out, n);
    return err ? err : ag_buf_append(out, d, n);
}

static bool visit(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    exp_t *e = arg;
    uint8_t p = key[0];
    if (p == MARKET_KEY_PARAMS || p == MARKET_KEY_OFFER_BY_PROVIDER)
        return true;
    if ((p == MARKET_KEY_SEQUENCE || p == MARKET_KEY_COUNTER) && klen >= 2 &&
        key[1] == MARKET_KIND_OFFER)
        return true;
    if (p == MARKET_KEY_SEQUENCE && klen == 1)
        return true; /* not the market's */
    if (p == MARKET_KEY_OFFER) {
        e->err = field(&e->gs, 2, val, vlen);
        return e->err == AG_OK;
    }
    char *ks = malloc(2 * klen + 1), *vs = malloc(2 * vlen + 1);
    if (!ks || !vs) {
        free(ks);
        free(vs);
        e->err = ag_err_set(AG_ERR_NOMEM, "market export");
        return false;
    }
    ag_hex_encode(ks, key, klen, false);
    ag_hex_encode(vs, val, vlen, false);
    json_array_append_new(e->recs, json_pack("{s:s, s:s}", "key", ks, "value", vs));
    free(ks);
    free(vs);
    return true;
}

ag_err market_mod_export_genesis(market_ctx *ctx, json_t **out)
{
    *out = NULL;
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    exp_t e = {.recs = json_array()};
    ag_buf_init(&e.gs, 0);
    ag_buf pb;
    ag_buf_init(&pb, 4096);
    if (!err)
        err = market_params_encode(&pb, &p);
    if (!err)
        err = field(&e.gs, 1, pb.data, pb.len);
    const uint8_t s[1] = {MARKET_KEY_SEQUENCE}, end[1] = {MARKET_KEY_PRUNE + 1};
    if (!err)
        err = market_ctx_scan(ctx, s, 1, end, 1, visit, &e);
    if (!err)
        err = e.err;
    char *b64 = NULL;
    if (!err) {
        b64 = malloc(ag_base64_encoded_len(e.gs.len) + 1);
        if (!b64)
            err = ag_err_set(AG_ERR_NOMEM, "market export");
    }
    if (!err) {
        ag_base64_encode(b64, e.gs.data, e.gs.len);
        *out = json_pack("{s:s, s:O}", "genesis_state", b64, "records", e.recs);
        if (!*out)
            err = ag_err_set(AG_ERR_NOMEM, "market export");
    }
    free(b64);
    json_decref(e.recs);
    ag_buf_free(&pb);
    ag_buf_free(&e.gs);
    return err;
}
