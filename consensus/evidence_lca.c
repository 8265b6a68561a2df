/* evidence_lca.c — LightClientAttackEvidence: codec, hash, ValidateBasic and
 * VerifyLightClientAttack (CometBFT v0.38 evidence/verify.go), see
 * evidence.h. */
#include "consensus/evidence_lca.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/pb.h"
#include "consensus/wire.h"
#include "lib/varint.h"

void cons_lca_free(cons_light_attack *a)
{
    if (!a)
        return;
    cons_commit_clear(&a->commit);
    cons_valset_free(&a->vals);
    free(a->byzantine);
    free(a);
}

ag_err cons_lca_copy(cons_light_attack **dst, const cons_light_attack *src)
{
    *dst = NULL;
    cons_light_attack *a = calloc(1, sizeof *a);
    if (!a)
        return ag_err_set(AG_ERR_NOMEM, "light attack evidence");
    a->header = src->header;
    a->common_height = src->common_height;
    ag_err err = cons_commit_alloc(&a->commit, src->commit.n_sigs);
    if (!err) {
        a->commit.height = src->commit.height;
        a->commit.round = src->commit.round;
        a->commit.block_id = src->commit.block_id;
        if (src->commit.n_sigs)
            memcpy(a->commit.sigs, src->commit.sigs, src->commit.n_sigs * sizeof *a->commit.sigs);
        err = cons_valset_copy(&a->vals, &src->vals);
    }
    if (!err && src->n_byzantine) {
        a->byzantine = malloc(src->n_byzantine * sizeof *a->byzantine);
        if (!a->byzantine)
            err = ag_err_set(AG_ERR_NOMEM, "light attack evidence: byzantine validators");
        else {
            memcpy(a->byzantine, src->byzantine, src->n_byzantine * sizeof *a->byzantine);
            a->n_byzantine = src->n_byzantine;
        }
    }
    if (err) {
        cons_lca_free(a);
        return err;
    }
    *dst = a;
    return AG_OK;
}

/* ---- encoding ---- */

/* field `no` = the message built by put(sub) */
static ag_err put_sub(ag_buf *out, uint32_t no, ag_buf *sub)
{
    ag_err err = cons_wire_put_bytes(out, no, sub->data, sub->len);
    ag_buf_reset(sub);
    return err;
}

ag_err cons_lca_encode(ag_buf *out, const cons_evidence *e)
{
    const cons_light_attack *a = e->lca;
    ag_buf part, sh, lb;
    ag_buf_init(&part, 0);
    ag_buf_init(&sh, 0);
    ag_buf_init(&lb, 0);
    size_t mark = out->len;
    /* LightBlock {SignedHeader {header = 1, commit = 2} = 1, validator_set = 2} */
    ag_err err = cons_header_encode(&part, &a->header);
    if (!err)
        err = put_sub(&sh, 1, &part);
    if (!err)
        err = cons_commit_encode(&part, &a->commit);
    if (!err)
        err = put_sub(&sh, 2, &part);
    if (!err)
        err = put_sub(&lb, 1, &sh);
    if (!err)
        err = cons_valset_encode(&part, &a->vals);
    if (!err)
        err = put_sub(&lb, 2, &part);
    if (!err)
        err = put_sub(out, 1, &lb);
    if (!err)
        err = cons_wire_put_varint(out, 2, (uint64_t)a->common_height, true);
    for (size_t i = 0; !err && i < a->n_byzantine; i++) {
        err = cons_validator_encode(&part, &a->byzantine[i]);
        if (!err)
            err = put_sub(out, 3, &part);
    }
    if (!err)
        err = cons_wire_put_varint(out, 4, (uint64_t)e->total_voting_power, true);
    if (!err) {
        /* a non-nullable stdtime: always present, as gogoproto writes it */
        Google__Protobuf__Timestamp ts;
        cons_pb_timestamp_from(&ts, &e->timestamp);
        uint8_t buf[32];
        size_t n = google__protobuf__timestamp__pack(&ts, buf);
        err = cons_wire_put_bytes(out, 5, buf, n);
    }
    if (err)
        out->len = mark;
    ag_buf_free(&part);
    ag_buf_free(&sh);
    ag_buf_free(&lb);
    return err;
}

