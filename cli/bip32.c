/* bip32.c — BIP-32 private derivation with OpenSSL HMAC-SHA512 and
 * libsecp256k1's scalar tweak (child = parent + IL mod n). */
#include "cli/bip32.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <secp256k1.h>

#include "cli/bip39.h"
#include "lib/wipe.h"

void cli_bip32_wipe(cli_bip32_key *k)
{
    ag_wipe(k, sizeof *k);
}

static ag_err hmac512(uint8_t out[64], const uint8_t *key, size_t key_len, const uint8_t *data,
                      size_t len)
{
    unsigned int out_len = 0;
    if (!HMAC(EVP_sha512(), key, (int)key_len, data, len, out, &out_len) || out_len != 64)
        return ag_err_set(AG_ERR_CRYPTO, "bip32: HMAC-SHA512 failed");
    return AG_OK;
}

ag_err cli_bip32_master(cli_bip32_key *out, const uint8_t *seed, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len < 16 || len > 64)
        return ag_err_set(AG_ERR_LENGTH, "bip32: seed of %zu bytes (16..64)", len);
    uint8_t i[64];
    ag_err err = hmac512(i, (const uint8_t *)"Bitcoin seed", 12, seed, len);
    if (!err && !secp256k1_ec_seckey_verify(secp256k1_context_static, i))
        err = ag_err_set(AG_ERR_BAD_PRIVKEY, "bip32: master key out of range");
    if (!err) {
        memcpy(out->key, i, 32);
        memcpy(out->chain, i + 32, 32);
    }
    ag_wipe(i, sizeof i);
    return err;
}

ag_err cli_bip32_child(cli_bip32_key *out, const cli_bip32_key *parent, uint32_t index)
{
    uint8_t data[37], i[64];
    ag_err err = AG_OK;
    if (index & CLI_BIP32_HARDENED) {
        data[0] = 0; /* 0x00 || ser256(k_par) */
        memcpy(data + 1, parent->key, 32);
    } else {
        crypto_privkey k;
        crypto_pubkey pub;
        memcpy(k.b, parent->key, 32);
        err = crypto_pubkey_from_privkey(&pub, &k); /* serP(point(k_par)) */
        crypto_privkey_wipe(&k);
        memcpy(data, pub.b, 33);
    }
    data[33] = (uint8_t)(index >> 24);
    data[34] = (uint8_t)(index >> 16);
    data[35] = (uint8_t)(index >> 8);
    data[36] = (uint8_t)index;
    if (!err)
        err = hmac512(i, parent->chain, 32, data, sizeof data);
    uint8_t key[32];
    memcpy(key, parent->key, 32);
    /* tweak_add fails if IL >= n or the sum is zero: the invalid-child case. */
    if (!err && (!secp256k1_ec_seckey_verify(secp256k1_context_static, i) ||
                 !secp256k1_ec_seckey_tweak_add(secp256k1_context_static, key, i)))
        err = ag_err_set(AG_ERR_BAD_PRIVKEY, "bip32: child %u is invalid", index);
    if (!err) {
        memcpy(out->key, key, 32);
        memcpy(out->chain, i + 32, 32);
    } else {
        cli_bip32_wipe(out);
    }
    ag_wipe(key, sizeof key);
    ag_wipe(data, sizeof data);
    ag_wipe(i, sizeof i);
    return err;
}

ag_err cli_bip32_parse_path(uint32_t idx[CLI_BIP32_MAX_DEPTH], size_t *n, const char *path)
{
    *n = 0;
    if (path[0] != 'm')
        return ag_err_set(AG_ERR_DECODE, "bip32: path must start with \"m\"");
    const char *p = path + 1;
    while (*p) {
        if (*p++ != '/')
            return ag_err_set(AG_ERR_DECODE, "bip32: expected '/' at offset %zu",
                              (size_t)(p - 1 - path));
        if (*n == CLI_BIP32_MAX_DEPTH)
            return ag_err_set(AG_ERR_LENGTH, "bip32: path deeper than %d", CLI_BIP32_MAX_DEPTH);
        if (*p < '0' || *p > '9')
            return ag_err_set(AG_ERR_DECODE, "bip32: expected a number at offset %zu",
                              (size_t)(p - path));
        uint64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (uint64_t)(*p++ - '0');
            if (v >= CLI_BIP32_HARDENED)
                return ag_err_set(AG_ERR_DECODE, "bip32: index above 2^31-1 in \"%s\"", path);
        }
        if (*p == '\'' || *p == 'h') {
            v |= CLI_BIP32_HARDENED;
            p++;
        }
        idx[(*n)++] = (uint32_t)v;
    }
    return AG_OK;
}

ag_err cli_bip32_derive(cli_bip32_key *out, const uint8_t *seed, size_t len, const char *path)
{
    uint32_t idx[CLI_BIP32_MAX_DEPTH];
    size_t n;
    ag_err err = cli_bip32_parse_path(idx, &n, path);
    if (!err)
        err = cli_bip32_master(out, seed, len);
    for (size_t i = 0; i < n && !err; i++)
        err = cli_bip32_child(out, out, idx[i]);
    if (err)
        cli_bip32_wipe(out);
    return err;
}

ag_err cli_hd_privkey(crypto_privkey *out, const char *mnemonic, const char *bip39_passphrase,
                      const char *path)
{
    memset(out, 0, sizeof *out);
    uint8_t seed[CLI_BIP39_SEED_LEN];
    cli_bip32_key k;
    ag_err err = cli_bip39_seed(seed, mnemonic, bip39_passphrase);
    if (!err)
        err = cli_bip32_derive(&k, seed, sizeof seed, path ? path : CLI_HD_PATH_COSMOS);
    if (!err)
        err = crypto_privkey_from_bytes(out, k.key, sizeof k.key);
    cli_bip32_wipe(&k);
    ag_wipe(seed, sizeof seed);
    return err;
}
