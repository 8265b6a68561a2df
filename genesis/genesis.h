/*
 * genesis.h — the genesis document: the chain's starting point, in
 * CometBFT v0.38's genesis.json format so tools that read CometBFT genesis
 * files read ours.
 *
 *   {
 *     "genesis_time": "2026-11-24T00:00:00Z",     RFC 3339, required
 *     "chain_id": "agora-local",                 1..50 bytes
 *     "initial_height": "1",                     int64 as a string; 0 means 1
 *     "consensus_params": {...},                 optional; CometBFT defaults
 *                                                (secp256k1 validator keys)
 *     "validators": [{"address": HEX, "pub_key": {"type":
 *        "tendermint/PubKeySecp256k1", "value": base64}, "power": "10",
 *        "name": "val0"}],                        may be empty (the app decides)
 *     "app_hash": "",                            hex, usually empty
 *     "app_state": {...}                         passed to the app's InitChain
 *   }
 *
 * The document is validated as CometBFT's GenesisDoc.ValidateAndComplete
 * does, except that a missing genesis_time is an error: filling it from the
 * clock, as CometBFT does, would give each node a different genesis.
 */
#ifndef AGORA_GENESIS_GENESIS_H
#define AGORA_GENESIS_GENESIS_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/limits.h"
#include "consensus/params.h"
#include "consensus/validator_set.h"
#include "crypto/address.h"
#include "crypto/keys.h"
#include "lib/err.h"

/* Bytes of a genesis file the node reads: app_state with a few hundred
 * thousand accounts fits. */
#define GENESIS_FILE_MAX (256u * 1024u * 1024u)
/* Bytes of a validator's name (CometBFT does not bound it). */
#define GENESIS_VALIDATOR_NAME_MAX 128

typedef struct genesis_validator {
    crypto_address address; /* the key's address (checked on load) */
    crypto_pubkey pub_key;
    int64_t power; /* > 0 */
    char name[GENESIS_VALIDATOR_NAME_MAX + 1];
} genesis_validator;

typedef struct genesis_doc {
    int64_t time_seconds; /* genesis_time */
    int32_t time_nanos;
    char chain_id[CONS_CHAIN_ID_MAX + 1];
    int64_t initial_height; /* >= 1 after loading */
    cons_params params;
    genesis_validator *validators; /* owned; n_validators entries, file order */
    size_t n_validators;
    uint8_t app_hash[CONS_APP_HASH_MAX];
    size_t app_hash_len;
    char *app_state; /* owned: compact JSON text of app_state ("{}" when absent) */
} genesis_doc;

/* An empty document: no validators, default params, app_state "{}". The
 * caller fills chain id and time before saving. AG_ERR_NOMEM. */
ag_err genesis_doc_init(genesis_doc *doc);

/* Release what the document owns (safe on a zeroed or failed document). */
void genesis_doc_free(genesis_doc *doc);

/* Parse and validate JSON text in[0..len). On error *doc is zeroed and the
 * detail names the field. */
ag_err genesis_doc_parse(genesis_doc *doc, const char *in, size_t len);

/* Read and parse a genesis file (at most GENESIS_FILE_MAX bytes). */
ag_err genesis_doc_load(genesis_doc *doc, const char *path);

/* Check every rule above (also used before saving). */
ag_err genesis_doc_validate(const genesis_doc *doc);

/* Append a validator (address derived from the key). AG_ERR_EXISTS for a key
 * already present, AG_ERR_INVALID_ARG for power <= 0 or a long name. */
ag_err genesis_doc_add_validator(genesis_doc *doc, const crypto_pubkey *pub, int64_t power,
                                 const char *name);

/* Replace app_state with the JSON text in[0..len) (must be a JSON object). */
ag_err genesis_doc_set_app_state(genesis_doc *doc, const char *json, size_t len);

/* The document as indented JSON text (caller frees with free()). */
ag_err genesis_doc_to_json(const genesis_doc *doc, char **out);

/* Validate and write atomically (mode 0644). */
ag_err genesis_doc_save(const genesis_doc *doc, const char *path);

/* The genesis validators as a validator set (caller frees with
 * cons_valset_free). AG_ERR_STATE if there are none. */
ag_err genesis_doc_valset(const genesis_doc *doc, cons_valset *out);

#endif
