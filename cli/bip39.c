/* bip39.c — BIP-39 English mnemonics: entropy <-> words, seed by PBKDF2. */
#include "cli/bip39.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/hash.h"
#include "lib/env.h"
#include "lib/wipe.h"

/* Generated from cli/bip39_english.txt by the Makefile (SHA-256 checked). */
static const char *const words[] = {
#include "cli/bip39_english.inc"
};
_Static_assert(sizeof words / sizeof words[0] == CLI_BIP39_WORDS, "BIP-39 list has 2048 words");

const char *cli_bip39_word(size_t i)
{
    return i < CLI_BIP39_WORDS ? words[i] : NULL;
}

static int word_index(const char *w, size_t len)
{
    /* The list is sorted, so a binary search finds a word in 11 steps. */
    size_t lo = 0, hi = CLI_BIP39_WORDS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(words[mid], w, len);
        if (c == 0 && words[mid][len] != '\0')
            c = 1; /* words[mid] is longer: it sorts after w */
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int bit_at(const uint8_t *bytes, size_t bit)
{
    return (bytes[bit / 8] >> (7 - bit % 8)) & 1;
}

ag_err cli_bip39_from_entropy(char *out, size_t out_cap, const uint8_t *entropy, size_t len)
{
    if (len < 16 || len > 32 || len % 4)
        return ag_err_set(AG_ERR_LENGTH, "bip39: entropy of %zu bytes (16..32, a multiple of 4)",
                          len);
    uint8_t all[CLI_BIP39_ENTROPY_MAX + CRYPTO_SHA256_LEN];
    memcpy(all, entropy, len);
    crypto_sha256(all + len, entropy, len); /* the checksum bits follow the entropy */
    size_t n_words = (len * 8 + len / 4) / 11, pos = 0;
    ag_err err = AG_OK;
    for (size_t w = 0; w < n_words && !err; w++) {
        unsigned idx = 0;
        for (size_t b = 0; b < 11; b++)
            idx = idx << 1 | (unsigned)bit_at(all, w * 11 + b);
        size_t wl = strlen(words[idx]);
        if (pos + wl + 2 > out_cap) {
            err = ag_err_set(AG_ERR_TOO_LARGE, "bip39: mnemonic does not fit %zu bytes", out_cap);
            break;
        }
        if (w)
            out[pos++] = ' ';
        memcpy(out + pos, words[idx], wl);
        pos += wl;
    }
    ag_wipe(all, sizeof all);
    if (err) {
        if (out_cap)
            ag_wipe(out, out_cap);
        return err;
    }
    out[pos] = '\0';
    return AG_OK;
}

ag_err cli_bip39_generate(char *out, size_t out_cap, size_t n_words)
{
    if (n_words < 12 || n_words > 24 || n_words % 3)
        return ag_err_set(AG_ERR_LENGTH, "bip39: %zu words (12, 15, 18, 21 or 24)", n_words);
    uint8_t entropy[CLI_BIP39_ENTROPY_MAX];
    size_t len = n_words / 3 * 4;
    ag_err err = ag_os_random(entropy, len);
    if (!err)
        err = cli_bip39_from_entropy(out, out_cap, entropy, len);
    ag_wipe(entropy, sizeof entropy);
    return err;
}

ag_err cli_bip39_check(const char *mnemonic, uint8_t *entropy, size_t *len)
{
    size_t total = strnlen(mnemonic, CLI_BIP39_MNEMONIC_MAX);
    if (total >= CLI_BIP39_MNEMONIC_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "bip39: mnemonic longer than %d bytes",
                          CLI_BIP39_MNEMONIC_MAX - 1);
    uint8_t bits[CLI_BIP39_ENTROPY_MAX + 1] = {0}; /* 24 words = 264 bits = 33 bytes */
    size_t n = 0;
    const char *p = mnemonic;
    ag_err err = AG_OK;
    while (*p && !err) {
        const char *end = strchr(p, ' ');
        size_t wl = end ? (size_t)(end - p) : strlen(p);
        int idx = wl ? word_index(p, wl) : -1;
        if (n >= 24)
            err = ag_err_set(AG_ERR_LENGTH, "bip39: more than 24 words");
        else if (idx < 0)
            err = ag_err_set(AG_ERR_NOT_FOUND, "bip39: word %zu (\"%.*s\") is not on the list",
                             n + 1, (int)(wl > 16 ? 16 : wl), p);
        else {
            for (size_t b = 0; b < 11; b++)
                if (idx >> (10 - b) & 1)
                    bits[(n * 11 + b) / 8] |= (uint8_t)(0x80 >> ((n * 11 + b) % 8));
            n++;
            p += wl;
            if (*p == ' ' && *++p == '\0')
                err = ag_err_set(AG_ERR_DECODE, "bip39: trailing space");
        }
    }
    if (!err && (n < 12 || n % 3))
        err = ag_err_set(AG_ERR_LENGTH, "bip39: %zu words (12, 15, 18, 21 or 24)", n);
    if (!err) {
        size_t ent = n / 3 * 4, cs_bits = ent / 4;
        uint8_t hash[CRYPTO_SHA256_LEN];
        crypto_sha256(hash, bits, ent);
        for (size_t b = 0; b < cs_bits && !err; b++)
            if (bit_at(bits, ent * 8 + b) != bit_at(hash, b))
                err = ag_err_set(AG_ERR_CHECKSUM, "bip39: checksum mismatch (a word is wrong)");
        if (!err && entropy) {
            memcpy(entropy, bits, ent);
            *len = ent;
        }
    }
    ag_wipe(bits, sizeof bits);
    return err;
}

ag_err cli_bip39_normalize(char *out, size_t out_cap, const char *in)
{
    size_t pos = 0;
    bool space = false;
    for (; *in; in++) {
        unsigned char c = (unsigned char)*in;
        if (isspace(c)) {
            space = pos > 0;
            continue;
        }
        if (pos + (space ? 2 : 1) >= out_cap) {
            if (out_cap)
                ag_wipe(out, out_cap);
            return ag_err_set(AG_ERR_TOO_LARGE, "bip39: mnemonic longer than %zu bytes",
                              out_cap ? out_cap - 1 : 0);
        }
        if (space)
            out[pos++] = ' ';
        space = false;
        out[pos++] = (char)tolower(c);
    }
    if (!out_cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "bip39: no room");
    out[pos] = '\0';
    return AG_OK;
}

ag_err cli_bip39_seed(uint8_t seed[CLI_BIP39_SEED_LEN], const char *mnemonic,
                      const char *passphrase)
{
    memset(seed, 0, CLI_BIP39_SEED_LEN);
    ag_err err = cli_bip39_check(mnemonic, NULL, NULL);
    if (err)
        return err;
    if (!passphrase)
        passphrase = "";
    size_t plen = strnlen(passphrase, CLI_BIP39_PASSPHRASE_MAX + 1);
    if (plen > CLI_BIP39_PASSPHRASE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "bip39: passphrase longer than %d bytes",
                          CLI_BIP39_PASSPHRASE_MAX);
    for (size_t i = 0; i < plen; i++)
        if ((unsigned char)passphrase[i] >= 0x80)
            return ag_err_set(AG_ERR_UNSUPPORTED,
                              "bip39: non-ASCII passphrase (NFKD normalisation not supported)");
    char salt[8 + CLI_BIP39_PASSPHRASE_MAX];
    memcpy(salt, "mnemonic", 8);
    memcpy(salt + 8, passphrase, plen);
    int ok = PKCS5_PBKDF2_HMAC(mnemonic, (int)strlen(mnemonic), (const unsigned char *)salt,
                               (int)(8 + plen), 2048, EVP_sha512(), CLI_BIP39_SEED_LEN, seed);
    ag_wipe(salt, sizeof salt);
    if (ok != 1) {
        ag_wipe(seed, CLI_BIP39_SEED_LEN);
        return ag_err_set(AG_ERR_CRYPTO, "bip39: PBKDF2 failed");
    }
    return AG_OK;
}
