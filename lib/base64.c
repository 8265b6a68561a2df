/* base64.c — encoding by OpenSSL; decoding here, because OpenSSL's decoder
 * accepts whitespace and non-canonical trailing bits and hides the padding. */
#include "lib/base64.h"

#include <openssl/evp.h>

void ag_base64_encode(char *out, const uint8_t *in, size_t len)
{
    /* EVP_EncodeBlock takes an int; encode in chunks that are multiples of 3. */
    const size_t chunk = (size_t)3 << 20;
    while (len > chunk) {
        EVP_EncodeBlock((unsigned char *)out, in, (int)chunk);
        out += chunk / 3 * 4;
        in += chunk;
        len -= chunk;
    }
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

ag_err ag_base64_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                        size_t in_len)
{
    *out_len = 0;
    if (in_len % 4)
        return ag_err_set(AG_ERR_DECODE, "base64: length %zu is not a multiple of 4", in_len);
    size_t pad = 0;
    if (in_len >= 4) {
        pad = (in[in_len - 1] == '=') + (in[in_len - 1] == '=' && in[in_len - 2] == '=');
    }
    size_t n = in_len / 4 * 3 - pad;
    if (n > out_cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "base64: %zu bytes do not fit in %zu", n, out_cap);
    size_t o = 0;
    for (size_t i = 0; i < in_len; i += 4) {
        int v[4];
        size_t last = i + 4 == in_len;
        for (size_t j = 0; j < 4; j++) {
            char c = in[i + j];
            if (c == '=' && last && j >= 4 - pad) {
                v[j] = 0;
                continue;
            }
            v[j] = b64_value(c);
            if (v[j] < 0)
                return ag_err_set(AG_ERR_DECODE, "base64: invalid character 0x%02x at position %zu",
                                  (unsigned char)c, i + j);
        }
        uint32_t triple =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if (last && pad) {
            /* Bits the padding discards must be zero, or two strings decode alike. */
            uint32_t unused = pad == 2 ? (triple & 0xffff) : (triple & 0xff);
            if (unused)
                return ag_err_set(AG_ERR_DECODE, "base64: non-zero bits before padding");
        }
        uint8_t bytes[3] = {(uint8_t)(triple >> 16), (uint8_t)(triple >> 8), (uint8_t)triple};
        size_t take = last ? 3 - pad : 3;
        for (size_t k = 0; k < take; k++)
            out[o++] = bytes[k];
    }
    *out_len = o;
    return AG_OK;
}
