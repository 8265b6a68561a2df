/* keys.c — libsecp256k1 behind the wire formats of Cosmos and CometBFT. */
#include "crypto/keys.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_ecdh.h>

#include "crypto/hash.h"
#include "lib/env.h"
#include "lib/wipe.h"

static secp256k1_context *ctx;
static ag_err ctx_err = AG_OK;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void ctx_create(void)
{
    secp256k1_selftest();
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seed[32];
    if (!c) {
        ctx_err = AG_ERR_CRYPTO;
        return;
    }
    if (ag_os_random(seed, sizeof seed) || !secp256k1_context_randomize(c, seed)) {
        ag_wipe(seed, sizeof seed);
        secp256k1_context_destroy(c);
        ctx_err = AG_ERR_CRYPTO;
        return;
    }
    ag_wipe(seed, sizeof seed);
    ctx = c;
}

/* The shared context; NULL (with the error detail set) if it could not be made. */
static const secp256k1_context *get_ctx(void)
{
    pthread_once(&ctx_once, ctx_create);
    if (!ctx)
        ag_err_set(ctx_err, "secp256k1: cannot create a randomized context");
    return ctx;
}

ag_err crypto_privkey_from_bytes(crypto_privkey *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len != CRYPTO_PRIVKEY_LEN)
        return ag_err_set(AG_ERR_LENGTH, "secp256k1: private key is %zu bytes, want 32", len);
    const secp256k1_context *c = get_ctx();
    if (!c)
        return AG_ERR_CRYPTO;
    if (!secp256k1_ec_seckey_verify(c, in))
        return ag_err_set(AG_ERR_BAD_PRIVKEY, "secp256k1: private key is zero or not below the "
                                              "curve order");
    memcpy(out->b, in, CRYPTO_PRIVKEY_LEN);
    return AG_OK;
}

ag_err crypto_privkey_generate(crypto_privkey *out)
{
    uint8_t candidate[CRYPTO_PRIVKEY_LEN];
    /* A uniform 256-bit value is out of range with probability ~2^-128. */
    for (int tries = 0; tries < 64; tries++) {
        ag_err err = ag_os_random(candidate, sizeof candidate);
        if (err) {
            memset(out, 0, sizeof *out);
            return err;
        }
        if (crypto_privkey_from_bytes(out, candidate, sizeof candidate) == AG_OK) {
            ag_wipe(candidate, sizeof candidate);
            return AG_OK;
        }
    }
    ag_wipe(candidate, sizeof candidate);
    return ag_err_set(AG_ERR_CRYPTO, "secp256k1: random source produced no valid key");
}

void crypto_privkey_wipe(crypto_privkey *key)
{
    ag_wipe(key, sizeof *key);
}

ag_err crypto_pubkey_from_privkey(crypto_pubkey *out, const crypto_privkey *key)
{
    memset(out, 0, sizeof *out);
    const secp256k1_context *c = get_ctx();
    if (!c)
        return AG_ERR_CRYPTO;
    secp256k1_pubkey pk;
    size_t len = CRYPTO_PUBKEY_LEN;
    if (!secp256k1_ec_pubkey_create(c, &pk, key->b))
        return ag_err_set(AG_ERR_BAD_PRIVKEY, "secp256k1: invalid private key");
    secp256k1_ec_pubkey_serialize(c, out->b, &len, &pk, SECP256K1_EC_COMPRESSED);
    return AG_OK;
}

/*
 * Parsed public keys, memoized. Decompressing a point costs a field square
 * root (~10 us), and a tx's key is parsed by every decode (CheckTx,
 * PrepareProposal, ProcessProposal, FinalizeBlock, recheck) and every
 * verification. Only keys that parsed are kept, so a hit returns exactly
 * what parsing would: results never depend on the memo. Direct-mapped and
 * bounded; one mutex (the node's threads take it for a few nanoseconds).
 */
#define PK_MEMO_SLOTS 8192

typedef struct pk_memo_slot {
    uint8_t key[CRYPTO_PUBKEY_LEN];
    bool used;
    secp256k1_pubkey pk;
} pk_memo_slot;

static pk_memo_slot pk_memo[PK_MEMO_SLOTS];
static pthread_mutex_t pk_memo_mu = PTHREAD_MUTEX_INITIALIZER;

static size_t memo_slot(const uint8_t *in)
{
    uint64_t h;
    memcpy(&h, in + 1, sizeof h); /* x coordinate bytes: already uniform */
    return (size_t)(h % PK_MEMO_SLOTS);
}

static bool memo_get(const uint8_t *in, secp256k1_pubkey *pk)
{
    pk_memo_slot *sl = &pk_memo[memo_slot(in)];
    pthread_mutex_lock(&pk_memo_mu);
    bool hit = sl->used && memcmp(sl->key, in, CRYPTO_PUBKEY_LEN) == 0;
    if (hit)
        *pk = sl->pk;
    pthread_mutex_unlock(&pk_memo_mu);
    return hit;
}

