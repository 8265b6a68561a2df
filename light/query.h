/*
 * query.h — verified state: a value (or its absence) read from an untrusted
 * full node, believed only when its ICS23 proof verifies against the app
 * hash of a verified header.
 *
 * light_verify_query(c, path, key, H):
 *   1. verifies header H+1 with the client (its app_hash commits to the state
 *      after block H: a query at height H reads that state);
 *   2. asks the primary for abci_query(path, key, height H, prove=true);
 *   3. checks the response is for H and for key, with exactly one proof op
 *      of type "ics23:smt" for key (Agora's store: one sparse Merkle tree
 *      whose root is the app hash);
 *   4. verifies an existence proof of (key, value) when a value came back,
 *      or a non-existence proof of key when none did — absence is proven,
 *      never assumed.
 * Any failure is AG_ERR_VERIFY with the check named (LIGHT_FAIL_QUERY for a
 * response that is not an answer to the question, LIGHT_FAIL_PROOF for a
 * proof that does not verify, or the header's own reason), and no value.
 *
 * Only raw store reads carry proofs (the market's "/store/main/key"); other
 * query paths are refused (LIGHT_FAIL_QUERY: no proof).
 */
#ifndef AGORA_LIGHT_QUERY_H
#define AGORA_LIGHT_QUERY_H

#include "light/client.h"

#define LIGHT_PROOF_TYPE_SMT "ics23:smt"
#define LIGHT_STORE_PATH     "/store/main/key"

typedef struct light_query_result {
    int64_t height; /* the state's height H (proved against header H+1) */
    bool exists;
    uint8_t *value; /* owned; NULL when absent */
    size_t value_len;
    crypto_hash app_hash; /* of header H+1 */
} light_query_result;

/* height 0: the newest state the primary can prove (its latest height - 1).
 * *out is zero on error; free with light_query_result_free. */
ag_err light_verify_query(light_client *c, const char *path, const uint8_t *key, size_t klen,
                          int64_t height, cons_timestamp now, light_query_result *out,
                          light_fail *why);
void light_query_result_free(light_query_result *r);

/* Steps 3-4 alone, against a given app hash (for tests and other callers that
 * already hold a verified header). */
ag_err light_check_query_proof(const light_query_resp *r, const uint8_t *key, size_t klen,
                               int64_t height, const cons_app_hash *app_hash, light_fail *why);

#endif
