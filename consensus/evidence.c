/* evidence.c — DuplicateVoteEvidence codec, hash, verification; the pool. */
#include "consensus/evidence.h"

#include "consensus/evidence_lca.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "consensus/merkle.h"
#include "consensus/pb.h"
#include "consensus/wire.h"
#include "lib/varint.h"

void cons_evidence_clear(cons_evidence *e)
{
    cons_lca_free(e->lca);
    cons_vote_clear(&e->vote_a);
    cons_vote_clear(&e->vote_b);
    memset(e, 0, sizeof *e);
}

ag_err cons_evidence_copy(cons_evidence *dst, const cons_evidence *src)
{
    memset(dst, 0, sizeof *dst);
    dst->kind = src->kind;
    ag_err err = AG_OK;
    if (src->lca)
        err = cons_lca_copy(&dst->lca, src->lca);
    if (!err)
        err = cons_vote_copy(&dst->vote_a, &src->vote_a);
    if (!err)
        err = cons_vote_copy(&dst->vote_b, &src->vote_b);
    if (err) {
        cons_evidence_clear(dst);
        return err;
    }
    dst->total_voting_power = src->total_voting_power;
    dst->validator_power = src->validator_power;
    dst->timestamp = src->timestamp;
    return AG_OK;
}

/* BlockID.Key(): hash bytes, then the PartSetHeader encoding. */
static size_t block_id_key(uint8_t *out, const cons_block_id *id)
{
    size_t n = 0;
    memcpy(out, id->hash.b, id->hash.len);
    n += id->hash.len;
    if (id->parts.total) {
        out[n++] = 0x08;
        n += ag_uvarint_encode(out + n, id->parts.total);
    }
    if (id->parts.hash.len) {
        out[n++] = 0x12;
        out[n++] = (uint8_t)id->parts.hash.len;
        memcpy(out + n, id->parts.hash.b, id->parts.hash.len);
        n += id->parts.hash.len;
    }
    return n;
}

int cons_block_id_key_cmp(const cons_block_id *a, const cons_block_id *b)
{
    uint8_t ka[96], kb[96];
    size_t na = block_id_key(ka, a), nb = block_id_key(kb, b);
    int c = memcmp(ka, kb, na < nb ? na : nb);
    if (c)
        return c;
    return na < nb ? -1 : na > nb ? 1 : 0;
}

ag_err cons_evidence_new(cons_evidence *out, const cons_vote *v1, const cons_vote *v2,
                         cons_timestamp block_time, const cons_valset *vs)
{
    memset(out, 0, sizeof *out);
    long idx = cons_valset_index_of(vs, &v1->validator_address);
    if (idx < 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "duplicate vote evidence: validator not in set");
    bool v1_first = cons_block_id_key_cmp(&v1->block_id, &v2->block_id) < 0;
    cons_evidence e = {0};
    ag_err err = cons_vote_copy(&e.vote_a, v1_first ? v1 : v2);
    if (!err)
        err = cons_vote_copy(&e.vote_b, v1_first ? v2 : v1);
    if (err) {
        cons_evidence_clear(&e);
        return err;
    }
    e.total_voting_power = vs->total_power;
    e.validator_power = vs->vals[idx].voting_power;
    e.timestamp = block_time;
    *out = e;
    return AG_OK;
}

int64_t cons_evidence_height(const cons_evidence *e)
{
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK)
        return e->lca ? e->lca->common_height : 0;
    return e->vote_a.height;
}

ag_err cons_evidence_validate_basic(const cons_evidence *e)
{
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK)
        return cons_lca_validate_basic(e);
    ag_err err = cons_vote_validate_basic(&e->vote_a);
    if (err)
        return cons_pb_err_prefix(err, "duplicate vote evidence: vote_a");
    err = cons_vote_validate_basic(&e->vote_b);
    if (err)
        return cons_pb_err_prefix(err, "duplicate vote evidence: vote_b");
    if (cons_block_id_key_cmp(&e->vote_a.block_id, &e->vote_b.block_id) >= 0)
        return ag_err_set(AG_ERR_DECODE, "duplicate vote evidence: votes in invalid order");
    return AG_OK;
}

