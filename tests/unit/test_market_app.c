/* The market application: genesis, ante rejections, MsgSend, sequences across
 * CheckTx/FinalizeBlock/Commit, out-of-gas revert, the signature cache,
 * parallel verification, queries with proofs, genesis export/import, a
 * seeded simulation with replay, and a run through the ABCI socket. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abci/client.h"
#include "abci/server.h"
#include "cosmos/auth/v1beta1/auth.pb-c.h"
#include "cosmos/auth/v1beta1/query.pb-c.h"
#include "cosmos/bank/v1beta1/query.pb-c.h"
#include "cosmos/tx/v1beta1/service.pb-c.h"
#include "lib/log.h"
#include "market/app.h"
#include "market/bank.h"
#include "market/internal.h"
#include "market/keys.h"
#include "state/ics23.h"
#include "state/tx_encode.h"
#include "tests/harness/ag_test.h"

#define CHAIN         "agora-test-1"
#define NACC          16
#define FUNDS         "1000000000"
#define FEE           5000u /* uagora; with GAS and 0.025/gas: 5000 >= 200000 * 0.025 */
#define GAS           200000u
#define SIM_PER_BLOCK 24 /* most txs in a simulated block */

typedef struct rig {
    state_store *store;
    market_app *app;
    abci_client *cli;
    abci_server *srv;
    abci_arena *arena;
    crypto_privkey keys[NACC];
    crypto_pubkey pubs[NACC];
    crypto_address addrs[NACC];
    uint64_t seq[NACC]; /* next sequence to sign with */
    /* Held around every application call, by the ABCI layer and by the
     * test's own direct reads (the socket server calls the app from its
     * thread; the test thread reads the app directly in between). */
    pthread_mutex_t mu;
    int64_t height; /* last committed */
    char dir[64];
} rig;

static crypto_privkey key_of(unsigned i)
{
    uint8_t b[32];
    memset(b, 0, sizeof b);
    b[31] = (uint8_t)(i + 1);
    b[0] = 0x42;
    crypto_privkey k;
    ck_assert_int_eq(crypto_privkey_from_bytes(&k, b, sizeof b), AG_OK);
    return k;
}

static void bech(char out[CRYPTO_ADDRESS_STR_MAX], const crypto_address *a)
{
    ck_assert_int_eq(crypto_address_to_bech32(out, CRYPTO_ADDRESS_STR_MAX, "agora", a), AG_OK);
}

/* app_state with NACC funded accounts and optional params JSON. */
static char *genesis_json(const rig *r, const char *params)
{
    json_t *root = json_object();
    json_t *bals = json_array();
    for (unsigned i = 0; i < NACC; i++) {
        char a[CRYPTO_ADDRESS_STR_MAX];
        bech(a, &r->addrs[i]);
        json_t *b = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "address", a, "coins", "denom",
                              "uagora", "amount", FUNDS, "denom", "ufoo", "amount", "77");
        json_array_append_new(bals, b);
    }
    json_object_set_new(root, "bank", json_pack("{s:o}", "balances", bals));
    if (params) {
        json_error_t je;
        json_object_set_new(root, "params", json_loads(params, 0, &je));
    }
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

static void init_chain(rig *r, const char *app_state, crypto_hash *hash)
{
    abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    ic.chain_id = abci_str(CHAIN);
    ic.initial_height = 1;
    ic.app_state_bytes = (ProtobufCBinaryData){strlen(app_state), (uint8_t *)(uintptr_t)app_state};
    abci_resp_init_chain *resp;
    ck_assert_msg(abci_client_init_chain(r->cli, r->arena, &ic, &resp) == AG_OK, "%s",
                  ag_err_detail());
    ck_assert_uint_eq(resp->app_hash.len, 32);
    if (hash)
        memcpy(hash->b, resp->app_hash.data, 32);
}

enum { T_LOCAL, T_SOCKET };

static void rig_up_full(rig *r, int threads, int transport, const char *params)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    state_store_options so = {.no_sync = true};
    ck_assert_int_eq(state_store_open(&r->store, kv, &so), AG_OK);
    market_app_opts o = {.threads = threads};
    ck_assert_int_eq(market_app_new(&r->app, r->store, &o), AG_OK);
    ck_assert_int_eq(abci_arena_new(&r->arena, 0), AG_OK);
    abci_app app = market_app_abci(r->app);
    if (transport == T_LOCAL) {
        ck_assert_int_eq(abci_local_new(&r->cli, &app, &r->mu), AG_OK);
    } else {
        abci_server_opts sopts = {.app_mutex = &r->mu}; /* zero fields: defaults */
        ck_assert_int_eq(abci_server_new(&r->srv, &app, &sopts), AG_OK);
        ck_assert_int_eq(abci_server_listen(r->srv, "tcp://127.0.0.1:0"), AG_OK);
        ck_assert_int_eq(abci_server_start(r->srv), AG_OK);
        abci_socket_opts so2;
        abci_socket_opts_default(&so2);
        so2.io_timeout_ms = 10000;
        ck_assert_msg(abci_socket_new(&r->cli, abci_server_address(r->srv), &so2) == AG_OK, "%s",
                      ag_err_detail());
    }
    for (unsigned i = 0; i < NACC; i++) {
        r->keys[i] = key_of(i);
        ck_assert_int_eq(crypto_pubkey_from_privkey(&r->pubs[i], &r->keys[i]), AG_OK);
        crypto_address_from_pubkey(&r->addrs[i], &r->pubs[i]);
    }
    char *g = genesis_json(r, params);
    init_chain(r, g, NULL);
    free(g);
}

static void rig_up(rig *r)
{
    rig_up_full(r, 2, T_LOCAL, NULL);
}

static void rig_down(rig *r)
{
    abci_client_free(r->cli);
    abci_server_free(r->srv);
    market_app_free(r->app);
    state_store_close(r->store);
    abci_arena_free(r->arena);
}

/* Account number of account i: module accounts are 0 and 1, then genesis order. */
static uint64_t accnum(unsigned i)
{
    return 2 + i;
}

typedef struct txopt {
    const char *chain;
    int64_t accnum; /* -1: the right one */
    int64_t seq;    /* -1: r->seq[from] */
    uint64_t fee, gas;
    const char *memo;
    uint64_t timeout;
    const char *type_url; /* NULL: MsgSend */
    bool high_s, bad_sig;
    const char *denom; /* of the amount */
    const char *fee_denom;
} txopt;

static txopt defaults(void)
{
    return (txopt){.chain = CHAIN,
                   .accnum = -1,
                   .seq = -1,
                   .fee = FEE,
                   .gas = GAS,
                   .denom = "uagora",
                   .fee_denom = "uagora"};
}

