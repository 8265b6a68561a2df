/* validator_set.c — CometBFT validator sets: updates, priorities, proposer, hash, codec. */
#include "consensus/validator_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/merkle.h"
#include "consensus/pb.h"
#include "tendermint/crypto/keys.pb-c.h"
#include "tendermint/types/validator.pb-c.h"

void cons_validator_init(cons_validator *v, const crypto_pubkey *pub, int64_t power)
{
    memset(v, 0, sizeof *v);
    v->pub_key = *pub;
    crypto_address_from_pubkey(&v->address, pub);
    v->voting_power = power;
}

void cons_valset_free(cons_valset *vs)
{
    free(vs->vals);
    memset(vs, 0, sizeof *vs);
}

ag_err cons_valset_copy(cons_valset *dst, const cons_valset *src)
{
    cons_validator *vals = malloc((src->n ? src->n : 1) * sizeof *vals);
    if (!vals) {
        memset(dst, 0, sizeof *dst);
        return ag_err_set(AG_ERR_NOMEM, "validator set: copying %zu validators", src->n);
    }
    if (src->n)
        memcpy(vals, src->vals, src->n * sizeof *vals);
    *dst = *src;
    dst->vals = vals;
    return AG_OK;
}

/* ---- integer helpers with CometBFT's semantics ---- */

static int64_t add_clip(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sub_clip(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int addr_cmp(const crypto_address *a, const crypto_address *b)
{
    return memcmp(a->b, b->b, CRYPTO_ADDRESS_LEN);
}

/* ValidatorsByVotingPower: power descending, then address ascending. */
static int by_power(const void *pa, const void *pb)
{
    const cons_validator *a = pa, *b = pb;
    if (a->voting_power != b->voting_power)
        return a->voting_power > b->voting_power ? -1 : 1;
    return addr_cmp(&a->address, &b->address);
}

static int by_address(const void *pa, const void *pb)
{
    const cons_validator *a = pa, *b = pb;
    return addr_cmp(&a->address, &b->address);
}

long cons_valset_index_of(const cons_valset *vs, const crypto_address *addr)
{
    for (size_t i = 0; i < vs->n; i++)
        if (crypto_address_equal(&vs->vals[i].address, addr))
            return (long)i;
    return -1;
}

static ag_err total_power(const cons_validator *vals, size_t n, int64_t *out)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum = add_clip(sum, vals[i].voting_power);
        if (sum > CONS_TOTAL_VOTING_POWER_MAX)
            return ag_err_set(AG_ERR_OVERFLOW, "validator set: total voting power over %lld",
                              (long long)CONS_TOTAL_VOTING_POWER_MAX);
    }
    *out = sum;
    return AG_OK;
}

/* RescalePriorities(diff_max): Go's int64 arithmetic, wrapping included. */
static void rescale(cons_validator *vals, size_t n, int64_t diff_max)
{
    if (diff_max <= 0 || n == 0)
        return;
    int64_t max = INT64_MIN, min = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (vals[i].proposer_priority < min)
            min = vals[i].proposer_priority;
        if (vals[i].proposer_priority > max)
            max = vals[i].proposer_priority;
    }
    int64_t diff = (int64_t)((uint64_t)max - (uint64_t)min);
    if (diff < 0)
        diff = (int64_t)(0 - (uint64_t)diff);
    if (diff > diff_max) {
        int64_t ratio = (int64_t)((uint64_t)diff + (uint64_t)diff_max - 1) / diff_max;
        for (size_t i = 0; i < n; i++)
            vals[i].proposer_priority /= ratio;
    }
}

/* shiftByAvgProposerPriority: the average is floor(sum / n) of the exact sum. */
static void center(cons_validator *vals, size_t n)
{
    if (n == 0)
        return;
    __int128 sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += vals[i].proposer_priority;
    __int128 q = sum / (__int128)n;
    if (sum % (__int128)n != 0 && sum < 0)
        q -= 1;
    int64_t avg = (int64_t)q; /* |avg| <= max |priority|: fits */
    for (size_t i = 0; i < n; i++)
        vals[i].proposer_priority = sub_clip(vals[i].proposer_priority, avg);
}