ag_err cons_evidence_verify(const cons_evidence *e, const char *chain_id, const cons_valset *vs)
{
    if (e->kind != CONS_EVIDENCE_DUPLICATE_VOTE)
        return ag_err_set(AG_ERR_INVALID_ARG, "evidence: not duplicate vote evidence");
    const cons_vote *a = &e->vote_a, *b = &e->vote_b;
    long idx = cons_valset_index_of(vs, &a->validator_address);
    if (idx < 0)
        return ag_err_set(AG_ERR_VERIFY, "duplicate vote evidence: not a validator at height %lld",
                          (long long)a->height);
    const cons_validator *val = &vs->vals[idx];
    if (a->height != b->height || a->round != b->round || a->type != b->type)
        return ag_err_set(AG_ERR_VERIFY, "duplicate vote evidence: h/r/s does not match");
    if (memcmp(a->validator_address.b, b->validator_address.b, CRYPTO_ADDRESS_LEN) != 0)
        return ag_err_set(AG_ERR_VERIFY, "duplicate vote evidence: validator addresses differ");
    if (cons_block_id_equal(&a->block_id, &b->block_id))
        return ag_err_set(AG_ERR_VERIFY, "duplicate vote evidence: block ids are the same");
    if (val->voting_power != e->validator_power)
        return ag_err_set(AG_ERR_VERIFY,
                          "duplicate vote evidence: validator power %lld, evidence says %lld",
                          (long long)val->voting_power, (long long)e->validator_power);
    if (vs->total_power != e->total_voting_power)
        return ag_err_set(AG_ERR_VERIFY,
                          "duplicate vote evidence: total power %lld, evidence says %lld",
                          (long long)vs->total_power, (long long)e->total_voting_power);
    ag_err err = cons_vote_verify(a, chain_id, &val->pub_key);
    if (err)
        return cons_pb_err_prefix(err, "duplicate vote evidence: vote_a");
    err = cons_vote_verify(b, chain_id, &val->pub_key);
    if (err)
        return cons_pb_err_prefix(err, "duplicate vote evidence: vote_b");
    return AG_OK;
}

/* ---- encoding ---- */

static ag_err put_vote(ag_buf *out, uint32_t no, const cons_vote *v)
{
    ag_buf tmp;
    ag_buf_init(&tmp, CONS_VOTE_ENCODED_MAX);
    ag_err err = cons_vote_encode(&tmp, v);
    if (!err)
        err = cons_wire_put_bytes(out, no, tmp.data, tmp.len);
    ag_buf_free(&tmp);
    return err;
}

ag_err cons_evidence_encode(ag_buf *out, const cons_evidence *e)
{
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK)
        return cons_lca_encode(out, e);
    size_t mark = out->len;
    ag_err err = put_vote(out, 1, &e->vote_a);
    if (!err)
        err = put_vote(out, 2, &e->vote_b);
    if (!err)
        err = cons_wire_put_varint(out, 3, (uint64_t)e->total_voting_power, true);
    if (!err)
        err = cons_wire_put_varint(out, 4, (uint64_t)e->validator_power, true);
    if (!err) {
        Google__Protobuf__Timestamp ts;
        cons_pb_timestamp_from(&ts, &e->timestamp);
        uint8_t buf[32];
        size_t n = google__protobuf__timestamp__pack(&ts, buf);
        err = cons_wire_put_bytes(out, 5, buf, n);
    }
    if (err)
        out->len = mark;
    return err;
}

