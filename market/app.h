/*
 * app.h — the market application: an ABCI application (abci/types.h) on the
 * authenticated store (state/store.h).
 *
 * Heights and store versions: the genesis state is store version
 * initial_height and block h commits version h + 1, so Info reports
 * last_block_height = version - 1 and a query at height h reads version
 * h + 1 (the state whose root is the app hash in header h + 1).
 *
 * FinalizeBlock runs the whole block and commits the store version (the app
 * hash CometBFT v0.38 expects in its response is that version's root);
 * Commit then resets the CheckTx state. If the process dies between the two
 * (after CometBFT saved the FinalizeBlock response), the store is one height
 * ahead of CometBFT's state, which CometBFT's handshake handles (it replays
 * the saved response). A crash before CometBFT saved the response would need
 * a store rollback, which is not built (market/README.md).
 *
 * Txs (Cosmos TxRaw, state/tx.h) run as: decode, ante (market/ante.c: size,
 * memo, timeout height, fee >= min gas price x gas limit, accounts,
 * sequences, signatures, fee to the fee collector, sequences + 1), then the
 * messages through their modules (market/module.h) in a write layer that is
 * dropped if any message fails or the gas runs out. CheckTx runs decode and
 * ante only, on a separate state that accumulates the mempool's fees and
 * sequences until Commit. A block's signatures are verified on opts.threads
 * threads before execution; signatures verified by CheckTx are remembered
 * (by tx hash, signer and account number) and not verified again.
 */
#ifndef AGORA_MARKET_APP_H
#define AGORA_MARKET_APP_H

#include <stddef.h>
#include <stdint.h>

#include "abci/types.h"
#include "lib/err.h"
#include "market/module.h"
#include "state/store.h"

typedef struct market_app_opts {
    const market_module *const *modules; /* extra modules, after auth and bank */
    size_t n_modules;
    int threads; /* signature verification threads for a block; 0: 2 */
} market_app_opts;

typedef struct market_app_stats {
    uint64_t sig_verifications; /* secp256k1 verifications actually run */
    uint64_t sig_cache_hits;    /* verifications skipped thanks to the cache */
    uint64_t presig_used;       /* signatures whose pre-verified result was used */
} market_app_stats;

/* A new application on `store` (borrowed until market_app_free). opts may
 * be NULL. AG_ERR_NOMEM, AG_ERR_INVALID_ARG (too many modules), or a
 * corrupt stored state. */
ag_err market_app_new(market_app **out, state_store *store, const market_app_opts *opts);
/* The same on a RocksDB store in `dir` (created if absent), owned by the app. */
ag_err market_app_open(market_app **out, const char *dir, const market_app_opts *opts);
void market_app_free(market_app *app);

/*
 * Verify tx's signatures ahead of CheckTx, from any thread, concurrently
 * with the app's ABCI calls (the node calls it on its RPC and tx intake
 * threads, so signature checks leave the consensus loop). Good signatures
 * go into the app's signature cache; CheckTx and FinalizeBlock then skip
 * them. Only signers whose account number the ante handler has already
 * seen are checked (no state is read here). Never changes an outcome: a
 * miss, a bad tx or a wrong guess only means the check runs in line.
 */
void market_app_preverify(market_app *app, const uint8_t *tx, size_t len);

/* The ABCI application; ctx borrowed until market_app_free. */
abci_app market_app_abci(market_app *app);

/* Last committed height (0 before the first block) and its app hash. */
int64_t market_app_height(const market_app *app);
void market_app_hash(const market_app *app, crypto_hash *out);
const market_app_stats *market_app_stats_get(const market_app *app);
state_store *market_app_store(market_app *app);

/* Every module's invariant on the latest committed state (tests run it
 * after every block): AG_OK or the first failure (AG_ERR_CORRUPT). */
ag_err market_app_check_invariants(market_app *app);

/* The app_state JSON of the latest committed state (genesis.c): the caller
 * frees with json_decref. Importing it into a fresh chain with the same
 * chain id gives the same app hash. */
ag_err market_app_export_genesis(market_app *app, json_t **out);

#endif
