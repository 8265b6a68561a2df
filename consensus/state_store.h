/*
 * state_store.h — the consensus state after each committed block, and what
 * the node needs per height: validator sets, consensus params, the ABCI
 * FinalizeBlock response (for block_results and replay).
 *
 * Stored on a state_kv (STATE_CF_META) under keys starting "ss/":
 *
 *   ss/state        the latest cons_state (agora.consensus.State: the field
 *                   numbers and wire types of tendermint.state.State, with
 *                   validator sets and params as embedded encodings)
 *   ss/V/<h>        ValidatorsInfo for height h
 *   ss/P/<h>        ConsensusParamsInfo for height h
 *   ss/R/<h>        the encoded abci.ResponseFinalizeBlock of block h
 *
 * Validator sets and consensus params are stored as CometBFT does: every
 * height has an info record naming the last height at which the value
 * changed, and only that height's record carries the value. Loading the
 * validators of h reads the set stored at its change height L and advances
 * its proposer priorities by h-L increments (what happened at every height
 * in between). Pruning below a retain height R deletes the records of
 * heights below R except the change records that heights >= R still point
 * to, so every retained height stays loadable.
 *
 * Saving a state (after block H) writes, in ONE batch: the validators of H+1
 * (state.validators; at the initial height) and H+2 (state.next_validators),
 * the params of H+1 and the state itself, as CometBFT's Store.Save does.
 *
 * Threads: as block_store.h.
 */
#ifndef AGORA_CONSENSUS_STATE_STORE_H
#define AGORA_CONSENSUS_STATE_STORE_H

#include "consensus/header.h"
#include "consensus/validator_set.h"
#include "state/kv.h"

/* Largest stored ConsensusParams encoding and FinalizeBlock response. */
#define CONS_STATE_PARAMS_MAX      4096u
#define CONS_FINALIZE_RESPONSE_MAX (64u << 20)
#define CONS_SOFTWARE_MAX          64u
/* Largest encoded state: three validator sets and the rest. */
#define CONS_STATE_ENCODED_MAX (3u * CONS_VALSET_ENCODED_MAX + CONS_STATE_PARAMS_MAX + 1024u)

/* tendermint.state.State. Owns its validator sets and params bytes
 * (cons_state_clear). last_validators is empty (n == 0) at the initial
 * height. */
typedef struct cons_state {
    cons_version version;
    char software[CONS_SOFTWARE_MAX + 1];
    char chain_id[CONS_CHAIN_ID_MAX + 1];
    int64_t initial_height;
    int64_t last_block_height; /* 0 before the first block */
    cons_block_id last_block_id;
    cons_timestamp last_block_time;
    cons_valset next_validators;
    cons_valset validators;
    cons_valset last_validators;
    int64_t last_height_validators_changed;
    uint8_t *consensus_params; /* owned encoded tendermint.types.ConsensusParams */
    size_t consensus_params_len;
    int64_t last_height_consensus_params_changed;
    cons_hash last_results_hash;
    cons_app_hash app_hash;
} cons_state;

void cons_state_clear(cons_state *st);
/* Replace st's params by a copy. AG_ERR_TOO_LARGE over CONS_STATE_PARAMS_MAX. */
ag_err cons_state_set_params(cons_state *st, const uint8_t *params, size_t len);
/* Deep copy into *dst (zero or cleared). AG_ERR_NOMEM. */
ag_err cons_state_copy(cons_state *dst, const cons_state *src);

/* The record codec. The decoder takes at most CONS_STATE_ENCODED_MAX bytes,
 * checks every length (chain id, hashes, app hash, params), the validator
 * sets (cons_valset_decode; absent = empty) and heights >= 0; *out (zero or
 * cleared) is zero on error. */
ag_err cons_state_encode(ag_buf *out, const cons_state *st);
ag_err cons_state_decode(cons_state *out, const uint8_t *in, size_t len);

typedef struct cons_state_store cons_state_store;

/* kv is borrowed until close. sync: fsync each save (true in a node). */
ag_err cons_state_store_open(cons_state_store **out, state_kv *kv, bool sync);
void cons_state_store_close(cons_state_store *ss);

/* The latest state; AG_ERR_NOT_FOUND before the first save (the node then
 * builds it from genesis). *out zero or cleared; free with cons_state_clear. */
ag_err cons_state_store_load(cons_state_store *ss, cons_state *out);

/* Save the state after block st->last_block_height (rules above).
 * AG_ERR_INVALID_ARG for an inconsistent state (change heights in the future,
 * an empty validator set), the KV errors. */
ag_err cons_state_store_save(cons_state_store *ss, const cons_state *st);

/* The validator set of `height`. AG_ERR_NOT_FOUND if never saved or pruned;
 * AG_ERR_CORRUPT for a broken record. *out is freed with cons_valset_free. */
ag_err cons_state_store_load_validators(cons_state_store *ss, int64_t height, cons_valset *out);

/* The encoded consensus params in force at `height` (appended to out). */
ag_err cons_state_store_load_params(cons_state_store *ss, int64_t height, ag_buf *out);

/* The FinalizeBlock response of block `height` (bytes as the app sent them,
 * at most CONS_FINALIZE_RESPONSE_MAX). Saved before the state of that block
 * (CometBFT saves it right after FinalizeBlock returns). */
ag_err cons_state_store_save_finalize_response(cons_state_store *ss, int64_t height,
                                               const uint8_t *resp, size_t len);
ag_err cons_state_store_load_finalize_response(cons_state_store *ss, int64_t height, ag_buf *out);

/* Delete the per-height records (validators, params, FinalizeBlock
 * responses) of every height below retain_height, keeping the change records
 * that heights >= retain_height point to. Call with the block store's retain
 * height so both stores keep the same heights. Deletes in batches of
 * CONS_STATE_STORE_PRUNE_BATCH keys, each consistent on its own.
 * AG_ERR_INVALID_ARG if retain_height is above the latest state's
 * last_block_height; AG_ERR_NOT_FOUND before the first save. */
#define CONS_STATE_STORE_PRUNE_BATCH 1000
ag_err cons_state_store_prune(cons_state_store *ss, int64_t retain_height);

#endif
