/*
 * p2p: sealed frames, the handshake, packet and address codecs, and whole
 * switches on 127.0.0.1 on one libuv loop: messages on several channels,
 * three nodes, ID mismatch, self-connection, persistent redial after a
 * restart, limits, bans, and hostile peers (garbage, a stalled handshake, a
 * corrupted or replayed frame through a proxy, oversized messages, a peer
 * that stops reading).
 *
 * The frame and handshake vectors were computed independently (Python
 * `cryptography`); the rest check properties.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/hex.h"
#include "node/config.h"
#include "p2p/config.h"
#include "p2p/handshake.h"
#include "p2p/netaddr.h"
#include "p2p/packet.h"
#include "p2p/secret_conn.h"
#include "p2p/switch.h"
#include "tests/harness/ag_test.h"
#include "tests/harness/p2p_rig.h"

/* Independent vectors, computed with Python's `cryptography` package
 * (ChaCha20Poly1305, HKDF, SECP256K1), not with this code:
 * the frame of "agora" under key 00..1f with counter 0; the challenge and
 * the lo side's send key of a handshake between ephemeral keys 11 and 12. */
#define VEC_FRAME_HEAD "1db84231cc81c9a372615c61af434e27"
#define VEC_FRAME_TAG  "baddf8774bcff19ee127fd912f945f45"
#define VEC_CHALLENGE  "ff50ef6e2606b27ef2174d8d1c615b9b15dc3c97856c28b8140c0ff562e37f56"
#define VEC_KEY_LO     "7977f1702d66257f4c22377636562dac6378b39f74e5d4ccea8521cdd1ba5287"

/* ---- frames ---- */

static void keyed_pair(p2p_secret *a, p2p_secret *b, uint8_t seed)
{
    uint8_t k1[32], k2[32];
    for (int i = 0; i < 32; i++) {
        k1[i] = (uint8_t)(seed + i);
        k2[i] = (uint8_t)(seed * 3 + i);
    }
    ck_assert_int_eq(p2p_secret_init(a, k1, k2), AG_OK);
    ck_assert_int_eq(p2p_secret_init(b, k2, k1), AG_OK);
}

START_TEST(frame_roundtrip_and_tamper)
{
    p2p_secret a, b;
    keyed_pair(&a, &b, 7);
    ag_rng rng;
    ag_test_rng(&rng, 1);
    uint8_t msg[P2P_FRAME_DATA_MAX], got[P2P_FRAME_DATA_MAX], f[P2P_FRAME_SEALED];
    size_t n;
    for (int it = 0; it < 200; it++) {
        size_t len = (size_t)ag_rng_below(&rng, P2P_FRAME_DATA_MAX + 1);
        ag_rng_fill(&rng, msg, len);
        ck_assert_int_eq(p2p_secret_seal(&a, f, msg, len), AG_OK);
        /* a flipped bit anywhere fails the MAC and does not advance */
        uint8_t bad[P2P_FRAME_SEALED];
        memcpy(bad, f, sizeof bad);
        bad[ag_rng_below(&rng, sizeof bad)] ^= (uint8_t)(1u << ag_rng_below(&rng, 8));
        ck_assert_int_eq(p2p_secret_open(&b, got, &n, bad), AG_ERR_VERIFY);
        ck_assert_uint_eq(n, 0);
        ck_assert_int_eq(p2p_secret_open(&b, got, &n, f), AG_OK);
        ck_assert_uint_eq(n, len);
        ck_assert(memcmp(got, msg, len) == 0);
        /* replaying the same frame fails: the counter moved on */
        ck_assert_int_eq(p2p_secret_open(&b, got, &n, f), AG_ERR_VERIFY);
    }
    /* reordering: frames 2 then 1 */
    uint8_t f1[P2P_FRAME_SEALED], f2[P2P_FRAME_SEALED];
    ck_assert_int_eq(p2p_secret_seal(&a, f1, msg, 10), AG_OK);
    ck_assert_int_eq(p2p_secret_seal(&a, f2, msg, 10), AG_OK);
    ck_assert_int_eq(p2p_secret_open(&b, got, &n, f2), AG_ERR_VERIFY);
    ck_assert_int_eq(p2p_secret_open(&b, got, &n, f1), AG_OK);
    ck_assert_int_eq(p2p_secret_open(&b, got, &n, f2), AG_OK);
    /* a frame sealed in the other direction does not open */
    ck_assert_int_eq(p2p_secret_seal(&b, f, msg, 5), AG_OK);
    ck_assert_int_eq(p2p_secret_open(&b, got, &n, f), AG_ERR_VERIFY);
    ck_assert_int_eq(p2p_secret_seal(&a, f, msg, P2P_FRAME_DATA_MAX + 1), AG_ERR_TOO_LARGE);
    p2p_secret_free(&a);
    p2p_secret_free(&b);
}
END_TEST

START_TEST(frame_counter_never_wraps)
{
    p2p_secret a, b;
    keyed_pair(&a, &b, 9);
    uint8_t f[P2P_FRAME_SEALED], got[P2P_FRAME_DATA_MAX];
    size_t n;
    a.send.counter = P2P_NONCE_COUNTER_MAX;
    b.recv.counter = P2P_NONCE_COUNTER_MAX;
    ck_assert_int_eq(p2p_secret_seal(&a, f, (const uint8_t *)"x", 1), AG_OK);
    ck_assert_int_eq(p2p_secret_open(&b, got, &n, f), AG_OK);
    ck_assert_int_eq(p2p_secret_seal(&a, f, (const uint8_t *)"x", 1), AG_ERR_OVERFLOW);
    ck_assert_int_eq(p2p_secret_open(&b, got, &n, f), AG_ERR_OVERFLOW);
    p2p_secret_free(&a);
    p2p_secret_free(&b);
}
END_TEST

/* the first sealed frame under key 00..1f of "agora" (independent vector) */
START_TEST(frame_pinned_vector)
{
    uint8_t k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)i;
    p2p_secret s;
    ck_assert_int_eq(p2p_secret_init(&s, k, k), AG_OK);
    uint8_t f[P2P_FRAME_SEALED];
    ck_assert_int_eq(p2p_secret_seal(&s, f, (const uint8_t *)"agora", 5), AG_OK);
    char hex[2 * 16 + 1];
    ag_hex_encode(hex, f, 16, false);
    ck_assert_str_eq(hex, VEC_FRAME_HEAD);
    ag_hex_encode(hex, f + P2P_FRAME_PLAIN, 16, false);
    ck_assert_str_eq(hex, VEC_FRAME_TAG);
    p2p_secret_free(&s);
}
END_TEST

/* ---- handshake ---- */

