/*
 * bip32.h — BIP-32 hierarchical deterministic keys (secp256k1, private
 * derivation only) and the Cosmos path of BIP-44.
 *
 * Only what a wallet needs to turn a seed into a signing key: the master
 * key, child keys (hardened and normal), and paths such as
 * "m/44'/118'/0'/0/0" (CLI_HD_PATH_COSMOS, what CosmJS and Keplr use for
 * coin type 118). Errors: AG_ERR_DECODE (a malformed path; the detail says
 * where), AG_ERR_LENGTH (a seed not 16..64 bytes, a path deeper than
 * CLI_BIP32_MAX_DEPTH), AG_ERR_BAD_PRIVKEY (the 2^-127 case where a child
 * or master key is invalid: BIP-32 says to skip that index, we report it),
 * AG_ERR_CRYPTO (HMAC failed). Outputs are wiped on failure; callers wipe
 * keys with cli_bip32_wipe.
 */
#ifndef AGORA_CLI_BIP32_H
#define AGORA_CLI_BIP32_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/keys.h"
#include "lib/err.h"

#define CLI_HD_PATH_COSMOS  "m/44'/118'/0'/0/0"
#define CLI_BIP32_HARDENED  0x80000000u
#define CLI_BIP32_MAX_DEPTH 16

typedef struct cli_bip32_key {
    uint8_t key[CRYPTO_PRIVKEY_LEN]; /* private key, a valid scalar */
    uint8_t chain[32];               /* chain code */
} cli_bip32_key;

/* Master key: HMAC-SHA512("Bitcoin seed", seed). */
ag_err cli_bip32_master(cli_bip32_key *out, const uint8_t *seed, size_t len);
/* Child `index` (>= CLI_BIP32_HARDENED: hardened). out may equal parent. */
ag_err cli_bip32_child(cli_bip32_key *out, const cli_bip32_key *parent, uint32_t index);
/* Parse "m/a/b'/c..." (' or h marks hardened) into idx[0..*n). */
ag_err cli_bip32_parse_path(uint32_t idx[CLI_BIP32_MAX_DEPTH], size_t *n, const char *path);
/* The key at `path` below the master key of seed. */
ag_err cli_bip32_derive(cli_bip32_key *out, const uint8_t *seed, size_t len, const char *path);
void cli_bip32_wipe(cli_bip32_key *k);

/* The signing key of a BIP-39 mnemonic (cli/bip39.h errors) with the BIP-39
 * passphrase (NULL: none) at path (NULL: CLI_HD_PATH_COSMOS). */
ag_err cli_hd_privkey(crypto_privkey *out, const char *mnemonic, const char *bip39_passphrase,
                      const char *path);

#endif
