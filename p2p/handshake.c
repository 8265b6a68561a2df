/*
 * handshake.c — ECDH + HKDF-SHA256 + signed challenge; see handshake.h.
 *
 * States: WAIT_EPH -(consume_eph)-> WAIT_AUTH -(consume_auth)-> DONE.
 * Any failure moves to FAILED, from which nothing proceeds.
 */
#include "p2p/handshake.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/wipe.h"

static const char TRANSCRIPT_TAG[] = "agora/p2p/v1/transcript";
static const char KEYS_INFO[] = "agora/p2p/v1/keys";

static ag_err fail(p2p_hs *hs, ag_err err)
{
    hs->state = P2P_HS_FAILED;
    return err;
}

ag_err p2p_hs_init_with(p2p_hs *hs, const node_key *key, const crypto_privkey *eph)
{
    memset(hs, 0, sizeof *hs);
    hs->key = key;
    hs->eph_priv = *eph;
    ag_err err = crypto_pubkey_from_privkey(&hs->eph_pub, &hs->eph_priv);
    if (err)
        return fail(hs, err);
    hs->state = P2P_HS_WAIT_EPH;
    return AG_OK;
}

ag_err p2p_hs_init(p2p_hs *hs, const node_key *key, const ag_env *env)
{
    crypto_privkey eph;
    uint8_t raw[CRYPTO_PRIVKEY_LEN];
    ag_err err = AG_ERR_CRYPTO;
    for (int tries = 0; tries < 8; tries++) {
        err = ag_env_random(env, raw, sizeof raw);
        if (err)
            break;
        err = crypto_privkey_from_bytes(&eph, raw, sizeof raw);
        if (!err)
            break;
    }
    ag_wipe(raw, sizeof raw);
    if (err) {
        memset(hs, 0, sizeof *hs);
        hs->state = P2P_HS_FAILED;
        return ag_err_set(AG_ERR_CRYPTO, "p2p: no ephemeral key from the environment");
    }
    err = p2p_hs_init_with(hs, key, &eph);
    crypto_privkey_wipe(&eph);
    return err;
}

void p2p_hs_eph_msg(const p2p_hs *hs, uint8_t out[P2P_HS_EPH_LEN])
{
    memcpy(out, hs->eph_pub.b, P2P_HS_EPH_LEN);
}

static ag_err hkdf(uint8_t *out, size_t out_len, const uint8_t *ikm, size_t ikm_len,
                   const uint8_t *salt, size_t salt_len, const char *info)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    ag_err err = AG_OK;
    size_t n = out_len;
    if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, (int)salt_len) <= 0 ||
        EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, (int)ikm_len) <= 0 ||
        EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)info, (int)strlen(info)) <= 0 ||
        EVP_PKEY_derive(ctx, out, &n) <= 0 || n != out_len)
        err = ag_err_set(AG_ERR_CRYPTO, "p2p: HKDF-SHA256 failed");
    EVP_PKEY_CTX_free(ctx);
    return err;
}