/* SignedHeader {header = 1, commit = 2}: both required. */
static ag_err decode_signed_header(cons_light_attack *a, const uint8_t *in, size_t len)
{
    size_t off = 0;
    bool have_h = false, have_c = false;
    for (;;) {
        cons_wire_field f;
        bool end;
        ag_err err = cons_wire_next(in, len, &off, &f, &end);
        if (err)
            return cons_pb_err_prefix(err, "SignedHeader");
        if (end)
            break;
        if ((f.no == 1 || f.no == 2) && f.type != CONS_WIRE_LEN)
            return ag_err_set(AG_ERR_DECODE, "SignedHeader: field %u has wire type %u", f.no,
                              f.type);
        if (f.no == 1) {
            err = cons_header_decode(&a->header, f.bytes.ptr, f.bytes.len);
            if (err)
                return cons_pb_err_prefix(err, "SignedHeader.header");
            have_h = true;
        } else if (f.no == 2) {
            cons_commit_clear(&a->commit);
            err = cons_commit_decode(&a->commit, f.bytes.ptr, f.bytes.len);
            if (err)
                return cons_pb_err_prefix(err, "SignedHeader.commit");
            have_c = true;
        }
    }
    if (!have_h || !have_c)
        return ag_err_set(AG_ERR_DECODE, "SignedHeader: %s missing", have_h ? "commit" : "header");
    return AG_OK;
}

/* LightBlock {signed_header = 1, validator_set = 2}: both required. */
static ag_err decode_light_block(cons_light_attack *a, const uint8_t *in, size_t len)
{
    size_t off = 0;
    bool have_sh = false, have_vs = false;
    for (;;) {
        cons_wire_field f;
        bool end;
        ag_err err = cons_wire_next(in, len, &off, &f, &end);
        if (err)
            return cons_pb_err_prefix(err, "LightBlock");
        if (end)
            break;
        if ((f.no == 1 || f.no == 2) && f.type != CONS_WIRE_LEN)
            return ag_err_set(AG_ERR_DECODE, "LightBlock: field %u has wire type %u", f.no, f.type);
        if (f.no == 1) {
            if (have_sh)
                return ag_err_set(AG_ERR_DECODE, "LightBlock: signed_header repeated");
            err = decode_signed_header(a, f.bytes.ptr, f.bytes.len);
            have_sh = true;
        } else if (f.no == 2) {
            if (have_vs)
                return ag_err_set(AG_ERR_DECODE, "LightBlock: validator_set repeated");
            err = cons_valset_decode(&a->vals, f.bytes.ptr, f.bytes.len);
            if (err)
                err = cons_pb_err_prefix(err, "LightBlock.validator_set");
            have_vs = true;
        }
        if (err)
            return err;
    }
    if (!have_sh || !have_vs)
        return ag_err_set(AG_ERR_DECODE, "LightBlock: %s missing",
                          have_sh ? "validator_set" : "signed_header");
    return AG_OK;
}

