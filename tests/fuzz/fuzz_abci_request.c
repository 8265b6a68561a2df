/*
 * ABCI Request decoder: whatever decodes re-encodes to bytes that decode to
 * the same message; a decoded request handed to the example application
 * gets a response of the matching type that encodes and decodes again (or a
 * clean application error). Response bytes go through their decoder too.
 */
#include <string.h>

#include "abci/codec.h"
#include "abci/kvstore.h"
#include "tests/fuzz/fuzz.h"

static void repack_same(const ProtobufCMessage *m, abci_arena *a, int is_request)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = abci_arena_alloc(a, n);
    FUZZ_ASSERT(buf != NULL);
    FUZZ_ASSERT(protobuf_c_message_pack(m, buf) == n);
    ProtobufCMessage *again;
    if (is_request) {
        abci_request *r;
        FUZZ_ASSERT(abci_request_decode(a, buf, n, &r) == AG_OK);
        again = &r->base;
    } else {
        abci_response *r;
        FUZZ_ASSERT(abci_response_decode(a, buf, n, &r) == AG_OK);
        again = &r->base;
    }
    size_t n2 = protobuf_c_message_get_packed_size(again);
    FUZZ_ASSERT(n2 == n);
    uint8_t *buf2 = abci_arena_alloc(a, n2);
    FUZZ_ASSERT(buf2 != NULL);
    FUZZ_ASSERT(protobuf_c_message_pack(again, buf2) == n2);
    FUZZ_ASSERT(memcmp(buf, buf2, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    abci_arena *a;
    if (abci_arena_new(&a, (size_t)64 << 20) != AG_OK)
        return 0;
    abci_request *req;
    ag_err err = abci_request_decode(a, data, size, &req);
    FUZZ_ASSERT(err == AG_OK || err == AG_ERR_DECODE || err == AG_ERR_UNSUPPORTED ||
                err == AG_ERR_TOO_LARGE);
    if (err == AG_OK) {
        FUZZ_ASSERT(req->value_case != TENDERMINT__ABCI__REQUEST__VALUE__NOT_SET);
        repack_same(&req->base, a, 1);
        abci_kvstore *kv;
        abci_kvstore_opts o;
        abci_kvstore_opts_default(&o);
        o.snapshot_interval = 1;
        o.chunk_size = 16;
        FUZZ_ASSERT(abci_kvstore_new(&kv, &o) == AG_OK);
        abci_app app = abci_kvstore_app(kv);
        abci_response resp;
        err = abci_app_dispatch(&app, a, req, &resp);
        if (err == AG_OK) {
            FUZZ_ASSERT(resp.value_case == abci_response_case_for(req->value_case));
            repack_same(&resp.base, a, 0);
        } else {
            FUZZ_ASSERT(resp.value_case == TENDERMINT__ABCI__RESPONSE__VALUE__NOT_SET);
            abci_exception_fill(a, &resp, abci_request_name(req->value_case), err);
            repack_same(&resp.base, a, 0);
        }
        abci_kvstore_free(kv);
    }
    abci_arena_reset(a);
    abci_response *resp;
    if (abci_response_decode(a, data, size, &resp) == AG_OK)
        repack_same(&resp->base, a, 0);
    abci_arena_free(a);
    return 0;
}