ag_err cons_evidence_decode(cons_evidence *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_EVIDENCE_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "DuplicateVoteEvidence: %zu bytes (max %u)", len,
                          CONS_EVIDENCE_ENCODED_MAX);
    cons_evidence e = {0};
    e.timestamp = CONS_TIME_ZERO;
    bool seen_a = false, seen_b = false;
    size_t off = 0;
    ag_err err = AG_OK;
    for (;;) {
        cons_wire_field f;
        bool end;
        err = cons_wire_next(in, len, &off, &f, &end);
        if (err || end)
            break;
        if (f.no >= 1 && f.no <= 5 &&
            f.type != (f.no == 3 || f.no == 4 ? CONS_WIRE_VARINT : CONS_WIRE_LEN)) {
            err = ag_err_set(AG_ERR_DECODE, "DuplicateVoteEvidence: field %u has wire type %u",
                             f.no, f.type);
            break;
        }
        if (f.no == 1 || f.no == 2) {
            bool *seen = f.no == 1 ? &seen_a : &seen_b;
            if (*seen) {
                err = ag_err_set(AG_ERR_DECODE, "DuplicateVoteEvidence: vote %c repeated",
                                 f.no == 1 ? 'a' : 'b');
                break;
            }
            *seen = true;
            err = cons_vote_decode(f.no == 1 ? &e.vote_a : &e.vote_b, f.bytes.ptr, f.bytes.len);
            if (err) {
                err = cons_pb_err_prefix(err, f.no == 1 ? "DuplicateVoteEvidence.vote_a"
                                                        : "DuplicateVoteEvidence.vote_b");
                break;
            }
        } else if (f.no == 3) {
            e.total_voting_power = (int64_t)f.value;
        } else if (f.no == 4) {
            e.validator_power = (int64_t)f.value;
        } else if (f.no == 5) {
            Google__Protobuf__Timestamp *ts =
                google__protobuf__timestamp__unpack(NULL, f.bytes.len, f.bytes.ptr);
            if (!ts) {
                err = ag_err_from_protobuf_c("DuplicateVoteEvidence.timestamp");
                break;
            }
            err = cons_pb_timestamp_to(&e.timestamp, ts, "DuplicateVoteEvidence.timestamp");
            google__protobuf__timestamp__free_unpacked(ts, NULL);
            if (err)
                break;
        }
        /* unknown fields are skipped, as protobuf does */
    }
    if (!err && (!seen_a || !seen_b))
        err = ag_err_set(AG_ERR_DECODE, "DuplicateVoteEvidence: a vote is missing");
    if (err) {
        cons_evidence_clear(&e);
        return err;
    }
    *out = e;
    return AG_OK;
}

ag_err cons_evidence_encode_wrapped(ag_buf *out, const cons_evidence *e)
{
    ag_buf tmp;
    ag_buf_init(&tmp, CONS_EVIDENCE_WRAPPED_MAX);
    ag_err err = cons_evidence_encode(&tmp, e);
    if (!err)
        err = cons_wire_put_bytes(out, e->kind == CONS_EVIDENCE_LIGHT_ATTACK ? 2 : 1, tmp.data,
                                  tmp.len);
    ag_buf_free(&tmp);
    return err;
}

ag_err cons_evidence_decode_wrapped(cons_evidence *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_EVIDENCE_WRAPPED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Evidence: %zu bytes (max %u)", len,
                          CONS_EVIDENCE_WRAPPED_MAX);
    size_t off = 0;
    ag_slice dve = {NULL, 0};
    uint32_t have = 0; /* the field of the oneof seen last */
    for (;;) {
        cons_wire_field f;
        bool end;
        ag_err err = cons_wire_next(in, len, &off, &f, &end);
        if (err)
            return err;
        if (end)
            break;
        if (f.no == 1 || f.no == 2) {
            if (f.type != CONS_WIRE_LEN)
                return ag_err_set(AG_ERR_DECODE, "Evidence: field %u has wire type %u", f.no,
                                  f.type);
            dve = f.bytes; /* a oneof keeps the last occurrence */
            have = f.no;
        }
    }
    if (!have)
        return ag_err_set(AG_ERR_DECODE, "Evidence: empty (no evidence)");
    if (have == 2)
        return cons_lca_decode(out, dve.ptr, dve.len);
    if (dve.len > CONS_EVIDENCE_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Evidence: %zu bytes (max %u)", dve.len,
                          CONS_EVIDENCE_ENCODED_MAX);
    return cons_evidence_decode(out, dve.ptr, dve.len);
}

ag_err cons_evidence_hash(crypto_hash *out, const cons_evidence *e)
{
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK)
        return cons_lca_hash(out, e);
    ag_buf b;
    ag_buf_init(&b, CONS_EVIDENCE_ENCODED_MAX);
    ag_err err = cons_evidence_encode(&b, e);
    if (!err)
        crypto_sha256(out->b, b.data, b.len);
    ag_buf_free(&b);
    return err;
}

ag_err cons_evidence_list_hash(crypto_hash *out, const cons_evidence *ev, size_t n)
{
    crypto_hash *leaves = calloc(n ? n : 1, sizeof *leaves);
    if (!leaves)
        return ag_err_set(AG_ERR_NOMEM, "evidence hash: %zu evidence", n);
    ag_buf b;
    ag_buf_init(&b, CONS_EVIDENCE_WRAPPED_MAX);
    ag_err err = AG_OK;
    for (size_t i = 0; !err && i < n; i++) {
        ag_buf_reset(&b);
        err = cons_evidence_encode(&b, &ev[i]);
        if (!err)
            cons_merkle_leaf_hash(&leaves[i], b.data, b.len);
    }
    if (!err)
        cons_merkle_root_from_leaf_hashes(out, leaves, n);
    ag_buf_free(&b);
    free(leaves);
    return err;
}

