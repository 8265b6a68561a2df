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
 *
 * Usage: bench_market [accounts] [blocks]   (default 2000 accounts, 5 blocks;
 * every account sends once per block)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hash.h"
#include "lib/log.h"
#include "market/app.h"
#include "market/auth.h"
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
