/* msg_offer.c — MsgCreateOffer and MsgUpdateOffer. */
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/tx.pb-c.h"
#include "market/msg.h"
#include "lib/pb.h"
#include "market/msg_internal.h"

ag_err market_msg_create_offer_decode(market_msg_offer *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    static const uint32_t attrs[] = {3}, gpu[] = {4, 6};
    ag_err err = market_pb_check_size(len, "MsgCreateOffer");
    if (!err)
        err = market_pb_cap(in, len, attrs, 1, MARKET_MAX_ATTRIBUTES, "MsgCreateOffer.attributes");
    if (!err)
        err = market_pb_cap(in, len, gpu, 2, MARKET_MAX_ATTRIBUTES,
                            "MsgCreateOffer.capacity.gpu_attributes");
    if (err)
        return err;
    Agora__Market__V1__MsgCreateOffer *m =
        agora__market__v1__msg_create_offer__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.MsgCreateOffer");
    err = market_pb_no_unknown(&m->base, "MsgCreateOffer");
    if (!err)
        err = market_pb_address(&out->provider, &m->provider, "MsgCreateOffer.provider");
    if (!err)
        err = market_pb_offer_spec(&out->spec, &m->host_uri, m->attributes, m->n_attributes,
                                   m->capacity, m->floor_prices, "MsgCreateOffer");
    agora__market__v1__msg_create_offer__free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_msg_update_offer_decode(market_msg_offer *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    static const uint32_t attrs[] = {4}, gpu[] = {5, 6};
    ag_err err = market_pb_check_size(len, "MsgUpdateOffer");
    if (!err)
        err = market_pb_cap(in, len, attrs, 1, MARKET_MAX_ATTRIBUTES, "MsgUpdateOffer.attributes");
    if (!err)
        err = market_pb_cap(in, len, gpu, 2, MARKET_MAX_ATTRIBUTES,
                            "MsgUpdateOffer.capacity.gpu_attributes");
    if (err)
        return err;
    Agora__Market__V1__MsgUpdateOffer *m =
        agora__market__v1__msg_update_offer__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.MsgUpdateOffer");
    err = market_pb_no_unknown(&m->base, "MsgUpdateOffer");
    if (!err)
        err = market_pb_address(&out->provider, &m->provider, "MsgUpdateOffer.provider");
    if (!err && m->offer_id == 0)
        err = ag_err_set(AG_ERR_DECODE, "MsgUpdateOffer.offer_id: 0");
    if (!err)
        err = market_pb_offer_spec(&out->spec, &m->host_uri, m->attributes, m->n_attributes,
                                   m->capacity, m->floor_prices, "MsgUpdateOffer");
    if (!err)
        out->offer_id = m->offer_id;
    agora__market__v1__msg_update_offer__free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

static ag_err offer_new(void **out, const uint8_t *in, size_t len, bool update)
{
    *out = NULL;
    market_msg_offer *m = malloc(sizeof *m);
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "offer message: allocation");
    ag_err err = update ? market_msg_update_offer_decode(m, in, len)
                        : market_msg_create_offer_decode(m, in, len);
    if (err) {
        free(m);
        return err;
    }
    *out = m;
    return AG_OK;
}

static ag_err create_decode(void **out, const uint8_t *in, size_t len)
{
    return offer_new(out, in, len, false);
}

static ag_err update_decode(void **out, const uint8_t *in, size_t len)
{
    return offer_new(out, in, len, true);
}

static void offer_free(void *msg)
{
    free(msg);
}

static void offer_signer(const void *msg, crypto_address *out)
{
    *out = ((const market_msg_offer *)msg)->provider;
}

const market_msg_type market_msg_create_offer_type = {MARKET_MSG_CREATE_OFFER_URL, create_decode,
                                                      offer_free, offer_signer};
const market_msg_type market_msg_update_offer_type = {MARKET_MSG_UPDATE_OFFER_URL, update_decode,
                                                      offer_free, offer_signer};

const market_msg_offer *market_msg_as_offer(const market_msg *msg)
{
    return msg->type == &market_msg_create_offer_type || msg->type == &market_msg_update_offer_type
               ? msg->value
               : NULL;
}

/* The fields both offer messages share, filled from the spec. */
typedef struct offer_pb {
    char provider[CRYPTO_ADDRESS_STR_MAX];
    Agora__Market__V1__Attribute attrs[MARKET_MAX_ATTRIBUTES], *attr_p[MARKET_MAX_ATTRIBUTES];
    Agora__Market__V1__Attribute gpu[MARKET_MAX_ATTRIBUTES], *gpu_p[MARKET_MAX_ATTRIBUTES];
    Agora__Market__V1__Resources capacity;
    Agora__Market__V1__ResourcePrices prices;
    char amounts[5][MARKET_AMOUNT_STR_MAX];
} offer_pb;

static ag_err fill_offer(offer_pb *p, const market_msg_offer *msg)
{
    if (msg->spec.attributes.n > MARKET_MAX_ATTRIBUTES ||
        msg->spec.gpu_attributes.n > MARKET_MAX_ATTRIBUTES)
        return ag_err_set(AG_ERR_INVALID_ARG, "offer message: too many attributes");
    market_pb_fill_attributes(p->attrs, p->attr_p, &msg->spec.attributes);
    market_pb_fill_attributes(p->gpu, p->gpu_p, &msg->spec.gpu_attributes);
    market_pb_fill_resources(&p->capacity, &msg->spec.capacity);
    p->capacity.n_gpu_attributes = msg->spec.gpu_attributes.n;
    p->capacity.gpu_attributes = p->gpu_p;
    market_pb_fill_prices(&p->prices, &msg->spec.floor, p->amounts);
    return crypto_address_to_bech32(p->provider, sizeof p->provider, AGORA_BECH32_PREFIX,
                                    &msg->provider);
}

ag_err market_msg_create_offer_encode(ag_buf *out, const market_msg_offer *msg)
{
    offer_pb p;
    ag_err err = fill_offer(&p, msg);
    if (err)
        return err;
    Agora__Market__V1__MsgCreateOffer m = AGORA__MARKET__V1__MSG_CREATE_OFFER__INIT;
    market_pb_fill_text(&m.provider, p.provider);
    market_pb_fill_text(&m.host_uri, msg->spec.host_uri);
    m.n_attributes = msg->spec.attributes.n;
    m.attributes = p.attr_p;
    m.capacity = &p.capacity;
    m.floor_prices = &p.prices;
    return ag_pb_append(out, &m.base);
}

ag_err market_msg_update_offer_encode(ag_buf *out, const market_msg_offer *msg)
{
    if (msg->offer_id == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "MsgUpdateOffer: offer id 0");
    offer_pb p;
    ag_err err = fill_offer(&p, msg);
    if (err)
        return err;
    Agora__Market__V1__MsgUpdateOffer m = AGORA__MARKET__V1__MSG_UPDATE_OFFER__INIT;
    market_pb_fill_text(&m.provider, p.provider);
    m.offer_id = msg->offer_id;
    market_pb_fill_text(&m.host_uri, msg->spec.host_uri);
    m.n_attributes = msg->spec.attributes.n;
    m.attributes = p.attr_p;
    m.capacity = &p.capacity;
    m.floor_prices = &p.prices;
    return ag_pb_append(out, &m.base);
}
