/* SHA-256, RIPEMD-160, secp256k1 (RFC 6979 vectors, low-S, rejections), ECDH,
 * addresses (vectors from CosmJS and tendermint-rs), protobuf key envelopes. */
#include <stdlib.h>
#include <string.h>

#include "crypto/address.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/pubkey_proto.h"
#include "lib/base64.h"
#include "lib/bech32.h"
#include "lib/hex.h"
#include "tests/harness/ag_test.h"

static void check_hex(const uint8_t *got, size_t len, const char *want_hex)
{
    char hex[2 * 64 + 1];
    ag_hex_encode(hex, got, len, false);
    ck_assert_str_eq(hex, want_hex);
}

/* ---- hashes: FIPS 180-2 and the RIPEMD-160 authors' vectors ---- */

START_TEST(sha256_vectors)
{
    uint8_t h[32];
    crypto_sha256(h, "", 0);
    check_hex(h, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    crypto_sha256(h, "abc", 3);
    check_hex(h, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    crypto_sha256(h, m448, strlen(m448));
    check_hex(h, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', streamed in uneven pieces */
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    crypto_sha256_ctx ctx;
    crypto_sha256_init(&ctx);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        crypto_sha256_update(&ctx, chunk, n);
        left -= n;
    }
    crypto_sha256_final(&ctx, h);
    check_hex(h, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(sha256_streaming_matches_oneshot)
{
    ag_rng rng;
    ag_test_rng(&rng, 10);
    uint8_t data[600];
    for (uint64_t it = 0; it < ag_test_iters(500, 50000); it++) {
        size_t len = ag_rng_below(&rng, sizeof data + 1);
        ag_rng_fill(&rng, data, len);
        uint8_t a[32], b[32];
        crypto_sha256(a, data, len);
        crypto_sha256_ctx ctx;
        crypto_sha256_init(&ctx);
        size_t off = 0;
        while (off < len) {
            size_t n = 1 + ag_rng_below(&rng, len - off);
            crypto_sha256_update(&ctx, data + off, n);
            off += n;
        }
        crypto_sha256_final(&ctx, b);
        ck_assert_mem_eq(a, b, 32);
    }
}
END_TEST

START_TEST(ripemd160_vectors)
{
    static const char *const cases[][2] = {
        {"", "9c1185a5c5e9fc54612808977ee8f548b2258d31"},
        {"a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"},
        {"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"},
        {"message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "9b752e45573d4b39f4dbd3323cab82bf63326bfb"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t h[20];
        crypto_ripemd160(h, cases[i][0], strlen(cases[i][0]));
        check_hex(h, 20, cases[i][1]);
    }
}
END_TEST

/* ---- secp256k1 ---- */

/* Deterministic ECDSA (RFC 6979, SHA-256 of the message) published vectors;
 * the expected s values are already low-S. */
static const struct {
    const char *priv, *msg, *r, *s;
} rfc6979[] = {
    {"0000000000000000000000000000000000000000000000000000000000000001", "Satoshi Nakamoto",
     "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8",
     "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"},
    {"0000000000000000000000000000000000000000000000000000000000000001",
     "All those moments will be lost in time, like tears in rain. Time to die...",
     "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b",
     "547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21"},
    {"0000000000000000000000000000000000000000000000000000000000000001",
     "Everything should be made as simple as possible, but not simpler.",
     "33a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c9",
     "6f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262"},
    {"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "Satoshi Nakamoto",
     "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0",
     "6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5"},
    {"cca9fbcc1b41e5a95d369eaa6ddcff73b61a4efaa279cfc6567e8daa39cbaf50", "sample",
     "af340daf02cc15c8d5d08d7735dfe6b98a474ed373bdb5fbecf7571be52b3842",
     "5009fb27f37034a9b24b707b7c6b79ca23ddef9e25f7282e8a797efe53a8f124"},
};

static const char *const curve_order =
    "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

/* out = n - s over 32-byte big-endian numbers: the high-S twin of a signature. */
static void negate_s(uint8_t s[32])
{
    uint8_t n[32];
    ag_test_unhex(n, 32, curve_order);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - s[i] - borrow;
        borrow = d < 0;
        s[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

START_TEST(ecdsa_rfc6979_vectors)
{
    for (size_t i = 0; i < sizeof rfc6979 / sizeof rfc6979[0]; i++) {
        uint8_t raw[32];
        crypto_privkey key;
        crypto_pubkey pub;
        crypto_sig sig;
        ag_test_unhex(raw, 32, rfc6979[i].priv);
        ck_assert_int_eq(crypto_privkey_from_bytes(&key, raw, 32), AG_OK);
        ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &key), AG_OK);
        const char *msg = rfc6979[i].msg;
        ck_assert_int_eq(crypto_sign(&sig, &key, msg, strlen(msg)), AG_OK);
        check_hex(sig.b, 32, rfc6979[i].r);
        check_hex(sig.b + 32, 32, rfc6979[i].s);
        ck_assert_int_eq(crypto_verify(&pub, msg, strlen(msg), sig.b, 64), AG_OK);

        /* the malleated twin (r, n-s) is refused as high-S, not as "does not verify" */
        crypto_sig high = sig;
        negate_s(high.b + 32);
        ck_assert_int_eq(crypto_verify(&pub, msg, strlen(msg), high.b, 64), AG_ERR_HIGH_S);
        /* another message, another key, a flipped bit: refused */
        ck_assert_int_eq(crypto_verify(&pub, "x", 1, sig.b, 64), AG_ERR_VERIFY);
        crypto_sig flipped = sig;
        flipped.b[5] ^= 1;
        ck_assert_int_ne(crypto_verify(&pub, msg, strlen(msg), flipped.b, 64), AG_OK);
    }
    /* the private key 1 has the generator as public key */
    uint8_t one[32] = {0};
    one[31] = 1;
    crypto_privkey k1;
    crypto_pubkey g;
    ck_assert_int_eq(crypto_privkey_from_bytes(&k1, one, 32), AG_OK);
    ck_assert_int_eq(crypto_pubkey_from_privkey(&g, &k1), AG_OK);
    check_hex(g.b, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
}
END_TEST

START_TEST(ecdsa_rejects)
{
    uint8_t raw[65] = {0};
    crypto_privkey key;
    crypto_pubkey pub;
    /* private keys: zero, the order itself, all ones, wrong length */
    ck_assert_int_eq(crypto_privkey_from_bytes(&key, raw, 32), AG_ERR_BAD_PRIVKEY);
    ag_test_unhex(raw, 32, curve_order);
    ck_assert_int_eq(crypto_privkey_from_bytes(&key, raw, 32), AG_ERR_BAD_PRIVKEY);
    memset(raw, 0xff, 32);
    ck_assert_int_eq(crypto_privkey_from_bytes(&key, raw, 32), AG_ERR_BAD_PRIVKEY);
    ck_assert_int_eq(crypto_privkey_from_bytes(&key, raw, 31), AG_ERR_LENGTH);

    /* public keys: x = 0 and x = p are not on the curve; bad prefixes; uncompressed refused */
    memset(raw, 0, sizeof raw);
    raw[0] = 0x02;
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, 33), AG_ERR_BAD_PUBKEY);
    ag_test_unhex(raw + 1, 32, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, 33), AG_ERR_BAD_PUBKEY);
    ag_test_unhex(raw, 33, "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, 33), AG_ERR_BAD_PUBKEY);
    ag_test_unhex(raw, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, 33), AG_OK);
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, 32), AG_ERR_LENGTH);
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, 65), AG_ERR_LENGTH);

    /* signatures: wrong length, r or s >= n, r = 0 */
    crypto_sig sig;
    uint8_t digest[32] = {1};
    crypto_privkey_generate(&key);
    crypto_pubkey_from_privkey(&pub, &key);
    ck_assert_int_eq(crypto_sign_digest(&sig, &key, digest), AG_OK);
    ck_assert_int_eq(crypto_verify_digest(&pub, digest, sig.b, 64), AG_OK);
    ck_assert_int_eq(crypto_verify_digest(&pub, digest, sig.b, 63), AG_ERR_LENGTH);
    ck_assert_int_eq(crypto_verify_digest(&pub, digest, sig.b, 65), AG_ERR_LENGTH);
    crypto_sig bad = sig;
    ag_test_unhex(bad.b, 32, curve_order);
    ck_assert_int_eq(crypto_verify_digest(&pub, digest, bad.b, 64), AG_ERR_BAD_SIG);
    bad = sig;
    ag_test_unhex(bad.b + 32, 32, curve_order);
    ck_assert_int_eq(crypto_verify_digest(&pub, digest, bad.b, 64), AG_ERR_BAD_SIG);
    bad = sig;
    memset(bad.b, 0, 32);
    ck_assert_int_eq(crypto_verify_digest(&pub, digest, bad.b, 64), AG_ERR_VERIFY);
    /* a verification key that is not a point */
    crypto_pubkey broken = pub;
    memset(broken.b + 1, 0, 32);
    ck_assert_int_eq(crypto_verify_digest(&broken, digest, sig.b, 64), AG_ERR_BAD_PUBKEY);
    crypto_privkey_wipe(&key);
    for (size_t i = 0; i < sizeof key.b; i++)
        ck_assert_uint_eq(key.b[i], 0);
}
END_TEST

