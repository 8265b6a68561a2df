/*
 * engine_peek.c — read-only views for the gossip reactors (engine_peek.h).
 */
#include <string.h>

#include "consensus/engine_internal.h"
#include "consensus/engine_peek.h"

const cons_part_set *cons_engine_proposal_parts(const cons_engine *e, int32_t round)
{
    if (e == NULL || e->core == NULL)
        return NULL;
    const cons_proposal *p = cons_core_proposal(e->core, round);
    if (p == NULL)
        return NULL;
    const cons_part_set_header *want = &p->block_id.parts;
    for (size_t i = 0; i < ENG_CANDS_MAX; i++) {
        const eng_cand *c = &e->cands[i];
        if (!c->used || c->ps.header.total != want->total ||
            memcmp(c->ps.header.hash.b, want->hash.b, sizeof want->hash.b) != 0)
            continue;
        return c->ps.count > 0 ? &c->ps : NULL;
    }
    return NULL;
}

cons_block_store *cons_engine_block_store(const cons_engine *e)
{
    return e ? e->a.block_store : NULL;
}

ag_err cons_engine_skip_commit_wait(cons_engine *e)
{
    if (e == NULL || e->core == NULL || cons_core_step(e->core) != CONS_STEP_COMMIT)
        return AG_OK;
    int64_t h = cons_core_height(e->core);
    int32_t r = cons_core_round(e->core);
    /* the token of the commit timeout, as engine.c's timer_token makes it */
    uint64_t token =
        ((uint64_t)h << 24) | ((uint64_t)(uint32_t)r << 3) | (uint64_t)CONS_STEP_COMMIT;
    return cons_engine_on_timer(e, token);
}
