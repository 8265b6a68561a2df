/* commit.c — Commit codec and hash. */
#include "consensus/commit.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/merkle.h"
#include "consensus/pb.h"

cons_commit_sig cons_commit_sig_absent(void)
{
    cons_commit_sig s;
    memset(&s, 0, sizeof s);
    s.flag = CONS_BLOCK_ID_FLAG_ABSENT;
    s.timestamp = CONS_TIME_ZERO;
    return s;
}

ag_err cons_commit_sig_validate_basic(const cons_commit_sig *s)
{
    switch (s->flag) {
    case CONS_BLOCK_ID_FLAG_ABSENT:
        if (s->has_address)
            return ag_err_set(AG_ERR_DECODE, "commit sig: absent with a validator address");
        if (s->timestamp.seconds != CONS_TIME_MIN_SECONDS || s->timestamp.nanos != 0)
            return ag_err_set(AG_ERR_DECODE, "commit sig: absent with a timestamp");
        if (s->signature.len)
            return ag_err_set(AG_ERR_DECODE, "commit sig: absent with a signature");
        return AG_OK;
    case CONS_BLOCK_ID_FLAG_COMMIT:
    case CONS_BLOCK_ID_FLAG_NIL:
        if (!s->has_address)
            return ag_err_set(AG_ERR_DECODE, "commit sig: no validator address");
        if (!s->signature.len)
            return ag_err_set(AG_ERR_DECODE, "commit sig: signature is missing");
        return AG_OK;
    default:
        return ag_err_set(AG_ERR_DECODE, "commit sig: unknown block id flag %d", (int)s->flag);
    }
}

ag_err cons_commit_alloc(cons_commit *c, size_t n)
{
    if (n > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "commit: %zu signatures (max %d)", n,
                          CONS_VALIDATORS_MAX);
    cons_commit_sig *sigs = calloc(n ? n : 1, sizeof *sigs);
    if (!sigs)
        return ag_err_set(AG_ERR_NOMEM, "commit: %zu signatures", n);
    for (size_t i = 0; i < n; i++)
        sigs[i] = cons_commit_sig_absent();
    free(c->sigs);
    c->sigs = sigs;
    c->n_sigs = n;
    return AG_OK;
}

void cons_commit_clear(cons_commit *c)
{
    free(c->sigs);
    memset(c, 0, sizeof *c);
}

/* pb borrows from s; ts is the storage of pb->timestamp. */
static void sig_to_pb(Tendermint__Types__CommitSig *pb, Google__Protobuf__Timestamp *ts,
                      const cons_commit_sig *s)
{
    tendermint__types__commit_sig__init(pb);
    pb->block_id_flag = (Tendermint__Types__BlockIDFlag)s->flag;
    pb->validator_address =
        cons_pb_bytes(s->validator_address.b, s->has_address ? CRYPTO_ADDRESS_LEN : 0);
    cons_pb_timestamp_from(ts, &s->timestamp);
    pb->timestamp = ts;
    pb->signature = cons_pb_bytes(s->signature.b, s->signature.len);
}

ag_err cons_commit_hash(crypto_hash *out, const cons_commit *c)
{
    crypto_hash *leaves = calloc(c->n_sigs ? c->n_sigs : 1, sizeof *leaves);
    if (!leaves)
        return ag_err_set(AG_ERR_NOMEM, "commit hash: %zu signatures", c->n_sigs);
    for (size_t i = 0; i < c->n_sigs; i++) {
        Tendermint__Types__CommitSig pb;
        Google__Protobuf__Timestamp ts;
        sig_to_pb(&pb, &ts, &c->sigs[i]);
        uint8_t buf[160]; /* a CommitSig is at most 109 bytes (types.MaxCommitSigBytes) */
        size_t n = protobuf_c_message_pack(&pb.base, buf);
        cons_merkle_leaf_hash(&leaves[i], buf, n);
    }
    cons_merkle_root_from_leaf_hashes(out, leaves, c->n_sigs);
    free(leaves);
    return AG_OK;
}