static size_t vote_size(const cons_vote *v)
{
    ag_buf b;
    ag_buf_init(&b, CONS_VOTE_ENCODED_MAX);
    size_t n = cons_vote_encode(&b, v) == AG_OK ? b.len : CONS_VOTE_ENCODED_MAX;
    ag_buf_free(&b);
    return n;
}

static size_t field_size(uint32_t no, size_t len)
{
    return ag_uvarint_size((uint64_t)no << 3) + ag_uvarint_size(len) + len;
}

size_t cons_evidence_wrapped_size(const cons_evidence *e)
{
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK) {
        ag_buf b;
        ag_buf_init(&b, CONS_EVIDENCE_WRAPPED_MAX);
        size_t n = cons_lca_encode(&b, e) == AG_OK ? b.len : CONS_LCA_ENCODED_MAX;
        ag_buf_free(&b);
        return field_size(2, n);
    }
    Google__Protobuf__Timestamp ts;
    cons_pb_timestamp_from(&ts, &e->timestamp);
    size_t n = field_size(1, vote_size(&e->vote_a)) + field_size(2, vote_size(&e->vote_b)) +
               field_size(5, google__protobuf__timestamp__get_packed_size(&ts));
    if (e->total_voting_power)
        n += 1 + ag_uvarint_size((uint64_t)e->total_voting_power);
    if (e->validator_power)
        n += 1 + ag_uvarint_size((uint64_t)e->validator_power);
    return field_size(1, n);
}

size_t cons_evidence_abci_count(const cons_evidence *e)
{
    return e->kind == CONS_EVIDENCE_LIGHT_ATTACK ? cons_lca_abci_count(e) : 1;
}

void cons_evidence_to_abci(Tendermint__Abci__Misbehavior *pb, Tendermint__Abci__Validator *val,
                           Google__Protobuf__Timestamp *ts, const cons_evidence *e, size_t i)
{
    tendermint__abci__misbehavior__init(pb);
    tendermint__abci__validator__init(val);
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK) {
        const cons_validator *bv = &e->lca->byzantine[i];
        val->address = cons_pb_bytes(bv->address.b, CRYPTO_ADDRESS_LEN);
        val->power = bv->voting_power;
        cons_pb_timestamp_from(ts, &e->timestamp);
        pb->type = TENDERMINT__ABCI__MISBEHAVIOR_TYPE__LIGHT_CLIENT_ATTACK;
        pb->validator = val;
        pb->height = e->lca->common_height;
        pb->time = ts;
        pb->total_voting_power = e->total_voting_power;
        return;
    }
    val->address = cons_pb_bytes(e->vote_a.validator_address.b, CRYPTO_ADDRESS_LEN);
    val->power = e->validator_power;
    cons_pb_timestamp_from(ts, &e->timestamp);
    pb->type = TENDERMINT__ABCI__MISBEHAVIOR_TYPE__DUPLICATE_VOTE;
    pb->validator = val;
    pb->height = e->vote_a.height;
    pb->time = ts;
    pb->total_voting_power = e->total_voting_power;
}

/* ---- the pool ---- */

/* t1 - t0 in nanoseconds, saturating at the int64 range (Go's Time.Sub). */
static int64_t time_sub_ns(cons_timestamp t1, cons_timestamp t0)
{
    int64_t ds = t1.seconds - t0.seconds; /* both within +-2.6e11: no overflow */
    int64_t dn = (int64_t)t1.nanos - t0.nanos;
    if (ds > INT64_MAX / 1000000000 - 1)
        return INT64_MAX;
    if (ds < INT64_MIN / 1000000000 + 1)
        return INT64_MIN;
    return ds * 1000000000 + dn;
}

bool cons_evidence_is_expired(const cons_evidence_state *st, int64_t height, cons_timestamp time)
{
    int64_t age_blocks = st->last_height - height;
    int64_t age_ns = time_sub_ns(st->last_time, time);
    return age_blocks > st->max_age_blocks && age_ns > st->max_age_ns;
}

