/* tx_run.c — the life of one CLI transaction: account, fee, sign,
 * simulate or broadcast, wait for the block, report. */
#include "cli/tx_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/chain.h"
#include "cli/rpc_client.h"
#include "cosmos/base/abci/v1beta1/abci.pb-c.h"
#include "cosmos/tx/v1beta1/service.pb-c.h"
#include "crypto/hash.h"
#include "lib/base64.h"
#include "lib/hex.h"
#include "lib/pb.h"
#include "market/module.h"

#define DEFAULT_GAS        200000u
#define DEFAULT_GAS_PRICE  "0.025uagora"
#define DEFAULT_TIMEOUT_S  30u
#define SIMULATE_GAS_LIMIT 50000000u
#define PRICE_SCALE_DIGITS 18

ag_err cli_parse_coin(market_coin *out, const char *s, const char *what)
{
    memset(out, 0, sizeof *out);
    size_t digits = strspn(s, "0123456789");
    const char *denom = s + digits;
    if (digits == 0 || market_amount_parse(&out->amount, s, digits) ||
        market_denom_validate(denom, strlen(denom)) || out->amount == 0)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "%s: \"%s\" is not a positive amount and denom "
                          "such as 1000uagora",
                          what, s);
    snprintf(out->denom, sizeof out->denom, "%s", denom);
    return AG_OK;
}

ag_err cli_fee_from_price(market_coin *out, const char *price, uint64_t gas)
{
    memset(out, 0, sizeof *out);
    size_t ip = strspn(price, "0123456789");
    size_t fp = price[ip] == '.' ? strspn(price + ip + 1, "0123456789") : 0;
    const char *denom = price + ip + (price[ip] == '.' ? 1 + fp : 0);
    if (ip + fp == 0 || fp > PRICE_SCALE_DIGITS || ip > 18 ||
        market_denom_validate(denom, strlen(denom)))
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "--gas-prices: \"%s\" is not a price such as 0.025uagora", price);
    market_u128 scaled = 0; /* price x 10^18 */
    for (size_t i = 0; i < ip; i++)
        scaled = scaled * 10 + (market_u128)(price[i] - '0');
    for (size_t i = 0; i < PRICE_SCALE_DIGITS; i++)
        scaled = scaled * 10 + (market_u128)(i < fp ? price[ip + 1 + i] - '0' : 0);
    market_u128 scale = 1;
    for (int i = 0; i < PRICE_SCALE_DIGITS; i++)
        scale *= 10;
    /* q, r < 10^18 < 2^60 and gas < 2^63: each product fits in 128 bits. */
    market_u128 q = scaled / scale, r = scaled % scale;
    market_u128 amount = q * gas + (r * gas + scale - 1) / scale;
    out->amount = amount;
    snprintf(out->denom, sizeof out->denom, "%s", denom);
    return AG_OK;
}

static const char *advice(uint64_t code)
{
    switch (code) {
    case MARKET_CODE_WRONG_SEQUENCE:
    case MARKET_CODE_INVALID_SEQUENCE:
        return "the account's sequence changed (another tx from this key is pending or was "
               "just included): wait for it and run the command again, or pass --sequence N";
    case MARKET_CODE_INSUFFICIENT_FUNDS:
        return "the account cannot pay the amount and fee: check `agora query balance`";
    case MARKET_CODE_INSUFFICIENT_FEE:
        return "raise --fees or --gas-prices (the chain's minimum gas price is in its genesis)";
    case MARKET_CODE_OUT_OF_GAS:
        return "raise --gas, or use --gas auto";
    case MARKET_CODE_INVALID_CHAIN_ID:
        return "--chain-id differs from the node's chain: leave it out to use the node's";
    case MARKET_CODE_UNKNOWN_ADDRESS:
        return "the sender has no account yet: send it some tokens first";
    default:
        return NULL;
    }
}