/* The validator with the highest priority, ties to the smaller address. */
static size_t most_priority(const cons_validator *vals, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t p = vals[i].proposer_priority, bp = vals[best].proposer_priority;
        if (p > bp || (p == bp && addr_cmp(&vals[i].address, &vals[best].address) < 0))
            best = i;
    }
    return best;
}

ag_err cons_valset_increment(cons_valset *vs, int32_t times)
{
    if (vs->n == 0)
        return ag_err_set(AG_ERR_STATE, "validator set: empty, no proposer");
    if (times <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "validator set: increment %d times", (int)times);
    rescale(vs->vals, vs->n, CONS_PRIORITY_WINDOW_FACTOR * vs->total_power);
    center(vs->vals, vs->n);
    size_t proposer = 0;
    for (int32_t t = 0; t < times; t++) {
        for (size_t i = 0; i < vs->n; i++)
            vs->vals[i].proposer_priority =
                add_clip(vs->vals[i].proposer_priority, vs->vals[i].voting_power);
        proposer = most_priority(vs->vals, vs->n);
        vs->vals[proposer].proposer_priority =
            sub_clip(vs->vals[proposer].proposer_priority, vs->total_power);
    }
    vs->has_proposer = true;
    vs->proposer = vs->vals[proposer].address;
    return AG_OK;
}

ag_err cons_valset_proposer(const cons_valset *vs, cons_validator *out)
{
    memset(out, 0, sizeof *out);
    if (vs->n == 0)
        return ag_err_set(AG_ERR_STATE, "validator set: empty, no proposer");
    long i = vs->has_proposer ? cons_valset_index_of(vs, &vs->proposer) : -1;
    *out = vs->vals[i >= 0 ? (size_t)i : most_priority(vs->vals, vs->n)];
    return AG_OK;
}

/* ---- updates ---- */

typedef struct delta_entry {
    int64_t delta;
} delta_entry;

static int by_delta(const void *pa, const void *pb)
{
    const delta_entry *a = pa, *b = pb;
    return (a->delta > b->delta) - (a->delta < b->delta);
}

