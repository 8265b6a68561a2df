/* hash.c — OpenSSL's low-level digest contexts (deprecated in 3.0 but kept).
 * In OpenSSL 3 the one-shot SHA256()/RIPEMD160() route through EVP and fetch
 * the algorithm on every call; the Init/Update/Final functions call the
 * block functions directly, several times faster for short messages. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/hash.h"

#include <openssl/ripemd.h>
#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(crypto_sha256_ctx), "crypto_sha256_ctx too small");
_Static_assert(alignof(SHA256_CTX) <= alignof(crypto_sha256_ctx), "crypto_sha256_ctx misaligned");

void crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *data, size_t len)
{
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, len);
    SHA256_Final(out, &c);
}

void crypto_sha256_init(crypto_sha256_ctx *ctx)
{
    SHA256_Init((SHA256_CTX *)ctx->opaque);
}

void crypto_sha256_update(crypto_sha256_ctx *ctx, const void *data, size_t len)
{
    SHA256_Update((SHA256_CTX *)ctx->opaque, data, len);
}

void crypto_sha256_final(crypto_sha256_ctx *ctx, uint8_t out[CRYPTO_SHA256_LEN])
{
    SHA256_Final(out, (SHA256_CTX *)ctx->opaque);
}

void crypto_ripemd160(uint8_t out[CRYPTO_RIPEMD160_LEN], const void *data, size_t len)
{
    RIPEMD160_CTX c;
    RIPEMD160_Init(&c);
    RIPEMD160_Update(&c, data, len);
    RIPEMD160_Final(out, &c);
}

void crypto_hash160(uint8_t out[CRYPTO_RIPEMD160_LEN], const void *data, size_t len)
{
    uint8_t h[CRYPTO_SHA256_LEN];
    crypto_sha256(h, data, len);
    crypto_ripemd160(out, h, sizeof h);
}
