/* msg_lease.c — MsgCloseLease (the other lease messages are in msg_ref.c). */
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/tx.pb-c.h"
#include "market/msg.h"
#include "lib/pb.h"
#include "market/msg_internal.h"

ag_err market_msg_close_lease_decode(market_msg_close_lease *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_check_size(len, "MsgCloseLease");
    if (err)
        return err;
    Agora__Market__V1__MsgCloseLease *m = agora__market__v1__msg_close_lease__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.MsgCloseLease");
    err = market_pb_no_unknown(&m->base, "MsgCloseLease");
    if (!err)
        err = market_pb_address(&out->signer, &m->signer, "MsgCloseLease.signer");
    if (!err && m->lease_id == 0)
        err = ag_err_set(AG_ERR_DECODE, "MsgCloseLease.lease_id: 0");
    if (!err)
        err = market_pb_text(out->reason, &m->reason, 0, MARKET_CLOSE_NOTE_MAX,
                             MARKET_TEXT_PRINTABLE, "MsgCloseLease.reason");
    if (!err)
        out->lease_id = m->lease_id;
    agora__market__v1__msg_close_lease__free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

static ag_err close_decode(void **out, const uint8_t *in, size_t len)
{
    *out = NULL;
    market_msg_close_lease *m = malloc(sizeof *m);
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "MsgCloseLease: allocation");
    ag_err err = market_msg_close_lease_decode(m, in, len);
    if (err) {
        free(m);
        return err;
    }
    *out = m;
    return AG_OK;
}

static void close_free(void *msg)
{
    free(msg);
}

static void close_signer(const void *msg, crypto_address *out)
{
    *out = ((const market_msg_close_lease *)msg)->signer;
}

const market_msg_type market_msg_close_lease_type = {MARKET_MSG_CLOSE_LEASE_URL, close_decode,
                                                     close_free, close_signer};

const market_msg_close_lease *market_msg_as_close_lease(const market_msg *msg)
{
    return msg->type == &market_msg_close_lease_type ? msg->value : NULL;
}

ag_err market_msg_close_lease_encode(ag_buf *out, const market_msg_close_lease *msg)
{
    if (msg->lease_id == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "MsgCloseLease: id 0");
    char signer[CRYPTO_ADDRESS_STR_MAX];
    Agora__Market__V1__MsgCloseLease m = AGORA__MARKET__V1__MSG_CLOSE_LEASE__INIT;
    ag_err err = market_pb_fill_address(&m.signer, signer, &msg->signer);
    if (err)
        return err;
    m.lease_id = msg->lease_id;
    market_pb_fill_text(&m.reason, msg->reason);
    return ag_pb_append(out, &m.base);
}
