/*
 * ante.c — the ante handler, the signature cache and the parallel
 * pre-verification of a block's signatures.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "market/bank.h"
#include "market/internal.h"
#include "market/keys.h"

/* ---- signature cache ---- */

void market_sigcache_key(const market_tx *tx, size_t i, uint64_t account_number,
                         uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t buf[MARKET_TX_HASH_LEN + 16];
    market_tx_hash(tx, buf);
    market_put_u64(buf + MARKET_TX_HASH_LEN, (uint64_t)i);
    market_put_u64(buf + MARKET_TX_HASH_LEN + 8, account_number);
    crypto_sha256(out, buf, sizeof buf);
}

static size_t slot_of(const uint8_t key[CRYPTO_SHA256_LEN])
{
    return (size_t)market_get_u64(key) % MARKET_SIGCACHE_SLOTS;
}

bool market_sigcache_has(market_sigcache *c, const uint8_t key[CRYPTO_SHA256_LEN])
{
    size_t s = slot_of(key);
    pthread_mutex_lock(&c->mu);
    bool hit = c->used[s] && memcmp(c->keys[s], key, CRYPTO_SHA256_LEN) == 0;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void market_sigcache_add(market_sigcache *c, const uint8_t key[CRYPTO_SHA256_LEN])
{
    size_t s = slot_of(key);
    pthread_mutex_lock(&c->mu);
    memcpy(c->keys[s], key, CRYPTO_SHA256_LEN);
    c->used[s] = true;
    pthread_mutex_unlock(&c->mu);
}

static size_t acc_slot(const crypto_address *addr)
{
    return (size_t)market_get_u64(addr->b) % MARKET_ACCNUM_SLOTS;
}

void market_sigcache_note_account(market_sigcache *c, const crypto_address *addr, uint64_t number)
{
    size_t s = acc_slot(addr);
    pthread_mutex_lock(&c->mu);
    c->acc_addr[s] = *addr;
    c->acc_number[s] = number;
    c->acc_used[s] = true;
    pthread_mutex_unlock(&c->mu);
}

void market_sigcache_set_chain_id(market_sigcache *c, const char *chain_id)
{
    pthread_mutex_lock(&c->mu);
    snprintf(c->chain_id, sizeof c->chain_id, "%s", chain_id);
    pthread_mutex_unlock(&c->mu);
}

/* ---- pre-verification ahead of CheckTx (any thread) ---- */

void market_app_preverify(market_app *app, const uint8_t *in, size_t len)
{
    market_sigcache *c = app->sigcache;
    market_tx *tx;
    if (market_tx_decode(&tx, in, len) != AG_OK) {
        ag_err_clear();
        return; /* CheckTx will say why */
    }
    char chain_id[MARKET_CHAIN_ID_MAX + 1];
    for (size_t i = 0; i < market_tx_signer_count(tx); i++) {
        const market_signer *sg = market_tx_signer(tx, i);
        size_t s = acc_slot(&sg->address);
        pthread_mutex_lock(&c->mu);
        bool known = c->acc_used[s] && crypto_address_equal(&c->acc_addr[s], &sg->address);
        uint64_t number = c->acc_number[s];
        memcpy(chain_id, c->chain_id, sizeof chain_id);
        pthread_mutex_unlock(&c->mu);
        if (!known || !chain_id[0])
            continue; /* a first tx: verified in line, then its number is known */
        uint8_t key[CRYPTO_SHA256_LEN];
        market_sigcache_key(tx, i, number, key);
        if (market_sigcache_has(c, key))
            continue;
        if (market_tx_verify_signer(tx, i, chain_id, number, sg->sequence) == AG_OK)
            market_sigcache_add(c, key);
        else
            ag_err_clear();
    }
    market_tx_free(tx);
}

/* ---- parallel pre-verification ---- */

typedef struct sig_job {
    const market_tx *tx;
    size_t signer;
    uint64_t account_number;
    market_presig *out;
} sig_job;

typedef struct sig_work {
    sig_job *jobs;
    size_t n, stride, first;
    const char *chain_id;
} sig_work;

static void *verify_jobs(void *arg)
{
    sig_work *w = arg;
    for (size_t j = w->first; j < w->n; j += w->stride) {
        sig_job *job = &w->jobs[j];
        const market_signer *s = market_tx_signer(job->tx, job->signer);
        /* Only the signature: the sequence is checked in order by the ante handler. */
        job->out->result = market_tx_verify_signer(job->tx, job->signer, w->chain_id,
                                                   job->account_number, s->sequence);
        job->out->account_number = job->account_number;
        job->out->done = true;
    }
    return NULL;
}

ag_err market_presig_run(market_app *app, market_kv *kv, market_tx *const *txs, size_t n,
                         market_presig **pre)
{
    size_t total = 0;
    for (size_t t = 0; t < n; t++)
        if (txs[t])
            total += market_tx_signer_count(txs[t]);
    if (!total)
        return AG_OK;
    sig_job *jobs = calloc(total, sizeof *jobs);
    if (!jobs)
        return ag_err_set(AG_ERR_NOMEM, "presig: %zu jobs", total);
    market_gas_meter gas;
    market_gas_init(&gas, UINT64_MAX);
    market_events ev;
    market_events_init(&ev);
    market_ctx ctx = {.app = app,
                      .kv = kv,
                      .gas = &gas,
                      .events = &ev,
                      .params = &app->params,
                      .chain_id = app->chain_id,
                      .mode = MARKET_MODE_QUERY};
    size_t nj = 0;
    ag_err err = AG_OK;
    for (size_t t = 0; !err && t < n; t++) {
        if (!txs[t])
            continue;
        for (size_t i = 0; i < market_tx_signer_count(txs[t]); i++) {
            market_account acc;
            ag_err e = market_account_get(&ctx, &market_tx_signer(txs[t], i)->address, &acc);
            if (e == AG_ERR_NOT_FOUND)
                continue; /* created within the block: verified in line */
            if (e) {
                err = e;
                break;
            }
            uint8_t key[CRYPTO_SHA256_LEN];
            market_sigcache_key(txs[t], i, acc.number, key);
            if (market_sigcache_has(app->sigcache, key))
                continue;
            jobs[nj++] = (sig_job){txs[t], i, acc.number, &pre[t][i]};
        }
    }
    market_events_free(&ev);
    if (err) {
        free(jobs);
        return err;
    }
    int threads = app->opts.threads > 0 ? app->opts.threads : 2;
    if ((size_t)threads > nj)
        threads = nj ? (int)nj : 1;
    sig_work work[16];
    pthread_t tid[16];
    bool started[16] = {false};
    if (threads > 16)
        threads = 16;
    for (int k = 0; k < threads; k++)
        work[k] = (sig_work){jobs, nj, (size_t)threads, (size_t)k, app->chain_id};
    for (int k = 1; k < threads; k++)
        started[k] = pthread_create(&tid[k], NULL, verify_jobs, &work[k]) == 0;
    verify_jobs(&work[0]);
    for (int k = 1; k < threads; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            verify_jobs(&work[k]); /* no thread: do its share here */
    }
    app->stats.sig_verifications += nj;
    free(jobs);
    return AG_OK;
}

/* ---- the ante handler ---- */

static ag_err fail_verify(market_ctx *ctx, ag_err e, uint64_t number)
{
    if (e == AG_ERR_HIGH_S)
        return market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED,
                               "signature verification failed: high-S signature refused");
    if (e == AG_ERR_VERIFY || e == AG_ERR_BAD_SIG)
        return market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED,
                               "signature verification failed; please verify account number "
                               "(%" PRIu64 ") and chain-id (%s): unauthorized",
                               number, ctx->chain_id);
    return e;
}