ag_err cons_lca_decode(cons_evidence *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_LCA_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "LightClientAttackEvidence: %zu bytes (max %u)", len,
                          CONS_LCA_ENCODED_MAX);
    size_t n_byz = 0;
    ag_err err = cons_pb_count_field(in, len, 3, &n_byz);
    if (err)
        return cons_pb_err_prefix(err, "LightClientAttackEvidence");
    if (n_byz > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE,
                          "LightClientAttackEvidence: %zu byzantine validators (max %d)", n_byz,
                          CONS_VALIDATORS_MAX);
    cons_evidence e = {.kind = CONS_EVIDENCE_LIGHT_ATTACK, .timestamp = CONS_TIME_ZERO};
    e.lca = calloc(1, sizeof *e.lca);
    if (!e.lca)
        return ag_err_set(AG_ERR_NOMEM, "LightClientAttackEvidence");
    if (n_byz) {
        e.lca->byzantine = calloc(n_byz, sizeof *e.lca->byzantine);
        if (!e.lca->byzantine) {
            cons_lca_free(e.lca);
            return ag_err_set(AG_ERR_NOMEM, "LightClientAttackEvidence: %zu validators", n_byz);
        }
    }
    bool have_block = false, have_ts = false;
    size_t off = 0;
    for (;;) {
        cons_wire_field f;
        bool end;
        err = cons_wire_next(in, len, &off, &f, &end);
        if (err || end)
            break;
        if (f.no >= 1 && f.no <= 5 &&
            f.type != (f.no == 2 || f.no == 4 ? CONS_WIRE_VARINT : CONS_WIRE_LEN)) {
            err = ag_err_set(AG_ERR_DECODE, "LightClientAttackEvidence: field %u has wire type %u",
                             f.no, f.type);
            break;
        }
        if (f.no == 1) {
            if (have_block) {
                err = ag_err_set(AG_ERR_DECODE,
                                 "LightClientAttackEvidence: conflicting_block repeated");
                break;
            }
            have_block = true;
            err = decode_light_block(e.lca, f.bytes.ptr, f.bytes.len);
            if (err)
                err = cons_pb_err_prefix(err, "LightClientAttackEvidence.conflicting_block");
        } else if (f.no == 2) {
            e.lca->common_height = (int64_t)f.value;
        } else if (f.no == 3) {
            size_t i = e.lca->n_byzantine;
            err = cons_validator_decode(&e.lca->byzantine[i], f.bytes.ptr, f.bytes.len);
            if (err) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "LightClientAttackEvidence.byzantine[%zu]", i);
                err = cons_pb_err_prefix(err, prefix);
            } else {
                e.lca->n_byzantine++;
            }
        } else if (f.no == 4) {
            e.total_voting_power = (int64_t)f.value;
        } else if (f.no == 5) {
            Google__Protobuf__Timestamp *ts =
                google__protobuf__timestamp__unpack(NULL, f.bytes.len, f.bytes.ptr);
            if (!ts) {
                err = ag_err_from_protobuf_c("LightClientAttackEvidence.timestamp");
                break;
            }
            err = cons_pb_timestamp_to(&e.timestamp, ts, "LightClientAttackEvidence.timestamp");
            google__protobuf__timestamp__free_unpacked(ts, NULL);
            have_ts = true;
        }
        if (err)
            break;
    }
    if (!err && !have_block)
        err = ag_err_set(AG_ERR_DECODE, "LightClientAttackEvidence: no conflicting block");
    if (!err && !have_ts)
        err = ag_err_set(AG_ERR_DECODE, "LightClientAttackEvidence: no timestamp");
    if (err) {
        cons_lca_free(e.lca);
        return err;
    }
    *out = e;
    return AG_OK;
}

ag_err cons_lca_hash(crypto_hash *out, const cons_evidence *e)
{
    crypto_hash hh;
    ag_err err = cons_header_hash(&hh, &e->lca->header);
    if (err)
        return err;
    /* CometBFT copies only tmhash.Size-1 bytes of the header hash: byte 31
     * stays zero. Reproduced so the hashes (and dedup) agree. */
    uint8_t buf[32 + AG_UVARINT_MAX];
    memcpy(buf, hh.b, 31);
    buf[31] = 0;
    int64_t h = e->lca->common_height;
    uint64_t zz = ((uint64_t)h << 1) ^ (uint64_t)(h >> 63); /* Go's PutVarint */
    size_t n = ag_uvarint_encode(buf + 32, zz);
    crypto_sha256(out->b, buf, 32 + n);
    return AG_OK;
}

