/*
 * tx_decode.c — TxRaw bytes to a validated market_tx.
 *
 * Order of work: the whole size first; then, for each of TxRaw, TxBody and
 * AuthInfo, the counts its limits bound are read off the wire before
 * protobuf-c parses it; then every field is checked. The body and auth info
 * bytes are kept exactly as received, since signatures cover them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/pubkey_proto.h"
#include "lib/hex.h"
#include "state/tx_internal.h"
#include "state/tx_wire.h"

/* Prefix the current detail (copied first: ag_err_set writes the same buffer). */
static ag_err context(ag_err err, const char *field, size_t i, const char *sub)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err, "%s[%zu]%s: %s", field, i, sub, detail);
}

static ag_err count_fields(const ProtobufCBinaryData *msg, uint32_t field, uint32_t inner,
                           size_t max, const char *what)
{
    size_t n = 0;
    uint32_t path[2] = {field, inner};
    ag_err err = market_wire_count(msg->data, msg->len, path, inner ? 2 : 1, max, &n);
    if (err) {
        char detail[AG_ERR_DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", ag_err_detail());
        return ag_err_set(err, "%s: %s", what, detail);
    }
    if (n > max)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: more than %zu", what, max);
    return AG_OK;
}

/* UTF-8 as RFC 3629 defines it (no overlongs, surrogates or code points
 * above U+10FFFF), and no NUL. */
static ag_err check_text(const uint8_t *s, size_t len, const char *what)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c == 0)
            return ag_err_set(AG_ERR_DECODE, "%s: NUL byte at position %zu", what, i);
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return ag_err_set(AG_ERR_DECODE, "%s: invalid UTF-8 at position %zu", what, i);
        }
        if (len - i < n)
            return ag_err_set(AG_ERR_DECODE, "%s: truncated UTF-8 at position %zu", what, i);
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return ag_err_set(AG_ERR_DECODE, "%s: invalid UTF-8 at position %zu", what, i);
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return ag_err_set(AG_ERR_DECODE, "%s: invalid UTF-8 at position %zu", what, i);
        i += n;
    }
    return AG_OK;
}

static ag_err decode_msgs(market_tx *tx, const Cosmos__Tx__V1beta1__TxBody *body)
{
    if (body->n_messages == 0)
        return ag_err_set(AG_ERR_DECODE, "TxBody: no messages");
    for (size_t i = 0; i < body->n_messages; i++) {
        const Google__Protobuf__Any *any = body->messages[i];
        if (any->base.n_unknown_fields)
            return ag_err_set(AG_ERR_DECODE, "TxBody.messages[%zu]: unknown fields", i);
        ag_err err = market_type_url_validate(any->type_url.data, any->type_url.len);
        if (err)
            return context(err, "TxBody.messages", i, "");
        const market_msg_type *type = market_msg_type_find(any->type_url.data, any->type_url.len);
        if (!type)
            return ag_err_set(AG_ERR_UNSUPPORTED, "TxBody.messages[%zu]: unknown type URL %.*s", i,
                              (int)any->type_url.len, (const char *)any->type_url.data);
        err = type->decode(&tx->msgs[i].value, any->value.data, any->value.len);
        if (err)
            return context(err, "TxBody.messages", i, "");
        tx->msgs[i].type = type;
        tx->n_msgs = i + 1;
    }
    return AG_OK;
}

static ag_err decode_body(market_tx *tx, const ProtobufCBinaryData *bytes)
{
    ag_err err = count_fields(bytes, 1, 0, MARKET_TX_MAX_MSGS, "TxBody.messages");
    if (err)
        return err;
    Cosmos__Tx__V1beta1__TxBody *body =
        cosmos__tx__v1beta1__tx_body__unpack(NULL, bytes->len, bytes->data);
    if (!body)
        return ag_err_from_protobuf_c("cosmos.tx.v1beta1.TxBody");
    if (body->base.n_unknown_fields)
        err = ag_err_set(AG_ERR_DECODE, "TxBody: %u unknown fields", body->base.n_unknown_fields);
    else if (body->n_extension_options || body->n_non_critical_extension_options)
        err = ag_err_set(AG_ERR_UNSUPPORTED, "TxBody: extension options are not supported");
    else if (body->unordered)
        err = ag_err_set(AG_ERR_UNSUPPORTED, "TxBody: unordered transactions are not supported");
    else if (body->memo.len > MARKET_TX_MAX_MEMO)
        err = ag_err_set(AG_ERR_TOO_LARGE, "TxBody.memo: %zu bytes (at most %d)", body->memo.len,
                         MARKET_TX_MAX_MEMO);
    else
        err = check_text(body->memo.data, body->memo.len, "TxBody.memo");
    if (!err) {
        if (body->memo.len)
            memcpy(tx->memo, body->memo.data, body->memo.len);
        tx->memo[body->memo.len] = '\0';
        tx->memo_len = body->memo.len;
        tx->timeout_height = body->timeout_height;
        err = decode_msgs(tx, body);
    }
    cosmos__tx__v1beta1__tx_body__free_unpacked(body, NULL);
    return err;
}

