/* Cosmos SDK transactions: amounts and denoms, MsgSend, TxRaw decoding with
 * every rejection path, SIGN_MODE_DIRECT sign bytes and verification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosmos/bank/v1beta1/tx.pb-c.h"
#include "cosmos/tx/v1beta1/tx.pb-c.h"
#include "crypto/hash.h"
#include "crypto/pubkey_proto.h"
#include "lib/hex.h"
#include "state/coin.h"
#include "state/msg.h"
#include "state/tx.h"
#include "state/tx_encode.h"
#include "tests/harness/ag_test.h"

#define CHAIN_ID "agora-test-1"
#define ACCOUNT  42
#define SEQUENCE 7

/* ---- fixtures ------------------------------------------------------------ */

static crypto_privkey key_of(uint8_t seed)
{
    uint8_t b[32];
    memset(b, seed, sizeof b);
    crypto_privkey k;
    ck_assert_int_eq(crypto_privkey_from_bytes(&k, b, sizeof b), AG_OK);
    return k;
}

static crypto_pubkey pub_of(const crypto_privkey *k)
{
    crypto_pubkey p;
    ck_assert_int_eq(crypto_pubkey_from_privkey(&p, k), AG_OK);
    return p;
}

static crypto_address addr_of(const crypto_privkey *k)
{
    crypto_pubkey p = pub_of(k);
    crypto_address a;
    crypto_address_from_pubkey(&a, &p);
    return a;
}

static void bech32_of(char out[CRYPTO_ADDRESS_STR_MAX], const crypto_privkey *k)
{
    crypto_address a = addr_of(k);
    ck_assert_int_eq(crypto_address_to_bech32(out, CRYPTO_ADDRESS_STR_MAX, "agora", &a), AG_OK);
}

static void pack(ag_buf *out, const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    ck_assert_int_eq(ag_buf_reserve(out, n), AG_OK);
    out->len += protobuf_c_message_pack(m, out->data + out->len);
}

/* A MsgSend with arbitrary strings (to reach every coin and address check). */
static void raw_send(ag_buf *out, const char *from, const char *to, const char *const *denoms,
                     const char *const *amounts, size_t n)
{
    Cosmos__Base__V1beta1__Coin coins[8], *ptrs[8];
    ck_assert_uint_le(n, 8);
    for (size_t i = 0; i < n; i++) {
        cosmos__base__v1beta1__coin__init(&coins[i]);
        coins[i].denom = (ProtobufCBinaryData){strlen(denoms[i]), (uint8_t *)(uintptr_t)denoms[i]};
        coins[i].amount =
            (ProtobufCBinaryData){strlen(amounts[i]), (uint8_t *)(uintptr_t)amounts[i]};
        ptrs[i] = &coins[i];
    }
    Cosmos__Bank__V1beta1__MsgSend m = COSMOS__BANK__V1BETA1__MSG_SEND__INIT;
    m.from_address = (ProtobufCBinaryData){strlen(from), (uint8_t *)(uintptr_t)from};
    m.to_address = (ProtobufCBinaryData){strlen(to), (uint8_t *)(uintptr_t)to};
    m.n_amount = n;
    m.amount = ptrs;
    pack(out, &m.base);
}

/* The standard MsgSend: key 1 sends 1000uagora to key 2. */
static void good_send(ag_buf *out)
{
    crypto_privkey k1 = key_of(1), k2 = key_of(2);
    char from[CRYPTO_ADDRESS_STR_MAX], to[CRYPTO_ADDRESS_STR_MAX];
    bech32_of(from, &k1);
    bech32_of(to, &k2);
    const char *d[] = {"uagora"}, *a[] = {"1000"};
    raw_send(out, from, to, d, a, 1);
}

static const market_fee good_fee = {
    .amount = {{"uagora", 500}}, .n_amount = 1, .gas_limit = 200000};

/* A signed tx of n_msgs copies of msg_value (of type_url) from key 1. */
static void signed_tx(ag_buf *out, const char *type_url, ag_slice msg_value, size_t n_msgs,
                      const char *memo, const market_fee *fee)
{
    crypto_privkey k1 = key_of(1);
    crypto_pubkey p1 = pub_of(&k1);
    market_any msgs[MARKET_TX_MAX_MSGS + 1];
    ck_assert_uint_le(n_msgs, MARKET_TX_MAX_MSGS + 1);
    for (size_t i = 0; i < n_msgs; i++)
        msgs[i] = (market_any){type_url, msg_value};
    uint64_t seq = SEQUENCE, acc = ACCOUNT;
    market_tx_draft d = {.msgs = msgs,
                         .n_msgs = n_msgs,
                         .memo = memo,
                         .fee = fee,
                         .pubkeys = &p1,
                         .sequences = &seq,
                         .n_signers = 1};
    if (n_msgs > MARKET_TX_MAX_MSGS) {
        /* The encoder refuses more than the limit: build the body by hand. */
        Google__Protobuf__Any anys[MARKET_TX_MAX_MSGS + 1], *ptrs[MARKET_TX_MAX_MSGS + 1];
        for (size_t i = 0; i < n_msgs; i++) {
            google__protobuf__any__init(&anys[i]);
            anys[i].type_url =
                (ProtobufCBinaryData){strlen(type_url), (uint8_t *)(uintptr_t)type_url};
            anys[i].value =
                (ProtobufCBinaryData){msg_value.len, (uint8_t *)(uintptr_t)msg_value.ptr};
            ptrs[i] = &anys[i];
        }
        Cosmos__Tx__V1beta1__TxBody body = COSMOS__TX__V1BETA1__TX_BODY__INIT;
        body.n_messages = n_msgs;
        body.messages = ptrs;
        ag_buf b = {0}, a = {0}, doc = {0};
        pack(&b, &body.base);
        ck_assert_int_eq(market_tx_encode_auth_info(&a, &d), AG_OK);
        ck_assert_int_eq(
            market_sign_doc_encode(&doc, ag_buf_slice(&b), ag_buf_slice(&a), CHAIN_ID, ACCOUNT),
            AG_OK);
        crypto_sig sig;
        ck_assert_int_eq(crypto_sign(&sig, &k1, doc.data, doc.len), AG_OK);
        ck_assert_int_eq(market_tx_encode_raw(out, ag_buf_slice(&b), ag_buf_slice(&a), &sig, 1),
                         AG_OK);
        ag_buf_free(&b);
        ag_buf_free(&a);
        ag_buf_free(&doc);
        return;
    }
    ck_assert_int_eq(market_tx_sign(out, &d, &k1, &acc, CHAIN_ID), AG_OK);
}

