/* Hex, base64, bech32 (BIP-173 vectors) and varint: vectors, every rejection, round trips. */
#include <string.h>

#include "lib/base64.h"
#include "lib/bech32.h"
#include "lib/hex.h"
#include "lib/varint.h"
#include "tests/harness/ag_test.h"

/* ---- hex ---- */

START_TEST(hex_vectors)
{
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xCD, 0xff};
    char out[11];
    ag_hex_encode(out, in, sizeof in, false);
    ck_assert_str_eq(out, "0001abcdff");
    ag_hex_encode(out, in, sizeof in, true);
    ck_assert_str_eq(out, "0001ABCDFF");
    uint8_t back[5];
    size_t n;
    ck_assert_int_eq(ag_hex_decode(back, sizeof back, &n, "0001AbcDFf", 10), AG_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(back, in, 5);
    ck_assert_int_eq(ag_hex_decode(back, sizeof back, &n, "", 0), AG_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(hex_rejects)
{
    uint8_t out[4];
    size_t n = 99;
    ck_assert_int_eq(ag_hex_decode(out, sizeof out, &n, "abc", 3), AG_ERR_DECODE);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "odd length"));
    ck_assert_int_eq(ag_hex_decode(out, sizeof out, &n, "0g", 2), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "position 1"));
    ck_assert_int_eq(ag_hex_decode(out, sizeof out, &n, " 0", 2), AG_ERR_DECODE);
    ck_assert_int_eq(ag_hex_decode(out, sizeof out, &n, "0x00", 4), AG_ERR_DECODE);
    ck_assert_int_eq(ag_hex_decode(out, sizeof out, &n, "0011223344", 10), AG_ERR_TOO_LARGE);
    ck_assert_int_eq(ag_hex_decode_exact(out, 4, "001122"), AG_ERR_LENGTH);
    ck_assert_int_eq(ag_hex_decode_exact(out, 2, "0011"), AG_OK);
}
END_TEST

/* ---- base64 (RFC 4648 section 10 vectors) ---- */

static const char *const rfc4648[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

START_TEST(base64_vectors)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        const char *plain = rfc4648[i][0], *enc = rfc4648[i][1];
        char out[16];
        ag_base64_encode(out, (const uint8_t *)plain, strlen(plain));
        ck_assert_str_eq(out, enc);
        ck_assert_uint_eq(ag_base64_encoded_len(strlen(plain)), strlen(enc));
        uint8_t back[16];
        size_t n;
        ck_assert_int_eq(ag_base64_decode(back, sizeof back, &n, enc, strlen(enc)), AG_OK);
        ck_assert_uint_eq(n, strlen(plain));
        ck_assert_mem_eq(back, plain, n);
    }
}
END_TEST

START_TEST(base64_rejects)
{
    uint8_t out[16];
    size_t n;
    const char *bad[] = {
        "Zg=",      /* length not a multiple of 4 */
        "Zg",       /* missing padding */
        "Z===",     /* three padding characters */
        "=Zg=",     /* padding first */
        "Zg==Zg==", /* padding in the middle */
        "Zh==",     /* non-zero bits under the padding */
        "Zm9=",     /* non-zero bits under one padding character */
        "Zm9v\n",   /* whitespace */
        "Zm-v",     /* URL-safe alphabet */
        "Zm v",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(ag_base64_decode(out, sizeof out, &n, bad[i], strlen(bad[i])) ==
                          AG_ERR_DECODE,
                      "accepted %s", bad[i]);
    ck_assert_int_eq(ag_base64_decode(out, 2, &n, "Zm9v", 4), AG_ERR_TOO_LARGE);
}
END_TEST

START_TEST(base64_roundtrip_random)
{
    ag_rng rng;
    ag_test_rng(&rng, 1);
    uint64_t iters = ag_test_iters(2000, 200000);
    for (uint64_t it = 0; it < iters; it++) {
        uint8_t in[100], back[100];
        char enc[140];
        size_t len = ag_rng_below(&rng, sizeof in + 1), n;
        ag_rng_fill(&rng, in, len);
        ag_base64_encode(enc, in, len);
        ck_assert_int_eq(ag_base64_decode(back, sizeof back, &n, enc, strlen(enc)), AG_OK);
        ck_assert_uint_eq(n, len);
        ck_assert_mem_eq(back, in, len);
    }
}
END_TEST

/* ---- bech32 (BIP-173 test vectors) ---- */

static const char *const bip173_valid[] = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
};