START_TEST(ecdsa_random_roundtrip)
{
    ag_rng rng;
    ag_test_rng(&rng, 11);
    for (uint64_t it = 0; it < ag_test_iters(200, 20000); it++) {
        uint8_t raw[32], msg[64];
        crypto_privkey key;
        crypto_pubkey pub;
        crypto_sig sig;
        ag_rng_fill(&rng, raw, sizeof raw);
        if (crypto_privkey_from_bytes(&key, raw, 32) != AG_OK)
            continue;
        ag_rng_fill(&rng, msg, sizeof msg);
        ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &key), AG_OK);
        ck_assert_int_eq(crypto_sign(&sig, &key, msg, sizeof msg), AG_OK);
        ck_assert_msg(sig.b[32] < 0x80, "signature not low-S");
        ck_assert_int_eq(crypto_verify(&pub, msg, sizeof msg, sig.b, 64), AG_OK);
        crypto_sig again;
        ck_assert_int_eq(crypto_sign(&again, &key, msg, sizeof msg), AG_OK);
        ck_assert_mem_eq(sig.b, again.b, 64); /* deterministic */
    }
}
END_TEST

/* Parsed keys are memoized (keys.c): a key sharing a memoized key's slot
 * (same leading x bytes) but off the curve must still be refused, and
 * verification with a memoized key gives the same answers. */
