/*
 * lg_sign.c — accounts and signed transactions. Everything signed before a
 * timed phase is signed here on every core, and each tx is turned into the
 * exact HTTP request the submitter writes, so the timed phase does no
 * signing, no encoding and no allocation per tx.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/lg.h"
#include "crypto/hash.h"
#include "lib/base64.h"
#include "lib/buf.h"
#include "state/msg.h"
#include "state/tx_encode.h"

/* min_gas_price is 0.025uagora: the fee covers gas_limit at that price. */
static uint64_t fee_for(uint64_t gas)
{
    return (gas * 25 + 999) / 1000;
}

typedef struct keyjob {
    lg_run *run;
    size_t from, to;
    uint64_t seed, first_number;
} keyjob;

static void *key_worker(void *arg)
{
    keyjob *j = arg;
    for (size_t i = j->from; i < j->to; i++) {
        lg_account *a = &j->run->accts[i];
        uint8_t in[16], sk[32];
        for (int b = 0; b < 8; b++) {
            in[b] = (uint8_t)(j->seed >> (8 * b));
            in[8 + b] = (uint8_t)((uint64_t)i >> (8 * b));
        }
        crypto_sha256(sk, in, sizeof in);
        if (crypto_privkey_from_bytes(&a->key, sk, sizeof sk) != AG_OK ||
            crypto_pubkey_from_privkey(&a->pub, &a->key) != AG_OK)
            lg_die("key %zu", i);
        crypto_address_from_pubkey(&a->addr, &a->pub);
        if (crypto_address_to_bech32(a->bech, sizeof a->bech, "agora", &a->addr) != AG_OK)
            lg_die("bech32");
        a->number = j->first_number + i;
        a->sequence = 0;
    }
    return NULL;
}

void lg_accounts_make(lg_run *run, size_t n, uint64_t seed, uint64_t first_number, int threads)
{
    run->accts = calloc(n, sizeof *run->accts);
    if (!run->accts)
        lg_die("out of memory (accounts)");
    run->n_accts = n;
    if (threads < 1)
        threads = 1;
    pthread_t tid[64];
    keyjob jobs[64];
    if (threads > 64)
        threads = 64;
    for (int t = 0; t < threads; t++) {
        jobs[t] = (keyjob){run, n * (size_t)t / (size_t)threads,
                           n * (size_t)(t + 1) / (size_t)threads, seed, first_number};
        if (pthread_create(&tid[t], NULL, key_worker, &jobs[t]) != 0)
            lg_die("pthread_create");
    }
    for (int t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
}

uint8_t *lg_sign_msg(lg_account *a, const char *type_url, const uint8_t *val, size_t val_len,
                     uint64_t gas, size_t *len)
{
    market_any any = {type_url, {val, val_len}};
    market_fee fee = {.n_amount = 1, .gas_limit = gas};
    strcpy(fee.amount[0].denom, LG_DENOM);
    fee.amount[0].amount = fee_for(gas);
    uint64_t seq = a->sequence;
    market_tx_draft d = {.msgs = &any,
                         .n_msgs = 1,
                         .fee = &fee,
                         .pubkeys = &a->pub,
                         .sequences = &seq,
                         .n_signers = 1};
    ag_buf out;
    ag_buf_init(&out, 0);
    if (market_tx_sign(&out, &d, &a->key, &a->number, LG_CHAIN_ID) != AG_OK)
        lg_die("sign: %s", ag_err_detail());
    a->sequence++;
    return ag_buf_steal(&out, len);
}

uint8_t *lg_http_request(const uint8_t *tx, size_t tx_len, bool sync, uint32_t *len)
{
    const char *method = sync ? "broadcast_tx_sync" : "broadcast_tx_async";
    size_t b64 = ag_base64_encoded_len(tx_len);
    char head[256];
    int body_len =
        snprintf(NULL, 0,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":{\"tx\":\"\"}}",
                 method) +
        (int)b64;
    int hl = snprintf(head, sizeof head,
                      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n"
                      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":{\"tx\":\"",
                      body_len, method);
    static const char tail[] = "\"}}";
    size_t total = (size_t)hl + b64 + sizeof tail - 1;
    uint8_t *r = malloc(total + 1);
    if (!r)
        lg_die("out of memory (requests)");
    memcpy(r, head, (size_t)hl);
    ag_base64_encode((char *)r + hl, tx, tx_len);
    memcpy(r + hl + b64, tail, sizeof tail - 1);
    *len = (uint32_t)total;
    return r;
}

/* ---- pre-signed bank sends ---- */

#define BANK_GAS 150000

typedef struct signed_tx {
    uint8_t *req;
    uint32_t req_len;
    uint8_t hash[32];
} signed_tx;

typedef struct bankjob {
    lg_run *run;
    size_t rounds;
    int t, threads;
    signed_tx *out; /* [round * n_accts + account] */
} bankjob;

static void *bank_worker(void *arg)
{
    bankjob *j = arg;
    size_t n = j->run->n_accts;
    for (size_t a = (size_t)j->t; a < n; a += (size_t)j->threads) {
        lg_account *acc = &j->run->accts[a];
        market_msg_send m = {
            .from = acc->addr, .to = j->run->accts[(a + 1) % n].addr, .n_amount = 1};
        strcpy(m.amount[0].denom, LG_DENOM);
        m.amount[0].amount = 1;
        ag_buf v;
        ag_buf_init(&v, 0);
        if (market_msg_send_encode(&v, &m) != AG_OK)
            lg_die("MsgSend encode");
        for (size_t r = 0; r < j->rounds; r++) {
            size_t len;
            uint8_t *tx = lg_sign_msg(acc, MARKET_MSG_SEND_TYPE_URL, v.data, v.len, BANK_GAS, &len);
            signed_tx *s = &j->out[r * n + a];
            crypto_sha256(s->hash, tx, len);
            s->req = lg_http_request(tx, len, j->run->sync, &s->req_len);
            free(tx);
        }
        ag_buf_free(&v);
    }
    return NULL;
}

void lg_presign_bank(lg_run *run, size_t rounds, int threads)
{
    size_t n = run->n_accts;
    signed_tx *out = calloc(rounds * n, sizeof *out);
    if (!out)
        lg_die("out of memory (pre-signed txs)");
    if (threads > 64)
        threads = 64;
    pthread_t tid[64];
    bankjob jobs[64];
    for (int t = 0; t < threads; t++) {
        jobs[t] = (bankjob){run, rounds, t, threads, out};
        if (pthread_create(&tid[t], NULL, bank_worker, &jobs[t]) != 0)
            lg_die("pthread_create");
    }
    for (int t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    for (size_t r = 0; r < rounds; r++)
        for (size_t a = 0; a < n; a++) {
            signed_tx *s = &out[r * n + a];
            lg_tx_add(run, s->req, s->req_len, s->hash, (uint32_t)a, 0, 0,
                      (int)(a % (size_t)run->n_nodes));
        }
    free(out);
}