/* n (not zero) = n - s mod the curve order, big-endian. */
static void negate_s(uint8_t s[32])
{
    static const uint8_t order[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
                                      0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B,
                                      0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = order[i] - s[i] - borrow;
        borrow = d < 0;
        s[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void build_tx(ag_buf *out, rig *r, unsigned from, const crypto_address *to,
                     market_u128 amount, const txopt *o)
{
    market_msg_send m = {.from = r->addrs[from], .to = *to, .n_amount = 1};
    strcpy(m.amount[0].denom, o->denom);
    m.amount[0].amount = amount;
    ag_buf val;
    ag_buf_init(&val, 0);
    ck_assert_int_eq(market_msg_send_encode(&val, &m), AG_OK);
    market_any any = {o->type_url ? o->type_url : MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&val)};
    market_fee fee = {.n_amount = o->fee ? 1 : 0, .gas_limit = o->gas};
    strcpy(fee.amount[0].denom, o->fee_denom);
    fee.amount[0].amount = o->fee;
    uint64_t seq = o->seq >= 0 ? (uint64_t)o->seq : r->seq[from];
    market_tx_draft d = {.msgs = &any,
                         .n_msgs = 1,
                         .memo = o->memo,
                         .timeout_height = o->timeout,
                         .fee = &fee,
                         .pubkeys = &r->pubs[from],
                         .sequences = &seq,
                         .n_signers = 1};
    uint64_t an = o->accnum >= 0 ? (uint64_t)o->accnum : accnum(from);
    ag_buf_init(out, 0);
    ck_assert_msg(market_tx_sign(out, &d, &r->keys[from], &an, o->chain) == AG_OK, "%s",
                  ag_err_detail());
    if (o->high_s || o->bad_sig) {
        /* The signature is the last 64 bytes of the TxRaw (field 3, last). */
        uint8_t *sig = out->data + out->len - 64;
        if (o->high_s)
            negate_s(sig + 32);
        else
            sig[5] ^= 1;
    }
    ag_buf_free(&val);
}

static abci_resp_check_tx *check(rig *r, const ag_buf *tx, bool recheck)
{
    abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
    ct.tx = (ProtobufCBinaryData){tx->len, tx->data};
    ct.type =
        recheck ? TENDERMINT__ABCI__CHECK_TX_TYPE__RECHECK : TENDERMINT__ABCI__CHECK_TX_TYPE__NEW;
    abci_resp_check_tx *resp;
    ck_assert_msg(abci_client_check_tx(r->cli, r->arena, &ct, &resp) == AG_OK, "%s",
                  ag_err_detail());
    return resp;
}

static abci_resp_finalize_block *finalize(rig *r, ag_buf *txs, size_t n, bool commit)
{
    ProtobufCBinaryData b[64];
    ck_assert_uint_le(n, 64);
    for (size_t i = 0; i < n; i++)
        b[i] = (ProtobufCBinaryData){txs[i].len, txs[i].data};
    abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
    fb.height = r->height + 1;
    fb.txs = b;
    fb.n_txs = n;
    abci_resp_finalize_block *resp;
    ck_assert_msg(abci_client_finalize_block(r->cli, r->arena, &fb, &resp) == AG_OK, "%s",
                  ag_err_detail());
    ck_assert_uint_eq(resp->n_tx_results, n);
    if (commit) {
        abci_req_commit c = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
        abci_resp_commit *cr;
        ck_assert_int_eq(abci_client_commit(r->cli, r->arena, &c, &cr), AG_OK);
        r->height++;
        pthread_mutex_lock(&r->mu);
        ag_err inv = market_app_check_invariants(r->app);
        pthread_mutex_unlock(&r->mu);
        ck_assert_msg(inv == AG_OK, "%s", ag_err_detail());
    }
    return resp;
}

static market_u128 balance(rig *r, const crypto_address *a, const char *denom)
{
    market_kv kv;
    market_gas_meter g;
    market_ctx ctx;
    pthread_mutex_lock(&r->mu);
    market_query_ctx(r->app, &kv, &g, &ctx, 0, 0);
    market_u128 v;
    ag_err err = market_bank_balance(&ctx, a, denom, &v);
    market_kv_free(&kv);
    pthread_mutex_unlock(&r->mu);
    ck_assert_int_eq(err, AG_OK);
    return v;
}

static market_account account(rig *r, const crypto_address *a)
{
    market_kv kv;
    market_gas_meter g;
    market_ctx ctx;
    pthread_mutex_lock(&r->mu);
    market_query_ctx(r->app, &kv, &g, &ctx, 0, 0);
    market_account acc;
    ag_err err = market_account_get(&ctx, a, &acc);
    market_kv_free(&kv);
    pthread_mutex_unlock(&r->mu);
    ck_assert_int_eq(err, AG_OK);
    return acc;
}

static const char *attr(const Tendermint__Abci__ExecTxResult *res, const char *type,
                        const char *key)
{
    for (size_t i = 0; i < res->n_events; i++) {
        if (strcmp(res->events[i]->type, type))
            continue;
        for (size_t k = 0; k < res->events[i]->n_attributes; k++)
            if (strcmp(res->events[i]->attributes[k]->key, key) == 0)
                return res->events[i]->attributes[k]->value;
    }
    return NULL;
}

/* ---- tests ---- */

START_TEST(send_moves_funds_and_fee)
{
    rig r;
    rig_up(&r);
    crypto_address fc;
    market_module_address(MARKET_FEE_COLLECTOR, &fc);
    ag_buf tx;
    txopt o = defaults();
    build_tx(&tx, &r, 0, &r.addrs[1], 12345, &o);
    ck_assert_uint_eq(check(&r, &tx, false)->code, 0);
    crypto_hash before;
    market_app_hash(r.app, &before);
    abci_resp_finalize_block *fr = finalize(&r, &tx, 1, true);
    ck_assert_msg(fr->tx_results[0]->code == 0, "%s", fr->tx_results[0]->log);
    ck_assert_int_gt(fr->tx_results[0]->gas_used, 0);
    ck_assert_int_eq(fr->tx_results[0]->gas_wanted, GAS);
    ck_assert(memcmp(before.b, fr->app_hash.data, 32) != 0);
    crypto_hash after;
    market_app_hash(r.app, &after);
    ck_assert(memcmp(after.b, fr->app_hash.data, 32) == 0);
    ck_assert(balance(&r, &r.addrs[0], "uagora") == 1000000000u - 12345 - FEE);
    ck_assert(balance(&r, &r.addrs[1], "uagora") == 1000000000u + 12345);
    ck_assert(balance(&r, &fc, "uagora") == FEE);
    char a0[CRYPTO_ADDRESS_STR_MAX], a1[CRYPTO_ADDRESS_STR_MAX];
    bech(a0, &r.addrs[0]);
    bech(a1, &r.addrs[1]);
    const Tendermint__Abci__ExecTxResult *res = fr->tx_results[0];
    ck_assert_str_eq(attr(res, "tx", "fee"), "5000uagora");
    ck_assert_ptr_nonnull(attr(res, "tx", "acc_seq"));
    ck_assert_ptr_nonnull(attr(res, "tx", "signature"));
    ck_assert_str_eq(attr(res, "message", "action"), MARKET_MSG_SEND_TYPE_URL);
    ck_assert_str_eq(attr(res, "message", "sender"), a0);
    ck_assert_str_eq(attr(res, "message", "module"), "bank");
    /* the fee's transfer comes first; find the send's by its amount */
    int found = 0;
    for (size_t i = 0; i < res->n_events; i++)
        if (!strcmp(res->events[i]->type, "transfer") && res->n_events &&
            !strcmp(res->events[i]->attributes[2]->value, "12345uagora")) {
            ck_assert_str_eq(res->events[i]->attributes[0]->value, a1);
            ck_assert_str_eq(res->events[i]->attributes[1]->value, a0);
            found++;
        }
    ck_assert_int_eq(found, 1);
    market_account acc = account(&r, &r.addrs[0]);
    ck_assert_uint_eq(acc.sequence, 1);
    ck_assert(acc.has_pubkey);
    ck_assert_uint_eq(acc.number, accnum(0));
    /* a new account is created when it first receives funds */
    crypto_address fresh;
    memset(fresh.b, 0x77, sizeof fresh.b);
    r.seq[0] = 1;
    ag_buf_free(&tx);
    build_tx(&tx, &r, 0, &fresh, 5, &o);
    fr = finalize(&r, &tx, 1, true);
    ck_assert_msg(fr->tx_results[0]->code == 0, "%s", fr->tx_results[0]->log);
    ck_assert_uint_eq(account(&r, &fresh).number, 2 + NACC);
    ck_assert(balance(&r, &fresh, "uagora") == 5);
    ag_buf_free(&tx);
    rig_down(&r);
}
END_TEST

typedef struct reject_case {
    const char *name;
    uint32_t code;
    bool deliver; /* reached only in FinalizeBlock (message execution) */
} reject_case;

START_TEST(ante_rejections)
{
    rig r;
    rig_up_full(&r, 2, T_LOCAL, "{\"max_memo_characters\": \"10\", \"min_gas_price\": \"0.025\"}");
    crypto_address self = r.addrs[0];
    for (int c = 0; c < 15; c++) {
        txopt o = defaults();
        const crypto_address *to = &r.addrs[1];
        market_u128 amount = 10;
        uint32_t want;
        bool deliver = false;
        ag_buf tx;
        switch (c) {
        case 0:
            o.chain = "other-chain";
            want = MARKET_CODE_UNAUTHORIZED;
            break;
        case 1:
            o.seq = 5;
            want = MARKET_CODE_WRONG_SEQUENCE;
            break;
        case 2:
            o.accnum = 99;
            want = MARKET_CODE_UNAUTHORIZED;
            break;
        case 3:
            o.bad_sig = true;
            want = MARKET_CODE_UNAUTHORIZED;
            break;
        case 4:
            o.high_s = true;
            want = MARKET_CODE_UNAUTHORIZED;
            break;
        case 5:
            o.fee = FEE - 1;
            want = MARKET_CODE_INSUFFICIENT_FEE;
            break;
        case 6:
            o.memo = "this memo is too long";
            want = MARKET_CODE_MEMO_TOO_LARGE;
            break;
        case 7:
            o.timeout = 0;
            want = 0;
            break; /* placeholder: timeout case below */
        case 8:
            o.type_url = "/agora.unknown.v1.MsgNothing";
            want = MARKET_CODE_UNKNOWN_REQUEST;
            break;
        case 9:
            o.fee = 2000000000u;
            want = MARKET_CODE_INSUFFICIENT_FUNDS;
            break;
        case 10:
            amount = 2000000000u;
            want = MARKET_CODE_INSUFFICIENT_FUNDS;
            deliver = true;
            break;
        case 11:
            to = &self;
            want = MARKET_CODE_INVALID_REQUEST;
            deliver = true;
            break;
        case 12:
            o.gas = 1000;
            o.fee = 25;
            want = MARKET_CODE_OUT_OF_GAS;
            break;
        case 13:
            o.fee_denom = "ufoo";
            want = MARKET_CODE_INSUFFICIENT_FEE;
            break;
        case 14:
            o.denom = "ubar";
            want = MARKET_CODE_INSUFFICIENT_FUNDS;
            deliver = true;
            break;
        default:
            want = 0;
            break;
        }
        if (c == 7)
            continue;
        build_tx(&tx, &r, 0, to, amount, &o);
        abci_resp_check_tx *cr = check(&r, &tx, false);
        if (!deliver) {
            ck_assert_msg(cr->code == want, "case %d: code %u (%s), want %u", c, cr->code, cr->log,
                          want);
            if (want)
                ck_assert_str_eq(cr->codespace, "sdk");
        } else {
            ck_assert_msg(cr->code == 0, "case %d: CheckTx code %u (%s)", c, cr->code, cr->log);
            abci_resp_finalize_block *fr = finalize(&r, &tx, 1, true);
            ck_assert_msg(fr->tx_results[0]->code == want, "case %d: code %u (%s), want %u", c,
                          fr->tx_results[0]->code, fr->tx_results[0]->log, want);
            r.seq[0]++; /* the failed tx still used its sequence and fee */
        }
        ag_buf_free(&tx);
    }
    /* timeout height passed: height of the next block is r.height + 1 */
    {
        ag_buf tx;
        txopt o = defaults();
        ag_buf empty[1];
        finalize(&r, empty, 0, true);
        finalize(&r, empty, 0, true);
        o.timeout = (uint64_t)r.height; /* next block is height + 1 > timeout */
        build_tx(&tx, &r, 0, &r.addrs[1], 1, &o);
        abci_resp_check_tx *cr = check(&r, &tx, false);
        ck_assert_uint_eq(cr->code, MARKET_CODE_TX_TIMEOUT_HEIGHT);
        ag_buf_free(&tx);
        o.timeout = (uint64_t)r.height + 1;
        build_tx(&tx, &r, 0, &r.addrs[1], 1, &o);
        ck_assert_uint_eq(check(&r, &tx, false)->code, 0);
        ag_buf_free(&tx);
    }
    /* undecodable, oversized, duplicate denoms, amount overflow */
    {
        ag_buf junk;
        ag_buf_init(&junk, 0);
        ck_assert_int_eq(ag_buf_append(&junk, "\x0a\x05hello", 7), AG_OK);
        ck_assert_uint_eq(check(&r, &junk, false)->code, MARKET_CODE_TX_DECODE);
        ag_buf_reset(&junk);
        uint8_t *big = calloc(1, MARKET_TX_MAX_BYTES + 10);
        ck_assert_int_eq(ag_buf_append(&junk, big, MARKET_TX_MAX_BYTES + 10), AG_OK);
        free(big);
        ck_assert_uint_eq(check(&r, &junk, false)->code, MARKET_CODE_TX_TOO_LARGE);
        ag_buf_free(&junk);
    }
    {
        /* a coin list with a duplicate denom, and an amount above 2^128 - 1,
         * encoded by hand around a valid signature structure */
        market_msg_send m = {.from = r.addrs[0], .to = r.addrs[1], .n_amount = 2};
        strcpy(m.amount[0].denom, "uagora");
        strcpy(m.amount[1].denom, "uagora");
        m.amount[0].amount = m.amount[1].amount = 1;
        ag_buf val;
        ag_buf_init(&val, 0);
        ck_assert_int_eq(market_msg_send_encode(&val, &m), AG_OK);
        market_any any = {MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&val)};
        market_fee fee = {.n_amount = 1, .gas_limit = GAS};
        strcpy(fee.amount[0].denom, "uagora");
        fee.amount[0].amount = FEE;
        uint64_t seq = r.seq[0], an = accnum(0);
        market_tx_draft d = {.msgs = &any,
                             .n_msgs = 1,
                             .fee = &fee,
                             .pubkeys = &r.pubs[0],
                             .sequences = &seq,
                             .n_signers = 1};
        ag_buf tx;
        ag_buf_init(&tx, 0);
        ck_assert_int_eq(market_tx_sign(&tx, &d, &r.keys[0], &an, CHAIN), AG_OK);
        ck_assert_uint_eq(check(&r, &tx, false)->code, MARKET_CODE_TX_DECODE);
        ag_buf_free(&tx);
        /* overflow: patch the encoded amount "1" of a one-coin send into 40 digits */
        m.n_amount = 1;
        ag_buf_reset(&val);
        ck_assert_int_eq(market_msg_send_encode(&val, &m), AG_OK);
        ag_buf big;
        ag_buf_init(&big, 0);
        /* rebuild the MsgSend with a raw coin: from, to, then coin{denom, amount} */
        size_t coin_at = val.len - (2 + 2 + 6 + 2 + 1); /* tag,len,{tag,len,"uagora",tag,len,"1"} */
        ck_assert_int_eq(ag_buf_append(&big, val.data, coin_at), AG_OK);
        const char *digits = "340282366920938463463374607431768211456"; /* 2^128 */
        size_t dl = strlen(digits);
        uint8_t coin[64];
        size_t cl = 0;
        coin[cl++] = 0x0a;
        coin[cl++] = 6;
        memcpy(coin + cl, "uagora", 6);
        cl += 6;
        coin[cl++] = 0x12;
        coin[cl++] = (uint8_t)dl;
        memcpy(coin + cl, digits, dl);
        cl += dl;
        ck_assert_int_eq(ag_buf_append_byte(&big, 0x1a), AG_OK);
        ck_assert_int_eq(ag_buf_append_byte(&big, (uint8_t)cl), AG_OK);
        ck_assert_int_eq(ag_buf_append(&big, coin, cl), AG_OK);
        any.value = ag_buf_slice(&big);
        ag_buf_init(&tx, 0);
        ck_assert_int_eq(market_tx_sign(&tx, &d, &r.keys[0], &an, CHAIN), AG_OK);
        ck_assert_uint_eq(check(&r, &tx, false)->code, MARKET_CODE_INVALID_COINS);
        ag_buf_free(&tx);
        ag_buf_free(&big);
        ag_buf_free(&val);
    }
    rig_down(&r);
}
END_TEST

START_TEST(sequences_across_check_and_blocks)
{
    rig r;
    rig_up(&r);
    ag_buf tx[4];
    txopt o = defaults();
    for (int i = 0; i < 3; i++) {
        o.seq = i;
        build_tx(&tx[i], &r, 2, &r.addrs[3], 100 + (market_u128)i, &o);
        abci_resp_check_tx *cr = check(&r, &tx[i], false);
        ck_assert_msg(cr->code == 0, "tx %d: %s", i, cr->log);
    }
    /* a replay of sequence 1 is refused by the CheckTx state */
    ck_assert_uint_eq(check(&r, &tx[1], false)->code, MARKET_CODE_WRONG_SEQUENCE);
    abci_resp_finalize_block *fr = finalize(&r, tx, 3, true);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(fr->tx_results[i]->code == 0, "%s", fr->tx_results[i]->log);
    ck_assert_uint_eq(account(&r, &r.addrs[2]).sequence, 3);
    /* after Commit the CheckTx state starts from the committed one */
    ck_assert_uint_eq(check(&r, &tx[2], true)->code, MARKET_CODE_WRONG_SEQUENCE);
    o.seq = 3;
    build_tx(&tx[3], &r, 2, &r.addrs[3], 1, &o);
    ck_assert_uint_eq(check(&r, &tx[3], false)->code, 0);
    /* the same tx twice in a block: the second fails on its sequence */
    ag_buf dup[2] = {tx[3], tx[3]};
    fr = finalize(&r, dup, 2, true);
    ck_assert_uint_eq(fr->tx_results[0]->code, 0);
    ck_assert_uint_eq(fr->tx_results[1]->code, MARKET_CODE_WRONG_SEQUENCE);
    for (int i = 0; i < 4; i++)
        ag_buf_free(&tx[i]);
    rig_down(&r);
}
END_TEST

static abci_resp_query *query(rig *r, const char *path, const ProtobufCMessage *m, int64_t height,
                              bool prove, const uint8_t *raw, size_t raw_len);

static uint64_t simulate_gas(rig *r, const ag_buf *tx)
{
    Cosmos__Tx__V1beta1__SimulateRequest sq = COSMOS__TX__V1BETA1__SIMULATE_REQUEST__INIT;
    sq.tx_bytes = (ProtobufCBinaryData){tx->len, tx->data};
    abci_resp_query *qr =
        query(r, "/cosmos.tx.v1beta1.Service/Simulate", &sq.base, 0, false, NULL, 0);
    ck_assert_msg(qr->code == 0, "%s", qr->log);
    Cosmos__Tx__V1beta1__SimulateResponse *sr =
        cosmos__tx__v1beta1__simulate_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_ptr_nonnull(sr);
    uint64_t g = sr->gas_info->gas_used;
    cosmos__tx__v1beta1__simulate_response__free_unpacked(sr, NULL);
    return g;
}

START_TEST(out_of_gas_reverts_messages_but_charges_fee)
{
    rig r;
    rig_up(&r);
    crypto_address fc;
    market_module_address(MARKET_FEE_COLLECTOR, &fc);
    /* a gas limit that covers the ante but not the send: simulate first */
    ag_buf tx;
    txopt o = defaults();
    build_tx(&tx, &r, 4, &r.addrs[5], 1000, &o);
    uint64_t total = simulate_gas(&r, &tx);
    ag_buf_free(&tx);
    abci_resp_finalize_block *fr;
    o.gas = total - 1500;
    o.fee = o.gas / 40 + 1;
    uint64_t fee = o.fee;
    build_tx(&tx, &r, 4, &r.addrs[5], 1000, &o);
    abci_resp_check_tx *cr = check(&r, &tx, false);
    ck_assert_msg(cr->code == 0, "%s", cr->log);
    fr = finalize(&r, &tx, 1, true);
    ck_assert_msg(fr->tx_results[0]->code == MARKET_CODE_OUT_OF_GAS, "code %u: %s",
                  fr->tx_results[0]->code, fr->tx_results[0]->log);
    ck_assert_int_eq(fr->tx_results[0]->gas_used, (int64_t)o.gas);
    ck_assert(balance(&r, &r.addrs[5], "uagora") == 1000000000u);
    ck_assert(balance(&r, &r.addrs[4], "uagora") == 1000000000u - fee);
    ck_assert(balance(&r, &fc, "uagora") == fee);
    ck_assert_uint_eq(account(&r, &r.addrs[4]).sequence, 1);
    ck_assert_ptr_nonnull(attr(fr->tx_results[0], "tx", "fee"));
    ck_assert_ptr_null(
        attr(fr->tx_results[0], "transfer", "recipient") &&
                strcmp(attr(fr->tx_results[0], "transfer", "amount"), "1000uagora") == 0
            ? "x"
            : NULL);
    ag_buf_free(&tx);
    rig_down(&r);
}
END_TEST

START_TEST(sig_cache_skips_second_verification)
{
    rig r;
    rig_up(&r);
    ag_buf tx;
    txopt o = defaults();
    build_tx(&tx, &r, 1, &r.addrs[2], 7, &o);
    uint64_t v0 = market_app_stats_get(r.app)->sig_verifications;
    ck_assert_uint_eq(check(&r, &tx, false)->code, 0);
    uint64_t v1 = market_app_stats_get(r.app)->sig_verifications;
    ck_assert_uint_eq(v1, v0 + 1);
    uint64_t hits = market_app_stats_get(r.app)->sig_cache_hits;
    abci_resp_finalize_block *fr = finalize(&r, &tx, 1, true);
    ck_assert_uint_eq(fr->tx_results[0]->code, 0);
    ck_assert_uint_eq(market_app_stats_get(r.app)->sig_verifications, v1);
    ck_assert_uint_eq(market_app_stats_get(r.app)->sig_cache_hits, hits + 1);
    /* a tx never seen by CheckTx is verified once, ahead of execution */
    r.seq[1] = 1;
    ag_buf tx2;
    build_tx(&tx2, &r, 1, &r.addrs[2], 8, &o);
    uint64_t pre = market_app_stats_get(r.app)->presig_used;
    fr = finalize(&r, &tx2, 1, true);
    ck_assert_uint_eq(fr->tx_results[0]->code, 0);
    ck_assert_uint_eq(market_app_stats_get(r.app)->sig_verifications, v1 + 1);
    ck_assert_uint_eq(market_app_stats_get(r.app)->presig_used, pre + 1);
    ag_buf_free(&tx);
    ag_buf_free(&tx2);
    rig_down(&r);
}
END_TEST

/* market_app_preverify (the node's RPC thread) only fills the cache: a
 * good signature then costs CheckTx no verification, a bad one is still
 * refused, and nothing is checked for an account the ante has not seen. */
START_TEST(preverify_fills_the_cache_only)
{
    rig r;
    rig_up(&r);
    txopt o = defaults();
    ag_buf first, good, bad, other;
    /* account 3 never went through CheckTx: its number is unknown here */
    build_tx(&other, &r, 3, &r.addrs[2], 5, &o);
    uint64_t v0 = market_app_stats_get(r.app)->sig_verifications;
    market_app_preverify(r.app, other.data, other.len);
    ck_assert_uint_eq(check(&r, &other, false)->code, 0);
    ck_assert_uint_eq(market_app_stats_get(r.app)->sig_verifications, v0 + 1);
    /* account 1: a first tx teaches the ante its number */
    build_tx(&first, &r, 1, &r.addrs[2], 7, &o);
    ck_assert_uint_eq(check(&r, &first, false)->code, 0);
    r.seq[1] = 1;
    build_tx(&good, &r, 1, &r.addrs[2], 8, &o);
    uint64_t v1 = market_app_stats_get(r.app)->sig_verifications;
    uint64_t hits = market_app_stats_get(r.app)->sig_cache_hits;
    market_app_preverify(r.app, good.data, good.len);
    ck_assert_uint_eq(check(&r, &good, false)->code, 0);
    ck_assert_uint_eq(market_app_stats_get(r.app)->sig_verifications, v1);
    ck_assert_uint_eq(market_app_stats_get(r.app)->sig_cache_hits, hits + 1);
    /* a bad signature preverified is still refused, verified in line */
    r.seq[1] = 2;
    o.bad_sig = true;
    build_tx(&bad, &r, 1, &r.addrs[2], 9, &o);
    market_app_preverify(r.app, bad.data, bad.len);
    ck_assert_uint_ne(check(&r, &bad, false)->code, 0);
    ck_assert_uint_eq(market_app_stats_get(r.app)->sig_verifications, v1 + 1);
    /* garbage is ignored */
    market_app_preverify(r.app, (const uint8_t *)"not a tx", 8);
    ag_buf_free(&first);
    ag_buf_free(&good);
    ag_buf_free(&bad);
    ag_buf_free(&other);
    rig_down(&r);
}
END_TEST

/* Random blocks of valid and invalid sends; returns the app hashes. */
static void random_blocks(rig *r, ag_rng *rng, size_t blocks, crypto_hash *hashes, ag_buf *all,
                          size_t *counts, bool generate)
{
    size_t outcomes[2] = {0, 0}; /* succeeded, failed */
    size_t k = 0;
    for (size_t b = 0; b < blocks; b++) {
        size_t n;
        ag_buf *txs = all + k;
        if (generate) {
            n = ag_rng_below(rng, SIM_PER_BLOCK + 1);
            for (size_t i = 0; i < n; i++) {
                unsigned from = (unsigned)ag_rng_below(rng, NACC);
                unsigned to = (unsigned)ag_rng_below(rng, NACC);
                txopt o = defaults();
                market_u128 amount = 1 + ag_rng_below(rng, 100000);
                bool fresh = false;
                switch (ag_rng_below(rng, 10)) {
                case 0:
                    o.seq = (int64_t)r->seq[from] + 1;
                    break; /* bad sequence */
                case 1:
                    amount = (market_u128)1 << 100;
                    break; /* insufficient */
                case 2:
                    o.bad_sig = true;
                    break; /* bad signature */
                case 3:
                    o.gas = 9000;
                    o.fee = 225;
                    break; /* out of gas */
                case 4:
                    o.denom = "ufoo";
                    amount = 1 + ag_rng_below(rng, 30);
                    break;
                case 5:
                    fresh = true; /* a new account receives funds */
                    break;
                default:
                    break;
                }
                crypto_address dest = r->addrs[to];
                if (fresh)
                    ag_rng_fill(rng, dest.b, sizeof dest.b);
                build_tx(&txs[i], r, from, &dest, amount, &o);
                /* the model of sequences: the ante passes unless bad seq/sig */
                if (o.seq < 0 && !o.bad_sig)
                    r->seq[from]++;
            }
            counts[b] = n;
        }
        n = counts[b];
        abci_resp_finalize_block *fr = finalize(r, txs, n, true);
        memcpy(hashes[b].b, fr->app_hash.data, 32);
        for (size_t i = 0; i < n; i++)
            outcomes[fr->tx_results[i]->code == 0 ? 0 : 1]++;
        if (generate) {
            /* resync the model with the chain (a tx failing its ante, e.g. for
             * funds, keeps the sequence) */
            for (unsigned a = 0; a < NACC; a++)
                r->seq[a] = account(r, &r->addrs[a]).sequence;
        }
        k += n;
        abci_arena_reset(r->arena);
    }
    ck_assert_uint_gt(outcomes[0], blocks);     /* many valid txs */
    ck_assert_uint_gt(outcomes[1], blocks / 2); /* and many refused ones */
}

START_TEST(simulation_invariants_and_replay)
{
    ag_rng rng;
    ag_test_rng(&rng, 17);
    size_t blocks = (size_t)ag_test_iters(100, 2000);
    ag_buf *all = calloc(blocks * SIM_PER_BLOCK, sizeof *all);
    size_t *counts = calloc(blocks, sizeof *counts);
    crypto_hash *h1 = calloc(blocks, sizeof *h1), *h2 = calloc(blocks, sizeof *h2);
    rig r;
    rig_up_full(&r, 2, T_LOCAL, NULL);
    random_blocks(&r, &rng, blocks, h1, all, counts, true);
    rig_down(&r);
    rig r2;
    rig_up_full(&r2, 1, T_LOCAL, NULL); /* serial verification this time */
    random_blocks(&r2, &rng, blocks, h2, all, counts, false);
    for (size_t b = 0; b < blocks; b++)
        ck_assert_msg(memcmp(h1[b].b, h2[b].b, 32) == 0, "block %zu differs", b + 1);
    rig_down(&r2);
    size_t total = 0;
    for (size_t b = 0; b < blocks; b++)
        total += counts[b];
    for (size_t i = 0; i < total; i++)
        ag_buf_free(&all[i]);
    free(all);
    free(counts);
    free(h1);
    free(h2);
}
END_TEST

START_TEST(parallel_and_serial_verification_agree)
{
    /* the same block, with good and bad signatures, on 1 and 2 threads */
    rig a, b;
    rig_up_full(&a, 1, T_LOCAL, NULL);
    rig_up_full(&b, 2, T_LOCAL, NULL);
    ag_buf txs[16];
    for (int i = 0; i < 16; i++) {
        txopt o = defaults();
        unsigned from = (unsigned)(i % NACC);
        o.bad_sig = i % 5 == 3;
        o.high_s = i % 7 == 4;
        build_tx(&txs[i], &a, from, &a.addrs[(from + 1) % NACC], 10 + (market_u128)i, &o);
        if (!o.bad_sig && !o.high_s)
            a.seq[from]++;
    }
    abci_resp_finalize_block *fa = finalize(&a, txs, 16, true);
    abci_resp_finalize_block *fb = finalize(&b, txs, 16, true);
    ck_assert_mem_eq(fa->app_hash.data, fb->app_hash.data, 32);
    for (int i = 0; i < 16; i++) {
        ck_assert_uint_eq(fa->tx_results[i]->code, fb->tx_results[i]->code);
        ck_assert_str_eq(fa->tx_results[i]->log, fb->tx_results[i]->log);
        ck_assert_int_eq(fa->tx_results[i]->gas_used, fb->tx_results[i]->gas_used);
        ck_assert_uint_eq(fa->tx_results[i]->code,
                          (i % 5 == 3 || i % 7 == 4) ? MARKET_CODE_UNAUTHORIZED : 0);
    }
    for (int i = 0; i < 16; i++)
        ag_buf_free(&txs[i]);
    rig_down(&a);
    rig_down(&b);
}
END_TEST

static abci_resp_query *query(rig *r, const char *path, const ProtobufCMessage *m, int64_t height,
                              bool prove, const uint8_t *raw, size_t raw_len)
{
    static uint8_t buf[4096];
    abci_req_query q = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    q.path = abci_str(path);
    if (m) {
        size_t n = protobuf_c_message_pack(m, buf);
        q.data = (ProtobufCBinaryData){n, buf};
    } else {
        q.data = (ProtobufCBinaryData){raw_len, (uint8_t *)(uintptr_t)raw};
    }
    q.height = height;
    q.prove = prove;
    abci_resp_query *resp;
    ck_assert_msg(abci_client_query(r->cli, r->arena, &q, &resp) == AG_OK, "%s", ag_err_detail());
    return resp;
}

START_TEST(queries)
{
    rig r;
    rig_up(&r);
    ag_buf tx;
    txopt o = defaults();
    build_tx(&tx, &r, 0, &r.addrs[1], 500, &o);
    finalize(&r, &tx, 1, true);
    char a0[CRYPTO_ADDRESS_STR_MAX];
    bech(a0, &r.addrs[0]);
    /* Account */
    Cosmos__Auth__V1beta1__QueryAccountRequest aq =
        COSMOS__AUTH__V1BETA1__QUERY_ACCOUNT_REQUEST__INIT;
    aq.address = (ProtobufCBinaryData){strlen(a0), (uint8_t *)a0};
    abci_resp_query *qr =
        query(&r, "/cosmos.auth.v1beta1.Query/Account", &aq.base, 0, false, NULL, 0);
    ck_assert_msg(qr->code == 0, "%s", qr->log);
    Cosmos__Auth__V1beta1__QueryAccountResponse *ar =
        cosmos__auth__v1beta1__query_account_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_ptr_nonnull(ar);
    ck_assert_uint_eq(ar->account->type_url.len, strlen("/cosmos.auth.v1beta1.BaseAccount"));
    Cosmos__Auth__V1beta1__BaseAccount *ba = cosmos__auth__v1beta1__base_account__unpack(
        NULL, ar->account->value.len, ar->account->value.data);
    ck_assert_ptr_nonnull(ba);
    ck_assert_uint_eq(ba->account_number, accnum(0));
    ck_assert_uint_eq(ba->sequence, 1);
    ck_assert_ptr_nonnull(ba->pub_key);
    cosmos__auth__v1beta1__base_account__free_unpacked(ba, NULL);
    cosmos__auth__v1beta1__query_account_response__free_unpacked(ar, NULL);
    /* unknown account, bad address */
    crypto_address nobody;
    memset(nobody.b, 9, sizeof nobody.b);
    char nb[CRYPTO_ADDRESS_STR_MAX];
    bech(nb, &nobody);
    aq.address = (ProtobufCBinaryData){strlen(nb), (uint8_t *)nb};
    ck_assert_uint_eq(
        query(&r, "/cosmos.auth.v1beta1.Query/Account", &aq.base, 0, false, NULL, 0)->code,
        MARKET_CODE_NOT_FOUND);
    aq.address = (ProtobufCBinaryData){5, (uint8_t *)(uintptr_t) "hello"};
    ck_assert_uint_eq(
        query(&r, "/cosmos.auth.v1beta1.Query/Account", &aq.base, 0, false, NULL, 0)->code,
        MARKET_CODE_INVALID_ADDRESS);
    /* Balance */
    Cosmos__Bank__V1beta1__QueryBalanceRequest bq =
        COSMOS__BANK__V1BETA1__QUERY_BALANCE_REQUEST__INIT;
    bq.address = (ProtobufCBinaryData){strlen(a0), (uint8_t *)a0};
    bq.denom = (ProtobufCBinaryData){6, (uint8_t *)(uintptr_t) "uagora"};
    qr = query(&r, "/cosmos.bank.v1beta1.Query/Balance", &bq.base, 0, false, NULL, 0);
    ck_assert_msg(qr->code == 0, "%s", qr->log);
    Cosmos__Bank__V1beta1__QueryBalanceResponse *br =
        cosmos__bank__v1beta1__query_balance_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_ptr_nonnull(br);
    char want[32];
    snprintf(want, sizeof want, "%u", 1000000000u - 500 - FEE);
    ck_assert_uint_eq(br->balance->amount.len, strlen(want));
    ck_assert(memcmp(br->balance->amount.data, want, strlen(want)) == 0);
    cosmos__bank__v1beta1__query_balance_response__free_unpacked(br, NULL);
    /* the balance at height 0 (genesis) is the genesis amount */
    qr = query(&r, "/cosmos.bank.v1beta1.Query/Balance", &bq.base, 0, false, NULL, 0);
    /* AllBalances with a page of 1 */
    Cosmos__Base__Query__V1beta1__PageRequest pg = COSMOS__BASE__QUERY__V1BETA1__PAGE_REQUEST__INIT;
    pg.limit = 1;
    pg.count_total = 1;
    Cosmos__Bank__V1beta1__QueryAllBalancesRequest abq =
        COSMOS__BANK__V1BETA1__QUERY_ALL_BALANCES_REQUEST__INIT;
    abq.address = bq.address;
    abq.pagination = &pg;
    qr = query(&r, "/cosmos.bank.v1beta1.Query/AllBalances", &abq.base, 0, false, NULL, 0);
    ck_assert_msg(qr->code == 0, "%s", qr->log);
    Cosmos__Bank__V1beta1__QueryAllBalancesResponse *abr =
        cosmos__bank__v1beta1__query_all_balances_response__unpack(NULL, qr->value.len,
                                                                   qr->value.data);
    ck_assert_uint_eq(abr->n_balances, 1);
    ck_assert(memcmp(abr->balances[0]->denom.data, "uagora", 6) == 0);
    ck_assert_uint_eq(abr->pagination->total, 2);
    ck_assert_uint_eq(abr->pagination->next_key.len, 4);
    ck_assert(memcmp(abr->pagination->next_key.data, "ufoo", 4) == 0);
    pg.key = (ProtobufCBinaryData){4, (uint8_t *)(uintptr_t) "ufoo"};
    pg.count_total = 0;
    cosmos__bank__v1beta1__query_all_balances_response__free_unpacked(abr, NULL);
    qr = query(&r, "/cosmos.bank.v1beta1.Query/AllBalances", &abq.base, 0, false, NULL, 0);
    abr = cosmos__bank__v1beta1__query_all_balances_response__unpack(NULL, qr->value.len,
                                                                     qr->value.data);
    ck_assert_uint_eq(abr->n_balances, 1);
    ck_assert(memcmp(abr->balances[0]->denom.data, "ufoo", 4) == 0);
    ck_assert_uint_eq(abr->pagination->next_key.len, 0);
    cosmos__bank__v1beta1__query_all_balances_response__free_unpacked(abr, NULL);
    /* TotalSupply */
    Cosmos__Bank__V1beta1__QueryTotalSupplyRequest tq =
        COSMOS__BANK__V1BETA1__QUERY_TOTAL_SUPPLY_REQUEST__INIT;
    qr = query(&r, "/cosmos.bank.v1beta1.Query/TotalSupply", &tq.base, 0, false, NULL, 0);
    Cosmos__Bank__V1beta1__QueryTotalSupplyResponse *tr =
        cosmos__bank__v1beta1__query_total_supply_response__unpack(NULL, qr->value.len,
                                                                   qr->value.data);
    ck_assert_uint_eq(tr->n_supply, 2);
    ck_assert(memcmp(tr->supply[0]->amount.data, "16000000000", 11) == 0);
    cosmos__bank__v1beta1__query_total_supply_response__free_unpacked(tr, NULL);
    /* Simulate: gas used and events, no state change */
    r.seq[0] = 1;
    ag_buf stx;
    build_tx(&stx, &r, 0, &r.addrs[1], 1, &o);
    Cosmos__Tx__V1beta1__SimulateRequest sq = COSMOS__TX__V1BETA1__SIMULATE_REQUEST__INIT;
    sq.tx_bytes = (ProtobufCBinaryData){stx.len, stx.data};
    qr = query(&r, "/cosmos.tx.v1beta1.Service/Simulate", &sq.base, 0, false, NULL, 0);
    ck_assert_msg(qr->code == 0, "%s", qr->log);
    Cosmos__Tx__V1beta1__SimulateResponse *sr =
        cosmos__tx__v1beta1__simulate_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_ptr_nonnull(sr);
    uint64_t sim_gas = sr->gas_info->gas_used;
    ck_assert_uint_gt(sim_gas, 0);
    ck_assert_uint_gt(sr->result->n_events, 0);
    cosmos__tx__v1beta1__simulate_response__free_unpacked(sr, NULL);
    ck_assert_uint_eq(account(&r, &r.addrs[0]).sequence, 1);
    ck_assert_msg(sim_gas > 20000 && sim_gas < 60000, "MsgSend gas %llu",
                  (unsigned long long)sim_gas);
    /* as CosmJS simulates: empty fee (gas limit 0) and an empty signature */
    {
        market_msg_send m = {.from = r.addrs[0], .to = r.addrs[1], .n_amount = 1};
        strcpy(m.amount[0].denom, "uagora");
        m.amount[0].amount = 1;
        ag_buf val, body, auth, raw;
        ag_buf_init(&val, 0);
        ag_buf_init(&body, 0);
        ag_buf_init(&auth, 0);
        ag_buf_init(&raw, 0);
        ck_assert_int_eq(market_msg_send_encode(&val, &m), AG_OK);
        market_any any = {MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&val)};
        market_fee fee = {.n_amount = 0, .gas_limit = 0};
        uint64_t seq = 1;
        market_tx_draft d = {.msgs = &any,
                             .n_msgs = 1,
                             .fee = &fee,
                             .pubkeys = &r.pubs[0],
                             .sequences = &seq,
                             .n_signers = 1};
        ck_assert_int_eq(market_tx_encode_body(&body, &d), AG_OK);
        ck_assert_int_eq(market_tx_encode_auth_info(&auth, &d), AG_OK);
        ck_assert_int_eq(
            market_tx_encode_raw(&raw, ag_buf_slice(&body), ag_buf_slice(&auth), NULL, 0), AG_OK);
        ck_assert_int_eq(ag_buf_append(&raw, "\x1a\x00", 2), AG_OK);
        sq.tx_bytes = (ProtobufCBinaryData){raw.len, raw.data};
        qr = query(&r, "/cosmos.tx.v1beta1.Service/Simulate", &sq.base, 0, false, NULL, 0);
        ck_assert_msg(qr->code == 0, "%s", qr->log);
        sr = cosmos__tx__v1beta1__simulate_response__unpack(NULL, qr->value.len, qr->value.data);
        ck_assert_ptr_nonnull(sr);
        ck_assert_uint_gt(sr->gas_info->gas_used, 10000);
        ck_assert_uint_eq(sr->gas_info->gas_wanted, 0);
        cosmos__tx__v1beta1__simulate_response__free_unpacked(sr, NULL);
        ag_buf_free(&val);
        ag_buf_free(&body);
        ag_buf_free(&auth);
        ag_buf_free(&raw);
    }
    abci_resp_finalize_block *fr = finalize(&r, &stx, 1, true);
    ck_assert_uint_eq(fr->tx_results[0]->code, 0);
    ck_assert_int_eq(fr->tx_results[0]->gas_used, (int64_t)sim_gas);
    /* raw store read with an ICS23 proof against the app hash */
    uint8_t key[MARKET_KEY_MAX];
    size_t kl = market_key_balance(key, &r.addrs[0], "uagora");
    qr = query(&r, "/store/main/key", NULL, 0, true, key, kl);
    ck_assert_msg(qr->code == 0, "%s", qr->log);
    ck_assert_ptr_nonnull(qr->proof_ops);
    ck_assert_uint_eq(qr->proof_ops->n_ops, 1);
    ck_assert_str_eq(qr->proof_ops->ops[0]->type, "ics23:smt");
    crypto_hash root;
    market_app_hash(r.app, &root);
    ck_assert_int_eq(state_ics23_verify_membership(&root, qr->proof_ops->ops[0]->data.data,
                                                   qr->proof_ops->ops[0]->data.len, key, kl,
                                                   qr->value.data, qr->value.len),
                     AG_OK);
    /* at the previous height, against that height's app hash */
    int64_t prev = r.height - 1;
    qr = query(&r, "/store/main/key", NULL, prev, true, key, kl);
    ck_assert_uint_eq(qr->code, 0);
    ck_assert_int_eq(qr->height, prev);
    crypto_hash old;
    ck_assert_int_eq(state_store_root_at(r.store, (uint64_t)prev + 1, &old), AG_OK);
    ck_assert_int_eq(state_ics23_verify_membership(&old, qr->proof_ops->ops[0]->data.data,
                                                   qr->proof_ops->ops[0]->data.len, key, kl,
                                                   qr->value.data, qr->value.len),
                     AG_OK);
    ck_assert_int_ne(state_ics23_verify_membership(&root, qr->proof_ops->ops[0]->data.data,
                                                   qr->proof_ops->ops[0]->data.len, key, kl,
                                                   qr->value.data, qr->value.len),
                     AG_OK);
    /* absent key: a non-existence proof */
    kl = market_key_balance(key, &nobody, "uagora");
    qr = query(&r, "/store/main/key", NULL, 0, true, key, kl);
    ck_assert_uint_eq(qr->code, 0);
    ck_assert_uint_eq(qr->value.len, 0);
    ck_assert_int_eq(state_ics23_verify_nonmembership(&root, qr->proof_ops->ops[0]->data.data,
                                                      qr->proof_ops->ops[0]->data.len, key, kl),
                     AG_OK);
    /* future height, unknown path */
    ck_assert_uint_ne(query(&r, "/store/main/key", NULL, r.height + 5, false, key, kl)->code, 0);
    ck_assert_uint_eq(query(&r, "/nope", NULL, 0, false, key, kl)->code,
                      MARKET_CODE_UNKNOWN_REQUEST);
    ag_buf_free(&tx);
    ag_buf_free(&stx);
    rig_down(&r);
}
END_TEST