static void key_from_byte(node_key *k, uint8_t b)
{
    uint8_t raw[32] = {0};
    raw[31] = b;
    memset(k, 0, sizeof *k);
    ck_assert_int_eq(crypto_privkey_from_bytes(&k->priv, raw, 32), AG_OK);
    ck_assert_int_eq(crypto_pubkey_from_privkey(&k->pub, &k->priv), AG_OK);
    node_id_from_pubkey(k->id, &k->pub);
}

static void hs_pair(p2p_hs *a, p2p_hs *b, const node_key *ka, const node_key *kb, uint8_t ea,
                    uint8_t eb)
{
    crypto_privkey pa, pb;
    uint8_t raw[32] = {0};
    raw[31] = ea;
    ck_assert_int_eq(crypto_privkey_from_bytes(&pa, raw, 32), AG_OK);
    raw[31] = eb;
    ck_assert_int_eq(crypto_privkey_from_bytes(&pb, raw, 32), AG_OK);
    ck_assert_int_eq(p2p_hs_init_with(a, ka, &pa), AG_OK);
    ck_assert_int_eq(p2p_hs_init_with(b, kb, &pb), AG_OK);
}

START_TEST(handshake_completes_and_keys_agree)
{
    node_key ka, kb;
    key_from_byte(&ka, 1);
    key_from_byte(&kb, 2);
    p2p_hs a, b;
    hs_pair(&a, &b, &ka, &kb, 11, 12);
    uint8_t ea[P2P_HS_EPH_LEN], eb[P2P_HS_EPH_LEN], aa[P2P_HS_AUTH_WIRE], ab[P2P_HS_AUTH_WIRE];
    p2p_hs_eph_msg(&a, ea);
    p2p_hs_eph_msg(&b, eb);
    ck_assert_int_eq(p2p_hs_consume_eph(&a, eb, sizeof eb), AG_OK);
    ck_assert_int_eq(p2p_hs_consume_eph(&b, ea, sizeof ea), AG_OK);
    ck_assert(memcmp(a.challenge, b.challenge, 32) == 0);
    ck_assert(memcmp(a.transcript, b.transcript, 32) == 0);
    ck_assert(memcmp(a.secret.send.key, b.secret.recv.key, 32) == 0);
    ck_assert(memcmp(a.secret.recv.key, b.secret.send.key, 32) == 0);
    ck_assert(memcmp(a.secret.send.key, a.secret.recv.key, 32) != 0);
    char hex[65];
    ag_hex_encode(hex, a.challenge, 32, false);
    ck_assert_str_eq(hex, VEC_CHALLENGE);
    ag_hex_encode(hex, a.secret.send.key, 32, false); /* 11*G < 12*G: a is lo */
    ck_assert_str_eq(hex, VEC_KEY_LO);
    ck_assert_int_eq(p2p_hs_auth_msg(&a, aa), AG_OK);
    ck_assert_int_eq(p2p_hs_auth_msg(&b, ab), AG_OK);
    ck_assert_int_eq(p2p_hs_consume_auth(&a, ab, sizeof ab), AG_OK);
    ck_assert_int_eq(p2p_hs_consume_auth(&b, aa, sizeof aa), AG_OK);
    ck_assert_str_eq(a.peer_id, kb.id);
    ck_assert_str_eq(b.peer_id, ka.id);
    p2p_secret sa, sb;
    ck_assert_int_eq(p2p_hs_take_secret(&a, &sa), AG_OK);
    ck_assert_int_eq(p2p_hs_take_secret(&b, &sb), AG_OK);
    uint8_t f[P2P_FRAME_SEALED], got[P2P_FRAME_DATA_MAX];
    size_t n;
    ck_assert_int_eq(p2p_secret_seal(&sa, f, (const uint8_t *)"hello", 5), AG_OK);
    ck_assert_int_eq(p2p_secret_open(&sb, got, &n, f), AG_OK);
    ck_assert_uint_eq(n, 5);
    p2p_secret_free(&sa);
    p2p_secret_free(&sb);
    p2p_hs_clear(&a);
    p2p_hs_clear(&b);
}
END_TEST

START_TEST(handshake_refuses_bad_input)
{
    node_key ka, kb, km;
    key_from_byte(&ka, 1);
    key_from_byte(&kb, 2);
    key_from_byte(&km, 3);
    p2p_hs a, b;
    uint8_t ea[P2P_HS_EPH_LEN], eb[P2P_HS_EPH_LEN], ab[P2P_HS_AUTH_WIRE];
    /* reflected ephemeral key */
    hs_pair(&a, &b, &ka, &kb, 11, 12);
    p2p_hs_eph_msg(&a, ea);
    ck_assert_int_eq(p2p_hs_consume_eph(&a, ea, sizeof ea), AG_ERR_DECODE);
    ck_assert_int_eq(a.state, P2P_HS_FAILED);
    ck_assert_int_eq(p2p_hs_consume_eph(&a, ea, sizeof ea), AG_ERR_STATE);
    p2p_hs_clear(&a);
    p2p_hs_clear(&b);
    /* wrong length, not a point */
    hs_pair(&a, &b, &ka, &kb, 11, 12);
    p2p_hs_eph_msg(&b, eb);
    ck_assert_int_eq(p2p_hs_consume_eph(&a, eb, 32), AG_ERR_LENGTH);
    p2p_hs_clear(&a);
    hs_pair(&a, &b, &ka, &kb, 11, 12);
    uint8_t junk[P2P_HS_EPH_LEN];
    memset(junk, 0x04, sizeof junk);
    ck_assert_int_eq(p2p_hs_consume_eph(&a, junk, sizeof junk), AG_ERR_BAD_PUBKEY);
    p2p_hs_clear(&a);
    p2p_hs_clear(&b);
    /* tampered auth frame; then a man in the middle who swaps the node key
     * cannot produce the signature over this session's challenge */
    for (int variant = 0; variant < 2; variant++) {
        hs_pair(&a, &b, &ka, &kb, 11, 12);
        p2p_hs_eph_msg(&a, ea);
        p2p_hs_eph_msg(&b, eb);
        ck_assert_int_eq(p2p_hs_consume_eph(&a, eb, sizeof eb), AG_OK);
        ck_assert_int_eq(p2p_hs_consume_eph(&b, ea, sizeof ea), AG_OK);
        if (variant == 0) {
            ck_assert_int_eq(p2p_hs_auth_msg(&b, ab), AG_OK);
            ab[40] ^= 0x80;
        } else {
            /* b's keys, but a signature by m over a different challenge */
            p2p_hs m1, m2;
            hs_pair(&m1, &m2, &km, &kb, 21, 22);
            uint8_t e1[P2P_HS_EPH_LEN], e2[P2P_HS_EPH_LEN], am[P2P_HS_AUTH_WIRE];
            p2p_hs_eph_msg(&m1, e1);
            p2p_hs_eph_msg(&m2, e2);
            ck_assert_int_eq(p2p_hs_consume_eph(&m1, e2, sizeof e2), AG_OK);
            ck_assert_int_eq(p2p_hs_auth_msg(&m1, am), AG_OK);
            uint8_t plain[P2P_FRAME_DATA_MAX];
            size_t n;
            ck_assert_int_eq(p2p_hs_consume_eph(&m2, e1, sizeof e1), AG_OK);
            ck_assert_int_eq(p2p_secret_open(&m2.secret, plain, &n, am), AG_OK);
            ck_assert_int_eq(p2p_secret_seal(&b.secret, ab, plain, n), AG_OK);
            p2p_hs_clear(&m1);
            p2p_hs_clear(&m2);
        }
        ck_assert_int_eq(p2p_hs_consume_auth(&a, ab, sizeof ab), AG_ERR_VERIFY);
        ck_assert_int_eq(a.state, P2P_HS_FAILED);
        p2p_secret s;
        ck_assert_int_eq(p2p_hs_take_secret(&a, &s), AG_ERR_STATE);
        p2p_hs_clear(&a);
        p2p_hs_clear(&b);
    }
}
END_TEST