static void good_tx(ag_buf *out)
{
    ag_buf send = {0};
    good_send(&send);
    signed_tx(out, MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&send), 1, "hello", &good_fee);
    ag_buf_free(&send);
}

/* Sign body and auth info bytes with key 1 and wrap them in a TxRaw. */
static void finish(ag_buf *out, ag_slice body, ag_slice auth)
{
    crypto_privkey k1 = key_of(1);
    ag_buf doc = {0};
    ck_assert_int_eq(market_sign_doc_encode(&doc, body, auth, CHAIN_ID, ACCOUNT), AG_OK);
    crypto_sig sig;
    ck_assert_int_eq(crypto_sign(&sig, &k1, doc.data, doc.len), AG_OK);
    ck_assert_int_eq(market_tx_encode_raw(out, body, auth, &sig, 1), AG_OK);
    ag_buf_free(&doc);
}

/* The standard body (from good_tx). */
static void good_body(ag_buf *out)
{
    ag_buf send = {0};
    good_send(&send);
    market_any m = {MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&send)};
    market_tx_draft d = {.msgs = &m, .n_msgs = 1, .memo = "hello"};
    ck_assert_int_eq(market_tx_encode_body(out, &d), AG_OK);
    ag_buf_free(&send);
}

/* An AuthInfo for key 1 with the given mode info, key Any and fee, by hand. */
static void hand_auth_info(ag_buf *out, Cosmos__Tx__V1beta1__ModeInfo *mode, const char *key_url,
                           Cosmos__Tx__V1beta1__Fee *fee, Cosmos__Tx__V1beta1__Tip *tip)
{
    crypto_privkey k1 = key_of(1);
    crypto_pubkey p1 = pub_of(&k1);
    ag_buf kb = {0};
    ck_assert_int_eq(crypto_pubkey_encode_cosmos(&kb, &p1), AG_OK);
    Google__Protobuf__Any key = GOOGLE__PROTOBUF__ANY__INIT;
    key.type_url = (ProtobufCBinaryData){strlen(key_url), (uint8_t *)(uintptr_t)key_url};
    key.value = (ProtobufCBinaryData){kb.len, kb.data};
    Cosmos__Tx__V1beta1__SignerInfo si = COSMOS__TX__V1BETA1__SIGNER_INFO__INIT, *sip = &si;
    si.public_key = &key;
    si.mode_info = mode;
    si.sequence = SEQUENCE;
    Cosmos__Tx__V1beta1__AuthInfo ai = COSMOS__TX__V1BETA1__AUTH_INFO__INIT;
    ai.n_signer_infos = 1;
    ai.signer_infos = &sip;
    ai.fee = fee;
    ai.tip = tip;
    pack(out, &ai.base);
    ag_buf_free(&kb);
}

static ag_err decode_buf(const ag_buf *b)
{
    market_tx *tx;
    ag_err err = market_tx_decode(&tx, b->data, b->len);
    if (err)
        ck_assert_ptr_null(tx);
    market_tx_free(tx);
    return err;
}

#define ASSERT_DECODE_ERR(buf, code)                                                               \
    do {                                                                                           \
        ag_err e_ = decode_buf(buf);                                                               \
        ck_assert_msg(e_ == (code), "want %s, got %s (%s)", ag_err_name(code), ag_err_name(e_),    \
                      ag_err_detail());                                                            \
    } while (0)

/* ---- amounts and denoms -------------------------------------------------- */