typedef struct pending {
    cons_evidence ev;
    crypto_hash hash;
    size_t bytes;
} pending;

typedef struct committed {
    crypto_hash hash;
    int64_t height;
    cons_timestamp time;
} committed;

struct cons_evpool {
    cons_evidence_state st;
    size_t max_count, max_bytes;
    pending *pend; /* sorted by (height, hash) */
    size_t n_pend, cap_pend, pend_bytes;
    committed *comm; /* unordered */
    size_t n_comm, cap_comm;
};

ag_err cons_evpool_new(cons_evpool **out, const cons_evidence_state *st, size_t max_count,
                       size_t max_bytes)
{
    *out = NULL;
    if (!max_count || !max_bytes || !st->valset_at || !st->block_time_at)
        return ag_err_set(AG_ERR_INVALID_ARG, "evidence pool: zero cap or missing lookup");
    cons_evpool *p = calloc(1, sizeof *p);
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "evidence pool");
    p->st = *st;
    p->max_count = max_count;
    p->max_bytes = max_bytes;
    *out = p;
    return AG_OK;
}

void cons_evpool_free(cons_evpool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_pend; i++)
        cons_evidence_clear(&p->pend[i].ev);
    free(p->pend);
    free(p->comm);
    free(p);
}

static long find_pending(const cons_evpool *p, const crypto_hash *h)
{
    for (size_t i = 0; i < p->n_pend; i++)
        if (memcmp(p->pend[i].hash.b, h->b, 32) == 0)
            return (long)i;
    return -1;
}

static long find_committed(const cons_evpool *p, const crypto_hash *h)
{
    for (size_t i = 0; i < p->n_comm; i++)
        if (memcmp(p->comm[i].hash.b, h->b, 32) == 0)
            return (long)i;
    return -1;
}

bool cons_evpool_is_pending(const cons_evpool *p, const crypto_hash *hash)
{
    return find_pending(p, hash) >= 0;
}

bool cons_evpool_is_committed(const cons_evpool *p, const crypto_hash *hash)
{
    return find_committed(p, hash) >= 0;
}

size_t cons_evpool_size(const cons_evpool *p)
{
    return p->n_pend;
}

size_t cons_evpool_bytes(const cons_evpool *p)
{
    return p->pend_bytes;
}

/* The pool's lookups for VerifyLightClientAttack (evidence/pool.go
 * verify): this chain's header at the common height and at the conflicting
 * height, or its latest one when it has no block there (a forward lunatic
 * attack, whose time must then not be after the latest block's). */
static ag_err verify_light_attack(const cons_evpool *p, const cons_evidence *e)
{
    if (!p->st.signed_header_at)
        return ag_err_set(AG_ERR_UNSUPPORTED,
                          "evidence: light client attacks are not checked here");
    const cons_light_attack *a = e->lca;
    cons_header common, trusted;
    cons_commit common_commit = {0}, trusted_commit = {0};
    ag_err err = p->st.signed_header_at(p->st.ctx, a->common_height, &common, &common_commit);
    if (err)
        return cons_pb_err_prefix(err, "evidence: no block at the common height");
    const cons_header *th = &common;
    const cons_commit *tc = &common_commit;
    if (a->header.height != a->common_height) {
        th = &trusted;
        tc = &trusted_commit;
        err = p->st.signed_header_at(p->st.ctx, a->header.height, &trusted, &trusted_commit);
        if (err == AG_ERR_NOT_FOUND) {
            err = p->st.signed_header_at(p->st.ctx, p->st.last_height, &trusted, &trusted_commit);
            if (!err && (trusted.time.seconds < a->header.time.seconds ||
                         (trusted.time.seconds == a->header.time.seconds &&
                          trusted.time.nanos < a->header.time.nanos)))
                err = ag_err_set(AG_ERR_VERIFY,
                                 "evidence: latest block time is before the conflicting block's");
        }
    }
    const cons_valset *vs = NULL;
    if (!err) {
        err = p->st.valset_at(p->st.ctx, a->common_height, &vs);
        if (err)
            err = cons_pb_err_prefix(err, "evidence: no validator set at the common height");
    }
    if (!err)
        err = cons_lca_verify(e, p->st.chain_id, &common, vs, th, tc);
    cons_commit_clear(&common_commit);
    cons_commit_clear(&trusted_commit);
    return err;
}

