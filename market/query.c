/*
 * query.c — ABCI Query: raw store reads with ICS23 proofs, the Cosmos
 * gRPC-style auth, bank and tx queries, and the modules' own routes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosmos/auth/v1beta1/auth.pb-c.h"
#include "cosmos/auth/v1beta1/query.pb-c.h"
#include "cosmos/bank/v1beta1/query.pb-c.h"
#include "cosmos/crypto/secp256k1/keys.pb-c.h"
#include "cosmos/tx/v1beta1/service.pb-c.h"
#include "cosmos/tx/v1beta1/tx.pb-c.h"
#include "lib/pb.h"
#include "market/bank.h"
#include "market/internal.h"
#include "market/keys.h"
#include "state/tx_wire.h"
#include "tendermint/crypto/proof.pb-c.h"

#define QUERY_MAX_REQ  ((size_t)1 << 20) /* request bytes */
#define QUERY_PAGE_MAX 1000              /* items per page */
#define QUERY_PAGE_DEF 100
#define QUERY_RESP_MAX ((size_t)16 << 20)
#define STORE_PATH     "/store/main/key"
#define PROOF_OP_TYPE  "ics23:smt"

static ag_err parse_addr(market_ctx *ctx, const ProtobufCBinaryData *s, crypto_address *out)
{
    char str[MARKET_ADDRESS_STR_MAX + 1];
    if (s->len == 0 || s->len > MARKET_ADDRESS_STR_MAX || memchr(s->data, 0, s->len))
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_ADDRESS, "invalid address (%zu bytes)",
                               s->len);
    memcpy(str, s->data, s->len);
    str[s->len] = '\0';
    if (crypto_address_from_bech32(out, AGORA_BECH32_PREFIX, str) != AG_OK)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_ADDRESS, "invalid address %s: %s", str,
                               ag_err_detail());
    return AG_OK;
}

/* ---- auth ---- */

ag_err market_auth_query(market_ctx *ctx, const char *path, const uint8_t *req, size_t len,
                         ag_buf *out)
{
    Cosmos__Auth__V1beta1__QueryAccountRequest *q =
        cosmos__auth__v1beta1__query_account_request__unpack(NULL, len, req);
    if (!q)
        return market_ctx_fail(ctx, MARKET_CODE_TX_DECODE, "malformed QueryAccountRequest");
    crypto_address addr;
    ag_err err = parse_addr(ctx, &q->address, &addr);
    char str[MARKET_ADDRESS_STR_MAX + 1] = "";
    if (!err) {
        memcpy(str, q->address.data, q->address.len);
        str[q->address.len] = '\0';
    }
    cosmos__auth__v1beta1__query_account_request__free_unpacked(q, NULL);
    if (err)
        return err;
    market_account acc;
    err = market_account_get(ctx, &addr, &acc);
    if (err == AG_ERR_NOT_FOUND)
        return market_ctx_fail(ctx, MARKET_CODE_NOT_FOUND, "account %s not found", str);
    if (err)
        return err;
    uint8_t pkbuf[64], accbuf[256];
    Cosmos__Crypto__Secp256k1__PubKey pk = COSMOS__CRYPTO__SECP256K1__PUB_KEY__INIT;
    pk.key = (ProtobufCBinaryData){CRYPTO_PUBKEY_LEN, acc.pubkey.b};
    Google__Protobuf__Any pkany = GOOGLE__PROTOBUF__ANY__INIT;
    static const char pk_url[] = "/cosmos.crypto.secp256k1.PubKey";
    pkany.type_url = (ProtobufCBinaryData){sizeof pk_url - 1, (uint8_t *)(uintptr_t)pk_url};
    pkany.value = (ProtobufCBinaryData){protobuf_c_message_pack(&pk.base, pkbuf), pkbuf};
    Cosmos__Auth__V1beta1__BaseAccount ba = COSMOS__AUTH__V1BETA1__BASE_ACCOUNT__INIT;
    ba.address = (ProtobufCBinaryData){strlen(str), (uint8_t *)str};
    ba.pub_key = acc.has_pubkey ? &pkany : NULL;
    ba.account_number = acc.number;
    ba.sequence = acc.sequence;
    if (protobuf_c_message_get_packed_size(&ba.base) > sizeof accbuf)
        return ag_err_set(AG_ERR_INTERNAL, "BaseAccount too large");
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    static const char acc_url[] = "/cosmos.auth.v1beta1.BaseAccount";
    any.type_url = (ProtobufCBinaryData){sizeof acc_url - 1, (uint8_t *)(uintptr_t)acc_url};
    any.value = (ProtobufCBinaryData){protobuf_c_message_pack(&ba.base, accbuf), accbuf};
    Cosmos__Auth__V1beta1__QueryAccountResponse r =
        COSMOS__AUTH__V1BETA1__QUERY_ACCOUNT_RESPONSE__INIT;
    r.account = &any;
    return ag_pb_append(out, &r.base);
}