static ag_err decode_fee(market_fee *out, const Cosmos__Tx__V1beta1__Fee *fee)
{
    if (!fee)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo: no fee");
    if (fee->base.n_unknown_fields)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo.fee: unknown fields");
    if (fee->payer.len || fee->granter.len)
        return ag_err_set(AG_ERR_UNSUPPORTED, "AuthInfo.fee: payer and granter are not supported");
    if (fee->gas_limit > MARKET_TX_MAX_GAS)
        return ag_err_set(AG_ERR_TOO_LARGE, "AuthInfo.fee.gas_limit: %llu (at most 2^63 - 1)",
                          (unsigned long long)fee->gas_limit);
    if (fee->n_amount > MARKET_TX_MAX_FEE_COINS)
        return ag_err_set(AG_ERR_TOO_LARGE, "AuthInfo.fee.amount: %zu coins", fee->n_amount);
    for (size_t i = 0; i < fee->n_amount; i++) {
        const Cosmos__Base__V1beta1__Coin *c = fee->amount[i];
        if (c->base.n_unknown_fields)
            return ag_err_set(AG_ERR_DECODE, "AuthInfo.fee.amount[%zu]: unknown fields", i);
        ag_err err = market_coin_from_wire(&out->amount[i], c->denom.data, c->denom.len,
                                           c->amount.data, c->amount.len, "AuthInfo.fee.amount");
        if (err)
            return err;
    }
    out->n_amount = fee->n_amount;
    out->gas_limit = fee->gas_limit;
    return market_coins_validate(out->amount, out->n_amount, "AuthInfo.fee.amount");
}

static ag_err decode_signer_info(market_signer *out, const Cosmos__Tx__V1beta1__SignerInfo *si,
                                 size_t i)
{
    if (si->base.n_unknown_fields)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo.signer_infos[%zu]: unknown fields", i);
    const Google__Protobuf__Any *pk = si->public_key;
    if (!pk)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo.signer_infos[%zu]: no public key", i);
    if (pk->base.n_unknown_fields)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo.signer_infos[%zu].public_key: unknown fields",
                          i);
    static const char want[] = CRYPTO_COSMOS_PUBKEY_TYPE_URL;
    if (pk->type_url.len != sizeof want - 1 || memcmp(pk->type_url.data, want, sizeof want - 1))
        return ag_err_set(AG_ERR_UNSUPPORTED,
                          "AuthInfo.signer_infos[%zu]: key type %.*s is not supported (only %s)", i,
                          (int)(pk->type_url.len < 64 ? pk->type_url.len : 64),
                          (const char *)pk->type_url.data, want);
    if (pk->value.len > MARKET_PUBKEY_PROTO_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "AuthInfo.signer_infos[%zu].public_key: %zu bytes", i,
                          pk->value.len);
    ag_err err = crypto_pubkey_decode_cosmos(&out->pubkey, pk->value.data, pk->value.len);
    if (err)
        return context(err, "AuthInfo.signer_infos", i, ".public_key");
    const Cosmos__Tx__V1beta1__ModeInfo *mi = si->mode_info;
    if (!mi || mi->sum_case == COSMOS__TX__V1BETA1__MODE_INFO__SUM__NOT_SET)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo.signer_infos[%zu]: no mode info", i);
    if (mi->base.n_unknown_fields)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo.signer_infos[%zu].mode_info: unknown fields", i);
    if (mi->sum_case == COSMOS__TX__V1BETA1__MODE_INFO__SUM_MULTI)
        return ag_err_set(AG_ERR_UNSUPPORTED,
                          "AuthInfo.signer_infos[%zu]: multisig is not supported", i);
    if (mi->single->base.n_unknown_fields)
        return ag_err_set(AG_ERR_DECODE, "AuthInfo.signer_infos[%zu].mode_info: unknown fields", i);
    if (mi->single->mode != COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_DIRECT)
        return ag_err_set(AG_ERR_UNSUPPORTED,
                          "AuthInfo.signer_infos[%zu]: sign mode %d is not supported (only "
                          "SIGN_MODE_DIRECT)",
                          i, (int)mi->single->mode);
    crypto_address_from_pubkey(&out->address, &out->pubkey);
    out->sequence = si->sequence;
    return AG_OK;
}

