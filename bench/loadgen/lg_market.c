/*
 * lg_market.c — scenario 3, the market under load. Each flow is a tenant and
 * a provider (accounts 2f and 2f+1) doing deal after deal:
 *
 *   setup:  provider  MsgCreateOffer               -> offer_id
 *   1       tenant    MsgCreateOrder               -> order_id
 *   2       provider  MsgCreateBid (order, offer)  -> bid_id
 *   3       tenant    MsgAcceptBid (bid)           -> lease_id
 *   4       provider  MsgWithdrawLease (lease)
 *   5       tenant    MsgCloseLease (lease)        -> back to 1
 *
 * A step's tx is signed when the previous step's tx is seen committed (the
 * ids come from its events on the feed), so only the offers are signed before the timed
 * phase; with hundreds of flows every kind of tx is in flight at once.
 * A tx failing in its block sends the flow back to step 1; one refused by
 * CheckTx retires the flow (its account's sequence is then unknown).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/types.pb-c.h"
#include "bench/loadgen/lg.h"
#include "crypto/hash.h"
#include "lib/pb.h"
#include "market/event_names.h"
#include "market/msg.h"

#define MKT_GAS 1000000

enum { S_OFFER, S_ORDER, S_BID, S_ACCEPT, S_WITHDRAW, S_CLOSE, S_COUNT };
static const char *const step_names[S_COUNT] = {"create offer", "create order", "create bid",
                                                "accept bid",   "withdraw",     "close lease"};

typedef struct flow {
    uint64_t offer_id, order_id, bid_id, lease_id;
    bool retired;
} flow;

struct lg_market {
    flow *flows;
    size_t n;
    uint8_t *workload; /* canonical order workload */
    size_t workload_len;
    market_workload_summary summary;
    _Atomic uint64_t ok[S_COUNT], failed[S_COUNT], refused[S_COUNT];
    _Atomic uint64_t deals;
};

static void send_step(lg_run *run, size_t f, int step)
{
    lg_market *m = run->market;
    flow *fl = &m->flows[f];
    bool tenant = step == S_ORDER || step == S_ACCEPT || step == S_CLOSE;
    uint32_t acct = (uint32_t)(2 * f + (tenant ? 0 : 1));
    lg_account *a = &run->accts[acct];
    ag_buf v;
    ag_buf_init(&v, 0);
    const char *url = NULL;
    ag_err e = AG_OK;
    switch (step) {
    case S_OFFER: {
        market_msg_offer offer;
        memset(&offer, 0, sizeof offer);
        offer.provider = a->addr;
        strcpy(offer.spec.host_uri, "https://provider.example:8443");
        offer.spec.capacity.cpu_millis = 64000;
        offer.spec.capacity.memory_bytes = (uint64_t)256 << 30;
        strcpy(offer.spec.floor.denom, LG_DENOM);
        offer.spec.floor.cpu = 100;
        e = market_msg_create_offer_encode(&v, &offer);
        url = MARKET_MSG_CREATE_OFFER_URL;
        break;
    }
    case S_ORDER: {
        market_msg_create_order order;
        memset(&order, 0, sizeof order);
        order.tenant = a->addr;
        order.workload = m->workload;
        order.workload_len = m->workload_len;
        order.summary = m->summary;
        strcpy(order.max_price.denom, LG_DENOM);
        order.max_price.amount = 1000;
        order.auction_blocks = 1000; /* awarded by MsgAcceptBid, not at closing */
        strcpy(order.deposit.denom, LG_DENOM);
        order.deposit.amount = 10000000;
        e = market_msg_create_order_encode(&v, &order);
        url = MARKET_MSG_CREATE_ORDER_URL;
        break;
    }
    case S_BID: {
        market_msg_create_bid bid = {
            .provider = a->addr, .order_id = fl->order_id, .offer_id = fl->offer_id};
        strcpy(bid.price.denom, LG_DENOM);
        bid.price.amount = 500;
        strcpy(bid.deposit.denom, LG_DENOM);
        bid.deposit.amount = 500000;
        e = market_msg_create_bid_encode(&v, &bid);
        url = MARKET_MSG_CREATE_BID_URL;
        break;
    }
    case S_ACCEPT: {
        market_msg_ref ref = {.signer = a->addr, .id = fl->bid_id};
        e = market_msg_ref_encode(&v, &market_msg_accept_bid_type, &ref);
        url = MARKET_MSG_ACCEPT_BID_URL;
        break;
    }
    case S_WITHDRAW: {
        market_msg_ref ref = {.signer = a->addr, .id = fl->lease_id};
        e = market_msg_ref_encode(&v, &market_msg_withdraw_lease_type, &ref);
        url = MARKET_MSG_WITHDRAW_LEASE_URL;
        break;
    }
    default: {
        market_msg_close_lease cl;
        memset(&cl, 0, sizeof cl);
        cl.signer = a->addr;
        cl.lease_id = fl->lease_id;
        e = market_msg_close_lease_encode(&v, &cl);
        url = MARKET_MSG_CLOSE_LEASE_URL;
        break;
    }
    }
    if (e != AG_OK)
        lg_die("encode %s: %s", step_names[step], ag_err_detail());
    size_t len;
    uint8_t *tx = lg_sign_msg(a, url, v.data, v.len, MKT_GAS, &len);
    ag_buf_free(&v);
    uint8_t hash[32];
    crypto_sha256(hash, tx, len);
    uint32_t rl;
    uint8_t *req = lg_http_request(tx, len, run->sync, &rl);
    free(tx);
    lg_tx_add(run, req, rl, hash, acct, (uint32_t)f, (uint8_t)step,
              (int)(f % (size_t)run->n_nodes));
}

