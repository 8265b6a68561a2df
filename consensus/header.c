/* header.c — Header hash (Merkle root of the cdc-encoded fields) and codec. */
#include "consensus/header.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/merkle.h"
#include "consensus/pb.h"
#include "lib/varint.h"
#include "tendermint/version/types.pb-c.h"

/* Largest single field encoding: a Timestamp / BlockID / wrapper of 64 bytes. */
#define FIELD_MAX 128

typedef struct field {
    uint8_t b[FIELD_MAX];
    size_t len;
} field;

/* google.protobuf.Int64Value{value = 1}: empty for 0. */
static void wrap_int64(field *f, int64_t v)
{
    f->len = 0;
    if (v == 0)
        return;
    f->b[f->len++] = 0x08;
    f->len += ag_uvarint_encode(f->b + f->len, (uint64_t)v);
}

/* google.protobuf.BytesValue / StringValue{value = 1}: empty for "". */
static void wrap_bytes(field *f, const void *b, size_t len)
{
    f->len = 0;
    if (len == 0)
        return;
    f->b[f->len++] = 0x0a;
    f->len += ag_uvarint_encode(f->b + f->len, len);
    memcpy(f->b + f->len, b, len);
    f->len += len;
}

static void pack(field *f, const ProtobufCMessage *msg)
{
    f->len = protobuf_c_message_pack(msg, f->b);
}

ag_err cons_header_hash(crypto_hash *out, const cons_header *h)
{
    if (h->validators_hash.len == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "header: no validators_hash, so no hash");
    size_t chain_len = strnlen(h->chain_id, sizeof h->chain_id);
    if (chain_len > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "header: chain id over %d bytes", CONS_CHAIN_ID_MAX);
    if (h->app_hash.len > CONS_APP_HASH_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "header: app hash of %u bytes", h->app_hash.len);

    field f[14];
    Tendermint__Version__Consensus ver = TENDERMINT__VERSION__CONSENSUS__INIT;
    ver.block = h->version.block;
    ver.app = h->version.app;
    pack(&f[0], &ver.base);
    wrap_bytes(&f[1], h->chain_id, chain_len);
    wrap_int64(&f[2], h->height);
    Google__Protobuf__Timestamp ts;
    cons_pb_timestamp_from(&ts, &h->time);
    pack(&f[3], &ts.base);
    Tendermint__Types__BlockID bid;
    Tendermint__Types__PartSetHeader psh;
    cons_pb_block_id_from(&bid, &psh, &h->last_block_id);
    pack(&f[4], &bid.base);
    const cons_hash *hashes[] = {&h->last_commit_hash,     &h->data_hash,      &h->validators_hash,
                                 &h->next_validators_hash, &h->consensus_hash, NULL,
                                 &h->last_results_hash,    &h->evidence_hash};
    for (size_t i = 0; i < 8; i++) {
        if (hashes[i])
            wrap_bytes(&f[5 + i], hashes[i]->b, hashes[i]->len);
        else
            wrap_bytes(&f[5 + i], h->app_hash.b, h->app_hash.len);
    }
    wrap_bytes(&f[13], h->proposer_address.b, CRYPTO_ADDRESS_LEN);

    crypto_hash leaves[14];
    for (size_t i = 0; i < 14; i++)
        cons_merkle_leaf_hash(&leaves[i], f[i].b, f[i].len);
    cons_merkle_root_from_leaf_hashes(out, leaves, 14);
    return AG_OK;
}

ag_err cons_header_encode(ag_buf *out, const cons_header *h)
{
    size_t chain_len = strnlen(h->chain_id, sizeof h->chain_id);
    if (chain_len > CONS_CHAIN_ID_MAX || h->app_hash.len > CONS_APP_HASH_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "header: chain id or app hash too long");
    char chain_id[CONS_CHAIN_ID_MAX + 1];
    memcpy(chain_id, h->chain_id, chain_len);
    chain_id[chain_len] = '\0';

    Tendermint__Types__Header pb = TENDERMINT__TYPES__HEADER__INIT;
    Tendermint__Version__Consensus ver = TENDERMINT__VERSION__CONSENSUS__INIT;
    ver.block = h->version.block;
    ver.app = h->version.app;
    pb.version = &ver;
    pb.chain_id = chain_id;
    pb.height = h->height;
    Google__Protobuf__Timestamp ts;
    cons_pb_timestamp_from(&ts, &h->time);
    pb.time = &ts;
    Tendermint__Types__BlockID bid;
    Tendermint__Types__PartSetHeader psh;
    cons_pb_block_id_from(&bid, &psh, &h->last_block_id);
    pb.last_block_id = &bid;
    pb.last_commit_hash = cons_pb_bytes(h->last_commit_hash.b, h->last_commit_hash.len);
    pb.data_hash = cons_pb_bytes(h->data_hash.b, h->data_hash.len);
    pb.validators_hash = cons_pb_bytes(h->validators_hash.b, h->validators_hash.len);
    pb.next_validators_hash = cons_pb_bytes(h->next_validators_hash.b, h->next_validators_hash.len);
    pb.consensus_hash = cons_pb_bytes(h->consensus_hash.b, h->consensus_hash.len);
    pb.app_hash = cons_pb_bytes(h->app_hash.b, h->app_hash.len);
    pb.last_results_hash = cons_pb_bytes(h->last_results_hash.b, h->last_results_hash.len);
    pb.evidence_hash = cons_pb_bytes(h->evidence_hash.b, h->evidence_hash.len);
    pb.proposer_address = cons_pb_bytes(h->proposer_address.b, CRYPTO_ADDRESS_LEN);
    return ag_pb_append(out, &pb.base);
}

