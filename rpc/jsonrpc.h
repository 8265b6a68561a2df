/*
 * jsonrpc.h — JSON-RPC 2.0 framing and CometBFT's parameter rules.
 *
 * A body is one request object or a batch (array, 1..RPC_BATCH_MAX). Each
 * method declares its parameters (name and type); params arrive by name
 * (object), by position (array, in declared order), or from a URI query
 * string. Decoding follows CometBFT:
 *
 *   type      JSON-RPC                      URI (GET /method?name=value)
 *   INT       number or "123"               123 or "123"
 *   STR       "text"                        "text" (quotes required)
 *   BYTES     base64 string ([]byte)        0xHEX, or "raw text"
 *   HEXBYTES  hex string (bytes.HexBytes)   0xHEX, or "raw text"
 *   BOOL      true/false                    true/false
 *   HASH      64 hex digits or base64       0xHEX, or "raw text"
 *             (CometBFT types block_by_hash's hash as []byte and
 *             header_by_hash's as HexBytes; a 32-byte value cannot be
 *             mistaken between the two spellings, so both are accepted)
 *
 * Errors map to CometBFT's codes: -32700 parse error, -32600 invalid
 * request, -32601 method not found, -32602 invalid params, -32603 internal
 * error (with the reason in "data").
 */
#ifndef AGORA_RPC_JSONRPC_H
#define AGORA_RPC_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

enum {
    RPC_CODE_PARSE = -32700,
    RPC_CODE_INVALID_REQUEST = -32600,
    RPC_CODE_METHOD_NOT_FOUND = -32601,
    RPC_CODE_INVALID_PARAMS = -32602,
    RPC_CODE_INTERNAL = -32603,
    RPC_CODE_SERVER = -32000,
};

typedef enum rpc_arg_type {
    RPC_ARG_INT = 1,
    RPC_ARG_STR,
    RPC_ARG_BYTES,
    RPC_ARG_HEXBYTES,
    RPC_ARG_BOOL,
    RPC_ARG_HASH, /* 32 bytes: 64 hex digits (HexBytes) or base64 ([]byte) */
} rpc_arg_type;

#define RPC_ARGS_MAX 6

typedef struct rpc_arg_spec {
    const char *name;
    rpc_arg_type type;
} rpc_arg_spec;

typedef struct rpc_arg {
    bool present;
    int64_t i;
    bool b;
    uint8_t *bytes; /* owned (BYTES, HEXBYTES) */
    size_t len;
    char *str; /* owned, NUL-terminated (STR) */
} rpc_arg;

typedef struct rpc_args {
    rpc_arg v[RPC_ARGS_MAX];
} rpc_args;

void rpc_args_free(rpc_args *a);

struct rpc_call;
typedef void (*rpc_handler)(struct rpc_call *call, const rpc_args *args);

typedef struct rpc_method {
    const char *name;
    rpc_handler handler;
    bool ws_only;
    bool stores; /* reads the block/state stores: runs under the backend's store lock */
    size_t n_args;
    rpc_arg_spec args[RPC_ARGS_MAX];
} rpc_method;

/* The method named name[0..len), or NULL. */
const rpc_method *rpc_method_find(const char *name, size_t len);

/* Decode params (object, array, or NULL for none) for method m. uri: the
 * params object holds raw URI values as strings. AG_ERR_DECODE (the detail
 * is the "data" of the -32602 error); *out zeroed then filled. */
ag_err rpc_args_decode(const rpc_method *m, const json_t *params, bool uri, rpc_args *out);

/* Build the params object of a URI query string ("a=1&b=%22x%22"):
 * unescaped values as JSON strings. AG_ERR_DECODE for a bad escape or a
 * repeated name; AG_ERR_TOO_LARGE past RPC_ARGS_MAX*2 pairs. */
ag_err rpc_uri_params(json_t **out, const char *query, size_t len);

/* One request of a body, validated: version "2.0", a method string, an id
 * that is a string, number or null (absent: a notification, still answered
 * by CometBFT with id null... Agora answers it too). */
typedef struct rpc_request {
    json_t *id;         /* borrowed from the parsed body */
    const char *method; /* borrowed */
    size_t method_len;
    const json_t *params; /* borrowed; may be NULL */
    int error_code;       /* 0 when valid, else the error to answer */
    const char *error_msg;
} rpc_request;

/* Validate one element of a body. */
void rpc_request_check(rpc_request *r, const json_t *elem);

/* Response objects (new references). error data may be NULL. */
json_t *rpc_response_result(const json_t *id, json_t *result_stolen);
json_t *rpc_response_error(const json_t *id, int code, const char *data);
const char *rpc_error_message(int code);

#endif
