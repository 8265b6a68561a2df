/* pb.c — value types <-> protobuf-c structs (internal to consensus/). */
#include "consensus/pb.h"

#include <stdio.h>
#include <string.h>

#include "lib/varint.h"

ag_err cons_pb_err_prefix(ag_err err, const char *prefix)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err, "%s: %s", prefix, detail);
}

ProtobufCBinaryData cons_pb_bytes(const uint8_t *b, size_t len)
{
    /* protobuf-c's struct is not const-correct; packing never writes through it. */
    return (ProtobufCBinaryData){len, len ? (uint8_t *)(uintptr_t)b : NULL};
}

void cons_pb_timestamp_from(Google__Protobuf__Timestamp *pb, const cons_timestamp *t)
{
    google__protobuf__timestamp__init(pb);
    pb->seconds = t->seconds;
    pb->nanos = t->nanos;
}

ag_err cons_pb_timestamp_to(cons_timestamp *t, const Google__Protobuf__Timestamp *pb,
                            const char *field)
{
    /* CometBFT's timestamps are non-nullable time.Time values: an absent
     * field leaves Go's zero time (year 1), an empty one is Unix time 0. */
    *t = pb ? (cons_timestamp){pb->seconds, pb->nanos} : CONS_TIME_ZERO;
    ag_err err = cons_timestamp_validate(t);
    if (err)
        return cons_pb_err_prefix(err, field);
    return AG_OK;
}

void cons_pb_block_id_from(Tendermint__Types__BlockID *pb, Tendermint__Types__PartSetHeader *psh,
                           const cons_block_id *id)
{
    tendermint__types__block_id__init(pb);
    tendermint__types__part_set_header__init(psh);
    pb->hash = cons_pb_bytes(id->hash.b, id->hash.len);
    psh->total = id->parts.total;
    psh->hash = cons_pb_bytes(id->parts.hash.b, id->parts.hash.len);
    pb->part_set_header = psh;
}

ag_err cons_pb_hash_to(cons_hash *h, const ProtobufCBinaryData *pb, const char *field)
{
    memset(h, 0, sizeof *h);
    if (pb->len != 0 && pb->len != CONS_HASH_LEN)
        return ag_err_set(AG_ERR_LENGTH, "%s: hash of %zu bytes (want 0 or 32)", field, pb->len);
    h->len = (uint8_t)pb->len;
    if (pb->len)
        memcpy(h->b, pb->data, pb->len);
    return AG_OK;
}

ag_err cons_pb_sig_to(cons_sig *s, const ProtobufCBinaryData *pb, const char *field)
{
    memset(s, 0, sizeof *s);
    if (pb->len != 0 && pb->len != CRYPTO_SIG_LEN)
        return ag_err_set(AG_ERR_LENGTH, "%s: signature of %zu bytes (want 0 or 64)", field,
                          pb->len);
    s->len = (uint8_t)pb->len;
    if (pb->len)
        memcpy(s->b, pb->data, pb->len);
    return AG_OK;
}

ag_err cons_pb_block_id_to(cons_block_id *id, const Tendermint__Types__BlockID *pb,
                           const char *field)
{
    memset(id, 0, sizeof *id);
    if (!pb)
        return AG_OK;
    ag_err err = cons_pb_hash_to(&id->hash, &pb->hash, field);
    if (err)
        return err;
    if (pb->part_set_header) {
        id->parts.total = pb->part_set_header->total;
        err = cons_pb_hash_to(&id->parts.hash, &pb->part_set_header->hash, field);
        if (err)
            return err;
    }
    err = cons_block_id_validate(id);
    if (err)
        return cons_pb_err_prefix(err, field);
    return AG_OK;
}

ag_err cons_pb_proof_from(Tendermint__Crypto__Proof *pb, ProtobufCBinaryData *aunts,
                          cons_merkle_proof *proof)
{
    if (proof->n_aunts > CONS_MERKLE_AUNTS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "Proof: %u aunts", proof->n_aunts);
    tendermint__crypto__proof__init(pb);
    pb->total = proof->total;
    pb->index = proof->index;
    pb->leaf_hash = cons_pb_bytes(proof->leaf_hash.b, CONS_HASH_LEN);
    for (uint32_t i = 0; i < proof->n_aunts; i++)
        aunts[i] = cons_pb_bytes(proof->aunts[i].b, CONS_HASH_LEN);
    pb->n_aunts = proof->n_aunts;
    pb->aunts = proof->n_aunts ? aunts : NULL;
    return AG_OK;
}

ag_err cons_pb_proof_to(cons_merkle_proof *proof, const Tendermint__Crypto__Proof *pb)
{
    memset(proof, 0, sizeof *proof);
    if (pb->total <= 0 || pb->index < 0 || pb->index >= pb->total)
        return ag_err_set(AG_ERR_DECODE, "Proof: index %lld of total %lld", (long long)pb->index,
                          (long long)pb->total);
    if (pb->leaf_hash.len != CONS_HASH_LEN)
        return ag_err_set(AG_ERR_LENGTH, "Proof: leaf hash of %zu bytes", pb->leaf_hash.len);
    if (pb->n_aunts > CONS_MERKLE_AUNTS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Proof: %zu aunts (max %d)", pb->n_aunts,
                          CONS_MERKLE_AUNTS_MAX);
    proof->total = pb->total;
    proof->index = pb->index;
    memcpy(proof->leaf_hash.b, pb->leaf_hash.data, CONS_HASH_LEN);
    for (size_t i = 0; i < pb->n_aunts; i++) {
        if (pb->aunts[i].len != CONS_HASH_LEN)
            return ag_err_set(AG_ERR_LENGTH, "Proof: aunt %zu of %zu bytes", i, pb->aunts[i].len);
        memcpy(proof->aunts[i].b, pb->aunts[i].data, CONS_HASH_LEN);
    }
    proof->n_aunts = (uint32_t)pb->n_aunts;
    return AG_OK;
}

ag_err cons_pb_count_field(const uint8_t *in, size_t len, uint32_t field_no, size_t *count)
{
    *count = 0;
    size_t off = 0;
    while (off < len) {
        uint64_t key, v;
        size_t used;
        if (ag_uvarint_decode(in + off, len - off, &key, &used) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "protobuf: bad field key at %zu", off);
        off += used;
        if ((key >> 3) == field_no)
            (*count)++;
        switch (key & 7) {
        case 0:
            if (ag_uvarint_decode(in + off, len - off, &v, &used) != AG_OK)
                return ag_err_set(AG_ERR_DECODE, "protobuf: bad varint at %zu", off);
            off += used;
            break;
        case 1:
            if (len - off < 8)
                return ag_err_set(AG_ERR_DECODE, "protobuf: truncated fixed64 at %zu", off);
            off += 8;
            break;
        case 2:
            if (ag_uvarint_decode(in + off, len - off, &v, &used) != AG_OK || v > len - off - used)
                return ag_err_set(AG_ERR_DECODE, "protobuf: bad length at %zu", off);
            off += used + (size_t)v;
            break;
        case 5:
            if (len - off < 4)
                return ag_err_set(AG_ERR_DECODE, "protobuf: truncated fixed32 at %zu", off);
            off += 4;
            break;
        default:
            return ag_err_set(AG_ERR_DECODE, "protobuf: wire type %u at %zu", (unsigned)(key & 7),
                              off);
        }
    }
    return AG_OK;
}
