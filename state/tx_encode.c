/* tx_encode.c — TxBody, AuthInfo and TxRaw through the generated protobuf-c code. */
#include "state/tx_encode.h"

#include <string.h>

#include "cosmos/tx/v1beta1/tx.pb-c.h"
#include "crypto/pubkey_proto.h"
#include "lib/pb.h"

ag_err market_tx_encode_body(ag_buf *out, const market_tx_draft *d)
{
    if (d->n_msgs > MARKET_TX_MAX_MSGS)
        return ag_err_set(AG_ERR_INVALID_ARG, "TxBody: %zu messages", d->n_msgs);
    Google__Protobuf__Any anys[MARKET_TX_MAX_MSGS], *ptrs[MARKET_TX_MAX_MSGS];
    for (size_t i = 0; i < d->n_msgs; i++) {
        google__protobuf__any__init(&anys[i]);
        anys[i].type_url.data = (uint8_t *)(uintptr_t)d->msgs[i].type_url;
        anys[i].type_url.len = strlen(d->msgs[i].type_url);
        anys[i].value.data = (uint8_t *)(uintptr_t)d->msgs[i].value.ptr;
        anys[i].value.len = d->msgs[i].value.len;
        ptrs[i] = &anys[i];
    }
    Cosmos__Tx__V1beta1__TxBody body = COSMOS__TX__V1BETA1__TX_BODY__INIT;
    body.n_messages = d->n_msgs;
    body.messages = ptrs;
    if (d->memo) {
        body.memo.data = (uint8_t *)(uintptr_t)d->memo;
        body.memo.len = strlen(d->memo);
    }
    body.timeout_height = d->timeout_height;
    return ag_pb_append(out, &body.base);
}

ag_err market_tx_encode_auth_info(ag_buf *out, const market_tx_draft *d)
{
    if (!d->fee || d->fee->n_amount > MARKET_TX_MAX_FEE_COINS)
        return ag_err_set(AG_ERR_INVALID_ARG, "AuthInfo: no fee or too many fee coins");
    if (d->n_signers > MARKET_TX_MAX_SIGNERS)
        return ag_err_set(AG_ERR_INVALID_ARG, "AuthInfo: %zu signers", d->n_signers);
    /* Each signer's PubKey value is at most MARKET_PUBKEY_PROTO_MAX bytes. */
    uint8_t keybufs[MARKET_TX_MAX_SIGNERS][MARKET_PUBKEY_PROTO_MAX];
    Google__Protobuf__Any keys[MARKET_TX_MAX_SIGNERS];
    Cosmos__Tx__V1beta1__ModeInfo__Single singles[MARKET_TX_MAX_SIGNERS];
    Cosmos__Tx__V1beta1__ModeInfo modes[MARKET_TX_MAX_SIGNERS];
    Cosmos__Tx__V1beta1__SignerInfo infos[MARKET_TX_MAX_SIGNERS], *info_ptrs[MARKET_TX_MAX_SIGNERS];
    for (size_t i = 0; i < d->n_signers; i++) {
        ag_buf kb = {.data = keybufs[i], .cap = sizeof keybufs[i], .max = sizeof keybufs[i]};
        ag_err err = crypto_pubkey_encode_cosmos(&kb, &d->pubkeys[i]);
        if (err)
            return err;
        google__protobuf__any__init(&keys[i]);
        keys[i].type_url.data = (uint8_t *)(uintptr_t)CRYPTO_COSMOS_PUBKEY_TYPE_URL;
        keys[i].type_url.len = strlen(CRYPTO_COSMOS_PUBKEY_TYPE_URL);
        keys[i].value.data = kb.data;
        keys[i].value.len = kb.len;
        cosmos__tx__v1beta1__mode_info__single__init(&singles[i]);
        singles[i].mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_DIRECT;
        cosmos__tx__v1beta1__mode_info__init(&modes[i]);
        modes[i].sum_case = COSMOS__TX__V1BETA1__MODE_INFO__SUM_SINGLE;
        modes[i].single = &singles[i];
        cosmos__tx__v1beta1__signer_info__init(&infos[i]);
        infos[i].public_key = &keys[i];
        infos[i].mode_info = &modes[i];
        infos[i].sequence = d->sequences[i];
        info_ptrs[i] = &infos[i];
    }
    Cosmos__Base__V1beta1__Coin coins[MARKET_TX_MAX_FEE_COINS], *coin_ptrs[MARKET_TX_MAX_FEE_COINS];
    char amounts[MARKET_TX_MAX_FEE_COINS][MARKET_AMOUNT_STR_MAX];
    for (size_t i = 0; i < d->fee->n_amount; i++) {
        cosmos__base__v1beta1__coin__init(&coins[i]);
        market_amount_format(amounts[i], d->fee->amount[i].amount);
        coins[i].denom.data = (uint8_t *)(uintptr_t)d->fee->amount[i].denom;
        coins[i].denom.len = strlen(d->fee->amount[i].denom);
        coins[i].amount.data = (uint8_t *)amounts[i];
        coins[i].amount.len = strlen(amounts[i]);
        coin_ptrs[i] = &coins[i];
    }
    Cosmos__Tx__V1beta1__Fee fee = COSMOS__TX__V1BETA1__FEE__INIT;
    fee.n_amount = d->fee->n_amount;
    fee.amount = coin_ptrs;
    fee.gas_limit = d->fee->gas_limit;
    Cosmos__Tx__V1beta1__AuthInfo ai = COSMOS__TX__V1BETA1__AUTH_INFO__INIT;
    ai.n_signer_infos = d->n_signers;
    ai.signer_infos = info_ptrs;
    ai.fee = &fee;
    return ag_pb_append(out, &ai.base);
}

