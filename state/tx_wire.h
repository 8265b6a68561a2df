/*
 * tx_wire.h — internal to the tx decoder: count protobuf fields on the wire
 * before the generated code parses (and allocates for) them.
 */
#ifndef AGORA_STATE_TX_WIRE_H
#define AGORA_STATE_TX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * Walk the top-level fields of the message in[0..len) and count those
 * numbered `field`; with inner != 0, count instead the fields numbered
 * `inner` inside every length-delimited `field` (a repeated field of a
 * sub-message). Stops early once the count exceeds `max`.
 * AG_ERR_DECODE: a malformed tag, varint or length, a group, field 0.
 */
ag_err market_wire_count(const uint8_t *in, size_t len, uint32_t field, uint32_t inner, size_t max,
                         size_t *count);

#endif
