/*
 * pb.h — internal to consensus/: conversions between the value types and the
 * protobuf-c structs generated from proto/tendermint/types/.
 *
 * "from" fills a protobuf-c struct whose pointers borrow from the value (and
 * from caller-provided storage), valid until either changes; "to" validates a
 * decoded protobuf-c struct and copies it into a value, returning
 * AG_ERR_DECODE / AG_ERR_LENGTH / AG_ERR_TOO_LARGE with a detail naming the
 * field. Fields CometBFT marks non-nullable are always set (Go always emits
 * them); absent ones decode as their zero value, as in Go.
 */
#ifndef AGORA_CONSENSUS_PB_H
#define AGORA_CONSENSUS_PB_H

#include <protobuf-c/protobuf-c.h>

#include "consensus/merkle.h"
#include "consensus/types.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "lib/buf.h"
#include "lib/pb.h" /* ag_pb_append, ag_pb_append_delimited (protoio.MarshalDelimited) */
#include "tendermint/crypto/proof.pb-c.h"
#include "tendermint/types/types.pb-c.h"

/* Borrowing views of optional byte fields. */
ProtobufCBinaryData cons_pb_bytes(const uint8_t *b, size_t len);

void cons_pb_timestamp_from(Google__Protobuf__Timestamp *pb, const cons_timestamp *t);
ag_err cons_pb_timestamp_to(cons_timestamp *t, const Google__Protobuf__Timestamp *pb,
                            const char *field);

/* pb borrows from id; psh is the storage of pb->part_set_header. */
void cons_pb_block_id_from(Tendermint__Types__BlockID *pb, Tendermint__Types__PartSetHeader *psh,
                           const cons_block_id *id);
ag_err cons_pb_block_id_to(cons_block_id *id, const Tendermint__Types__BlockID *pb,
                           const char *field);

/* Copy an absent-or-32-byte hash field. */
ag_err cons_pb_hash_to(cons_hash *h, const ProtobufCBinaryData *pb, const char *field);
/* Copy an absent-or-64-byte signature field. */
ag_err cons_pb_sig_to(cons_sig *s, const ProtobufCBinaryData *pb, const char *field);

/* aunts: storage for CONS_MERKLE_AUNTS_MAX entries; pb borrows from proof. */
ag_err cons_pb_proof_from(Tendermint__Crypto__Proof *pb, ProtobufCBinaryData *aunts,
                          cons_merkle_proof *proof);
ag_err cons_pb_proof_to(cons_merkle_proof *proof, const Tendermint__Crypto__Proof *pb);

/* Return `err` with its detail prefixed: "<prefix>: <previous detail>".
 * (ag_err_set cannot take ag_err_detail() as an argument: that is the buffer
 * it writes.) */
ag_err cons_pb_err_prefix(ag_err err, const char *prefix);

/* Count the top-level occurrences of field `field_no` in a protobuf message
 * without decoding it, so a repeated field can be bounded before protobuf-c
 * allocates one struct per entry. AG_ERR_DECODE if the wire format is broken. */
ag_err cons_pb_count_field(const uint8_t *in, size_t len, uint32_t field_no, size_t *count);

#endif
