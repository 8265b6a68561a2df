/* BIP-39 (the Trezor vectors: entropy, mnemonic, seed with passphrase
 * "TREZOR", master xprv), BIP-32 (the four vector sets of the BIP, compared
 * through their xprv serialisation), mnemonic rejections, and the Cosmos
 * path m/44'/118'/0'/0/0. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bip32.h"
#include "cli/bip39.h"
#include "crypto/address.h"
#include "crypto/hash.h"
#include "lib/hex.h"
#include "tests/harness/ag_test.h"

/* Decode a base58check string (the xprv form) into out; returns its length. */
static size_t base58check_decode(uint8_t *out, size_t cap, const char *s)
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t num[128] = {0}; /* big-endian accumulator */
    size_t zeros = 0;
    while (s[zeros] == '1')
        zeros++;
    for (const char *p = s; *p; p++) {
        const char *at = strchr(alphabet, *p);
        ck_assert_ptr_nonnull(at);
        unsigned carry = (unsigned)(at - alphabet);
        for (size_t i = sizeof num; i-- > 0;) {
            carry += 58u * num[i];
            num[i] = (uint8_t)carry;
            carry >>= 8;
        }
        ck_assert_uint_eq(carry, 0);
    }
    size_t first = 0;
    while (first < sizeof num && num[first] == 0)
        first++;
    size_t len = zeros + sizeof num - first;
    ck_assert_uint_le(len, cap);
    memset(out, 0, zeros);
    memcpy(out + zeros, num + first, sizeof num - first);
    ck_assert_uint_ge(len, 4);
    uint8_t h1[32], h2[32];
    crypto_sha256(h1, out, len - 4);
    crypto_sha256(h2, h1, 32);
    ck_assert_mem_eq(h2, out + len - 4, 4);
    return len - 4;
}

/* The chain code and private key of an xprv must equal k. */
static void check_xprv(const cli_bip32_key *k, const char *xprv)
{
    uint8_t raw[128];
    size_t len = base58check_decode(raw, sizeof raw, xprv);
    ck_assert_uint_eq(len, 78);
    ck_assert_mem_eq(raw + 13, k->chain, 32);
    ck_assert_uint_eq(raw[45], 0);
    ck_assert_mem_eq(raw + 46, k->key, 32);
}

static json_t *load_vectors(void)
{
    /* Tests run from the repository root (scripts/run-tests.sh). */
    json_error_t jerr;
    json_t *root = json_load_file("tests/unit/data/bip39_vectors.json", 0, &jerr);
    ck_assert_msg(root != NULL, "bip39_vectors.json: %s", jerr.text);
    return root;
}

START_TEST(bip39_trezor_vectors)
{
    json_t *root = load_vectors();
    json_t *list = json_object_get(root, "english");
    ck_assert_uint_eq(json_array_size(list), 24);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *ent_hex = json_string_value(json_array_get(v, 0));
        const char *mnemonic = json_string_value(json_array_get(v, 1));
        const char *seed_hex = json_string_value(json_array_get(v, 2));
        const char *xprv = json_string_value(json_array_get(v, 3));
        uint8_t ent[32], back[32], seed[64], want_seed[64];
        size_t ent_len = strlen(ent_hex) / 2, back_len = 0;
        ag_test_unhex(ent, ent_len, ent_hex);
        char words[CLI_BIP39_MNEMONIC_MAX];
        ck_assert_int_eq(cli_bip39_from_entropy(words, sizeof words, ent, ent_len), AG_OK);
        ck_assert_str_eq(words, mnemonic);
        ck_assert_msg(cli_bip39_check(mnemonic, back, &back_len) == AG_OK, "%s", ag_err_detail());
        ck_assert_uint_eq(back_len, ent_len);
        ck_assert_mem_eq(back, ent, ent_len);
        ck_assert_int_eq(cli_bip39_seed(seed, mnemonic, "TREZOR"), AG_OK);
        ag_test_unhex(want_seed, 64, seed_hex);
        ck_assert_mem_eq(seed, want_seed, 64);
        cli_bip32_key m;
        ck_assert_int_eq(cli_bip32_master(&m, seed, sizeof seed), AG_OK);
        check_xprv(&m, xprv);
    }
    json_decref(root);
}
END_TEST

typedef struct bip32_vector {
    const char *seed_hex;
    const char *path;
    const char *xprv;
} bip32_vector;

/* bitcoin/bips bip-0032.mediawiki, test vectors 1 to 4. */
static const char seed1[] = "000102030405060708090a0b0c0d0e0f";
static const char seed2[] = "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c99"
                            "9693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542";
static const char seed3[] = "4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d2"
                            "39319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be";