/* ---- bank ---- */

typedef struct coin_page {
    size_t prefix_len;      /* bytes of key before the denom */
    uint64_t offset, limit; /* items to skip, items to take */
    uint64_t seen, total;
    Cosmos__Base__V1beta1__Coin *coins;
    char (*amounts)[MARKET_AMOUNT_STR_MAX];
    uint8_t (*denoms)[MARKET_DENOM_MAX];
    size_t n;
    bool more;
    uint8_t next[MARKET_DENOM_MAX];
    size_t next_len;
    bool count_total;
} coin_page;

static bool page_visit(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    coin_page *p = arg;
    if (klen <= p->prefix_len || klen - p->prefix_len > MARKET_DENOM_MAX || vlen != 16)
        return true; /* not a coin record of this range */
    p->total++;
    if (p->seen++ < p->offset)
        return true;
    size_t dl = klen - p->prefix_len;
    if (p->n == p->limit) {
        if (!p->more) {
            p->more = true;
            memcpy(p->next, key + p->prefix_len, dl);
            p->next_len = dl;
        }
        return p->count_total;
    }
    market_u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | val[i];
    memcpy(p->denoms[p->n], key + p->prefix_len, dl);
    market_amount_format(p->amounts[p->n], v);
    Cosmos__Base__V1beta1__Coin *c = &p->coins[p->n];
    cosmos__base__v1beta1__coin__init(c);
    c->denom = (ProtobufCBinaryData){dl, p->denoms[p->n]};
    c->amount = (ProtobufCBinaryData){strlen(p->amounts[p->n]), (uint8_t *)p->amounts[p->n]};
    p->n++;
    return true;
}

/* Scan prefix[0..plen) + denoms with a PageRequest, and pack the coins. */
static ag_err coin_page_run(market_ctx *ctx, const uint8_t *prefix, size_t plen,
                            const Cosmos__Base__Query__V1beta1__PageRequest *pr, coin_page *p,
                            Cosmos__Base__V1beta1__Coin ***ptrs)
{
    memset(p, 0, sizeof *p);
    p->prefix_len = plen;
    p->limit = pr && pr->limit ? pr->limit : QUERY_PAGE_DEF;
    if (p->limit > QUERY_PAGE_MAX)
        p->limit = QUERY_PAGE_MAX;
    p->offset = pr ? pr->offset : 0;
    p->count_total = pr && pr->count_total;
    if (pr && pr->key.len && pr->offset)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                               "pagination: either key or offset, not both");
    if (pr && pr->reverse)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                               "pagination: reverse is not supported");
    uint8_t start[1 + CRYPTO_ADDRESS_LEN + MARKET_DENOM_MAX], end[1 + CRYPTO_ADDRESS_LEN];
    memcpy(start, prefix, plen);
    size_t slen = plen;
    if (pr && pr->key.len) {
        if (pr->key.len > MARKET_DENOM_MAX)
            return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "pagination: bad key");
        memcpy(start + plen, pr->key.data, pr->key.len);
        slen += pr->key.len;
    }
    /* end: the prefix + 1 (prefixes here never end in 0xff: a prefix byte
     * 0x02/0x03, or an address whose increment carries into it). */
    memcpy(end, prefix, plen);
    size_t elen = plen;
    while (elen && end[elen - 1] == 0xff)
        elen--;
    end[elen - 1]++;
    p->coins = calloc(p->limit, sizeof *p->coins);
    p->amounts = calloc(p->limit, sizeof *p->amounts);
    p->denoms = calloc(p->limit, sizeof *p->denoms);
    *ptrs = calloc(p->limit, sizeof **ptrs);
    if (!p->coins || !p->amounts || !p->denoms || !*ptrs)
        return ag_err_set(AG_ERR_NOMEM, "query: page of %" PRIu64, p->limit);
    ag_err err = market_ctx_scan(ctx, start, slen, end, elen, page_visit, p);
    for (size_t i = 0; i < p->n; i++)
        (*ptrs)[i] = &p->coins[i];
    return err;
}

