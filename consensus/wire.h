/*
 * wire.h — internal to consensus/: a minimal protobuf wire reader and writer
 * for the messages whose repeated fields must be bounded before anything is
 * allocated (Block, Data, EvidenceList, DuplicateVoteEvidence). Sub-messages
 * are handed to their own bounded decoders (cons_header_decode,
 * cons_commit_decode, cons_vote_decode) as slices of the input.
 *
 * Nothing here allocates except through the ag_buf it appends to; slices
 * borrow from the input.
 */
#ifndef AGORA_CONSENSUS_WIRE_H
#define AGORA_CONSENSUS_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

enum { CONS_WIRE_VARINT = 0, CONS_WIRE_FIXED64 = 1, CONS_WIRE_LEN = 2, CONS_WIRE_FIXED32 = 5 };

typedef struct cons_wire_field {
    uint32_t no;    /* field number (1 .. 2^29-1) */
    uint8_t type;   /* CONS_WIRE_* */
    uint64_t value; /* varint / fixed value */
    ag_slice bytes; /* CONS_WIRE_LEN payload, borrowed from the input */
} cons_wire_field;

/* Read the field at *off and advance past it. *end is true (and nothing is
 * read) when *off == len. AG_ERR_DECODE for a broken key, varint, length,
 * field number 0 or a group wire type. */
ag_err cons_wire_next(const uint8_t *in, size_t len, size_t *off, cons_wire_field *f, bool *end);

/* Key + varint (omitted when zero and omit_zero is true, as proto3 does). */
ag_err cons_wire_put_varint(ag_buf *out, uint32_t no, uint64_t v, bool omit_zero);
/* Key + length + bytes, always emitted (a non-nullable or repeated field). */
ag_err cons_wire_put_bytes(ag_buf *out, uint32_t no, const void *b, size_t len);

#endif