START_TEST(amount_parse_vectors)
{
    market_u128 v;
    ck_assert_int_eq(market_amount_parse(&v, "0", 1), AG_OK);
    ck_assert(v == 0);
    ck_assert_int_eq(market_amount_parse(&v, "1000", 4), AG_OK);
    ck_assert(v == 1000);
    const char *max = "340282366920938463463374607431768211455";
    ck_assert_int_eq(market_amount_parse(&v, max, strlen(max)), AG_OK);
    ck_assert(v == ~(market_u128)0);
    char back[MARKET_AMOUNT_STR_MAX];
    market_amount_format(back, v);
    ck_assert_str_eq(back, max);
    const char *over = "340282366920938463463374607431768211456";
    ck_assert_int_eq(market_amount_parse(&v, over, strlen(over)), AG_ERR_OVERFLOW);
    ck_assert(v == 0);
    const char *too_long = "1000000000000000000000000000000000000000";
    ck_assert_int_eq(market_amount_parse(&v, too_long, strlen(too_long)), AG_ERR_TOO_LARGE);
    const char *bad[] = {"", "01", "00", "-1", "+1", "1.5", " 1", "1 ", "1e3", "0x10", "１"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(market_amount_parse(&v, bad[i], strlen(bad[i])) == AG_ERR_DECODE, "%s",
                      bad[i]);
    market_u128 s;
    ck_assert_int_eq(market_amount_add(&s, ~(market_u128)0 - 1, 1), AG_OK);
    ck_assert_int_eq(market_amount_add(&s, ~(market_u128)0, 1), AG_ERR_OVERFLOW);
    ck_assert(s == 0);
}
END_TEST

START_TEST(amount_random_roundtrip)
{
    ag_rng rng;
    ag_test_rng(&rng, 1);
    for (uint64_t it = 0; it < ag_test_iters(2000, 200000); it++) {
        market_u128 v = ((market_u128)ag_rng_next(&rng) << 64) | ag_rng_next(&rng);
        v >>= ag_rng_below(&rng, 128);
        char s[MARKET_AMOUNT_STR_MAX];
        market_amount_format(s, v);
        market_u128 back;
        ck_assert_int_eq(market_amount_parse(&back, s, strlen(s)), AG_OK);
        ck_assert(back == v);
    }
}
END_TEST

START_TEST(denom_vectors)
{
    const char *good[] = {"uagora",
                          "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
                          "abc", "A-b_c.d:e/f"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(market_denom_validate(good[i], strlen(good[i])) == AG_OK, "%s", good[i]);
    ck_assert_int_eq(market_denom_validate("ab", 2), AG_ERR_LENGTH);
    char longd[MARKET_DENOM_MAX + 2];
    memset(longd, 'a', sizeof longd);
    ck_assert_int_eq(market_denom_validate(longd, MARKET_DENOM_MAX), AG_OK);
    ck_assert_int_eq(market_denom_validate(longd, MARKET_DENOM_MAX + 1), AG_ERR_LENGTH);
    const char *bad[] = {"1abc", "u agora", "uag\xc3\xa9", "/abc", "abc!", "ab+c"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(market_denom_validate(bad[i], strlen(bad[i])) == AG_ERR_DECODE, "%s", bad[i]);
    ck_assert_int_eq(market_denom_validate("ab\0c", 4), AG_ERR_DECODE);
}
END_TEST

START_TEST(type_url_vectors)
{
    const char *good[] = {"/cosmos.bank.v1beta1.MsgSend", "/agora.market.v1.MsgCreateOrder", "/a"};
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(market_type_url_validate((const uint8_t *)good[i], strlen(good[i])),
                         AG_OK);
    const char *bad[] = {"cosmos.bank.v1beta1.MsgSend", "/a..b", "/a.", "/.a", "/1a", "/a b",
                         "type.googleapis.com/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(market_type_url_validate((const uint8_t *)bad[i], strlen(bad[i])) ==
                          AG_ERR_DECODE,
                      "%s", bad[i]);
    ck_assert_int_eq(market_type_url_validate((const uint8_t *)"/", 1), AG_ERR_LENGTH);
    ck_assert_ptr_eq(market_msg_type_find((const uint8_t *)MARKET_MSG_SEND_TYPE_URL,
                                          strlen(MARKET_MSG_SEND_TYPE_URL)),
                     &market_msg_send_type);
    ck_assert_ptr_null(market_msg_type_find((const uint8_t *)"/cosmos.bank.v1beta1.MsgSen", 27));
}
END_TEST

/* ---- MsgSend ----------------------------------------------------------- */

START_TEST(msg_send_roundtrip)
{
    crypto_privkey k1 = key_of(1), k2 = key_of(2);
    market_msg_send m = {.from = addr_of(&k1), .to = addr_of(&k2), .n_amount = 2};
    m.amount[0] = (market_coin){"uagora", 5};
    m.amount[1] = (market_coin){"ugpu", ~(market_u128)0};
    ag_buf b = {0};
    ck_assert_int_eq(market_msg_send_encode(&b, &m), AG_OK);
    market_msg_send back;
    ck_assert_int_eq(market_msg_send_decode(&back, b.data, b.len), AG_OK);
    ck_assert(memcmp(&m, &back, sizeof m) == 0);
    ag_buf_free(&b);
}
END_TEST

static ag_err send_with(const char *from, const char *to, const char *const *d,
                        const char *const *a, size_t n)
{
    ag_buf b = {0};
    raw_send(&b, from, to, d, a, n);
    market_msg_send m;
    ag_err err = market_msg_send_decode(&m, b.data, b.len);
    ag_buf_free(&b);
    return err;
}

START_TEST(msg_send_rejects)
{
    crypto_privkey k1 = key_of(1), k2 = key_of(2);
    char f[CRYPTO_ADDRESS_STR_MAX], t[CRYPTO_ADDRESS_STR_MAX], cosmos[CRYPTO_ADDRESS_STR_MAX];
    bech32_of(f, &k1);
    bech32_of(t, &k2);
    crypto_address a1 = addr_of(&k1);
    ck_assert_int_eq(crypto_address_to_bech32(cosmos, sizeof cosmos, "cosmos", &a1), AG_OK);
    const char *ua[] = {"uagora"}, *one[] = {"1"};
    ck_assert_int_eq(send_with(f, t, ua, one, 1), AG_OK);
    ck_assert_int_eq(send_with(cosmos, t, ua, one, 1), AG_ERR_PREFIX);
    ck_assert_int_eq(send_with(f, "", ua, one, 1), AG_ERR_DECODE);
    ck_assert_int_eq(
        send_with(f, "agora1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", ua, one, 1) != AG_OK, 1);
    ck_assert_int_eq(send_with(f, t, ua, one, 0), AG_ERR_DECODE); /* no coins */
    const char *amounts[][1] = {{""}, {"0"}, {"007"}, {"-5"}, {"1.0"}, {" 1"}};
    for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++)
        ck_assert_msg(send_with(f, t, ua, amounts[i], 1) == AG_ERR_DECODE, "%s", amounts[i][0]);
    const char *big[] = {"340282366920938463463374607431768211456"};
    ck_assert_int_eq(send_with(f, t, ua, big, 1), AG_ERR_OVERFLOW);
    const char *bad_denoms[][1] = {{"ab"}, {"9abc"}, {"u agora"}};
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(send_with(f, t, bad_denoms[i], one, 1) != AG_OK, "%s", bad_denoms[i][0]);
    const char *dup[] = {"uagora", "uagora"}, *unsorted[] = {"ugpu", "uagora"},
               *sorted[] = {"uagora", "ugpu"}, *ones[] = {"1", "2"};
    ck_assert_int_eq(send_with(f, t, dup, ones, 2), AG_ERR_DECODE);
    ck_assert_int_eq(send_with(f, t, unsorted, ones, 2), AG_ERR_DECODE);
    ck_assert_int_eq(send_with(f, t, sorted, ones, 2), AG_OK);
}
END_TEST

/* ---- decode and verify --------------------------------------------------- */

START_TEST(tx_sign_decode_verify)
{
    ag_buf b = {0};
    good_tx(&b);
    market_tx *tx;
    ck_assert_int_eq(market_tx_decode(&tx, b.data, b.len), AG_OK);
    crypto_privkey k1 = key_of(1), k2 = key_of(2);
    crypto_address a1 = addr_of(&k1), a2 = addr_of(&k2);
    ck_assert_uint_eq(market_tx_msg_count(tx), 1);
    const market_msg_send *s = market_msg_as_send(market_tx_msg(tx, 0));
    ck_assert_ptr_nonnull(s);
    ck_assert(crypto_address_equal(&s->from, &a1));
    ck_assert(crypto_address_equal(&s->to, &a2));
    ck_assert_uint_eq(s->n_amount, 1);
    ck_assert_str_eq(s->amount[0].denom, "uagora");
    ck_assert(s->amount[0].amount == 1000);
    size_t ml;
    ck_assert_str_eq(market_tx_memo(tx, &ml), "hello");
    ck_assert_uint_eq(ml, 5);
    ck_assert_uint_eq(market_tx_timeout_height(tx), 0);
    const market_fee *fee = market_tx_fee(tx);
    ck_assert_uint_eq(fee->gas_limit, 200000);
    ck_assert_uint_eq(fee->n_amount, 1);
    ck_assert(fee->amount[0].amount == 500);
    ck_assert_uint_eq(market_tx_signer_count(tx), 1);
    const market_signer *sg = market_tx_signer(tx, 0);
    ck_assert(crypto_address_equal(&sg->address, &a1));
    ck_assert_uint_eq(sg->sequence, SEQUENCE);
    ck_assert_ptr_null(market_tx_signer(tx, 1));
    /* hash: SHA-256 of the exact bytes, upper-case hex */
    uint8_t h[32], want[32];
    char hex[65], want_hex[65];
    market_tx_hash(tx, h);
    crypto_sha256(want, b.data, b.len);
    ck_assert(memcmp(h, want, 32) == 0);
    market_tx_hash_hex(tx, hex);
    ag_hex_encode(want_hex, want, 32, true);
    ck_assert_str_eq(hex, want_hex);
    /* sign bytes are a SignDoc over the exact body and auth info bytes */
    ag_buf doc = {0};
    ck_assert_int_eq(market_tx_sign_bytes(tx, &doc, CHAIN_ID, ACCOUNT), AG_OK);
    Cosmos__Tx__V1beta1__SignDoc *sd =
        cosmos__tx__v1beta1__sign_doc__unpack(NULL, doc.len, doc.data);
    ck_assert_ptr_nonnull(sd);
    ag_slice body = market_tx_body_bytes(tx);
    ck_assert_uint_eq(sd->body_bytes.len, body.len);
    ck_assert(memcmp(sd->body_bytes.data, body.ptr, body.len) == 0);
    ck_assert_uint_eq(sd->account_number, ACCOUNT);
    ck_assert_uint_eq(sd->chain_id.len, strlen(CHAIN_ID));
    cosmos__tx__v1beta1__sign_doc__free_unpacked(sd, NULL);
    ag_buf_free(&doc);

    uint64_t acc = ACCOUNT, seq = SEQUENCE;
    ck_assert_int_eq(market_tx_verify(tx, CHAIN_ID, &acc, &seq, 1), AG_OK);
    ck_assert_int_eq(market_tx_verify_signer(tx, 0, "agora-test-2", ACCOUNT, SEQUENCE),
                     AG_ERR_VERIFY);
    ck_assert_int_eq(market_tx_verify_signer(tx, 0, CHAIN_ID, ACCOUNT + 1, SEQUENCE),
                     AG_ERR_VERIFY);
    ck_assert_int_eq(market_tx_verify_signer(tx, 0, CHAIN_ID, ACCOUNT, SEQUENCE + 1), AG_ERR_STATE);
    ck_assert_int_eq(market_tx_verify_signer(tx, 1, CHAIN_ID, ACCOUNT, SEQUENCE),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(market_tx_verify_signer(tx, 0, "", ACCOUNT, SEQUENCE), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(market_tx_verify(tx, CHAIN_ID, &acc, &seq, 0), AG_ERR_INVALID_ARG);
    market_tx_free(tx);
    ag_buf_free(&b);
}
END_TEST

/* Re-wrap the good tx's body and auth info with other signature bytes. */
static ag_err verify_with_sig(const crypto_sig *sig)
{
    ag_buf b = {0}, out = {0};
    good_tx(&b);
    market_tx *tx;
    ck_assert_int_eq(market_tx_decode(&tx, b.data, b.len), AG_OK);
    ck_assert_int_eq(
        market_tx_encode_raw(&out, market_tx_body_bytes(tx), market_tx_auth_info_bytes(tx), sig, 1),
        AG_OK);
    market_tx_free(tx);
    ck_assert_int_eq(market_tx_decode(&tx, out.data, out.len), AG_OK);
    ag_err err = market_tx_verify_signer(tx, 0, CHAIN_ID, ACCOUNT, SEQUENCE);
    market_tx_free(tx);
    ag_buf_free(&b);
    ag_buf_free(&out);
    return err;
}

START_TEST(tx_signature_rejects)
{
    ag_buf b = {0};
    good_tx(&b);
    market_tx *tx;
    ck_assert_int_eq(market_tx_decode(&tx, b.data, b.len), AG_OK);
    crypto_sig good = market_tx_signer(tx, 0)->signature;
    market_tx_free(tx);
    ag_buf_free(&b);
    ck_assert_int_eq(verify_with_sig(&good), AG_OK);

    crypto_sig flipped = good;
    flipped.b[10] ^= 1;
    ck_assert_int_eq(verify_with_sig(&flipped), AG_ERR_VERIFY);

    /* high-S twin: s' = n - s verifies mathematically but is refused */
    static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                  0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    crypto_sig high = good;
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - good.b[32 + i] - borrow;
        borrow = d < 0;
        high.b[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    ck_assert_int_eq(verify_with_sig(&high), AG_ERR_HIGH_S);

    /* a valid signature by another key over the same sign bytes */
    ag_buf bb = {0}, doc = {0};
    good_tx(&bb);
    ck_assert_int_eq(market_tx_decode(&tx, bb.data, bb.len), AG_OK);
    ck_assert_int_eq(market_tx_sign_bytes(tx, &doc, CHAIN_ID, ACCOUNT), AG_OK);
    market_tx_free(tx);
    crypto_privkey k3 = key_of(3);
    crypto_sig other;
    ck_assert_int_eq(crypto_sign(&other, &k3, doc.data, doc.len), AG_OK);
    ck_assert_int_eq(verify_with_sig(&other), AG_ERR_VERIFY);
    ag_buf_free(&bb);
    ag_buf_free(&doc);

    crypto_sig zero = {{0}}, over;
    ck_assert_int_eq(verify_with_sig(&zero), AG_ERR_VERIFY);
    memset(over.b, 0xff, sizeof over.b); /* r and s above the group order */
    ck_assert_int_eq(verify_with_sig(&over), AG_ERR_BAD_SIG);
}
END_TEST

START_TEST(tx_wrong_pubkey)
{
    /* The signer info carries key 2's public key while the MsgSend is from key 1. */
    crypto_privkey k2 = key_of(2);
    crypto_pubkey p2 = pub_of(&k2);
    ag_buf send = {0}, out = {0};
    good_send(&send);
    market_any m = {MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&send)};
    uint64_t seq = SEQUENCE, acc = ACCOUNT;
    market_tx_draft d = {.msgs = &m,
                         .n_msgs = 1,
                         .fee = &good_fee,
                         .pubkeys = &p2,
                         .sequences = &seq,
                         .n_signers = 1};
    ck_assert_int_eq(market_tx_sign(&out, &d, &k2, &acc, CHAIN_ID), AG_OK);
    ASSERT_DECODE_ERR(&out, AG_ERR_VERIFY);
    /* a key that does not match the one named is refused by the signer */
    crypto_privkey k1 = key_of(1);
    ag_buf_reset(&out);
    ck_assert_int_eq(market_tx_sign(&out, &d, &k1, &acc, CHAIN_ID), AG_ERR_INVALID_ARG);
    ag_buf_free(&send);
    ag_buf_free(&out);
}
END_TEST

START_TEST(tx_size_limits)
{
    ag_buf send = {0}, b = {0};
    good_send(&send);
    ag_slice v = ag_buf_slice(&send);
    char memo[MARKET_TX_MAX_MEMO + 2];
    memset(memo, 'm', sizeof memo);
    memo[MARKET_TX_MAX_MEMO] = '\0';
    signed_tx(&b, MARKET_MSG_SEND_TYPE_URL, v, 1, memo, &good_fee);
    ASSERT_DECODE_ERR(&b, AG_OK);
    memo[MARKET_TX_MAX_MEMO] = 'm';
    memo[MARKET_TX_MAX_MEMO + 1] = '\0';
    ag_buf_reset(&b);
    signed_tx(&b, MARKET_MSG_SEND_TYPE_URL, v, 1, memo, &good_fee);
    ASSERT_DECODE_ERR(&b, AG_ERR_TOO_LARGE);

    ag_buf_reset(&b);
    signed_tx(&b, MARKET_MSG_SEND_TYPE_URL, v, MARKET_TX_MAX_MSGS, NULL, &good_fee);
    ASSERT_DECODE_ERR(&b, AG_OK);
    ag_buf_reset(&b);
    signed_tx(&b, MARKET_MSG_SEND_TYPE_URL, v, MARKET_TX_MAX_MSGS + 1, NULL, &good_fee);
    ASSERT_DECODE_ERR(&b, AG_ERR_TOO_LARGE);

    /* a whole tx over the cap is refused before parsing */
    ag_buf big = {0};
    ck_assert_int_eq(ag_buf_reserve(&big, MARKET_TX_MAX_BYTES + 1), AG_OK);
    memset(big.data, 0, MARKET_TX_MAX_BYTES + 1);
    big.len = MARKET_TX_MAX_BYTES + 1;
    ASSERT_DECODE_ERR(&big, AG_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "TxRaw"));
    big.len = 0;
    ASSERT_DECODE_ERR(&big, AG_ERR_DECODE);

    /* too many signatures, counted on the wire */
    ag_buf body = {0}, auth = {0}, raw = {0};
    good_body(&body);
    crypto_privkey k1 = key_of(1);
    crypto_pubkey p1 = pub_of(&k1);
    uint64_t seq = 0;
    market_tx_draft d = {.fee = &good_fee, .pubkeys = &p1, .sequences = &seq, .n_signers = 1};
    ck_assert_int_eq(market_tx_encode_auth_info(&auth, &d), AG_OK);
    crypto_sig sigs[MARKET_TX_MAX_SIGNERS + 1];
    memset(sigs, 1, sizeof sigs);
    Cosmos__Tx__V1beta1__TxRaw r = COSMOS__TX__V1BETA1__TX_RAW__INIT;
    ProtobufCBinaryData sd[MARKET_TX_MAX_SIGNERS + 1];
    for (size_t i = 0; i <= MARKET_TX_MAX_SIGNERS; i++)
        sd[i] = (ProtobufCBinaryData){64, sigs[i].b};
    r.body_bytes = (ProtobufCBinaryData){body.len, body.data};
    r.auth_info_bytes = (ProtobufCBinaryData){auth.len, auth.data};
    r.n_signatures = MARKET_TX_MAX_SIGNERS + 1;
    r.signatures = sd;
    pack(&raw, &r.base);
    ASSERT_DECODE_ERR(&raw, AG_ERR_TOO_LARGE);
    /* two signatures for one signer info */
    ag_buf_reset(&raw);
    r.n_signatures = 2;
    pack(&raw, &r.base);
    ASSERT_DECODE_ERR(&raw, AG_ERR_DECODE);
    /* a 63-byte signature */
    ag_buf_reset(&raw);
    r.n_signatures = 1;
    sd[0].len = 63;
    pack(&raw, &r.base);
    ASSERT_DECODE_ERR(&raw, AG_ERR_LENGTH);

    /* eight signer infos */
    crypto_pubkey keys[MARKET_TX_MAX_SIGNERS + 1];
    uint64_t seqs[MARKET_TX_MAX_SIGNERS + 1] = {0};
    for (size_t i = 0; i <= MARKET_TX_MAX_SIGNERS; i++)
        keys[i] = p1;
    Cosmos__Tx__V1beta1__AuthInfo *ai;
    ag_buf_reset(&auth);
    d.pubkeys = keys;
    d.sequences = seqs;
    d.n_signers = MARKET_TX_MAX_SIGNERS;
    ck_assert_int_eq(market_tx_encode_auth_info(&auth, &d), AG_OK);
    ai = cosmos__tx__v1beta1__auth_info__unpack(NULL, auth.len, auth.data);
    ck_assert_ptr_nonnull(ai);
    Cosmos__Tx__V1beta1__SignerInfo *infos[MARKET_TX_MAX_SIGNERS + 1];
    for (size_t i = 0; i <= MARKET_TX_MAX_SIGNERS; i++)
        infos[i] = ai->signer_infos[0];
    Cosmos__Tx__V1beta1__SignerInfo **saved = ai->signer_infos;
    size_t saved_n = ai->n_signer_infos;
    ai->signer_infos = infos;
    ai->n_signer_infos = MARKET_TX_MAX_SIGNERS + 1;
    ag_buf auth8 = {0};
    pack(&auth8, &ai->base);
    ai->signer_infos = saved;
    ai->n_signer_infos = saved_n;
    cosmos__tx__v1beta1__auth_info__free_unpacked(ai, NULL);
    ag_buf_reset(&raw);
    finish(&raw, ag_buf_slice(&body), ag_buf_slice(&auth8));
    ASSERT_DECODE_ERR(&raw, AG_ERR_TOO_LARGE);

    /* nine fee coins */
    market_fee many = {.n_amount = MARKET_TX_MAX_FEE_COINS, .gas_limit = 1};
    for (size_t i = 0; i < MARKET_TX_MAX_FEE_COINS; i++) {
        snprintf(many.amount[i].denom, sizeof many.amount[i].denom, "coin%zu", i);
        many.amount[i].amount = 1;
    }
    ag_buf_reset(&b);
    signed_tx(&b, MARKET_MSG_SEND_TYPE_URL, v, 1, NULL, &many);
    ASSERT_DECODE_ERR(&b, AG_OK);
    Cosmos__Base__V1beta1__Coin coins[MARKET_TX_MAX_FEE_COINS + 1],
        *cp[MARKET_TX_MAX_FEE_COINS + 1];
    for (size_t i = 0; i <= MARKET_TX_MAX_FEE_COINS; i++) {
        cosmos__base__v1beta1__coin__init(&coins[i]);
        coins[i].denom = (ProtobufCBinaryData){6, (uint8_t *)(uintptr_t) "uagora"};
        coins[i].amount = (ProtobufCBinaryData){1, (uint8_t *)(uintptr_t) "1"};
        cp[i] = &coins[i];
    }
    Cosmos__Tx__V1beta1__Fee fee = COSMOS__TX__V1BETA1__FEE__INIT;
    fee.n_amount = MARKET_TX_MAX_FEE_COINS + 1;
    fee.amount = cp;
    Cosmos__Tx__V1beta1__ModeInfo__Single single = COSMOS__TX__V1BETA1__MODE_INFO__SINGLE__INIT;
    single.mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_DIRECT;
    Cosmos__Tx__V1beta1__ModeInfo mode = COSMOS__TX__V1BETA1__MODE_INFO__INIT;
    mode.sum_case = COSMOS__TX__V1BETA1__MODE_INFO__SUM_SINGLE;
    mode.single = &single;
    ag_buf_reset(&auth);
    hand_auth_info(&auth, &mode, CRYPTO_COSMOS_PUBKEY_TYPE_URL, &fee, NULL);
    ag_buf_reset(&raw);
    finish(&raw, ag_buf_slice(&body), ag_buf_slice(&auth));
    ASSERT_DECODE_ERR(&raw, AG_ERR_TOO_LARGE);

    ag_buf_free(&send);
    ag_buf_free(&b);
    ag_buf_free(&big);
    ag_buf_free(&body);
    ag_buf_free(&auth);
    ag_buf_free(&auth8);
    ag_buf_free(&raw);
}
END_TEST

START_TEST(tx_auth_info_rejects)
{
    ag_buf body = {0}, auth = {0}, raw = {0};
    good_body(&body);
    Cosmos__Tx__V1beta1__ModeInfo__Single single = COSMOS__TX__V1BETA1__MODE_INFO__SINGLE__INIT;
    single.mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_DIRECT;
    Cosmos__Tx__V1beta1__ModeInfo mode = COSMOS__TX__V1BETA1__MODE_INFO__INIT;
    mode.sum_case = COSMOS__TX__V1BETA1__MODE_INFO__SUM_SINGLE;
    mode.single = &single;
    Cosmos__Tx__V1beta1__Fee fee = COSMOS__TX__V1BETA1__FEE__INIT;
    fee.gas_limit = 100000;
    const char *url = CRYPTO_COSMOS_PUBKEY_TYPE_URL;

#define TRY(m, u, f, t, code)                                                                      \
    do {                                                                                           \
        ag_buf_reset(&auth);                                                                       \
        ag_buf_reset(&raw);                                                                        \
        hand_auth_info(&auth, m, u, f, t);                                                         \
        finish(&raw, ag_buf_slice(&body), ag_buf_slice(&auth));                                    \
        ASSERT_DECODE_ERR(&raw, code);                                                             \
    } while (0)

    TRY(&mode, url, &fee, NULL, AG_OK); /* a zero-coin fee is allowed; the ante handler prices */
    TRY(&mode, url, NULL, NULL, AG_ERR_DECODE); /* missing fee */
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "no fee"));
    TRY(NULL, url, &fee, NULL, AG_ERR_DECODE); /* no mode info */
    single.mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_LEGACY_AMINO_JSON;
    TRY(&mode, url, &fee, NULL, AG_ERR_UNSUPPORTED);
    single.mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_TEXTUAL;
    TRY(&mode, url, &fee, NULL, AG_ERR_UNSUPPORTED);
    single.mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_DIRECT;
    Cosmos__Tx__V1beta1__ModeInfo__Multi multi = COSMOS__TX__V1BETA1__MODE_INFO__MULTI__INIT;
    Cosmos__Tx__V1beta1__ModeInfo *inner[1] = {&mode};
    multi.n_mode_infos = 1;
    multi.mode_infos = inner;
    Cosmos__Tx__V1beta1__ModeInfo mmode = COSMOS__TX__V1BETA1__MODE_INFO__INIT;
    mmode.sum_case = COSMOS__TX__V1BETA1__MODE_INFO__SUM_MULTI;
    mmode.multi = &multi;
    TRY(&mmode, url, &fee, NULL, AG_ERR_UNSUPPORTED); /* multisig */
    TRY(&mode, "/cosmos.crypto.ed25519.PubKey", &fee, NULL, AG_ERR_UNSUPPORTED);
    TRY(&mode, "/cosmos.crypto.multisig.LegacyAminoPubKey", &fee, NULL, AG_ERR_UNSUPPORTED);
    Cosmos__Tx__V1beta1__Tip tip = COSMOS__TX__V1BETA1__TIP__INIT;
    TRY(&mode, url, &fee, &tip, AG_ERR_UNSUPPORTED);
    fee.granter = (ProtobufCBinaryData){5, (uint8_t *)(uintptr_t) "agora"};
    TRY(&mode, url, &fee, NULL, AG_ERR_UNSUPPORTED);
    fee.granter = (ProtobufCBinaryData){0, NULL};
    fee.gas_limit = (uint64_t)INT64_MAX + 1;
    TRY(&mode, url, &fee, NULL, AG_ERR_TOO_LARGE);
    fee.gas_limit = 1;
    /* fee coins: bad denom, leading zeros, overflow, duplicates, unsorted, zero */
    Cosmos__Base__V1beta1__Coin c0 = COSMOS__BASE__V1BETA1__COIN__INIT,
                                c1 = COSMOS__BASE__V1BETA1__COIN__INIT, *cp[2] = {&c0, &c1};
    fee.amount = cp;
#define COIN(c, d, a)                                                                              \
    (c).denom = (ProtobufCBinaryData){strlen(d), (uint8_t *)(uintptr_t)(d)},                       \
    (c).amount = (ProtobufCBinaryData){strlen(a), (uint8_t *)(uintptr_t)(a)}
    fee.n_amount = 1;
    COIN(c0, "uagora", "10");
    TRY(&mode, url, &fee, NULL, AG_OK);
    COIN(c0, "u$agora", "10");
    TRY(&mode, url, &fee, NULL, AG_ERR_DECODE);
    COIN(c0, "uagora", "010");
    TRY(&mode, url, &fee, NULL, AG_ERR_DECODE);
    COIN(c0, "uagora", "");
    TRY(&mode, url, &fee, NULL, AG_ERR_DECODE);
    COIN(c0, "uagora", "0");
    TRY(&mode, url, &fee, NULL, AG_ERR_DECODE);
    COIN(c0, "uagora", "340282366920938463463374607431768211456");
    TRY(&mode, url, &fee, NULL, AG_ERR_OVERFLOW);
    fee.n_amount = 2;
    COIN(c0, "uagora", "1");
    COIN(c1, "uagora", "2");
    TRY(&mode, url, &fee, NULL, AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "duplicate"));
    COIN(c0, "ugpu", "1");
    COIN(c1, "uagora", "2");
    TRY(&mode, url, &fee, NULL, AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "sorted"));
    COIN(c0, "uagora", "1");
    COIN(c1, "ugpu", "2");
    TRY(&mode, url, &fee, NULL, AG_OK);
