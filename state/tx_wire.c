/* tx_wire.c — a minimal protobuf wire walker that only counts fields. */
#include "state/tx_wire.h"

#include <stdbool.h>

#include "lib/varint.h"

ag_err market_wire_count(const uint8_t *in, size_t len, const uint32_t *path, size_t depth,
                         size_t max, size_t *count)
{
    if (depth == 0 || depth > MARKET_WIRE_PATH_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "protobuf: field path depth %zu", depth);
    uint32_t field = path[0];
    bool inner = depth > 1;
    size_t pos = 0;
    while (pos < len && *count <= max) {
        uint64_t key, v;
        size_t used;
        if (ag_uvarint_decode(in + pos, len - pos, &key, &used))
            return ag_err_set(AG_ERR_DECODE, "protobuf: bad tag at byte %zu", pos);
        pos += used;
        uint64_t num = key >> 3;
        if (num == 0 || num > 0x1fffffff)
            return ag_err_set(AG_ERR_DECODE, "protobuf: field number %llu at byte %zu",
                              (unsigned long long)num, pos);
        switch (key & 7) {
        case 0:
            if (ag_uvarint_decode(in + pos, len - pos, &v, &used))
                return ag_err_set(AG_ERR_DECODE, "protobuf: bad varint at byte %zu", pos);
            pos += used;
            break;
        case 1:
        case 5: {
            size_t n = (key & 7) == 1 ? 8 : 4;
            if (len - pos < n)
                return ag_err_set(AG_ERR_DECODE, "protobuf: truncated fixed field at byte %zu",
                                  pos);
            pos += n;
            break;
        }
        case 2:
            if (ag_uvarint_decode(in + pos, len - pos, &v, &used))
                return ag_err_set(AG_ERR_DECODE, "protobuf: bad length at byte %zu", pos);
            pos += used;
            if (v > len - pos)
                return ag_err_set(AG_ERR_DECODE, "protobuf: length %llu past the end at byte %zu",
                                  (unsigned long long)v, pos);
            if (num == field && inner) {
                ag_err err =
                    market_wire_count(in + pos, (size_t)v, path + 1, depth - 1, max, count);
                if (err)
                    return err;
            } else if (num == field) {
                (*count)++;
            }
            pos += (size_t)v;
            continue;
        default:
            return ag_err_set(AG_ERR_DECODE, "protobuf: wire type %u at byte %zu",
                              (unsigned)(key & 7), pos);
        }
        if (num == field && !inner)
            (*count)++;
    }
    return AG_OK;
}
