/*
 * hash.h — SHA-256 and RIPEMD-160 (OpenSSL libcrypto).
 *
 * These sit on hot paths (Merkle trees hash 65-byte messages millions of
 * times per block), so they use OpenSSL's low-level digest functions, which
 * cost a fraction of the one-shot EVP path's per-call setup; bench/bench_crypto
 * measures both. None of these functions can fail.
 */
#ifndef AGORA_CRYPTO_HASH_H
#define AGORA_CRYPTO_HASH_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN    32
#define CRYPTO_RIPEMD160_LEN 20

typedef struct crypto_hash {
    uint8_t b[CRYPTO_SHA256_LEN];
} crypto_hash;

/* Streaming SHA-256 state; opaque storage sized for OpenSSL's SHA256_CTX. */
typedef struct crypto_sha256_ctx {
    alignas(8) unsigned char opaque[112];
} crypto_sha256_ctx;

void crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *data, size_t len);
void crypto_sha256_init(crypto_sha256_ctx *ctx);
void crypto_sha256_update(crypto_sha256_ctx *ctx, const void *data, size_t len);
void crypto_sha256_final(crypto_sha256_ctx *ctx, uint8_t out[CRYPTO_SHA256_LEN]);

void crypto_ripemd160(uint8_t out[CRYPTO_RIPEMD160_LEN], const void *data, size_t len);

/* RIPEMD160(SHA256(data)): Cosmos account and CometBFT secp256k1 addresses. */
void crypto_hash160(uint8_t out[CRYPTO_RIPEMD160_LEN], const void *data, size_t len);

#endif