/* ---- validation ---- */

static ag_err bad(const char *fmt, const char *detail)
{
    return ag_err_set(AG_ERR_DECODE, "light client attack evidence: %s%s", fmt,
                      detail ? detail : "");
}

ag_err cons_lca_validate_basic(const cons_evidence *e)
{
    const cons_light_attack *a = e->lca;
    if (!a)
        return bad("no conflicting block", NULL);
    if (e->total_voting_power <= 0)
        return bad("negative or zero total voting power", NULL);
    if (a->common_height <= 0)
        return bad("negative or zero common height", NULL);
    if (a->common_height > a->header.height)
        return ag_err_set(AG_ERR_DECODE,
                          "light client attack evidence: common height %lld is ahead of the "
                          "conflicting block %lld",
                          (long long)a->common_height, (long long)a->header.height);
    /* LightBlock.ValidateBasic */
    const cons_header *h = &a->header;
    if (h->validators_hash.len != CONS_HASH_LEN || h->next_validators_hash.len != CONS_HASH_LEN)
        return bad("conflicting header without validators hashes", NULL);
    if (cons_timestamp_validate(&h->time) != AG_OK)
        return bad("conflicting header time: ", ag_err_detail());
    if (a->commit.height != h->height)
        return bad("commit height differs from the header's", NULL);
    crypto_hash hh;
    if (cons_header_hash(&hh, h) != AG_OK)
        return bad("conflicting header has no hash", NULL);
    if (a->commit.block_id.hash.len != CONS_HASH_LEN ||
        memcmp(a->commit.block_id.hash.b, hh.b, CONS_HASH_LEN) != 0)
        return bad("commit signs another header", NULL);
    if (a->commit.n_sigs == 0)
        return bad("empty commit", NULL);
    for (size_t i = 0; i < a->commit.n_sigs; i++)
        if (cons_commit_sig_validate_basic(&a->commit.sigs[i]) != AG_OK)
            return bad("commit signature: ", ag_err_detail());
    if (a->vals.n == 0)
        return bad("empty validator set", NULL);
    crypto_hash vh;
    ag_err err = cons_valset_hash(&vh, &a->vals);
    if (err)
        return err;
    if (memcmp(vh.b, h->validators_hash.b, CONS_HASH_LEN) != 0)
        return bad("validator set does not match the header's validators hash", NULL);
    return AG_OK;
}

/* ---- verification ---- */

static ag_err sig_check(const char *chain_id, const cons_commit *c, size_t i,
                        const cons_validator *val)
{
    const cons_commit_sig *s = &c->sigs[i];
    cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                   .height = c->height,
                   .round = c->round,
                   .block_id = c->block_id,
                   .timestamp = s->timestamp,
                   .validator_address = s->validator_address,
                   .validator_index = (int32_t)i,
                   .signature = s->signature};
    ag_err err = cons_vote_verify(&v, chain_id, &val->pub_key);
    if (err)
        return ag_err_set(AG_ERR_VERIFY, "light client attack evidence: bad signature %zu: %s", i,
                          ag_err_detail());
    return AG_OK;
}

/* VerifyCommitLightTrusting with trust level 1/3: validators of `trusted`
 * holding more than 1/3 of its power signed c. */