START_TEST(pubkey_memo_never_admits_a_bad_key)
{
    crypto_privkey k;
    uint8_t sk[32] = {42};
    ck_assert_int_eq(crypto_privkey_from_bytes(&k, sk, 32), AG_OK);
    crypto_pubkey pub, p2;
    ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &k), AG_OK);
    ck_assert_int_eq(crypto_pubkey_parse(&p2, pub.b, sizeof pub.b), AG_OK); /* memoized */
    int refused = 0;
    for (int b = 0; b < 256; b++) {
        uint8_t other[CRYPTO_PUBKEY_LEN];
        memcpy(other, pub.b, sizeof other);
        other[32] = (uint8_t)b;
        if (other[32] == pub.b[32])
            continue;
        ag_err first = crypto_pubkey_parse(&p2, other, sizeof other);
        ck_assert_int_eq(crypto_pubkey_parse(&p2, other, sizeof other), first);
        refused += first != AG_OK;
    }
    ck_assert_int_gt(refused, 0); /* about half of the x values are off the curve */
    ck_assert_int_eq(crypto_pubkey_parse(&p2, pub.b, sizeof pub.b), AG_OK);
    crypto_sig sig;
    ck_assert_int_eq(crypto_sign(&sig, &k, "m", 1), AG_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(crypto_verify(&pub, "m", 1, sig.b, sizeof sig.b), AG_OK);
        ck_assert_int_ne(crypto_verify(&pub, "n", 1, sig.b, sizeof sig.b), AG_OK);
    }
}
END_TEST

START_TEST(ecdh_agrees)
{
    crypto_privkey a, b;
    crypto_pubkey pa, pb;
    uint8_t sa[32], sb[32];
    ck_assert_int_eq(crypto_privkey_generate(&a), AG_OK);
    ck_assert_int_eq(crypto_privkey_generate(&b), AG_OK);
    ck_assert_mem_ne(a.b, b.b, 32);
    crypto_pubkey_from_privkey(&pa, &a);
    crypto_pubkey_from_privkey(&pb, &b);
    ck_assert_int_eq(crypto_ecdh(sa, &pb, &a), AG_OK);
    ck_assert_int_eq(crypto_ecdh(sb, &pa, &b), AG_OK);
    ck_assert_mem_eq(sa, sb, 32);
    crypto_pubkey broken = pb;
    memset(broken.b + 1, 0, 32);
    ck_assert_int_eq(crypto_ecdh(sa, &broken, &a), AG_ERR_BAD_PUBKEY);
}
END_TEST

