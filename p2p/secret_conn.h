/*
 * secret_conn.h — the sealed frames of an authenticated connection
 * (ChaCha20-Poly1305, RFC 8439), without I/O.
 *
 * Each direction has its own 32-byte key and a 64-bit frame counter; the
 * 96-bit nonce of frame n is 4 zero bytes || n (little-endian), so a nonce is
 * never used twice under one key. A frame is always P2P_FRAME_SEALED bytes:
 *
 *   seal( len (u32 LE) || data[len] || zero padding to P2P_FRAME_DATA_MAX ) || tag
 *
 * The length sits inside the seal, so a forged length fails the MAC. A frame
 * that fails to open (wrong key, flipped bit, replayed, reordered or dropped
 * frame: the receiver's counter no longer matches) is an error after which
 * the connection must be closed; the state is not advanced by a failure.
 * Sealing past P2P_NONCE_COUNTER_MAX frames fails with AG_ERR_OVERFLOW, so a
 * counter never wraps: the connection is closed first.
 */
#ifndef AGORA_P2P_SECRET_CONN_H
#define AGORA_P2P_SECRET_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "p2p/limits.h"

/* The last counter value a frame may use. */
#define P2P_NONCE_COUNTER_MAX (UINT64_MAX - 1)

typedef struct p2p_aead_dir {
    uint8_t key[P2P_AEAD_KEY_LEN];
    uint64_t counter; /* nonce of the next frame */
    void *ctx;        /* EVP_CIPHER_CTX, keyed once */
} p2p_aead_dir;

typedef struct p2p_secret {
    p2p_aead_dir send, recv;
} p2p_secret;

/* Key both directions. Caller frees with p2p_secret_free (also on error). */
ag_err p2p_secret_init(p2p_secret *s, const uint8_t send_key[P2P_AEAD_KEY_LEN],
                       const uint8_t recv_key[P2P_AEAD_KEY_LEN]);
/* Wipes the keys. Safe on a zeroed or already freed secret. */
void p2p_secret_free(p2p_secret *s);

/* Seal data[0..len) (len <= P2P_FRAME_DATA_MAX) into out. AG_ERR_TOO_LARGE,
 * AG_ERR_OVERFLOW (counter exhausted), AG_ERR_CRYPTO. */
ag_err p2p_secret_seal(p2p_secret *s, uint8_t out[P2P_FRAME_SEALED], const uint8_t *data,
                       size_t len);

/* Open one sealed frame into data (P2P_FRAME_DATA_MAX bytes), its length in
 * *len. AG_ERR_VERIFY (bad MAC or out-of-order frame), AG_ERR_LENGTH (a
 * length above P2P_FRAME_DATA_MAX or non-zero padding under a valid MAC),
 * AG_ERR_OVERFLOW. On failure *len is 0 and the counter is unchanged. */
ag_err p2p_secret_open(p2p_secret *s, uint8_t data[P2P_FRAME_DATA_MAX], size_t *len,
                       const uint8_t in[P2P_FRAME_SEALED]);

/* Raw ChaCha20-Poly1305 of one buffer (for the benchmark and vectors):
 * out holds len + P2P_AEAD_TAG_LEN bytes. */
ag_err p2p_aead_seal_raw(uint8_t *out, const uint8_t key[P2P_AEAD_KEY_LEN],
                         const uint8_t nonce[P2P_AEAD_NONCE_LEN], const uint8_t *in, size_t len);
/* out holds len - P2P_AEAD_TAG_LEN bytes; AG_ERR_VERIFY on a bad tag. */
ag_err p2p_aead_open_raw(uint8_t *out, const uint8_t key[P2P_AEAD_KEY_LEN],
                         const uint8_t nonce[P2P_AEAD_NONCE_LEN], const uint8_t *in, size_t len);

#endif