static void coin_page_free(coin_page *p, Cosmos__Base__V1beta1__Coin **ptrs)
{
    free(p->coins);
    free(p->amounts);
    free(p->denoms);
    free(ptrs);
}

ag_err market_bank_query(market_ctx *ctx, const char *path, const uint8_t *req, size_t len,
                         ag_buf *out)
{
    const char *m = strrchr(path, '/') + 1;
    if (strcmp(m, "Balance") == 0) {
        Cosmos__Bank__V1beta1__QueryBalanceRequest *q =
            cosmos__bank__v1beta1__query_balance_request__unpack(NULL, len, req);
        if (!q)
            return market_ctx_fail(ctx, MARKET_CODE_TX_DECODE, "malformed QueryBalanceRequest");
        crypto_address addr;
        char denom[MARKET_DENOM_MAX + 1];
        ag_err err = parse_addr(ctx, &q->address, &addr);
        if (!err && (q->denom.len > MARKET_DENOM_MAX ||
                     market_denom_validate((const char *)q->denom.data, q->denom.len) != AG_OK))
            err = market_ctx_fail(ctx, MARKET_CODE_INVALID_COINS, "invalid denom");
        if (!err) {
            memcpy(denom, q->denom.data, q->denom.len);
            denom[q->denom.len] = '\0';
        }
        cosmos__bank__v1beta1__query_balance_request__free_unpacked(q, NULL);
        market_u128 v;
        if (!err)
            err = market_bank_balance(ctx, &addr, denom, &v);
        if (err)
            return err;
        char amt[MARKET_AMOUNT_STR_MAX];
        market_amount_format(amt, v);
        Cosmos__Base__V1beta1__Coin c = COSMOS__BASE__V1BETA1__COIN__INIT;
        c.denom = (ProtobufCBinaryData){strlen(denom), (uint8_t *)denom};
        c.amount = (ProtobufCBinaryData){strlen(amt), (uint8_t *)amt};
        Cosmos__Bank__V1beta1__QueryBalanceResponse r =
            COSMOS__BANK__V1BETA1__QUERY_BALANCE_RESPONSE__INIT;
        r.balance = &c;
        return ag_pb_append(out, &r.base);
    }
    bool all = strcmp(m, "AllBalances") == 0;
    uint8_t prefix[1 + CRYPTO_ADDRESS_LEN];
    size_t plen = 1;
    Cosmos__Base__Query__V1beta1__PageRequest *pr = NULL;
    Cosmos__Bank__V1beta1__QueryAllBalancesRequest *qa = NULL;
    Cosmos__Bank__V1beta1__QueryTotalSupplyRequest *qs = NULL;
    ag_err err = AG_OK;
    if (all) {
        qa = cosmos__bank__v1beta1__query_all_balances_request__unpack(NULL, len, req);
        if (!qa)
            return market_ctx_fail(ctx, MARKET_CODE_TX_DECODE, "malformed QueryAllBalancesRequest");
        crypto_address addr;
        err = parse_addr(ctx, &qa->address, &addr);
        prefix[0] = MARKET_KEY_BALANCE;
        memcpy(prefix + 1, addr.b, CRYPTO_ADDRESS_LEN);
        plen = 1 + CRYPTO_ADDRESS_LEN;
        pr = qa->pagination;
    } else {
        qs = cosmos__bank__v1beta1__query_total_supply_request__unpack(NULL, len, req);
        if (!qs)
            return market_ctx_fail(ctx, MARKET_CODE_TX_DECODE, "malformed QueryTotalSupplyRequest");
        prefix[0] = MARKET_KEY_SUPPLY;
        pr = qs->pagination;
    }
    coin_page page = {0};
    Cosmos__Base__V1beta1__Coin **ptrs = NULL;
    if (!err)
        err = coin_page_run(ctx, prefix, plen, pr, &page, &ptrs);
    if (!err) {
        Cosmos__Base__Query__V1beta1__PageResponse pg =
            COSMOS__BASE__QUERY__V1BETA1__PAGE_RESPONSE__INIT;
        if (page.more)
            pg.next_key = (ProtobufCBinaryData){page.next_len, page.next};
        if (page.count_total)
            pg.total = page.total;
        if (all) {
            Cosmos__Bank__V1beta1__QueryAllBalancesResponse r =
                COSMOS__BANK__V1BETA1__QUERY_ALL_BALANCES_RESPONSE__INIT;
            r.balances = ptrs;
            r.n_balances = page.n;
            r.pagination = &pg;
            err = ag_pb_append(out, &r.base);
        } else {
            Cosmos__Bank__V1beta1__QueryTotalSupplyResponse r =
                COSMOS__BANK__V1BETA1__QUERY_TOTAL_SUPPLY_RESPONSE__INIT;
            r.supply = ptrs;
            r.n_supply = page.n;
            r.pagination = &pg;
            err = ag_pb_append(out, &r.base);
        }
    }
    coin_page_free(&page, ptrs);
    if (qa)
        cosmos__bank__v1beta1__query_all_balances_request__free_unpacked(qa, NULL);
    if (qs)
        cosmos__bank__v1beta1__query_total_supply_request__free_unpacked(qs, NULL);
    return err;
}