ag_err p2p_hs_consume_eph(p2p_hs *hs, const uint8_t *in, size_t len)
{
    if (hs->state != P2P_HS_WAIT_EPH)
        return fail(hs, ag_err_set(AG_ERR_STATE, "p2p: handshake not waiting for a key"));
    if (len != P2P_HS_EPH_LEN)
        return fail(hs, ag_err_set(AG_ERR_LENGTH, "p2p: ephemeral key of %zu bytes", len));
    ag_err err = crypto_pubkey_parse(&hs->peer_eph, in, len);
    if (err)
        return fail(hs, err);
    int cmp = memcmp(hs->eph_pub.b, hs->peer_eph.b, P2P_HS_EPH_LEN);
    if (cmp == 0)
        return fail(hs, ag_err_set(AG_ERR_DECODE, "p2p: peer reflected our ephemeral key"));
    const crypto_pubkey *lo = cmp < 0 ? &hs->eph_pub : &hs->peer_eph;
    const crypto_pubkey *hi = cmp < 0 ? &hs->peer_eph : &hs->eph_pub;

    crypto_sha256_ctx sc;
    crypto_sha256_init(&sc);
    crypto_sha256_update(&sc, TRANSCRIPT_TAG, sizeof TRANSCRIPT_TAG - 1);
    crypto_sha256_update(&sc, lo->b, sizeof lo->b);
    crypto_sha256_update(&sc, hi->b, sizeof hi->b);
    crypto_sha256_final(&sc, hs->transcript);

    uint8_t shared[32], okm[96];
    err = crypto_ecdh(shared, &hs->peer_eph, &hs->eph_priv);
    crypto_privkey_wipe(&hs->eph_priv);
    if (!err)
        err = hkdf(okm, sizeof okm, shared, sizeof shared, hs->transcript, sizeof hs->transcript,
                   KEYS_INFO);
    ag_wipe(shared, sizeof shared);
    if (err) {
        ag_wipe(okm, sizeof okm);
        return fail(hs, err);
    }
    const uint8_t *k_lo = okm, *k_hi = okm + 32;
    err = cmp < 0 ? p2p_secret_init(&hs->secret, k_lo, k_hi)
                  : p2p_secret_init(&hs->secret, k_hi, k_lo);
    memcpy(hs->challenge, okm + 64, 32);
    ag_wipe(okm, sizeof okm);
    if (err)
        return fail(hs, err);
    hs->state = P2P_HS_WAIT_AUTH;
    return AG_OK;
}

ag_err p2p_hs_auth_msg(p2p_hs *hs, uint8_t out[P2P_HS_AUTH_WIRE])
{
    if (hs->state != P2P_HS_WAIT_AUTH && hs->state != P2P_HS_DONE)
        return ag_err_set(AG_ERR_STATE, "p2p: handshake keys not derived yet");
    uint8_t plain[P2P_HS_AUTH_LEN];
    crypto_sig sig;
    ag_err err = crypto_sign(&sig, &hs->key->priv, hs->challenge, sizeof hs->challenge);
    if (err)
        return fail(hs, err);
    memcpy(plain, hs->key->pub.b, CRYPTO_PUBKEY_LEN);
    memcpy(plain + CRYPTO_PUBKEY_LEN, sig.b, CRYPTO_SIG_LEN);
    err = p2p_secret_seal(&hs->secret, out, plain, sizeof plain);
    return err ? fail(hs, err) : AG_OK;
}

ag_err p2p_hs_consume_auth(p2p_hs *hs, const uint8_t *in, size_t len)
{
    if (hs->state != P2P_HS_WAIT_AUTH)
        return fail(hs, ag_err_set(AG_ERR_STATE, "p2p: handshake not waiting for auth"));
    if (len != P2P_HS_AUTH_WIRE)
        return fail(hs, ag_err_set(AG_ERR_LENGTH, "p2p: auth frame of %zu bytes", len));
    uint8_t plain[P2P_FRAME_DATA_MAX];
    size_t n;
    ag_err err = p2p_secret_open(&hs->secret, plain, &n, in);
    if (err)
        return fail(hs, err);
    if (n != P2P_HS_AUTH_LEN)
        return fail(hs, ag_err_set(AG_ERR_LENGTH, "p2p: auth message of %zu bytes", n));
    err = crypto_pubkey_parse(&hs->peer_pub, plain, CRYPTO_PUBKEY_LEN);
    if (err)
        return fail(hs, err);
    err = crypto_verify(&hs->peer_pub, hs->challenge, sizeof hs->challenge,
                        plain + CRYPTO_PUBKEY_LEN, CRYPTO_SIG_LEN);
    if (err)
        return fail(hs, ag_err_set(AG_ERR_VERIFY, "p2p: peer's challenge signature is invalid"));
    node_id_from_pubkey(hs->peer_id, &hs->peer_pub);
    hs->state = P2P_HS_DONE;
    return AG_OK;
}

ag_err p2p_hs_take_secret(p2p_hs *hs, p2p_secret *out)
{
    if (hs->state != P2P_HS_DONE)
        return ag_err_set(AG_ERR_STATE, "p2p: handshake not complete");
    *out = hs->secret;
    memset(&hs->secret, 0, sizeof hs->secret);
    return AG_OK;
}

void p2p_hs_clear(p2p_hs *hs)
{
    p2p_secret_free(&hs->secret);
    ag_wipe(hs, sizeof *hs);
}