static ag_err check_signature(market_ctx *ctx, const market_tx *tx, size_t i,
                              const market_account *acc, const market_presig *pre)
{
    market_app *app = ctx->app;
    const market_signer *s = market_tx_signer(tx, i);
    if (ctx->mode == MARKET_MODE_SIMULATE)
        return AG_OK;
    uint8_t key[CRYPTO_SHA256_LEN];
    market_sigcache_key(tx, i, acc->number, key);
    if (ctx->mode == MARKET_MODE_CHECK)
        market_sigcache_note_account(app->sigcache, &s->address, acc->number);
    if (market_sigcache_has(app->sigcache, key)) {
        app->stats.sig_cache_hits++;
        return AG_OK;
    }
    ag_err e;
    if (pre && pre[i].done && pre[i].account_number == acc->number) {
        e = pre[i].result;
        app->stats.presig_used++;
    } else {
        e = market_tx_verify_signer(tx, i, ctx->chain_id, acc->number, s->sequence);
        app->stats.sig_verifications++;
    }
    if (e)
        return fail_verify(ctx, e, acc->number);
    market_sigcache_add(app->sigcache, key);
    return AG_OK;
}

ag_err market_ante(market_ctx *ctx, const market_tx *tx, size_t tx_len, const market_presig *pre)
{
    const market_auth_params *p = ctx->params;
    if (tx_len > p->max_tx_bytes)
        return market_ctx_fail(ctx, MARKET_CODE_TX_TOO_LARGE, "tx of %zu bytes, at most %" PRIu64,
                               tx_len, p->max_tx_bytes);
    size_t memo_len;
    market_tx_memo(tx, &memo_len);
    if (memo_len > p->max_memo_characters)
        return market_ctx_fail(ctx, MARKET_CODE_MEMO_TOO_LARGE,
                               "maximum number of characters is %" PRIu64 " but received %zu "
                               "characters: memo too large",
                               p->max_memo_characters, memo_len);
    uint64_t timeout = market_tx_timeout_height(tx);
    if (timeout && (uint64_t)ctx->height > timeout)
        return market_ctx_fail(ctx, MARKET_CODE_TX_TIMEOUT_HEIGHT,
                               "block height: %" PRId64 ", timeout height: %" PRIu64
                               ": tx timeout height",
                               ctx->height, timeout);
    const market_fee *fee = market_tx_fee(tx);
    market_u128 paid = 0;
    for (size_t i = 0; i < fee->n_amount; i++)
        if (strcmp(fee->amount[i].denom, p->fee_denom) == 0)
            paid = fee->amount[i].amount;
    market_u128 need = market_auth_params_min_fee(p, fee->gas_limit);
    if (ctx->mode != MARKET_MODE_SIMULATE && paid < need) {
        char a[MARKET_AMOUNT_STR_MAX], b[MARKET_AMOUNT_STR_MAX];
        market_amount_format(a, paid);
        market_amount_format(b, need);
        return market_ctx_fail(ctx, MARKET_CODE_INSUFFICIENT_FEE,
                               "insufficient fees; got: %s%s required: %s%s", a, p->fee_denom, b,
                               p->fee_denom);
    }
    ag_err err =
        market_gas_charge(ctx->gas, market_gas_cost(0, MARKET_GAS_TX_BYTE, tx_len), "tx size");
    if (err)
        return err;

    size_t n = market_tx_signer_count(tx);
    market_account accs[MARKET_TX_MAX_SIGNERS];
    for (size_t i = 0; i < n; i++) {
        const market_signer *s = market_tx_signer(tx, i);
        char as[CRYPTO_ADDRESS_STR_MAX];
        if (crypto_address_to_bech32(as, sizeof as, AGORA_BECH32_PREFIX, &s->address))
            strcpy(as, "?");
        err = market_account_get(ctx, &s->address, &accs[i]);
        if (err == AG_ERR_NOT_FOUND)
            return market_ctx_fail(ctx, MARKET_CODE_UNKNOWN_ADDRESS,
                                   "account %s does not exist: unknown address", as);
        if (err)
            return err;
        if (accs[i].has_pubkey && memcmp(accs[i].pubkey.b, s->pubkey.b, CRYPTO_PUBKEY_LEN) != 0)
            return market_ctx_fail(ctx, MARKET_CODE_INVALID_PUBKEY,
                                   "public key of %s does not match the account's", as);
        if (s->sequence != accs[i].sequence)
            return market_ctx_fail(ctx, MARKET_CODE_WRONG_SEQUENCE,
                                   "account sequence mismatch, expected %" PRIu64 ", got %" PRIu64
                                   ": incorrect account sequence",
                                   accs[i].sequence, s->sequence);
        if ((err = market_gas_charge(ctx->gas, MARKET_GAS_SIG_SECP256K1, "signature")) != AG_OK)
            return err;
        if ((err = check_signature(ctx, tx, i, &accs[i], pre)) != AG_OK)
            return err;
    }

    /* The fee, from the first signer to the fee collector. Simulate of a tx
     * without fee (CosmJS simulates with an empty one) moves 1 fee_denom so
     * the estimate includes the fee transfer's gas. */
    const crypto_address *payer = &market_tx_signer(tx, 0)->address;
    const market_coin *fee_coins = fee->amount;
    size_t n_fee = fee->n_amount;
    market_coin sim_fee;
    if (ctx->mode == MARKET_MODE_SIMULATE && n_fee == 0) {
        memset(&sim_fee, 0, sizeof sim_fee);
        strcpy(sim_fee.denom, p->fee_denom);
        sim_fee.amount = 1;
        fee_coins = &sim_fee;
        n_fee = 1;
    }
    char ps[CRYPTO_ADDRESS_STR_MAX], fs[MARKET_TX_MAX_FEE_COINS * (MARKET_DENOM_MAX + 42)];
    crypto_address_to_bech32(ps, sizeof ps, AGORA_BECH32_PREFIX, payer);
    market_coins_format(fs, sizeof fs, fee_coins, n_fee);
    if (n_fee) {
        crypto_address fc;
        market_module_address(MARKET_FEE_COLLECTOR, &fc);
        err = market_bank_send(ctx, payer, &fc, fee_coins, n_fee);
        if (err && ctx->code == MARKET_CODE_INSUFFICIENT_FUNDS) {
            char detail[AG_ERR_DETAIL_MAX];
            snprintf(detail, sizeof detail, "%s", ag_err_detail());
            return market_ctx_fail(ctx, MARKET_CODE_INSUFFICIENT_FUNDS,
                                   "%s: insufficient funds to pay the fee %s", detail, fs);
        }
        if (err)
            return err;
    }
    const char *fee_kv[] = {"fee", fs, "fee_payer", ps};
    if ((err = market_event_add(ctx->events, "tx", 2, fee_kv)) != AG_OK)
        return err;
    for (size_t i = 0; i < n; i++) {
        const market_signer *s = market_tx_signer(tx, i);
        char as[CRYPTO_ADDRESS_STR_MAX], seq[CRYPTO_ADDRESS_STR_MAX + 24];
        crypto_address_to_bech32(as, sizeof as, AGORA_BECH32_PREFIX, &s->address);
        snprintf(seq, sizeof seq, "%s/%" PRIu64, as, accs[i].sequence);
        if (accs[i].sequence == UINT64_MAX)
            return market_ctx_fail(ctx, MARKET_CODE_INVALID_SEQUENCE, "sequence overflow");
        accs[i].sequence++;
        if (!accs[i].has_pubkey) {
            accs[i].has_pubkey = true;
            accs[i].pubkey = s->pubkey;
        }
        if ((err = market_account_set(ctx, &accs[i])) != AG_OK)
            return err;
        char sig[96]; /* base64 of 64 bytes: 88 characters */
        ag_base64_encode(sig, s->signature.b, CRYPTO_SIG_LEN);
        const char *seq_kv[] = {"acc_seq", seq};
        const char *sig_kv[] = {"signature", sig};
        if ((err = market_event_add(ctx->events, "tx", 1, seq_kv)) != AG_OK ||
            (err = market_event_add(ctx->events, "tx", 1, sig_kv)) != AG_OK)
            return err;
    }
    return AG_OK;
}
