/*
 * decode.h — decoding the CometBFT v0.38 JSON-RPC responses the light client
 * reads (/commit, /validators, /status, /abci_query) into the consensus types.
 *
 * The encodings are rpc/encode.h's (CometBFT's): int64 as decimal strings,
 * hashes and addresses as hex, signatures and bytes as base64 (null when
 * empty), times as RFC 3339, keys as {"type","value"}. The input is hostile:
 * every field is type-checked, every length is checked against its type
 * (hashes absent or 32 bytes, addresses 20, signatures 0 or 64, app hash at
 * most CONS_APP_HASH_MAX), counts are bounded (CONS_VALIDATORS_MAX), and a
 * refusal names the field (ag_err_detail). Nothing here checks signatures or
 * hashes: that is verify.h's job.
 *
 * Errors: AG_ERR_DECODE (wrong type, missing field, bad encoding),
 * AG_ERR_LENGTH (wrong length for its type), AG_ERR_TOO_LARGE (over a limit),
 * AG_ERR_NOMEM. Outputs are zeroed (or empty) on error.
 */
#ifndef AGORA_LIGHT_DECODE_H
#define AGORA_LIGHT_DECODE_H

#include <jansson.h>

#include "consensus/commit.h"
#include "consensus/header.h"
#include "consensus/validator_set.h"
#include "light/block.h"

/* Parse at most LIGHT_RESPONSE_MAX bytes of JSON text. *out is a new
 * reference (caller json_decref's it). AG_ERR_TOO_LARGE, AG_ERR_DECODE. */
ag_err light_json_parse(const char *text, size_t len, json_t **out);

/* The "result" of a JSON-RPC response object, borrowed from resp. A response
 * with "error" is AG_ERR_UNSUPPORTED for an unknown method (-32601) and
 * AG_ERR_NOT_FOUND otherwise, the node's message in the detail. */
ag_err light_json_result(json_t *resp, json_t **result);

/* /commit's result: {"signed_header": {"header", "commit"}, "canonical"}.
 * *c must be zero or cleared; free it with cons_commit_clear. */
ag_err light_decode_signed_header(const json_t *result, cons_header *h, cons_commit *c);
ag_err light_decode_header(const json_t *obj, cons_header *h);
ag_err light_decode_commit(const json_t *obj, cons_commit *c);

/* One page of /validators: {"block_height", "validators": [...], "count",
 * "total"}. Appends the page's validators to *vals (a malloc'd array of
 * *n entries, grown here; caller frees), refusing a page whose count is not
 * its array's length, a total over CONS_VALIDATORS_MAX or different from
 * *total when *total is already set (non-zero), or more validators than the
 * total. Sets *height and *total. */
ag_err light_decode_validators_page(const json_t *result, int64_t *height, size_t *total,
                                    cons_validator **vals, size_t *n);
ag_err light_decode_validator(const json_t *obj, cons_validator *v);

/* What /status says (only the fields the light client uses). */
typedef struct light_status {
    char chain_id[CONS_CHAIN_ID_MAX + 1]; /* node_info.network */
    int64_t latest_height;
    cons_hash latest_block_hash;
    cons_app_hash latest_app_hash;
    cons_timestamp latest_time;
    int64_t earliest_height;
    bool catching_up;
} light_status;
ag_err light_decode_status(const json_t *result, light_status *out);

/* /abci_query's response, with its proof op (when there is one). */
typedef struct light_query_resp {
    uint32_t code;
    char log[256]; /* truncated */
    int64_t height;
    uint8_t *key; /* owned, NULL when empty */
    size_t key_len;
    uint8_t *value; /* owned, NULL when empty */
    size_t value_len;
    size_t n_proof_ops;
    char proof_type[64]; /* of the first op */
    uint8_t *proof_key;  /* owned: the first op's key */
    size_t proof_key_len;
    uint8_t *proof; /* owned: the first op's data */
    size_t proof_len;
} light_query_resp;
/* {"response": {...}}. Free *out with light_query_resp_free. */
ag_err light_decode_abci_query(const json_t *result, light_query_resp *out);
void light_query_resp_free(light_query_resp *r);

#endif
