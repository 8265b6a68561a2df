/* part_set.c — splitting blocks into proven parts and reassembling them. */
#include "consensus/part_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/pb.h"

void cons_part_clear(cons_part *p)
{
    free(p->bytes);
    memset(p, 0, sizeof *p);
}

ag_err cons_part_encode(ag_buf *out, const cons_part *p)
{
    Tendermint__Types__Part pb = TENDERMINT__TYPES__PART__INIT;
    pb.index = p->index;
    pb.bytes = cons_pb_bytes(p->bytes, p->len);
    Tendermint__Crypto__Proof proof;
    ProtobufCBinaryData aunts[CONS_MERKLE_AUNTS_MAX];
    cons_merkle_proof copy = p->proof; /* protobuf-c wants mutable pointers */
    ag_err err = cons_pb_proof_from(&proof, aunts, &copy);
    if (err)
        return err;
    pb.proof = &proof;
    return ag_pb_append(out, &pb.base);
}

static ag_err part_from_pb(cons_part *p, const Tendermint__Types__Part *pb)
{
    if (pb->bytes.len > CONS_BLOCK_PART_SIZE)
        return ag_err_set(AG_ERR_TOO_LARGE, "Part: %zu bytes (max %u)", pb->bytes.len,
                          CONS_BLOCK_PART_SIZE);
    if (!pb->proof)
        return ag_err_set(AG_ERR_DECODE, "Part: no proof");
    ag_err err = cons_pb_proof_to(&p->proof, pb->proof);
    if (err)
        return err;
    if (p->proof.index != (int64_t)pb->index)
        return ag_err_set(AG_ERR_DECODE, "Part: index %u but proof index %lld", pb->index,
                          (long long)p->proof.index);
    p->index = pb->index;
    if (pb->bytes.len) {
        p->bytes = malloc(pb->bytes.len);
        if (!p->bytes)
            return ag_err_set(AG_ERR_NOMEM, "Part: %zu bytes", pb->bytes.len);
        memcpy(p->bytes, pb->bytes.data, pb->bytes.len);
    }
    p->len = pb->bytes.len;
    return AG_OK;
}

ag_err cons_part_decode(cons_part *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_PART_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Part: %zu bytes encoded (max %u)", len,
                          (unsigned)CONS_PART_ENCODED_MAX);
    /* The size cap bounds what protobuf-c allocates: at most ~34k two-byte aunts. */
    Tendermint__Types__Part *pb = tendermint__types__part__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.types.Part");
    ag_err err = part_from_pb(out, pb);
    tendermint__types__part__free_unpacked(pb, NULL);
    if (err)
        cons_part_clear(out);
    return err;
}

void cons_part_set_free(cons_part_set *ps)
{
    for (uint32_t i = 0; ps->parts && i < ps->header.total; i++)
        free(ps->parts[i].bytes);
    free(ps->parts);
    memset(ps, 0, sizeof *ps);
}

ag_err cons_part_set_init(cons_part_set *ps, const cons_part_set_header *header)
{
    memset(ps, 0, sizeof *ps);
    if (header->total == 0 || header->total > CONS_BLOCK_PARTS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "part set: %u parts (want 1..%u)", header->total,
                          CONS_BLOCK_PARTS_MAX);
    if (header->hash.len != CONS_HASH_LEN)
        return ag_err_set(AG_ERR_INVALID_ARG, "part set: no hash");
    ps->parts = calloc(header->total, sizeof *ps->parts);
    if (!ps->parts)
        return ag_err_set(AG_ERR_NOMEM, "part set: %u parts", header->total);
    ps->header = *header;
    return AG_OK;
}