/* ---- addresses ---- */

START_TEST(address_vectors)
{
    /* CosmJS amino address tests: a compressed secp256k1 key and its cosmos address. */
    uint8_t raw[33];
    size_t n;
    const char *b64 = "AtQaCqFnshaZQp6rIkvAPyzThvCvXSDO+9AzbxVErqJP";
    ck_assert_int_eq(ag_base64_decode(raw, sizeof raw, &n, b64, strlen(b64)), AG_OK);
    crypto_pubkey pub;
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, n), AG_OK);
    crypto_address addr;
    crypto_address_from_pubkey(&addr, &pub);
    char s[CRYPTO_ADDRESS_STR_MAX];
    ck_assert_int_eq(crypto_address_to_bech32(s, sizeof s, "cosmos", &addr), AG_OK);
    ck_assert_str_eq(s, "cosmos1h806c7khnvmjlywdrkdgk2vrayy2mmvf9rxk2r");
    /* the same bytes under Agora's prefix parse back to the same address */
    ck_assert_int_eq(crypto_address_to_bech32(s, sizeof s, AGORA_BECH32_PREFIX, &addr), AG_OK);
    ck_assert_int_eq(strncmp(s, "agora1", 6), 0);
    crypto_address back;
    ck_assert_int_eq(crypto_address_from_bech32(&back, AGORA_BECH32_PREFIX, s), AG_OK);
    ck_assert(crypto_address_equal(&addr, &back));
    ck_assert_int_eq(crypto_address_from_bech32(&back, AGORA_BECH32_PREFIX,
                                                "cosmos1h806c7khnvmjlywdrkdgk2vrayy2mmvf9rxk2r"),
                     AG_ERR_PREFIX);

    /* Cosmos SDK / CometBFT secp256k1 table: private key -> public key -> validator address
     * (tendermint-rs and CosmJS agree on the address). */
    uint8_t priv_raw[32];
    crypto_privkey key;
    ag_test_unhex(priv_raw, 32, "a96e62ed3955e65be32703f12d87b6b5cf26039ecfa948dc5107a495418e5330");
    ck_assert_int_eq(crypto_privkey_from_bytes(&key, priv_raw, 32), AG_OK);
    ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &key), AG_OK);
    check_hex(pub.b, 33, "02950e1cdfcb133d6024109fd489f734eeb4502418e538c28481f22bce276f248c");
    crypto_address_from_pubkey(&addr, &pub);
    char hex[41];
    crypto_address_to_hex(hex, &addr);
    ck_assert_str_eq(hex, "7C2BB42A8BE69791EC763E51F5A49BCD41E82237");

    /* Ledger Cosmos app tests: a key and its address under another chain's prefix. */
    ag_test_unhex(raw, 33, "034fef9cd7c4c63588d3b03feb5281b9d232cba34d6f3d71aee59211ffbfe1fe87");
    ck_assert_int_eq(crypto_pubkey_parse(&pub, raw, 33), AG_OK);
    crypto_address_from_pubkey(&addr, &pub);
    ck_assert_int_eq(crypto_address_to_bech32(s, sizeof s, "terra", &addr), AG_OK);
    ck_assert_str_eq(s, "terra1w34k53py5v5xyluazqpq65agyajavep29d9qch");
}
END_TEST