/* The update of *vs by changes[0..n), into a fresh array (vs untouched). */
static ag_err apply_changes(cons_valset *vs, const cons_validator *changes, size_t n,
                            bool allow_removals, cons_validator **out_vals, size_t *out_n,
                            int64_t *out_total)
{
    ag_err err = AG_OK;
    cons_validator *sorted = malloc(n * sizeof *sorted);
    cons_validator *merged = malloc((vs->n + n) * sizeof *merged);
    delta_entry *deltas = malloc(n * sizeof *deltas);
    if (!sorted || !merged || !deltas) {
        err = ag_err_set(AG_ERR_NOMEM, "validator set: %zu changes", n);
        goto done;
    }
    memcpy(sorted, changes, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_address);

    /* processChanges: no duplicates, powers in [0, max]; 0 means removal */
    size_t n_removals = 0, n_new = 0;
    int64_t removed_power = 0;
    for (size_t i = 0; i < n; i++) {
        char hex[2 * CRYPTO_ADDRESS_LEN + 1];
        crypto_address_to_hex(hex, &sorted[i].address);
        if (i > 0 && crypto_address_equal(&sorted[i].address, &sorted[i - 1].address)) {
            err = ag_err_set(AG_ERR_INVALID_ARG, "validator set: duplicate change for %s", hex);
            goto done;
        }
        if (sorted[i].voting_power < 0 || sorted[i].voting_power > CONS_TOTAL_VOTING_POWER_MAX) {
            err = ag_err_set(AG_ERR_INVALID_ARG, "validator set: power %lld for %s",
                             (long long)sorted[i].voting_power, hex);
            goto done;
        }
        long at = cons_valset_index_of(vs, &sorted[i].address);
        if (sorted[i].voting_power == 0) {
            if (!allow_removals) {
                err = ag_err_set(AG_ERR_INVALID_ARG, "validator set: %s with zero power", hex);
                goto done;
            }
            /* verifyRemovals */
            if (at < 0) {
                err =
                    ag_err_set(AG_ERR_INVALID_ARG, "validator set: no validator %s to remove", hex);
                goto done;
            }
            removed_power += vs->vals[at].voting_power;
            n_removals++;
        } else {
            deltas[i - n_removals].delta =
                sorted[i].voting_power - (at >= 0 ? vs->vals[at].voting_power : 0);
            if (at < 0)
                n_new++;
        }
    }
    size_t n_updates = n - n_removals;
    if (n_new == 0 && vs->n == n_removals) {
        err = ag_err_set(AG_ERR_INVALID_ARG, "validator set: the changes would leave it empty");
        goto done;
    }
    if (vs->n + n_new - n_removals > CONS_VALIDATORS_MAX) {
        err =
            ag_err_set(AG_ERR_TOO_LARGE, "validator set: over %d validators", CONS_VALIDATORS_MAX);
        goto done;
    }
    /* verifyUpdates: in ascending order of change, the running total stays within the max */
    qsort(deltas, n_updates, sizeof *deltas, by_delta);
    int64_t tvp = vs->total_power - removed_power;
    for (size_t i = 0; i < n_updates; i++) {
        tvp += deltas[i].delta;
        if (tvp > CONS_TOTAL_VOTING_POWER_MAX) {
            err = ag_err_set(AG_ERR_OVERFLOW, "validator set: total voting power over %lld",
                             (long long)CONS_TOTAL_VOTING_POWER_MAX);
            goto done;
        }
    }
    int64_t tvp_before_removals = tvp + removed_power;

    /* computeNewPriorities, applyUpdates and applyRemovals as one merge by address */
    cons_validator *existing = malloc((vs->n ? vs->n : 1) * sizeof *existing);
    if (!existing) {
        err = ag_err_set(AG_ERR_NOMEM, "validator set: %zu validators", vs->n);
        goto done;
    }
    if (vs->n)
        memcpy(existing, vs->vals, vs->n * sizeof *existing);
    qsort(existing, vs->n, sizeof *existing, by_address);
    size_t i = 0, j = 0, m = 0;
    while (i < vs->n || j < n) {
        int c = i == vs->n ? 1 : j == n ? -1 : addr_cmp(&existing[i].address, &sorted[j].address);
        if (c < 0) {
            merged[m++] = existing[i++];
            continue;
        }
        cons_validator upd = sorted[j++];
        if (c == 0) {
            upd.proposer_priority = existing[i++].proposer_priority;
        } else {
            upd.proposer_priority = -(tvp_before_removals + (tvp_before_removals >> 3));
        }
        if (upd.voting_power != 0)
            merged[m++] = upd;
    }
    free(existing);

    int64_t total = 0;
    err = total_power(merged, m, &total);
    if (err)
        goto done;
    rescale(merged, m, CONS_PRIORITY_WINDOW_FACTOR * total);
    center(merged, m);
    qsort(merged, m, sizeof *merged, by_power);
    *out_vals = merged;
    *out_n = m;
    *out_total = total;
    merged = NULL;
done:
    free(sorted);
    free(merged);
    free(deltas);
    return err;
}

static ag_err update(cons_valset *vs, const cons_validator *changes, size_t n, bool allow_removals)
{
    if (n == 0)
        return AG_OK;
    if (n > 2 * (size_t)CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "validator set: %zu changes", n);
    cons_validator *vals;
    size_t m;
    int64_t total;
    ag_err err = apply_changes(vs, changes, n, allow_removals, &vals, &m, &total);
    if (err)
        return err;
    free(vs->vals);
    vs->vals = vals;
    vs->n = m;
    vs->total_power = total;
    return AG_OK;
}

ag_err cons_valset_update(cons_valset *vs, const cons_validator *changes, size_t n)
{
    return update(vs, changes, n, true);
}

ag_err cons_valset_new(cons_valset *out, const cons_validator *vals, size_t n)
{
    memset(out, 0, sizeof *out);
    ag_err err = update(out, vals, n, false);
    if (!err && n > 0)
        err = cons_valset_increment(out, 1);
    if (err)
        cons_valset_free(out);
    return err;
}

/* ---- hash and codec ---- */