START_TEST(handshake_random_keys)
{
    ag_env_sim env;
    ag_env_sim_init(&env, ag_test_seed(), 0);
    for (int it = 0; it < 20; it++) {
        node_key ka, kb;
        ck_assert_int_eq(node_key_generate(&ka), AG_OK);
        ck_assert_int_eq(node_key_generate(&kb), AG_OK);
        p2p_hs a, b;
        ck_assert_int_eq(p2p_hs_init(&a, &ka, &env.env), AG_OK);
        ck_assert_int_eq(p2p_hs_init(&b, &kb, &env.env), AG_OK);
        uint8_t ea[P2P_HS_EPH_LEN], eb[P2P_HS_EPH_LEN], aa[P2P_HS_AUTH_WIRE], ab[P2P_HS_AUTH_WIRE];
        p2p_hs_eph_msg(&a, ea);
        p2p_hs_eph_msg(&b, eb);
        ck_assert_int_eq(p2p_hs_consume_eph(&a, eb, sizeof eb), AG_OK);
        ck_assert_int_eq(p2p_hs_consume_eph(&b, ea, sizeof ea), AG_OK);
        ck_assert_int_eq(p2p_hs_auth_msg(&a, aa), AG_OK);
        ck_assert_int_eq(p2p_hs_auth_msg(&b, ab), AG_OK);
        ck_assert_int_eq(p2p_hs_consume_auth(&a, ab, sizeof ab), AG_OK);
        ck_assert_int_eq(p2p_hs_consume_auth(&b, aa, sizeof aa), AG_OK);
        ck_assert_str_eq(a.peer_id, kb.id);
        ck_assert_str_eq(b.peer_id, ka.id);
        p2p_hs_clear(&a);
        p2p_hs_clear(&b);
    }
}
END_TEST

/* ---- codecs ---- */

START_TEST(packet_codec)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    uint8_t data[P2P_PACKET_DATA_MAX];
    memset(data, 0xab, sizeof data);
    ck_assert_int_eq(p2p_packet_append(&b, P2P_PKT_MSG, 0x22, true, data, sizeof data), AG_OK);
    size_t n, used;
    ck_assert_int_eq(p2p_prefix_read(b.data, b.len, P2P_PACKET_MAX, &n, &used), AG_OK);
    ck_assert_uint_eq(used + n, b.len);
    p2p_packet p;
    ck_assert_int_eq(p2p_packet_decode(&p, b.data + used, n), AG_OK);
    ck_assert_int_eq(p.type, P2P_PKT_MSG);
    ck_assert_uint_eq(p.channel, 0x22);
    ck_assert(p.eof);
    ck_assert_uint_eq(p.len, sizeof data);
    ck_assert(memcmp(p.data, data, sizeof data) == 0);
    ck_assert_int_eq(p2p_packet_append(&b, P2P_PKT_MSG, 0, false, data, sizeof data + 1),
                     AG_ERR_TOO_LARGE);
    ag_buf_reset(&b);
    ck_assert_int_eq(p2p_packet_append(&b, P2P_PKT_PING, 0, false, NULL, 0), AG_OK);
    ck_assert_int_eq(p2p_prefix_read(b.data, b.len, P2P_PACKET_MAX, &n, &used), AG_OK);
    ck_assert_int_eq(p2p_packet_decode(&p, b.data + used, n), AG_OK);
    ck_assert_int_eq(p.type, P2P_PKT_PING);
    /* an empty Packet, a channel id out of range, a length prefix too big */
    ck_assert_int_eq(p2p_packet_decode(&p, (const uint8_t *)"", 0), AG_ERR_DECODE);
    static const uint8_t big_ch[] = {0x1a, 0x03, 0x08, 0x80, 0x02}; /* msg{channel_id:256} */
    ck_assert_int_eq(p2p_packet_decode(&p, big_ch, sizeof big_ch), AG_ERR_DECODE);
    static const uint8_t pre[] = {0xff, 0xff, 0x03};
    ck_assert_int_eq(p2p_prefix_read(pre, sizeof pre, P2P_PACKET_MAX, &n, &used), AG_ERR_TOO_LARGE);
    ck_assert_int_eq(p2p_prefix_read(pre, 1, P2P_PACKET_MAX, &n, &used), AG_ERR_TRUNCATED);
    static const uint8_t nonmin[] = {0x81, 0x00};
    ck_assert_int_eq(p2p_prefix_read(nonmin, 2, P2P_PACKET_MAX, &n, &used), AG_ERR_DECODE);
    /* node info */
    p2p_node_info ni = {0}, got;
    node_key k;
    key_from_byte(&k, 5);
    snprintf(ni.id, sizeof ni.id, "%s", k.id);
    snprintf(ni.listen_addr, sizeof ni.listen_addr, "127.0.0.1:26656");
    snprintf(ni.network, sizeof ni.network, "agora-1");
    ni.channels[0] = 0x20;
    ni.channels[1] = 0x00;
    ni.n_channels = 2;
    ag_buf_reset(&b);
    ck_assert_int_eq(p2p_node_info_append(&b, &ni), AG_OK);
    ck_assert_int_eq(p2p_prefix_read(b.data, b.len, P2P_NODE_INFO_MAX, &n, &used), AG_OK);
    ck_assert_int_eq(p2p_node_info_decode(&got, b.data + used, n), AG_OK);
    ck_assert_str_eq(got.id, ni.id);
    ck_assert_str_eq(got.network, "agora-1");
    ck_assert_uint_eq(got.n_channels, 2);
    ni.channels[1] = 0x20; /* repeated channel */
    ag_buf_reset(&b);
    ck_assert_int_eq(p2p_node_info_append(&b, &ni), AG_OK);
    ck_assert_int_eq(p2p_prefix_read(b.data, b.len, P2P_NODE_INFO_MAX, &n, &used), AG_OK);
    ck_assert_int_eq(p2p_node_info_decode(&got, b.data + used, n), AG_ERR_DECODE);
    ni.n_channels = 1;
    ni.id[3] = 'G';
    ag_buf_reset(&b);
    ck_assert_int_eq(p2p_node_info_append(&b, &ni), AG_OK);
    ck_assert_int_eq(p2p_prefix_read(b.data, b.len, P2P_NODE_INFO_MAX, &n, &used), AG_OK);
    ck_assert_int_eq(p2p_node_info_decode(&got, b.data + used, n), AG_ERR_DECODE);
    ag_buf_free(&b);
}
END_TEST

