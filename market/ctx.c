/* ctx.c — the module context: gas-metered store access and tx failures. */
#include <stdarg.h>
#include <stdio.h>

#include "market/internal.h"

ag_err market_ctx_fail(market_ctx *ctx, uint32_t code, const char *fmt, ...)
{
    char detail[AG_ERR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    ctx->code = code;
    return ag_err_set(AG_ERR_STATE, "%s", detail);
}

ag_err market_ctx_fail_missing(market_ctx *ctx, ag_err err)
{
    if (err != AG_ERR_NOT_FOUND)
        return err;
    return market_ctx_fail(ctx, MARKET_CODE_NOT_FOUND, "%s", ag_err_detail());
}

ag_err market_ctx_get(market_ctx *ctx, const uint8_t *key, size_t klen, ag_buf *val)
{
    ag_err err = market_gas_charge(
        ctx->gas, market_gas_cost(MARKET_GAS_READ_FLAT, MARKET_GAS_READ_BYTE, klen), "store read");
    if (err)
        return err;
    size_t before = val->len;
    err = market_kv_get(ctx->kv, key, klen, val);
    if (err)
        return err;
    return market_gas_charge(ctx->gas, market_gas_cost(0, MARKET_GAS_READ_BYTE, val->len - before),
                             "store read");
}

ag_err market_ctx_set(market_ctx *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
                      size_t vlen)
{
    ag_err err = market_gas_charge(
        ctx->gas, market_gas_cost(MARKET_GAS_WRITE_FLAT, MARKET_GAS_WRITE_BYTE, klen + vlen),
        "store write");
    if (err)
        return err;
    if (ctx->mode == MARKET_MODE_QUERY)
        return ag_err_set(AG_ERR_STATE, "market: write in a read-only context");
    return market_kv_set(ctx->kv, key, klen, val, vlen);
}

ag_err market_ctx_delete(market_ctx *ctx, const uint8_t *key, size_t klen)
{
    ag_err err = market_gas_charge(ctx->gas, MARKET_GAS_DELETE, "store delete");
    if (err)
        return err;
    if (ctx->mode == MARKET_MODE_QUERY)
        return ag_err_set(AG_ERR_STATE, "market: delete in a read-only context");
    return market_kv_delete(ctx->kv, key, klen);
}

typedef struct metered_scan {
    market_ctx *ctx;
    market_kv_visit visit;
    void *arg;
    ag_err err;
} metered_scan;

static bool metered_visit(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                          size_t vlen)
{
    metered_scan *m = arg;
    m->err = market_gas_charge(
        m->ctx->gas, market_gas_cost(MARKET_GAS_ITER_NEXT, MARKET_GAS_READ_BYTE, klen + vlen),
        "store iteration");
    if (m->err)
        return false;
    return m->visit(m->arg, key, klen, val, vlen);
}

ag_err market_ctx_scan(market_ctx *ctx, const uint8_t *start, size_t slen, const uint8_t *end,
                       size_t elen, market_kv_visit visit, void *arg)
{
    metered_scan m = {ctx, visit, arg, AG_OK};
    ag_err err = market_kv_scan(ctx->kv, start, slen, end, elen, metered_visit, &m);
    return err ? err : m.err;
}

bool market_err_fatal(ag_err err)
{
    switch (err) {
    case AG_ERR_NOMEM:
    case AG_ERR_IO:
    case AG_ERR_NOSPACE:
    case AG_ERR_CORRUPT:
    case AG_ERR_INTERNAL:
    case AG_ERR_PERMISSION:
        return true;
    default:
        return false;
    }
}

void market_query_ctx(market_app *app, market_kv *kv, market_gas_meter *gas, market_ctx *ctx,
                      uint64_t version, int64_t height)
{
    market_kv_init(kv, NULL, app->store);
    kv->version = version;
    market_gas_init(gas, UINT64_MAX);
    *ctx = (market_ctx){.app = app,
                        .kv = kv,
                        .gas = gas,
                        .events = &app->events,
                        .params = &app->params,
                        .chain_id = app->chain_id,
                        .height = height,
                        .mode = MARKET_MODE_QUERY};
}
