/* cmd_query.c — `agora query account|balance|offers|orders|bids|leases|tx|block`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/query.pb-c.h"
#include "cli/chain.h"
#include "cli/cli.h"
#include "cli/pb_json.h"
#include "cli/proof.h"
#include "cli/record_key.h"
#include "cli/record_view.h"
#include "cli/rpc_client.h"
#include "cosmos/bank/v1beta1/query.pb-c.h"
#include "lib/base64.h"
#include "lib/pb.h"
#include "market/keys.h"
#include "market/market_module.h"

static void output(const cli_ctx *ctx, json_t *j)
{
    if (ctx->json)
        cli_print_json(j);
    else {
        cli_print_text(stdout, j, 0);
        json_decref(j);
    }
}

static void print_proven(const cli_ctx *ctx, const cli_proven *p)
{
    /* On stderr in JSON mode so stdout stays one JSON document. */
    fprintf(ctx->json ? stderr : stdout,
            "proof: verified (%s) against app hash %s of header %" PRId64
            " (the node's header, its signatures unchecked: `agora light query` verifies them)\n",
            p->exists ? "value" : "absence", p->app_hash, p->height + 1);
}

/* abci_query path with request msg; the response unpacked with desc. */
static ag_err query_pb(const cli_ctx *ctx, const char *path, const ProtobufCMessage *req,
                       const ProtobufCMessageDescriptor *desc, int64_t height, json_t **out)
{
    *out = NULL;
    ag_buf q, v;
    ag_buf_init(&q, 1 << 20);
    ag_buf_init(&v, CLI_RPC_RESPONSE_MAX);
    json_t *resp = NULL;
    ag_err err = ag_pb_append(&q, req);
    if (!err)
        err = cli_rpc_abci_query(ctx->node, path, ag_buf_slice(&q), height, false, &resp);
    uint64_t code = 0;
    if (!err)
        cli_json_u64(json_object_get(resp, "code"), &code);
    if (!err && code)
        err = ag_err_set(code == MARKET_CODE_NOT_FOUND ? AG_ERR_NOT_FOUND : AG_ERR_STATE,
                         "query %s: code %" PRIu64 ": %s", path, code,
                         json_string_value(json_object_get(resp, "log")));
    if (!err)
        err = cli_rpc_response_value(resp, &v);
    json_decref(resp);
    ProtobufCMessage *m = err ? NULL : protobuf_c_message_unpack(desc, NULL, v.len, v.data);
    if (!err && !m)
        err = ag_err_set(AG_ERR_DECODE, "query %s: malformed %s", path, desc->name);
    if (m) {
        *out = cli_pb_to_json(m);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    ag_buf_free(&q);
    ag_buf_free(&v);
    return err;
}

static ag_err opt_height(cli_args *a, int64_t *h)
{
    uint64_t v;
    ag_err err = cli_args_u64(a, "height", 0, &v);
    *h = (int64_t)v;
    return !err && v > INT64_MAX ? ag_err_set(AG_ERR_INVALID_ARG, "--height too large") : err;
}

static int q_account(cli_ctx *ctx, cli_args *a, bool prove)
{
    int64_t h;
    ag_err err = opt_height(a, &h);
    if (!err)
        err = cli_args_unused(a);
    if (err || a->n_pos != 3)
        return cli_usage_error("query account ADDRESS|NAME [--height H] [--prove]");
    crypto_address addr;
    char bech[CRYPTO_ADDRESS_STR_MAX];
    if ((err = cli_resolve_address(ctx, a->pos[2], &addr, bech, sizeof bech)))
        return cli_fail(err);
    cli_account acc = {0};
    cli_proven p;
    if (prove) {
        uint8_t key[MARKET_KEY_MAX];
        size_t klen = market_key_account(key, &addr);
        ag_buf v;
        ag_buf_init(&v, 1024);
        err = cli_prove_key(ctx->node, key, klen, h, &v, &p);
        if (!err && p.exists)
            err = cli_view_account_decode(v.data, v.len, &acc);
        ag_buf_free(&v);
    } else {
        err = cli_account_get(ctx->node, bech, h, &acc);
    }
    if (err)
        return cli_fail(err);
    if (!acc.exists) {
        if (prove)
            print_proven(ctx, &p);
        return cli_fail(ag_err_set(
            AG_ERR_NOT_FOUND, "account %s does not exist (it has never received tokens)", bech));
    }
    output(ctx, cli_view_account_json(bech, &acc));
    if (prove)
        print_proven(ctx, &p);
    return 0;
}

static int q_balance(cli_ctx *ctx, cli_args *a, bool prove)
{
    const char *denom = cli_args_get(a, "denom");
    int64_t h;
    ag_err err = opt_height(a, &h);
    if (!err)
        err = cli_args_unused(a);
    if (err || a->n_pos != 3)
        return cli_usage_error("query balance ADDRESS|NAME [--denom D] [--height H] [--prove]");
    if (prove && !denom)
        denom = "uagora"; /* a proof covers one store key: one denom */
    if (denom && market_denom_validate(denom, strlen(denom)))
        return cli_usage_error("--denom: \"%s\" is not a denom", denom);
    crypto_address addr;
    char bech[CRYPTO_ADDRESS_STR_MAX];
    if ((err = cli_resolve_address(ctx, a->pos[2], &addr, bech, sizeof bech)))
        return cli_fail(err);
    json_t *j = NULL;
    if (prove) {
        uint8_t key[MARKET_KEY_MAX];
        size_t klen = market_key_balance(key, &addr, denom);
        ag_buf v;
        ag_buf_init(&v, 1024);
        cli_proven p;
        err = cli_prove_key(ctx->node, key, klen, h, &v, &p);
        if (!err)
            err = cli_view_balance_json(bech, denom, v.data, v.len, &j);
        if (!err) {
            output(ctx, j);
            print_proven(ctx, &p);
        }
        ag_buf_free(&v);
        return err ? cli_fail(err) : 0;
    }
    if (denom) {
        Cosmos__Bank__V1beta1__QueryBalanceRequest q =
            COSMOS__BANK__V1BETA1__QUERY_BALANCE_REQUEST__INIT;
        q.address = (ProtobufCBinaryData){strlen(bech), (uint8_t *)bech};
        q.denom = (ProtobufCBinaryData){strlen(denom), (uint8_t *)(uintptr_t)denom};
        err = query_pb(ctx, "/cosmos.bank.v1beta1.Query/Balance", &q.base,
                       &cosmos__bank__v1beta1__query_balance_response__descriptor, h, &j);
    } else {
        Cosmos__Bank__V1beta1__QueryAllBalancesRequest q =
            COSMOS__BANK__V1BETA1__QUERY_ALL_BALANCES_REQUEST__INIT;
        q.address = (ProtobufCBinaryData){strlen(bech), (uint8_t *)bech};
        err = query_pb(ctx, "/cosmos.bank.v1beta1.Query/AllBalances", &q.base,
                       &cosmos__bank__v1beta1__query_all_balances_response__descriptor, h, &j);
    }
    if (err)
        return cli_fail(err);
    json_object_set_new(j, "address", json_string(bech));
    output(ctx, j);
    return 0;
}

typedef struct market_query_kind {
    const char *name;
    const char *list_path, *one_path;
    const ProtobufCMessageDescriptor *list_resp, *one_resp;
    cli_record_kind kind;
} market_query_kind;

static const market_query_kind kinds[] = {
    {"offers", MARKET_QUERY_OFFERS, MARKET_QUERY_OFFER,
     &agora__market__v1__query_offers_response__descriptor,
     &agora__market__v1__query_offer_response__descriptor, CLI_RECORD_OFFER},
    {"orders", MARKET_QUERY_ORDERS, MARKET_QUERY_ORDER,
     &agora__market__v1__query_orders_response__descriptor,
     &agora__market__v1__query_order_response__descriptor, CLI_RECORD_ORDER},
    {"bids", MARKET_QUERY_BIDS, MARKET_QUERY_BID,
     &agora__market__v1__query_bids_response__descriptor,
     &agora__market__v1__query_bid_response__descriptor, CLI_RECORD_BID},
    {"leases", MARKET_QUERY_LEASES, MARKET_QUERY_LEASE,
     &agora__market__v1__query_leases_response__descriptor,
     &agora__market__v1__query_lease_response__descriptor, CLI_RECORD_LEASE},
};

static ag_err addr_filter(const cli_ctx *ctx, cli_args *a, const char *name, char *bech, size_t cap,
                          ProtobufCBinaryData *out)
{
    const char *v = cli_args_get(a, name);
    if (!v)
        return AG_OK;
    crypto_address addr;
    ag_err err = cli_resolve_address(ctx, v, &addr, bech, cap);
    if (!err)
        *out = (ProtobufCBinaryData){strlen(bech), (uint8_t *)bech};
    return err;
}

static int q_market(cli_ctx *ctx, cli_args *a, const market_query_kind *k, bool prove)
{
    uint64_t id = 0, order = 0, limit = 0;
    int64_t h;
    char prov[CRYPTO_ADDRESS_STR_MAX], ten[CRYPTO_ADDRESS_STR_MAX];
    Agora__Market__V1__PageRequest page = AGORA__MARKET__V1__PAGE_REQUEST__INIT;
    Agora__Market__V1__QueryOffersRequest qo = AGORA__MARKET__V1__QUERY_OFFERS_REQUEST__INIT;
    Agora__Market__V1__QueryOrdersRequest qr = AGORA__MARKET__V1__QUERY_ORDERS_REQUEST__INIT;
    Agora__Market__V1__QueryBidsRequest qb = AGORA__MARKET__V1__QUERY_BIDS_REQUEST__INIT;
    Agora__Market__V1__QueryLeasesRequest ql = AGORA__MARKET__V1__QUERY_LEASES_REQUEST__INIT;
    ag_err err = cli_args_u64(a, "id", 0, &id);
    if (!err)
        err = opt_height(a, &h);
    if (!err)
        err = cli_args_u64(a, "limit", 0, &limit);
    page.limit = limit;
    if (!err && k->kind == CLI_RECORD_OFFER) {
        err = addr_filter(ctx, a, "provider", prov, sizeof prov, &qo.provider);
        qo.pagination = &page;
    } else if (!err && k->kind == CLI_RECORD_ORDER) {
        err = addr_filter(ctx, a, "tenant", ten, sizeof ten, &qr.tenant);
        qr.pagination = &page;
    } else if (!err && k->kind == CLI_RECORD_BID) {
        err = addr_filter(ctx, a, "provider", prov, sizeof prov, &qb.provider);
        if (!err)
            err = cli_args_u64(a, "order", 0, &order);
        qb.order_id = order;
        qb.pagination = &page;
    } else if (!err) {
        err = addr_filter(ctx, a, "provider", prov, sizeof prov, &ql.provider);
        if (!err)
            err = addr_filter(ctx, a, "tenant", ten, sizeof ten, &ql.tenant);
        ql.pagination = &page;
    }
    if (!err)
        err = cli_args_unused(a);
    if (err == AG_ERR_INVALID_ARG || a->n_pos != 2)
        return cli_usage_error("query %s [--id N] [--provider|--tenant|--order X] [--limit N] "
                               "[--height H] [--prove]: %s",
                               k->name, ag_err_detail());
    if (err)
        return cli_fail(err);
    if (prove && !id)
        return cli_usage_error("--prove needs --id N (a proof covers one record)");
    json_t *j = NULL;
    if (prove) {
        uint8_t key[CLI_RECORD_KEY_MAX];
        size_t klen = cli_record_key(key, k->kind, id);
        ag_buf v;
        ag_buf_init(&v, 1 << 20);
        cli_proven p;
        err = cli_prove_key(ctx->node, key, klen, h, &v, &p);
        if (!err && !p.exists) {
            print_proven(ctx, &p);
            err = ag_err_set(AG_ERR_NOT_FOUND, "%.*s %" PRIu64 " does not exist (proven)",
                             (int)strlen(k->name) - 1, k->name, id);
        }
        if (!err)
            err = cli_view_record_json(k->kind, v.data, v.len, &j);
        if (!err) {
            output(ctx, j);
            print_proven(ctx, &p);
        }
        ag_buf_free(&v);
        return err ? cli_fail(err) : 0;
    }
    if (id) {
        Agora__Market__V1__QueryOfferRequest one = AGORA__MARKET__V1__QUERY_OFFER_REQUEST__INIT;
        one.id = id; /* every single-item request is {uint64 id = 1} */
        err = query_pb(ctx, k->one_path, &one.base, k->one_resp, h, &j);
    } else {
        const ProtobufCMessage *req = k->kind == CLI_RECORD_OFFER   ? &qo.base
                                      : k->kind == CLI_RECORD_ORDER ? &qr.base
                                      : k->kind == CLI_RECORD_BID   ? &qb.base
                                                                    : &ql.base;
        err = query_pb(ctx, k->list_path, req, k->list_resp, h, &j);
    }
    if (err)
        return cli_fail(err);
    output(ctx, j);
    return 0;
}

static int q_tx(cli_ctx *ctx, cli_args *a)
{
    ag_err err = cli_args_unused(a);
    if (err || a->n_pos != 3)
        return cli_usage_error("query tx HASH");
    const char *hash = a->pos[2];
    if (strlen(hash) != 64 || strspn(hash, "0123456789abcdefABCDEF") != 64)
        return cli_usage_error("HASH must be 64 hex digits");
    json_t *r;
    if ((err = cli_rpc_call(ctx->node, "tx", json_pack("{s:s}", "hash", hash), &r)))
        return cli_fail(err);
    json_object_del(r, "tx"); /* the raw bytes: noise for a reader */
    output(ctx, r);
    return 0;
}

static int q_block(cli_ctx *ctx, cli_args *a)
{
    ag_err err = cli_args_unused(a);
    if (err || a->n_pos > 3)
        return cli_usage_error("query block [HEIGHT]");
    uint64_t h = 0;
    if (a->n_pos == 3 && (err = cli_parse_id(a->pos[2], "HEIGHT", &h)))
        return cli_usage_error("%s", ag_err_detail());
    char hs[24];
    snprintf(hs, sizeof hs, "%" PRIu64, h);
    json_t *r;
    if ((err = cli_rpc_call(ctx->node, "block", h ? json_pack("{s:s}", "height", hs) : NULL, &r)))
        return cli_fail(err);
    if (ctx->json) {
        cli_print_json(r);
        return 0;
    }
    json_t *hdr = json_object_get(json_object_get(r, "block"), "header");
    json_t *txs = json_object_get(json_object_get(json_object_get(r, "block"), "data"), "txs");
    json_t *summary = json_pack(
        "{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:I}", "height", json_object_get(hdr, "height"),
        "hash", json_object_get(json_object_get(r, "block_id"), "hash"), "time",
        json_object_get(hdr, "time"), "chain_id", json_object_get(hdr, "chain_id"), "app_hash",
        json_object_get(hdr, "app_hash"), "proposer", json_object_get(hdr, "proposer_address"),
        "txs", (json_int_t)json_array_size(txs));
    json_decref(r);
    output(ctx, summary);
    return 0;
}

int cli_cmd_query(cli_ctx *ctx, cli_args *a)
{
    if (a->n_pos < 2)
        return cli_usage_error("query account|balance|offers|orders|bids|leases|tx|block");
    const char *what = a->pos[1];
    bool prove = cli_args_has(a, "prove");
    if (!strcmp(what, "account"))
        return q_account(ctx, a, prove);
    if (!strcmp(what, "balance") || !strcmp(what, "balances"))
        return q_balance(ctx, a, prove);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(what, kinds[i].name) ||
            !strncmp(what, kinds[i].name, strlen(what)) /* offer, order, bid, lease */)
            return q_market(ctx, a, &kinds[i], prove);
    if (prove)
        return cli_usage_error("--prove applies to account, balance and market records");
    if (!strcmp(what, "tx"))
        return q_tx(ctx, a);
    if (!strcmp(what, "block"))
        return q_block(ctx, a);
    return cli_usage_error("query: unknown \"%s\"", what);
}