#undef COIN
#undef TRY
    ag_buf_free(&body);
    ag_buf_free(&auth);
    ag_buf_free(&raw);
}
END_TEST

START_TEST(tx_body_rejects)
{
    ag_buf send = {0}, body = {0}, auth = {0}, raw = {0};
    good_send(&send);
    crypto_privkey k1 = key_of(1);
    crypto_pubkey p1 = pub_of(&k1);
    uint64_t seq = SEQUENCE;
    market_tx_draft d = {.fee = &good_fee, .pubkeys = &p1, .sequences = &seq, .n_signers = 1};
    ck_assert_int_eq(market_tx_encode_auth_info(&auth, &d), AG_OK);
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT, *anyp = &any, ext = any, *extp = &ext;
    Cosmos__Tx__V1beta1__TxBody b = COSMOS__TX__V1BETA1__TX_BODY__INIT;
    b.n_messages = 1;
    b.messages = &anyp;
    any.value = (ProtobufCBinaryData){send.len, send.data};

#define TRY(url, code)                                                                             \
    do {                                                                                           \
        any.type_url = (ProtobufCBinaryData){strlen(url), (uint8_t *)(uintptr_t)(url)};            \
        ag_buf_reset(&body);                                                                       \
        ag_buf_reset(&raw);                                                                        \
        pack(&body, &b.base);                                                                      \
        finish(&raw, ag_buf_slice(&body), ag_buf_slice(&auth));                                    \
        ASSERT_DECODE_ERR(&raw, code);                                                             \
    } while (0)

    TRY(MARKET_MSG_SEND_TYPE_URL, AG_OK);
    TRY("/agora.market.v1.MsgNoSuchMessage", AG_ERR_UNSUPPORTED); /* not registered */
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "unknown type URL"));
    TRY("/cosmos.bank.v1beta1.MsgMultiSend", AG_ERR_UNSUPPORTED);
    TRY("cosmos.bank.v1beta1.MsgSend", AG_ERR_DECODE);
    TRY("/cosmos..MsgSend", AG_ERR_DECODE);
    TRY("", AG_ERR_LENGTH);
    b.memo = (ProtobufCBinaryData){3, (uint8_t *)(uintptr_t) "a\0b"};
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_ERR_DECODE);
    b.memo = (ProtobufCBinaryData){2, (uint8_t *)(uintptr_t) "\xc3\x28"};
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_ERR_DECODE);
    b.memo = (ProtobufCBinaryData){6, (uint8_t *)(uintptr_t) "\xe2\x82\xac \xc3\xa9"}; /* "€ é" */
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_OK);
    b.memo = (ProtobufCBinaryData){3, (uint8_t *)(uintptr_t) "\xed\xa0\x80"}; /* a surrogate */
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_ERR_DECODE);
    b.memo = (ProtobufCBinaryData){0, NULL};
    b.unordered = 1;
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_ERR_UNSUPPORTED);
    b.unordered = 0;
    ext.type_url = (ProtobufCBinaryData){4, (uint8_t *)(uintptr_t) "/x.y"};
    b.n_extension_options = 1;
    b.extension_options = &extp;
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_ERR_UNSUPPORTED);
    b.n_extension_options = 0;
    b.n_non_critical_extension_options = 1;
    b.non_critical_extension_options = &extp;
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_ERR_UNSUPPORTED);
    b.n_non_critical_extension_options = 0;
    b.n_messages = 0;
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_ERR_DECODE); /* no messages */
    b.n_messages = 1;
    b.timeout_height = 99;
    TRY(MARKET_MSG_SEND_TYPE_URL, AG_OK);
