/*
 * header.h — the CometBFT v0.38 block header, its hash and its encoding.
 *
 * The hash is CometBFT's Header.Hash: the simple Merkle root (merkle.h) over
 * the 14 fields in order, each encoded on its own:
 *   version                     tendermint.version.Consensus
 *   chain_id                    google.protobuf.StringValue
 *   height                      google.protobuf.Int64Value
 *   time                        google.protobuf.Timestamp
 *   last_block_id               tendermint.types.BlockID
 *   the nine hashes and the proposer address   google.protobuf.BytesValue
 * (a wrapper of a zero value encodes to no bytes at all). A header without
 * validators_hash has no hash (CometBFT returns nil).
 *
 * cons_header is a plain value: copy it with `=`.
 */
#ifndef AGORA_CONSENSUS_HEADER_H
#define AGORA_CONSENSUS_HEADER_H

#include "consensus/types.h"
#include "lib/buf.h"

typedef struct cons_app_hash {
    uint8_t len; /* <= CONS_APP_HASH_MAX */
    uint8_t b[CONS_APP_HASH_MAX];
} cons_app_hash;

typedef struct cons_header {
    cons_version version;
    char chain_id[CONS_CHAIN_ID_MAX + 1]; /* NUL-terminated, at most 50 bytes */
    int64_t height;
    cons_timestamp time;
    cons_block_id last_block_id;
    cons_hash last_commit_hash;     /* commit of the previous block */
    cons_hash data_hash;            /* cons_data_hash of the txs */
    cons_hash validators_hash;      /* validators of this block */
    cons_hash next_validators_hash; /* validators of the next block */
    cons_hash consensus_hash;       /* consensus params of this block */
    cons_app_hash app_hash;         /* app state after the previous block */
    cons_hash last_results_hash;    /* results of the previous block's txs */
    cons_hash evidence_hash;        /* evidence in this block */
    crypto_address proposer_address;
} cons_header;

/* AG_ERR_INVALID_ARG if validators_hash is absent (no hash, as in CometBFT)
 * or chain_id is longer than CONS_CHAIN_ID_MAX; otherwise AG_OK. */
ag_err cons_header_hash(crypto_hash *out, const cons_header *h);

/* tendermint.types.Header. The decoder takes at most CONS_HEADER_ENCODED_MAX
 * bytes and refuses a chain id over 50 bytes, hashes that are neither absent
 * nor 32 bytes, an app hash over CONS_APP_HASH_MAX, a proposer address that is
 * not 20 bytes, and an invalid time (AG_ERR_DECODE, AG_ERR_LENGTH,
 * AG_ERR_TOO_LARGE); *out is zeroed on error. */
ag_err cons_header_encode(ag_buf *out, const cons_header *h);
ag_err cons_header_decode(cons_header *out, const uint8_t *in, size_t len);

/* CometBFT's Txs.Hash: the Merkle root over SHA256(tx) of each tx, i.e.
 * Header.data_hash. txs may be NULL when n == 0. AG_ERR_NOMEM. */
ag_err cons_data_hash(crypto_hash *out, const ag_slice *txs, size_t n);

#endif
