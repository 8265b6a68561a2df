/*
 * bip39.h — BIP-39 mnemonics (English wordlist only) and their seeds.
 *
 * A mnemonic here is its canonical spelling: lower-case words from the
 * official English list (cli/bip39_english.txt, checked against its SHA-256
 * when the build embeds it), separated by single spaces. Callers that read
 * a user's typing normalise it first with cli_bip39_normalize.
 *
 * Entropy of 16, 20, 24, 28 or 32 bytes gives 12, 15, 18, 21 or 24 words;
 * the last word carries ENT/32 checksum bits of SHA-256(entropy).
 * Errors: AG_ERR_LENGTH (word or entropy count), AG_ERR_NOT_FOUND (a word
 * not on the list; the detail names it and its position), AG_ERR_CHECKSUM,
 * AG_ERR_TOO_LARGE (output buffer or input past CLI_BIP39_MNEMONIC_MAX),
 * AG_ERR_UNSUPPORTED (a non-ASCII passphrase: NFKD normalisation is not done
 * here, so refusing is the only way to never derive a wrong seed),
 * AG_ERR_CRYPTO (OS randomness or OpenSSL failed).
 */
#ifndef AGORA_CLI_BIP39_H
#define AGORA_CLI_BIP39_H
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"

#define CLI_BIP39_WORDS       2048
#define CLI_BIP39_SEED_LEN    64
#define CLI_BIP39_ENTROPY_MAX 32
/* 24 words of at most 8 letters, 23 spaces and a NUL fit in 216 bytes. */
#define CLI_BIP39_MNEMONIC_MAX   256
#define CLI_BIP39_PASSPHRASE_MAX 256

/* Word i (0..2047) of the English list; NULL past the end. */
const char *cli_bip39_word(size_t i);

/* The mnemonic of entropy[0..len) into out (NUL-terminated). */
ag_err cli_bip39_from_entropy(char *out, size_t out_cap, const uint8_t *entropy, size_t len);

/* A new mnemonic of n_words (12, 15, 18, 21 or 24) from the OS CSPRNG. */
ag_err cli_bip39_generate(char *out, size_t out_cap, size_t n_words);

/* Check a canonical mnemonic (words, count, checksum); its entropy goes to
 * entropy[0..*len) when entropy is not NULL (room for CLI_BIP39_ENTROPY_MAX). */
ag_err cli_bip39_check(const char *mnemonic, uint8_t *entropy, size_t *len);

/* Canonical spelling of a typed mnemonic: any run of ASCII whitespace
 * becomes one space, leading and trailing whitespace goes, letters are
 * lowered. in and out may not overlap. Does not check the words. */
ag_err cli_bip39_normalize(char *out, size_t out_cap, const char *in);

/* seed = PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" || passphrase, 2048, 64).
 * passphrase NULL means "". The mnemonic must pass cli_bip39_check. */
ag_err cli_bip39_seed(uint8_t seed[CLI_BIP39_SEED_LEN], const char *mnemonic,
                      const char *passphrase);

#endif
