/*
 * pb.h — appending protobuf-c messages to buffers, the one place every module
 * encodes through (consensus sign bytes, transactions, proofs, key envelopes).
 *
 * Both functions append to `out` (growing it within its cap) and leave it
 * unchanged on error: AG_ERR_TOO_LARGE past the buffer's cap, AG_ERR_NOMEM.
 * `msg` is borrowed for the call.
 */
#ifndef AGORA_LIB_PB_H
#define AGORA_LIB_PB_H

#include <protobuf-c/protobuf-c.h>

#include "lib/buf.h"
#include "lib/err.h"

/* The message's protobuf encoding. */
ag_err ag_pb_append(ag_buf *out, const ProtobufCMessage *msg);

/* An unsigned-varint length, then the encoding (CometBFT's delimited form,
 * used for sign bytes). */
ag_err ag_pb_append_delimited(ag_buf *out, const ProtobufCMessage *msg);

#endif
