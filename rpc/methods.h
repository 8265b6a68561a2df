/*
 * methods.h — the handlers of the RPC methods (internal to rpc/).
 *
 * Each handler decodes nothing itself (rpc_args_decode did) and finishes the
 * call exactly once with rpc_call_result or rpc_call_error, before returning
 * or later (broadcast_tx_sync/commit wait for the mempool or a block).
 */
#ifndef AGORA_RPC_METHODS_H
#define AGORA_RPC_METHODS_H

#include "rpc/jsonrpc.h"

#define RPC_METHOD_DECL(n) void rpc_m_##n(struct rpc_call *call, const rpc_args *args)
RPC_METHOD_DECL(health);
RPC_METHOD_DECL(status);
RPC_METHOD_DECL(net_info);
RPC_METHOD_DECL(genesis);
RPC_METHOD_DECL(genesis_chunked);
RPC_METHOD_DECL(block);
RPC_METHOD_DECL(block_by_hash);
RPC_METHOD_DECL(block_results);
RPC_METHOD_DECL(blockchain);
RPC_METHOD_DECL(commit);
RPC_METHOD_DECL(header);
RPC_METHOD_DECL(header_by_hash);
RPC_METHOD_DECL(validators);
RPC_METHOD_DECL(consensus_params);
RPC_METHOD_DECL(abci_info);
RPC_METHOD_DECL(abci_query);
RPC_METHOD_DECL(broadcast_tx_async);
RPC_METHOD_DECL(broadcast_tx_sync);
RPC_METHOD_DECL(broadcast_tx_commit);
RPC_METHOD_DECL(check_tx);
RPC_METHOD_DECL(broadcast_evidence);
RPC_METHOD_DECL(tx);
RPC_METHOD_DECL(tx_search);
RPC_METHOD_DECL(block_search);
RPC_METHOD_DECL(unconfirmed_txs);
RPC_METHOD_DECL(num_unconfirmed_txs);
RPC_METHOD_DECL(subscribe);
RPC_METHOD_DECL(unsubscribe);
RPC_METHOD_DECL(unsubscribe_all);
#undef RPC_METHOD_DECL

#endif
