/*
 * bench_market — bank sends per second through the market application:
 *   1. CheckTx (NEW) of every tx: decode, ante, one signature verification
 *      each, on one core (CometBFT calls CheckTx serially);
 *   2. FinalizeBlock + Commit of the same blocks on a fresh app: signatures
 *      pre-verified on 2 threads, then executed, store committed (RocksDB,
 *      fsync on);
 *   3. FinalizeBlock + Commit after CheckTx saw the txs (signature cache hits);
 * printed next to the secp256k1 verification rate on 1 and 2 cores measured
 * in the same run, the ceiling of 1 and 2.
 * Then market txs on a fresh chain, one kind per block, half the accounts
 * providers and half tenants: MsgCreateOffer, MsgCreateOrder, MsgCreateBid,
 * MsgAcceptBid, MsgWithdrawLease — CheckTx of all of them, then
 * FinalizeBlock+Commit of each block (signatures pre-verified on 2 threads).
 *
 * Usage: bench_market [accounts] [blocks]   (default 2000 accounts, 5 blocks;
 * every account sends once per block)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agora/market/v1/types.pb-c.h"
#include "crypto/hash.h"
#include "lib/log.h"
#include "lib/pb.h"
#include "market/app.h"
#include "market/auth.h"
#include "market/msg.h"
#include "state/tx_encode.h"

#define CHAIN "agora-bench-1"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_market: %s: %s\n", what, ag_err_detail());
    exit(1);
}

/* ---- the verification ceiling ---- */

typedef struct vjob {
    const crypto_pubkey *pub;
    const crypto_sig *sig;
    const uint8_t *digest;
    long count, ok;
} vjob;

static void *vworker(void *arg)
{
    vjob *j = arg;
    for (long i = 0; i < j->count; i++)
        j->ok += crypto_verify_digest(j->pub, j->digest, j->sig->b, CRYPTO_SIG_LEN) == AG_OK;
    return NULL;
}

