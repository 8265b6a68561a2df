/* market_module.c — the market module's table: its 12 message handlers,
 * end-block sweeps, queries, genesis and invariant (market_module.h). */
#include "market/market_module.h"

#include "market/mod_internal.h"

static const market_msg_route routes[] = {
    {MARKET_MSG_CREATE_OFFER_URL, market_mod_create_offer},
    {MARKET_MSG_UPDATE_OFFER_URL, market_mod_update_offer},
    {MARKET_MSG_DEACTIVATE_OFFER_URL, market_mod_deactivate_offer},
    {MARKET_MSG_CREATE_ORDER_URL, market_mod_create_order},
    {MARKET_MSG_DEPOSIT_ORDER_URL, market_mod_deposit_order},
    {MARKET_MSG_CLOSE_ORDER_URL, market_mod_close_order},
    {MARKET_MSG_CREATE_BID_URL, market_mod_create_bid},
    {MARKET_MSG_WITHDRAW_BID_URL, market_mod_withdraw_bid},
    {MARKET_MSG_ACCEPT_BID_URL, market_mod_accept_bid},
    {MARKET_MSG_WITHDRAW_LEASE_URL, market_mod_withdraw_lease},
    {MARKET_MSG_DEPOSIT_LEASE_URL, market_mod_deposit_lease},
    {MARKET_MSG_CLOSE_LEASE_URL, market_mod_close_lease},
};

static const market_query_route queries[] = {
    {MARKET_QUERY_OFFERS, market_mod_query}, {MARKET_QUERY_ORDERS, market_mod_query},
    {MARKET_QUERY_BIDS, market_mod_query},   {MARKET_QUERY_LEASES, market_mod_query},
    {MARKET_QUERY_OFFER, market_mod_query},  {MARKET_QUERY_ORDER, market_mod_query},
    {MARKET_QUERY_BID, market_mod_query},    {MARKET_QUERY_LEASE, market_mod_query},
    {MARKET_QUERY_PARAMS, market_mod_query},
};

const market_module market_market_module = {
    .name = MARKET_MODULE_NAME,
    .msgs = routes,
    .n_msgs = sizeof routes / sizeof routes[0],
    .queries = queries,
    .n_queries = sizeof queries / sizeof queries[0],
    .end_block = market_mod_end_block,
    .init_genesis = market_mod_init_genesis,
    .export_genesis = market_mod_export_genesis,
    .invariant = market_mod_invariant,
};
