/*
 * limits.h — every size and count limit of the consensus types, in one place.
 *
 * Decoders check these before parsing anything from the network. Where
 * CometBFT v0.38 has the same limit the value is the same (its name is given);
 * where Agora is stricter, the comment says why.
 */
#ifndef AGORA_CONSENSUS_LIMITS_H
#define AGORA_CONSENSUS_LIMITS_H

#include <stdint.h>

/* types.MaxChainIDLen: bytes of a chain id. */
#define CONS_CHAIN_ID_MAX 50

/* types.BlockPartSizeBytes: a block is gossiped in parts of 64 KiB. */
#define CONS_BLOCK_PART_SIZE 65536u

/* types.MaxBlockSizeBytes (100 MiB) and types.MaxBlockPartsCount
 * (MaxBlockSizeBytes / BlockPartSizeBytes + 1 = 1601). */
#define CONS_BLOCK_SIZE_MAX  (100u * 1024u * 1024u)
#define CONS_BLOCK_PARTS_MAX (CONS_BLOCK_SIZE_MAX / CONS_BLOCK_PART_SIZE + 1u)

/* Aunts in a Merkle proof. CometBFT allows 100 (merkle.MaxAunts), but a tree
 * of at most 2^63 leaves is at most 63 levels deep, so a longer proof can
 * never verify: Agora refuses it at decode time. */
#define CONS_MERKLE_AUNTS_MAX 63

/* types.MaxVotesCount: validators in a set, signatures in a commit. */
#define CONS_VALIDATORS_MAX 10000

/* types.MaxTotalVotingPower = MaxInt64 / 8, so that priorities (bounded by
 * about 2.25x the total) can never overflow. */
#define CONS_TOTAL_VOTING_POWER_MAX (INT64_MAX / 8)

/* types.PriorityWindowSizeFactor: priorities are rescaled to span at most
 * this many times the total voting power. */
#define CONS_PRIORITY_WINDOW_FACTOR 2

/* Bytes of Header.app_hash. CometBFT does not bound it except through the
 * header size; Agora's store produces 32 bytes and accepts up to 64 from any
 * ABCI application. */
#define CONS_APP_HASH_MAX 64

/* Bytes of a vote extension. CometBFT bounds it only by the block size;
 * Agora caps it at 1 MiB so one vote cannot hold a whole block's budget. */
#define CONS_VOTE_EXTENSION_MAX (1u << 20)

/* Encoded sizes accepted by the decoders, each above the largest valid
 * message of its type: a Vote with the largest extension, a Header
 * (types.MaxHeaderBytes = 626), a Commit of CONS_VALIDATORS_MAX signatures
 * (types.MaxCommitSigBytes = 109 each, plus MaxCommitOverheadBytes = 94), a
 * Part with a full proof, a Proposal, a ValidatorSet. */
#define CONS_VOTE_ENCODED_MAX     (CONS_VOTE_EXTENSION_MAX + 512u)
#define CONS_HEADER_ENCODED_MAX   1024u
#define CONS_COMMIT_ENCODED_MAX   (94u + 112u * CONS_VALIDATORS_MAX)
#define CONS_PART_ENCODED_MAX     (CONS_BLOCK_PART_SIZE + 64u + 36u * (CONS_MERKLE_AUNTS_MAX + 2u))
#define CONS_PROPOSAL_ENCODED_MAX 512u
#define CONS_VALSET_ENCODED_MAX   (128u * (CONS_VALIDATORS_MAX + 1u) + 16u)

#endif