static double verify_rate(int threads, long per_thread)
{
    crypto_privkey k;
    uint8_t b[32] = {7}, d[32] = {9};
    crypto_privkey_from_bytes(&k, b, 32);
    crypto_pubkey p;
    crypto_sig s;
    crypto_pubkey_from_privkey(&p, &k);
    crypto_sign_digest(&s, &k, d);
    vjob jobs[8];
    pthread_t tid[8];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (vjob){&p, &s, d, per_thread, 0};
        pthread_create(&tid[i], NULL, vworker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    double dt = now_s() - t0;
    for (int i = 0; i < threads; i++)
        if (jobs[i].ok != per_thread)
            die("verification failed");
    return (double)threads * (double)per_thread / dt;
}

/* ---- the application ---- */

typedef struct chain {
    char dir[64];
    market_app *app;
    abci_app abci;
    abci_arena *arena;
} chain;

static void chain_up(chain *c, const char *genesis)
{
    snprintf(c->dir, sizeof c->dir, "/tmp/agora-bench-market-XXXXXX");
    if (!mkdtemp(c->dir))
        die("mkdtemp");
    if (market_app_open(&c->app, c->dir, NULL))
        die("open");
    if (abci_arena_new(&c->arena, 0))
        die("arena");
    c->abci = market_app_abci(c->app);
    abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    ic.chain_id = abci_str(CHAIN);
    ic.app_state_bytes = (ProtobufCBinaryData){strlen(genesis), (uint8_t *)(uintptr_t)genesis};
    abci_resp_init_chain r = TENDERMINT__ABCI__RESPONSE_INIT_CHAIN__INIT;
    if (c->abci.ops->init_chain(c->abci.ctx, c->arena, &ic, &r))
        die("InitChain");
}

static void chain_down(chain *c)
{
    market_app_free(c->app);
    abci_arena_free(c->arena);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_market: could not remove %s\n", c->dir);
}

static size_t run_blocks(chain *c, ProtobufCBinaryData *txs, size_t per_block, size_t blocks,
                         int64_t first_height, crypto_hash *hashes)
{
    size_t ok = 0;
    for (size_t b = 0; b < blocks; b++) {
        abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
        fb.height = first_height + (int64_t)b;
        fb.txs = txs + b * per_block;
        fb.n_txs = per_block;
        abci_resp_finalize_block fr = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
        if (c->abci.ops->finalize_block(c->abci.ctx, c->arena, &fb, &fr))
            die("FinalizeBlock");
        for (size_t i = 0; i < fr.n_tx_results; i++)
            ok += fr.tx_results[i]->code == 0;
        memcpy(hashes[b].b, fr.app_hash.data, 32);
        abci_req_commit cm = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
        abci_resp_commit cr = TENDERMINT__ABCI__RESPONSE_COMMIT__INIT;
        if (c->abci.ops->commit(c->abci.ctx, c->arena, &cm, &cr))
            die("Commit");
        abci_arena_reset(c->arena);
    }
    return ok;
}

/* One signed tx carrying one message. */
static ProtobufCBinaryData sign_one(const crypto_privkey *key, const crypto_pubkey *pub,
                                    uint64_t accnum, uint64_t seq, const char *url,
                                    const ag_buf *val, uint64_t gas)
{
    market_any any = {url, ag_buf_slice(val)};
    market_fee fee = {.n_amount = 1, .gas_limit = gas};
    strcpy(fee.amount[0].denom, "uagora");
    fee.amount[0].amount = gas / 40;
    market_tx_draft d = {
        .msgs = &any, .n_msgs = 1, .fee = &fee, .pubkeys = pub, .sequences = &seq, .n_signers = 1};
    ag_buf out;
    ag_buf_init(&out, 0);
    if (market_tx_sign(&out, &d, key, &accnum, CHAIN))
        die("sign");
    size_t len = out.len;
    return (ProtobufCBinaryData){len, ag_buf_steal(&out, &len)};
}

#define MKT_GAS  1000000
#define MKT_KIND 5

/* The market phase: txs[k * half + i] is kind k of provider / tenant i. */
static void market_txs(ProtobufCBinaryData *txs, size_t half, const crypto_privkey *keys,
                       const crypto_pubkey *pubs, const crypto_address *addrs)
{
    /* the workload: one service, 2 replicas of 0.5 core and 512 MiB */
    Agora__Market__V1__Resources res = AGORA__MARKET__V1__RESOURCES__INIT;
    res.cpu_millis = 500;
    res.memory_bytes = (uint64_t)512 << 20;
    Agora__Market__V1__Service svc = AGORA__MARKET__V1__SERVICE__INIT;
    svc.name = (ProtobufCBinaryData){3, (uint8_t *)(uintptr_t) "web"};
    svc.image = (ProtobufCBinaryData){12, (uint8_t *)(uintptr_t) "nginx:1.27.0"};
    svc.replicas = 2;
    svc.resources = &res;
    Agora__Market__V1__Service *svcs[1] = {&svc};
    Agora__Market__V1__Workload w = AGORA__MARKET__V1__WORKLOAD__INIT;
    w.n_services = 1;
    w.services = svcs;
    ag_buf wb, canon;
    ag_buf_init(&wb, 0);
    ag_buf_init(&canon, 0);
    market_msg_create_order order;
    memset(&order, 0, sizeof order);
    if (ag_pb_append(&wb, &w.base) ||
        market_workload_check(&order.summary, &canon, wb.data, wb.len))
        die("workload");
    order.workload = canon.data;
    order.workload_len = canon.len;
    strcpy(order.max_price.denom, "uagora");
    order.max_price.amount = 1000;
    order.auction_blocks = 3;
    strcpy(order.deposit.denom, "uagora");
    order.deposit.amount = 10000000;
    for (size_t i = 0; i < half; i++) {
        size_t p = i, t = half + i; /* provider and tenant accounts */
        uint64_t id = i + 1;        /* its offer, order, bid and lease ids */
        ag_buf v[MKT_KIND];
        for (int k = 0; k < MKT_KIND; k++)
            ag_buf_init(&v[k], 0);
        market_msg_offer offer;
        memset(&offer, 0, sizeof offer);
        offer.provider = addrs[p];
        strcpy(offer.spec.host_uri, "https://provider.example:8443");
        offer.spec.capacity.cpu_millis = 64000;
        offer.spec.capacity.memory_bytes = (uint64_t)256 << 30;
        strcpy(offer.spec.floor.denom, "uagora");
        offer.spec.floor.cpu = 100;
        order.tenant = addrs[t];
        market_msg_create_bid bid = {.provider = addrs[p], .order_id = id, .offer_id = id};
        strcpy(bid.price.denom, "uagora");
        bid.price.amount = 500;
        strcpy(bid.deposit.denom, "uagora");
        bid.deposit.amount = 500000;
        market_msg_ref accept = {.signer = addrs[t], .id = id}, wd = {.signer = addrs[p], .id = id};
        if (market_msg_create_offer_encode(&v[0], &offer) ||
            market_msg_create_order_encode(&v[1], &order) ||
            market_msg_create_bid_encode(&v[2], &bid) ||
            market_msg_ref_encode(&v[3], &market_msg_accept_bid_type, &accept) ||
            market_msg_ref_encode(&v[4], &market_msg_withdraw_lease_type, &wd))
            die("encode");
        static const char *const urls[MKT_KIND] = {
            MARKET_MSG_CREATE_OFFER_URL, MARKET_MSG_CREATE_ORDER_URL, MARKET_MSG_CREATE_BID_URL,
            MARKET_MSG_ACCEPT_BID_URL, MARKET_MSG_WITHDRAW_LEASE_URL};
        static const int tenant_sends[MKT_KIND] = {0, 1, 0, 1, 0};
        static const uint64_t seqs[MKT_KIND] = {0, 0, 1, 1, 2};
        for (int k = 0; k < MKT_KIND; k++) {
            size_t a = tenant_sends[k] ? t : p;
            txs[(size_t)k * half + i] =
                sign_one(&keys[a], &pubs[a], 2 + a, seqs[k], urls[k], &v[k], MKT_GAS);
            ag_buf_free(&v[k]);
        }
    }
    ag_buf_free(&wb);
    ag_buf_free(&canon);
}

int main(int argc, char **argv)
{
    size_t naccts = argc > 1 ? (size_t)atol(argv[1]) : 2000;
    size_t blocks = argc > 2 ? (size_t)atol(argv[2]) : 5;
    if (naccts < 2 || blocks < 1)
        return 2;
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);

    crypto_privkey *keys = calloc(naccts, sizeof *keys);
    crypto_pubkey *pubs = calloc(naccts, sizeof *pubs);
    crypto_address *addrs = calloc(naccts, sizeof *addrs);
    json_t *bals = json_array();
    for (size_t i = 0; i < naccts; i++) {
        uint8_t b[32] = {0x11};
        b[28] = (uint8_t)(i >> 24);
        b[29] = (uint8_t)(i >> 16);
        b[30] = (uint8_t)(i >> 8);
        b[31] = (uint8_t)i;
        b[1] = 1;
        if (crypto_privkey_from_bytes(&keys[i], b, 32) ||
            crypto_pubkey_from_privkey(&pubs[i], &keys[i]))
            die("key");
        crypto_address_from_pubkey(&addrs[i], &pubs[i]);
        char a[CRYPTO_ADDRESS_STR_MAX];
        crypto_address_to_bech32(a, sizeof a, AGORA_BECH32_PREFIX, &addrs[i]);
        json_array_append_new(bals, json_pack("{s:s, s:[{s:s, s:s}]}", "address", a, "coins",
                                              "denom", "uagora", "amount", "1000000000000"));
    }
    json_t *g = json_pack("{s:{s:o}}", "bank", "balances", bals);
    char *genesis = json_dumps(g, JSON_COMPACT);
    json_decref(g);

    /* every account sends 1uagora to the next one, once per block */
    size_t n = naccts * blocks;
    ProtobufCBinaryData *txs = calloc(n, sizeof *txs);
    double t0 = now_s();
    for (size_t b = 0; b < blocks; b++) {
        for (size_t i = 0; i < naccts; i++) {
            market_msg_send m = {.from = addrs[i], .to = addrs[(i + 1) % naccts], .n_amount = 1};
            strcpy(m.amount[0].denom, "uagora");
            m.amount[0].amount = 1;
            ag_buf val, out;
            ag_buf_init(&val, 0);
            ag_buf_init(&out, 0);
            market_msg_send_encode(&val, &m);
            market_any any = {MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&val)};
            market_fee fee = {.n_amount = 1, .gas_limit = 200000};
            strcpy(fee.amount[0].denom, "uagora");
            fee.amount[0].amount = 5000;
            uint64_t seq = b, an = 2 + i;
            market_tx_draft d = {.msgs = &any,
                                 .n_msgs = 1,
                                 .fee = &fee,
                                 .pubkeys = &pubs[i],
                                 .sequences = &seq,
                                 .n_signers = 1};
            if (market_tx_sign(&out, &d, &keys[i], &an, CHAIN))
                die("sign");
            size_t len = out.len;
            txs[b * naccts + i] = (ProtobufCBinaryData){len, ag_buf_steal(&out, &len)};
            ag_buf_free(&val);
        }
    }
    double t_sign = now_s() - t0;

    double v1 = verify_rate(1, 20000), v2 = verify_rate(2, 20000);

    /* 1. CheckTx */
    chain a;
    chain_up(&a, genesis);
    t0 = now_s();
    size_t check_ok = 0;
    for (size_t i = 0; i < n; i++) {
        abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
        ct.tx = txs[i];
        abci_resp_check_tx r = TENDERMINT__ABCI__RESPONSE_CHECK_TX__INIT;
        if (a.abci.ops->check_tx(a.abci.ctx, a.arena, &ct, &r))
            die("CheckTx");
        check_ok += r.code == 0;
        abci_arena_reset(a.arena);
    }
    double t_check = now_s() - t0;

    /* 2. FinalizeBlock + Commit on a fresh app (no cache: 2-thread pre-verification) */
    chain c;
    chain_up(&c, genesis);
    crypto_hash *h1 = calloc(blocks, sizeof *h1), *h2 = calloc(blocks, sizeof *h2);
    t0 = now_s();
    size_t fin_ok = run_blocks(&c, txs, naccts, blocks, 1, h1);
    double t_fin = now_s() - t0;

    /* 3. the same after CheckTx (signature cache) */
    t0 = now_s();
    size_t fin2_ok = run_blocks(&a, txs, naccts, blocks, 1, h2);
    double t_fin2 = now_s() - t0;
    for (size_t b = 0; b < blocks; b++)
        if (memcmp(h1[b].b, h2[b].b, 32))
            die("app hashes differ between the two runs");

    printf("bench_market: %zu accounts, %zu blocks of %zu MsgSend txs (signed in %.2f s)\n", naccts,
           blocks, naccts, t_sign);
    printf("  secp256k1 verify, 1 core:                 %9.0f /s\n", v1);
    printf("  secp256k1 verify, 2 cores:                %9.0f /s\n", v2);
    printf("  CheckTx (1 core, verifies each sig):      %9.0f tx/s  (%zu/%zu accepted)\n",
           (double)n / t_check, check_ok, n);
    printf("  FinalizeBlock+Commit, fresh (2 threads):  %9.0f tx/s  (%zu/%zu ok)\n",
           (double)n / t_fin, fin_ok, n);
    printf("  FinalizeBlock+Commit, after CheckTx:      %9.0f tx/s  (%zu/%zu ok, sig cache)\n",
           (double)n / t_fin2, fin2_ok, n);
    printf("  final app hash: ");
    for (int i = 0; i < 8; i++)
        printf("%02x", h1[blocks - 1].b[i]);
    printf("...\n");
    int bad = check_ok != n || fin_ok != n || fin2_ok != n;
    chain_down(&a);
    chain_down(&c);

    /* market txs: one kind per block on a fresh chain */
    size_t half = naccts / 2, mn = half * MKT_KIND;
    ProtobufCBinaryData *mtx = calloc(mn, sizeof *mtx);
    market_txs(mtx, half, keys, pubs, addrs);
    chain m;
    chain_up(&m, genesis);
    t0 = now_s();
    size_t mcheck_ok = 0;
    for (size_t i = 0; i < mn; i++) {
        abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
        ct.tx = mtx[i];
        abci_resp_check_tx r = TENDERMINT__ABCI__RESPONSE_CHECK_TX__INIT;
        if (m.abci.ops->check_tx(m.abci.ctx, m.arena, &ct, &r))
            die("CheckTx");
        mcheck_ok += r.code == 0;
        abci_arena_reset(m.arena);
    }
    double t_mcheck = now_s() - t0;
    chain_down(&m);
    chain_up(&m, genesis);
    static const char *const names[MKT_KIND] = {"MsgCreateOffer", "MsgCreateOrder", "MsgCreateBid",
                                                "MsgAcceptBid", "MsgWithdrawLease"};
    printf("  market: %zu providers, %zu tenants, one block per kind (gas limit %d)\n", half, half,
           MKT_GAS);
    printf("  CheckTx of all %zu market txs (ante):  %9.0f tx/s  (%zu/%zu accepted)\n", mn,
           (double)mn / t_mcheck, mcheck_ok, mn);
    for (int k = 0; k < MKT_KIND; k++) {
        crypto_hash h;
        t0 = now_s();
        size_t ok = run_blocks(&m, mtx + (size_t)k * half, half, 1, 1 + k, &h);
        double dt = now_s() - t0;
        printf("  FinalizeBlock+Commit, %-16s:  %9.0f tx/s  (%zu/%zu ok)\n", names[k],
               (double)half / dt, ok, half);
        bad |= ok != half;
    }
    bad |= mcheck_ok != mn;
    chain_down(&m);
    for (size_t i = 0; i < mn; i++)
        free(mtx[i].data);
    free(mtx);
    for (size_t i = 0; i < n; i++)
        free(txs[i].data);
    free(txs);
    free(keys);
    free(pubs);
    free(addrs);
    free(h1);
    free(h2);
    free(genesis);
    return bad;
}
