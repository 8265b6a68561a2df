#include "lib/varint.h"

size_t ag_uvarint_encode(uint8_t out[AG_UVARINT_MAX], uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

size_t ag_uvarint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

ag_err ag_uvarint_decode(const uint8_t *in, size_t len, uint64_t *value, size_t *used)
{
    uint64_t v = 0;
    for (size_t i = 0; i < AG_UVARINT_MAX; i++) {
        if (i >= len)
            return ag_err_set(AG_ERR_TRUNCATED, "varint: ends after %zu bytes", len);
        uint8_t b = in[i];
        /* The 10th byte may only carry the single top bit of a uint64. */
        if (i == AG_UVARINT_MAX - 1 && b > 1)
            return ag_err_set(AG_ERR_DECODE, "varint: overflows 64 bits");
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *value = v;
            *used = i + 1;
            return AG_OK;
        }
    }
    return ag_err_set(AG_ERR_DECODE, "varint: longer than %d bytes", AG_UVARINT_MAX);
}