/* An event of flow f's current tx: keep the ids the next step needs. */
void lg_market_on_event(lg_run *run, uint32_t i, const char *type, size_t n_attrs,
                        const char *const *keys, const char *const *values)
{
    lg_market *m = run->market;
    flow *fl = &m->flows[lg_tx_at(run, i)->flow];
    static const struct {
        const char *type, *key;
        size_t off;
    } wanted[] = {
        {MARKET_EV_OFFER_CREATED, MARKET_ATTR_OFFER_ID, offsetof(flow, offer_id)},
        {MARKET_EV_ORDER_CREATED, MARKET_ATTR_ORDER_ID, offsetof(flow, order_id)},
        {MARKET_EV_BID_CREATED, MARKET_ATTR_BID_ID, offsetof(flow, bid_id)},
        {MARKET_EV_LEASE_CREATED, MARKET_ATTR_LEASE_ID, offsetof(flow, lease_id)},
    };
    for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++) {
        if (strcmp(type, wanted[w].type) != 0)
            continue;
        for (size_t k = 0; k < n_attrs; k++)
            if (strcmp(keys[k], wanted[w].key) == 0)
                *(uint64_t *)((char *)fl + wanted[w].off) = strtoull(values[k], NULL, 10);
    }
}

void lg_market_on_tx(lg_run *run, uint32_t i, bool ok)
{
    lg_market *m = run->market;
    lg_tx *t = lg_tx_at(run, i);
    flow *fl = &m->flows[t->flow];
    int step = t->step, next;
    if (!ok) {
        atomic_fetch_add(&m->failed[step], 1);
        if (step == S_OFFER) {
            fl->retired = true;
            return;
        }
        next = S_ORDER;
    } else {
        atomic_fetch_add(&m->ok[step], 1);
        switch (step) {
        case S_OFFER:
            return; /* the timed phase starts the flows */
        case S_ORDER:
            next = S_BID;
            break;
        case S_BID:
            next = S_ACCEPT;
            break;
        case S_ACCEPT:
            next = S_WITHDRAW;
            break;
        case S_WITHDRAW:
            next = S_CLOSE;
            break;
        default:
            atomic_fetch_add(&m->deals, 1);
            next = S_ORDER;
            break;
        }
    }
    if (atomic_load(&run->submitting) && !fl->retired)
        send_step(run, t->flow, next);
}

