/*
 * frame.h — the ABCI socket framing: each Request and Response travels as
 * an unsigned varint byte length followed by that many protobuf bytes
 * (CometBFT v0.38 socket protocol).
 *
 *   +------------------+---------------------------+
 *   | uvarint len 1-10 | len bytes of Request/Resp |
 *   +------------------+---------------------------+
 *
 * The prefix is checked against the caller's cap before any body byte is
 * waited for, so a hostile length never makes a reader buffer more than
 * max + ABCI_FRAME_PREFIX_MAX bytes.
 */
#ifndef AGORA_ABCI_FRAME_H
#define AGORA_ABCI_FRAME_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "abci/limits.h"
#include "lib/buf.h"

/*
 * Find the first frame in in[0..len), whose body may be at most `max` bytes.
 * AG_OK: *body points into `in` (borrowed from the caller's buffer) and
 *        *used is prefix + body length.
 * AG_ERR_TRUNCATED: the frame is incomplete; *used says how many bytes the
 *        whole frame needs once the prefix is complete (else 0). Read more.
 * AG_ERR_DECODE: the prefix is longer than 10 bytes or overflows 64 bits.
 * AG_ERR_TOO_LARGE: the prefix announces more than `max` bytes.
 * The last two can never become valid: the stream is unusable.
 */
ag_err abci_frame_decode(const uint8_t *in, size_t len, size_t max, ag_slice *body, size_t *used);

/*
 * Append the frame of `msg` (its varint length, then its packed bytes) to
 * `out`. AG_ERR_TOO_LARGE if the packed message exceeds `max` or `out`'s
 * cap (out is unchanged then); AG_ERR_NOMEM.
 */
ag_err abci_frame_append(ag_buf *out, const ProtobufCMessage *msg, size_t max);

#endif
