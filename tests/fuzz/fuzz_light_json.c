/* The light client's JSON-RPC decoders (/commit, /validators, /status,
 * /abci_query): whatever decodes re-encodes through the RPC server's own
 * encoders (rpc/encode.h) to JSON that decodes to the same value. */
#include <string.h>

#include "light/decode.h"
#include "rpc/encode.h"
#include "tests/fuzz/fuzz.h"

static void signed_header(json_t *j)
{
    cons_header h, h2;
    cons_commit c = {0}, c2 = {0};
    if (light_decode_signed_header(j, &h, &c) != AG_OK)
        return;
    json_t *sh =
        json_pack("{s:o, s:o}", "header", rpc_json_header(&h), "commit", rpc_json_commit(&c));
    json_t *again = json_pack("{s:o}", "signed_header", sh);
    FUZZ_ASSERT(again != NULL);
    FUZZ_ASSERT(light_decode_signed_header(again, &h2, &c2) == AG_OK);
    FUZZ_ASSERT(memcmp(&h, &h2, sizeof h) == 0);
    FUZZ_ASSERT(c.n_sigs == c2.n_sigs && c.height == c2.height && c.round == c2.round);
    FUZZ_ASSERT(memcmp(c.sigs, c2.sigs, c.n_sigs * sizeof *c.sigs) == 0);
    json_decref(again);
    cons_commit_clear(&c);
    cons_commit_clear(&c2);
}

static void validators(json_t *j)
{
    cons_validator *vals = NULL, *vals2 = NULL;
    size_t n = 0, total = 0, n2 = 0, total2 = 0;
    int64_t height, height2;
    if (light_decode_validators_page(j, &height, &total, &vals, &n) == AG_OK) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, rpc_json_validator(&vals[i]));
        json_t *again = json_pack("{s:o, s:o, s:o, s:o}", "block_height", rpc_json_i64(height),
                                  "validators", arr, "count", rpc_json_i64((int64_t)n), "total",
                                  rpc_json_i64((int64_t)total));
        FUZZ_ASSERT(light_decode_validators_page(again, &height2, &total2, &vals2, &n2) == AG_OK);
        FUZZ_ASSERT(n == n2 && total == total2 && height == height2);
        FUZZ_ASSERT(memcmp(vals, vals2, n * sizeof *vals) == 0);
        json_decref(again);
        cons_valset vs;
        if (light_valset_from_list(&vs, vals, n) == AG_OK) {
            crypto_hash h;
            FUZZ_ASSERT(cons_valset_hash(&h, &vs) == AG_OK);
            cons_valset_free(&vs);
        }
    }
    free(vals);
    free(vals2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = NULL;
    if (light_json_parse((const char *)data, size, &j) != AG_OK)
        return 0;
    json_t *result = j;
    json_t *r = NULL;
    if (light_json_result(j, &r) == AG_OK)
        result = r;
    signed_header(result);
    validators(result);
    light_status st;
    (void)light_decode_status(result, &st);
    light_query_resp q;
    if (light_decode_abci_query(result, &q) == AG_OK)
        light_query_resp_free(&q);
    json_decref(j);
    return 0;
}
