/*
 * keyring.h — the CLI's keys: one JSON file per key, <dir>/<name>.json,
 * where dir is <home>/keyring (created 0700; files 0600, written once with
 * O_EXCL so a key is never overwritten).
 *
 * File format (version 1):
 *   {"version":1, "name":"alice", "type":"secp256k1",
 *    "address":"agora1...", "pubkey":"<base64, 33 bytes>",
 *    "path":"m/44'/118'/0'/0/0",          (or "" for an imported raw key)
 *    "encryption":"scrypt-chacha20poly1305",
 *    "kdf":{"n":32768,"r":8,"p":1,"salt":"<base64, 16 bytes>"},
 *    "nonce":"<base64, 12 bytes>",
 *    "ciphertext":"<base64, 32-byte private key + 16-byte Poly1305 tag>"}
 * The AEAD key is scrypt(passphrase, salt); the additional data is the
 * address, so a file whose address or key was swapped fails to open. The
 * test-only backend writes "encryption":"none" and "privkey":"<base64>"
 * instead of kdf/nonce/ciphertext, protected only by the 0600 mode.
 *
 * Errors: AG_ERR_INVALID_ARG (a name outside [A-Za-z0-9._-]{1,64} or
 * starting with '.'), AG_ERR_EXISTS (name or address already stored),
 * AG_ERR_NOT_FOUND (no such key), AG_ERR_VERIFY (wrong passphrase, or a
 * file whose ciphertext, tag, nonce or address was changed),
 * AG_ERR_CORRUPT (a file that does not parse, or whose public key is not
 * the stored key's), AG_ERR_UNSUPPORTED (an unencrypted key opened by the
 * file backend, or an unknown version), AG_ERR_PERMISSION and the errno
 * errors, AG_ERR_CRYPTO (OpenSSL failed).
 */
#ifndef AGORA_CLI_KEYRING_H
#define AGORA_CLI_KEYRING_H
#include <stdbool.h>
#include <stddef.h>
#include "crypto/address.h"
#include "crypto/keys.h"
#include "lib/err.h"

#define CLI_KEY_NAME_MAX     64
#define CLI_KEYRING_FILE_MAX 4096
#define CLI_PATH_MAX         1024

typedef enum cli_keyring_backend {
    CLI_KEYRING_FILE, /* encrypted with a passphrase */
    CLI_KEYRING_TEST, /* unencrypted, 0600: tests and throwaway networks only */
} cli_keyring_backend;

/* What can be read from a key file without its passphrase. */
typedef struct cli_key_info {
    char name[CLI_KEY_NAME_MAX + 1];
    char address[CRYPTO_ADDRESS_STR_MAX]; /* "agora1..." */
    crypto_address addr;
    crypto_pubkey pubkey;
    char path[64]; /* derivation path, "" when imported as a raw key */
    bool encrypted;
} cli_key_info;

/* mkdir -p of dir, mode 0700 for every directory it creates. */
ag_err cli_make_dirs(const char *dir);

/* Check a key name (errors above). */
ag_err cli_keyring_check_name(const char *name);

/* Store key under name. passphrase: required (non-empty) for
 * CLI_KEYRING_FILE, ignored for CLI_KEYRING_TEST. path may be NULL. */
ag_err cli_keyring_save(const char *dir, cli_keyring_backend backend, const char *name,
                        const crypto_privkey *key, const char *passphrase, const char *path,
                        cli_key_info *info);

/* Read the public part of key `name`. */
ag_err cli_keyring_info(const char *dir, const char *name, cli_key_info *info);

/* Open key `name`: passphrase is used only when the file is encrypted (the
 * caller asks for one when info says so). An unencrypted file opens only
 * with backend CLI_KEYRING_TEST. key is zeroed on failure. */
ag_err cli_keyring_load(const char *dir, cli_keyring_backend backend, const char *name,
                        const char *passphrase, crypto_privkey *key);

/* Every key, sorted by name: *out is a malloc'ed array the caller frees. */
ag_err cli_keyring_list(const char *dir, cli_key_info **out, size_t *n);

/* Find the key whose name or address is `who`. AG_ERR_NOT_FOUND if none. */
ag_err cli_keyring_find(const char *dir, const char *who, cli_key_info *info);

ag_err cli_keyring_delete(const char *dir, const char *name);

#endif