static int refused(const char *stage, uint64_t code, const char *log)
{
    fprintf(stderr, "Error: %s: code %llu: %s\n", stage, (unsigned long long)code, log ? log : "");
    const char *hint = advice(code);
    /* Code 5 also covers deposits below a minimum: advise only for funds. */
    if (code == MARKET_CODE_INSUFFICIENT_FUNDS && (!log || !strstr(log, "insufficient")))
        hint = NULL;
    if (hint)
        fprintf(stderr, "Hint: %s\n", hint);
    return 1;
}

typedef struct tx_plan {
    const market_any *msg;
    const char *memo;
    uint64_t timeout_height;
    market_fee fee;
    crypto_pubkey pub;
    uint64_t sequence;
    uint64_t account_number;
    const char *chain_id;
} tx_plan;

static ag_err sign(ag_buf *out, const tx_plan *p, const crypto_privkey *key)
{
    market_tx_draft d = {.msgs = p->msg,
                         .n_msgs = 1,
                         .memo = p->memo,
                         .timeout_height = p->timeout_height,
                         .fee = &p->fee,
                         .pubkeys = &p->pub,
                         .sequences = &p->sequence,
                         .n_signers = 1};
    ag_buf_reset(out);
    return market_tx_sign(out, &d, key, &p->account_number, p->chain_id);
}

/* Simulate the signed tx: gas used into *gas; a refusal prints and gives *code. */
static ag_err simulate(const char *node, const ag_buf *tx, uint64_t *gas_used, uint64_t *code,
                       char *log, size_t log_cap)
{
    Cosmos__Tx__V1beta1__SimulateRequest q = COSMOS__TX__V1BETA1__SIMULATE_REQUEST__INIT;
    q.tx_bytes = (ProtobufCBinaryData){tx->len, tx->data};
    ag_buf req, val;
    ag_buf_init(&req, 0);
    ag_buf_init(&val, 0);
    json_t *resp = NULL;
    ag_err err = ag_pb_append(&req, &q.base);
    if (!err)
        err = cli_rpc_abci_query(node, "/cosmos.tx.v1beta1.Service/Simulate", ag_buf_slice(&req), 0,
                                 false, &resp);
    if (!err)
        err = cli_json_u64(json_object_get(resp, "code"), code);
    if (!err && *code) {
        snprintf(log, log_cap, "%s", json_string_value(json_object_get(resp, "log")) ?: "");
    } else if (!err) {
        err = cli_rpc_response_value(resp, &val);
        Cosmos__Tx__V1beta1__SimulateResponse *r =
            err ? NULL : cosmos__tx__v1beta1__simulate_response__unpack(NULL, val.len, val.data);
        if (!err && (!r || !r->gas_info))
            err = ag_err_set(AG_ERR_DECODE, "simulate: malformed SimulateResponse");
        if (!err)
            *gas_used = r->gas_info->gas_used;
        if (r)
            cosmos__tx__v1beta1__simulate_response__free_unpacked(r, NULL);
    }
    json_decref(resp);
    ag_buf_free(&req);
    ag_buf_free(&val);
    return err;
}

static void print_result(const cli_ctx *ctx, json_t *r)
{
    if (ctx->json) {
        cli_print_json(json_incref(r));
        return;
    }
    json_t *res = json_object_get(r, "tx_result");
    printf("txhash: %s\nheight: %s\ncode: %lld\ngas: %s used of %s\n",
           json_string_value(json_object_get(r, "hash")),
           json_string_value(json_object_get(r, "height")),
           (long long)json_integer_value(json_object_get(res, "code")),
           json_string_value(json_object_get(res, "gas_used")),
           json_string_value(json_object_get(res, "gas_wanted")));
    const char *log = json_string_value(json_object_get(res, "log"));
    if (log && *log)
        printf("log: %s\n", log);
    size_t i, j;
    json_t *ev, *at;
    printf("events:\n");
    json_array_foreach(json_object_get(res, "events"), i, ev)
    {
        printf("  %s:", json_string_value(json_object_get(ev, "type")));
        json_array_foreach(json_object_get(ev, "attributes"), j, at)
        {
            printf(" %s=%s", json_string_value(json_object_get(at, "key")),
                   json_string_value(json_object_get(at, "value")));
        }
        printf("\n");
    }
}

