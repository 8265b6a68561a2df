/*
 * block.h — the CometBFT v0.38 block: header, transactions, evidence and the
 * previous block's commit (tendermint.types.Block, proto/tendermint/types/
 * block.proto), its validation, hash and block parts.
 *
 *   Block     {header = 1, data = 2, evidence = 3, last_commit = 4}
 *   Data      {repeated bytes txs = 1}
 *   EvidenceList {repeated Evidence evidence = 1} (evidence.h)
 * header, data and evidence are always emitted (non-nullable in CometBFT),
 * last_commit whenever the block has one (every block does; it is an empty
 * Commit at height 1).
 *
 * The block hash is the header hash (header.h); the block id is that hash
 * with the header of the block's part set (the encoded block cut into
 * CONS_BLOCK_PART_SIZE parts, part_set.h).
 *
 * Ownership: a cons_block owns its tx bytes (one buffer the txs slices point
 * into), its evidence array and its last commit; cons_block_clear frees
 * them. Constructors copy their inputs and keep no caller pointer.
 */
#ifndef AGORA_CONSENSUS_BLOCK_H
#define AGORA_CONSENSUS_BLOCK_H

#include "consensus/commit.h"
#include "consensus/evidence.h"
#include "consensus/header.h"
#include "consensus/part_set.h"

/* Transactions in a block. CometBFT bounds them only through the block size
 * (an empty tx costs 2 bytes, so up to ~52 million); Agora refuses more than
 * 2^20 so a hostile block cannot make the decoder allocate a slice per
 * 2 bytes of input. */
#define CONS_BLOCK_TXS_MAX (1u << 20)
/* Evidence in a block. CometBFT bounds it through ConsensusParams.evidence.
 * max_bytes (default 1 MiB, about 3000 duplicate-vote evidence); Agora's
 * decoder refuses more than this many before allocating. */
#define CONS_BLOCK_EVIDENCE_MAX 10000u

typedef struct cons_block {
    cons_header header;
    ag_slice *txs; /* owned array of n_txs slices into tx_data */
    size_t n_txs;
    uint8_t *tx_data;        /* owned: the bytes of every tx, back to back */
    cons_evidence *evidence; /* owned; n_evidence entries */
    size_t n_evidence;
    bool has_last_commit;
    cons_commit last_commit; /* owned */
} cons_block;

void cons_block_clear(cons_block *b);

/* MakeBlock for a proposer: *out gets `header` with data_hash (Merkle root
 * of the tx hashes), evidence_hash (EvidenceList.Hash) and last_commit_hash
 * (cons_commit_hash of last_commit) filled in, copies of the txs, evidence
 * and last commit. Every other header field (version, chain id, height,
 * time, last block id, validator/consensus/app/results hashes, proposer) is
 * the caller's. AG_ERR_TOO_LARGE over CONS_BLOCK_TXS_MAX txs or
 * CONS_BLOCK_EVIDENCE_MAX evidence, AG_ERR_NOMEM. *out (cleared or zero) is
 * zero on error. */
ag_err cons_block_make(cons_block *out, const cons_header *header, const ag_slice *txs,
                       size_t n_txs, const cons_evidence *ev, size_t n_ev,
                       const cons_commit *last_commit);

/* Block.ValidateBasic: the header's basic rules (block protocol
 * CONS_BLOCK_PROTOCOL, height > 0, a valid last block id, a proposer
 * address), a last commit that passes Commit.ValidateBasic and whose hash is
 * last_commit_hash, data_hash equal to the txs' root, every evidence passing
 * cons_evidence_validate_basic and evidence_hash equal to the list's hash.
 * AG_ERR_DECODE naming the rule; AG_ERR_NOMEM. */
ag_err cons_block_validate_basic(const cons_block *b);

/* Block.Hash: the header hash (AG_ERR_INVALID_ARG without validators_hash). */
ag_err cons_block_hash(crypto_hash *out, const cons_block *b);

/* tendermint.types.Block. The decoder takes at most CONS_BLOCK_SIZE_MAX
 * bytes, counts txs and evidence before allocating (AG_ERR_TOO_LARGE over
 * CONS_BLOCK_TXS_MAX / CONS_BLOCK_EVIDENCE_MAX), requires a header, decodes
 * the header, commit and evidence with their own bounded decoders
 * (AG_ERR_UNSUPPORTED for light-client-attack evidence) and refuses a
 * repeated header, data, evidence list or last commit (protobuf would merge
 * them; no encoder emits that). It does not run cons_block_validate_basic.
 * *out (cleared or zero) is zero on error. */
ag_err cons_block_encode(ag_buf *out, const cons_block *b);
ag_err cons_block_decode(cons_block *out, const uint8_t *in, size_t len);

/* MakePartSet(BlockPartSizeBytes): the encoded block cut into parts.
 * *ps is empty on error; free with cons_part_set_free. */
ag_err cons_block_make_part_set(cons_part_set *ps, const cons_block *b);

/* Decode the block of a complete part set. AG_ERR_STATE if parts are
 * missing; the decoder's errors. */
ag_err cons_block_from_part_set(cons_block *out, const cons_part_set *ps);

/* The block id {hash, parts} of b cut into ps (from cons_block_make_part_set). */
ag_err cons_block_id_make(cons_block_id *out, const cons_block *b, const cons_part_set *ps);

#endif