ag_err cons_valset_hash(crypto_hash *out, const cons_valset *vs)
{
    crypto_hash *leaves = malloc((vs->n ? vs->n : 1) * sizeof *leaves);
    if (!leaves)
        return ag_err_set(AG_ERR_NOMEM, "validator set hash: %zu validators", vs->n);
    for (size_t i = 0; i < vs->n; i++) {
        crypto_pubkey key = vs->vals[i].pub_key; /* protobuf-c wants a mutable pointer */
        Tendermint__Crypto__PublicKey pk = TENDERMINT__CRYPTO__PUBLIC_KEY__INIT;
        pk.sum_case = TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1;
        pk.secp256k1 = cons_pb_bytes(key.b, sizeof key.b);
        Tendermint__Types__SimpleValidator sv = TENDERMINT__TYPES__SIMPLE_VALIDATOR__INIT;
        sv.pub_key = &pk;
        sv.voting_power = vs->vals[i].voting_power;
        uint8_t buf[64]; /* 2 + 35 + 11 bytes at most */
        size_t len = protobuf_c_message_pack(&sv.base, buf);
        cons_merkle_leaf_hash(&leaves[i], buf, len);
    }
    cons_merkle_root_from_leaf_hashes(out, leaves, vs->n);
    free(leaves);
    return AG_OK;
}

typedef struct pb_val {
    Tendermint__Types__Validator v;
    Tendermint__Crypto__PublicKey pk;
} pb_val;

static void val_to_pb(pb_val *p, const cons_validator *v)
{
    tendermint__types__validator__init(&p->v);
    tendermint__crypto__public_key__init(&p->pk);
    p->pk.sum_case = TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1;
    p->pk.secp256k1 = cons_pb_bytes(v->pub_key.b, CRYPTO_PUBKEY_LEN);
    p->v.address = cons_pb_bytes(v->address.b, CRYPTO_ADDRESS_LEN);
    p->v.pub_key = &p->pk;
    p->v.voting_power = v->voting_power;
    p->v.proposer_priority = v->proposer_priority;
}

ag_err cons_valset_encode(ag_buf *out, const cons_valset *vs)
{
    pb_val *pv = malloc((vs->n ? vs->n : 1) * sizeof *pv);
    Tendermint__Types__Validator **ptrs = malloc((vs->n ? vs->n : 1) * sizeof *ptrs);
    ag_err err = AG_OK;
    if (!pv || !ptrs) {
        err = ag_err_set(AG_ERR_NOMEM, "validator set: encoding %zu validators", vs->n);
        goto done;
    }
    for (size_t i = 0; i < vs->n; i++) {
        val_to_pb(&pv[i], &vs->vals[i]);
        ptrs[i] = &pv[i].v;
    }
    Tendermint__Types__ValidatorSet pb = TENDERMINT__TYPES__VALIDATOR_SET__INIT;
    pb.n_validators = vs->n;
    pb.validators = vs->n ? ptrs : NULL;
    pb_val prop;
    cons_validator p;
    if (vs->n && cons_valset_proposer(vs, &p) == AG_OK) {
        val_to_pb(&prop, &p);
        pb.proposer = &prop.v;
    }
    pb.total_voting_power = vs->total_power;
    err = ag_pb_append(out, &pb.base);
done:
    free(pv);
    free(ptrs);
    return err;
}

static ag_err val_from_pb(cons_validator *v, const Tendermint__Types__Validator *pb,
                          const char *what, size_t i)
{
    memset(v, 0, sizeof *v);
    if (!pb->pub_key)
        return ag_err_set(AG_ERR_DECODE, "ValidatorSet.%s[%zu]: no public key", what, i);
    if (pb->pub_key->sum_case != TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1)
        return ag_err_set(AG_ERR_UNSUPPORTED, "ValidatorSet.%s[%zu]: not a secp256k1 key", what, i);
    ag_err err =
        crypto_pubkey_parse(&v->pub_key, pb->pub_key->secp256k1.data, pb->pub_key->secp256k1.len);
    if (err) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "ValidatorSet.%s[%zu]", what, i);
        return cons_pb_err_prefix(err, prefix);
    }
    crypto_address_from_pubkey(&v->address, &v->pub_key);
    if (pb->address.len != CRYPTO_ADDRESS_LEN ||
        memcmp(pb->address.data, v->address.b, CRYPTO_ADDRESS_LEN) != 0)
        return ag_err_set(AG_ERR_DECODE, "ValidatorSet.%s[%zu]: address is not the key's", what, i);
    if (pb->voting_power <= 0)
        return ag_err_set(AG_ERR_DECODE, "ValidatorSet.%s[%zu]: voting power %lld", what, i,
                          (long long)pb->voting_power);
    v->voting_power = pb->voting_power;
    v->proposer_priority = pb->proposer_priority;
    return AG_OK;
}

