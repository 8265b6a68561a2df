/* WAL record decoder: records decoded from arbitrary bytes re-encode to the
 * same bytes, and the scanner never reads past the input. */
#include <string.h>

#include "consensus/wal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        cons_wal_record rec;
        size_t used;
        cons_wal_scan s = cons_wal_decode(data + off, size - off, &rec, &used);
        (void)cons_wal_scan_str(s);
        if (s != CONS_WAL_SCAN_OK) {
            FUZZ_ASSERT(used == 0 && rec.payload == NULL);
            break;
        }
        FUZZ_ASSERT(used == CONS_WAL_HEADER_LEN + rec.len && used <= size - off);
        FUZZ_ASSERT(rec.type != 0 && rec.len <= CONS_WAL_RECORD_MAX);
        FUZZ_ASSERT(rec.type != CONS_WAL_END_HEIGHT || rec.height > 0);
        uint8_t hdr[CONS_WAL_HEADER_LEN];
        cons_wal_encode_header(hdr, rec.type, rec.payload, rec.len);
        FUZZ_ASSERT(memcmp(hdr, data + off, sizeof hdr) == 0);
        off += used;
    }
    return 0;
}
