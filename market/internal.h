/*
 * internal.h — what the market application's files share and nobody else
 * uses: the application object, the ante handler, the tx pipeline, the
 * genesis and query entry points of the built-in modules.
 */
#ifndef AGORA_MARKET_INTERNAL_H
#define AGORA_MARKET_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "market/app.h"
#include "market/auth.h"
#include "market/events.h"
#include "market/kv.h"
#include "market/module.h"
#include "state/tx.h"

#define MARKET_MAX_MODULES    16
#define MARKET_SIGCACHE_SLOTS 65536 /* direct-mapped, so bounded (2 MiB of keys) */
#define MARKET_ACCNUM_SLOTS   65536 /* address -> account number memo (2 MiB) */

/* A signature checked ahead of execution (parallel pre-verification). */
typedef struct market_presig {
    bool done;               /* checked; result valid for account_number */
    uint64_t account_number; /* the number it was checked with */
    ag_err result;
} market_presig;

/*
 * Signatures known good, shared by the app's thread and the threads calling
 * market_app_preverify (the node's RPC and tx intake threads), so under mu.
 * Alongside, a memo of account numbers seen by the ante handler and the
 * chain id: what a pre-verifier needs to rebuild a SignDoc without reading
 * the state. Both are caches: a miss or a wrong guess costs a verification
 * in line, never a different result (the cache key holds the number used).
 */
typedef struct market_sigcache {
    pthread_mutex_t mu;
    uint8_t keys[MARKET_SIGCACHE_SLOTS][CRYPTO_SHA256_LEN];
    bool used[MARKET_SIGCACHE_SLOTS];
    crypto_address acc_addr[MARKET_ACCNUM_SLOTS];
    uint64_t acc_number[MARKET_ACCNUM_SLOTS];
    bool acc_used[MARKET_ACCNUM_SLOTS];
    char chain_id[MARKET_CHAIN_ID_MAX + 1];
} market_sigcache;

struct market_app {
    state_store *store;
    bool own_store;
    market_app_opts opts;
    const market_module *modules[MARKET_MAX_MODULES];
    size_t n_modules;
    char chain_id[MARKET_CHAIN_ID_MAX + 1];
    market_auth_params params;
    bool genesis_done;
    market_kv check_kv; /* CheckTx state over the committed store */
    market_events events;
    market_sigcache *sigcache;
    market_app_stats stats;
    bool finalized; /* FinalizeBlock ran, Commit not yet */
};

typedef struct market_tx_outcome {
    uint32_t code;
    char log[512];
    uint64_t gas_wanted, gas_used;
} market_tx_outcome;

/* Cache key of signer i's signature of tx under an account number. */
void market_sigcache_key(const market_tx *tx, size_t i, uint64_t account_number,
                         uint8_t out[CRYPTO_SHA256_LEN]);
bool market_sigcache_has(market_sigcache *c, const uint8_t key[CRYPTO_SHA256_LEN]);
void market_sigcache_add(market_sigcache *c, const uint8_t key[CRYPTO_SHA256_LEN]);
/* The account-number memo and the chain id the pre-verifiers sign for. */
void market_sigcache_note_account(market_sigcache *c, const crypto_address *addr, uint64_t number);
void market_sigcache_set_chain_id(market_sigcache *c, const char *chain_id);

/* The ante handler: checks, fee, sequences, signatures (ante.c).
 * pre: one entry per signer from pre-verification, or NULL. */
ag_err market_ante(market_ctx *ctx, const market_tx *tx, size_t tx_len, const market_presig *pre);

/* Verify the signatures of a block's txs on `threads` threads, against the
 * accounts as they are in kv (pre[t][i] for tx t, signer i). */
ag_err market_presig_run(market_app *app, market_kv *kv, market_tx *const *txs, size_t n,
                         market_presig **pre);

/* Decode, ante and (unless check) messages of one tx over `base`.
 * Errors are fatal (store, memory); tx failures are in out->code. */
ag_err market_run_tx(market_app *app, market_kv *base, market_mode mode, int64_t height,
                     int64_t time_unix, const uint8_t *bytes, size_t len, const market_tx *decoded,
                     const market_presig *pre, market_tx_outcome *out);

/* Errors a tx cannot be blamed for: they stop the block. */
bool market_err_fatal(ag_err err);

/* A read-only context at store version `version` (0: latest) for queries. */
void market_query_ctx(market_app *app, market_kv *kv, market_gas_meter *gas, market_ctx *ctx,
                      uint64_t version, int64_t height);

ag_err market_bank_query(market_ctx *ctx, const char *path, const uint8_t *req, size_t len,
                         ag_buf *out);
ag_err market_auth_query(market_ctx *ctx, const char *path, const uint8_t *req, size_t len,
                         ag_buf *out);
ag_err market_auth_init_genesis(market_ctx *ctx, const json_t *state);
ag_err market_auth_export_genesis(market_ctx *ctx, json_t **out);
ag_err market_bank_init_genesis(market_ctx *ctx, const json_t *state);
ag_err market_bank_export_genesis(market_ctx *ctx, json_t **out);

/* The app_state "params" section. */
ag_err market_auth_params_from_json(market_auth_params *p, const json_t *j);
json_t *market_auth_params_to_json(const market_auth_params *p);

/* genesis.c: InitChain's state import (writes to ctx) and query.c's entry. */
ag_err market_genesis_import(market_app *app, market_ctx *ctx, const uint8_t *json, size_t len);
ag_err market_app_query(market_app *app, abci_arena *a, const abci_req_query *req,
                        abci_resp_query *resp);
#endif