static ag_err valset_from_pb(cons_valset *vs, const Tendermint__Types__ValidatorSet *pb)
{
    if (pb->n_validators == 0)
        return ag_err_set(AG_ERR_DECODE, "ValidatorSet: no validators");
    vs->vals = malloc(pb->n_validators * sizeof *vs->vals);
    if (!vs->vals)
        return ag_err_set(AG_ERR_NOMEM, "ValidatorSet: %zu validators", pb->n_validators);
    vs->n = pb->n_validators;
    for (size_t i = 0; i < vs->n; i++) {
        ag_err err = val_from_pb(&vs->vals[i], pb->validators[i], "validators", i);
        if (err)
            return err;
        if (i > 0 && by_power(&vs->vals[i - 1], &vs->vals[i]) >= 0)
            return ag_err_set(AG_ERR_DECODE, "ValidatorSet: validator %zu out of order", i);
    }
    cons_validator *by_addr = malloc(vs->n * sizeof *by_addr);
    if (!by_addr)
        return ag_err_set(AG_ERR_NOMEM, "ValidatorSet: %zu validators", vs->n);
    memcpy(by_addr, vs->vals, vs->n * sizeof *by_addr);
    qsort(by_addr, vs->n, sizeof *by_addr, by_address);
    bool dup = false;
    for (size_t i = 1; i < vs->n; i++)
        dup |= crypto_address_equal(&by_addr[i].address, &by_addr[i - 1].address);
    free(by_addr);
    if (dup)
        return ag_err_set(AG_ERR_DECODE, "ValidatorSet: duplicate validator address");
    ag_err err = total_power(vs->vals, vs->n, &vs->total_power);
    if (err)
        return err;
    if (!pb->proposer)
        return ag_err_set(AG_ERR_DECODE, "ValidatorSet: no proposer");
    cons_validator p;
    err = val_from_pb(&p, pb->proposer, "proposer", 0);
    if (err)
        return err;
    if (cons_valset_index_of(vs, &p.address) < 0)
        return ag_err_set(AG_ERR_DECODE, "ValidatorSet: proposer is not in the set");
    vs->has_proposer = true;
    vs->proposer = p.address;
    return AG_OK;
}

ag_err cons_valset_decode(cons_valset *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_VALSET_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "ValidatorSet: %zu bytes (max %u)", len,
                          CONS_VALSET_ENCODED_MAX);
    size_t count;
    ag_err err = cons_pb_count_field(in, len, 1, &count);
    if (err)
        return err;
    if (count > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "ValidatorSet: %zu validators (max %d)", count,
                          CONS_VALIDATORS_MAX);
    Tendermint__Types__ValidatorSet *pb = tendermint__types__validator_set__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.types.ValidatorSet");
    err = valset_from_pb(out, pb);
    tendermint__types__validator_set__free_unpacked(pb, NULL);
    if (err)
        cons_valset_free(out);
    return err;
}

ag_err cons_validator_encode(ag_buf *out, const cons_validator *v)
{
    pb_val p;
    val_to_pb(&p, v);
    return ag_pb_append(out, &p.v.base);
}

ag_err cons_validator_decode(cons_validator *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_VALIDATOR_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Validator: %zu bytes (max %u)", len,
                          CONS_VALIDATOR_ENCODED_MAX);
    Tendermint__Types__Validator *pb = tendermint__types__validator__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.types.Validator");
    ag_err err = val_from_pb(out, pb, "validator", 0);
    tendermint__types__validator__free_unpacked(pb, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

int cons_validator_power_cmp(const cons_validator *a, const cons_validator *b)
{
    return by_power(a, b);
}
