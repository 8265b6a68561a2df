/*
 * mempool.h — the transaction mempool, after CometBFT v0.38's CListMempool,
 * driven by the ABCI mempool connection (abci/client.h).
 *
 * Admission: a tx over max_tx_bytes is refused (AG_ERR_TOO_LARGE); one whose
 * SHA-256 is in the LRU cache of recently seen txs is refused (AG_ERR_EXISTS)
 * without asking the application, so a tx gossiped back or resubmitted is
 * checked once; a full mempool (count or bytes, counting requests in
 * flight) refuses with AG_ERR_AGAIN. Otherwise the tx enters the cache and
 * CheckTx(type NEW) is sent. When the response comes: code 0 appends it to
 * the FIFO with its gas_wanted; a non-zero code (or an ABCI error) rejects
 * it and removes it from the cache, so a corrected resubmission of the same
 * bytes (e.g. once the sender's balance arrives) is checked again — unless
 * keep_invalid_in_cache is set (CometBFT's KeepInvalidTxsInCache), which
 * keeps a rejected tx cached so a spammer cannot make the app recheck it.
 *
 * Reaping: in FIFO order, stopping at the first tx that would take the
 * Data proto size over max_bytes or the gas_wanted sum over max_gas (-1: no
 * limit), as ReapMaxBytesMaxGas does. Txs waiting for their recheck are
 * skipped: a proposal carries only txs checked against the latest state.
 *
 * Update after a commit: committed txs leave the FIFO (and enter the cache
 * if their FinalizeBlock code was 0; a failed one leaves the cache unless
 * keep_invalid_in_cache). Then, if `recheck` is on, every remaining tx is
 * marked for CheckTx(type RECHECK) and a recheck round starts — bounded, so
 * a big mempool never stalls consensus:
 *   - at most recheck_batch RECHECK requests are sent per step: one step
 *     runs inside cons_mempool_update, the driver runs the next ones with
 *     cons_mempool_recheck_step (e.g. from a uv_idle/uv_check handle) until
 *     it returns false;
 *   - meanwhile the mempool stays usable: new txs are admitted, reaping
 *     returns the already rechecked ones, and a new update restarts the
 *     round over whatever is left;
 *   - a RECHECK answer with a non-zero code removes the tx (and uncaches it
 *     unless keep_invalid_in_cache).
 *
 * Threads and the event loop: a mempool is used from one thread (the
 * node's loop), never concurrently. Completions follow the client's model:
 * with a local client every CheckTx is answered inside the call that sent it;
 * with a socket client answers arrive during cons_mempool_flush_app_conn (or
 * when the client flushes itself every ABCI_CLIENT_UNFLUSHED_MAX requests),
 * which the driver calls when it wants them. Completion callbacks and the
 * txs-available callback must not call into the mempool or its client (they
 * may run inside a mempool call); defer such work to the loop.
 *
 * "Txs available": set with cons_mempool_set_txs_available; called at most
 * once per height (reset by each update) when a reapable tx exists — after
 * an admission, or after an update or a recheck round that leaves txs.
 *
 * Ownership: the mempool copies every tx it keeps; the client is borrowed
 * until cons_mempool_free. No order here depends on hashing: the FIFO and
 * the LRU are lists, the hash tables are only looked up.
 */
#ifndef AGORA_CONSENSUS_MEMPOOL_H
#define AGORA_CONSENSUS_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abci/client.h"
#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"

typedef struct cons_mempool_opts {
    size_t max_txs;             /* txs held plus in flight (CometBFT size, 5000) */
    size_t max_bytes;           /* their total bytes (max_txs_bytes, 1 GiB) */
    size_t max_tx_bytes;        /* one tx (max_tx_bytes, 1 MiB) */
    size_t cache_size;          /* LRU entries (cache_size, 10000); 0: no cache */
    bool keep_invalid_in_cache; /* keep_invalid_txs_in_cache (false) */
    bool recheck;               /* recheck after each update (true) */
    size_t recheck_batch;       /* RECHECK requests per step (1000), at least 1 */
    int64_t max_gas;            /* refuse a tx whose gas_wanted exceeds it; -1: none */
} cons_mempool_opts;

/* CometBFT's defaults (above). */
void cons_mempool_opts_default(cons_mempool_opts *opts);

typedef struct cons_mempool cons_mempool;

/* client: the mempool connection, borrowed until cons_mempool_free.
 * AG_ERR_INVALID_ARG for a zero cap; AG_ERR_NOMEM. Caller frees with
 * cons_mempool_free. */
ag_err cons_mempool_new(cons_mempool **out, abci_client *client, const cons_mempool_opts *opts);

