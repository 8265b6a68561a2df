/* vote_set.c — votes of one (height, round, type): storage, tallies, commits. */
#include "consensus/vote_set.h"

#include <stdlib.h>
#include <string.h>

ag_err cons_vote_set_init(cons_vote_set *s, int64_t height, int32_t round, cons_msg_type type,
                          const cons_valset *vals)
{
    memset(s, 0, sizeof *s);
    if (!cons_msg_type_is_vote((int)type) || vals == NULL || vals->n == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "vote set: type %d or empty validator set",
                          (int)type);
    s->votes = calloc(vals->n, sizeof *s->votes);
    s->bits = calloc((vals->n + 7) / 8, 1);
    s->tallies = calloc(2 * vals->n + CONS_VOTE_SET_WANTED_MAX, sizeof *s->tallies);
    s->conflicts = calloc(vals->n, sizeof *s->conflicts);
    s->conflict_bits = calloc((vals->n + 7) / 8, 1);
    if (s->votes == NULL || s->bits == NULL || s->tallies == NULL || s->conflicts == NULL ||
        s->conflict_bits == NULL) {
        cons_vote_set_free(s);
        return ag_err_set(AG_ERR_NOMEM, "vote set of %zu validators", vals->n);
    }
    s->height = height;
    s->round = round;
    s->type = type;
    s->vals = vals;
    return AG_OK;
}

void cons_vote_set_free(cons_vote_set *s)
{
    if (s->votes != NULL && s->vals != NULL)
        for (size_t i = 0; i < s->vals->n; i++)
            cons_vote_clear(&s->votes[i]);
    if (s->conflicts != NULL && s->vals != NULL)
        for (size_t i = 0; i < s->vals->n; i++)
            cons_vote_clear(&s->conflicts[i]);
    free(s->conflicts);
    free(s->conflict_bits);
    for (size_t k = 0; k < CONS_VOTE_SET_WANTED_MAX; k++) {
        if (s->wanted_votes[k] != NULL && s->vals != NULL)
            for (size_t i = 0; i < s->vals->n; i++)
                cons_vote_clear(&s->wanted_votes[k][i]);
        free(s->wanted_votes[k]);
        free(s->wanted_bits[k]);
    }
    free(s->votes);
    free(s->bits);
    free(s->tallies);
    memset(s, 0, sizeof *s);
}

bool cons_vote_set_has(const cons_vote_set *s, size_t i)
{
    return s->vals != NULL && i < s->vals->n && (s->bits[i / 8] >> (i % 8)) & 1;
}

const cons_vote *cons_vote_set_get(const cons_vote_set *s, size_t i)
{
    return cons_vote_set_has(s, i) ? &s->votes[i] : NULL;
}

const cons_vote *cons_vote_set_get_conflict(const cons_vote_set *s, size_t i)
{
    if (s->vals == NULL || i >= s->vals->n || !((s->conflict_bits[i / 8] >> (i % 8)) & 1))
        return NULL;
    return &s->conflicts[i];
}

static bool bit(const uint8_t *b, size_t i)
{
    return b != NULL && ((b[i / 8] >> (i % 8)) & 1);
}

bool cons_vote_set_want(cons_vote_set *s, const cons_block_id *id)
{
    if (cons_block_id_is_zero(id))
        return false;
    for (size_t k = 0; k < s->n_wanted; k++)
        if (cons_block_id_equal(&s->wanted[k], id))
            return true;
    if (s->n_wanted == CONS_VOTE_SET_WANTED_MAX)
        return false;
    s->wanted[s->n_wanted++] = *id;
    return true;
}

size_t cons_vote_set_votes_of(const cons_vote_set *s, size_t i,
                              const cons_vote *out[2 + CONS_VOTE_SET_WANTED_MAX])
{
    size_t n = 0;
    if ((out[n] = cons_vote_set_get(s, i)) != NULL)
        n++;
    if ((out[n] = cons_vote_set_get_conflict(s, i)) != NULL)
        n++;
    for (size_t k = 0; s->vals != NULL && i < s->vals->n && k < s->n_wanted; k++)
        if (bit(s->wanted_bits[k], i))
            out[n++] = &s->wanted_votes[k][i];
    return n;
}

