/*
 * rpc_client.h — JSON-RPC 2.0 calls to a node's CometBFT RPC (libcurl).
 *
 * One POST per call, a response body capped at CLI_RPC_RESPONSE_MAX, a
 * timeout per call. Errors: AG_ERR_CONN_REFUSED (the node is not
 * reachable: the detail names the URL), AG_ERR_TIMEOUT, AG_ERR_TOO_LARGE,
 * AG_ERR_DECODE (not JSON-RPC), AG_ERR_STATE (the node answered with a
 * JSON-RPC error: its message and data are in the detail).
 */
#ifndef AGORA_CLI_RPC_CLIENT_H
#define AGORA_CLI_RPC_CLIENT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"

#define CLI_RPC_RESPONSE_MAX ((size_t)32 << 20)
#define CLI_DEFAULT_NODE     "http://127.0.0.1:26657"

/* Call method with params (an object, stolen; NULL for none). On AG_OK
 * *result is the "result" member, a new reference the caller releases. */
ag_err cli_rpc_call(const char *node, const char *method, json_t *params, json_t **result);

/* abci_query: path, data (raw bytes, sent as hex), height (0: latest),
 * prove. On AG_OK *response is result.response (new reference); a non-zero
 * response code is not an error here: callers read "code" and "log". */
ag_err cli_rpc_abci_query(const char *node, const char *path, ag_slice data, int64_t height,
                          bool prove, json_t **response);

/* The "value" of an abci_query response, base64-decoded into out. */
ag_err cli_rpc_response_value(json_t *response, ag_buf *out);

/* A JSON string holding a decimal 64-bit number (as CometBFT sends them). */
ag_err cli_json_u64(json_t *j, uint64_t *out);

#endif
