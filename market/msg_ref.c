/* msg_ref.c — the market messages that name one object (signer + id) and the
 * two deposits (signer + id + coin), decoded through their descriptors: all
 * share field numbers 1 (signer), 2 (id) and 3 (amount). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/tx.pb-c.h"
#include "market/msg.h"
#include "lib/pb.h"
#include "market/msg_internal.h"

typedef struct kind {
    const market_msg_type *type;
    const ProtobufCMessageDescriptor *desc;
    const char *name;
    bool deposit;
} kind;

static const kind kinds[] = {
    {&market_msg_deactivate_offer_type, &agora__market__v1__msg_deactivate_offer__descriptor,
     "MsgDeactivateOffer", false},
    {&market_msg_close_order_type, &agora__market__v1__msg_close_order__descriptor, "MsgCloseOrder",
     false},
    {&market_msg_withdraw_bid_type, &agora__market__v1__msg_withdraw_bid__descriptor,
     "MsgWithdrawBid", false},
    {&market_msg_accept_bid_type, &agora__market__v1__msg_accept_bid__descriptor, "MsgAcceptBid",
     false},
    {&market_msg_withdraw_lease_type, &agora__market__v1__msg_withdraw_lease__descriptor,
     "MsgWithdrawLease", false},
    {&market_msg_deposit_order_type, &agora__market__v1__msg_deposit_order__descriptor,
     "MsgDepositOrder", true},
    {&market_msg_deposit_lease_type, &agora__market__v1__msg_deposit_lease__descriptor,
     "MsgDepositLease", true},
};

static const kind *find_kind(const market_msg_type *type)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].type == type)
            return &kinds[i];
    return NULL;
}

static const void *field_at(const ProtobufCMessage *m, unsigned number)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(m->descriptor, number);
    return f ? (const char *)m + f->offset : NULL;
}

/* Decode signer, id and (for deposits) the amount. */
static ag_err decode_kind(const kind *k, market_msg_deposit *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_check_size(len, k->name);
    if (err)
        return err;
    ProtobufCMessage *m = protobuf_c_message_unpack(k->desc, NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c(k->desc->name);
    const ProtobufCBinaryData *signer = field_at(m, 1);
    const uint64_t *id = field_at(m, 2);
    const ProtobufCFieldDescriptor *f1 = protobuf_c_message_descriptor_get_field(k->desc, 1);
    char what[64];
    snprintf(what, sizeof what, "%s.%s", k->name, f1 ? f1->name : "signer");
    err = market_pb_no_unknown(m, k->name);
    if (!err && (!signer || !id))
        err = ag_err_set(AG_ERR_INTERNAL, "%s: descriptor lacks fields 1 and 2", k->name);
    if (!err)
        err = market_pb_address(&out->signer, signer, what);
    if (!err && *id == 0)
        err = ag_err_set(AG_ERR_DECODE, "%s: id is 0", k->name);
    if (!err)
        out->id = *id;
    if (!err && k->deposit) {
        Cosmos__Base__V1beta1__Coin *const *coin = field_at(m, 3);
        snprintf(what, sizeof what, "%s.amount", k->name);
        err = coin ? market_pb_coin(&out->amount, *coin, true, what)
                   : ag_err_set(AG_ERR_INTERNAL, "%s: descriptor lacks field 3", k->name);
    }
    protobuf_c_message_free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_msg_ref_decode(market_msg_ref *out, const market_msg_type *type, const uint8_t *in,
                             size_t len)
{
    memset(out, 0, sizeof *out);
    const kind *k = find_kind(type);
    if (!k || k->deposit)
        return ag_err_set(AG_ERR_INVALID_ARG, "market_msg_ref_decode: not a reference message");
    market_msg_deposit d;
    ag_err err = decode_kind(k, &d, in, len);
    if (!err) {
        out->signer = d.signer;
        out->id = d.id;
    }
    return err;
}

ag_err market_msg_deposit_decode(market_msg_deposit *out, const market_msg_type *type,
                                 const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    const kind *k = find_kind(type);
    if (!k || !k->deposit)
        return ag_err_set(AG_ERR_INVALID_ARG, "market_msg_deposit_decode: not a deposit message");
    return decode_kind(k, out, in, len);
}

static ag_err decode_new(const market_msg_type *type, void **out, const uint8_t *in, size_t len)
{
    *out = NULL;
    const kind *k = find_kind(type);
    if (!k)
        return ag_err_set(AG_ERR_INTERNAL, "market message type without a kind");
    market_msg_deposit *m =
        malloc(k->deposit ? sizeof(market_msg_deposit) : sizeof(market_msg_ref));
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "%s: allocation", k->name);
    market_msg_deposit d;
    ag_err err = decode_kind(k, &d, in, len);
    if (err) {
        free(m);
        return err;
    }
    /* memcpy, not assignment: the padding stays zeroed, so equal messages
     * compare equal byte for byte */
    if (k->deposit) {
        memcpy(m, &d, sizeof d);
    } else {
        market_msg_ref r;
        memset(&r, 0, sizeof r);
        r.signer = d.signer;
        r.id = d.id;
        memcpy(m, &r, sizeof r);
    }
    *out = m;
    return AG_OK;
}

static void plain_free(void *msg)
{
    free(msg);
}

static void first_signer(const void *msg, crypto_address *out)
{
    memcpy(out, msg, sizeof *out); /* every market message struct starts with its signer */
}

#define REF_TYPE(var, url)                                                                         \
    static ag_err var##_decode(void **out, const uint8_t *in, size_t len)                          \
    {                                                                                              \
        return decode_new(&var, out, in, len);                                                     \
    }                                                                                              \
    const market_msg_type var = {url, var##_decode, plain_free, first_signer};

REF_TYPE(market_msg_deactivate_offer_type, MARKET_MSG_DEACTIVATE_OFFER_URL)
REF_TYPE(market_msg_close_order_type, MARKET_MSG_CLOSE_ORDER_URL)
REF_TYPE(market_msg_withdraw_bid_type, MARKET_MSG_WITHDRAW_BID_URL)
REF_TYPE(market_msg_accept_bid_type, MARKET_MSG_ACCEPT_BID_URL)
REF_TYPE(market_msg_withdraw_lease_type, MARKET_MSG_WITHDRAW_LEASE_URL)
REF_TYPE(market_msg_deposit_order_type, MARKET_MSG_DEPOSIT_ORDER_URL)
REF_TYPE(market_msg_deposit_lease_type, MARKET_MSG_DEPOSIT_LEASE_URL)

const market_msg_ref *market_msg_as_ref(const market_msg *msg)
{
    const kind *k = find_kind(msg->type);
    return k && !k->deposit ? msg->value : NULL;
}

const market_msg_deposit *market_msg_as_deposit(const market_msg *msg)
{
    const kind *k = find_kind(msg->type);
    return k && k->deposit ? msg->value : NULL;
}

/* Build the message in `mem` through its descriptor: signer, id, amount. */
static ag_err encode_kind(ag_buf *out, const kind *k, const market_msg_deposit *d)
{
    if (d->id == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "%s: id 0", k->name);
    union {
        ProtobufCMessage base;
        Agora__Market__V1__MsgDepositOrder deposit; /* the largest of the family */
        Agora__Market__V1__MsgDepositLease lease;
        Agora__Market__V1__MsgCloseOrder ref;
    } mem;
    if (k->desc->sizeof_message > sizeof mem)
        return ag_err_set(AG_ERR_INTERNAL, "%s: message larger than expected", k->name);
    protobuf_c_message_init(k->desc, &mem);
    char signer[CRYPTO_ADDRESS_STR_MAX];
    ProtobufCBinaryData s;
    ag_err err = market_pb_fill_address(&s, signer, &d->signer);
    if (err)
        return err;
    const ProtobufCFieldDescriptor *f1 = protobuf_c_message_descriptor_get_field(k->desc, 1);
    const ProtobufCFieldDescriptor *f2 = protobuf_c_message_descriptor_get_field(k->desc, 2);
    const ProtobufCFieldDescriptor *f3 = protobuf_c_message_descriptor_get_field(k->desc, 3);
    if (!f1 || !f2 || (k->deposit && !f3))
        return ag_err_set(AG_ERR_INTERNAL, "%s: descriptor lacks fields", k->name);
    char *base = (char *)&mem;
    memcpy(base + f1->offset, &s, sizeof s);
    memcpy(base + f2->offset, &d->id, sizeof d->id);
    Cosmos__Base__V1beta1__Coin coin, *coin_p = &coin;
    char amount[MARKET_AMOUNT_STR_MAX];
    if (k->deposit) {
        market_pb_fill_coin(&coin, &d->amount, amount);
        memcpy(base + f3->offset, &coin_p, sizeof coin_p);
    }
    return ag_pb_append(out, &mem.base);
}

ag_err market_msg_ref_encode(ag_buf *out, const market_msg_type *type, const market_msg_ref *msg)
{
    const kind *k = find_kind(type);
    if (!k || k->deposit)
        return ag_err_set(AG_ERR_INVALID_ARG, "market_msg_ref_encode: not a reference message");
    market_msg_deposit d;
    memset(&d, 0, sizeof d);
    d.signer = msg->signer;
    d.id = msg->id;
    return encode_kind(out, k, &d);
}

ag_err market_msg_deposit_encode(ag_buf *out, const market_msg_type *type,
                                 const market_msg_deposit *msg)
{
    const kind *k = find_kind(type);
    if (!k || !k->deposit)
        return ag_err_set(AG_ERR_INVALID_ARG, "market_msg_deposit_encode: not a deposit message");
    return encode_kind(out, k, msg);
}
