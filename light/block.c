/* Light blocks and validator sets as served (block.h). */
#include "light/block.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void light_block_free(light_block *b)
{
    cons_commit_clear(&b->commit);
    cons_valset_free(&b->vals);
    memset(b, 0, sizeof *b);
}

ag_err light_block_copy(light_block *dst, const light_block *src)
{
    light_block_free(dst);
    dst->header = src->header;
    dst->commit = src->commit;
    dst->commit.sigs = NULL;
    dst->commit.n_sigs = 0;
    if (src->commit.n_sigs) {
        dst->commit.sigs = malloc(src->commit.n_sigs * sizeof *src->commit.sigs);
        if (!dst->commit.sigs) {
            light_block_free(dst);
            return ag_err_set(AG_ERR_NOMEM, "light block: copy");
        }
        memcpy(dst->commit.sigs, src->commit.sigs, src->commit.n_sigs * sizeof *src->commit.sigs);
        dst->commit.n_sigs = src->commit.n_sigs;
    }
    if (cons_valset_copy(&dst->vals, &src->vals) != AG_OK) {
        memset(&dst->vals, 0, sizeof dst->vals);
        light_block_free(dst);
        return ag_err_set(AG_ERR_NOMEM, "light block: copy");
    }
    return AG_OK;
}

void light_block_move(light_block *dst, light_block *src)
{
    light_block_free(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
}

static int addr_cmp(const crypto_address *a, const crypto_address *b)
{
    return memcmp(a->b, b->b, CRYPTO_ADDRESS_LEN);
}

static int addr_qsort_cmp(const void *a, const void *b)
{
    return addr_cmp(a, b);
}

ag_err light_valset_from_list(cons_valset *out, const cons_validator *vals, size_t n)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return ag_err_set(AG_ERR_DECODE, "validator set: empty");
    if (n > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "validator set: %zu validators", n);
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const cons_validator *v = &vals[i];
        crypto_address a;
        crypto_address_from_pubkey(&a, &v->pub_key);
        if (!crypto_address_equal(&a, &v->address))
            return ag_err_set(AG_ERR_DECODE, "validator %zu: address is not its key's", i);
        if (v->voting_power <= 0 || v->voting_power > CONS_TOTAL_VOTING_POWER_MAX)
            return ag_err_set(AG_ERR_DECODE, "validator %zu: voting power %" PRId64, i,
                              v->voting_power);
        if (i > 0) {
            const cons_validator *p = &vals[i - 1];
            bool ordered =
                p->voting_power > v->voting_power ||
                (p->voting_power == v->voting_power && addr_cmp(&p->address, &v->address) < 0);
            if (!ordered)
                return ag_err_set(AG_ERR_DECODE, "validator %zu: out of set order or duplicate", i);
        }
        if (total > CONS_TOTAL_VOTING_POWER_MAX - v->voting_power)
            return ag_err_set(AG_ERR_OVERFLOW, "validator set: total voting power too large");
        total += v->voting_power;
    }
    /* Equal powers are ordered by address, but the same address may repeat
     * with a different power: sort a copy of the addresses to find it. */
    crypto_address *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return ag_err_set(AG_ERR_NOMEM, "validator set");
    for (size_t i = 0; i < n; i++)
        sorted[i] = vals[i].address;
    qsort(sorted, n, sizeof *sorted, addr_qsort_cmp);
    for (size_t i = 1; i < n; i++)
        if (addr_cmp(&sorted[i - 1], &sorted[i]) == 0) {
            free(sorted);
            return ag_err_set(AG_ERR_DECODE, "validator set: duplicate address");
        }
    free(sorted);
    out->vals = malloc(n * sizeof *out->vals);
    if (!out->vals)
        return ag_err_set(AG_ERR_NOMEM, "validator set");
    memcpy(out->vals, vals, n * sizeof *vals);
    out->n = n;
    out->total_power = total;
    return AG_OK;
}

ag_err light_block_hash(const light_block *b, crypto_hash *out)
{
    return cons_header_hash(out, &b->header);
}