START_TEST(netaddr_parse)
{
    p2p_netaddr a;
    const char *id = "0123456789abcdef0123456789abcdef01234567";
    char s[200];
    snprintf(s, sizeof s, "%s@127.0.0.1:26656", id);
    ck_assert_int_eq(p2p_netaddr_parse(&a, s, true), AG_OK);
    ck_assert_str_eq(a.id, id);
    ck_assert_str_eq(a.host, "127.0.0.1");
    ck_assert_uint_eq(a.port, 26656);
    char back[P2P_ADDR_MAX + 1];
    p2p_netaddr_format(&a, back, sizeof back);
    ck_assert_str_eq(back, s);
    snprintf(s, sizeof s, "%s@[::1]:1", id);
    ck_assert_int_eq(p2p_netaddr_parse(&a, s, true), AG_OK);
    ck_assert_str_eq(a.host, "::1");
    p2p_netaddr_format(&a, back, sizeof back);
    ck_assert_str_eq(back, s);
    struct sockaddr_storage ss;
    ck_assert_int_eq(p2p_netaddr_sockaddr(&a, &ss), AG_OK);
    ck_assert_int_eq(p2p_netaddr_parse(&a, "127.0.0.1:5", false), AG_OK);
    ck_assert_int_eq(p2p_netaddr_parse(&a, "127.0.0.1:5", true), AG_ERR_DECODE);
    const char *bad[] = {"x@1.2.3.4:5", "1.2.3.4",    "1.2.3.4:0", "1.2.3.4:65536", ":5",
                         "::1:5",       "1.2.3.4:5x", "[::1]5",    "1.2.3.4:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(p2p_netaddr_parse(&a, bad[i], false) == AG_ERR_DECODE, "%s", bad[i]);
    snprintf(s, sizeof s, "%.39sG@1.2.3.4:5", id);
    ck_assert_int_eq(p2p_netaddr_parse(&a, s, true), AG_ERR_DECODE);
    ck_assert_int_eq(p2p_netaddr_parse(&a, "example.com:5", false), AG_OK); /* names parse */
    ck_assert_int_eq(p2p_netaddr_sockaddr(&a, &ss), AG_ERR_UNSUPPORTED);
}
END_TEST

/* ---- switches ---- */

typedef struct pair {
    tnode *a, *b;
    int want;
} pair;

static bool both_connected(void *ctx)
{
    pair *p = ctx;
    return p2p_switch_find_peer(p->a->sw, p->b->key.id) &&
           p2p_switch_find_peer(p->b->sw, p->a->key.id);
}

static bool added_at_least(void *ctx)
{
    pair *p = ctx;
    return p->a->rx.added >= p->want;
}

static void connect_pair(uv_loop_t *loop, tnode *a, tnode *b)
{
    tnode_dial(a, b);
    pair pr = {a, b, 0};
    ck_assert_msg(run_until(loop, both_connected, &pr, 5000), "nodes did not connect");
}

typedef struct want_msgs {
    tnode *n;
    uint8_t ch;
    uint64_t count;
} want_msgs;

static bool got_msgs(void *ctx)
{
    want_msgs *w = ctx;
    return w->n->rx.msgs[w->ch] >= w->count;
}

START_TEST(two_switches_channels)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &a, &b);
    ck_assert_int_eq(a.rx.added, 1);
    ck_assert_int_eq(b.rx.added, 1);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    p2p_peer *pa = p2p_switch_find_peer(b.sw, a.key.id);
    ck_assert(p2p_peer_is_outbound(pb));
    ck_assert(!p2p_peer_is_outbound(pa));
    ck_assert_str_eq(p2p_peer_info(pb)->network, "agora-test");
    ck_assert_str_eq(p2p_peer_info(pa)->listen_addr, p2p_switch_listen_addr(a.sw));
    /* messages of many sizes on three channels, both ways, including one
     * that spans hundreds of fragments; order and content preserved */
    ag_rng rng;
    ag_test_rng(&rng, 2);
    static uint8_t big[300 * 1024];
    ag_rng_fill(&rng, big, sizeof big);
    uint64_t want_hash[256] = {0};
    const uint8_t chs[] = {T_CH_A, T_CH_B, T_CH_C};
    int sent[256] = {0};
    for (int i = 0; i < 30; i++) {
        uint8_t ch = chs[i % 3];
        size_t len = i == 7 ? sizeof big : (size_t)ag_rng_below(&rng, 5000);
        uint8_t *m = i == 7 ? big : big + 1000;
        if (len && m[0] == 0xff)
            m[0] = 0;
        ag_err err;
        while ((err = p2p_peer_send(pb, ch, m, len)) == AG_ERR_AGAIN)
            run_for(&loop, 5);
        ck_assert_int_eq(err, AG_OK);
        uint8_t h[32];
        crypto_sha256(h, m, len);
        uint64_t v;
        memcpy(&v, h, 8);
        want_hash[ch] = want_hash[ch] * 1000003u ^ v;
        sent[ch]++;
    }
    ck_assert_int_eq(p2p_peer_send(pa, T_CH_B, (const uint8_t *)"back", 4), AG_OK);
    for (int i = 0; i < 3; i++) {
        want_msgs w = {&b, chs[i], (uint64_t)sent[chs[i]]};
        ck_assert_msg(run_until(&loop, got_msgs, &w, 10000), "channel %x", chs[i]);
        ck_assert_uint_eq(b.rx.hash[chs[i]], want_hash[chs[i]]);
    }
    want_msgs wb = {&a, T_CH_B, 1};
    ck_assert(run_until(&loop, got_msgs, &wb, 5000));
    ck_assert_uint_eq(a.rx.bytes[T_CH_B], 4);
    /* counters */
    ck_assert_uint_eq(p2p_switch_get_stats(a.sw)->msgs_sent, 30);
    ck_assert_uint_eq(p2p_switch_get_stats(b.sw)->msgs_recv, 30);
    const p2p_mconn_stats *cs = p2p_peer_conn_stats(pb);
    ck_assert_uint_eq(cs->msgs_sent, 30);
    ck_assert_uint_ge(cs->bytes_sent, sizeof big);
    ck_assert_uint_eq(cs->bytes_sent % P2P_FRAME_SEALED, P2P_HS_EPH_LEN); /* all frames */
    ck_assert_uint_eq(p2p_peer_conn_stats(pa)->msgs_recv, 30);
    /* unknown channel and oversized sends are refused locally */
    ck_assert_int_eq(p2p_peer_send(pb, 0x77, (const uint8_t *)"x", 1), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(p2p_peer_send(pb, T_CH_A, big, (1 << 20) + 1), AG_ERR_TOO_LARGE);
    /* dialling again is refused: already connected */
    char s[P2P_ADDR_MAX + 1];
    tnode_addr(&b, s, sizeof s);
    p2p_netaddr na;
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(a.sw, &na), AG_ERR_EXISTS);
    /* and dialling ourselves */
    tnode_addr(&a, s, sizeof s);
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(a.sw, &na), AG_ERR_EXISTS);
    tnode_close(&a, &loop);
    ck_assert_int_eq(a.rx.removed, 1);
    pair pr = {&b, &a, 0};
    (void)pr;
    run_for(&loop, 50);
    ck_assert_int_eq(b.rx.removed, 1);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