ag_err market_tx_encode_raw(ag_buf *out, ag_slice body, ag_slice auth_info, const crypto_sig *sigs,
                            size_t n_sigs)
{
    if (n_sigs > MARKET_TX_MAX_SIGNERS)
        return ag_err_set(AG_ERR_INVALID_ARG, "TxRaw: %zu signatures", n_sigs);
    ProtobufCBinaryData sig_data[MARKET_TX_MAX_SIGNERS];
    for (size_t i = 0; i < n_sigs; i++) {
        sig_data[i].data = (uint8_t *)(uintptr_t)sigs[i].b;
        sig_data[i].len = CRYPTO_SIG_LEN;
    }
    Cosmos__Tx__V1beta1__TxRaw raw = COSMOS__TX__V1BETA1__TX_RAW__INIT;
    raw.body_bytes.data = (uint8_t *)(uintptr_t)body.ptr;
    raw.body_bytes.len = body.len;
    raw.auth_info_bytes.data = (uint8_t *)(uintptr_t)auth_info.ptr;
    raw.auth_info_bytes.len = auth_info.len;
    raw.n_signatures = n_sigs;
    raw.signatures = sig_data;
    return ag_pb_append(out, &raw.base);
}

ag_err market_tx_sign(ag_buf *out, const market_tx_draft *d, const crypto_privkey *keys,
                      const uint64_t *account_numbers, const char *chain_id)
{
    ag_buf body, auth, doc;
    ag_buf_init(&body, MARKET_TX_MAX_BYTES);
    ag_buf_init(&auth, MARKET_TX_MAX_BYTES);
    ag_buf_init(&doc, 2 * MARKET_TX_MAX_BYTES + 128);
    crypto_sig sigs[MARKET_TX_MAX_SIGNERS];
    ag_err err = market_tx_encode_body(&body, d);
    if (!err)
        err = market_tx_encode_auth_info(&auth, d);
    for (size_t i = 0; !err && i < d->n_signers; i++) {
        crypto_pubkey pub;
        err = crypto_pubkey_from_privkey(&pub, &keys[i]);
        if (!err && memcmp(pub.b, d->pubkeys[i].b, sizeof pub.b) != 0)
            err = ag_err_set(AG_ERR_INVALID_ARG, "tx sign: key %zu is not signer %zu's", i, i);
        ag_buf_reset(&doc);
        if (!err)
            err = market_sign_doc_encode(&doc, ag_buf_slice(&body), ag_buf_slice(&auth), chain_id,
                                         account_numbers[i]);
        if (!err)
            err = crypto_sign(&sigs[i], &keys[i], doc.data, doc.len);
    }
    if (!err)
        err =
            market_tx_encode_raw(out, ag_buf_slice(&body), ag_buf_slice(&auth), sigs, d->n_signers);
    ag_buf_free(&body);
    ag_buf_free(&auth);
    ag_buf_free(&doc);
    return err;
}