/* Add power p to the tally of id, noting a +2/3 majority. */
static void tally(cons_vote_set *s, const cons_block_id *id, int64_t p)
{
    size_t t = 0;
    while (t < s->n_tallies && !cons_block_id_equal(&s->tallies[t].block_id, id))
        t++;
    if (t == s->n_tallies) {
        s->tallies[t].block_id = *id;
        s->tallies[t].power = 0;
        s->n_tallies++;
    }
    s->tallies[t].power += p;
    if (!s->has_maj23 && s->tallies[t].power * 3 > s->vals->total_power * 2) {
        s->has_maj23 = true;
        s->maj23 = *id;
    }
}

ag_err cons_vote_set_add(cons_vote_set *s, const cons_vote *v, cons_vote_add_result *res,
                         const cons_vote **existing)
{
    *res = CONS_VOTE_ADDED;
    if (existing != NULL)
        *existing = NULL;
    if (v->height != s->height || v->round != s->round || v->type != s->type)
        return ag_err_set(AG_ERR_INVALID_ARG, "vote set (%lld/%d/%d): vote for %lld/%d/%d",
                          (long long)s->height, (int)s->round, (int)s->type, (long long)v->height,
                          (int)v->round, (int)v->type);
    if (!cons_block_id_is_zero(&v->block_id) && !cons_block_id_is_complete(&v->block_id))
        return ag_err_set(AG_ERR_INVALID_ARG, "vote set: block id neither nil nor complete");
    if (v->validator_index < 0 || (size_t)v->validator_index >= s->vals->n ||
        memcmp(s->vals->vals[v->validator_index].address.b, v->validator_address.b,
               sizeof v->validator_address.b) != 0)
        return ag_err_set(AG_ERR_NOT_FOUND, "vote set: no validator %d with that address",
                          (int)v->validator_index);
    size_t i = (size_t)v->validator_index;
    int64_t p = s->vals->vals[i].voting_power;
    ag_err e;
    if (cons_vote_set_has(s, i)) {
        if (cons_block_id_equal(&s->votes[i].block_id, &v->block_id)) {
            /* Same choice: a duplicate, whatever the timestamp (CometBFT keeps
             * the first; a re-signed vote with a new time is no equivocation). */
            *res = CONS_VOTE_DUPLICATE;
            return AG_OK;
        }
        const cons_vote *c = cons_vote_set_get_conflict(s, i);
        if (c != NULL && cons_block_id_equal(&c->block_id, &v->block_id)) {
            *res = CONS_VOTE_DUPLICATE;
            return AG_OK;
        }
        *res = CONS_VOTE_CONFLICT;
        if (existing != NULL)
            *existing = &s->votes[i];
        if (c != NULL) {
            /* A third value: kept only for a wanted block id. */
            for (size_t k = 0; k < s->n_wanted; k++) {
                if (!cons_block_id_equal(&s->wanted[k], &v->block_id))
                    continue;
                if (bit(s->wanted_bits[k], i)) {
                    *res = CONS_VOTE_DUPLICATE;
                    return AG_OK;
                }
                if (s->wanted_votes[k] == NULL) {
                    s->wanted_votes[k] = calloc(s->vals->n, sizeof *s->wanted_votes[k]);
                    s->wanted_bits[k] = calloc((s->vals->n + 7) / 8, 1);
                    if (s->wanted_votes[k] == NULL || s->wanted_bits[k] == NULL)
                        return ag_err_set(AG_ERR_NOMEM, "vote set: wanted votes");
                }
                if ((e = cons_vote_copy(&s->wanted_votes[k][i], v)) != AG_OK)
                    return e;
                s->wanted_bits[k][i / 8] |= (uint8_t)(1u << (i % 8));
                tally(s, &v->block_id, p);
                return AG_OK;
            }
            return AG_OK; /* reported, not kept */
        }
        if ((e = cons_vote_copy(&s->conflicts[i], v)) != AG_OK)
            return e;
        s->conflict_bits[i / 8] |= (uint8_t)(1u << (i % 8));
        tally(s, &v->block_id, p);
        return AG_OK;
    }
    if ((e = cons_vote_copy(&s->votes[i], v)) != AG_OK)
        return e;
    s->bits[i / 8] |= (uint8_t)(1u << (i % 8));
    s->sum += p;
    tally(s, &v->block_id, p);
    return AG_OK;
}

