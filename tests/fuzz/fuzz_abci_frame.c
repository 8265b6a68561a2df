/*
 * ABCI frame decoder over a byte stream: frames found when the whole stream
 * is present are exactly those found when it arrives a byte at a time (as
 * the server buffers reads), every frame lies inside the input, and the
 * length prefix re-encodes no longer than it came.
 */
#include <string.h>

#include "abci/frame.h"
#include "lib/varint.h"
#include "tests/fuzz/fuzz.h"

#define MAX_BODY   ((size_t)1 << 16)
#define INCR_LIMIT 2048 /* the byte-at-a-time pass is quadratic: cap its input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t ends[INCR_LIMIT + 1], n_ends = 0;
    size_t off = 0;
    ag_err last = AG_OK;
    while (off < size) {
        ag_slice body;
        size_t used;
        last = abci_frame_decode(data + off, size - off, MAX_BODY, &body, &used);
        if (last == AG_ERR_TRUNCATED) {
            FUZZ_ASSERT(used == 0 || used > size - off);
            break;
        }
        if (last != AG_OK)
            break;
        FUZZ_ASSERT(used >= 1 && used <= size - off);
        FUZZ_ASSERT(body.len <= MAX_BODY);
        FUZZ_ASSERT(body.ptr + body.len == data + off + used);
        size_t plen = used - body.len;
        FUZZ_ASSERT(plen >= 1 && plen <= ABCI_FRAME_PREFIX_MAX);
        FUZZ_ASSERT(ag_uvarint_size(body.len) <= plen);
        off += used;
        if (off <= INCR_LIMIT && n_ends < INCR_LIMIT)
            ends[n_ends++] = off;
    }
    /* Byte at a time, as a reader that decodes after every read. */
    size_t lim = size < INCR_LIMIT ? size : INCR_LIMIT, start = 0, k = 0;
    for (size_t have = 1; have <= lim; have++) {
        ag_slice body;
        size_t used;
        for (;;) {
            ag_err err = abci_frame_decode(data + start, have - start, MAX_BODY, &body, &used);
            if (err != AG_OK) {
                /* A stream error shows up at the same frame in both passes. */
                if (err != AG_ERR_TRUNCATED)
                    FUZZ_ASSERT(k == n_ends && err == last);
                break;
            }
            FUZZ_ASSERT(k < n_ends && ends[k] == start + used);
            start += used;
            k++;
            if (start == have)
                break;
        }
        if (start < have && have - start > ABCI_FRAME_PREFIX_MAX + MAX_BODY)
            break;
    }
    FUZZ_ASSERT(size > INCR_LIMIT || k == n_ends);
    return 0;
}
