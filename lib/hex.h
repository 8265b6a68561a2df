/*
 * hex.h — hexadecimal encoding (lower case for protocol text, upper case for
 * CometBFT hashes and addresses) and strict decoding of either case.
 */
#ifndef AGORA_LIB_HEX_H
#define AGORA_LIB_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Writes 2*len characters and a NUL to out (which must hold 2*len+1). */
void ag_hex_encode(char *out, const uint8_t *in, size_t len, bool upper);

/*
 * Decode in[0..in_len) (either case, no prefix, no whitespace) into out.
 * AG_ERR_DECODE: odd length or a non-hex character (the detail gives its position);
 * AG_ERR_TOO_LARGE: the result would exceed out_cap.
 * On error *out_len is 0 and out's contents are unspecified.
 */
ag_err ag_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in, size_t in_len);

/* Decode exactly `len` bytes from a NUL-terminated string; AG_ERR_LENGTH otherwise. */
ag_err ag_hex_decode_exact(uint8_t *out, size_t len, const char *in);

#endif