static bool three_meshed(void *ctx)
{
    tnode *n = ctx;
    for (int i = 0; i < 3; i++)
        if (p2p_switch_peers(n[i].sw, NULL, 0) != 2)
            return false;
    return true;
}

static bool three_got(void *ctx)
{
    tnode *n = ctx;
    for (int i = 0; i < 3; i++)
        if (n[i].rx.msgs[T_CH_C] != 2)
            return false;
    return true;
}

START_TEST(three_switches_broadcast)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode n[3];
    memset(n, 0, sizeof n);
    for (int i = 0; i < 3; i++)
        tnode_up(&n[i], &loop, &env.env, &o, false);
    tnode_dial(&n[0], &n[1]);
    tnode_dial(&n[1], &n[2]);
    tnode_dial(&n[2], &n[0]);
    ck_assert(run_until(&loop, three_meshed, n, 5000));
    for (int i = 0; i < 3; i++) {
        uint8_t m[3] = {'m', (uint8_t)i, 0};
        ck_assert_uint_eq(p2p_switch_broadcast(n[i].sw, T_CH_C, m, sizeof m), 2);
    }
    ck_assert(run_until(&loop, three_got, n, 5000));
    for (int i = 0; i < 3; i++)
        tnode_close(&n[i], &loop);
    rig_finish(&loop);
}
END_TEST

static bool stat_nonzero(void *ctx)
{
    return *(const uint64_t *)ctx != 0;
}

START_TEST(id_mismatch_refused)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    char s[P2P_ADDR_MAX + 1];
    snprintf(s, sizeof s, "%s@%s", "00112233445566778899aabbccddeeff00112233",
             p2p_switch_listen_addr(b.sw));
    p2p_netaddr na;
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(a.sw, &na), AG_OK);
    const p2p_switch_stats *st = p2p_switch_get_stats(a.sw);
    ck_assert(run_until(&loop, stat_nonzero, (void *)(uintptr_t)&st->id_mismatch, 5000));
    run_for(&loop, 100);
    ck_assert_int_eq(a.rx.added, 0);
    /* b authenticated a and may have added it; a's refusal closed it */
    ck_assert_int_eq(b.rx.added, b.rx.removed);
    ck_assert_uint_eq(p2p_switch_peers(a.sw, NULL, 0), 0);
    ck_assert_uint_ge(st->dial_failures, 1);
    /* a different network is refused as well */
    tnode c;
    memset(&c, 0, sizeof c);
    p2p_switch_opts o2 = o;
    o2.network = "other-chain";
    tnode_up(&c, &loop, &env.env, &o2, false);
    tnode_dial(&a, &c);
    ck_assert(run_until(&loop, stat_nonzero, (void *)(uintptr_t)&st->refused_network, 5000));
    ck_assert_int_eq(a.rx.added, 0);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    tnode_close(&c, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(persistent_peer_redialled_after_restart)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&b, &loop, &env.env, &o, false);
    char baddr[P2P_ADDR_MAX + 1], blisten[P2P_ADDR_MAX + 1];
    tnode_addr(&b, baddr, sizeof baddr);
    snprintf(blisten, sizeof blisten, "%s", p2p_switch_listen_addr(b.sw));
    ck_assert_int_eq(p2p_switch_new(&a.sw, &loop, &a.key, &env.env, &o), AG_OK);
    p2p_switch_close(a.sw, NULL, NULL); /* a switch closed before start frees cleanly */
    run_for(&loop, 10);
    tnode_up(&a, &loop, &env.env, &o, false);
    ck_assert_int_eq(p2p_switch_add_persistent(a.sw, baddr), AG_OK);
    ck_assert_int_eq(p2p_switch_add_persistent(a.sw, baddr), AG_ERR_EXISTS);
    pair pr = {&a, &b, 1};
    ck_assert(run_until(&loop, both_connected, &pr, 5000));
    ck_assert(p2p_peer_is_persistent(p2p_switch_find_peer(a.sw, b.key.id)));
    /* b goes away: a keeps redialling (and failing) with backoff */
    tnode_close(&b, &loop);
    const p2p_switch_stats *st = p2p_switch_get_stats(a.sw);
    run_for(&loop, 600);
    ck_assert_int_eq(a.rx.removed, 1);
    uint64_t fails = st->dial_failures;
    ck_assert_uint_ge(fails, 2);
    ck_assert_uint_le(fails, 8); /* backoff: 50, 100, 200, 400 ms (+ jitter) */
    /* b restarts with the same key on the same port */
    p2p_switch_opts ob = o;
    ob.listen_addr = blisten;
    tnode_up(&b, &loop, &env.env, &ob, true);
    pr.want = 2;
    ck_assert_msg(run_until(&loop, added_at_least, &pr, 5000), "no redial");
    ck_assert(run_until(&loop, both_connected, &pr, 5000));
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(simultaneous_dials_resolve_to_one)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    tnode_dial(&a, &b);
    tnode_dial(&b, &a);
    pair pr = {&a, &b, 1};
    ck_assert(run_until(&loop, both_connected, &pr, 5000));
    run_for(&loop, 300);
    ck_assert(both_connected(&pr));
    ck_assert_uint_eq(p2p_switch_peers(a.sw, NULL, 0), 1);
    ck_assert_uint_eq(p2p_switch_peers(b.sw, NULL, 0), 1);
    /* both kept the connection dialled by the lower ID */
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    bool a_lower = strcmp(a.key.id, b.key.id) < 0;
    ck_assert(p2p_peer_is_outbound(pb) == a_lower);
    ck_assert_int_eq(a.rx.added - a.rx.removed, 1);
    ck_assert_int_eq(b.rx.added - b.rx.removed, 1);
    /* and it works */
    ck_assert_int_eq(p2p_peer_send(pb, T_CH_A, (const uint8_t *)"hi", 2), AG_OK);
    want_msgs w = {&b, T_CH_A, 1};
    ck_assert(run_until(&loop, got_msgs, &w, 5000));
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(inbound_limit)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b, c;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    p2p_switch_opts oa = o;
    oa.max_inbound = 1;
    tnode_up(&a, &loop, &env.env, &oa, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    tnode_up(&c, &loop, &env.env, &o, false);
    connect_pair(&loop, &b, &a);
    tnode_dial(&c, &a);
    const p2p_switch_stats *st = p2p_switch_get_stats(a.sw);
    ck_assert(run_until(&loop, stat_nonzero, (void *)(uintptr_t)&st->refused_limit, 5000));
    run_for(&loop, 100);
    ck_assert_uint_eq(p2p_switch_peers(a.sw, NULL, 0), 1);
    ck_assert_int_eq(c.rx.added, 0);
    /* outbound limit */
    p2p_switch_opts oc = o;
    oc.max_outbound = 0;
    tnode d;
    memset(&d, 0, sizeof d);
    tnode_up(&d, &loop, &env.env, &oc, false);
    char s[P2P_ADDR_MAX + 1];
    tnode_addr(&b, s, sizeof s);
    p2p_netaddr na;
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(d.sw, &na), AG_ERR_AGAIN);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    tnode_close(&c, &loop);
    tnode_close(&d, &loop);
    rig_finish(&loop);
}
END_TEST