static const char seed4[] = "3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678";
static const bip32_vector bip32_vectors[] = {
    {seed1, "m",
     "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGt"
     "RBeJgk33yuGBxrMPHi"},
    {seed1, "m/0'",
     "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7Xnx"
     "HrnYeSvkzY7d2bhkJ7"},
    {seed1, "m/0'/1",
     "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU"
     "4pWcQDnRnrVA1xe8fs"},
    {seed1, "m/0'/1/2'",
     "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtp"
     "gP4mLTj34bhnZX7UiM"},
    {seed1, "m/0'/1/2'/2",
     "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wD"
     "vUAKRHSC34sJ7in334"},
    {seed1, "m/0'/1/2'/2/1000000000",
     "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZ"
     "REPSL39UNdE3BBDu76"},
    {seed2, "m",
     "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3L"
     "qFtT2emdEXVYsCzC2U"},
    {seed2, "m/0",
     "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM"
     "1fwqWpWkeS3v86pgKt"},
    {seed2, "m/0/2147483647'",
     "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRgVsFawNzm"
     "juHc2YmYRmagcEPdU9"},
    {seed2, "m/0/2147483647'/1",
     "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTRXSd25UEPVuesF9yog62tGAQtHjXajPPdbRCHu"
     "WS6T8XA2ECKADdw4Ef"},
    {seed2, "m/0/2147483647'/1/2147483646'",
     "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTj"
     "SyQbLYnMpCqE2VbFWc"},
    {seed2, "m/0/2147483647'/1/2147483646'/2",
     "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTyefMLEcBY"
     "JUuekgW4BYPJcr9E7j"},
    /* vector 3: a master key with leading zeros must keep them */
    {seed3, "m",
     "xprv9s21ZrQH143K25QhxbucbDDuQ4naNntJRi4KUfWT7xo4EKsHt2QJDu7KXp1A3u7Bi1j8ph3EGsZ9Xvz9dGuVrtHHs"
     "7pXeTzjuxBrCmmhgC6"},
    {seed3, "m/0h",
     "xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJ"
     "FjaPdGZ2y9WACViL4L"},
    /* vector 4: a hardened child whose key has leading zeros */
    {seed4, "m",
     "xprv9s21ZrQH143K48vGoLGRPxgo2JNkJ3J3fqkirQC2zVdk5Dgd5w14S7fRDyHH4dWNHUgkvsvNDCkvAwcSHNAQwhwgN"
     "MgZhLtQC63zxwhQmRv"},
    {seed4, "m/0'",
     "xprv9vB7xEWwNp9kh1wQRfCCQMnZUEG21LpbR9NPCNN1dwhiZkjjeGRnaALmPXCX7SgjFTiCTT6bXes17boXtjq3xLpcD"
     "jzEuGLQBM5ohqkao9G"},
    {seed4, "m/0'/1'",
     "xprv9xJocDuwtYCMNAo3Zw76WENQeAS6WGXQ55RCy7tDJ8oALr4FWkuVoHJeHVAcAqiZLE7Je3vZJHxspZdFHfnBEjHqU"
     "5hG1Jaj32dVoS6XLT1"},
};

START_TEST(bip32_vectors_all)
{
    for (size_t i = 0; i < sizeof bip32_vectors / sizeof bip32_vectors[0]; i++) {
        const bip32_vector *v = &bip32_vectors[i];
        uint8_t seed[64];
        size_t len = strlen(v->seed_hex) / 2;
        ag_test_unhex(seed, len, v->seed_hex);
        cli_bip32_key k;
        ck_assert_msg(cli_bip32_derive(&k, seed, len, v->path) == AG_OK, "%s: %s", v->path,
                      ag_err_detail());
        check_xprv(&k, v->xprv);
    }
}
END_TEST