START_TEST(address_rejects)
{
    crypto_address a;
    /* 32 bytes is a valid bech32 payload but not an account address */
    uint8_t long_payload[32] = {0};
    char s[CRYPTO_ADDRESS_STR_MAX];
    ck_assert_int_eq(ag_bech32_encode_bytes(s, sizeof s, "agora", long_payload, 32), AG_OK);
    ck_assert_int_eq(crypto_address_from_bech32(&a, "agora", s), AG_ERR_LENGTH);
    ck_assert_int_eq(crypto_address_from_bech32(&a, "agora", "agora1"), AG_ERR_DECODE);
    ck_assert_int_eq(crypto_address_from_bech32(&a, "agora", ""), AG_ERR_DECODE);
    ck_assert_int_eq(
        crypto_address_from_bech32(&a, "cosmos", "cosmos1h806c7khnvmjlywdrkdgk2vrayy2mmvf9rxk2R"),
        AG_ERR_MIXED_CASE);
    ck_assert_int_eq(
        crypto_address_from_bech32(&a, "cosmos", "cosmos1h806c7khnvmjlywdrkdgk2vrayy2mmvf9rxk2q"),
        AG_ERR_CHECKSUM);
    ck_assert_int_eq(
        crypto_address_from_bech32(&a, "cosmos", "COSMOS1H806C7KHNVMJLYWDRKDGK2VRAYY2MMVF9RXK2R"),
        AG_OK);
}
END_TEST

/* ---- protobuf envelopes (generated by protoc-c from proto/) ---- */

START_TEST(pubkey_proto_roundtrip)
{
    crypto_privkey key;
    crypto_pubkey pub, back;
    crypto_privkey_generate(&key);
    crypto_pubkey_from_privkey(&pub, &key);
    ag_buf buf;
    ag_buf_init(&buf, 0);

    /* tendermint.crypto.PublicKey: field 2, length-delimited (tag 0x12), 33 bytes */
    ck_assert_int_eq(crypto_pubkey_encode_tendermint(&buf, &pub), AG_OK);
    ck_assert_uint_eq(buf.len, 35);
    ck_assert_uint_eq(buf.data[0], 0x12);
    ck_assert_uint_eq(buf.data[1], 33);
    ck_assert_mem_eq(buf.data + 2, pub.b, 33);
    ck_assert_int_eq(crypto_pubkey_decode_tendermint(&back, buf.data, buf.len), AG_OK);
    ck_assert_mem_eq(back.b, pub.b, 33);

    /* cosmos.crypto.secp256k1.PubKey: field 1 (tag 0x0a) */
    ag_buf_reset(&buf);
    ck_assert_int_eq(crypto_pubkey_encode_cosmos(&buf, &pub), AG_OK);
    ck_assert_uint_eq(buf.len, 35);
    ck_assert_uint_eq(buf.data[0], 0x0a);
    ck_assert_int_eq(crypto_pubkey_decode_cosmos(&back, buf.data, buf.len), AG_OK);
    ck_assert_mem_eq(back.b, pub.b, 33);

    /* hostile envelopes: truncated, ed25519, empty, not a point, oversized */
    ck_assert_int_eq(crypto_pubkey_decode_cosmos(&back, buf.data, buf.len - 1), AG_ERR_DECODE);
    uint8_t ed[34] = {0x0a, 32};
    ck_assert_int_eq(crypto_pubkey_decode_tendermint(&back, ed, sizeof ed), AG_ERR_UNSUPPORTED);
    ck_assert_int_eq(crypto_pubkey_decode_tendermint(&back, ed, 0), AG_ERR_DECODE);
    uint8_t not_point[35] = {0x0a, 33, 0x02};
    ck_assert_int_eq(crypto_pubkey_decode_cosmos(&back, not_point, sizeof not_point),
                     AG_ERR_BAD_PUBKEY);
    uint8_t big[200] = {0};
    ck_assert_int_eq(crypto_pubkey_decode_cosmos(&back, big, sizeof big), AG_ERR_TOO_LARGE);
    ag_buf_free(&buf);
}
END_TEST

static Suite *crypto_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = ag_test_tcase("hash");
    tcase_add_test(tc, sha256_vectors);
    tcase_add_test(tc, sha256_streaming_matches_oneshot);
    tcase_add_test(tc, ripemd160_vectors);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("ecdsa");
    tcase_add_test(tc, ecdsa_rfc6979_vectors);
    tcase_add_test(tc, ecdsa_rejects);
    tcase_add_test(tc, ecdsa_random_roundtrip);
    tcase_add_test(tc, ecdh_agrees);
    tcase_add_test(tc, pubkey_memo_never_admits_a_bad_key);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("address");
    tcase_add_test(tc, address_vectors);
    tcase_add_test(tc, address_rejects);
    tcase_add_test(tc, pubkey_proto_roundtrip);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(crypto_suite)
