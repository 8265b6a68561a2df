#include "lib/hex.h"

#include <string.h>

void ag_hex_encode(char *out, const uint8_t *in, size_t len, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ag_err ag_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in, size_t in_len)
{
    *out_len = 0;
    if (in_len % 2)
        return ag_err_set(AG_ERR_DECODE, "hex: odd length %zu", in_len);
    if (in_len / 2 > out_cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "hex: %zu bytes do not fit in %zu", in_len / 2,
                          out_cap);
    for (size_t i = 0; i < in_len; i += 2) {
        int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t pos = hi < 0 ? i : i + 1;
            unsigned char c = (unsigned char)in[pos];
            return ag_err_set(AG_ERR_DECODE, "hex: invalid character 0x%02x at position %zu", c,
                              pos);
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = in_len / 2;
    return AG_OK;
}

ag_err ag_hex_decode_exact(uint8_t *out, size_t len, const char *in)
{
    size_t in_len = strlen(in), n;
    if (in_len != 2 * len)
        return ag_err_set(AG_ERR_LENGTH, "hex: expected %zu characters, got %zu", 2 * len, in_len);
    return ag_hex_decode(out, len, &n, in, in_len);
}