int64_t cons_vote_set_power_for(const cons_vote_set *s, const cons_block_id *id)
{
    for (size_t t = 0; t < s->n_tallies; t++)
        if (cons_block_id_equal(&s->tallies[t].block_id, id))
            return s->tallies[t].power;
    return 0;
}

bool cons_vote_set_two_thirds_majority(const cons_vote_set *s, cons_block_id *id)
{
    if (s->has_maj23 && id != NULL)
        *id = s->maj23;
    return s->has_maj23;
}

bool cons_vote_set_has_two_thirds_any(const cons_vote_set *s)
{
    return s->vals != NULL && s->sum * 3 > s->vals->total_power * 2;
}

bool cons_vote_set_has_one_third_any(const cons_vote_set *s)
{
    return s->vals != NULL && s->sum * 3 > s->vals->total_power;
}

ag_err cons_vote_set_make_commit(const cons_vote_set *s, cons_commit *out)
{
    if (s->type != CONS_MSG_PRECOMMIT || !s->has_maj23 || cons_block_id_is_zero(&s->maj23))
        return ag_err_set(AG_ERR_STATE, "make commit: no +2/3 precommits for a block");
    ag_err e = cons_commit_alloc(out, s->vals->n);
    if (e != AG_OK)
        return e;
    out->height = s->height;
    out->round = s->round;
    out->block_id = s->maj23;
    for (size_t i = 0; i < s->vals->n; i++) {
        const cons_vote *v = cons_vote_set_get(s, i);
        if (v == NULL)
            continue;
        const cons_vote *all[2 + CONS_VOTE_SET_WANTED_MAX];
        size_t k = cons_vote_set_votes_of(s, i, all);
        for (size_t j = 1; j < k; j++)
            if (!cons_block_id_equal(&v->block_id, &s->maj23) &&
                cons_block_id_equal(&all[j]->block_id, &s->maj23))
                v = all[j];
        bool for_block = cons_block_id_equal(&v->block_id, &s->maj23);
        if (!for_block && !cons_block_id_is_zero(&v->block_id))
            continue;
        cons_commit_sig *cs = &out->sigs[i];
        cs->flag = for_block ? CONS_BLOCK_ID_FLAG_COMMIT : CONS_BLOCK_ID_FLAG_NIL;
        cs->has_address = true;
        cs->validator_address = v->validator_address;
        cs->timestamp = v->timestamp;
        cs->signature = v->signature;
    }
    return AG_OK;
}

ag_err cons_commit_power(const cons_commit *c, const cons_valset *vals, int64_t *power)
{
    *power = 0;
    if (c->n_sigs != vals->n)
        return ag_err_set(AG_ERR_INVALID_ARG, "commit has %zu signatures for %zu validators",
                          c->n_sigs, vals->n);
    for (size_t i = 0; i < c->n_sigs; i++) {
        const cons_commit_sig *cs = &c->sigs[i];
        if (cs->flag == CONS_BLOCK_ID_FLAG_COMMIT && cs->has_address &&
            memcmp(cs->validator_address.b, vals->vals[i].address.b,
                   sizeof cs->validator_address.b) == 0)
            *power += vals->vals[i].voting_power;
    }
    return AG_OK;
}