/* ---- tx simulation ---- */

/* CosmJS simulates with empty signatures and sign mode UNSPECIFIED: give the
 * signatures 64 zero bytes and the modes DIRECT so the tx decodes (Simulate
 * verifies no signature). *out is the tx to run: `in` itself, or `in`
 * re-encoded into buf. Anything unusual is left for the decoder to refuse. */
static ag_err simulate_normalize(const ProtobufCBinaryData *in, ag_buf *buf,
                                 ProtobufCBinaryData *out)
{
    *out = *in;
    if (in->len > MARKET_TX_MAX_BYTES)
        return AG_OK;
    Cosmos__Tx__V1beta1__TxRaw *raw = cosmos__tx__v1beta1__tx_raw__unpack(NULL, in->len, in->data);
    if (!raw)
        return AG_OK;
    static const uint8_t zero[CRYPTO_SIG_LEN];
    bool changed = false;
    ag_buf auth;
    ag_buf_init(&auth, MARKET_TX_MAX_BYTES);
    /* ModeInfo.Multi nests without bound: never let protobuf-c recurse into it. */
    static const uint32_t multi_path[] = {1, 2, 2}, signers_path[] = {1};
    size_t n_multi = 0, n_signers = 0;
    ProtobufCBinaryData ab = raw->auth_info_bytes;
    if (market_wire_count(ab.data, ab.len, multi_path, 3, 0, &n_multi) == AG_OK && !n_multi &&
        market_wire_count(ab.data, ab.len, signers_path, 1, MARKET_TX_MAX_SIGNERS, &n_signers) ==
            AG_OK &&
        n_signers <= MARKET_TX_MAX_SIGNERS) {
        Cosmos__Tx__V1beta1__AuthInfo *ai =
            cosmos__tx__v1beta1__auth_info__unpack(NULL, ab.len, ab.data);
        bool mode_fixed = false;
        for (size_t i = 0; ai && i < ai->n_signer_infos; i++) {
            Cosmos__Tx__V1beta1__ModeInfo *mi = ai->signer_infos[i]->mode_info;
            if (mi && mi->sum_case == COSMOS__TX__V1BETA1__MODE_INFO__SUM_SINGLE &&
                mi->single->mode ==
                    COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_UNSPECIFIED) {
                mi->single->mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_DIRECT;
                mode_fixed = true;
            }
        }
        if (mode_fixed && ag_pb_append(&auth, &ai->base) == AG_OK) {
            raw->auth_info_bytes = (ProtobufCBinaryData){auth.len, auth.data};
            changed = true;
        }
        if (ai)
            cosmos__tx__v1beta1__auth_info__free_unpacked(ai, NULL);
    }
    ProtobufCBinaryData orig[MARKET_TX_MAX_SIGNERS];
    for (size_t i = 0; i < raw->n_signatures && i < MARKET_TX_MAX_SIGNERS; i++) {
        orig[i] = raw->signatures[i];
        if (raw->signatures[i].len == 0) {
            raw->signatures[i] = (ProtobufCBinaryData){CRYPTO_SIG_LEN, (uint8_t *)(uintptr_t)zero};
            changed = true;
        }
    }
    ag_err err = AG_OK;
    if (changed && (err = ag_pb_append(buf, &raw->base)) == AG_OK)
        *out = (ProtobufCBinaryData){buf->len, buf->data};
    /* give back what protobuf-c must free itself */
    raw->auth_info_bytes = ab;
    for (size_t i = 0; i < raw->n_signatures && i < MARKET_TX_MAX_SIGNERS; i++)
        raw->signatures[i] = orig[i];
    cosmos__tx__v1beta1__tx_raw__free_unpacked(raw, NULL);
    ag_buf_free(&auth);
    return err;
}