#undef TRY
    /* unknown field 5 (varint 1) appended to the body */
    ag_buf_reset(&body);
    ag_buf_reset(&raw);
    pack(&body, &b.base);
    ck_assert_int_eq(ag_buf_append(&body, "\x28\x01", 2), AG_OK);
    finish(&raw, ag_buf_slice(&body), ag_buf_slice(&auth));
    ASSERT_DECODE_ERR(&raw, AG_ERR_DECODE);
    ag_buf_free(&send);
    ag_buf_free(&body);
    ag_buf_free(&auth);
    ag_buf_free(&raw);
}
END_TEST

START_TEST(tx_raw_rejects)
{
    ag_buf b = {0};
    good_tx(&b);
    ASSERT_DECODE_ERR(&b, AG_OK);
    size_t len = b.len;
    /* trailing garbage: a stray byte, an unknown field, a repeated field */
    ck_assert_int_eq(ag_buf_append(&b, "\x00", 1), AG_OK);
    ASSERT_DECODE_ERR(&b, AG_ERR_DECODE);
    b.len = len;
    ck_assert_int_eq(ag_buf_append(&b, "\x20\x01", 2), AG_OK);
    ASSERT_DECODE_ERR(&b, AG_ERR_DECODE);
    b.len = len;
    ck_assert_int_eq(ag_buf_append(&b, "\x0a\x01\x00", 3), AG_OK); /* body_bytes again */
    ASSERT_DECODE_ERR(&b, AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "canonical"));
    b.len = len;
    /* every truncation fails cleanly */
    for (size_t n = 0; n < len; n++) {
        b.len = n;
        ck_assert_int_ne(decode_buf(&b), AG_OK);
    }
    /* a flipped bit anywhere: decodes to something else or fails, never crashes,
     * and never yields a tx whose signature still verifies */
    b.len = len;
    for (size_t i = 0; i < len; i++) {
        b.data[i] ^= 0x10;
        market_tx *tx;
        if (market_tx_decode(&tx, b.data, b.len) == AG_OK) {
            ck_assert_int_ne(market_tx_verify_signer(tx, 0, CHAIN_ID, ACCOUNT, SEQUENCE), AG_OK);
            market_tx_free(tx);
        }
        b.data[i] ^= 0x10;
    }
    ag_buf_free(&b);
}
END_TEST