static ag_err decode_auth_info(market_tx *tx, const ProtobufCBinaryData *bytes)
{
    ag_err err = count_fields(bytes, 1, 0, MARKET_TX_MAX_SIGNERS, "AuthInfo.signer_infos");
    if (!err)
        err = count_fields(bytes, 2, 1, MARKET_TX_MAX_FEE_COINS, "AuthInfo.fee.amount");
    if (err)
        return err;
    /* ModeInfo.Multi is the one recursive type in a tx (it nests ModeInfos):
     * refuse it on the wire, before protobuf-c would recurse into it. */
    static const uint32_t multi_path[] = {1, 2, 2}; /* signer_infos.mode_info.multi */
    size_t n_multi = 0;
    err = market_wire_count(bytes->data, bytes->len, multi_path, 3, 0, &n_multi);
    if (err)
        return err;
    if (n_multi)
        return ag_err_set(AG_ERR_UNSUPPORTED, "AuthInfo.signer_infos: multisig is not supported");
    Cosmos__Tx__V1beta1__AuthInfo *ai =
        cosmos__tx__v1beta1__auth_info__unpack(NULL, bytes->len, bytes->data);
    if (!ai)
        return ag_err_from_protobuf_c("cosmos.tx.v1beta1.AuthInfo");
    if (ai->base.n_unknown_fields)
        err = ag_err_set(AG_ERR_DECODE, "AuthInfo: %u unknown fields", ai->base.n_unknown_fields);
    else if (ai->tip)
        err = ag_err_set(AG_ERR_UNSUPPORTED, "AuthInfo: tips are not supported");
    else if (ai->n_signer_infos == 0)
        err = ag_err_set(AG_ERR_DECODE, "AuthInfo: no signer infos");
    else
        err = decode_fee(&tx->fee, ai->fee);
    for (size_t i = 0; !err && i < ai->n_signer_infos; i++)
        err = decode_signer_info(&tx->signers[i], ai->signer_infos[i], i);
    if (!err)
        tx->n_signers = ai->n_signer_infos;
    cosmos__tx__v1beta1__auth_info__free_unpacked(ai, NULL);
    return err;
}

/* The signers must be exactly the messages' signers, in order of first
 * appearance and without repeats (the Cosmos SDK's GetSigners rule). */
static ag_err check_signers(const market_tx *tx)
{
    crypto_address want[MARKET_TX_MAX_MSGS];
    size_t n = 0;
    for (size_t i = 0; i < tx->n_msgs; i++) {
        crypto_address a;
        tx->msgs[i].type->signer(tx->msgs[i].value, &a);
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = crypto_address_equal(&want[k], &a);
        if (!seen)
            want[n++] = a;
    }
    if (n != tx->n_signers)
        return ag_err_set(AG_ERR_VERIFY, "tx: messages need %zu signers, signer infos give %zu", n,
                          tx->n_signers);
    for (size_t i = 0; i < n; i++)
        if (!crypto_address_equal(&want[i], &tx->signers[i].address)) {
            char got[CRYPTO_ADDRESS_STR_MAX], exp[CRYPTO_ADDRESS_STR_MAX];
            crypto_address_to_bech32(got, sizeof got, AGORA_BECH32_PREFIX, &tx->signers[i].address);
            crypto_address_to_bech32(exp, sizeof exp, AGORA_BECH32_PREFIX, &want[i]);
            return ag_err_set(AG_ERR_VERIFY, "tx: signer %zu is %s, the messages need %s", i, got,
                              exp);
        }
    return AG_OK;
}