static void memo_put(const uint8_t *in, const secp256k1_pubkey *pk)
{
    pk_memo_slot *sl = &pk_memo[memo_slot(in)];
    pthread_mutex_lock(&pk_memo_mu);
    memcpy(sl->key, in, CRYPTO_PUBKEY_LEN);
    sl->pk = *pk;
    sl->used = true;
    pthread_mutex_unlock(&pk_memo_mu);
}

static ag_err parse_point(const secp256k1_context *c, secp256k1_pubkey *pk, const uint8_t *in,
                          size_t len)
{
    if (len != CRYPTO_PUBKEY_LEN)
        return ag_err_set(AG_ERR_LENGTH,
                          "secp256k1: public key is %zu bytes, want 33 "
                          "(compressed)",
                          len);
    if (in[0] != 0x02 && in[0] != 0x03)
        return ag_err_set(AG_ERR_BAD_PUBKEY,
                          "secp256k1: public key prefix 0x%02x is not "
                          "compressed",
                          in[0]);
    if (memo_get(in, pk))
        return AG_OK;
    if (!secp256k1_ec_pubkey_parse(c, pk, in, len))
        return ag_err_set(AG_ERR_BAD_PUBKEY, "secp256k1: public key is not a point on the curve");
    memo_put(in, pk);
    return AG_OK;
}

ag_err crypto_pubkey_parse(crypto_pubkey *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    const secp256k1_context *c = get_ctx();
    if (!c)
        return AG_ERR_CRYPTO;
    secp256k1_pubkey pk;
    ag_err err = parse_point(c, &pk, in, len);
    if (err)
        return err;
    memcpy(out->b, in, CRYPTO_PUBKEY_LEN);
    return AG_OK;
}

ag_err crypto_sign_digest(crypto_sig *out, const crypto_privkey *key, const uint8_t digest[32])
{
    memset(out, 0, sizeof *out);
    const secp256k1_context *c = get_ctx();
    if (!c)
        return AG_ERR_CRYPTO;
    secp256k1_ecdsa_signature sig;
    /* NULL nonce function: RFC 6979, so signatures are reproducible. */
    if (!secp256k1_ecdsa_sign(c, &sig, digest, key->b, NULL, NULL))
        return ag_err_set(AG_ERR_BAD_PRIVKEY, "secp256k1: cannot sign with an invalid key");
    secp256k1_ecdsa_signature_serialize_compact(c, out->b, &sig);
    return AG_OK;
}

ag_err crypto_sign(crypto_sig *out, const crypto_privkey *key, const void *msg, size_t len)
{
    uint8_t digest[32];
    crypto_sha256(digest, msg, len);
    return crypto_sign_digest(out, key, digest);
}

ag_err crypto_verify_digest(const crypto_pubkey *pub, const uint8_t digest[32], const uint8_t *sig,
                            size_t sig_len)
{
    const secp256k1_context *c = get_ctx();
    if (!c)
        return AG_ERR_CRYPTO;
    if (sig_len != CRYPTO_SIG_LEN)
        return ag_err_set(AG_ERR_LENGTH, "secp256k1: signature is %zu bytes, want 64", sig_len);
    secp256k1_pubkey pk;
    ag_err err = parse_point(c, &pk, pub->b, sizeof pub->b);
    if (err)
        return err;
    secp256k1_ecdsa_signature s;
    if (!secp256k1_ecdsa_signature_parse_compact(c, &s, sig))
        return ag_err_set(AG_ERR_BAD_SIG, "secp256k1: signature r or s is not below the order");
    /* normalize returns 1 when it had to lower s: the input was high-S. */
    secp256k1_ecdsa_signature lowered;
    if (secp256k1_ecdsa_signature_normalize(c, &lowered, &s))
        return ag_err_set(AG_ERR_HIGH_S, "secp256k1: signature has high S (malleable form)");
    if (!secp256k1_ecdsa_verify(c, &s, digest, &pk))
        return ag_err_set(AG_ERR_VERIFY, "secp256k1: signature does not verify");
    return AG_OK;
}

ag_err crypto_verify(const crypto_pubkey *pub, const void *msg, size_t len, const uint8_t *sig,
                     size_t sig_len)
{
    uint8_t digest[32];
    crypto_sha256(digest, msg, len);
    return crypto_verify_digest(pub, digest, sig, sig_len);
}

ag_err crypto_ecdh(uint8_t out[32], const crypto_pubkey *peer, const crypto_privkey *key)
{
    memset(out, 0, 32);
    const secp256k1_context *c = get_ctx();
    if (!c)
        return AG_ERR_CRYPTO;
    secp256k1_pubkey pk;
    ag_err err = parse_point(c, &pk, peer->b, sizeof peer->b);
    if (err)
        return err;
    if (!secp256k1_ecdh(c, out, &pk, key->b, NULL, NULL)) {
        memset(out, 0, 32);
        return ag_err_set(AG_ERR_BAD_PRIVKEY, "secp256k1: ECDH with an invalid key");
    }
    return AG_OK;
}
