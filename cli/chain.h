/*
 * chain.h — what the CLI asks a node before and after sending a tx:
 * the chain id, an account's number and sequence, and a tx's inclusion.
 * All through the node's JSON-RPC (rpc_client.h errors).
 */
#ifndef AGORA_CLI_CHAIN_H
#define AGORA_CLI_CHAIN_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "crypto/keys.h"
#include "lib/err.h"
#include "state/tx_limits.h"

typedef struct cli_account {
    bool exists;
    uint64_t account_number;
    uint64_t sequence;
    bool has_pubkey;
    crypto_pubkey pubkey;
} cli_account;

/* status.node_info.network into out (cap >= MARKET_CHAIN_ID_MAX + 1). */
ag_err cli_chain_id(const char *node, char *out, size_t cap);

/* The BaseAccount of address (bech32) at height (0: latest). An account
 * the chain does not know yet is not an error: out->exists is false. */
ag_err cli_account_get(const char *node, const char *address, int64_t height, cli_account *out);

/* Poll `tx` for hash_hex every 250 ms until it is found (AG_OK, *result a
 * new reference to the RPC result) or timeout_ms passes (AG_ERR_TIMEOUT). */
ag_err cli_tx_wait(const char *node, const char *hash_hex, uint64_t timeout_ms, json_t **result);

#endif