static ag_err decode_raw(market_tx *tx, const uint8_t *in, size_t len)
{
    ProtobufCBinaryData whole = {len, (uint8_t *)(uintptr_t)in};
    ag_err err = count_fields(&whole, 3, 0, MARKET_TX_MAX_SIGNERS, "TxRaw.signatures");
    if (err)
        return err;
    tx->raw = cosmos__tx__v1beta1__tx_raw__unpack(NULL, len, in);
    if (!tx->raw)
        return ag_err_from_protobuf_c("cosmos.tx.v1beta1.TxRaw");
    const Cosmos__Tx__V1beta1__TxRaw *raw = tx->raw;
    if (raw->base.n_unknown_fields)
        return ag_err_set(AG_ERR_DECODE, "TxRaw: %u unknown fields (or trailing bytes)",
                          raw->base.n_unknown_fields);
    /* Canonical encoding: re-encoding gives the same bytes, so one tx has one
     * hash (no repeated fields, no out-of-order fields, no padding). */
    size_t n = cosmos__tx__v1beta1__tx_raw__get_packed_size(raw);
    bool canonical = n == len;
    if (canonical) {
        uint8_t *re = malloc(n);
        if (!re)
            return ag_err_set(AG_ERR_NOMEM, "TxRaw: re-encoding");
        cosmos__tx__v1beta1__tx_raw__pack(raw, re);
        canonical = memcmp(re, in, len) == 0;
        free(re);
    }
    if (!canonical)
        return ag_err_set(AG_ERR_DECODE, "TxRaw: not in canonical encoding");
    if (raw->body_bytes.len == 0)
        return ag_err_set(AG_ERR_DECODE, "TxRaw: no body");
    if (raw->auth_info_bytes.len == 0)
        return ag_err_set(AG_ERR_DECODE, "TxRaw: no auth info");
    err = decode_body(tx, &raw->body_bytes);
    if (!err)
        err = decode_auth_info(tx, &raw->auth_info_bytes);
    if (err)
        return err;
    if (raw->n_signatures != tx->n_signers)
        return ag_err_set(AG_ERR_DECODE, "TxRaw: %zu signatures for %zu signer infos",
                          raw->n_signatures, tx->n_signers);
    for (size_t i = 0; i < raw->n_signatures; i++) {
        if (raw->signatures[i].len != CRYPTO_SIG_LEN)
            return ag_err_set(AG_ERR_LENGTH, "TxRaw.signatures[%zu]: %zu bytes (must be %d)", i,
                              raw->signatures[i].len, CRYPTO_SIG_LEN);
        memcpy(tx->signers[i].signature.b, raw->signatures[i].data, CRYPTO_SIG_LEN);
    }
    return check_signers(tx);
}

ag_err market_tx_decode(market_tx **out, const uint8_t *in, size_t len)
{
    *out = NULL;
    if (len == 0)
        return ag_err_set(AG_ERR_DECODE, "TxRaw: empty");
    if (len > MARKET_TX_MAX_BYTES)
        return ag_err_set(AG_ERR_TOO_LARGE, "TxRaw: %zu bytes (at most %zu)", len,
                          MARKET_TX_MAX_BYTES);
    market_tx *tx = calloc(1, sizeof *tx);
    if (!tx)
        return ag_err_set(AG_ERR_NOMEM, "TxRaw: allocation");
    ag_err err = decode_raw(tx, in, len);
    if (err) {
        market_tx_free(tx);
        return err;
    }
    crypto_sha256(tx->hash, in, len);
    *out = tx;
    return AG_OK;
}

void market_tx_free(market_tx *tx)
{
    if (!tx)
        return;
    for (size_t i = 0; i < tx->n_msgs; i++)
        tx->msgs[i].type->free_msg(tx->msgs[i].value);
    if (tx->raw)
        cosmos__tx__v1beta1__tx_raw__free_unpacked(tx->raw, NULL);
    free(tx);
}

void market_tx_hash(const market_tx *tx, uint8_t out[MARKET_TX_HASH_LEN])
{
    memcpy(out, tx->hash, MARKET_TX_HASH_LEN);
}

void market_tx_hash_hex(const market_tx *tx, char out[2 * MARKET_TX_HASH_LEN + 1])
{
    ag_hex_encode(out, tx->hash, MARKET_TX_HASH_LEN, true);
}

size_t market_tx_msg_count(const market_tx *tx)
{
    return tx->n_msgs;
}

const market_msg *market_tx_msg(const market_tx *tx, size_t i)
{
    return i < tx->n_msgs ? &tx->msgs[i] : NULL;
}

const char *market_tx_memo(const market_tx *tx, size_t *len)
{
    if (len)
        *len = tx->memo_len;
    return tx->memo;
}

uint64_t market_tx_timeout_height(const market_tx *tx)
{
    return tx->timeout_height;
}

const market_fee *market_tx_fee(const market_tx *tx)
{
    return &tx->fee;
}

size_t market_tx_signer_count(const market_tx *tx)
{
    return tx->n_signers;
}

const market_signer *market_tx_signer(const market_tx *tx, size_t i)
{
    return i < tx->n_signers ? &tx->signers[i] : NULL;
}

ag_slice market_tx_body_bytes(const market_tx *tx)
{
    return (ag_slice){tx->raw->body_bytes.data, tx->raw->body_bytes.len};
}

ag_slice market_tx_auth_info_bytes(const market_tx *tx)
{
    return (ag_slice){tx->raw->auth_info_bytes.data, tx->raw->auth_info_bytes.len};
}
