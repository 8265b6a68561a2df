/* msg_send.c — cosmos.bank.v1beta1.MsgSend through the generated protobuf-c code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pb.h"
#include "cosmos/bank/v1beta1/tx.pb-c.h"
#include "state/msg.h"
#include "state/tx_wire.h"

/* Prefix the current detail (copied first: ag_err_set writes the same buffer). */
static ag_err in_field(ag_err err, const char *field)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err, "MsgSend.%s: %s", field, detail);
}

static ag_err parse_address(crypto_address *out, const ProtobufCBinaryData *s, const char *field)
{
    char str[MARKET_ADDRESS_STR_MAX + 1];
    if (s->len == 0)
        return ag_err_set(AG_ERR_DECODE, "MsgSend.%s: empty", field);
    if (s->len > MARKET_ADDRESS_STR_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "MsgSend.%s: %zu bytes (at most %d)", field, s->len,
                          MARKET_ADDRESS_STR_MAX);
    if (memchr(s->data, '\0', s->len))
        return ag_err_set(AG_ERR_DECODE, "MsgSend.%s: contains a NUL byte", field);
    memcpy(str, s->data, s->len);
    str[s->len] = '\0';
    ag_err err = crypto_address_from_bech32(out, AGORA_BECH32_PREFIX, str);
    return err ? in_field(err, field) : AG_OK;
}

ag_err market_msg_send_decode(market_msg_send *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    static const uint32_t coins_path[] = {3};
    size_t n_coins = 0;
    ag_err err = market_wire_count(in, len, coins_path, 1, MARKET_MAX_COINS, &n_coins);
    if (err)
        return err;
    if (n_coins > MARKET_MAX_COINS)
        return ag_err_set(AG_ERR_TOO_LARGE, "MsgSend.amount: more than %d coins", MARKET_MAX_COINS);
    Cosmos__Bank__V1beta1__MsgSend *m = cosmos__bank__v1beta1__msg_send__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("cosmos.bank.v1beta1.MsgSend");
    if (m->base.n_unknown_fields)
        err = ag_err_set(AG_ERR_DECODE, "MsgSend: %u unknown fields", m->base.n_unknown_fields);
    else if (m->n_amount == 0)
        err = ag_err_set(AG_ERR_DECODE, "MsgSend.amount: no coins");
    else if (m->n_amount > MARKET_MAX_COINS)
        err = ag_err_set(AG_ERR_TOO_LARGE, "MsgSend.amount: %zu coins (at most %d)", m->n_amount,
                         MARKET_MAX_COINS);
    if (!err)
        err = parse_address(&out->from, &m->from_address, "from_address");
    if (!err)
        err = parse_address(&out->to, &m->to_address, "to_address");
    for (size_t i = 0; !err && i < m->n_amount; i++) {
        const Cosmos__Base__V1beta1__Coin *c = m->amount[i];
        if (c->base.n_unknown_fields)
            err = ag_err_set(AG_ERR_DECODE, "MsgSend.amount: coin %zu has unknown fields", i);
        else
            err = market_coin_from_wire(&out->amount[i], c->denom.data, c->denom.len,
                                        c->amount.data, c->amount.len, "MsgSend.amount");
    }
    if (!err) {
        out->n_amount = m->n_amount;
        err = market_coins_validate(out->amount, out->n_amount, "MsgSend.amount");
    }
    cosmos__bank__v1beta1__msg_send__free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_msg_send_encode(ag_buf *out, const market_msg_send *msg)
{
    if (msg->n_amount > MARKET_MAX_COINS)
        return ag_err_set(AG_ERR_INVALID_ARG, "MsgSend: %zu coins", msg->n_amount);
    char from[CRYPTO_ADDRESS_STR_MAX], to[CRYPTO_ADDRESS_STR_MAX];
    ag_err err = crypto_address_to_bech32(from, sizeof from, AGORA_BECH32_PREFIX, &msg->from);
    if (!err)
        err = crypto_address_to_bech32(to, sizeof to, AGORA_BECH32_PREFIX, &msg->to);
    if (err)
        return err;
    Cosmos__Base__V1beta1__Coin coins[MARKET_MAX_COINS], *ptrs[MARKET_MAX_COINS];
    char amounts[MARKET_MAX_COINS][MARKET_AMOUNT_STR_MAX];
    for (size_t i = 0; i < msg->n_amount; i++) {
        cosmos__base__v1beta1__coin__init(&coins[i]);
        market_amount_format(amounts[i], msg->amount[i].amount);
        coins[i].denom.data = (uint8_t *)(uintptr_t)msg->amount[i].denom;
        coins[i].denom.len = strlen(msg->amount[i].denom);
        coins[i].amount.data = (uint8_t *)amounts[i];
        coins[i].amount.len = strlen(amounts[i]);
        ptrs[i] = &coins[i];
    }
    Cosmos__Bank__V1beta1__MsgSend m = COSMOS__BANK__V1BETA1__MSG_SEND__INIT;
    m.from_address.data = (uint8_t *)from;
    m.from_address.len = strlen(from);
    m.to_address.data = (uint8_t *)to;
    m.to_address.len = strlen(to);
    m.n_amount = msg->n_amount;
    m.amount = ptrs;
    return ag_pb_append(out, &m.base);
}

static ag_err send_decode(void **out, const uint8_t *value, size_t len)
{
    *out = NULL;
    market_msg_send *m = malloc(sizeof *m);
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "MsgSend: allocation");
    ag_err err = market_msg_send_decode(m, value, len);
    if (err) {
        free(m);
        return err;
    }
    *out = m;
    return AG_OK;
}

static void send_free(void *msg)
{
    free(msg);
}

static void send_signer(const void *msg, crypto_address *out)
{
    *out = ((const market_msg_send *)msg)->from;
}

const market_msg_type market_msg_send_type = {
    .type_url = MARKET_MSG_SEND_TYPE_URL,
    .decode = send_decode,
    .free_msg = send_free,
    .signer = send_signer,
};

const market_msg_send *market_msg_as_send(const market_msg *msg)
{
    return msg->type == &market_msg_send_type ? msg->value : NULL;
}