static bool removed_at_least_one(void *ctx)
{
    return ((tnode *)ctx)->rx.removed >= 1;
}

START_TEST(invalid_messages_ban)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &a, &b);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    const uint8_t bad = 0xff;
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(p2p_peer_send(pb, T_CH_A, &bad, 1), AG_OK);
    run_for(&loop, 200);
    p2p_peer *pa = p2p_switch_find_peer(b.sw, a.key.id);
    ck_assert_ptr_nonnull(pa);
    ck_assert_uint_eq(p2p_peer_score(pa), 80); /* 4 x 20: still connected */
    ck_assert_int_eq(p2p_peer_send(pb, T_CH_A, &bad, 1), AG_OK);
    ck_assert(run_until(&loop, removed_at_least_one, &b, 5000));
    ck_assert(p2p_switch_is_banned(b.sw, a.key.id));
    const p2p_switch_stats *st = p2p_switch_get_stats(b.sw);
    ck_assert_uint_eq(st->reported_bad, 5);
    ck_assert_uint_eq(st->bans, 1);
    /* a banned peer that dials in is refused after its handshake */
    run_for(&loop, 100);
    tnode_dial(&a, &b);
    ck_assert(run_until(&loop, stat_nonzero, (void *)(uintptr_t)&st->refused_banned, 5000));
    ck_assert_uint_eq(p2p_switch_peers(b.sw, NULL, 0), 0);
    /* and b does not dial it */
    char s[P2P_ADDR_MAX + 1];
    tnode_addr(&a, s, sizeof s);
    p2p_netaddr na;
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(b.sw, &na), AG_ERR_PERMISSION);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(garbage_and_stalled_handshakes)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    o.conn.handshake_timeout_ms = 300;
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    ag_rng rng;
    ag_test_rng(&rng, 3);
    /* silent; 20 bytes; a valid ephemeral key and then silence (stops
     * mid-handshake); random junk of every length */
    enum { N_RAW = 7 };
    rawc r[N_RAW];
    uint8_t junk[4096];
    for (int i = 0; i < N_RAW; i++) {
        size_t len = i == 0 ? 0 : i == 1 ? 20 : i == 2 ? 33 : 33 + (size_t)ag_rng_below(&rng, 4000);
        ag_rng_fill(&rng, junk, len);
        if (i == 2) {
            node_key eph;
            ck_assert_int_eq(node_key_generate(&eph), AG_OK);
            memcpy(junk, eph.pub.b, 33);
        }
        rawc_start(&r[i], &loop, tnode_port(&a), junk, len);
    }
    const p2p_switch_stats *st = p2p_switch_get_stats(a.sw);
    run_for(&loop, 800);
    ck_assert_uint_eq(st->accepted, N_RAW);
    ck_assert_uint_eq(st->handshake_failures, N_RAW);
    ck_assert_uint_ge(st->timeouts, 3); /* silent, short, stopped after its key */
    for (int i = 0; i < N_RAW; i++)
        ck_assert_msg(r[i].eof, "connection %d not dropped", i);
    for (int i = 0; i < N_RAW; i++)
        rawc_close(&r[i]);
    /* one host holding handshakes open is cut off past max_handshakes_per_ip */
    enum { N_HOLD = 12 };
    rawc h[N_HOLD];
    uint64_t refused0 = st->refused_limit;
    for (int i = 0; i < N_HOLD; i++)
        rawc_start(&h[i], &loop, tnode_port(&a), junk, 0);
    run_for(&loop, 150); /* under the 300 ms handshake timeout */
    ck_assert_uint_eq(st->refused_limit - refused0, N_HOLD - 8);
    int dropped = 0;
    for (int i = 0; i < N_HOLD; i++)
        dropped += h[i].eof;
    ck_assert_int_eq(dropped, N_HOLD - 8);
    for (int i = 0; i < N_HOLD; i++)
        rawc_close(&h[i]);
    run_for(&loop, 400);
    /* the node is unaffected */
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &b, &a);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

static void proxied(int mode, uint64_t *bad_frames_out, int *b_added)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    proxy px;
    proxy_start(&px, &loop, tnode_port(&b), mode);
    char s[P2P_ADDR_MAX + 1];
    snprintf(s, sizeof s, "%s@127.0.0.1:%u", b.key.id, px.port);
    p2p_netaddr na;
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(a.sw, &na), AG_OK);
    pair pr = {&a, &b, 1};
    ck_assert(run_until(&loop, both_connected, &pr, 5000));
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    uint8_t m[3000];
    memset(m, 0x11, sizeof m);
    for (int i = 0; i < 3; i++)
        p2p_peer_send(pb, T_CH_A, m, sizeof m);
    ck_assert(run_until(&loop, removed_at_least_one, &b, 5000));
    *bad_frames_out = p2p_switch_get_stats(b.sw)->bad_frames;
    *b_added = b.rx.added;
    ck_assert_int_eq(b.rx.last_removed_reason, AG_ERR_VERIFY);
    /* a MAC failure cannot be pinned on the peer (anyone on the path can
     * flip a bit): no ban */
    ck_assert(!p2p_switch_is_banned(b.sw, a.key.id));
    proxy_close(&px);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}

