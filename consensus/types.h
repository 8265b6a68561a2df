/*
 * types.h — the small value types shared by CometBFT v0.38 blocks, votes and
 * commits: optional hashes, timestamps, block ids, message kinds.
 *
 * Every type here is a plain value (no pointers): copy it with `=`, compare
 * it with the functions below. Their wire forms are the tendermint.types
 * protobuf messages in proto/tendermint/types/.
 */
#ifndef AGORA_CONSENSUS_TYPES_H
#define AGORA_CONSENSUS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/limits.h"
#include "crypto/address.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "lib/err.h"

#define CONS_HASH_LEN 32

/* A hash field that is either absent (len 0) or 32 bytes (len 32): CometBFT's
 * ValidateHash rule for every hash in a header and block id. */
typedef struct cons_hash {
    uint8_t len;
    uint8_t b[CONS_HASH_LEN];
} cons_hash;

/* A signature field: absent (len 0) or 64 bytes (secp256k1 r||s, low-S). */
typedef struct cons_sig {
    uint8_t len;
    uint8_t b[CRYPTO_SIG_LEN];
} cons_sig;

/* google.protobuf.Timestamp. Valid times are those Go's time package can
 * carry through protobuf: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z,
 * nanos in [0, 1e9). Go's zero time.Time (what an absent CometBFT timestamp
 * holds, e.g. in an absent CommitSig or an empty Vote) is CONS_TIME_ZERO. */
typedef struct cons_timestamp {
    int64_t seconds;
    int32_t nanos;
} cons_timestamp;

#define CONS_TIME_MIN_SECONDS (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define CONS_TIME_MAX_SECONDS 253402300799LL   /* 9999-12-31T23:59:59Z */
#define CONS_TIME_ZERO        ((cons_timestamp){CONS_TIME_MIN_SECONDS, 0})

/* tendermint.types.SignedMsgType */
typedef enum cons_msg_type {
    CONS_MSG_UNKNOWN = 0,
    CONS_MSG_PREVOTE = 1,
    CONS_MSG_PRECOMMIT = 2,
    CONS_MSG_PROPOSAL = 32,
} cons_msg_type;

/* tendermint.types.BlockIDFlag */
typedef enum cons_block_id_flag {
    CONS_BLOCK_ID_FLAG_UNKNOWN = 0,
    CONS_BLOCK_ID_FLAG_ABSENT = 1,
    CONS_BLOCK_ID_FLAG_COMMIT = 2,
    CONS_BLOCK_ID_FLAG_NIL = 3,
} cons_block_id_flag;

/* tendermint.version.Consensus */
typedef struct cons_version {
    uint64_t block;
    uint64_t app;
} cons_version;

/* CometBFT v0.38's block protocol version (version.BlockProtocol). */
#define CONS_BLOCK_PROTOCOL 11

typedef struct cons_part_set_header {
    uint32_t total;
    cons_hash hash;
} cons_part_set_header;

typedef struct cons_block_id {
    cons_hash hash;
    cons_part_set_header parts;
} cons_block_id;

/* Set h to the 32 bytes at b (len 32). */
void cons_hash_set(cons_hash *h, const uint8_t b[CONS_HASH_LEN]);
bool cons_hash_equal(const cons_hash *a, const cons_hash *b);

/* AG_OK if t is a valid timestamp (range above); AG_ERR_DECODE otherwise. */
ag_err cons_timestamp_validate(const cons_timestamp *t);

/* The zero block id: no hash, no parts (a vote for nil). */
bool cons_block_id_is_zero(const cons_block_id *id);
/* A block id naming a whole block: both hashes set and at least one part. */
bool cons_block_id_is_complete(const cons_block_id *id);
bool cons_block_id_equal(const cons_block_id *a, const cons_block_id *b);

/* AG_ERR_DECODE if the part count exceeds CONS_BLOCK_PARTS_MAX. CometBFT's
 * BlockID.ValidateBasic checks only hash lengths (which cons_hash guarantees);
 * Agora also refuses a part count no valid block can have. */
ag_err cons_block_id_validate(const cons_block_id *id);

/* Is `type` a vote (prevote or precommit)? */
bool cons_msg_type_is_vote(int type);

#endif