START_TEST(bip32_path_rejects)
{
    uint32_t idx[CLI_BIP32_MAX_DEPTH];
    size_t n;
    ck_assert_int_eq(cli_bip32_parse_path(idx, &n, CLI_HD_PATH_COSMOS), AG_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(idx[0], 44 | CLI_BIP32_HARDENED);
    ck_assert_uint_eq(idx[1], 118 | CLI_BIP32_HARDENED);
    ck_assert_uint_eq(idx[4], 0);
    const char *bad[] = {
        "",    "44'/0", "m/",   "m//1",         "m/1/",
        "m/x", "m/1''", "m/-1", "m/2147483648", "m/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cli_bip32_parse_path(idx, &n, bad[i]) != AG_OK, "accepted \"%s\"", bad[i]);
    uint8_t seed[15] = {0};
    cli_bip32_key k;
    ck_assert_int_eq(cli_bip32_master(&k, seed, sizeof seed), AG_ERR_LENGTH);
}
END_TEST

START_TEST(bip39_rejects)
{
    const char *ok = "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                     "abandon abandon about";
    ck_assert_int_eq(cli_bip39_check(ok, NULL, NULL), AG_OK);
    /* last word changed: valid word, wrong checksum */
    ck_assert_int_eq(cli_bip39_check("abandon abandon abandon abandon abandon abandon abandon "
                                     "abandon abandon abandon abandon abandon",
                                     NULL, NULL),
                     AG_ERR_CHECKSUM);
    ck_assert_int_eq(cli_bip39_check("abandon abandon abandon abandon abandon abandon abandon "
                                     "abandon abandon abandon abandon abou",
                                     NULL, NULL),
                     AG_ERR_NOT_FOUND);
    ck_assert_int_eq(cli_bip39_check("abandon abandon about", NULL, NULL), AG_ERR_LENGTH);
    ck_assert_int_eq(cli_bip39_check("", NULL, NULL), AG_ERR_LENGTH);
    ck_assert_int_ne(cli_bip39_check("abandon  abandon abandon abandon abandon abandon abandon "
                                     "abandon abandon abandon abandon about",
                                     NULL, NULL),
                     AG_OK);
    ck_assert_int_ne(cli_bip39_check("Abandon abandon abandon abandon abandon abandon abandon "
                                     "abandon abandon abandon abandon about",
                                     NULL, NULL),
                     AG_OK);
    char norm[CLI_BIP39_MNEMONIC_MAX];
    ck_assert_int_eq(cli_bip39_normalize(norm, sizeof norm,
                                         "  Abandon abandon\tabandon abandon abandon abandon "
                                         "abandon\n abandon abandon abandon abandon ABOUT\n"),
                     AG_OK);
    ck_assert_str_eq(norm, ok);
    char tiny[8];
    ck_assert_int_eq(cli_bip39_normalize(tiny, sizeof tiny, ok), AG_ERR_TOO_LARGE);
    uint8_t seed[64];
    ck_assert_int_eq(cli_bip39_seed(seed, ok, "caf\xc3\xa9"), AG_ERR_UNSUPPORTED);
    ck_assert_int_eq(cli_bip39_generate(norm, sizeof norm, 13), AG_ERR_LENGTH);
    char small[40];
    ck_assert_int_eq(cli_bip39_generate(small, sizeof small, 24), AG_ERR_TOO_LARGE);
}
END_TEST

START_TEST(bip39_generate_roundtrip)
{
    for (size_t n = 12; n <= 24; n += 3) {
        char words[CLI_BIP39_MNEMONIC_MAX];
        ck_assert_int_eq(cli_bip39_generate(words, sizeof words, n), AG_OK);
        size_t count = 1;
        for (const char *p = words; *p; p++)
            count += *p == ' ';
        ck_assert_uint_eq(count, n);
        uint8_t ent[32];
        size_t len;
        ck_assert_int_eq(cli_bip39_check(words, ent, &len), AG_OK);
        ck_assert_uint_eq(len, n / 3 * 4);
        char again[CLI_BIP39_MNEMONIC_MAX];
        ck_assert_int_eq(cli_bip39_from_entropy(again, sizeof again, ent, len), AG_OK);
        ck_assert_str_eq(again, words);
    }
}
END_TEST

/* The address CosmJS's DirectSecp256k1HdWallet gives for this mnemonic at
 * m/44'/118'/0'/0/0 with prefix "cosmos" (tests/integration/test_cli_cosmjs.sh
 * checks the "agora" form against CosmJS itself). */
START_TEST(cosmos_path_address)
{
    const char *m = "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                    "abandon abandon about";
    crypto_privkey key;
    ck_assert_int_eq(cli_hd_privkey(&key, m, NULL, NULL), AG_OK);
    crypto_pubkey pub;
    ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &key), AG_OK);
    crypto_address addr;
    crypto_address_from_pubkey(&addr, &pub);
    char s[CRYPTO_ADDRESS_STR_MAX];
    ck_assert_int_eq(crypto_address_to_bech32(s, sizeof s, "cosmos", &addr), AG_OK);
    ck_assert_str_eq(s, "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4");
    crypto_privkey_wipe(&key);
}
END_TEST

static Suite *cli_keys_suite(void)
{
    Suite *s = suite_create("cli_keys");
    TCase *tc = ag_test_tcase("bip39");
    tcase_add_test(tc, bip39_trezor_vectors);
    tcase_add_test(tc, bip39_rejects);
    tcase_add_test(tc, bip39_generate_roundtrip);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("bip32");
    tcase_add_test(tc, bip32_vectors_all);
    tcase_add_test(tc, bip32_path_rejects);
    tcase_add_test(tc, cosmos_path_address);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cli_keys_suite)
