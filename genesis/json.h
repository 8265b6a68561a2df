/*
 * json.h — reading and writing the JSON shapes CometBFT uses in its files
 * (genesis.json, priv_validator_key.json, node_key.json): 64-bit integers as
 * decimal strings, bytes as base64 or hex, keys as {"type", "value"}.
 *
 * Readers take a jansson object and a key, return AG_ERR_DECODE with the
 * key's name in the detail when the value is missing (if required) or has
 * the wrong shape, and leave the output untouched on error.
 */
#ifndef AGORA_GENESIS_JSON_H
#define AGORA_GENESIS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"
#include "lib/err.h"

/* JSON type names of CometBFT's secp256k1 keys. */
#define GENESIS_PUBKEY_TYPE_SECP256K1  "tendermint/PubKeySecp256k1"
#define GENESIS_PRIVKEY_TYPE_SECP256K1 "tendermint/PrivKeySecp256k1"

/* An int64 written as a decimal string ("22020096"), or as a JSON integer
 * (accepted on input; CometBFT's own files use strings). Absent and not
 * required: *out is unchanged and AG_OK. */
ag_err genesis_json_get_int64(const json_t *obj, const char *key, bool required, int64_t *out);

/* A string of at most max_len bytes (no NUL inside), copied with its NUL
 * into out[max_len + 1]. Absent and not required: out unchanged, AG_OK. */
ag_err genesis_json_get_string(const json_t *obj, const char *key, bool required, char *out,
                               size_t max_len);

/* A JSON integer >= 0 and <= max (a plain number, as CometBFT writes int and
 * int32 fields such as round and step). */
ag_err genesis_json_get_uint(const json_t *obj, const char *key, bool required, uint64_t max,
                             uint64_t *out);

/* {"type": GENESIS_PUBKEY_TYPE_SECP256K1, "value": base64 of the 33-byte
 * compressed key}; other types are AG_ERR_UNSUPPORTED. */
ag_err genesis_json_get_pubkey(const json_t *obj, const char *key, crypto_pubkey *out);
/* The same shape as a new JSON object (NULL if out of memory). */
json_t *genesis_json_pubkey(const crypto_pubkey *pub);

/* {"type": GENESIS_PRIVKEY_TYPE_SECP256K1, "value": base64 of the 32-byte
 * key}. The decoded bytes are wiped from temporary buffers (the JSON text
 * itself is the caller's). There is no writer through jansson on purpose:
 * key files are written from wiped buffers (genesis_json_save_text). */
ag_err genesis_json_get_privkey(const json_t *obj, const char *key, crypto_privkey *out);

/* A JSON string "1234" for an int64 (CometBFT's encoding). */
json_t *genesis_json_int64(int64_t v);

/*
 * Read a whole JSON file of at most max_bytes into *out (caller frees with
 * json_decref). AG_ERR_NOT_FOUND / AG_ERR_PERMISSION / AG_ERR_IO for the
 * file, AG_ERR_TOO_LARGE past max_bytes, AG_ERR_DECODE with jansson's line
 * and column for malformed JSON. Duplicate object keys are refused.
 */
ag_err genesis_json_load_file(json_t **out, const char *path, size_t max_bytes);

/*
 * Write `json` (indented, keys in insertion order) to path atomically: a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory. mode is the new file's permission bits (0600 for keys).
 */
ag_err genesis_json_save_file(const json_t *json, const char *path, unsigned mode);

/* The same for text[0..len) as it is (key files build their text in a
 * buffer they wipe, since jansson frees strings without wiping them). */
ag_err genesis_json_save_text(const char *text, size_t len, const char *path, unsigned mode);

#endif