static ag_err simulate(market_app *app, market_ctx *qctx, abci_arena *a, const uint8_t *req,
                       size_t len, ag_buf *out)
{
    Cosmos__Tx__V1beta1__SimulateRequest *q =
        cosmos__tx__v1beta1__simulate_request__unpack(NULL, len, req);
    if (!q)
        return market_ctx_fail(qctx, MARKET_CODE_TX_DECODE, "malformed SimulateRequest");
    if (q->tx_bytes.len == 0) {
        cosmos__tx__v1beta1__simulate_request__free_unpacked(q, NULL);
        return market_ctx_fail(qctx, MARKET_CODE_INVALID_REQUEST,
                               "SimulateRequest: tx_bytes required (the decoded tx field is "
                               "not supported)");
    }
    ag_buf filled;
    ag_buf_init(&filled, MARKET_TX_MAX_BYTES + 1024);
    ProtobufCBinaryData txb;
    ag_err err = simulate_normalize(&q->tx_bytes, &filled, &txb);
    market_kv scratch;
    market_kv_init(&scratch, NULL, app->store);
    market_tx_outcome o;
    market_events_reset(&app->events);
    if (!err)
        err = market_run_tx(app, &scratch, MARKET_MODE_SIMULATE, market_app_height(app) + 1, 0,
                            txb.data, txb.len, NULL, NULL, &o);
    market_kv_free(&scratch);
    ag_buf_free(&filled);
    cosmos__tx__v1beta1__simulate_request__free_unpacked(q, NULL);
    if (!err && o.code) {
        market_events_reset(&app->events);
        return market_ctx_fail(qctx, o.code, "%s", o.log);
    }
    Cosmos__Base__Abci__V1beta1__GasInfo gi = COSMOS__BASE__ABCI__V1BETA1__GAS_INFO__INIT;
    gi.gas_wanted = o.gas_wanted;
    gi.gas_used = o.gas_used;
    Cosmos__Base__Abci__V1beta1__Result res = COSMOS__BASE__ABCI__V1BETA1__RESULT__INIT;
    res.log = abci_str("");
    if (!err)
        err = market_events_to_abci(&app->events, 0, a, &res.events, &res.n_events);
    market_events_reset(&app->events);
    Cosmos__Tx__V1beta1__SimulateResponse r = COSMOS__TX__V1BETA1__SIMULATE_RESPONSE__INIT;
    r.gas_info = &gi;
    r.result = &res;
    if (!err)
        err = ag_pb_append(out, &r.base);
    return err;
}

/* ---- raw store reads with proofs ---- */

static ag_err store_query(market_app *app, market_ctx *qctx, abci_arena *a,
                          const abci_req_query *req, uint64_t version, abci_resp_query *resp)
{
    const uint8_t *key = req->data.data;
    size_t klen = req->data.len;
    if (klen == 0 || klen > STATE_KEY_MAX)
        return market_ctx_fail(qctx, MARKET_CODE_INVALID_REQUEST, "store key of %zu bytes", klen);
    ag_buf val, proof;
    ag_buf_init(&val, STATE_VALUE_MAX + 1);
    ag_buf_init(&proof, STATE_PROOF_MAX);
    ag_err err;
    bool exists = false;
    if (req->prove) {
        err = state_store_prove(app->store, version, key, klen, &proof, &val, &exists);
    } else {
        err = state_store_get_at(app->store, version, key, klen, &val);
        exists = err == AG_OK;
        if (err == AG_ERR_NOT_FOUND)
            err = AG_OK;
    }
    bool ok = true;
    if (!err) {
        resp->key = (ProtobufCBinaryData){klen, abci_arena_dup(a, key, klen)};
        if (exists && val.len)
            resp->value = (ProtobufCBinaryData){val.len, abci_arena_dup(a, val.data, val.len)};
        ok = resp->key.data && (!resp->value.len || resp->value.data);
        if (req->prove) {
            Tendermint__Crypto__ProofOps *ops = abci_arena_alloc(a, sizeof *ops);
            Tendermint__Crypto__ProofOp *op = abci_arena_alloc(a, sizeof *op);
            Tendermint__Crypto__ProofOp **arr = abci_arena_alloc(a, sizeof *arr);
            uint8_t *pd = proof.len ? abci_arena_dup(a, proof.data, proof.len) : NULL;
            if (!ops || !op || !arr || (proof.len && !pd)) {
                ok = false;
            } else {
                tendermint__crypto__proof_ops__init(ops);
                tendermint__crypto__proof_op__init(op);
                op->type = abci_str(PROOF_OP_TYPE);
                op->key = resp->key;
                op->data = (ProtobufCBinaryData){proof.len, pd};
                arr[0] = op;
                ops->ops = arr;
                ops->n_ops = 1;
                resp->proof_ops = ops;
            }
        }
        resp->log = abci_str(exists ? "exists" : "does not exist");
    }
    ag_buf_free(&val);
    ag_buf_free(&proof);
    if (err == AG_ERR_NOT_FOUND)
        return market_ctx_fail(qctx, MARKET_CODE_NOT_FOUND, "%s", ag_err_detail());
    if (!err && !ok)
        err = ag_err_set(AG_ERR_NOMEM, "query: arena");
    return err;
}