START_TEST(flipped_and_replayed_frames_drop_the_connection)
{
    uint64_t bad;
    int added;
    proxied(PX_FLIP, &bad, &added);
    ck_assert_uint_eq(bad, 1);
    proxied(PX_REPLAY, &bad, &added);
    ck_assert_uint_eq(bad, 1);
}
END_TEST

START_TEST(oversized_message_drops_and_bans)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.recv_max = 1 << 20;
    b.recv_max = 4096; /* b accepts at most 4 KiB per message */
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &a, &b);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    static uint8_t m[10000];
    ck_assert_int_eq(p2p_peer_send(pb, T_CH_B, m, 4096), AG_OK);
    want_msgs w = {&b, T_CH_B, 1};
    ck_assert(run_until(&loop, got_msgs, &w, 5000));
    ck_assert_int_eq(p2p_peer_send(pb, T_CH_B, m, 4097), AG_OK);
    ck_assert(run_until(&loop, removed_at_least_one, &b, 5000));
    ck_assert_int_eq(b.rx.last_removed_reason, AG_ERR_TOO_LARGE);
    ck_assert_uint_eq(p2p_switch_get_stats(b.sw)->oversized, 1);
    ck_assert(p2p_switch_is_banned(b.sw, a.key.id)); /* authenticated: attributable */
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(slow_reader_is_disconnected)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    o.conn.send_stall_timeout_ms = 400;
    o.conn.ping_interval_ms = 100000;
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    proxy px;
    proxy_start(&px, &loop, tnode_port(&b), PX_STALL);
    char s[P2P_ADDR_MAX + 1];
    snprintf(s, sizeof s, "%s@127.0.0.1:%u", b.key.id, px.port);
    p2p_netaddr na;
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(a.sw, &na), AG_OK);
    pair pr = {&a, &b, 1};
    ck_assert(run_until(&loop, both_connected, &pr, 5000));
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    static uint8_t m[256 * 1024];
    uint64_t refused = 0, queued = 0;
    const p2p_switch_stats *st = p2p_switch_get_stats(a.sw);
    for (int i = 0; i < 4000 && a.rx.removed == 0; i++) {
        ag_err err = p2p_peer_send(pb, T_CH_A, m, sizeof m);
        if (err == AG_ERR_AGAIN)
            refused++;
        else if (err == AG_OK)
            queued++;
        ck_assert_uint_le(p2p_peer_queued(pb, T_CH_A), 16); /* bounded */
        run_for(&loop, 2);
    }
    ck_assert_int_eq(a.rx.removed, 1);
    ck_assert_int_eq(a.rx.last_removed_reason, AG_ERR_TIMEOUT);
    ck_assert_uint_ge(refused, 1);
    ck_assert_uint_ge(st->timeouts, 1);
    proxy_close(&px);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(send_rate_limit)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    o.conn.send_rate = 200000; /* 200 kB/s, burst of one second */
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &a, &b);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    static uint8_t m[50000];
    uv_update_time(&loop);
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < 12; i++) { /* 600 kB: 200 kB burst + ~2 s */
        ag_err err;
        while ((err = p2p_peer_send(pb, T_CH_A, m, sizeof m)) == AG_ERR_AGAIN)
            run_for(&loop, 5);
        ck_assert_int_eq(err, AG_OK);
    }
    want_msgs w = {&b, T_CH_A, 12};
    ck_assert(run_until(&loop, got_msgs, &w, 10000));
    uint64_t ms = uv_now(&loop) - t0;
    ck_assert_msg(ms >= 1500 && ms <= 4000, "600 kB at 200 kB/s took %llu ms",
                  (unsigned long long)ms);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(ping_pong_keeps_idle_connection)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    o.conn.ping_interval_ms = 50;
    o.conn.pong_timeout_ms = 150;
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &a, &b);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    uint64_t frames0 = p2p_peer_conn_stats(pb)->frames_recv;
    run_for(&loop, 600);
    pair pr = {&a, &b, 0};
    ck_assert(both_connected(&pr));
    ck_assert_int_eq(a.rx.removed, 0);
    /* pings and pongs flowed on the idle connection */
    ck_assert_uint_ge(p2p_peer_conn_stats(pb)->frames_recv, frames0 + 5);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(unknown_channel_drops_and_bans)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.extra_channel = P2P_CH_BLOCKSYNC; /* b does not serve it */
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &a, &b);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    ck_assert_uint_eq(p2p_peer_info(pb)->n_channels, 3);
    ck_assert_int_eq(p2p_peer_send(pb, P2P_CH_BLOCKSYNC, (const uint8_t *)"x", 1), AG_OK);
    ck_assert(run_until(&loop, removed_at_least_one, &b, 5000));
    ck_assert_int_eq(b.rx.last_removed_reason, AG_ERR_DECODE);
    ck_assert_uint_eq(p2p_switch_get_stats(b.sw)->bad_frames, 1);
    ck_assert(p2p_switch_is_banned(b.sw, a.key.id));
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

static ag_err nop_receive(void *ctx, p2p_peer *p, uint8_t ch, const uint8_t *m, size_t len)
{
    return AG_OK;
}

START_TEST(reactor_registration_rules)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    node_key k;
    ck_assert_int_eq(node_key_generate(&k), AG_OK);
    p2p_switch *sw;
    ck_assert_int_eq(p2p_switch_new(&sw, &loop, &k, &env.env, &o), AG_OK);
    p2p_channel_desc c1[] = {{P2P_CH_MEMPOOL, 1, 8, 4096}, {P2P_CH_EVIDENCE, 2, 8, 4096}};
    p2p_reactor r = {.name = "one", .channels = c1, .n_channels = 2, .receive = nop_receive};
    int slot;
    ck_assert_int_eq(p2p_switch_add_reactor(sw, &r, &slot), AG_OK);
    ck_assert_int_eq(slot, 0);
    p2p_channel_desc c2[] = {{P2P_CH_EVIDENCE, 1, 8, 4096}};
    p2p_reactor r2 = {.name = "two", .channels = c2, .n_channels = 1};
    ck_assert_int_eq(p2p_switch_add_reactor(sw, &r2, &slot), AG_ERR_EXISTS);
    ck_assert_int_eq(slot, -1);
    p2p_channel_desc c3[] = {{P2P_CH_BLOCKSYNC, 1, 8, 4096}, {P2P_CH_BLOCKSYNC, 1, 8, 4096}};
    p2p_reactor r3 = {.name = "three", .channels = c3, .n_channels = 2};
    ck_assert_int_eq(p2p_switch_add_reactor(sw, &r3, &slot), AG_ERR_EXISTS);
    r3.n_channels = 1;
    ck_assert_int_eq(p2p_switch_add_reactor(sw, &r3, &slot), AG_OK);
    ck_assert_int_eq(slot, 1);
    ck_assert_int_eq(p2p_switch_add_persistent(sw, "nope"), AG_ERR_DECODE);
    ck_assert_int_eq(p2p_switch_start(sw), AG_OK);
    ck_assert_int_eq(p2p_switch_start(sw), AG_ERR_STATE);
    p2p_channel_desc c4[] = {{0x50, 1, 8, 4096}};
    p2p_reactor r4 = {.name = "late", .channels = c4, .n_channels = 1};
    ck_assert_int_eq(p2p_switch_add_reactor(sw, &r4, &slot), AG_ERR_STATE);
    p2p_switch_close(sw, NULL, NULL);
    rig_finish(&loop);
}
END_TEST

