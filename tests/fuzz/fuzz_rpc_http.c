/* The RPC server's HTTP request parser and websocket frame parser: never
 * crash, never read past the input; a parsed request re-parses identically
 * from exactly its own bytes, and every proper prefix of it is "truncated". */
#include <stdlib.h>
#include <string.h>

#include "rpc/http.h"
#include "rpc/ws.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    rpc_http_req r;
    ag_err e = rpc_http_parse(&r, data, size, 4096);
    if (e == AG_OK) {
        FUZZ_ASSERT(r.total <= size);
        FUZZ_ASSERT(r.path.len >= 1 && r.path.ptr[0] == '/');
        FUZZ_ASSERT(r.body.ptr + r.body.len == data + r.total);
        FUZZ_ASSERT(r.body.len <= 4096);
        rpc_http_req again;
        FUZZ_ASSERT(rpc_http_parse(&again, data, r.total, 4096) == AG_OK);
        FUZZ_ASSERT(again.total == r.total && again.method == r.method &&
                    again.body.len == r.body.len && again.path.len == r.path.len);
        if (r.total > 0)
            FUZZ_ASSERT(rpc_http_parse(&again, data, r.total - 1, 4096) == AG_ERR_TRUNCATED);
    }
    /* websocket frames over a private copy (the parser unmasks in place) */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    size_t off = 0;
    while (off < size) {
        rpc_ws_frame f;
        if (rpc_ws_parse(&f, copy + off, size - off, 1 << 15) != AG_OK)
            break;
        FUZZ_ASSERT(f.total <= size - off && f.len <= 1 << 15);
        FUZZ_ASSERT(f.payload + f.len == copy + off + f.total);
        off += f.total;
    }
    free(copy);
    return 0;
}
