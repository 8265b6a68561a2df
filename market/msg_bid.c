/* msg_bid.c — MsgCreateBid. */
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/tx.pb-c.h"
#include "market/msg.h"
#include "lib/pb.h"
#include "market/msg_internal.h"

ag_err market_msg_create_bid_decode(market_msg_create_bid *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_check_size(len, "MsgCreateBid");
    if (err)
        return err;
    Agora__Market__V1__MsgCreateBid *m = agora__market__v1__msg_create_bid__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.MsgCreateBid");
    err = market_pb_no_unknown(&m->base, "MsgCreateBid");
    if (!err)
        err = market_pb_address(&out->provider, &m->provider, "MsgCreateBid.provider");
    if (!err && m->order_id == 0)
        err = ag_err_set(AG_ERR_DECODE, "MsgCreateBid.order_id: 0");
    if (!err && m->offer_id == 0)
        err = ag_err_set(AG_ERR_DECODE, "MsgCreateBid.offer_id: 0");
    if (!err)
        err = market_pb_coin(&out->price, m->price, true, "MsgCreateBid.price");
    if (!err)
        err = market_pb_coin(&out->deposit, m->deposit, true, "MsgCreateBid.deposit");
    if (!err) {
        out->order_id = m->order_id;
        out->offer_id = m->offer_id;
    }
    agora__market__v1__msg_create_bid__free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

static ag_err bid_decode(void **out, const uint8_t *in, size_t len)
{
    *out = NULL;
    market_msg_create_bid *m = malloc(sizeof *m);
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "MsgCreateBid: allocation");
    ag_err err = market_msg_create_bid_decode(m, in, len);
    if (err) {
        free(m);
        return err;
    }
    *out = m;
    return AG_OK;
}

static void bid_free(void *msg)
{
    free(msg);
}

static void bid_signer(const void *msg, crypto_address *out)
{
    *out = ((const market_msg_create_bid *)msg)->provider;
}

const market_msg_type market_msg_create_bid_type = {MARKET_MSG_CREATE_BID_URL, bid_decode, bid_free,
                                                    bid_signer};

const market_msg_create_bid *market_msg_as_create_bid(const market_msg *msg)
{
    return msg->type == &market_msg_create_bid_type ? msg->value : NULL;
}

ag_err market_msg_create_bid_encode(ag_buf *out, const market_msg_create_bid *msg)
{
    if (msg->order_id == 0 || msg->offer_id == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "MsgCreateBid: id 0");
    char provider[CRYPTO_ADDRESS_STR_MAX];
    Agora__Market__V1__MsgCreateBid m = AGORA__MARKET__V1__MSG_CREATE_BID__INIT;
    ag_err err = market_pb_fill_address(&m.provider, provider, &msg->provider);
    if (err)
        return err;
    Cosmos__Base__V1beta1__Coin price, deposit;
    char s1[MARKET_AMOUNT_STR_MAX], s2[MARKET_AMOUNT_STR_MAX];
    market_pb_fill_coin(&price, &msg->price, s1);
    market_pb_fill_coin(&deposit, &msg->deposit, s2);
    m.order_id = msg->order_id;
    m.offer_id = msg->offer_id;
    m.price = &price;
    m.deposit = &deposit;
    return ag_pb_append(out, &m.base);
}
