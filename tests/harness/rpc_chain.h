/*
 * rpc_chain.h — a real chain in memory for the RPC tests and the RPC
 * fixture program: the kvstore app behind local ABCI clients, a mempool, a
 * block store and a state store on memory KV stores, blocks made with
 * cons_block_make and committed by one validator whose precommits are
 * really signed. It implements rpc_backend, so the RPC server answers from
 * it exactly as it would from a node.
 *
 * Threads: every function and backend callback takes the chain's mutex, so
 * a producer thread may add blocks while the server thread answers.
 */
#ifndef AGORA_TESTS_RPC_CHAIN_H
#define AGORA_TESTS_RPC_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/block.h"
#include "rpc/backend.h"
#include "rpc/server.h"

#define TCHAIN_ID "agora-rpc-test"

typedef struct tchain tchain;

/* A chain at height 0 with one validator (key from `seed`). */
ag_err tchain_new(tchain **out, uint64_t seed);
void tchain_free(tchain *c);

/* Blocks are published to s from now on (NULL: none). */
void tchain_set_server(tchain *c, rpc_server *s);

/* Commit the next block with these txs (or, txs NULL, the mempool's). */
ag_err tchain_add_block(tchain *c, const ag_slice *txs, size_t n);

rpc_backend tchain_backend(tchain *c);
int64_t tchain_height(tchain *c);
/* The validator's address and the hash of block h (for checks). */
crypto_address tchain_validator(tchain *c);
ag_err tchain_block_hash(tchain *c, int64_t h, crypto_hash *out);
/* The indexer's store (memory): pass it as rpc_server_opts.index_kv. */
state_kv *tchain_index_kv(tchain *c);

#endif