START_TEST(genesis_export_import_same_hash)
{
    rig r;
    rig_up_full(&r, 2, T_LOCAL,
                "{\"min_gas_price\": \"0.0250\", \"max_memo_characters\": \"100\"}");
    ag_buf txs[4];
    txopt o = defaults();
    for (int i = 0; i < 4; i++) {
        build_tx(&txs[i], &r, (unsigned)i, &r.addrs[i + 1], 1000 + (market_u128)i, &o);
        r.seq[i]++;
    }
    finalize(&r, txs, 4, true);
    crypto_address fresh;
    memset(fresh.b, 0x55, sizeof fresh.b);
    ag_buf t2;
    build_tx(&t2, &r, 5, &fresh, 3, &o);
    finalize(&r, &t2, 1, true);
    json_t *exp;
    ck_assert_int_eq(market_app_export_genesis(r.app, &exp), AG_OK);
    char *s = json_dumps(exp, JSON_COMPACT | JSON_SORT_KEYS);
    crypto_hash h1;
    market_app_hash(r.app, &h1);
    /* a fresh chain from the export */
    rig r2;
    rig_up_full(&r2, 2, T_LOCAL, NULL); /* (its own genesis is replaced below) */
    market_app_free(r2.app);
    abci_client_free(r2.cli);
    state_store_close(r2.store);
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    state_store_options so = {.no_sync = true};
    ck_assert_int_eq(state_store_open(&r2.store, kv, &so), AG_OK);
    ck_assert_int_eq(market_app_new(&r2.app, r2.store, NULL), AG_OK);
    abci_app app = market_app_abci(r2.app);
    ck_assert_int_eq(abci_local_new(&r2.cli, &app, NULL), AG_OK);
    crypto_hash h2;
    init_chain(&r2, s, &h2);
    ck_assert_mem_eq(h1.b, h2.b, 32);
    json_t *exp2;
    ck_assert_int_eq(market_app_export_genesis(r2.app, &exp2), AG_OK);
    char *s2 = json_dumps(exp2, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(s, s2);
    ck_assert_ptr_nonnull(strstr(s, "\"min_gas_price\":\"0.0250\""));
    free(s);
    free(s2);
    json_decref(exp);
    json_decref(exp2);
    for (int i = 0; i < 4; i++)
        ag_buf_free(&txs[i]);
    ag_buf_free(&t2);
    rig_down(&r);
    rig_down(&r2);
}
END_TEST

START_TEST(genesis_rejects_bad_state)
{
    const char *bad[] = {
        "[1]",
        "{\"params\": {\"min_gas_price\": \"-1\"}}",
        "{\"params\": {\"max_memo_characters\": \"100000\"}}",
        "{\"bank\": {\"balances\": [{\"address\": \"agora1xyz\", \"coins\": []}]}}",
        "{\"bank\": {\"balances\": [], \"supply\": [{\"denom\": \"uagora\", \"amount\": \"5\"}]}}",
        "{not json",
        "{\"auth\": {\"accounts\": [{\"address\": "
        "\"agora1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkc65ek\", "
        "\"account_number\": \"18446744073709551615\"}]}}",
        "{\"auth\": {\"accounts\": [{\"address\": "
        "\"agora1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkc65ek\", "
        "\"account_number\": \"4\"}, {\"address\": "
        "\"agora1qyqszqgpqyqszqgpqyqszqgpqyqszqgphgm4nh\", "
        "\"account_number\": \"4\"}]}}",
        "{\"bank\": {\"balances\": [{\"address\": "
        "\"agora1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkc65ek\", "
        "\"coins\": [{\"denom\": \"uagora\", \"amount\": \"-5\"}]}]}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        state_kv *kv;
        state_store *st;
        market_app *app;
        abci_arena *a;
        ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
        ck_assert_int_eq(state_store_open(&st, kv, NULL), AG_OK);
        ck_assert_int_eq(market_app_new(&app, st, NULL), AG_OK);
        ck_assert_int_eq(abci_arena_new(&a, 0), AG_OK);
        abci_app aa = market_app_abci(app);
        abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
        ic.chain_id = abci_str(CHAIN);
        ic.app_state_bytes = (ProtobufCBinaryData){strlen(bad[i]), (uint8_t *)(uintptr_t)bad[i]};
        abci_resp_init_chain resp = TENDERMINT__ABCI__RESPONSE_INIT_CHAIN__INIT;
        ck_assert_msg(aa.ops->init_chain(aa.ctx, a, &ic, &resp) != AG_OK, "case %zu accepted", i);
        ck_assert_uint_eq(state_store_version(st), 0);
        abci_arena_free(a);
        market_app_free(app);
        state_store_close(st);
    }
}
END_TEST

START_TEST(prepare_and_process_proposal)
{
    rig r;
    rig_up(&r);
    ag_buf txs[3];
    txopt o = defaults();
    build_tx(&txs[0], &r, 0, &r.addrs[1], 1, &o);
    o.seq = 7;
    build_tx(&txs[1], &r, 0, &r.addrs[1], 1, &o); /* stale sequence: dropped */
    o.seq = 1;
    build_tx(&txs[2], &r, 0, &r.addrs[1], 1, &o);
    ProtobufCBinaryData b[3];
    for (int i = 0; i < 3; i++)
        b[i] = (ProtobufCBinaryData){txs[i].len, txs[i].data};
    abci_req_prepare_proposal pp = TENDERMINT__ABCI__REQUEST_PREPARE_PROPOSAL__INIT;
    pp.txs = b;
    pp.n_txs = 3;
    pp.height = 1;
    pp.max_tx_bytes = 1 << 20;
    abci_resp_prepare_proposal *ppr;
    ck_assert_int_eq(abci_client_prepare_proposal(r.cli, r.arena, &pp, &ppr), AG_OK);
    ck_assert_uint_eq(ppr->n_txs, 2);
    ck_assert_uint_eq(ppr->txs[1].len, txs[2].len);
    pp.max_tx_bytes = (int64_t)txs[0].len; /* room for one */
    ck_assert_int_eq(abci_client_prepare_proposal(r.cli, r.arena, &pp, &ppr), AG_OK);
    ck_assert_uint_eq(ppr->n_txs, 1);
    abci_req_process_proposal pr = TENDERMINT__ABCI__REQUEST_PROCESS_PROPOSAL__INIT;
    pr.txs = b;
    pr.n_txs = 3;
    abci_resp_process_proposal *prr;
    ck_assert_int_eq(abci_client_process_proposal(r.cli, r.arena, &pr, &prr), AG_OK);
    ck_assert_int_eq(prr->status,
                     TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__ACCEPT);
    b[1] = (ProtobufCBinaryData){5, (uint8_t *)(uintptr_t) "junk!"};
    ck_assert_int_eq(abci_client_process_proposal(r.cli, r.arena, &pr, &prr), AG_OK);
    ck_assert_int_eq(prr->status,
                     TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__REJECT);
    for (int i = 0; i < 3; i++)
        ag_buf_free(&txs[i]);
    rig_down(&r);
}
END_TEST

START_TEST(restart_from_rocksdb_and_info)
{
    char dir[64];
    ag_test_mkdtemp(dir, "market");
    market_app *app;
    ck_assert_int_eq(market_app_open(&app, dir, NULL), AG_OK);
    abci_arena *a;
    ck_assert_int_eq(abci_arena_new(&a, 0), AG_OK);
    abci_app aa = market_app_abci(app);
    abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    ic.chain_id = abci_str(CHAIN);
    abci_resp_init_chain icr = TENDERMINT__ABCI__RESPONSE_INIT_CHAIN__INIT;
    ck_assert_int_eq(aa.ops->init_chain(aa.ctx, a, &ic, &icr), AG_OK);
    abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
    fb.height = 1;
    abci_resp_finalize_block fr = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
    ck_assert_int_eq(aa.ops->finalize_block(aa.ctx, a, &fb, &fr), AG_OK);
    abci_req_commit cm = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
    abci_resp_commit cr = TENDERMINT__ABCI__RESPONSE_COMMIT__INIT;
    ck_assert_int_eq(aa.ops->commit(aa.ctx, a, &cm, &cr), AG_OK);
    uint8_t h[32];
    memcpy(h, fr.app_hash.data, 32);
    market_app_free(app);
    ck_assert_int_eq(market_app_open(&app, dir, NULL), AG_OK);
    aa = market_app_abci(app);
    abci_req_info iq = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    abci_resp_info ir = TENDERMINT__ABCI__RESPONSE_INFO__INIT;
    ck_assert_int_eq(aa.ops->info(aa.ctx, a, &iq, &ir), AG_OK);
    ck_assert_int_eq(ir.last_block_height, 1);
    ck_assert_mem_eq(ir.last_block_app_hash.data, h, 32);
    /* A crash between FinalizeBlock and Commit: the block was not written,
     * Info still says height 1, and executing it again gives the same hash
     * (also when FinalizeBlock comes twice, as from a restarted engine). */
    fb.height = 2;
    ck_assert_int_eq(aa.ops->finalize_block(aa.ctx, a, &fb, &fr), AG_OK);
    uint8_t h2[32];
    memcpy(h2, fr.app_hash.data, 32);
    market_app_free(app);
    ck_assert_int_eq(market_app_open(&app, dir, NULL), AG_OK);
    aa = market_app_abci(app);
    ck_assert_int_eq(aa.ops->info(aa.ctx, a, &iq, &ir), AG_OK);
    ck_assert_int_eq(ir.last_block_height, 1);
    ck_assert_mem_eq(ir.last_block_app_hash.data, h, 32);
    for (int i = 0; i < 2; i++) {
        abci_resp_finalize_block again = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
        ck_assert_int_eq(aa.ops->finalize_block(aa.ctx, a, &fb, &again), AG_OK);
        ck_assert_mem_eq(again.app_hash.data, h2, 32);
    }
    ck_assert_int_eq(aa.ops->commit(aa.ctx, a, &cm, &cr), AG_OK);
    abci_resp_info ir2 = TENDERMINT__ABCI__RESPONSE_INFO__INIT;
    ck_assert_int_eq(aa.ops->info(aa.ctx, a, &iq, &ir2), AG_OK);
    ck_assert_int_eq(ir2.last_block_height, 2);
    ck_assert_mem_eq(ir2.last_block_app_hash.data, h2, 32);
    /* wrong height refused */
    fb.height = 5;
    ck_assert_int_eq(aa.ops->finalize_block(aa.ctx, a, &fb, &fr), AG_ERR_STATE);
    market_app_free(app);
    abci_arena_free(a);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(through_the_abci_socket)
{
    rig r;
    rig_up_full(&r, 2, T_SOCKET, NULL);
    ag_buf txs[2];
    txopt o = defaults();
    build_tx(&txs[0], &r, 0, &r.addrs[1], 42, &o);
    build_tx(&txs[1], &r, 1, &r.addrs[0], 43, &o);
    for (int i = 0; i < 2; i++)
        ck_assert_uint_eq(check(&r, &txs[i], false)->code, 0);
    abci_resp_finalize_block *fr = finalize(&r, txs, 2, true);
    ck_assert_uint_eq(fr->tx_results[0]->code, 0);
    ck_assert_uint_eq(fr->tx_results[1]->code, 0);
    ck_assert(balance(&r, &r.addrs[0], "uagora") == 1000000000u - 42 + 43 - FEE);
    abci_req_info iq = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    abci_resp_info *ir;
    ck_assert_int_eq(abci_client_info(r.cli, r.arena, &iq, &ir), AG_OK);
    ck_assert_int_eq(ir->last_block_height, 1);
    for (int i = 0; i < 2; i++)
        ag_buf_free(&txs[i]);
    rig_down(&r);
}
END_TEST

START_TEST(gas_meter_and_price)
{
    market_gas_meter m;
    market_gas_init(&m, 100);
    ck_assert_int_eq(market_gas_charge(&m, 60, "a"), AG_OK);
    ck_assert_int_eq(market_gas_charge(&m, 41, "b"), AG_ERR_TOO_LARGE);
    ck_assert(m.out);
    ck_assert_uint_eq(m.used, 100);
    ck_assert_uint_eq(market_gas_cost(1, UINT64_MAX, 2), UINT64_MAX);
    uint64_t n, d;
    ck_assert_int_eq(market_gas_price_parse("0.025", &n, &d), AG_OK);
    ck_assert_uint_eq(n, 25);
    ck_assert_uint_eq(d, 1000);
    char out[48];
    market_gas_price_format(out, n, d);
    ck_assert_str_eq(out, "0.025");
    ck_assert_int_ne(market_gas_price_parse("1.", &n, &d), AG_OK);
    ck_assert_int_ne(market_gas_price_parse(".5", &n, &d), AG_OK);
    ck_assert_int_ne(market_gas_price_parse("0.0000000000000000001", &n, &d), AG_OK);
    market_auth_params p;
    market_auth_params_default(&p);
    ck_assert(market_auth_params_min_fee(&p, 200000) == 5000);
    ck_assert(market_auth_params_min_fee(&p, 1) == 1); /* rounded up */
    ck_assert(market_auth_params_min_fee(&p, UINT64_MAX) > 0);
}
END_TEST

/* ---- a module plugged in through module.h ---- */

#define TM_NAME "escrowtest"
#define TM_KEY  0x10

static ag_err tm_paid(market_ctx *ctx, uint64_t *out)
{
    const uint8_t k[1] = {TM_KEY};
    ag_buf v;
    ag_buf_init(&v, 16);
    ag_err err = market_ctx_get(ctx, k, 1, &v);
    *out = 0;
    if (!err && v.len == 8)
        *out = market_get_u64(v.data);
    else if (err == AG_ERR_NOT_FOUND)
        err = AG_OK;
    ag_buf_free(&v);
    return err;
}

static ag_err tm_set_paid(market_ctx *ctx, uint64_t v)
{
    const uint8_t k[1] = {TM_KEY};
    uint8_t b[8];
    market_put_u64(b, v);
    return market_ctx_set(ctx, k, 1, b, 8);
}

static crypto_address tm_payee;

static ag_err tm_begin(market_ctx *ctx)
{
    char h[24];
    snprintf(h, sizeof h, "%lld", (long long)ctx->height);
    const char *kv[] = {"height", h};
    return market_event_add(ctx->events, "begin_seen", 1, kv);
}

/* Every even height, pay 1 uagora out of the module's escrow. */
static ag_err tm_end(market_ctx *ctx)
{
    if (ctx->height % 2)
        return AG_OK;
    market_coin c = {.denom = "uagora", .amount = 1};
    ag_err err = market_bank_from_module(ctx, TM_NAME, &tm_payee, &c, 1);
    uint64_t paid;
    if (!err)
        err = tm_paid(ctx, &paid);
    if (!err)
        err = tm_set_paid(ctx, paid + 1);
    const char *kv[] = {"amount", "1uagora"};
    return err ? err : market_event_add(ctx->events, "escrow_paid", 1, kv);
}

static ag_err tm_query(market_ctx *ctx, const char *path, const uint8_t *req, size_t len,
                       ag_buf *out)
{
    if (strcmp(path, "/agora.test.v1.Query/Paid") != 0)
        return market_ctx_fail(ctx, MARKET_CODE_UNKNOWN_REQUEST, "no such test query %s", path);
    uint64_t paid;
    ag_err err = tm_paid(ctx, &paid);
    uint8_t b[8];
    market_put_u64(b, paid);
    return err ? err : ag_buf_append(out, b, 8);
}

static ag_err tm_init(market_ctx *ctx, const json_t *state)
{
    const char *p = json_string_value(json_object_get(state, "paid"));
    return tm_set_paid(ctx, p ? strtoull(p, NULL, 10) : 0);
}

static ag_err tm_export(market_ctx *ctx, json_t **out)
{
    uint64_t paid;
    ag_err err = tm_paid(ctx, &paid);
    char b[24];
    snprintf(b, sizeof b, "%llu", (unsigned long long)paid);
    *out = err ? NULL : json_pack("{s:s}", "paid", b);
    return err;
}

/* escrow + paid == 1000 (its genesis funding) */
static ag_err tm_invariant(market_ctx *ctx)
{
    crypto_address m;
    market_module_address(TM_NAME, &m);
    market_u128 bal;
    uint64_t paid;
    ag_err err = market_bank_balance(ctx, &m, "uagora", &bal);
    if (!err)
        err = tm_paid(ctx, &paid);
    if (!err && bal + paid != 1000)
        err = ag_err_set(AG_ERR_CORRUPT, "escrowtest: escrow + paid != 1000");
    return err;
}

static const market_query_route tm_queries[] = {{"/agora.test.v1.Query/", tm_query}};
static const market_module tm_module = {
    .name = TM_NAME,
    .queries = tm_queries,
    .n_queries = 1,
    .begin_block = tm_begin,
    .end_block = tm_end,
    .init_genesis = tm_init,
    .export_genesis = tm_export,
    .invariant = tm_invariant,
};

START_TEST(module_interface)
{
    rig r;
    memset(&r, 0, sizeof r);
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    ck_assert_int_eq(state_store_open(&r.store, kv, NULL), AG_OK);
    const market_module *mods[] = {&tm_module};
    market_app_opts o = {.modules = mods, .n_modules = 1};
    ck_assert_int_eq(market_app_new(&r.app, r.store, &o), AG_OK);
    ck_assert_int_eq(abci_arena_new(&r.arena, 0), AG_OK);
    abci_app app = market_app_abci(r.app);
    ck_assert_int_eq(abci_local_new(&r.cli, &app, NULL), AG_OK);
    memset(tm_payee.b, 0x31, sizeof tm_payee.b);
    crypto_address m;
    market_module_address(TM_NAME, &m);
    char ms[CRYPTO_ADDRESS_STR_MAX];
    bech(ms, &m);
    char genesis[512];
    snprintf(genesis, sizeof genesis,
             "{\"bank\":{\"balances\":[{\"address\":\"%s\",\"coins\":[{\"denom\":\"uagora\","
             "\"amount\":\"1000\"}]}]},\"escrowtest\":{\"paid\":\"0\"}}",
             ms);
    init_chain(&r, genesis, NULL);
    for (int b = 0; b < 6; b++) {
        abci_resp_finalize_block *fr = finalize(&r, NULL, 0, true); /* checks invariants */
        bool begin = false, paid = false;
        for (size_t i = 0; i < fr->n_events; i++) {
            begin |= !strcmp(fr->events[i]->type, "begin_seen");
            paid |= !strcmp(fr->events[i]->type, "escrow_paid");
        }
        ck_assert(begin);
        ck_assert(paid == (r.height % 2 == 0));
    }
    ck_assert(balance(&r, &tm_payee, "uagora") == 3);
    ck_assert(balance(&r, &m, "uagora") == 997);
    abci_resp_query *qr = query(&r, "/agora.test.v1.Query/Paid", NULL, 0, false, NULL, 0);
    ck_assert_uint_eq(qr->code, 0);
    ck_assert_uint_eq(qr->value.len, 8);
    ck_assert_uint_eq(market_get_u64(qr->value.data), 3);
    /* at an earlier height, through the same route */
    qr = query(&r, "/agora.test.v1.Query/Paid", NULL, 2, false, NULL, 0);
    ck_assert_uint_eq(market_get_u64(qr->value.data), 1);
    ck_assert_uint_eq(query(&r, "/agora.test.v1.Query/Other", NULL, 0, false, NULL, 0)->code,
                      MARKET_CODE_UNKNOWN_REQUEST);
    json_t *exp;
    ck_assert_int_eq(market_app_export_genesis(r.app, &exp), AG_OK);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(exp, TM_NAME), "paid")),
                     "3");
    json_decref(exp);
    rig_down(&r);
}
END_TEST

static Suite *market_app_suite(void)
{
    Suite *s = suite_create("market_app");
    TCase *tc = ag_test_tcase("app");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, gas_meter_and_price);
    tcase_add_test(tc, send_moves_funds_and_fee);
    tcase_add_test(tc, ante_rejections);
    tcase_add_test(tc, sequences_across_check_and_blocks);
    tcase_add_test(tc, out_of_gas_reverts_messages_but_charges_fee);
    tcase_add_test(tc, sig_cache_skips_second_verification);
    tcase_add_test(tc, preverify_fills_the_cache_only);
    tcase_add_test(tc, parallel_and_serial_verification_agree);
    tcase_add_test(tc, queries);
    tcase_add_test(tc, genesis_export_import_same_hash);
    tcase_add_test(tc, genesis_rejects_bad_state);
    tcase_add_test(tc, prepare_and_process_proposal);
    tcase_add_test(tc, restart_from_rocksdb_and_info);
    tcase_add_test(tc, through_the_abci_socket);
    tcase_add_test(tc, simulation_invariants_and_replay);
    tcase_add_test(tc, module_interface);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(market_app_suite)
