/*
 * base64.h — standard base64 with padding (RFC 4648 section 4), the encoding
 * of bytes in CometBFT's and protobuf's JSON.
 *
 * Decoding is strict, because decoded bytes feed hashes and signatures and
 * two spellings of one value would be a malleability: the length must be a
 * multiple of 4, padding only at the end, no whitespace, and the unused bits
 * of the last character must be zero.
 */
#ifndef AGORA_LIB_BASE64_H
#define AGORA_LIB_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Characters of the encoding of len bytes, without the NUL. */
static inline size_t ag_base64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

/* Upper bound of the bytes decoded from in_len characters. */
static inline size_t ag_base64_decoded_max(size_t in_len)
{
    return in_len / 4 * 3;
}

/* Writes ag_base64_encoded_len(len) characters and a NUL to out. */
void ag_base64_encode(char *out, const uint8_t *in, size_t len);

/*
 * AG_ERR_DECODE: bad length, character, padding or non-zero trailing bits
 * (the detail says which and where); AG_ERR_TOO_LARGE: result exceeds out_cap.
 * On error *out_len is 0.
 */
ag_err ag_base64_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                        size_t in_len);

#endif