void lg_market_on_reject(lg_run *run, uint32_t i)
{
    lg_market *m = run->market;
    lg_tx *t = lg_tx_at(run, i);
    atomic_fetch_add(&m->refused[t->step], 1);
    m->flows[t->flow].retired = true;
    run->accts[t->account].sequence--; /* CheckTx refused it: not consumed */
}

void lg_market_setup(lg_run *run, size_t n_flows)
{
    lg_market *m = calloc(1, sizeof *m);
    if (!m || !(m->flows = calloc(n_flows, sizeof *m->flows)))
        lg_die("out of memory (flows)");
    m->n = n_flows;
    /* the workload: one service, 2 replicas of 0.5 core and 512 MiB */
    Agora__Market__V1__Resources res = AGORA__MARKET__V1__RESOURCES__INIT;
    res.cpu_millis = 500;
    res.memory_bytes = (uint64_t)512 << 20;
    Agora__Market__V1__Service svc = AGORA__MARKET__V1__SERVICE__INIT;
    svc.name = (ProtobufCBinaryData){3, (uint8_t *)(uintptr_t) "web"};
    svc.image = (ProtobufCBinaryData){12, (uint8_t *)(uintptr_t) "nginx:1.27.0"};
    svc.replicas = 2;
    svc.resources = &res;
    Agora__Market__V1__Service *svcs[1] = {&svc};
    Agora__Market__V1__Workload w = AGORA__MARKET__V1__WORKLOAD__INIT;
    w.n_services = 1;
    w.services = svcs;
    ag_buf wb, canon;
    ag_buf_init(&wb, 0);
    ag_buf_init(&canon, 0);
    if (ag_pb_append(&wb, &w.base) || market_workload_check(&m->summary, &canon, wb.data, wb.len))
        lg_die("workload: %s", ag_err_detail());
    ag_buf_free(&wb);
    m->workload = ag_buf_steal(&canon, &m->workload_len);
    run->market = m;

    atomic_store(&run->submitting, true);
    for (size_t f = 0; f < n_flows; f++)
        send_step(run, f, S_OFFER);
    uint64_t end = lg_now_ns() + 60 * (uint64_t)1000000000;
    while (atomic_load(&m->ok[S_OFFER]) + atomic_load(&m->failed[S_OFFER]) +
               atomic_load(&m->refused[S_OFFER]) <
           n_flows) {
        if (lg_now_ns() > end)
            lg_die("the offers were not committed within 60 s");
        lg_sleep_ms(20);
    }
    atomic_store(&run->submitting, false);
    printf("setup: %" PRIu64 " offers committed (%" PRIu64 " failed, %" PRIu64 " refused)\n",
           atomic_load(&m->ok[S_OFFER]), atomic_load(&m->failed[S_OFFER]),
           atomic_load(&m->refused[S_OFFER]));
}

void lg_market_start(lg_run *run)
{
    lg_market *m = run->market;
    for (size_t f = 0; f < m->n; f++)
        if (!m->flows[f].retired)
            send_step(run, f, S_ORDER);
}

void lg_market_report(lg_run *run)
{
    lg_market *m = run->market;
    printf("  market txs by kind (whole run):\n");
    for (int s = 0; s < S_COUNT; s++)
        printf("    %-13s %8" PRIu64 " ok, %" PRIu64 " failed in the block, %" PRIu64
               " refused by CheckTx\n",
               step_names[s], atomic_load(&m->ok[s]), atomic_load(&m->failed[s]),
               atomic_load(&m->refused[s]));
    printf("  deals completed      %" PRIu64 " (order -> bid -> lease -> withdrawal -> close)\n",
           atomic_load(&m->deals));
}
