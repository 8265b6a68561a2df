/*
 * bech32.h — BIP-173 bech32, the address encoding of Cosmos chains
 * ("agora1..." for accounts).
 *
 * Strings are at most `max_len` characters: AG_BECH32_MAX_LEN_BIP173 (90) is
 * the standard's limit; Cosmos SDK accepts up to 1023 for long payloads.
 * Decoding refuses mixed case, characters outside 33..126, a missing or
 * misplaced separator, an empty prefix, characters outside the data alphabet
 * and a bad checksum, each with its own code or detail.
 */
#ifndef AGORA_LIB_BECH32_H
#define AGORA_LIB_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define AG_BECH32_MAX_LEN_BIP173 90
#define AG_BECH32_MAX_LEN_COSMOS 1023
#define AG_BECH32_HRP_MAX        83

/*
 * Encode hrp (lower-case, 1..83 printable ASCII characters) and 5-bit values
 * data5[0..len) into out as a NUL-terminated lower-case string.
 * AG_ERR_INVALID_ARG: bad hrp or a data value >= 32; AG_ERR_TOO_LARGE: out_cap too small.
 */
ag_err ag_bech32_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data5,
                        size_t len);

/*
 * Decode the NUL-terminated `in`. The lower-cased prefix goes to hrp (NUL-
 * terminated; hrp_cap bytes including the NUL), the 5-bit values without the
 * checksum to data5.
 * AG_ERR_TOO_LARGE: longer than max_len, or an output too small;
 * AG_ERR_MIXED_CASE; AG_ERR_CHECKSUM; AG_ERR_DECODE: anything else malformed.
 */
ag_err ag_bech32_decode(char *hrp, size_t hrp_cap, uint8_t *data5, size_t data5_cap,
                        size_t *data5_len, const char *in, size_t max_len);

/*
 * Regroup bits: in[] holds values of `inbits` bits, out[] receives values of
 * `outbits` bits. With pad, a partial last group is zero-filled; without it,
 * leftover bits must be fewer than inbits and zero (AG_ERR_DECODE otherwise).
 */
ag_err ag_bech32_convert_bits(uint8_t *out, size_t out_cap, size_t *out_len, unsigned outbits,
                              const uint8_t *in, size_t in_len, unsigned inbits, bool pad);

/* Bytes -> bech32 string (8-to-5 regrouping with padding). */
ag_err ag_bech32_encode_bytes(char *out, size_t out_cap, const char *hrp, const uint8_t *bytes,
                              size_t len);

/* bech32 string -> bytes (5-to-8 regrouping, no padding allowed). */
ag_err ag_bech32_decode_bytes(char *hrp, size_t hrp_cap, uint8_t *bytes, size_t cap, size_t *len,
                              const char *in, size_t max_len);

#endif
