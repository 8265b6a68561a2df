/*
 * privval.h — the validator's signer with double-sign protection, compatible
 * with CometBFT's FilePV files.
 *
 * priv_validator_key.json (mode 0600):
 *   {"address": "<40 upper-case hex>",
 *    "pub_key":  {"type": "tendermint/PubKeySecp256k1",  "value": "<base64 33 bytes>"},
 *    "priv_key": {"type": "tendermint/PrivKeySecp256k1", "value": "<base64 32 bytes>"}}
 * priv_validator_state.json:
 *   {"height": "<int64 as string>", "round": <int32>, "step": <0..3>,
 *    "signature": "<base64>", "signbytes": "<upper-case hex>"}
 *   (signature and signbytes omitted while nothing was signed; steps:
 *    0 none, 1 propose, 2 prevote, 3 precommit, as CometBFT's stepX).
 *
 * Signing rules (CometBFT FilePV): let (H,R,S) be the message's height,
 * round and step, and (h,r,s) the last signed ones.
 *   - (H,R,S) below (h,r,s) in lexicographic order: refused (AG_ERR_STATE,
 *     "height/round/step regression").
 *   - (H,R,S) == (h,r,s): identical sign bytes -> the stored signature;
 *     sign bytes differing only in the timestamp -> the stored signature and
 *     the stored timestamp is written into the message; anything else ->
 *     AG_ERR_EXISTS ("conflicting data"). Nothing is written.
 *   - above: sign, then persist the new state atomically (temp file, fsync,
 *     rename, fsync of the directory) BEFORE the signature is handed out. If
 *     persisting fails, the signature is not returned.
 * Vote extensions of precommits for a block are (re-)signed every time, as in
 * CometBFT v0.38 (they are not covered by double-sign protection).
 *
 * Load errors: bad JSON, missing fields, wrong key type, an address that is
 * not the public key's, a public key that is not the private key's ->
 * AG_ERR_DECODE with the file and field in the detail; a key file readable or
 * writable by group or others -> AG_ERR_PERMISSION (decision: a leaked
 * validator key is a slashing risk, so like ssh we refuse rather than warn;
 * chmod 600 fixes it). A state file with group/other bits only gets a warning.
 *
 * The in-memory variant (cons_privval_new_memory) applies the same rules
 * through the same code, keeping the state only in memory (for simulations).
 *
 * Threads: one thread at a time per cons_privval.
 */
#ifndef AGORA_CONSENSUS_PRIVVAL_H
#define AGORA_CONSENSUS_PRIVVAL_H

#include "consensus/commit.h"
#include "consensus/proposal.h"
#include "consensus/validator_set.h"
#include "consensus/vote.h"

/* Largest JSON file accepted and largest stored sign bytes. */
#define CONS_PRIVVAL_JSON_MAX      16384u
#define CONS_PRIVVAL_SIGNBYTES_MAX 1024u

typedef enum cons_privval_step {
    CONS_PRIVVAL_STEP_NONE = 0,
    CONS_PRIVVAL_STEP_PROPOSE = 1,
    CONS_PRIVVAL_STEP_PREVOTE = 2,
    CONS_PRIVVAL_STEP_PRECOMMIT = 3,
} cons_privval_step;

/* The last-sign state (priv_validator_state.json). */
typedef struct cons_privval_state {
    int64_t height;
    int32_t round;
    int8_t step;
    cons_sig signature; /* len 0 when nothing was signed */
    uint8_t sign_bytes[CONS_PRIVVAL_SIGNBYTES_MAX];
    size_t sign_bytes_len;
} cons_privval_state;

typedef struct cons_privval cons_privval;

/* Write a new key file (mode 0600; AG_ERR_EXISTS if it exists) with `key`, or
 * a fresh key from the OS CSPRNG when key is NULL, and an initial state file
 * (height 0) unless one exists. AG_ERR_IO / AG_ERR_PERMISSION. */
ag_err cons_privval_create_files(const char *key_path, const char *state_path,
                                 const crypto_privkey *key);

/* Load both files (rules above; a missing file is AG_ERR_NOT_FOUND naming it).
 * *out: caller frees with cons_privval_free. */
ag_err cons_privval_load(cons_privval **out, const char *key_path, const char *state_path);

/* A signer for `key` (copied) with the state kept in memory, starting from
 * `initial` (NULL: height 0). */
ag_err cons_privval_new_memory(cons_privval **out, const crypto_privkey *key,
                               const cons_privval_state *initial);

/* Wipes the key. NULL is a no-op. */
void cons_privval_free(cons_privval *pv);

const crypto_pubkey *cons_privval_pubkey(const cons_privval *pv);
const crypto_address *cons_privval_address(const cons_privval *pv);
/* Borrowed until the next sign call or free. */
const cons_privval_state *cons_privval_last_state(const cons_privval *pv);

/* Sign a prevote or precommit (v->signature, possibly v->timestamp, and with
 * sign_extension the extension signature of a precommit for a block; an
 * extension on anything else is AG_ERR_INVALID_ARG). validator_address is
 * not touched. Errors as above, plus AG_ERR_INVALID_ARG for a bad type or
 * chain id, AG_ERR_IO when the state cannot be saved. */
ag_err cons_privval_sign_vote(cons_privval *pv, const char *chain_id, cons_vote *v,
                              bool sign_extension);
ag_err cons_privval_sign_proposal(cons_privval *pv, const char *chain_id, cons_proposal *p);

/* The start check after a key move: AG_ERR_EXISTS if this validator's
 * address carries a (commit or nil) signature in any of the n commits, i.e.
 * it already signed at those heights and signing again risks a double sign.
 * sets (may be NULL) holds the validator set of each commit; when given, a
 * signature also counts if it sits at this validator's index in the set. */
ag_err cons_privval_check_commits(const cons_privval *pv, const cons_commit *commits,
                                  const cons_valset *sets, size_t n);

/* ---- file codecs (exposed for the fuzz target and tests) ---- */

/* Parse key JSON; checks types, lengths, key/pub/address consistency.
 * AG_ERR_DECODE naming the field; *key, *pub zeroed on error. */
ag_err cons_privval_key_from_json(crypto_privkey *key, crypto_pubkey *pub, const char *json,
                                  size_t len);
/* Key JSON into out (NUL-terminated), caller frees with free(). */
ag_err cons_privval_key_to_json(char **out, const crypto_privkey *key);

ag_err cons_privval_state_from_json(cons_privval_state *st, const char *json, size_t len);
ag_err cons_privval_state_to_json(char **out, const cons_privval_state *st);

/* Test hook: called by a file-backed signer after the temp state file is
 * written and synced, just before the rename (to simulate a crash there). */
void cons_privval_set_save_hook(cons_privval *pv, void (*hook)(void *ctx), void *ctx);

#endif
