/*
 * handshake.h — the authenticated key exchange of a p2p connection, as a
 * pure state machine over bytes (no I/O, no clock), so it can be tested with
 * vectors and fuzzed.
 *
 *   1. each side sends its ephemeral secp256k1 public key (33 bytes, plain);
 *   2. both compute shared = crypto_ecdh(peer_eph, my_eph), order the two
 *      ephemeral keys (lo < hi, bytewise), and derive
 *        transcript = SHA-256("agora/p2p/v1/transcript" || lo || hi)
 *        okm[96]    = HKDF-SHA256(ikm = shared, salt = transcript,
 *                                 info = "agora/p2p/v1/keys")
 *        key_lo = okm[0..32)  (the lo side sends with it)
 *        key_hi = okm[32..64) (the hi side sends with it)
 *        challenge = okm[64..96)
 *   3. each side sends one sealed frame holding its node public key (33)
 *      and sig = crypto_sign(node_priv, challenge) (64), and checks the
 *      peer's: the signature must verify under the key, and the peer's node
 *      ID is derived from the key.
 *
 * Equal ephemeral keys (a reflected message) are refused.
 */
#ifndef AGORA_P2P_HANDSHAKE_H
#define AGORA_P2P_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"
#include "lib/env.h"
#include "lib/err.h"
#include "node/node_key.h"
#include "p2p/secret_conn.h"

#define P2P_HS_EPH_LEN   CRYPTO_PUBKEY_LEN                    /* step 1 message */
#define P2P_HS_AUTH_LEN  (CRYPTO_PUBKEY_LEN + CRYPTO_SIG_LEN) /* step 3 plaintext */
#define P2P_HS_AUTH_WIRE P2P_FRAME_SEALED                     /* step 3 on the wire */

typedef enum p2p_hs_state {
    P2P_HS_WAIT_EPH = 0, /* our ephemeral key is ready; waiting for the peer's */
    P2P_HS_WAIT_AUTH,    /* keys derived; waiting for the peer's auth frame */
    P2P_HS_DONE,         /* peer authenticated */
    P2P_HS_FAILED,
} p2p_hs_state;

typedef struct p2p_hs {
    p2p_hs_state state;
    const node_key *key; /* borrowed until p2p_hs_clear */
    crypto_privkey eph_priv;
    crypto_pubkey eph_pub, peer_eph;
    uint8_t transcript[32];
    uint8_t challenge[32];
    p2p_secret secret;
    crypto_pubkey peer_pub;
    char peer_id[NODE_ID_LEN + 1];
} p2p_hs;

/* Start: draw an ephemeral key from env (randomness only). `key` is borrowed
 * until p2p_hs_clear. AG_ERR_CRYPTO. */
ag_err p2p_hs_init(p2p_hs *hs, const node_key *key, const ag_env *env);
/* Start with a given ephemeral private key (test vectors). */
ag_err p2p_hs_init_with(p2p_hs *hs, const node_key *key, const crypto_privkey *eph);

/* Step 1: our message (the ephemeral public key). */
void p2p_hs_eph_msg(const p2p_hs *hs, uint8_t out[P2P_HS_EPH_LEN]);
/* Consume the peer's step 1 message (exactly P2P_HS_EPH_LEN bytes) and
 * derive the keys. AG_ERR_LENGTH, AG_ERR_BAD_PUBKEY, AG_ERR_STATE,
 * AG_ERR_DECODE (reflected key), AG_ERR_CRYPTO. */
ag_err p2p_hs_consume_eph(p2p_hs *hs, const uint8_t *in, size_t len);

/* Step 3: our sealed auth frame (after consume_eph). */
ag_err p2p_hs_auth_msg(p2p_hs *hs, uint8_t out[P2P_HS_AUTH_WIRE]);
/* Consume the peer's auth frame (exactly P2P_HS_AUTH_WIRE bytes).
 * AG_ERR_VERIFY (MAC or signature), AG_ERR_LENGTH, AG_ERR_BAD_PUBKEY,
 * AG_ERR_STATE. On AG_OK hs->peer_pub and hs->peer_id are set. */
ag_err p2p_hs_consume_auth(p2p_hs *hs, const uint8_t *in, size_t len);

/* Move the connection keys out (state DONE); hs keeps no key material.
 * The caller frees *out with p2p_secret_free. */
ag_err p2p_hs_take_secret(p2p_hs *hs, p2p_secret *out);
/* Wipe everything (the secret too, if not taken). */
void p2p_hs_clear(p2p_hs *hs);

#endif