START_TEST(bech32_valid)
{
    for (size_t i = 0; i < sizeof bip173_valid / sizeof bip173_valid[0]; i++) {
        const char *s = bip173_valid[i];
        char hrp[AG_BECH32_HRP_MAX + 1], again[128];
        uint8_t data[100];
        size_t n;
        ck_assert_msg(ag_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n, s,
                                       AG_BECH32_MAX_LEN_BIP173) == AG_OK,
                      "rejected %s: %s", s, ag_err_detail());
        ck_assert_int_eq(ag_bech32_encode(again, sizeof again, hrp, data, n), AG_OK);
        ck_assert_msg(strcasecmp(again, s) == 0, "%s re-encoded as %s", s, again);
    }
}
END_TEST

START_TEST(bech32_invalid)
{
    static const struct {
        const char *s;
        ag_err err;
    } cases[] = {
        {"\x20"
         "1nwldj5",
         AG_ERR_DECODE}, /* HRP character out of range */
        {"\x7f"
         "1axkwrx",
         AG_ERR_DECODE},
        {"\x80"
         "1eym55h",
         AG_ERR_DECODE},
        {"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1"
         "569pvx",
         AG_ERR_TOO_LARGE},               /* overall max length exceeded */
        {"pzry9x0s0muk", AG_ERR_DECODE},  /* no separator */
        {"1pzry9x0s0muk", AG_ERR_DECODE}, /* empty HRP */
        {"x1b4n0q5v", AG_ERR_DECODE},     /* invalid data character */
        {"li1dgmt3", AG_ERR_DECODE},      /* checksum too short */
        {"de1lg7wt\xff", AG_ERR_DECODE},  /* invalid character in checksum */
        {"A1G7SGD8", AG_ERR_CHECKSUM},    /* checksum computed over upper-case HRP */
        {"10a06t8", AG_ERR_DECODE},       /* empty HRP */
        {"1qzzfhee", AG_ERR_DECODE},      /* empty HRP */
        {"a12UEL5L", AG_ERR_MIXED_CASE},
        {"a12uel5m", AG_ERR_CHECKSUM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hrp[AG_BECH32_HRP_MAX + 1];
        uint8_t data[100];
        size_t n;
        ag_err err = ag_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n, cases[i].s,
                                      AG_BECH32_MAX_LEN_BIP173);
        ck_assert_msg(err == cases[i].err, "case %zu: got %s (%s), want %s", i, ag_err_name(err),
                      ag_err_detail(), ag_err_name(cases[i].err));
    }
}
END_TEST

