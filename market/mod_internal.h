/*
 * mod_internal.h — what the files of the market module (offer.c, order.c,
 * bid.c, lease.c, settle.c, mod_*.c) share and nobody else uses.
 *
 * Record access: get returns AG_ERR_NOT_FOUND for an absent record and
 * AG_ERR_CORRUPT for one that does not decode; put writes the record only
 * (indices are kept by the operation that changes what they index).
 * Lifecycle operations used by more than one message or by the end-block
 * sweeps live here too; they report user errors through market_ctx_fail.
 */
#ifndef AGORA_MARKET_MOD_INTERNAL_H
#define AGORA_MARKET_MOD_INTERNAL_H

#include "market/market_keys.h"
#include "market/market_module.h"
#include "market/msg.h"
#include "market/records.h"

/* ---- store (mod_store.c) ---- */
ag_err market_mod_params_get(market_ctx *ctx, market_params *p);
ag_err market_mod_params_set(market_ctx *ctx, const market_params *p);
/* The next id of `kind` (first 1), advancing the sequence. */
ag_err market_mod_next_id(market_ctx *ctx, market_kind kind, uint64_t *id);
/* Counters (market_keys.h 0x12): orders not closed per tenant
 * (MARKET_KIND_ORDER), active offers per provider (MARKET_KIND_OFFER). Read
 * one (0 when absent); add delta (AG_ERR_CORRUPT on underflow). */
ag_err market_mod_counter_get(market_ctx *ctx, market_kind kind, const crypto_address *a,
                              uint64_t *out);
ag_err market_mod_counter_add(market_ctx *ctx, market_kind kind, const crypto_address *a,
                              int delta);

ag_err market_mod_offer_get(market_ctx *ctx, uint64_t id, market_offer *out);
ag_err market_mod_offer_put(market_ctx *ctx, const market_offer *o);
ag_err market_mod_order_get(market_ctx *ctx, uint64_t id, market_order *out); /* clear it */
ag_err market_mod_order_put(market_ctx *ctx, const market_order *o);
ag_err market_mod_bid_get(market_ctx *ctx, uint64_t id, market_bid *out);
ag_err market_mod_bid_put(market_ctx *ctx, const market_bid *b);
ag_err market_mod_lease_get(market_ctx *ctx, uint64_t id, market_lease *out);
ag_err market_mod_lease_put(market_ctx *ctx, const market_lease *l);

/* Set / delete an index entry (empty value). */
ag_err market_mod_index_set(market_ctx *ctx, const market_key *k);
ag_err market_mod_index_del(market_ctx *ctx, const market_key *k);

/* Record a closed item for deletion at closed_height + prune delay (none
 * when that passes INT64_MAX). */
ag_err market_mod_prune_schedule(market_ctx *ctx, const market_params *p, market_kind kind,
                                 uint64_t id, int64_t closed_height);

/* Ids under a key range [start, end), trailing 8 bytes of each key, at most
 * `max` (AG_ERR_TOO_LARGE beyond: state larger than its caps). *ids:
 * caller frees with free. */
ag_err market_mod_scan_ids(market_ctx *ctx, const market_key *start, const market_key *end,
                           size_t max, uint64_t **ids, size_t *n);

/* ---- money ---- */
/* Tenant or provider -> escrow, escrow -> account; zero amounts move nothing. */
ag_err market_mod_escrow_in(market_ctx *ctx, const crypto_address *from, const char *denom,
                            market_u128 amount);
ag_err market_mod_escrow_out(market_ctx *ctx, const crypto_address *to, const char *denom,
                             market_u128 amount);

/* ---- events (mod_events.c) ---- */
ag_err market_mod_ev(market_ctx *ctx, const char *type);
ag_err market_mod_ev_u64(market_ctx *ctx, const char *key, uint64_t v);
ag_err market_mod_ev_i64(market_ctx *ctx, const char *key, int64_t v);
ag_err market_mod_ev_str(market_ctx *ctx, const char *key, const char *v);
ag_err market_mod_ev_addr(market_ctx *ctx, const char *key, const crypto_address *a);
ag_err market_mod_ev_amount(market_ctx *ctx, const char *key, const char *denom, market_u128 v);
ag_err market_mod_ev_resources(market_ctx *ctx, const market_resources *r);

/* ---- lifecycle ---- */
/* Close an open bid as LOST or WITHDRAWN: refund its deposit, schedule its
 * pruning, emit bid_closed (reason) or bid_withdrawn. */
ag_err market_mod_bid_close(market_ctx *ctx, const market_params *p, market_bid *b,
                            market_bid_state state, const char *reason);
/* Close every open bid of an order as lost with `reason`, except `keep`
 * (a bid id, or 0). */
ag_err market_mod_order_bids_close(market_ctx *ctx, const market_params *p, uint64_t order_id,
                                   uint64_t keep, const char *reason);
/* Close an order: an open one loses its bids and gets its deposit back; an
 * active one closes its lease (reason order_closed, through
 * market_mod_lease_close). Emits order_closed. */
ag_err market_mod_order_close(market_ctx *ctx, const market_params *p, market_order *o);
/* Mark an order closed (state, counter, prune, event) without touching
 * its bids, deposit or lease. */
ag_err market_mod_order_mark_closed(market_ctx *ctx, const market_params *p, market_order *o);

/* Can `offer` host `order` now: active, placement, free capacity. AG_OK or
 * AG_ERR_STATE with a detail. */
ag_err market_mod_offer_can_host(const market_offer *offer, const market_order *order);
/* Award an open order to an open bid on a host-able offer: lease (id = the
 * order's id) with the order's deposit as escrow, capacity reserved, the
 * bid won (deposit back), the others lost, lease_created. */
ag_err market_mod_award(market_ctx *ctx, const market_params *p, market_order *o, market_bid *win,
                        market_offer *offer);

/* Settle a lease at ctx->height (settle.c): pay the blocks due that the
 * escrow covers, the take to the community account; emits settled when
 * anything was paid. The caller saves the lease. */
ag_err market_mod_lease_settle(market_ctx *ctx, const market_params *p, market_lease *l);
/* The exhaustion index key of a lease as it is. */
ag_err market_mod_exhaust_key(market_key *k, const market_lease *l);
/* Close an active lease at ctx->height: settle, pay the provider what it
 * has not withdrawn, refund the escrow to the tenant, release capacity,
 * close the order (unless order_closing), emit lease_closed. Saves it. */
ag_err market_mod_lease_close(market_ctx *ctx, const market_params *p, market_lease *l,
                              market_close_reason reason, const char *note, bool order_closing);

/* ---- message handlers ---- */
ag_err market_mod_create_offer(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_update_offer(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_deactivate_offer(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_create_order(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_deposit_order(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_close_order(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_create_bid(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_withdraw_bid(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_accept_bid(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_withdraw_lease(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_deposit_lease(market_ctx *ctx, const market_msg *msg);
ag_err market_mod_close_lease(market_ctx *ctx, const market_msg *msg);

/* ---- block, queries, genesis, invariant ---- */
ag_err market_mod_end_block(market_ctx *ctx);
ag_err market_mod_query(market_ctx *ctx, const char *path, const uint8_t *req, size_t len,
                        ag_buf *out);
ag_err market_mod_init_genesis(market_ctx *ctx, const json_t *state);
ag_err market_mod_export_genesis(market_ctx *ctx, json_t **out);
ag_err market_mod_invariant(market_ctx *ctx);

#endif
