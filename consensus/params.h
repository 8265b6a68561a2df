/*
 * params.h — CometBFT v0.38 consensus parameters (tendermint.types.ConsensusParams):
 * the chain's block size and gas limits, evidence ageing, accepted
 * validator key types and when vote extensions start.
 *
 * They are set at genesis, may be changed by the application through
 * FinalizeBlock's consensus_param_updates, and two of them (block max bytes
 * and max gas) are hashed into every header's consensus_hash.
 */
#ifndef AGORA_CONSENSUS_PARAMS_H
#define AGORA_CONSENSUS_PARAMS_H

#include <stdint.h>

#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "tendermint/types/params.pb-c.h"

/* Validator key types a parameter set may list (ABCI names). Agora's
 * validators sign with secp256k1 only, so that is the only type accepted. */
#define CONS_PARAMS_KEY_TYPES_MAX 4
#define CONS_PARAMS_KEY_TYPE_LEN  16

/* Bytes of an encoded ConsensusParams the decoder accepts (a valid one is
 * under 100 bytes; the key-type list is the only repeated field). */
#define CONS_PARAMS_ENCODED_MAX 512u

typedef struct cons_params {
    int64_t block_max_bytes; /* > 0, or -1: the protocol maximum (CONS_BLOCK_SIZE_MAX) */
    int64_t block_max_gas;   /* >= -1; -1: unlimited */
    int64_t evidence_max_age_num_blocks; /* > 0 */
    int64_t evidence_max_age_ns;         /* > 0; a google.protobuf.Duration on the wire */
    int64_t evidence_max_bytes;          /* 0 .. the block's max bytes */
    uint32_t n_pub_key_types;            /* >= 1 */
    char pub_key_types[CONS_PARAMS_KEY_TYPES_MAX][CONS_PARAMS_KEY_TYPE_LEN];
    uint64_t version_app;
    int64_t vote_extensions_enable_height; /* 0: disabled; otherwise the first height */
} cons_params;

/* CometBFT's DefaultConsensusParams with secp256k1 validator keys: 21 MiB
 * blocks (22020096 bytes), unlimited gas, evidence kept 100000 blocks and
 * 48 hours, 1 MiB of evidence per block, vote extensions disabled. */
void cons_params_default(cons_params *p);

/* CometBFT's ConsensusParams.ValidateBasic, with key types limited to
 * "secp256k1" (AG_ERR_UNSUPPORTED for "ed25519" and the like). AG_ERR_INVALID_ARG
 * with the offending field in the detail otherwise. */
ag_err cons_params_validate(const cons_params *p);

/* The block max bytes that apply (the protocol maximum when -1). */
int64_t cons_params_max_block_bytes(const cons_params *p);

/* Header.consensus_hash: SHA-256 of HashedParams{block_max_bytes, block_max_gas}. */
ag_err cons_params_hash(crypto_hash *out, const cons_params *p);

/*
 * Fill a protobuf-c ConsensusParams for an ABCI request. `storage` holds the
 * sub-messages and must live as long as *pb; pb borrows strings from p.
 */
typedef struct cons_params_pb_storage {
    Tendermint__Types__BlockParams block;
    Tendermint__Types__EvidenceParams evidence;
    Google__Protobuf__Duration max_age;
    Tendermint__Types__ValidatorParams validator;
    char *key_types[CONS_PARAMS_KEY_TYPES_MAX];
    Tendermint__Types__VersionParams version;
    Tendermint__Types__ABCIParams abci;
} cons_params_pb_storage;
void cons_params_to_pb(Tendermint__Types__ConsensusParams *pb, cons_params_pb_storage *storage,
                       const cons_params *p);

/*
 * Apply an update as CometBFT's ConsensusParams.Update does: each sub-message
 * present in `upd` replaces that group; absent ones keep their values. The
 * result is validated; on error *p is unchanged. Like CometBFT's
 * ValidateUpdate, vote extensions cannot be re-enabled or moved once their
 * height has passed (current_height is the height whose FinalizeBlock
 * returned the update).
 */
ag_err cons_params_update(cons_params *p, const Tendermint__Types__ConsensusParams *upd,
                          int64_t current_height);

/* Protobuf encoding (for the state store). Decoding validates. */
ag_err cons_params_encode(ag_buf *out, const cons_params *p);
ag_err cons_params_decode(cons_params *out, const uint8_t *in, size_t len);

#endif