START_TEST(tx_random_garbage)
{
    ag_rng rng;
    ag_test_rng(&rng, 2);
    uint8_t buf[512];
    for (uint64_t it = 0; it < ag_test_iters(5000, 500000); it++) {
        size_t n = ag_rng_below(&rng, sizeof buf + 1);
        ag_rng_fill(&rng, buf, n);
        market_tx *tx;
        if (market_tx_decode(&tx, buf, n) == AG_OK)
            market_tx_free(tx);
    }
}
END_TEST

START_TEST(tx_two_signers)
{
    /* Two MsgSends from different accounts: signer infos must follow the
     * order in which the messages name their signers. */
    crypto_privkey k[2] = {key_of(1), key_of(2)};
    crypto_pubkey p[2] = {pub_of(&k[0]), pub_of(&k[1])};
    market_msg_send m1 = {.from = addr_of(&k[0]), .to = addr_of(&k[1]), .n_amount = 1};
    m1.amount[0] = (market_coin){"uagora", 1};
    market_msg_send m2 = m1;
    m2.from = m1.to;
    m2.to = m1.from;
    ag_buf v1 = {0}, v2 = {0}, out = {0};
    ck_assert_int_eq(market_msg_send_encode(&v1, &m1), AG_OK);
    ck_assert_int_eq(market_msg_send_encode(&v2, &m2), AG_OK);
    market_any msgs[3] = {{MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&v1)},
                          {MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&v2)},
                          {MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&v1)}};
    uint64_t seqs[2] = {3, 9}, accs[2] = {10, 11};
    market_tx_draft d = {.msgs = msgs,
                         .n_msgs = 3,
                         .fee = &good_fee,
                         .pubkeys = p,
                         .sequences = seqs,
                         .n_signers = 2};
    ck_assert_int_eq(market_tx_sign(&out, &d, k, accs, CHAIN_ID), AG_OK);
    market_tx *tx;
    ck_assert_int_eq(market_tx_decode(&tx, out.data, out.len), AG_OK);
    ck_assert_int_eq(market_tx_verify(tx, CHAIN_ID, accs, seqs, 2), AG_OK);
    uint64_t swapped[2] = {11, 10};
    ck_assert_int_eq(market_tx_verify(tx, CHAIN_ID, swapped, seqs, 2), AG_ERR_VERIFY);
    market_tx_free(tx);
    /* signer infos in the other order */
    crypto_privkey kr[2] = {k[1], k[0]};
    crypto_pubkey pr[2] = {p[1], p[0]};
    d.pubkeys = pr;
    ag_buf_reset(&out);
    ck_assert_int_eq(market_tx_sign(&out, &d, kr, accs, CHAIN_ID), AG_OK);
    ASSERT_DECODE_ERR(&out, AG_ERR_VERIFY);
    /* a signer no message needs */
    d.pubkeys = p;
    d.msgs = msgs;
    d.n_msgs = 1;
    ag_buf_reset(&out);
    ck_assert_int_eq(market_tx_sign(&out, &d, k, accs, CHAIN_ID), AG_OK);
    ASSERT_DECODE_ERR(&out, AG_ERR_VERIFY);
    ag_buf_free(&v1);
    ag_buf_free(&v2);
    ag_buf_free(&out);
}
END_TEST

