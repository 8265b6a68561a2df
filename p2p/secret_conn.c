/*
 * secret_conn.c — sealed frames with OpenSSL's EVP ChaCha20-Poly1305.
 */
#include "p2p/secret_conn.h"

#include <openssl/evp.h>
#include <string.h>

#include "lib/wipe.h"

static void make_nonce(uint8_t nonce[P2P_AEAD_NONCE_LEN], uint64_t counter)
{
    memset(nonce, 0, 4);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

static ag_err dir_init(p2p_aead_dir *d, const uint8_t key[P2P_AEAD_KEY_LEN])
{
    memcpy(d->key, key, P2P_AEAD_KEY_LEN);
    d->counter = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return ag_err_set(AG_ERR_NOMEM, "p2p: EVP_CIPHER_CTX_new failed");
    d->ctx = ctx;
    return AG_OK;
}

ag_err p2p_secret_init(p2p_secret *s, const uint8_t send_key[P2P_AEAD_KEY_LEN],
                       const uint8_t recv_key[P2P_AEAD_KEY_LEN])
{
    memset(s, 0, sizeof *s);
    ag_err err = dir_init(&s->send, send_key);
    if (!err)
        err = dir_init(&s->recv, recv_key);
    return err;
}

void p2p_secret_free(p2p_secret *s)
{
    if (s->send.ctx)
        EVP_CIPHER_CTX_free(s->send.ctx);
    if (s->recv.ctx)
        EVP_CIPHER_CTX_free(s->recv.ctx);
    ag_wipe(s, sizeof *s);
}

/* One AEAD operation with ctx (reused across frames) or a fresh one. */
static ag_err aead(void *ctx_in, int enc, uint8_t *out, const uint8_t *key, const uint8_t *nonce,
                   const uint8_t *in, size_t len, uint8_t tag[P2P_AEAD_TAG_LEN])
{
    EVP_CIPHER_CTX *ctx = ctx_in ? ctx_in : EVP_CIPHER_CTX_new();
    if (!ctx)
        return ag_err_set(AG_ERR_NOMEM, "p2p: EVP_CIPHER_CTX_new failed");
    ag_err err = AG_OK;
    int n = 0;
    if (len > INT32_MAX ||
        EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, nonce, enc) != 1) {
        err = ag_err_set(AG_ERR_CRYPTO, "p2p: ChaCha20-Poly1305 init failed");
        goto done;
    }
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, P2P_AEAD_TAG_LEN, tag) != 1) {
        err = ag_err_set(AG_ERR_CRYPTO, "p2p: setting the tag failed");
        goto done;
    }
    if (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1) {
        err = ag_err_set(AG_ERR_CRYPTO, "p2p: ChaCha20-Poly1305 update failed");
        goto done;
    }
    int fin = 0;
    if (EVP_CipherFinal_ex(ctx, out + n, &fin) != 1) {
        err = enc ? ag_err_set(AG_ERR_CRYPTO, "p2p: ChaCha20-Poly1305 final failed")
                  : ag_err_set(AG_ERR_VERIFY, "p2p: frame authentication failed");
        goto done;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, P2P_AEAD_TAG_LEN, tag) != 1)
        err = ag_err_set(AG_ERR_CRYPTO, "p2p: reading the tag failed");
done:
    if (!ctx_in)
        EVP_CIPHER_CTX_free(ctx);
    return err;
}

ag_err p2p_secret_seal(p2p_secret *s, uint8_t out[P2P_FRAME_SEALED], const uint8_t *data,
                       size_t len)
{
    if (len > P2P_FRAME_DATA_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: frame payload %zu > %d", len, P2P_FRAME_DATA_MAX);
    if (s->send.counter > P2P_NONCE_COUNTER_MAX)
        return ag_err_set(AG_ERR_OVERFLOW, "p2p: send nonce counter exhausted");
    uint8_t plain[P2P_FRAME_PLAIN] = {0};
    for (int i = 0; i < 4; i++)
        plain[i] = (uint8_t)(len >> (8 * i));
    if (len)
        memcpy(plain + P2P_FRAME_LEN_SIZE, data, len);
    uint8_t nonce[P2P_AEAD_NONCE_LEN];
    make_nonce(nonce, s->send.counter);
    ag_err err =
        aead(s->send.ctx, 1, out, s->send.key, nonce, plain, sizeof plain, out + P2P_FRAME_PLAIN);
    ag_wipe(plain, sizeof plain);
    if (err)
        return err;
    s->send.counter++;
    return AG_OK;
}

ag_err p2p_secret_open(p2p_secret *s, uint8_t data[P2P_FRAME_DATA_MAX], size_t *len,
                       const uint8_t in[P2P_FRAME_SEALED])
{
    *len = 0;
    if (s->recv.counter > P2P_NONCE_COUNTER_MAX)
        return ag_err_set(AG_ERR_OVERFLOW, "p2p: receive nonce counter exhausted");
    uint8_t plain[P2P_FRAME_PLAIN];
    uint8_t nonce[P2P_AEAD_NONCE_LEN];
    uint8_t tag[P2P_AEAD_TAG_LEN];
    memcpy(tag, in + P2P_FRAME_PLAIN, sizeof tag);
    make_nonce(nonce, s->recv.counter);
    ag_err err = aead(s->recv.ctx, 0, plain, s->recv.key, nonce, in, P2P_FRAME_PLAIN, tag);
    if (err) {
        ag_wipe(plain, sizeof plain);
        return err;
    }
    uint32_t n = (uint32_t)plain[0] | (uint32_t)plain[1] << 8 | (uint32_t)plain[2] << 16 |
                 (uint32_t)plain[3] << 24;
    if (n > P2P_FRAME_DATA_MAX) {
        ag_wipe(plain, sizeof plain);
        return ag_err_set(AG_ERR_LENGTH, "p2p: frame length %u > %d", n, P2P_FRAME_DATA_MAX);
    }
    for (size_t i = P2P_FRAME_LEN_SIZE + n; i < sizeof plain; i++) {
        if (plain[i]) {
            ag_wipe(plain, sizeof plain);
            return ag_err_set(AG_ERR_LENGTH, "p2p: frame padding not zero");
        }
    }
    memcpy(data, plain + P2P_FRAME_LEN_SIZE, n);
    ag_wipe(plain, sizeof plain);
    *len = n;
    s->recv.counter++;
    return AG_OK;
}

ag_err p2p_aead_seal_raw(uint8_t *out, const uint8_t key[P2P_AEAD_KEY_LEN],
                         const uint8_t nonce[P2P_AEAD_NONCE_LEN], const uint8_t *in, size_t len)
{
    return aead(NULL, 1, out, key, nonce, in, len, out + len);
}

ag_err p2p_aead_open_raw(uint8_t *out, const uint8_t key[P2P_AEAD_KEY_LEN],
                         const uint8_t nonce[P2P_AEAD_NONCE_LEN], const uint8_t *in, size_t len)
{
    if (len < P2P_AEAD_TAG_LEN)
        return ag_err_set(AG_ERR_TRUNCATED, "p2p: sealed buffer shorter than its tag");
    uint8_t tag[P2P_AEAD_TAG_LEN];
    memcpy(tag, in + len - P2P_AEAD_TAG_LEN, sizeof tag);
    return aead(NULL, 0, out, key, nonce, in, len - P2P_AEAD_TAG_LEN, tag);
}