ag_err cons_commit_encode(ag_buf *out, const cons_commit *c)
{
    if (c->n_sigs > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "commit: %zu signatures", c->n_sigs);
    Tendermint__Types__Commit pb = TENDERMINT__TYPES__COMMIT__INIT;
    pb.height = c->height;
    pb.round = c->round;
    Tendermint__Types__BlockID bid;
    Tendermint__Types__PartSetHeader psh;
    cons_pb_block_id_from(&bid, &psh, &c->block_id);
    pb.block_id = &bid;
    size_t n = c->n_sigs;
    Tendermint__Types__CommitSig *sigs = calloc(n ? n : 1, sizeof *sigs);
    Tendermint__Types__CommitSig **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    Google__Protobuf__Timestamp *ts = calloc(n ? n : 1, sizeof *ts);
    ag_err err = AG_OK;
    if (!sigs || !ptrs || !ts) {
        err = ag_err_set(AG_ERR_NOMEM, "commit: encoding %zu signatures", n);
    } else {
        for (size_t i = 0; i < n; i++) {
            sig_to_pb(&sigs[i], &ts[i], &c->sigs[i]);
            ptrs[i] = &sigs[i];
        }
        pb.n_signatures = n;
        pb.signatures = n ? ptrs : NULL;
        err = ag_pb_append(out, &pb.base);
    }
    free(sigs);
    free(ptrs);
    free(ts);
    return err;
}

static ag_err sig_from_pb(cons_commit_sig *s, const Tendermint__Types__CommitSig *pb, size_t i)
{
    memset(s, 0, sizeof *s);
    int flag = (int)pb->block_id_flag;
    if (flag < CONS_BLOCK_ID_FLAG_UNKNOWN || flag > CONS_BLOCK_ID_FLAG_NIL)
        return ag_err_set(AG_ERR_DECODE, "Commit.signatures[%zu]: unknown flag %d", i, flag);
    s->flag = (cons_block_id_flag)flag;
    if (pb->validator_address.len != 0 && pb->validator_address.len != CRYPTO_ADDRESS_LEN)
        return ag_err_set(AG_ERR_LENGTH, "Commit.signatures[%zu]: address of %zu bytes", i,
                          pb->validator_address.len);
    s->has_address = pb->validator_address.len != 0;
    if (s->has_address)
        memcpy(s->validator_address.b, pb->validator_address.data, CRYPTO_ADDRESS_LEN);
    ag_err err = cons_pb_timestamp_to(&s->timestamp, pb->timestamp, "Commit.signatures.timestamp");
    if (!err)
        err = cons_pb_sig_to(&s->signature, &pb->signature, "Commit.signatures.signature");
    return err;
}

static ag_err commit_from_pb(cons_commit *c, const Tendermint__Types__Commit *pb)
{
    c->height = pb->height;
    c->round = pb->round;
    ag_err err = cons_pb_block_id_to(&c->block_id, pb->block_id, "Commit.block_id");
    if (!err)
        err = cons_commit_alloc(c, pb->n_signatures);
    for (size_t i = 0; !err && i < pb->n_signatures; i++)
        err = sig_from_pb(&c->sigs[i], pb->signatures[i], i);
    return err;
}

ag_err cons_commit_decode(cons_commit *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_COMMIT_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Commit: %zu bytes (max %u)", len,
                          CONS_COMMIT_ENCODED_MAX);
    size_t n_sigs;
    ag_err err = cons_pb_count_field(in, len, 4, &n_sigs);
    if (err)
        return err;
    if (n_sigs > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Commit: %zu signatures (max %d)", n_sigs,
                          CONS_VALIDATORS_MAX);
    Tendermint__Types__Commit *pb = tendermint__types__commit__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.types.Commit");
    err = commit_from_pb(out, pb);
    tendermint__types__commit__free_unpacked(pb, NULL);
    if (err)
        cons_commit_clear(out);
    return err;
}