static ag_err commit_trusting(const char *chain_id, const cons_valset *trusted,
                              const cons_commit *c)
{
    int64_t needed = trusted->total_power / 3, tally = 0;
    bool *seen = calloc(trusted->n ? trusted->n : 1, sizeof *seen);
    if (!seen)
        return ag_err_set(AG_ERR_NOMEM, "light client attack evidence");
    ag_err err = AG_OK;
    for (size_t i = 0; !err && i < c->n_sigs && tally <= needed; i++) {
        const cons_commit_sig *s = &c->sigs[i];
        if (s->flag != CONS_BLOCK_ID_FLAG_COMMIT)
            continue;
        long idx = cons_valset_index_of(trusted, &s->validator_address);
        if (idx < 0)
            continue;
        if (seen[idx]) {
            err = ag_err_set(AG_ERR_VERIFY, "light client attack evidence: double vote from %ld",
                             idx);
            break;
        }
        seen[idx] = true;
        err = sig_check(chain_id, c, i, &trusted->vals[idx]);
        if (!err)
            tally += trusted->vals[idx].voting_power;
    }
    free(seen);
    if (!err && tally <= needed)
        err = ag_err_set(AG_ERR_VERIFY,
                         "light client attack evidence: not enough signatures: %lld of %lld "
                         "common-height power signed the conflicting block, need more than 1/3",
                         (long long)tally, (long long)trusted->total_power);
    return err;
}

/* VerifyCommitLight: +2/3 of vals (the conflicting block's own set). */
static ag_err commit_light(const char *chain_id, const cons_valset *vals, const cons_commit *c)
{
    if (c->n_sigs != vals->n)
        return ag_err_set(AG_ERR_VERIFY,
                          "light client attack evidence: %zu signatures for %zu validators",
                          c->n_sigs, vals->n);
    int64_t needed = vals->total_power * 2 / 3, tally = 0;
    for (size_t i = 0; i < c->n_sigs && tally <= needed; i++) {
        const cons_commit_sig *s = &c->sigs[i];
        if (s->flag != CONS_BLOCK_ID_FLAG_COMMIT)
            continue;
        if (!crypto_address_equal(&s->validator_address, &vals->vals[i].address))
            return ag_err_set(AG_ERR_VERIFY,
                              "light client attack evidence: signature %zu is not validator "
                              "%zu's",
                              i, i);
        ag_err err = sig_check(chain_id, c, i, &vals->vals[i]);
        if (err)
            return err;
        tally += vals->vals[i].voting_power;
    }
    if (tally <= needed)
        return ag_err_set(AG_ERR_VERIFY,
                          "light client attack evidence: not enough signatures: %lld of %lld "
                          "signed the conflicting block, need more than 2/3",
                          (long long)tally, (long long)vals->total_power);
    return AG_OK;
}