static bool confirm(const char *from, const char *chain_id, const market_fee *fee)
{
    char amt[MARKET_AMOUNT_STR_MAX];
    market_amount_format(amt, fee->n_amount ? fee->amount[0].amount : 0);
    fprintf(stderr, "Sign and broadcast as %s on %s, gas %llu, fee %s%s? [y/N] ", from, chain_id,
            (unsigned long long)fee->gas_limit, amt, fee->n_amount ? fee->amount[0].denom : "");
    char answer[8] = "";
    return fgets(answer, sizeof answer, stdin) && (answer[0] == 'y' || answer[0] == 'Y');
}

int cli_tx_run(cli_ctx *ctx, cli_args *a, const char *from, const market_any *msg)
{
    tx_plan p = {.msg = msg};
    const char *chain = cli_args_get(a, "chain-id"), *gas_s = cli_args_get(a, "gas");
    const char *fees = cli_args_get(a, "fees"), *prices = cli_args_get(a, "gas-prices");
    const char *seq_s = cli_args_get(a, "sequence"), *accn_s = cli_args_get(a, "account-number");
    bool dry = cli_args_has(a, "dry-run"), yes = cli_args_has(a, "yes");
    bool gas_auto = gas_s && !strcmp(gas_s, "auto");
    uint64_t gas = DEFAULT_GAS, timeout_s;
    p.memo = cli_args_get(a, "memo");
    ag_err err = cli_args_u64(a, "timeout", DEFAULT_TIMEOUT_S, &timeout_s);
    if (!err)
        err = cli_args_u64(a, "timeout-height", 0, &p.timeout_height);
    if (!err && gas_s && !gas_auto)
        err = cli_args_u64(a, "gas", DEFAULT_GAS, &gas);
    if (!err && fees && prices)
        err = ag_err_set(AG_ERR_INVALID_ARG, "give --fees or --gas-prices, not both");
    if (!err)
        err = cli_args_unused(a);
    if (err)
        return cli_usage_error("%s", ag_err_detail());
    if (gas == 0 || gas > MARKET_TX_MAX_GAS)
        return cli_usage_error("--gas must be 1..%llu", (unsigned long long)MARKET_TX_MAX_GAS);

    crypto_privkey key;
    cli_key_info info;
    if ((err = cli_unlock_key(ctx, from, &key, &info)))
        return cli_fail(err);
    p.pub = info.pubkey;
    char chain_id[MARKET_CHAIN_ID_MAX + 1];
    if (chain)
        snprintf(chain_id, sizeof chain_id, "%s", chain);
    else
        err = cli_chain_id(ctx->node, chain_id, sizeof chain_id);
    p.chain_id = chain_id;
    cli_account acc = {0};
    if (!err && (!seq_s || !accn_s))
        err = cli_account_get(ctx->node, info.address, 0, &acc);
    if (!err && !acc.exists && (!seq_s || !accn_s))
        err = ag_err_set(AG_ERR_NOT_FOUND,
                         "account %s (key \"%s\") does not exist on chain %s yet: it needs "
                         "tokens first (a transfer to it, or `agorad init --account`)",
                         info.address, info.name, chain_id);
    p.sequence = acc.sequence;
    p.account_number = acc.account_number;
    if (!err && seq_s)
        err = cli_args_u64(a, "sequence", 0, &p.sequence);
    if (!err && accn_s)
        err = cli_args_u64(a, "account-number", 0, &p.account_number);
    p.fee.n_amount = 1;
    ag_buf tx;
    ag_buf_init(&tx, MARKET_TX_MAX_BYTES);
    if (!err && (gas_auto || dry)) {
        /* Simulate with a generous limit and the fee the flags ask for. */
        p.fee.gas_limit = gas_auto ? SIMULATE_GAS_LIMIT : gas;
        err = fees ? cli_parse_coin(&p.fee.amount[0], fees, "--fees")
                   : cli_fee_from_price(&p.fee.amount[0], prices ? prices : DEFAULT_GAS_PRICE,
                                        p.fee.gas_limit);
        uint64_t used = 0, code = 0;
        char log[512] = "";
        if (!err)
            err = sign(&tx, &p, &key);
        if (!err)
            err = simulate(ctx->node, &tx, &used, &code, log, sizeof log);
        if (!err && code) {
            crypto_privkey_wipe(&key);
            ag_buf_free(&tx);
            return refused("simulation", code, log);
        }
        if (!err && dry) {
            crypto_privkey_wipe(&key);
            ag_buf_free(&tx);
            if (ctx->json)
                cli_print_json(json_pack("{s:I, s:I}", "gas_used", (json_int_t)used, "gas_wanted",
                                         (json_int_t)p.fee.gas_limit));
            else
                printf("simulation: ok, gas used %llu (suggested --gas %llu)\n",
                       (unsigned long long)used, (unsigned long long)(used * 13 / 10 + 1));
            return 0;
        }
        gas = used * 13 / 10 + 1;
    }
    p.fee.gas_limit = gas;
    if (!err)
        err = fees ? cli_parse_coin(&p.fee.amount[0], fees, "--fees")
                   : cli_fee_from_price(&p.fee.amount[0], prices ? prices : DEFAULT_GAS_PRICE, gas);
    if (!err && p.fee.amount[0].amount == 0)
        p.fee.n_amount = 0;
    if (!err && !yes && isatty(STDIN_FILENO) && !confirm(info.name, chain_id, &p.fee)) {
        crypto_privkey_wipe(&key);
        ag_buf_free(&tx);
        fprintf(stderr, "not sent\n");
        return 1;
    }
    if (!err)
        err = sign(&tx, &p, &key);
    crypto_privkey_wipe(&key);
    if (err) {
        ag_buf_free(&tx);
        return cli_fail(err);
    }
    uint8_t hash[32];
    char hash_hex[65], *b64 = malloc(ag_base64_encoded_len(tx.len) + 1);
    crypto_sha256(hash, tx.data, tx.len);
    ag_hex_encode(hash_hex, hash, 32, true);
    if (!b64) {
        ag_buf_free(&tx);
        return cli_fail(ag_err_set(AG_ERR_NOMEM, "tx encoding"));
    }
    ag_base64_encode(b64, tx.data, tx.len);
    ag_buf_free(&tx);
    json_t *res;
    err = cli_rpc_call(ctx->node, "broadcast_tx_sync", json_pack("{s:s}", "tx", b64), &res);
    free(b64);
    if (err)
        return cli_fail(err);
    uint64_t code = 0;
    cli_json_u64(json_object_get(res, "code"), &code);
    if (code) {
        int rc = refused("the node refused the tx (CheckTx)", code,
                         json_string_value(json_object_get(res, "log")));
        json_decref(res);
        return rc;
    }
    json_decref(res);
    if (!ctx->json)
        fprintf(stderr, "broadcast %s, waiting for a block...\n", hash_hex);
    if ((err = cli_tx_wait(ctx->node, hash_hex, timeout_s * 1000, &res)))
        return cli_fail(err);
    print_result(ctx, res);
    json_t *tr = json_object_get(res, "tx_result");
    code = (uint64_t)json_integer_value(json_object_get(tr, "code"));
    int rc = 0;
    if (code)
        rc = refused("the tx failed in the block", code,
                     json_string_value(json_object_get(tr, "log")));
    json_decref(res);
    return rc;
}
