/* msg_order.c — MsgCreateOrder and the workload it carries. */
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/tx.pb-c.h"
#include "lib/pb.h"
#include "market/msg.h"
#include "market/msg_internal.h"

ag_err market_workload_check(market_workload_summary *summary, ag_buf *canon, const uint8_t *in,
                             size_t len)
{
    memset(summary, 0, sizeof *summary);
    ag_err err = market_pb_check_size(len, "Workload");
    if (!err)
        err = market_pb_workload_caps(in, len, NULL, 0, "Workload");
    if (err)
        return err;
    Agora__Market__V1__Workload *w = agora__market__v1__workload__unpack(NULL, len, in);
    if (!w)
        return ag_err_from_protobuf_c("agora.market.v1.Workload");
    err = market_pb_no_unknown(&w->base, "Workload");
    if (!err)
        err = market_pb_workload(summary, w, "Workload");
    if (!err && canon)
        err = ag_pb_append(canon, &w->base);
    agora__market__v1__workload__free_unpacked(w, NULL);
    if (err)
        memset(summary, 0, sizeof *summary);
    return err;
}

void market_msg_create_order_clear(market_msg_create_order *msg)
{
    free(msg->workload);
    memset(msg, 0, sizeof *msg);
}

ag_err market_msg_create_order_decode(market_msg_create_order *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    static const uint32_t workload[] = {2}, placement[] = {3};
    ag_err err = market_pb_check_size(len, "MsgCreateOrder");
    if (!err)
        err =
            market_pb_cap(in, len, placement, 1, MARKET_MAX_ATTRIBUTES, "MsgCreateOrder.placement");
    if (!err)
        err = market_pb_workload_caps(in, len, workload, 1, "MsgCreateOrder.workload");
    if (err)
        return err;
    Agora__Market__V1__MsgCreateOrder *m =
        agora__market__v1__msg_create_order__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.MsgCreateOrder");
    err = market_pb_no_unknown(&m->base, "MsgCreateOrder");
    if (!err)
        err = market_pb_address(&out->tenant, &m->tenant, "MsgCreateOrder.tenant");
    if (!err)
        err = market_pb_workload(&out->summary, m->workload, "MsgCreateOrder.workload");
    if (!err)
        err = market_pb_attributes(&out->placement, m->placement, m->n_placement,
                                   "MsgCreateOrder.placement");
    if (!err)
        err = market_pb_coin(&out->max_price, m->max_price, true, "MsgCreateOrder.max_price");
    if (!err)
        err = market_pb_coin(&out->deposit, m->deposit, true, "MsgCreateOrder.deposit");
    if (!err && strcmp(out->deposit.denom, out->max_price.denom) != 0)
        err = ag_err_set(AG_ERR_DECODE, "MsgCreateOrder.deposit: denom %s is not max_price's %s",
                         out->deposit.denom, out->max_price.denom);
    if (!err && m->auction_blocks == 0)
        err = ag_err_set(AG_ERR_DECODE, "MsgCreateOrder.auction_blocks: 0");
    if (!err && m->auction_blocks > MARKET_AUCTION_BLOCKS_MAX)
        err = ag_err_set(AG_ERR_TOO_LARGE, "MsgCreateOrder.auction_blocks: %llu (at most %llu)",
                         (unsigned long long)m->auction_blocks,
                         (unsigned long long)MARKET_AUCTION_BLOCKS_MAX);
    if (!err) {
        ag_buf canon;
        ag_buf_init(&canon, MARKET_MSG_MAX_BYTES);
        err = ag_pb_append(&canon, &m->workload->base);
        if (!err && canon.len == 0)
            err = ag_err_set(AG_ERR_INTERNAL, "MsgCreateOrder.workload: empty encoding");
        if (err) {
            ag_buf_free(&canon);
        } else {
            out->workload = canon.data; /* the buffer's memory is ours now */
            out->workload_len = canon.len;
        }
    }
    if (!err) {
        out->auction_blocks = m->auction_blocks;
        out->auto_award = m->auto_award;
    }
    agora__market__v1__msg_create_order__free_unpacked(m, NULL);
    if (err)
        market_msg_create_order_clear(out);
    return err;
}

static ag_err order_decode(void **out, const uint8_t *in, size_t len)
{
    *out = NULL;
    market_msg_create_order *m = malloc(sizeof *m);
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "MsgCreateOrder: allocation");
    ag_err err = market_msg_create_order_decode(m, in, len);
    if (err) {
        free(m);
        return err;
    }
    *out = m;
    return AG_OK;
}

static void order_free(void *msg)
{
    if (msg)
        market_msg_create_order_clear(msg);
    free(msg);
}

static void order_signer(const void *msg, crypto_address *out)
{
    *out = ((const market_msg_create_order *)msg)->tenant;
}

const market_msg_type market_msg_create_order_type = {MARKET_MSG_CREATE_ORDER_URL, order_decode,
                                                      order_free, order_signer};

const market_msg_create_order *market_msg_as_create_order(const market_msg *msg)
{
    return msg->type == &market_msg_create_order_type ? msg->value : NULL;
}

ag_err market_msg_create_order_encode(ag_buf *out, const market_msg_create_order *msg)
{
    if (!msg->workload || msg->placement.n > MARKET_MAX_ATTRIBUTES)
        return ag_err_set(AG_ERR_INVALID_ARG, "MsgCreateOrder: no workload or too many attributes");
    char tenant[CRYPTO_ADDRESS_STR_MAX];
    Agora__Market__V1__MsgCreateOrder m = AGORA__MARKET__V1__MSG_CREATE_ORDER__INIT;
    ag_err err = market_pb_fill_address(&m.tenant, tenant, &msg->tenant);
    if (err)
        return err;
    Agora__Market__V1__Workload *w =
        agora__market__v1__workload__unpack(NULL, msg->workload_len, msg->workload);
    if (!w)
        return ag_err_set(AG_ERR_INVALID_ARG, "MsgCreateOrder: workload does not decode");
    Agora__Market__V1__Attribute attrs[MARKET_MAX_ATTRIBUTES], *ptrs[MARKET_MAX_ATTRIBUTES];
    market_pb_fill_attributes(attrs, ptrs, &msg->placement);
    Cosmos__Base__V1beta1__Coin max_price, deposit;
    char s1[MARKET_AMOUNT_STR_MAX], s2[MARKET_AMOUNT_STR_MAX];
    market_pb_fill_coin(&max_price, &msg->max_price, s1);
    market_pb_fill_coin(&deposit, &msg->deposit, s2);
    m.workload = w;
    m.n_placement = msg->placement.n;
    m.placement = ptrs;
    m.max_price = &max_price;
    m.auction_blocks = msg->auction_blocks;
    m.auto_award = msg->auto_award;
    m.deposit = &deposit;
    err = ag_pb_append(out, &m.base);
    agora__market__v1__workload__free_unpacked(w, NULL);
    return err;
}
