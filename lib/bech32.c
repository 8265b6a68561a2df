/* bech32.c — BIP-173 checksum, string form and bit regrouping. */
#include "lib/bech32.h"

#include <string.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t value)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint8_t top = (uint8_t)(chk >> 25);
    chk = (chk & 0x1ffffff) << 5 ^ value;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

/* Checksum state after the expanded human-readable part (BIP-173 hrp_expand). */
static uint32_t polymod_hrp(const char *hrp, size_t hrp_len)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)hrp[i] >> 5);
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)hrp[i] & 31);
    return chk;
}

static int charset_index(char c)
{
    /* Lower-case lookup; the caller has already folded case. */
    const char *p = c ? strchr(charset, c) : NULL;
    return p ? (int)(p - charset) : -1;
}

ag_err ag_bech32_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data5,
                        size_t len)
{
    size_t hrp_len = strlen(hrp);
    if (hrp_len < 1 || hrp_len > AG_BECH32_HRP_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "bech32: prefix length %zu not in 1..%d", hrp_len,
                          AG_BECH32_HRP_MAX);
    for (size_t i = 0; i < hrp_len; i++) {
        unsigned char c = (unsigned char)hrp[i];
        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            return ag_err_set(AG_ERR_INVALID_ARG, "bech32: invalid prefix character 0x%02x", c);
    }
    size_t total = hrp_len + 1 + len + 6;
    if (total + 1 > out_cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "bech32: %zu characters do not fit in %zu", total,
                          out_cap);
    uint32_t chk = polymod_hrp(hrp, hrp_len);
    memcpy(out, hrp, hrp_len);
    out[hrp_len] = '1';
    char *p = out + hrp_len + 1;
    for (size_t i = 0; i < len; i++) {
        if (data5[i] >> 5)
            return ag_err_set(AG_ERR_INVALID_ARG, "bech32: data value %u is not 5 bits", data5[i]);
        chk = polymod_step(chk, data5[i]);
        *p++ = charset[data5[i]];
    }
    for (int i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (int i = 0; i < 6; i++)
        *p++ = charset[(chk >> (5 * (5 - i))) & 31];
    *p = '\0';
    return AG_OK;
}

ag_err ag_bech32_decode(char *hrp, size_t hrp_cap, uint8_t *data5, size_t data5_cap,
                        size_t *data5_len, const char *in, size_t max_len)
{
    *data5_len = 0;
    size_t n = strnlen(in, max_len + 1);
    if (n > max_len)
        return ag_err_set(AG_ERR_TOO_LARGE, "bech32: longer than %zu characters", max_len);
    bool lower = false, upper = false;
    size_t sep = n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 33 || c > 126)
            return ag_err_set(AG_ERR_DECODE, "bech32: invalid character 0x%02x at position %zu", c,
                              i);
        lower |= c >= 'a' && c <= 'z';
        upper |= c >= 'A' && c <= 'Z';
        if (c == '1')
            sep = i;
    }
    if (lower && upper)
        return ag_err_set(AG_ERR_MIXED_CASE, "bech32: mixes upper and lower case");
    if (sep == n)
        return ag_err_set(AG_ERR_DECODE, "bech32: no separator '1'");
    if (sep == 0)
        return ag_err_set(AG_ERR_DECODE, "bech32: empty prefix");
    if (sep > AG_BECH32_HRP_MAX)
        return ag_err_set(AG_ERR_DECODE, "bech32: prefix longer than %d", AG_BECH32_HRP_MAX);
    if (n - sep - 1 < 6)
        return ag_err_set(AG_ERR_DECODE, "bech32: data part shorter than the 6-character checksum");
    size_t dlen = n - sep - 1 - 6;
    if (sep + 1 > hrp_cap || dlen > data5_cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "bech32: output buffer too small");

    for (size_t i = 0; i < sep; i++) {
        char c = in[i];
        hrp[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    hrp[sep] = '\0';
    uint32_t chk = polymod_hrp(hrp, sep);
    for (size_t i = sep + 1; i < n; i++) {
        char c = in[i];
        int v = charset_index((char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
        if (v < 0)
            return ag_err_set(AG_ERR_DECODE,
                              "bech32: character '%c' at position %zu is not in "
                              "the data alphabet",
                              c, i);
        chk = polymod_step(chk, (uint8_t)v);
        if (i < n - 6)
            data5[i - sep - 1] = (uint8_t)v;
    }
    if (chk != 1)
        return ag_err_set(AG_ERR_CHECKSUM, "bech32: checksum mismatch");
    *data5_len = dlen;
    return AG_OK;
}

ag_err ag_bech32_convert_bits(uint8_t *out, size_t out_cap, size_t *out_len, unsigned outbits,
                              const uint8_t *in, size_t in_len, unsigned inbits, bool pad)
{
    *out_len = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    const uint32_t maxv = (1u << outbits) - 1;
    for (size_t i = 0; i < in_len; i++) {
        if (in[i] >> inbits)
            return ag_err_set(AG_ERR_DECODE, "bech32: value %u wider than %u bits", in[i], inbits);
        acc = (acc << inbits | in[i]) & 0xffffff;
        bits += inbits;
        while (bits >= outbits) {
            bits -= outbits;
            if (o >= out_cap)
                return ag_err_set(AG_ERR_TOO_LARGE, "bech32: regrouped data exceeds %zu", out_cap);
            out[o++] = (uint8_t)((acc >> bits) & maxv);
        }
    }
    if (pad) {
        if (bits) {
            if (o >= out_cap)
                return ag_err_set(AG_ERR_TOO_LARGE, "bech32: regrouped data exceeds %zu", out_cap);
            out[o++] = (uint8_t)((acc << (outbits - bits)) & maxv);
        }
    } else if (bits >= inbits || ((acc << (outbits - bits)) & maxv)) {
        return ag_err_set(AG_ERR_DECODE, "bech32: invalid padding");
    }
    *out_len = o;
    return AG_OK;
}

ag_err ag_bech32_encode_bytes(char *out, size_t out_cap, const char *hrp, const uint8_t *bytes,
                              size_t len)
{
    uint8_t data5[AG_BECH32_MAX_LEN_COSMOS];
    size_t n;
    if (len > sizeof data5 * 5 / 8)
        return ag_err_set(AG_ERR_TOO_LARGE, "bech32: %zu bytes is too long to encode", len);
    ag_err err = ag_bech32_convert_bits(data5, sizeof data5, &n, 5, bytes, len, 8, true);
    if (err)
        return err;
    return ag_bech32_encode(out, out_cap, hrp, data5, n);
}

ag_err ag_bech32_decode_bytes(char *hrp, size_t hrp_cap, uint8_t *bytes, size_t cap, size_t *len,
                              const char *in, size_t max_len)
{
    uint8_t data5[AG_BECH32_MAX_LEN_COSMOS];
    size_t n;
    *len = 0;
    if (max_len > AG_BECH32_MAX_LEN_COSMOS)
        max_len = AG_BECH32_MAX_LEN_COSMOS;
    ag_err err = ag_bech32_decode(hrp, hrp_cap, data5, sizeof data5, &n, in, max_len);
    if (err)
        return err;
    return ag_bech32_convert_bits(bytes, cap, len, 8, data5, n, 5, false);
}