/* Waits for requests in flight (abci_client_flush), then frees. NULL: no-op. */
void cons_mempool_free(cons_mempool *mp);

/*
 * The outcome of one cons_mempool_check_tx, called exactly once:
 *   AG_OK               admitted (code 0)
 *   AG_ERR_VERIFY       the application rejected it: `code` is its code
 *   AG_ERR_AGAIN        the mempool filled up while it was being checked
 *   AG_ERR_EXISTS       the same tx was admitted meanwhile
 *   AG_ERR_TOO_LARGE    its gas_wanted is over max_gas (or negative)
 *   other               the ABCI client's error (connection, exception)
 * `code` is the CheckTx code (0 unless the app answered).
 */
typedef void (*cons_mempool_check_cb)(void *user, ag_err result, uint32_t code);

/*
 * CheckTx: tx is copied. Returns an error (and cb is NOT called) for
 * AG_ERR_TOO_LARGE (over max_tx_bytes), AG_ERR_EXISTS (in the cache or the
 * mempool), AG_ERR_AGAIN (full), AG_ERR_NOMEM, or the client's send error.
 * AG_OK: cb (may be NULL) reports the outcome — before this returns with a
 * local client. `user` is borrowed until cb runs.
 */
ag_err cons_mempool_check_tx(cons_mempool *mp, const uint8_t *tx, size_t len,
                             cons_mempool_check_cb cb, void *user);

/* FlushAppConn: wait until every request sent has its answer (and its
 * callback has run). The client's errors. */
ag_err cons_mempool_flush_app_conn(cons_mempool *mp);

/* Txs reaped for a proposal: copies, caller frees with cons_mempool_txs_free. */
typedef struct cons_mempool_txs {
    ag_slice *txs; /* n entries pointing into data */
    size_t n;
    uint8_t *data;
    int64_t gas;  /* sum of their gas_wanted */
    size_t bytes; /* their Data proto size */
} cons_mempool_txs;

/* ReapMaxBytesMaxGas (max_bytes / max_gas < 0: no limit). AG_ERR_NOMEM. */
ag_err cons_mempool_reap(const cons_mempool *mp, int64_t max_bytes, int64_t max_gas,
                         cons_mempool_txs *out);
/* ReapMaxTxs: the first max (< 0: all) reapable txs. AG_ERR_NOMEM. */
ag_err cons_mempool_reap_max_txs(const cons_mempool *mp, long max, cons_mempool_txs *out);
void cons_mempool_txs_free(cons_mempool_txs *t);

/*
 * Update after committing block `height`: txs[0..n) are the block's txs,
 * codes[i] their FinalizeBlock result codes (codes NULL: all 0). Removes
 * them, updates the cache, then starts a recheck round (see above) and sends
 * its first batch. AG_ERR_INVALID_ARG if height does not increase; the
 * client's send error (the round stays pending: cons_mempool_recheck_step
 * retries it).
 */
ag_err cons_mempool_update(cons_mempool *mp, int64_t height, const ag_slice *txs,
                           const uint32_t *codes, size_t n);

/* Send the next batch of RECHECK requests. *more is true while txs still
 * wait for a request. The client's send error. */
ag_err cons_mempool_recheck_step(cons_mempool *mp, bool *more);

/* Remove every tx and empty the cache (Flush). Requests in flight still
 * complete; their txs are then admitted or refused as usual. */
void cons_mempool_flush(cons_mempool *mp);

/* Remove one tx by its SHA-256 (RemoveTxByKey). AG_ERR_NOT_FOUND. The cache
 * keeps it. */
ag_err cons_mempool_remove(cons_mempool *mp, const crypto_hash *key);

typedef void (*cons_mempool_txs_available_cb)(void *user);
/* cb (NULL: none) and user borrowed until replaced or freed. */
void cons_mempool_set_txs_available(cons_mempool *mp, cons_mempool_txs_available_cb cb, void *user);

size_t cons_mempool_size(const cons_mempool *mp);            /* txs held */
size_t cons_mempool_bytes(const cons_mempool *mp);           /* their bytes */
size_t cons_mempool_in_flight(const cons_mempool *mp);       /* CheckTx NEW awaiting an answer */
size_t cons_mempool_recheck_pending(const cons_mempool *mp); /* txs not yet rechecked */
int64_t cons_mempool_height(const cons_mempool *mp);         /* last update's height */
bool cons_mempool_contains(const cons_mempool *mp, const crypto_hash *key);
bool cons_mempool_in_cache(const cons_mempool *mp, const crypto_hash *key);

#endif
