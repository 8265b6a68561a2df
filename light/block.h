/*
 * block.h — a light block: a signed header (header + the commit that
 * finalised it) and the validator set of its height, the unit the light
 * client fetches, verifies and stores (CometBFT's types.LightBlock).
 *
 * Ownership: a light_block owns its commit's signatures and its validator
 * array; free it with light_block_free. A zero-initialised block is empty
 * and may be freed.
 */
#ifndef AGORA_LIGHT_BLOCK_H
#define AGORA_LIGHT_BLOCK_H

#include "consensus/commit.h"
#include "consensus/header.h"
#include "consensus/validator_set.h"

typedef struct light_block {
    cons_header header;
    cons_commit commit; /* owned */
    cons_valset vals;   /* owned: the validators of header.height */
} light_block;

void light_block_free(light_block *b);
/* Deep copy of src into *dst (whose content is freed first). AG_ERR_NOMEM
 * (dst is then empty). */
ag_err light_block_copy(light_block *dst, const light_block *src);
/* Move src into *dst (dst freed first); src becomes empty. */
void light_block_move(light_block *dst, light_block *src);
/* A validator set with the validators exactly in the order given (as a node
 * serves them), checking what a decoder must: 1..CONS_VALIDATORS_MAX
 * entries, each address derived from its key, power > 0, the set order
 * (power descending, then address ascending) with no duplicate, and a
 * total within CONS_TOTAL_VOTING_POWER_MAX. Priorities are kept as given.
 * AG_ERR_DECODE / AG_ERR_TOO_LARGE / AG_ERR_OVERFLOW naming the rule,
 * AG_ERR_NOMEM. *out is empty on error; free with cons_valset_free. */
ag_err light_valset_from_list(cons_valset *out, const cons_validator *vals, size_t n);
/* The hash of b's header (CometBFT's Header.Hash). */
ag_err light_block_hash(const light_block *b, crypto_hash *out);

#endif