/* ---- dispatch ---- */

static const market_query_route *find_query(market_app *app, const char *path)
{
    for (size_t m = 0; m < app->n_modules; m++)
        for (size_t i = 0; i < app->modules[m]->n_queries; i++) {
            const char *rp = app->modules[m]->queries[i].path;
            size_t n = strlen(rp);
            bool prefix = n && rp[n - 1] == '/';
            if (prefix ? strncmp(rp, path, n) == 0 : strcmp(rp, path) == 0)
                return &app->modules[m]->queries[i];
        }
    return NULL;
}

ag_err market_app_query(market_app *app, abci_arena *a, const abci_req_query *req,
                        abci_resp_query *resp)
{
    const char *path = req->path ? req->path : "";
    int64_t latest = market_app_height(app);
    int64_t h = req->height ? req->height : latest;
    resp->height = h;
    market_kv kv;
    market_gas_meter gas;
    market_ctx ctx;
    market_query_ctx(app, &kv, &gas, &ctx, 0, h);
    ag_err err = AG_OK;
    uint64_t version = (uint64_t)h + 1;
    if (!app->genesis_done) {
        err = market_ctx_fail(&ctx, MARKET_CODE_INVALID_REQUEST, "no state before InitChain");
    } else if (h < 0 || h > latest) {
        err =
            market_ctx_fail(&ctx, MARKET_CODE_INVALID_REQUEST,
                            "height %" PRId64 " is not committed (latest %" PRId64 ")", h, latest);
    } else if (version < state_store_oldest_version(app->store)) {
        err =
            market_ctx_fail(&ctx, MARKET_CODE_INVALID_REQUEST, "height %" PRId64 " was pruned", h);
    } else if (req->data.len > QUERY_MAX_REQ) {
        err = market_ctx_fail(&ctx, MARKET_CODE_INVALID_REQUEST, "request of %zu bytes",
                              req->data.len);
    } else if (strcmp(path, STORE_PATH) == 0) {
        err = store_query(app, &ctx, a, req, version, resp);
    } else {
        ag_buf out;
        ag_buf_init(&out, QUERY_RESP_MAX);
        kv.version = version;
        if (strcmp(path, "/cosmos.tx.v1beta1.Service/Simulate") == 0) {
            err = h == latest ? simulate(app, &ctx, a, req->data.data, req->data.len, &out)
                              : market_ctx_fail(&ctx, MARKET_CODE_INVALID_REQUEST,
                                                "Simulate runs on the latest height only");
        } else {
            const market_query_route *r = find_query(app, path);
            err = r ? r->handle(&ctx, path, req->data.data, req->data.len, &out)
                    : market_ctx_fail(&ctx, MARKET_CODE_UNKNOWN_REQUEST, "unknown query path %.80s",
                                      path);
        }
        if (!err && out.len) {
            resp->value = (ProtobufCBinaryData){out.len, abci_arena_dup(a, out.data, out.len)};
            if (!resp->value.data)
                err = ag_err_set(AG_ERR_NOMEM, "query: arena");
        }
        ag_buf_free(&out);
    }
    market_kv_free(&kv);
    if (err && !market_err_fatal(err)) {
        resp->code = ctx.code ? ctx.code : MARKET_CODE_INVALID_REQUEST;
        resp->codespace = abci_str(MARKET_CODESPACE);
        resp->log = abci_arena_strndup(a, ag_err_detail(), strlen(ag_err_detail()));
        return resp->log ? AG_OK : ag_err_set(AG_ERR_NOMEM, "query: arena");
    }
    return err;
}