/* Write the varint v ending just before p; returns the new start. */
static uint8_t *put_varint_back(uint8_t *p, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            tmp[n] |= 0x80;
        n++;
    } while (v);
    p -= n;
    memcpy(p, tmp, n);
    return p;
}

START_TEST(tx_deep_multisig_refused_before_parsing)
{
    /* AuthInfo{signer_infos: SignerInfo{mode_info: ModeInfo{multi: Multi{mode_infos:
     * ModeInfo{multi: ...}}}}} nested 100,000 deep (~800 KB): refused on the wire. */
    size_t cap = MARKET_TX_MAX_BYTES;
    uint8_t *buf = malloc(cap), *end = buf + cap, *p = end;
    for (size_t level = 0; level < 2 * 100000 + 2;
         level++) { /* multi, mode_infos, ..., mode_info, signer_infos */
        size_t inner = (size_t)(end - p);
        p = put_varint_back(p, inner);
        *--p = level == 2 * 100000 + 1 ? 0x0a : 0x12;
        ck_assert((size_t)(p - buf) >= 16);
    }
    ag_buf body = {0}, raw = {0};
    good_body(&body);
    finish(&raw, ag_buf_slice(&body), (ag_slice){p, (size_t)(end - p)});
    ASSERT_DECODE_ERR(&raw, AG_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "multisig"));
    free(buf);
    ag_buf_free(&body);
    ag_buf_free(&raw);
}
END_TEST