START_TEST(recv_rate_limit)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    p2p_switch_opts ob = o;
    ob.conn.recv_rate = 200000; /* b reads at most 200 kB/s */
    tnode_up(&b, &loop, &env.env, &ob, false);
    connect_pair(&loop, &a, &b);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    static uint8_t m[50000];
    uv_update_time(&loop);
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < 12; i++) {
        ag_err err;
        while ((err = p2p_peer_send(pb, T_CH_A, m, sizeof m)) == AG_ERR_AGAIN)
            run_for(&loop, 5);
        ck_assert_int_eq(err, AG_OK);
    }
    want_msgs w = {&b, T_CH_A, 12};
    ck_assert(run_until(&loop, got_msgs, &w, 10000));
    uint64_t ms = uv_now(&loop) - t0;
    ck_assert_msg(ms >= 1500 && ms <= 5000, "600 kB read at 200 kB/s took %llu ms",
                  (unsigned long long)ms);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(bans_expire)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    connect_pair(&loop, &a, &b);
    p2p_switch_ban(b.sw, a.key.id, 200); /* disconnects at once */
    ck_assert(p2p_switch_is_banned(b.sw, a.key.id));
    ck_assert(run_until(&loop, removed_at_least_one, &a, 5000));
    ck_assert_int_eq(b.rx.last_removed_reason, AG_ERR_PERMISSION);
    run_for(&loop, 300);
    ck_assert(!p2p_switch_is_banned(b.sw, a.key.id));
    connect_pair(&loop, &a, &b); /* welcome again */
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(dial_by_host_name)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    char s[P2P_ADDR_MAX + 1];
    snprintf(s, sizeof s, "%s@localhost:%u", b.key.id, tnode_port(&b));
    p2p_netaddr na;
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(a.sw, &na), AG_OK);
    pair pr = {&a, &b, 0};
    ck_assert(run_until(&loop, both_connected, &pr, 5000));
    /* a lookup still in flight when the switch closes is harmless */
    tnode c;
    memset(&c, 0, sizeof c);
    tnode_up(&c, &loop, &env.env, &o, false);
    snprintf(s, sizeof s, "%s@localhost:%u", c.key.id, tnode_port(&c));
    ck_assert_int_eq(p2p_netaddr_parse(&na, s, true), AG_OK);
    ck_assert_int_eq(p2p_switch_dial(a.sw, &na), AG_OK);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    tnode_close(&c, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(config_to_options)
{
    node_config cfg;
    node_config_default(&cfg);
    const char *id = "0123456789abcdef0123456789abcdef01234567";
    snprintf(cfg.persistent_peers[0], NODE_CONFIG_STR_MAX, "%s@10.0.0.1:26656", id);
    cfg.n_persistent_peers = 1;
    snprintf(cfg.seeds[0], NODE_CONFIG_STR_MAX, "%s@seed.example:26656", id);
    cfg.n_seeds = 1;
    cfg.p2p_max_inbound = 7;
    cfg.p2p_pex = false;
    p2p_config pc;
    ck_assert_int_eq(p2p_config_from_node(&pc, &cfg, "agora-1", "val0"), AG_OK);
    ck_assert_str_eq(pc.sw.listen_addr, "0.0.0.0:26656");
    ck_assert_ptr_null(pc.sw.external_address);
    ck_assert_str_eq(pc.sw.network, "agora-1");
    ck_assert_uint_eq(pc.sw.max_inbound, 7);
    ck_assert(!pc.pex_enabled);
    ck_assert_uint_eq(pc.pex.n_seeds, 1);
    ck_assert_str_eq(pc.pex.seeds[0], cfg.seeds[0]);
    ck_assert_uint_eq(pc.n_persistent, 1);
    snprintf(cfg.seeds[0], NODE_CONFIG_STR_MAX, "not-an-address");
    ck_assert_int_eq(p2p_config_from_node(&pc, &cfg, "agora-1", NULL), AG_ERR_DECODE);
    /* the switch takes the tcp:// form too */
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    o.listen_addr = "tcp://127.0.0.1:0";
    tnode a;
    memset(&a, 0, sizeof a);
    tnode_up(&a, &loop, &env.env, &o, false);
    ck_assert(strncmp(p2p_switch_listen_addr(a.sw), "127.0.0.1:", 10) == 0);
    tnode_close(&a, &loop);
    rig_finish(&loop);
}
END_TEST

static Suite *p2p_suite(void)
{
    Suite *s = suite_create("p2p");
    TCase *tc = ag_test_tcase("frames");
    tcase_add_test(tc, frame_roundtrip_and_tamper);
    tcase_add_test(tc, frame_counter_never_wraps);
    tcase_add_test(tc, frame_pinned_vector);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("handshake");
    tcase_add_test(tc, handshake_completes_and_keys_agree);
    tcase_add_test(tc, handshake_refuses_bad_input);
    tcase_add_test(tc, handshake_random_keys);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("codecs");
    tcase_add_test(tc, packet_codec);
    tcase_add_test(tc, netaddr_parse);
    tcase_add_test(tc, config_to_options);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("switch");
    tcase_add_test(tc, two_switches_channels);
    tcase_add_test(tc, three_switches_broadcast);
    tcase_add_test(tc, id_mismatch_refused);
    tcase_add_test(tc, dial_by_host_name);
    tcase_add_test(tc, persistent_peer_redialled_after_restart);
    tcase_add_test(tc, simultaneous_dials_resolve_to_one);
    tcase_add_test(tc, inbound_limit);
    tcase_add_test(tc, invalid_messages_ban);
    tcase_add_test(tc, bans_expire);
    tcase_add_test(tc, ping_pong_keeps_idle_connection);
    tcase_add_test(tc, send_rate_limit);
    tcase_add_test(tc, recv_rate_limit);
    tcase_add_test(tc, reactor_registration_rules);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("faults");
    tcase_add_test(tc, garbage_and_stalled_handshakes);
    tcase_add_test(tc, flipped_and_replayed_frames_drop_the_connection);
    tcase_add_test(tc, oversized_message_drops_and_bans);
    tcase_add_test(tc, slow_reader_is_disconnected);
    tcase_add_test(tc, unknown_channel_drops_and_bans);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(p2p_suite)