static ag_err header_from_pb(cons_header *h, const Tendermint__Types__Header *pb)
{
    if (pb->version) {
        h->version.block = pb->version->block;
        h->version.app = pb->version->app;
    }
    size_t chain_len = strlen(pb->chain_id);
    if (chain_len > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Header.chain_id: %zu bytes (max %d)", chain_len,
                          CONS_CHAIN_ID_MAX);
    memcpy(h->chain_id, pb->chain_id, chain_len + 1);
    h->height = pb->height;
    ag_err err = cons_pb_timestamp_to(&h->time, pb->time, "Header.time");
    if (!err)
        err = cons_pb_block_id_to(&h->last_block_id, pb->last_block_id, "Header.last_block_id");
    if (!err)
        err =
            cons_pb_hash_to(&h->last_commit_hash, &pb->last_commit_hash, "Header.last_commit_hash");
    if (!err)
        err = cons_pb_hash_to(&h->data_hash, &pb->data_hash, "Header.data_hash");
    if (!err)
        err = cons_pb_hash_to(&h->validators_hash, &pb->validators_hash, "Header.validators_hash");
    if (!err)
        err = cons_pb_hash_to(&h->next_validators_hash, &pb->next_validators_hash,
                              "Header.next_validators_hash");
    if (!err)
        err = cons_pb_hash_to(&h->consensus_hash, &pb->consensus_hash, "Header.consensus_hash");
    if (!err)
        err = cons_pb_hash_to(&h->last_results_hash, &pb->last_results_hash,
                              "Header.last_results_hash");
    if (!err)
        err = cons_pb_hash_to(&h->evidence_hash, &pb->evidence_hash, "Header.evidence_hash");
    if (err)
        return err;
    if (pb->app_hash.len > CONS_APP_HASH_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Header.app_hash: %zu bytes (max %d)", pb->app_hash.len,
                          CONS_APP_HASH_MAX);
    h->app_hash.len = (uint8_t)pb->app_hash.len;
    if (pb->app_hash.len)
        memcpy(h->app_hash.b, pb->app_hash.data, pb->app_hash.len);
    if (pb->proposer_address.len != CRYPTO_ADDRESS_LEN)
        return ag_err_set(AG_ERR_LENGTH, "Header.proposer_address: %zu bytes (want 20)",
                          pb->proposer_address.len);
    memcpy(h->proposer_address.b, pb->proposer_address.data, CRYPTO_ADDRESS_LEN);
    return AG_OK;
}

ag_err cons_header_decode(cons_header *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_HEADER_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Header: %zu bytes (max %u)", len,
                          CONS_HEADER_ENCODED_MAX);
    Tendermint__Types__Header *pb = tendermint__types__header__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.types.Header");
    ag_err err = header_from_pb(out, pb);
    tendermint__types__header__free_unpacked(pb, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err cons_data_hash(crypto_hash *out, const ag_slice *txs, size_t n)
{
    crypto_hash *leaves = calloc(n ? n : 1, sizeof *leaves);
    if (!leaves)
        return ag_err_set(AG_ERR_NOMEM, "data hash: %zu txs", n);
    for (size_t i = 0; i < n; i++) {
        crypto_hash tx_hash;
        crypto_sha256(tx_hash.b, txs[i].ptr, txs[i].len);
        cons_merkle_leaf_hash(&leaves[i], tx_hash.b, CRYPTO_SHA256_LEN);
    }
    cons_merkle_root_from_leaf_hashes(out, leaves, n);
    free(leaves);
    return AG_OK;
}
