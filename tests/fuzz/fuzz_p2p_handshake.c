/*
 * p2p handshake: the peer's messages come from the input.
 *
 * 1. Our side consumes input[0..33) as the peer's ephemeral key and the
 *    next P2P_HS_AUTH_WIRE bytes as its auth frame: whatever happens, the
 *    state machine ends in WAIT_AUTH, DONE or FAILED, never authenticates
 *    a forged frame, and take_secret works only when DONE.
 * 2. An honest peer whose keys are derived from the input always completes
 *    the handshake with us, and both ends agree on keys and IDs.
 */
#include <string.h>

#include "crypto/hash.h"
#include "p2p/handshake.h"
#include "tests/fuzz/fuzz.h"

static void key_from(node_key *k, const uint8_t *seed, size_t len, uint8_t tag)
{
    uint8_t h[32];
    crypto_sha256_ctx c;
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, &tag, 1);
    crypto_sha256_update(&c, seed, len);
    crypto_sha256_final(&c, h);
    memset(k, 0, sizeof *k);
    FUZZ_ASSERT(crypto_privkey_from_bytes(&k->priv, h, 32) == AG_OK); /* fails w.p. ~2^-128 */
    FUZZ_ASSERT(crypto_pubkey_from_privkey(&k->pub, &k->priv) == AG_OK);
    node_id_from_pubkey(k->id, &k->pub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t fixed[1] = {0};
    node_key me, me_eph, peer, peer_eph;
    key_from(&me, fixed, 1, 1);
    key_from(&me_eph, fixed, 1, 2);

    /* 1: hostile bytes */
    p2p_hs hs;
    FUZZ_ASSERT(p2p_hs_init_with(&hs, &me, &me_eph.priv) == AG_OK);
    size_t n1 = size < P2P_HS_EPH_LEN ? size : P2P_HS_EPH_LEN;
    ag_err err = p2p_hs_consume_eph(&hs, data, n1);
    FUZZ_ASSERT(err == AG_OK ? hs.state == P2P_HS_WAIT_AUTH : hs.state == P2P_HS_FAILED);
    if (!err) {
        size_t rest = size - n1;
        err = p2p_hs_consume_auth(&hs, data + n1, rest);
        /* a forged auth frame would need the session key */
        FUZZ_ASSERT(err != AG_OK);
        FUZZ_ASSERT(hs.state == P2P_HS_FAILED);
    }
    p2p_secret s;
    FUZZ_ASSERT(p2p_hs_take_secret(&hs, &s) == AG_ERR_STATE);
    p2p_hs_clear(&hs);

    /* 2: an honest peer */
    key_from(&peer, data, size, 3);
    key_from(&peer_eph, data, size, 4);
    p2p_hs a, b;
    FUZZ_ASSERT(p2p_hs_init_with(&a, &me, &me_eph.priv) == AG_OK);
    FUZZ_ASSERT(p2p_hs_init_with(&b, &peer, &peer_eph.priv) == AG_OK);
    uint8_t ea[P2P_HS_EPH_LEN], eb[P2P_HS_EPH_LEN], aa[P2P_HS_AUTH_WIRE], ab[P2P_HS_AUTH_WIRE];
    p2p_hs_eph_msg(&a, ea);
    p2p_hs_eph_msg(&b, eb);
    FUZZ_ASSERT(p2p_hs_consume_eph(&a, eb, sizeof eb) == AG_OK);
    FUZZ_ASSERT(p2p_hs_consume_eph(&b, ea, sizeof ea) == AG_OK);
    FUZZ_ASSERT(p2p_hs_auth_msg(&a, aa) == AG_OK);
    FUZZ_ASSERT(p2p_hs_auth_msg(&b, ab) == AG_OK);
    FUZZ_ASSERT(p2p_hs_consume_auth(&a, ab, sizeof ab) == AG_OK);
    FUZZ_ASSERT(p2p_hs_consume_auth(&b, aa, sizeof aa) == AG_OK);
    FUZZ_ASSERT(strcmp(a.peer_id, peer.id) == 0 && strcmp(b.peer_id, me.id) == 0);
    FUZZ_ASSERT(memcmp(a.secret.send.key, b.secret.recv.key, 32) == 0);
    FUZZ_ASSERT(memcmp(a.secret.recv.key, b.secret.send.key, 32) == 0);
    p2p_hs_clear(&a);
    p2p_hs_clear(&b);
    return 0;
}