ag_err cons_evpool_verify(const cons_evpool *p, const cons_evidence *e)
{
    int64_t h = cons_evidence_height(e);
    if (h > p->st.last_height)
        return ag_err_set(AG_ERR_NOT_FOUND, "evidence: height %lld is above the last block %lld",
                          (long long)h, (long long)p->st.last_height);
    cons_timestamp bt;
    ag_err err = p->st.block_time_at(p->st.ctx, h, &bt);
    if (err)
        return cons_pb_err_prefix(err, "evidence: no block at its height");
    if (bt.seconds != e->timestamp.seconds || bt.nanos != e->timestamp.nanos)
        return ag_err_set(AG_ERR_VERIFY, "evidence: time differs from the time of block %lld",
                          (long long)h);
    if (cons_evidence_is_expired(&p->st, h, bt))
        return ag_err_set(AG_ERR_STATE, "evidence: expired (height %lld, last height %lld)",
                          (long long)h, (long long)p->st.last_height);
    const cons_valset *vs = NULL;
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK)
        return verify_light_attack(p, e);
    err = p->st.valset_at(p->st.ctx, h, &vs);
    if (err)
        return cons_pb_err_prefix(err, "evidence: no validator set at its height");
    return cons_evidence_verify(e, p->st.chain_id, vs);
}

static int pending_cmp(int64_t h1, const crypto_hash *a, int64_t h2, const crypto_hash *b)
{
    if (h1 != h2)
        return h1 < h2 ? -1 : 1;
    return memcmp(a->b, b->b, 32);
}

/* Insert a copy of e (already verified, not present). AG_ERR_AGAIN if full. */
static ag_err insert_pending(cons_evpool *p, const cons_evidence *e, const crypto_hash *hash)
{
    size_t bytes = cons_evidence_wrapped_size(e);
    if (p->n_pend >= p->max_count || bytes > p->max_bytes - p->pend_bytes ||
        p->pend_bytes > p->max_bytes)
        return ag_err_set(AG_ERR_AGAIN, "evidence pool full (%zu evidence, %zu bytes)", p->n_pend,
                          p->pend_bytes);
    if (p->n_pend == p->cap_pend) {
        size_t cap = p->cap_pend ? 2 * p->cap_pend : 8;
        if (cap > p->max_count)
            cap = p->max_count;
        pending *np = realloc(p->pend, cap * sizeof *np);
        if (!np)
            return ag_err_set(AG_ERR_NOMEM, "evidence pool");
        p->pend = np;
        p->cap_pend = cap;
    }
    pending ent;
    ag_err err = cons_evidence_copy(&ent.ev, e);
    if (err)
        return err;
    ent.hash = *hash;
    ent.bytes = bytes;
    int64_t h = cons_evidence_height(e);
    size_t pos = p->n_pend;
    while (pos > 0 && pending_cmp(h, hash, cons_evidence_height(&p->pend[pos - 1].ev),
                                  &p->pend[pos - 1].hash) < 0)
        pos--;
    memmove(&p->pend[pos + 1], &p->pend[pos], (p->n_pend - pos) * sizeof *p->pend);
    p->pend[pos] = ent;
    p->n_pend++;
    p->pend_bytes += bytes;
    return AG_OK;
}

static void remove_pending(cons_evpool *p, size_t i)
{
    p->pend_bytes -= p->pend[i].bytes;
    cons_evidence_clear(&p->pend[i].ev);
    memmove(&p->pend[i], &p->pend[i + 1], (p->n_pend - i - 1) * sizeof *p->pend);
    p->n_pend--;
}

ag_err cons_evpool_add(cons_evpool *p, const cons_evidence *e)
{
    ag_err err = cons_evidence_validate_basic(e);
    if (err)
        return err;
    crypto_hash hash;
    err = cons_evidence_hash(&hash, e);
    if (err)
        return err;
    if (find_pending(p, &hash) >= 0)
        return ag_err_set(AG_ERR_EXISTS, "evidence: already pending");
    if (find_committed(p, &hash) >= 0)
        return ag_err_set(AG_ERR_EXISTS, "evidence: already committed");
    err = cons_evpool_verify(p, e);
    if (err)
        return err;
    return insert_pending(p, e, &hash);
}

