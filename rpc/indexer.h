/*
 * indexer.h — the tx and block indexer behind tx, tx_search and
 * block_search (CometBFT's "kv" indexer), on a state_kv (RocksDB in a node,
 * memory in tests).
 *
 * Fed with every committed block (rpc_indexer_index_block, from
 * rpc_server_publish_block); keys in STATE_CF_META under "ix/":
 *
 *   ix/height                  u64 BE: the last indexed height
 *   ix/t/<hash 32>             tendermint.abci.TxResult {height, index, tx, result}
 *   ix/p/<h u64><i u32>        the tx hash at (height, index)
 *   ix/a/<key>\0<value>\0<h u64><i u32>   tx hash, one per indexed attribute
 *   ix/b/<h u64>               the block's FinalizeBlock events (a
 *                              ResponseFinalizeBlock carrying only events)
 *   ix/c/<key>\0<value>\0<h u64>   empty, one per indexed block attribute
 *
 * Like CometBFT, only attributes with index=true are indexed and searched;
 * a tx seen again in a later block replaces the earlier entry unless the
 * earlier one succeeded and the later one failed. Each block is indexed in
 * one batch.
 *
 * Searches pick candidates through the most selective condition (tx.hash,
 * an attribute '=', a tx.height/block.height range, an attribute prefix),
 * then check every condition on the candidate's own indexed events. At most
 * RPC_SEARCH_RESULTS_MAX results (AG_ERR_TOO_LARGE beyond: narrow the query).
 *
 * Threads: one thread at a time (the RPC server's).
 */
#ifndef AGORA_RPC_INDEXER_H
#define AGORA_RPC_INDEXER_H

#include <stdint.h>

#include "abci/types.h"
#include "crypto/hash.h"
#include "lib/buf.h"
#include "rpc/query.h"
#include "state/kv.h"

typedef struct rpc_indexer rpc_indexer;

/* kv borrowed until rpc_indexer_close. Caller frees with rpc_indexer_close. */
ag_err rpc_indexer_open(rpc_indexer **out, state_kv *kv);
void rpc_indexer_close(rpc_indexer *ix);

/* The last indexed height (0: none). */
int64_t rpc_indexer_height(const rpc_indexer *ix);

/* Index block `height` with its txs and FinalizeBlock response (which must
 * have one tx result per tx). AG_ERR_INVALID_ARG for a mismatch; KV errors. */
ag_err rpc_indexer_index_block(rpc_indexer *ix, int64_t height, const ag_slice *txs, size_t n_txs,
                               const abci_resp_finalize_block *resp);

/* The TxResult of the tx with this hash; caller frees with
 * tendermint__abci__tx_result__free_unpacked(*out, NULL). AG_ERR_NOT_FOUND. */
ag_err rpc_indexer_get_tx(rpc_indexer *ix, const crypto_hash *hash,
                          Tendermint__Abci__TxResult **out);

/* Hashes of the matching txs in (height, index) order; caller frees *out. */
ag_err rpc_indexer_search_txs(rpc_indexer *ix, const rpc_query *q, crypto_hash **out, size_t *n);

/* Heights of the matching blocks, ascending; caller frees *out. */
ag_err rpc_indexer_search_blocks(rpc_indexer *ix, const rpc_query *q, int64_t **out, size_t *n);

/* The flattened events of a tx as subscriptions and searches see them:
 * tm.event=Tx, tx.hash, tx.height, then its events' attributes (only the
 * indexed ones when indexed_only). */
ag_err rpc_tx_events(rpc_events *ev, int64_t height, const crypto_hash *hash,
                     const Tendermint__Abci__ExecTxResult *r, bool indexed_only);

/* The same for a block: tm.event=NewBlock, block.height, the FinalizeBlock
 * events' attributes. */
ag_err rpc_block_events(rpc_events *ev, int64_t height, Tendermint__Abci__Event *const *events,
                        size_t n_events, bool indexed_only);

#endif