START_TEST(bech32_bytes_padding)
{
    /* Data whose 5-bit groups leave non-zero or too many padding bits must not decode as bytes. */
    char hrp[16], s[64];
    uint8_t bytes[40];
    size_t n;
    const uint8_t five[] = {31}; /* 5 bits of ones: a non-zero partial byte */
    ck_assert_int_eq(ag_bech32_encode(s, sizeof s, "agora", five, 1), AG_OK);
    ck_assert_int_eq(ag_bech32_decode_bytes(hrp, sizeof hrp, bytes, sizeof bytes, &n, s, 90),
                     AG_ERR_DECODE);
    const uint8_t two_zero[] = {0, 0}; /* 10 bits: 8 make a byte, 2 zero bits of padding: ok */
    ck_assert_int_eq(ag_bech32_encode(s, sizeof s, "agora", two_zero, 2), AG_OK);
    ck_assert_int_eq(ag_bech32_decode_bytes(hrp, sizeof hrp, bytes, sizeof bytes, &n, s, 90),
                     AG_OK);
    ck_assert_uint_eq(n, 1);
    const uint8_t two_one[] = {0, 1}; /* padding bits not zero */
    ck_assert_int_eq(ag_bech32_encode(s, sizeof s, "agora", two_one, 2), AG_OK);
    ck_assert_int_eq(ag_bech32_decode_bytes(hrp, sizeof hrp, bytes, sizeof bytes, &n, s, 90),
                     AG_ERR_DECODE);
    ck_assert_int_eq(ag_bech32_encode(s, sizeof s, "Agora", two_one, 2), AG_ERR_INVALID_ARG);
    const uint8_t wide[] = {32};
    ck_assert_int_eq(ag_bech32_encode(s, sizeof s, "agora", wide, 1), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(ag_bech32_encode(s, 10, "agora", two_one, 2), AG_ERR_TOO_LARGE);
}
END_TEST

START_TEST(bech32_roundtrip_random)
{
    ag_rng rng;
    ag_test_rng(&rng, 2);
    uint64_t iters = ag_test_iters(2000, 100000);
    for (uint64_t it = 0; it < iters; it++) {
        uint8_t in[50], back[50];
        char s[AG_BECH32_MAX_LEN_COSMOS + 1], hrp[AG_BECH32_HRP_MAX + 1];
        size_t len = ag_rng_below(&rng, sizeof in + 1), n;
        ag_rng_fill(&rng, in, len);
        ck_assert_int_eq(ag_bech32_encode_bytes(s, sizeof s, "agora", in, len), AG_OK);
        ck_assert_int_eq(ag_bech32_decode_bytes(hrp, sizeof hrp, back, sizeof back, &n, s,
                                                AG_BECH32_MAX_LEN_COSMOS),
                         AG_OK);
        ck_assert_str_eq(hrp, "agora");
        ck_assert_uint_eq(n, len);
        ck_assert_mem_eq(back, in, len);
        /* Any single-character substitution in the data part is caught by the checksum. */
        size_t slen = strlen(s), pos = 6 + ag_rng_below(&rng, slen - 6);
        char orig = s[pos];
        s[pos] = orig == 'q' ? 'p' : 'q';
        ck_assert_int_ne(ag_bech32_decode_bytes(hrp, sizeof hrp, back, sizeof back, &n, s,
                                                AG_BECH32_MAX_LEN_COSMOS),
                         AG_OK);
    }
}
END_TEST

/* ---- varint ---- */

START_TEST(varint_vectors)
{
    static const struct {
        uint64_t v;
        const char *hex;
    } cases[] = {
        {0, "00"},
        {1, "01"},
        {127, "7f"},
        {128, "8001"},
        {300, "ac02"},
        {16384, "808001"},
        {UINT64_MAX, "ffffffffffffffffff01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[AG_UVARINT_MAX], want[AG_UVARINT_MAX];
        size_t n = ag_uvarint_encode(buf, cases[i].v), used;
        ag_test_unhex(want, strlen(cases[i].hex) / 2, cases[i].hex);
        ck_assert_uint_eq(n, strlen(cases[i].hex) / 2);
        ck_assert_uint_eq(n, ag_uvarint_size(cases[i].v));
        ck_assert_mem_eq(buf, want, n);
        uint64_t v;
        ck_assert_int_eq(ag_uvarint_decode(buf, n, &v, &used), AG_OK);
        ck_assert_uint_eq(v, cases[i].v);
        ck_assert_uint_eq(used, n);
    }
}
END_TEST

START_TEST(varint_rejects)
{
    uint64_t v = 7;
    size_t used = 9;
    const uint8_t truncated[] = {0x80, 0x80};
    ck_assert_int_eq(ag_uvarint_decode(truncated, sizeof truncated, &v, &used), AG_ERR_TRUNCATED);
    ck_assert_int_eq(ag_uvarint_decode(truncated, 0, &v, &used), AG_ERR_TRUNCATED);
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    ck_assert_int_eq(ag_uvarint_decode(eleven, sizeof eleven, &v, &used), AG_ERR_DECODE);
    const uint8_t overflow[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    ck_assert_int_eq(ag_uvarint_decode(overflow, sizeof overflow, &v, &used), AG_ERR_DECODE);
    ck_assert_uint_eq(v, 7); /* untouched on error */
    ck_assert_uint_eq(used, 9);
}
END_TEST

START_TEST(varint_roundtrip_random)
{
    ag_rng rng;
    ag_test_rng(&rng, 3);
    uint64_t iters = ag_test_iters(20000, 2000000);
    for (uint64_t it = 0; it < iters; it++) {
        uint64_t x = ag_rng_next(&rng) >> ag_rng_below(&rng, 64), y;
        uint8_t buf[AG_UVARINT_MAX];
        size_t n = ag_uvarint_encode(buf, x), used;
        ck_assert_int_eq(ag_uvarint_decode(buf, n, &y, &used), AG_OK);
        ck_assert_uint_eq(x, y);
        ck_assert_uint_eq(n, used);
        if (n > 1)
            ck_assert_int_eq(ag_uvarint_decode(buf, n - 1, &y, &used), AG_ERR_TRUNCATED);
    }
}
END_TEST

static Suite *encoding_suite(void)
{
    Suite *s = suite_create("encoding");
    TCase *tc = ag_test_tcase("hex");
    tcase_add_test(tc, hex_vectors);
    tcase_add_test(tc, hex_rejects);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("base64");
    tcase_add_test(tc, base64_vectors);
    tcase_add_test(tc, base64_rejects);
    tcase_add_test(tc, base64_roundtrip_random);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("bech32");
    tcase_add_test(tc, bech32_valid);
    tcase_add_test(tc, bech32_invalid);
    tcase_add_test(tc, bech32_bytes_padding);
    tcase_add_test(tc, bech32_roundtrip_random);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("varint");
    tcase_add_test(tc, varint_vectors);
    tcase_add_test(tc, varint_rejects);
    tcase_add_test(tc, varint_roundtrip_random);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(encoding_suite)