void cons_evidence_list_free(cons_evidence *ev, size_t n)
{
    if (!ev)
        return;
    for (size_t i = 0; i < n; i++)
        cons_evidence_clear(&ev[i]);
    free(ev);
}

ag_err cons_evpool_reap(const cons_evpool *p, int64_t max_bytes, cons_evidence **out, size_t *n,
                        int64_t *bytes)
{
    *out = NULL;
    *n = 0;
    *bytes = 0;
    size_t k = 0;
    int64_t total = 0;
    while (k < p->n_pend) {
        int64_t sz = (int64_t)p->pend[k].bytes;
        if (max_bytes >= 0 && total + sz > max_bytes)
            break;
        total += sz;
        k++;
    }
    if (!k)
        return AG_OK;
    cons_evidence *ev = calloc(k, sizeof *ev);
    if (!ev)
        return ag_err_set(AG_ERR_NOMEM, "evidence reap: %zu evidence", k);
    for (size_t i = 0; i < k; i++) {
        ag_err err = cons_evidence_copy(&ev[i], &p->pend[i].ev);
        if (err) {
            cons_evidence_list_free(ev, i);
            return err;
        }
    }
    *out = ev;
    *n = k;
    *bytes = total;
    return AG_OK;
}

ag_err cons_evpool_check_block(cons_evpool *p, const cons_evidence *ev, size_t n)
{
    crypto_hash *hashes = calloc(n ? n : 1, sizeof *hashes);
    if (!hashes)
        return ag_err_set(AG_ERR_NOMEM, "evidence check: %zu evidence", n);
    ag_err err = AG_OK;
    for (size_t i = 0; !err && i < n; i++) {
        err = cons_evidence_hash(&hashes[i], &ev[i]);
        if (err)
            break;
        if (find_pending(p, &hashes[i]) < 0) {
            if (find_committed(p, &hashes[i]) >= 0) {
                err = ag_err_set(AG_ERR_EXISTS, "evidence #%zu: already committed", i);
                break;
            }
            err = cons_evidence_validate_basic(&ev[i]);
            if (!err)
                err = cons_evpool_verify(p, &ev[i]);
            if (err) {
                char prefix[48];
                snprintf(prefix, sizeof prefix, "evidence #%zu", i);
                err = cons_pb_err_prefix(err, prefix);
                break;
            }
            (void)insert_pending(p, &ev[i], &hashes[i]); /* valid; kept only if there is room */
        }
        for (size_t j = 0; j < i; j++)
            if (memcmp(hashes[j].b, hashes[i].b, 32) == 0) {
                err = ag_err_set(AG_ERR_DECODE, "evidence #%zu: duplicate evidence", i);
                break;
            }
    }
    free(hashes);
    return err;
}

ag_err cons_evpool_update(cons_evpool *p, const cons_evidence_state *st, const cons_evidence *ev,
                          size_t n)
{
    p->st = *st;
    ag_err err = AG_OK;
    for (size_t i = 0; !err && i < n; i++) {
        crypto_hash h;
        err = cons_evidence_hash(&h, &ev[i]);
        if (err)
            break;
        long pi = find_pending(p, &h);
        if (pi >= 0)
            remove_pending(p, (size_t)pi);
        if (find_committed(p, &h) >= 0)
            continue;
        if (p->n_comm == p->cap_comm) {
            size_t cap = p->cap_comm ? 2 * p->cap_comm : 16;
            committed *nc = realloc(p->comm, cap * sizeof *nc);
            if (!nc) {
                err = ag_err_set(AG_ERR_NOMEM, "evidence pool: committed marks");
                break;
            }
            p->comm = nc;
            p->cap_comm = cap;
        }
        p->comm[p->n_comm++] = (committed){h, cons_evidence_height(&ev[i]), ev[i].timestamp};
    }
    /* prune expired entries (an expired evidence fails verification anyway) */
    for (size_t i = p->n_pend; i-- > 0;)
        if (cons_evidence_is_expired(&p->st, cons_evidence_height(&p->pend[i].ev),
                                     p->pend[i].ev.timestamp))
            remove_pending(p, i);
    size_t k = 0;
    for (size_t i = 0; i < p->n_comm; i++)
        if (!cons_evidence_is_expired(&p->st, p->comm[i].height, p->comm[i].time))
            p->comm[k++] = p->comm[i];
    p->n_comm = k;
    return err;
}
