/* proof.c — verified raw store reads (ICS23 SMT proofs, state/ics23.h). */
#include "cli/proof.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/rpc_client.h"
#include "lib/base64.h"
#include "lib/hex.h"
#include "state/ics23.h"

#define PROOF_MAX      ((size_t)64 << 10)
#define HEADER_WAIT_MS 10000

/* The app hash in the header at height h, waiting for the block to exist. */
static ag_err header_app_hash(const char *node, int64_t h, crypto_hash *out, char hex[65])
{
    char hs[24];
    snprintf(hs, sizeof hs, "%lld", (long long)h);
    for (int waited = 0;; waited += 200) {
        json_t *r;
        ag_err err = cli_rpc_call(node, "header", json_pack("{s:s}", "height", hs), &r);
        if (!err) {
            const char *ah =
                json_string_value(json_object_get(json_object_get(r, "header"), "app_hash"));
            err = ah && strlen(ah) == 64 && ag_hex_decode_exact(out->b, 32, ah) == AG_OK
                      ? AG_OK
                      : ag_err_set(AG_ERR_DECODE, "header %lld: no 32-byte app_hash", (long long)h);
            if (!err)
                snprintf(hex, 65, "%s", ah);
            json_decref(r);
            return err;
        }
        if (err != AG_ERR_STATE || waited >= HEADER_WAIT_MS)
            return err == AG_ERR_STATE
                       ? ag_err_set(AG_ERR_TIMEOUT, "header %lld did not appear within %d ms",
                                    (long long)h, HEADER_WAIT_MS)
                       : err;
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
    }
}

ag_err cli_prove_key(const char *node, const uint8_t *key, size_t klen, int64_t height,
                     ag_buf *value, cli_proven *out)
{
    memset(out, 0, sizeof *out);
    json_t *resp;
    ag_err err =
        cli_rpc_abci_query(node, "/store/main/key", (ag_slice){key, klen}, height, true, &resp);
    if (err)
        return err;
    uint64_t code = 0, h = 0;
    cli_json_u64(json_object_get(resp, "code"), &code);
    if (code)
        err = ag_err_set(AG_ERR_STATE, "store query: code %llu: %s", (unsigned long long)code,
                         json_string_value(json_object_get(resp, "log")));
    if (!err)
        err = cli_json_u64(json_object_get(resp, "height"), &h);
    json_t *ops = json_object_get(json_object_get(resp, "proofOps"), "ops");
    json_t *op = json_array_get(ops, 0);
    const char *data = json_string_value(json_object_get(op, "data"));
    if (!err && (json_array_size(ops) != 1 || !data ||
                 strcmp(json_string_value(json_object_get(op, "type")) ?: "", "ics23:smt")))
        err = ag_err_set(AG_ERR_DECODE, "store query: expected one ics23:smt proof op");
    uint8_t *proof = NULL;
    size_t plen = 0;
    if (!err && strlen(data) > ag_base64_encoded_len(PROOF_MAX))
        err = ag_err_set(AG_ERR_TOO_LARGE, "proof larger than %zu bytes", PROOF_MAX);
    if (!err && !(proof = malloc(ag_base64_decoded_max(strlen(data)) + 1)))
        err = ag_err_set(AG_ERR_NOMEM, "proof");
    if (!err)
        err = ag_base64_decode(proof, ag_base64_decoded_max(strlen(data)) + 1, &plen, data,
                               strlen(data));
    if (!err)
        err = cli_rpc_response_value(resp, value);
    json_decref(resp);
    crypto_hash root;
    if (!err) {
        out->height = (int64_t)h;
        err = header_app_hash(node, (int64_t)h + 1, &root, out->app_hash);
    }
    if (!err) {
        out->exists = value->len > 0;
        err = out->exists ? state_ics23_verify_membership(&root, proof, plen, key, klen,
                                                          value->data, value->len)
                          : state_ics23_verify_nonmembership(&root, proof, plen, key, klen);
        if (err)
            err = ag_err_set(AG_ERR_VERIFY,
                             "the proof does NOT verify against app hash %s of header %lld: "
                             "the node's answer cannot be trusted",
                             out->app_hash, (long long)h + 1);
    }
    free(proof);
    return err;
}
