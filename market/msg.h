/*
 * msg.h — the market's transaction messages (proto/agora/market/v1/tx.proto)
 * as decoded, validated C values, and their entries in the message registry
 * (state/msg.h).
 *
 * Every decoder: refuses input above MARKET_MSG_MAX_BYTES (AG_ERR_TOO_LARGE);
 * counts repeated fields on the wire before protobuf-c allocates for them
 * (AG_ERR_TOO_LARGE past the caps of market/limits.h); refuses unknown
 * fields at any depth, like MsgSend (AG_ERR_DECODE); checks addresses
 * (bech32 "agora1...", crypto/address.h errors), texts (character classes
 * and lengths of limits.h: AG_ERR_DECODE, AG_ERR_TOO_LARGE), amounts
 * (state/coin.h: canonical decimals, no overflow), ids (non-zero) and
 * resource quantities (limits.h maxima). The output is zeroed on failure.
 * Every message struct starts with its signer, so the registry reads it
 * the same way for all.
 */
#ifndef AGORA_MARKET_MSG_H
#define AGORA_MARKET_MSG_H

#include <stdint.h>

#include "crypto/address.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "market/types.h"
#include "state/msg.h"

#define MARKET_MSG_CREATE_OFFER_URL     "/agora.market.v1.MsgCreateOffer"
#define MARKET_MSG_UPDATE_OFFER_URL     "/agora.market.v1.MsgUpdateOffer"
#define MARKET_MSG_DEACTIVATE_OFFER_URL "/agora.market.v1.MsgDeactivateOffer"
#define MARKET_MSG_CREATE_ORDER_URL     "/agora.market.v1.MsgCreateOrder"
#define MARKET_MSG_DEPOSIT_ORDER_URL    "/agora.market.v1.MsgDepositOrder"
#define MARKET_MSG_CLOSE_ORDER_URL      "/agora.market.v1.MsgCloseOrder"
#define MARKET_MSG_CREATE_BID_URL       "/agora.market.v1.MsgCreateBid"
#define MARKET_MSG_WITHDRAW_BID_URL     "/agora.market.v1.MsgWithdrawBid"
#define MARKET_MSG_ACCEPT_BID_URL       "/agora.market.v1.MsgAcceptBid"
#define MARKET_MSG_WITHDRAW_LEASE_URL   "/agora.market.v1.MsgWithdrawLease"
#define MARKET_MSG_DEPOSIT_LEASE_URL    "/agora.market.v1.MsgDepositLease"
#define MARKET_MSG_CLOSE_LEASE_URL      "/agora.market.v1.MsgCloseLease"

/* MsgCreateOffer (offer_id 0) and MsgUpdateOffer (offer_id > 0). The
 * capacity must not be all zero; floor prices may be zero. */
typedef struct market_msg_offer {
    crypto_address provider; /* signer */
    uint64_t offer_id;
    market_offer_spec spec;
} market_msg_offer;

/* The messages that name one object: MsgDeactivateOffer (offer id),
 * MsgCloseOrder (order id), MsgWithdrawBid and MsgAcceptBid (bid id),
 * MsgWithdrawLease (lease id). id > 0. */
typedef struct market_msg_ref {
    crypto_address signer;
    uint64_t id;
} market_msg_ref;

/* MsgDepositOrder (order id) and MsgDepositLease (lease id): a positive amount. */
typedef struct market_msg_deposit {
    crypto_address signer;
    uint64_t id;
    market_coin amount;
} market_msg_deposit;

/*
 * MsgCreateOrder. The workload is kept as its canonical protobuf encoding
 * (what the Order record stores and providers deploy) with its summary.
 * Rules: 1..MARKET_MAX_SERVICES services with unique names, each with an
 * image, 1..MARKET_MAX_REPLICAS replicas, resources with cpu and memory > 0,
 * ports 1..65535 with a protocol and an expose kind, unique (port, protocol)
 * per service, unique env names; every node-port or load-balancer port
 * needs one endpoint, counted in resources.endpoints, so endpoints >= that
 * count; services using GPUs agree on any GPU attribute key they share.
 * max_price positive, deposit positive and of the same denom as max_price;
 * auction_blocks > 0 (the Params bounds are the handler's).
 */
typedef struct market_msg_create_order {
    crypto_address tenant; /* signer */
    uint8_t *workload;     /* canonical Workload encoding, freed by market_msg_free */
    size_t workload_len;
    market_workload_summary summary;
    market_attributes placement;
    market_coin max_price;
    uint64_t auction_blocks;
    bool auto_award;
    market_coin deposit;
} market_msg_create_order;