ag_err cons_part_set_from_data(cons_part_set *ps, const uint8_t *data, size_t len)
{
    memset(ps, 0, sizeof *ps);
    if (len == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "part set: empty block");
    if (len > CONS_BLOCK_SIZE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "part set: block of %zu bytes (max %u)", len,
                          CONS_BLOCK_SIZE_MAX);
    uint32_t total = (uint32_t)((len + CONS_BLOCK_PART_SIZE - 1) / CONS_BLOCK_PART_SIZE);
    ag_slice *items = malloc(total * sizeof *items);
    cons_merkle_proof *proofs = malloc(total * sizeof *proofs);
    ps->parts = calloc(total, sizeof *ps->parts);
    ag_err err = AG_OK;
    if (!items || !proofs || !ps->parts) {
        err = ag_err_set(AG_ERR_NOMEM, "part set: %u parts", total);
        goto done;
    }
    ps->header.total = total;
    for (uint32_t i = 0; i < total; i++) {
        size_t off = (size_t)i * CONS_BLOCK_PART_SIZE;
        size_t n = len - off < CONS_BLOCK_PART_SIZE ? len - off : CONS_BLOCK_PART_SIZE;
        items[i] = (ag_slice){data + off, n};
    }
    crypto_hash root;
    err = cons_merkle_proofs(&root, proofs, items, total);
    if (err)
        goto done;
    cons_hash_set(&ps->header.hash, root.b);
    for (uint32_t i = 0; i < total; i++) {
        cons_part *p = &ps->parts[i];
        p->bytes = malloc(items[i].len);
        if (!p->bytes) {
            err = ag_err_set(AG_ERR_NOMEM, "part set: part %u", i);
            goto done;
        }
        memcpy(p->bytes, items[i].ptr, items[i].len);
        p->len = items[i].len;
        p->index = i;
        p->proof = proofs[i];
    }
    ps->count = total;
    ps->byte_size = len;
done:
    free(items);
    free(proofs);
    if (err)
        cons_part_set_free(ps);
    return err;
}

ag_err cons_part_set_add(cons_part_set *ps, const cons_part *part, bool *added)
{
    *added = false;
    if (part->index >= ps->header.total)
        return ag_err_set(AG_ERR_INVALID_ARG, "part set: part %u of %u", part->index,
                          ps->header.total);
    if (ps->parts[part->index].bytes)
        return AG_OK;
    if (part->len > CONS_BLOCK_PART_SIZE)
        return ag_err_set(AG_ERR_TOO_LARGE, "part set: part of %zu bytes", part->len);
    if (part->proof.total != (int64_t)ps->header.total || part->proof.index != (int64_t)part->index)
        return ag_err_set(AG_ERR_VERIFY, "part set: proof for %lld of %lld, not part %u of %u",
                          (long long)part->proof.index, (long long)part->proof.total, part->index,
                          ps->header.total);
    crypto_hash root;
    memcpy(root.b, ps->header.hash.b, CONS_HASH_LEN);
    ag_err err = cons_merkle_proof_verify(&part->proof, &root, part->bytes, part->len);
    if (err) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "part set: part %u", part->index);
        return cons_pb_err_prefix(AG_ERR_VERIFY, prefix);
    }
    cons_part *slot = &ps->parts[part->index];
    /* an empty part is legal on the wire: one byte keeps its slot marked present */
    slot->bytes = malloc(part->len ? part->len : 1);
    if (!slot->bytes)
        return ag_err_set(AG_ERR_NOMEM, "part set: part of %zu bytes", part->len);
    if (part->len)
        memcpy(slot->bytes, part->bytes, part->len);
    slot->len = part->len;
    slot->index = part->index;
    slot->proof = part->proof;
    ps->count++;
    ps->byte_size += part->len;
    *added = true;
    return AG_OK;
}

bool cons_part_set_is_complete(const cons_part_set *ps)
{
    return ps->header.total > 0 && ps->count == ps->header.total;
}

const cons_part *cons_part_set_get(const cons_part_set *ps, uint32_t index)
{
    if (index >= ps->header.total || !ps->parts[index].bytes)
        return NULL;
    return &ps->parts[index];
}

ag_err cons_part_set_assemble(const cons_part_set *ps, ag_buf *out)
{
    if (!cons_part_set_is_complete(ps))
        return ag_err_set(AG_ERR_STATE, "part set: %u of %u parts", ps->count, ps->header.total);
    ag_err err = ag_buf_reserve(out, ps->byte_size);
    for (uint32_t i = 0; !err && i < ps->header.total; i++)
        err = ag_buf_append(out, ps->parts[i].bytes, ps->parts[i].len);
    return err;
}
