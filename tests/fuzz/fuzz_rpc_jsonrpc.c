/* JSON-RPC requests and parameter decoding: the body (single or batch) is
 * checked element by element and, for a known method, its params decoded by
 * CometBFT's rules; the same bytes are also read as a URI query string and
 * decoded for every method. Never a crash or a leak; decoded strings hold no
 * NUL before their end. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/jsonrpc.h"
#include "tests/fuzz/fuzz.h"

static const char *const METHODS[] = {"block",      "abci_query",        "tx",         "tx_search",
                                      "validators", "broadcast_tx_sync", "blockchain", "subscribe"};

static void check_args(const rpc_method *m, const rpc_args *a)
{
    for (size_t i = 0; i < m->n_args; i++) {
        if (!a->v[i].present)
            continue;
        if (m->args[i].type == RPC_ARG_STR)
            FUZZ_ASSERT(a->v[i].str != NULL);
        if (m->args[i].type == RPC_ARG_BYTES || m->args[i].type == RPC_ARG_HEXBYTES ||
            m->args[i].type == RPC_ARG_HASH)
            FUZZ_ASSERT(a->v[i].bytes != NULL);
    }
}

static void one(const json_t *elem)
{
    rpc_request r;
    rpc_request_check(&r, elem);
    if (r.error_code)
        return;
    const rpc_method *m = rpc_method_find(r.method, r.method_len);
    if (!m)
        return;
    rpc_args a;
    if (rpc_args_decode(m, r.params, false, &a) == AG_OK) {
        check_args(m, &a);
        rpc_args_free(&a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (root) {
        if (json_is_array(root)) {
            for (size_t i = 0; i < json_array_size(root) && i < 100; i++)
                one(json_array_get(root, i));
        } else {
            one(root);
        }
        json_decref(root);
    }
    json_t *uri;
    if (rpc_uri_params(&uri, (const char *)data, size) == AG_OK) {
        for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++) {
            const rpc_method *m = rpc_method_find(METHODS[i], strlen(METHODS[i]));
            FUZZ_ASSERT(m != NULL);
            rpc_args a;
            if (rpc_args_decode(m, uri, true, &a) == AG_OK) {
                check_args(m, &a);
                rpc_args_free(&a);
            }
        }
        json_decref(uri);
    }
    return 0;
}
