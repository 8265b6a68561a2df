/*
 * tx_wire.h — internal to the tx decoder: count protobuf fields on the wire
 * before the generated code parses (and allocates for) them.
 */
#ifndef AGORA_STATE_TX_WIRE_H
#define AGORA_STATE_TX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* The deepest field path market_wire_count follows. */
#define MARKET_WIRE_PATH_MAX 4

/*
 * Count the fields reached by path[0..depth) in the message in[0..len):
 * with depth 1, the top-level fields numbered path[0]; with depth 2, the
 * fields numbered path[1] inside every length-delimited path[0] (a repeated
 * field of a sub-message), and so on. Adds to *count, and stops early once
 * it exceeds `max`. Only the levels on the path are parsed, so a
 * deeply nested input costs no recursion beyond `depth`.
 * AG_ERR_DECODE: a malformed tag, varint or length, a group, field 0;
 * AG_ERR_INVALID_ARG: depth 0 or above MARKET_WIRE_PATH_MAX.
 */
ag_err market_wire_count(const uint8_t *in, size_t len, const uint32_t *path, size_t depth,
                         size_t max, size_t *count);

#endif