/* MsgCreateBid: ids > 0, price and deposit positive (denoms may differ). */
typedef struct market_msg_create_bid {
    crypto_address provider; /* signer */
    uint64_t order_id;
    uint64_t offer_id;
    market_coin price;
    market_coin deposit;
} market_msg_create_bid;

/* MsgCloseLease: the reason is optional printable ASCII. */
typedef struct market_msg_close_lease {
    crypto_address signer; /* tenant or provider: the handler decides which */
    uint64_t lease_id;
    char reason[MARKET_CLOSE_NOTE_MAX + 1];
} market_msg_close_lease;

/* Decoders (errors above). The order decoder allocates the workload. */
ag_err market_msg_create_offer_decode(market_msg_offer *out, const uint8_t *in, size_t len);
ag_err market_msg_update_offer_decode(market_msg_offer *out, const uint8_t *in, size_t len);
ag_err market_msg_create_order_decode(market_msg_create_order *out, const uint8_t *in, size_t len);
ag_err market_msg_create_bid_decode(market_msg_create_bid *out, const uint8_t *in, size_t len);
ag_err market_msg_close_lease_decode(market_msg_close_lease *out, const uint8_t *in, size_t len);
/* `type` is one of the ref (resp. deposit) message types below. */
ag_err market_msg_ref_decode(market_msg_ref *out, const market_msg_type *type, const uint8_t *in,
                             size_t len);
ag_err market_msg_deposit_decode(market_msg_deposit *out, const market_msg_type *type,
                                 const uint8_t *in, size_t len);

/*
 * Encoders: append the protobuf encoding of a message (addresses as
 * "agora1...") to out, for clients (CLI, provider daemon) and tests. What
 * they write decodes to the same value. AG_ERR_INVALID_ARG for a value the
 * decoder would refuse in an obvious way (a zero id, too many attributes, a
 * workload that does not decode, a type of the wrong family); ag_buf errors.
 */
ag_err market_msg_create_offer_encode(ag_buf *out, const market_msg_offer *msg);
ag_err market_msg_update_offer_encode(ag_buf *out, const market_msg_offer *msg);
ag_err market_msg_create_order_encode(ag_buf *out, const market_msg_create_order *msg);
ag_err market_msg_create_bid_encode(ag_buf *out, const market_msg_create_bid *msg);
ag_err market_msg_close_lease_encode(ag_buf *out, const market_msg_close_lease *msg);
ag_err market_msg_ref_encode(ag_buf *out, const market_msg_type *type, const market_msg_ref *msg);
ag_err market_msg_deposit_encode(ag_buf *out, const market_msg_type *type,
                                 const market_msg_deposit *msg);

/* Release what a decoded MsgCreateOrder owns (the workload); idempotent. */
void market_msg_create_order_clear(market_msg_create_order *msg);

/*
 * Validate a Workload encoding on its own (as a record decoder does) and
 * summarise it; with canon non-NULL, also append its canonical encoding.
 * Errors as for MsgCreateOrder's workload.
 */
ag_err market_workload_check(market_workload_summary *summary, ag_buf *canon, const uint8_t *in,
                             size_t len);

/* Registry entries (state/msg_registry.c). */
extern const market_msg_type market_msg_create_offer_type;
extern const market_msg_type market_msg_update_offer_type;
extern const market_msg_type market_msg_deactivate_offer_type;
extern const market_msg_type market_msg_create_order_type;
extern const market_msg_type market_msg_deposit_order_type;
extern const market_msg_type market_msg_close_order_type;
extern const market_msg_type market_msg_create_bid_type;
extern const market_msg_type market_msg_withdraw_bid_type;
extern const market_msg_type market_msg_accept_bid_type;
extern const market_msg_type market_msg_withdraw_lease_type;
extern const market_msg_type market_msg_deposit_lease_type;
extern const market_msg_type market_msg_close_lease_type;

/* The value of a decoded message if it has that type, else NULL. Borrowed
 * for the life of the message. */
const market_msg_offer *market_msg_as_offer(const market_msg *msg); /* create or update */
const market_msg_ref *market_msg_as_ref(const market_msg *msg);
const market_msg_deposit *market_msg_as_deposit(const market_msg *msg);
const market_msg_create_order *market_msg_as_create_order(const market_msg *msg);
const market_msg_create_bid *market_msg_as_create_bid(const market_msg *msg);
const market_msg_close_lease *market_msg_as_close_lease(const market_msg *msg);

#endif
