/*
 * keys.h — secp256k1 keys and ECDSA signatures (libsecp256k1), in the forms
 * Cosmos SDK and CometBFT use on the wire:
 *   private key  32 bytes, big-endian scalar in [1, n-1]
 *   public key   33 bytes, SEC1 compressed
 *   signature    64 bytes, r || s big-endian, s in the lower half (low-S)
 *
 * Signing is deterministic (RFC 6979 nonces) and always emits low-S.
 * Verification refuses high-S signatures with AG_ERR_HIGH_S, so no signature
 * has a second valid spelling. Messages are signed as SHA-256(msg), the
 * convention of both Cosmos SIGN_MODE_DIRECT and CometBFT votes.
 *
 * One process-wide context is created on first use, randomized from the OS
 * CSPRNG (side-channel blinding) and self-tested; all functions here are
 * thread-safe. Errors: AG_ERR_BAD_PRIVKEY, AG_ERR_BAD_PUBKEY, AG_ERR_BAD_SIG,
 * AG_ERR_HIGH_S, AG_ERR_VERIFY, AG_ERR_LENGTH, AG_ERR_CRYPTO (RNG failure).
 * On failure, outputs are zeroed.
 */
#ifndef AGORA_CRYPTO_KEYS_H
#define AGORA_CRYPTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define CRYPTO_PRIVKEY_LEN 32
#define CRYPTO_PUBKEY_LEN  33
#define CRYPTO_SIG_LEN     64

typedef struct crypto_privkey {
    uint8_t b[CRYPTO_PRIVKEY_LEN];
} crypto_privkey;

typedef struct crypto_pubkey {
    uint8_t b[CRYPTO_PUBKEY_LEN];
} crypto_pubkey;

typedef struct crypto_sig {
    uint8_t b[CRYPTO_SIG_LEN];
} crypto_sig;

/* A fresh key from the OS CSPRNG. */
ag_err crypto_privkey_generate(crypto_privkey *out);

/* Exactly 32 bytes forming a scalar in [1, n-1]. */
ag_err crypto_privkey_from_bytes(crypto_privkey *out, const uint8_t *in, size_t len);

/* Overwrite the key with zeros that the compiler cannot elide. */
void crypto_privkey_wipe(crypto_privkey *key);

ag_err crypto_pubkey_from_privkey(crypto_pubkey *out, const crypto_privkey *key);

/* Accepts exactly 33 bytes of a compressed point on the curve
 * (uncompressed and hybrid encodings are refused: Cosmos never uses them). */
ag_err crypto_pubkey_parse(crypto_pubkey *out, const uint8_t *in, size_t len);

/* Sign a 32-byte digest. */
ag_err crypto_sign_digest(crypto_sig *out, const crypto_privkey *key, const uint8_t digest[32]);
/* Sign SHA-256(msg). */
ag_err crypto_sign(crypto_sig *out, const crypto_privkey *key, const void *msg, size_t len);

/* Verify sig[0..sig_len) over a 32-byte digest; AG_OK only if it verifies. */
ag_err crypto_verify_digest(const crypto_pubkey *pub, const uint8_t digest[32], const uint8_t *sig,
                            size_t sig_len);
/* Verify over SHA-256(msg). */
ag_err crypto_verify(const crypto_pubkey *pub, const void *msg, size_t len, const uint8_t *sig,
                     size_t sig_len);

/* ECDH shared secret: SHA-256 of the compressed shared point (libsecp256k1's
 * default), for the p2p handshake. */
ag_err crypto_ecdh(uint8_t out[32], const crypto_pubkey *peer, const crypto_privkey *key);

#endif