START_TEST(msg_send_too_many_coins)
{
    crypto_privkey k1 = key_of(1), k2 = key_of(2);
    char f[CRYPTO_ADDRESS_STR_MAX], t[CRYPTO_ADDRESS_STR_MAX];
    bech32_of(f, &k1);
    bech32_of(t, &k2);
    /* raw_send takes up to 8: append coins (field 3) by hand */
    const char *d[] = {"uagora"}, *a[] = {"1"};
    ag_buf b = {0};
    raw_send(&b, f, t, d, a, 1);
    for (int i = 0; i < MARKET_MAX_COINS; i++)
        ck_assert_int_eq(ag_buf_append(&b, "\x1a\x0b\x0a\x06uagora\x12\x01\x31", 13), AG_OK);
    market_msg_send m;
    ck_assert_int_eq(market_msg_send_decode(&m, b.data, b.len), AG_ERR_TOO_LARGE);
    ag_buf_free(&b);
}
END_TEST

static Suite *tx_suite(void)
{
    Suite *s = suite_create("tx");
    TCase *tc = ag_test_tcase("coins");
    tcase_add_test(tc, amount_parse_vectors);
    tcase_add_test(tc, amount_random_roundtrip);
    tcase_add_test(tc, denom_vectors);
    tcase_add_test(tc, type_url_vectors);
    tcase_add_test(tc, msg_send_roundtrip);
    tcase_add_test(tc, msg_send_rejects);
    tcase_add_test(tc, msg_send_too_many_coins);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("tx");
    tcase_add_test(tc, tx_sign_decode_verify);
    tcase_add_test(tc, tx_signature_rejects);
    tcase_add_test(tc, tx_wrong_pubkey);
    tcase_add_test(tc, tx_size_limits);
    tcase_add_test(tc, tx_auth_info_rejects);
    tcase_add_test(tc, tx_body_rejects);
    tcase_add_test(tc, tx_raw_rejects);
    tcase_add_test(tc, tx_random_garbage);
    tcase_add_test(tc, tx_two_signers);
    tcase_add_test(tc, tx_deep_multisig_refused_before_parsing);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(tx_suite)