static bool hash_eq(const cons_hash *a, const cons_hash *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

bool cons_lca_header_is_invalid(const cons_light_attack *a, const cons_header *trusted)
{
    const cons_header *c = &a->header;
    return !hash_eq(&trusted->validators_hash, &c->validators_hash) ||
           !hash_eq(&trusted->next_validators_hash, &c->next_validators_hash) ||
           !hash_eq(&trusted->consensus_hash, &c->consensus_hash) ||
           trusted->app_hash.len != c->app_hash.len ||
           memcmp(trusted->app_hash.b, c->app_hash.b, c->app_hash.len) != 0 ||
           !hash_eq(&trusted->last_results_hash, &c->last_results_hash);
}

static int val_power_cmp(const void *a, const void *b)
{
    return cons_validator_power_cmp(a, b);
}

ag_err cons_lca_byzantine(const cons_light_attack *a, const cons_valset *common_vals,
                          const cons_header *trusted, const cons_commit *trusted_commit,
                          cons_validator **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const cons_commit *c = &a->commit;
    cons_validator *v = calloc(c->n_sigs ? c->n_sigs : 1, sizeof *v);
    if (!v)
        return ag_err_set(AG_ERR_NOMEM, "light client attack evidence: byzantine validators");
    size_t k = 0;
    if (cons_lca_header_is_invalid(a, trusted)) {
        /* lunatic: the common-height validators who signed the conflicting block */
        for (size_t i = 0; i < c->n_sigs; i++) {
            if (c->sigs[i].flag != CONS_BLOCK_ID_FLAG_COMMIT)
                continue;
            long idx = cons_valset_index_of(common_vals, &c->sigs[i].validator_address);
            if (idx >= 0)
                v[k++] = common_vals->vals[idx];
        }
    } else if (trusted_commit->round == c->round) {
        /* equivocation: same validator set (same hash, same order), those who
         * signed both blocks */
        for (size_t i = 0; i < c->n_sigs && i < trusted_commit->n_sigs; i++) {
            if (c->sigs[i].flag != CONS_BLOCK_ID_FLAG_COMMIT ||
                trusted_commit->sigs[i].flag != CONS_BLOCK_ID_FLAG_COMMIT)
                continue;
            long idx = cons_valset_index_of(&a->vals, &c->sigs[i].validator_address);
            if (idx >= 0)
                v[k++] = a->vals.vals[idx];
        }
    }
    /* else amnesia: no validator can be blamed */
    qsort(v, k, sizeof *v, val_power_cmp);
    *out = v;
    *n = k;
    return AG_OK;
}

ag_err cons_lca_verify(const cons_evidence *e, const char *chain_id, const cons_header *common,
                       const cons_valset *common_vals, const cons_header *trusted,
                       const cons_commit *trusted_commit)
{
    const cons_light_attack *a = e->lca;
    ag_err err;
    if (common->height != a->header.height) {
        /* lunatic: one skipping step from the common height */
        if ((err = commit_trusting(chain_id, common_vals, &a->commit)) != AG_OK)
            return err;
    } else if (cons_lca_header_is_invalid(a, trusted)) {
        return ag_err_set(AG_ERR_VERIFY,
                          "light client attack evidence: common height equals the conflicting "
                          "height but the conflicting header is not correctly derived");
    }
    if ((err = commit_light(chain_id, &a->vals, &a->commit)) != AG_OK)
        return err;
    crypto_hash th, ch;
    if (cons_header_hash(&th, trusted) != AG_OK || cons_header_hash(&ch, &a->header) != AG_OK)
        return ag_err_set(AG_ERR_VERIFY, "light client attack evidence: header without hash");
    if (a->header.height > trusted->height && (a->header.time.seconds > trusted->time.seconds ||
                                               (a->header.time.seconds == trusted->time.seconds &&
                                                a->header.time.nanos > trusted->time.nanos)))
        return ag_err_set(AG_ERR_VERIFY,
                          "light client attack evidence: conflicting block does not violate "
                          "monotonically increasing time");
    if (memcmp(th.b, ch.b, 32) == 0)
        return ag_err_set(AG_ERR_VERIFY,
                          "light client attack evidence: not conflicting: the header at height "
                          "%lld is this chain's own",
                          (long long)a->header.height);
    /* validateABCIEvidence */
    if (e->total_voting_power != common_vals->total_power)
        return ag_err_set(AG_ERR_VERIFY,
                          "light client attack evidence: total voting power %lld, the common "
                          "height's set has %lld",
                          (long long)e->total_voting_power, (long long)common_vals->total_power);
    cons_validator *byz = NULL;
    size_t n = 0;
    if ((err = cons_lca_byzantine(a, common_vals, trusted, trusted_commit, &byz, &n)) != AG_OK)
        return err;
    if (n != a->n_byzantine)
        err = ag_err_set(AG_ERR_VERIFY,
                         "light client attack evidence: byzantine validators: expected %zu, "
                         "evidence lists %zu",
                         n, a->n_byzantine);
    for (size_t i = 0; !err && i < n; i++)
        if (!crypto_address_equal(&byz[i].address, &a->byzantine[i].address) ||
            byz[i].voting_power != a->byzantine[i].voting_power)
            err = ag_err_set(AG_ERR_VERIFY,
                             "light client attack evidence: byzantine validator %zu differs from "
                             "the computed one",
                             i);
    free(byz);
    return err;
}

size_t cons_lca_abci_count(const cons_evidence *e)
{
    return e->lca ? e->lca->n_byzantine : 0;
}
