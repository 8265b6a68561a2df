/*
 * part_set.h — block parts: a serialized block is gossiped in parts of
 * CONS_BLOCK_PART_SIZE (64 KiB) bytes, the last one shorter, each with a
 * Merkle proof against PartSetHeader.hash (the simple Merkle root over the
 * parts' bytes), as CometBFT v0.38's PartSet does.
 *
 * A receiver starts from the header it learned from a proposal
 * (cons_part_set_init), adds parts as they arrive (each proof checked against
 * the header's hash and index), and reassembles the block once complete.
 *
 * Ownership: a cons_part owns its bytes (cons_part_clear); a cons_part_set
 * owns copies of every part added to it (cons_part_set_free). Nothing keeps
 * a caller's pointer after returning.
 */
#ifndef AGORA_CONSENSUS_PART_SET_H
#define AGORA_CONSENSUS_PART_SET_H

#include "consensus/merkle.h"
#include "consensus/types.h"
#include "lib/buf.h"

typedef struct cons_part {
    uint32_t index;
    uint8_t *bytes; /* owned; len <= CONS_BLOCK_PART_SIZE */
    size_t len;
    cons_merkle_proof proof;
} cons_part;

void cons_part_clear(cons_part *p);

/* tendermint.types.Part. The decoder takes at most CONS_PART_ENCODED_MAX
 * bytes, at most CONS_BLOCK_PART_SIZE part bytes and a well-formed proof
 * (merkle.h) whose index is the part's index (AG_ERR_TOO_LARGE,
 * AG_ERR_DECODE, AG_ERR_LENGTH); *out (cleared or zero) is zero on error.
 * Whether the proof verifies is cons_part_set_add's check. */
ag_err cons_part_encode(ag_buf *out, const cons_part *p);
ag_err cons_part_decode(cons_part *out, const uint8_t *in, size_t len);

typedef struct cons_part_set {
    cons_part_set_header header;
    cons_part *parts; /* owned: header.total slots, bytes == NULL while missing */
    uint32_t count;   /* parts present */
    size_t byte_size; /* sum of their lengths */
} cons_part_set;

/* Split data[0..len) into parts with proofs (NewPartSetFromData); the set is
 * complete. AG_ERR_INVALID_ARG for empty data, AG_ERR_TOO_LARGE over
 * CONS_BLOCK_SIZE_MAX, AG_ERR_NOMEM. *ps is empty on error. */
ag_err cons_part_set_from_data(cons_part_set *ps, const uint8_t *data, size_t len);

/* An empty set expecting the parts of `header` (NewPartSetFromHeader).
 * AG_ERR_INVALID_ARG unless 1 <= total <= CONS_BLOCK_PARTS_MAX and the hash
 * is 32 bytes; AG_ERR_NOMEM. */
ag_err cons_part_set_init(cons_part_set *ps, const cons_part_set_header *header);

void cons_part_set_free(cons_part_set *ps);

/* Add a copy of `part` (AddPart). *added is true if it was new and valid,
 * false for a part already present (AG_OK). Errors: AG_ERR_INVALID_ARG for an
 * index out of range; AG_ERR_VERIFY if the proof's total or index does not
 * match or it does not prove the bytes under the header's hash;
 * AG_ERR_TOO_LARGE for more than CONS_BLOCK_PART_SIZE bytes; AG_ERR_NOMEM. */
ag_err cons_part_set_add(cons_part_set *ps, const cons_part *part, bool *added);

bool cons_part_set_is_complete(const cons_part_set *ps);

/* The part at index, or NULL if missing or out of range. Borrowed until the
 * set is freed. */
const cons_part *cons_part_set_get(const cons_part_set *ps, uint32_t index);

/* Append the reassembled block bytes. AG_ERR_STATE if parts are missing;
 * the ag_buf errors. */
ag_err cons_part_set_assemble(const cons_part_set *ps, ag_buf *out);

#endif
