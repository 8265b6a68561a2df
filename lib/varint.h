/*
 * varint.h — protobuf unsigned varints (base-128, little-endian groups).
 *
 * Used for length-prefixed framing (ABCI socket frames, CometBFT sign bytes)
 * where the prefix arrives from the network: the decoder refuses anything
 * longer than 10 bytes or wider than 64 bits, and distinguishes "need more
 * bytes" (AG_ERR_TRUNCATED) from "can never be valid" (AG_ERR_DECODE).
 */
#ifndef AGORA_LIB_VARINT_H
#define AGORA_LIB_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define AG_UVARINT_MAX 10

/* Writes 1..10 bytes to out (which must hold AG_UVARINT_MAX); returns the count. */
size_t ag_uvarint_encode(uint8_t out[AG_UVARINT_MAX], uint64_t v);

/* Bytes ag_uvarint_encode would write for v. */
size_t ag_uvarint_size(uint64_t v);

/*
 * Decode one varint from the front of in[0..len).
 * AG_OK: *value and *used set.
 * AG_ERR_TRUNCATED: every byte present had the continuation bit; more may come.
 * AG_ERR_DECODE: longer than 10 bytes, or the 10th byte overflows 64 bits.
 * Outputs are untouched on error.
 */
ag_err ag_uvarint_decode(const uint8_t *in, size_t len, uint64_t *value, size_t *used);

#endif
