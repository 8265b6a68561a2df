/*
 * node_key.h — the node's P2P identity: a secp256k1 key in
 * <home>/config/node_key.json (CometBFT's format:
 * {"priv_key": {"type": "tendermint/PrivKeySecp256k1", "value": base64}})
 * and the node ID peers dial it by: the lower-case hex of the key's address
 * (RIPEMD160(SHA256(compressed public key))), 40 characters.
 */
#ifndef AGORA_NODE_NODE_KEY_H
#define AGORA_NODE_NODE_KEY_H

#include "crypto/keys.h"
#include "lib/err.h"

#define NODE_ID_LEN 40 /* hex characters, without the NUL */

typedef struct node_key {
    crypto_privkey priv; /* wiped by node_key_wipe */
    crypto_pubkey pub;
    char id[NODE_ID_LEN + 1];
} node_key;

/* A fresh key from the OS CSPRNG. AG_ERR_CRYPTO. */
ag_err node_key_generate(node_key *out);

/* Load path. AG_ERR_NOT_FOUND, AG_ERR_DECODE/UNSUPPORTED for a malformed or
 * non-secp256k1 file (the detail says which). */
ag_err node_key_load(node_key *out, const char *path);

/* Write atomically with mode 0600. */
ag_err node_key_save(const node_key *key, const char *path);

/* The ID of a public key (out holds NODE_ID_LEN + 1 bytes). */
void node_id_from_pubkey(char out[NODE_ID_LEN + 1], const crypto_pubkey *pub);

void node_key_wipe(node_key *key);

#endif
