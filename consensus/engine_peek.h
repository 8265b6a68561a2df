/*
 * engine_peek.h — read-only views into a running engine for the gossip
 * reactors (p2p/gossip.h): what the node holds of the current height, so a
 * peer that lacks it can be sent it again.
 */
#ifndef AGORA_CONSENSUS_ENGINE_PEEK_H
#define AGORA_CONSENSUS_ENGINE_PEEK_H

#include "consensus/engine.h"
#include "consensus/part_set.h"

/* The parts held for the proposal of `round` at the current height (the
 * candidate block whose part set header the round's proposal names), or NULL
 * when there is no proposal for that round or none of its parts yet. The set
 * may be incomplete. Borrowed until the next call into the engine. */
const cons_part_set *cons_engine_proposal_parts(const cons_engine *e, int32_t round);

/* The block store the engine was created with (for serving blocks). */
cons_block_store *cons_engine_block_store(const cons_engine *e);

/* Block sync: the current height is decided (step COMMIT); end the commit
 * timeout now instead of waiting for it, so the next block can be applied.
 * AG_OK when not in the commit step; cons_engine_on_timer's errors. */
ag_err cons_engine_skip_commit_wait(cons_engine *e);

#endif
