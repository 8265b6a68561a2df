/* types.c — comparisons and validity rules of the shared value types. */
#include "consensus/types.h"

#include <string.h>

void cons_hash_set(cons_hash *h, const uint8_t b[CONS_HASH_LEN])
{
    h->len = CONS_HASH_LEN;
    memcpy(h->b, b, CONS_HASH_LEN);
}

bool cons_hash_equal(const cons_hash *a, const cons_hash *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

ag_err cons_timestamp_validate(const cons_timestamp *t)
{
    if (t->seconds < CONS_TIME_MIN_SECONDS || t->seconds > CONS_TIME_MAX_SECONDS)
        return ag_err_set(AG_ERR_DECODE, "timestamp: seconds %lld outside years 1..9999",
                          (long long)t->seconds);
    if (t->nanos < 0 || t->nanos >= 1000000000)
        return ag_err_set(AG_ERR_DECODE, "timestamp: nanos %d outside [0, 1e9)", (int)t->nanos);
    return AG_OK;
}

bool cons_block_id_is_zero(const cons_block_id *id)
{
    return id->hash.len == 0 && id->parts.total == 0 && id->parts.hash.len == 0;
}

bool cons_block_id_is_complete(const cons_block_id *id)
{
    return id->hash.len == CONS_HASH_LEN && id->parts.total > 0 &&
           id->parts.hash.len == CONS_HASH_LEN;
}

bool cons_block_id_equal(const cons_block_id *a, const cons_block_id *b)
{
    return cons_hash_equal(&a->hash, &b->hash) && a->parts.total == b->parts.total &&
           cons_hash_equal(&a->parts.hash, &b->parts.hash);
}

ag_err cons_block_id_validate(const cons_block_id *id)
{
    if (id->parts.total > CONS_BLOCK_PARTS_MAX)
        return ag_err_set(AG_ERR_DECODE, "block id: %u parts (max %u)", id->parts.total,
                          CONS_BLOCK_PARTS_MAX);
    return AG_OK;
}

bool cons_msg_type_is_vote(int type)
{
    return type == CONS_MSG_PREVOTE || type == CONS_MSG_PRECOMMIT;
}
