/* The market modules through the application: every message's success and
 * rejection paths, auctions and tie-breaks, exact settlement, exhaustion,
 * top-up, take rate, pruning, queries with filters and pagination, genesis
 * export/import, and a seeded randomized simulation with invariants after
 * every block and a replay giving the same app hashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abci/client.h"
#include "agora/market/v1/query.pb-c.h"
#include "agora/market/v1/types.pb-c.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/pb.h"
#include "market/app.h"
#include "market/auth.h"
#include "market/bank.h"
#include "market/event_names.h"
#include "market/internal.h"
#include "market/mod_internal.h"
#include "market/resources.h"
#include "state/tx_encode.h"
#include "tests/harness/ag_test.h"

#define CHAIN "agora-mod-1"
#define NACC  16
#define FUNDS 1000000000u
#define GAS   4000000u
#define FEE   100000u /* 0.025 x GAS */
#define MAXTX 64

typedef struct rig {
    state_store *store;
    market_app *app;
    abci_client *cli;
    abci_arena *arena;
    crypto_privkey keys[NACC];
    crypto_pubkey pubs[NACC];
    crypto_address addrs[NACC];
    uint64_t seq[NACC];
    int64_t height;
    /* the block being built */
    ag_buf txs[MAXTX];
    size_t n_txs;
    abci_resp_finalize_block *last;
} rig;

static crypto_privkey key_of(unsigned i)
{
    uint8_t b[32];
    memset(b, 0, sizeof b);
    b[31] = (uint8_t)(i + 1);
    b[0] = 0x43;
    crypto_privkey k;
    ck_assert_int_eq(crypto_privkey_from_bytes(&k, b, sizeof b), AG_OK);
    return k;
}

static void bech(char out[CRYPTO_ADDRESS_STR_MAX], const crypto_address *a)
{
    ck_assert_int_eq(crypto_address_to_bech32(out, CRYPTO_ADDRESS_STR_MAX, "agora", a), AG_OK);
}

static market_params test_params(void)
{
    market_params p;
    market_params_default(&p, "uagora");
    p.min_order_deposit.amount = 100;
    p.min_bid_deposit.amount = 50;
    p.max_bids_per_order = 3;
    p.min_auction_blocks = 2;
    p.max_auction_blocks = 50;
    p.take_rate_bps = 250;
    p.prune_delay_blocks = 5;
    p.max_open_orders_per_tenant = 4;
    p.max_offers_per_provider = 2;
    return p;
}

/* app_state: funded accounts, the market params in a GenesisState. */
static char *genesis_json(const rig *r, const market_params *p)
{
    json_t *root = json_object();
    json_t *bals = json_array();
    for (unsigned i = 0; i < NACC; i++) {
        char a[CRYPTO_ADDRESS_STR_MAX];
        bech(a, &r->addrs[i]);
        json_array_append_new(bals, json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "address", a,
                                              "coins", "denom", "uagora", "amount", "1000000000",
                                              "denom", "ufoo", "amount", "1000000"));
    }
    json_object_set_new(root, "bank", json_pack("{s:o}", "balances", bals));
    ag_buf pb, gs;
    ag_buf_init(&pb, 0);
    ag_buf_init(&gs, 0);
    ck_assert_int_eq(market_params_encode(&pb, p), AG_OK);
    ck_assert_int_eq(ag_buf_append_byte(&gs, 0x0A), AG_OK);
    ck_assert_int_eq(ag_buf_append_uvarint(&gs, pb.len), AG_OK);
    ck_assert_int_eq(ag_buf_append(&gs, pb.data, pb.len), AG_OK);
    char *b64 = malloc(ag_base64_encoded_len(gs.len) + 1);
    ag_base64_encode(b64, gs.data, gs.len);
    json_object_set_new(root, "market", json_pack("{s:s}", "genesis_state", b64));
    free(b64);
    ag_buf_free(&pb);
    ag_buf_free(&gs);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

static void init_chain(rig *r, const char *app_state, crypto_hash *hash)
{
    abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    ic.chain_id = abci_str(CHAIN);
    ic.initial_height = 1;
    ic.app_state_bytes = (ProtobufCBinaryData){strlen(app_state), (uint8_t *)(uintptr_t)app_state};
    abci_resp_init_chain *resp;
    ck_assert_msg(abci_client_init_chain(r->cli, r->arena, &ic, &resp) == AG_OK, "%s",
                  ag_err_detail());
    if (hash)
        memcpy(hash->b, resp->app_hash.data, 32);
}

static void rig_open(rig *r)
{
    memset(r, 0, sizeof *r);
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    state_store_options so = {.no_sync = true};
    ck_assert_int_eq(state_store_open(&r->store, kv, &so), AG_OK);
    market_app_opts o = {.threads = 1};
    ck_assert_int_eq(market_app_new(&r->app, r->store, &o), AG_OK);
    ck_assert_int_eq(abci_arena_new(&r->arena, 0), AG_OK);
    abci_app app = market_app_abci(r->app);
    ck_assert_int_eq(abci_local_new(&r->cli, &app, NULL), AG_OK);
    for (unsigned i = 0; i < NACC; i++) {
        r->keys[i] = key_of(i);
        ck_assert_int_eq(crypto_pubkey_from_privkey(&r->pubs[i], &r->keys[i]), AG_OK);
        crypto_address_from_pubkey(&r->addrs[i], &r->pubs[i]);
    }
}

static void rig_up(rig *r, const market_params *p)
{
    rig_open(r);
    market_params d = test_params();
    char *g = genesis_json(r, p ? p : &d);
    init_chain(r, g, NULL);
    free(g);
}

static void rig_down(rig *r)
{
    for (size_t i = 0; i < r->n_txs; i++)
        ag_buf_free(&r->txs[i]);
    abci_client_free(r->cli);
    market_app_free(r->app);
    state_store_close(r->store);
    abci_arena_free(r->arena);
}

/* Sign a one-message tx from account `from` and queue it for the next block. */
static void queue(rig *r, unsigned from, const char *url, const ag_buf *val)
{
    ck_assert_uint_lt(r->n_txs, MAXTX);
    market_any any = {url, ag_buf_slice(val)};
    market_fee fee = {.n_amount = 1, .gas_limit = GAS};
    strcpy(fee.amount[0].denom, "uagora");
    fee.amount[0].amount = FEE;
    uint64_t seq = r->seq[from]++;
    market_tx_draft d = {.msgs = &any,
                         .n_msgs = 1,
                         .fee = &fee,
                         .pubkeys = &r->pubs[from],
                         .sequences = &seq,
                         .n_signers = 1};
    uint64_t an = 2 + from;
    ag_buf *out = &r->txs[r->n_txs++];
    ag_buf_init(out, 0);
    ck_assert_msg(market_tx_sign(out, &d, &r->keys[from], &an, CHAIN) == AG_OK, "%s",
                  ag_err_detail());
}

/* Run the queued txs as the next block, commit, check every invariant. */
static abci_resp_finalize_block *block(rig *r)
{
    ProtobufCBinaryData b[MAXTX];
    for (size_t i = 0; i < r->n_txs; i++)
        b[i] = (ProtobufCBinaryData){r->txs[i].len, r->txs[i].data};
    abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
    fb.height = r->height + 1;
    fb.txs = b;
    fb.n_txs = r->n_txs;
    abci_resp_finalize_block *resp;
    abci_arena_reset(r->arena);
    ck_assert_msg(abci_client_finalize_block(r->cli, r->arena, &fb, &resp) == AG_OK, "%s",
                  ag_err_detail());
    abci_req_commit c = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
    abci_resp_commit *cr;
    ck_assert_int_eq(abci_client_commit(r->cli, r->arena, &c, &cr), AG_OK);
    r->height++;
    ck_assert_msg(market_app_check_invariants(r->app) == AG_OK, "height %lld: %s",
                  (long long)r->height, ag_err_detail());
    for (size_t i = 0; i < r->n_txs; i++)
        ag_buf_free(&r->txs[i]);
    r->n_txs = 0;
    r->last = resp;
    return resp;
}

static void blocks_until(rig *r, int64_t h)
{
    while (r->height < h)
        block(r);
}

/* Run one message alone in a block; its result code. */
static uint32_t run1(rig *r, unsigned from, const char *url, ag_buf *val)
{
    queue(r, from, url, val);
    ag_buf_free(val);
    abci_resp_finalize_block *fr = block(r);
    return fr->tx_results[0]->code;
}

#define OK1(r, from, url, val)                                                                     \
    do {                                                                                           \
        uint32_t code_ = run1(r, from, url, val);                                                  \
        ck_assert_msg(code_ == 0, "%s: code %u: %s", url, code_, (r)->last->tx_results[0]->log);   \
    } while (0)

#define FAIL1(r, code, from, url, val)                                                             \
    do {                                                                                           \
        uint32_t code_ = run1(r, from, url, val);                                                  \
        ck_assert_msg(code_ == (code), "%s: code %u (want %u): %s", url, code_, (unsigned)(code),  \
                      (r)->last->tx_results[0]->log);                                              \
    } while (0)

/* An event attribute of the last block's tx 0 (NULL if absent). */
static const char *tx_attr(rig *r, const char *type, const char *key)
{
    const Tendermint__Abci__ExecTxResult *res = r->last->tx_results[0];
    for (size_t i = 0; i < res->n_events; i++) {
        if (strcmp(res->events[i]->type, type))
            continue;
        for (size_t k = 0; k < res->events[i]->n_attributes; k++)
            if (strcmp(res->events[i]->attributes[k]->key, key) == 0)
                return res->events[i]->attributes[k]->value;
    }
    return NULL;
}

/* The same in the last block's end-block events. */
static const char *block_attr(rig *r, const char *type, const char *key)
{
    for (size_t i = 0; i < r->last->n_events; i++) {
        if (strcmp(r->last->events[i]->type, type))
            continue;
        for (size_t k = 0; k < r->last->events[i]->n_attributes; k++)
            if (strcmp(r->last->events[i]->attributes[k]->key, key) == 0)
                return r->last->events[i]->attributes[k]->value;
    }
    return NULL;
}

/* ---- message builders ---- */

static ag_buf msg_offer(rig *r, unsigned prov, uint64_t update_id, uint64_t cpu, uint64_t gib,
                        const char *region)
{
    market_msg_offer m;
    memset(&m, 0, sizeof m);
    m.provider = r->addrs[prov];
    m.offer_id = update_id;
    strcpy(m.spec.host_uri, "https://provider.example:8443");
    m.spec.attributes.n = 1;
    strcpy(m.spec.attributes.a[0].key, "region");
    strcpy(m.spec.attributes.a[0].value, region);
    m.spec.capacity.cpu_millis = cpu;
    m.spec.capacity.memory_bytes = gib << 30;
    m.spec.capacity.storage_bytes = (uint64_t)100 << 30;
    strcpy(m.spec.floor.denom, "uagora");
    m.spec.floor.cpu = 100;   /* per core per block */
    m.spec.floor.memory = 10; /* per GiB per block */
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_msg((update_id ? market_msg_update_offer_encode(&b, &m)
                             : market_msg_create_offer_encode(&b, &m)) == AG_OK,
                  "%s", ag_err_detail());
    return b;
}

typedef struct order_opt {
    uint64_t cpu; /* per replica, millicores */
    uint64_t mib; /* per replica */
    uint32_t replicas;
    uint64_t max_price; /* uagora per block */
    uint64_t deposit;
    const char *deposit_denom;
    uint64_t blocks;
    bool auto_award;
    const char *region; /* placement, or NULL */
} order_opt;

static order_opt order_defaults(void)
{
    return (order_opt){.cpu = 500,
                       .mib = 512,
                       .replicas = 2,
                       .max_price = 1000,
                       .deposit = 10500,
                       .deposit_denom = "uagora",
                       .blocks = 5,
                       .auto_award = false,
                       .region = NULL};
}

static ag_buf msg_order(rig *r, unsigned tenant, const order_opt *o)
{
    Agora__Market__V1__Resources res = AGORA__MARKET__V1__RESOURCES__INIT;
    res.cpu_millis = o->cpu;
    res.memory_bytes = o->mib << 20;
    Agora__Market__V1__Service svc = AGORA__MARKET__V1__SERVICE__INIT;
    svc.name = (ProtobufCBinaryData){3, (uint8_t *)(uintptr_t) "web"};
    svc.image = (ProtobufCBinaryData){5, (uint8_t *)(uintptr_t) "nginx"};
    svc.replicas = o->replicas;
    svc.resources = &res;
    Agora__Market__V1__Service *svcs[1] = {&svc};
    Agora__Market__V1__Workload w = AGORA__MARKET__V1__WORKLOAD__INIT;
    w.n_services = 1;
    w.services = svcs;
    ag_buf wb, canon;
    ag_buf_init(&wb, 0);
    ag_buf_init(&canon, 0);
    ck_assert_int_eq(ag_pb_append(&wb, &w.base), AG_OK);
    market_msg_create_order m;
    memset(&m, 0, sizeof m);
    ck_assert_msg(market_workload_check(&m.summary, &canon, wb.data, wb.len) == AG_OK, "%s",
                  ag_err_detail());
    m.tenant = r->addrs[tenant];
    m.workload = canon.data;
    m.workload_len = canon.len;
    if (o->region) {
        m.placement.n = 1;
        strcpy(m.placement.a[0].key, "region");
        strcpy(m.placement.a[0].value, o->region);
    }
    strcpy(m.max_price.denom, o->deposit_denom);
    m.max_price.amount = o->max_price;
    m.auction_blocks = o->blocks;
    m.auto_award = o->auto_award;
    strcpy(m.deposit.denom, o->deposit_denom);
    m.deposit.amount = o->deposit;
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_msg(market_msg_create_order_encode(&b, &m) == AG_OK, "%s", ag_err_detail());
    ag_buf_free(&wb);
    ag_buf_free(&canon);
    return b;
}

static ag_buf msg_bid(rig *r, unsigned prov, uint64_t order, uint64_t offer, uint64_t price,
                      uint64_t deposit)
{
    market_msg_create_bid m;
    memset(&m, 0, sizeof m);
    m.provider = r->addrs[prov];
    m.order_id = order;
    m.offer_id = offer;
    strcpy(m.price.denom, "uagora");
    m.price.amount = price;
    strcpy(m.deposit.denom, "uagora");
    m.deposit.amount = deposit;
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_msg(market_msg_create_bid_encode(&b, &m) == AG_OK, "%s", ag_err_detail());
    return b;
}

static ag_buf msg_ref(rig *r, unsigned signer, const market_msg_type *t, uint64_t id)
{
    market_msg_ref m = {.signer = r->addrs[signer], .id = id};
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_msg(market_msg_ref_encode(&b, t, &m) == AG_OK, "%s", ag_err_detail());
    return b;
}

static ag_buf msg_deposit(rig *r, unsigned signer, const market_msg_type *t, uint64_t id,
                          uint64_t amount, const char *denom)
{
    market_msg_deposit m = {.signer = r->addrs[signer], .id = id};
    strcpy(m.amount.denom, denom);
    m.amount.amount = amount;
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_msg(market_msg_deposit_encode(&b, t, &m) == AG_OK, "%s", ag_err_detail());
    return b;
}

static ag_buf msg_close_lease(rig *r, unsigned signer, uint64_t id, const char *reason)
{
    market_msg_close_lease m;
    memset(&m, 0, sizeof m);
    m.signer = r->addrs[signer];
    m.lease_id = id;
    snprintf(m.reason, sizeof m.reason, "%s", reason);
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_msg(market_msg_close_lease_encode(&b, &m) == AG_OK, "%s", ag_err_detail());
    return b;
}

#define U_OFFER   MARKET_MSG_CREATE_OFFER_URL
#define U_UPDATE  MARKET_MSG_UPDATE_OFFER_URL
#define U_DEACT   MARKET_MSG_DEACTIVATE_OFFER_URL
#define U_ORDER   MARKET_MSG_CREATE_ORDER_URL
#define U_DEPORD  MARKET_MSG_DEPOSIT_ORDER_URL
#define U_CLOSEO  MARKET_MSG_CLOSE_ORDER_URL
#define U_BID     MARKET_MSG_CREATE_BID_URL
#define U_WBID    MARKET_MSG_WITHDRAW_BID_URL
#define U_ACCEPT  MARKET_MSG_ACCEPT_BID_URL
#define U_WLEASE  MARKET_MSG_WITHDRAW_LEASE_URL
#define U_DEPLEAS MARKET_MSG_DEPOSIT_LEASE_URL
#define U_CLOSEL  MARKET_MSG_CLOSE_LEASE_URL

/* ---- state readers (latest committed state) ---- */

typedef struct view {
    market_kv kv;
    market_gas_meter gas;
    market_ctx ctx;
} view;

static market_ctx *view_open(rig *r, view *v)
{
    market_query_ctx(r->app, &v->kv, &v->gas, &v->ctx, 0, r->height);
    return &v->ctx;
}

static market_u128 balance(rig *r, const crypto_address *a, const char *denom)
{
    view v;
    market_u128 x;
    ck_assert_int_eq(market_bank_balance(view_open(r, &v), a, denom, &x), AG_OK);
    market_kv_free(&v.kv);
    return x;
}

static market_u128 module_balance(rig *r, const char *name)
{
    crypto_address a;
    market_module_address(name, &a);
    return balance(r, &a, "uagora");
}

static ag_err get_offer(rig *r, uint64_t id, market_offer *o)
{
    view v;
    ag_err err = market_mod_offer_get(view_open(r, &v), id, o);
    market_kv_free(&v.kv);
    return err;
}

static market_order_state order_state(rig *r, uint64_t id)
{
    view v;
    market_order o;
    ck_assert_int_eq(market_mod_order_get(view_open(r, &v), id, &o), AG_OK);
    market_kv_free(&v.kv);
    market_order_state s = o.state;
    market_order_clear(&o);
    return s;
}

static market_bid get_bid(rig *r, uint64_t id)
{
    view v;
    market_bid b;
    ck_assert_int_eq(market_mod_bid_get(view_open(r, &v), id, &b), AG_OK);
    market_kv_free(&v.kv);
    return b;
}

static ag_err get_lease(rig *r, uint64_t id, market_lease *l)
{
    view v;
    ag_err err = market_mod_lease_get(view_open(r, &v), id, l);
    market_kv_free(&v.kv);
    return err;
}

static market_lease lease(rig *r, uint64_t id)
{
    market_lease l;
    ck_assert_int_eq(get_lease(r, id, &l), AG_OK);
    return l;
}

/* Accounts: 0..3 providers, 4..15 tenants. */
enum { P0 = 0, P1 = 1, P2 = 2, P3 = 3, T0 = 4, T1 = 5, T2 = 6 };

/* ---- tests ---- */

START_TEST(offers)
{
    rig r;
    rig_up(&r, NULL);
    ag_buf m = msg_offer(&r, P0, 0, 8000, 16, "eu");
    OK1(&r, P0, U_OFFER, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_OFFER_CREATED, MARKET_ATTR_OFFER_ID), "1");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_OFFER_CREATED, MARKET_ATTR_CPU_MILLIS), "8000");
    ck_assert_ptr_nonnull(tx_attr(&r, MARKET_EV_OFFER_CREATED, MARKET_ATTR_HOST_URI));
    m = msg_offer(&r, P0, 0, 4000, 8, "eu");
    OK1(&r, P0, U_OFFER, &m);
    m = msg_offer(&r, P0, 0, 4000, 8, "eu");
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_OFFER, &m); /* cap of 2 */
    /* update */
    m = msg_offer(&r, P1, 1, 6000, 16, "eu");
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, P1, U_UPDATE, &m);
    m = msg_offer(&r, P0, 99, 6000, 16, "eu");
    FAIL1(&r, MARKET_CODE_NOT_FOUND, P0, U_UPDATE, &m);
    m = msg_offer(&r, P0, 1, 6000, 16, "us");
    OK1(&r, P0, U_UPDATE, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_OFFER_UPDATED, MARKET_ATTR_CPU_MILLIS), "6000");
    market_offer o;
    ck_assert_int_eq(get_offer(&r, 1, &o), AG_OK);
    ck_assert_uint_eq(o.spec.capacity.cpu_millis, 6000);
    ck_assert_str_eq(o.spec.attributes.a[0].value, "us");
    /* deactivate */
    m = msg_ref(&r, P1, &market_msg_deactivate_offer_type, 2);
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, P1, U_DEACT, &m);
    m = msg_ref(&r, P0, &market_msg_deactivate_offer_type, 7);
    FAIL1(&r, MARKET_CODE_NOT_FOUND, P0, U_DEACT, &m);
    m = msg_ref(&r, P0, &market_msg_deactivate_offer_type, 2);
    OK1(&r, P0, U_DEACT, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_OFFER_DEACTIVATED, MARKET_ATTR_OFFER_ID), "2");
    m = msg_ref(&r, P0, &market_msg_deactivate_offer_type, 2);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_DEACT, &m);
    m = msg_offer(&r, P0, 2, 6000, 16, "eu");
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_UPDATE, &m); /* inactive */
    ck_assert_int_eq(get_offer(&r, 2, &o), AG_OK);
    ck_assert_int_eq(o.state, MARKET_OFFER_INACTIVE);
    ck_assert_int_eq(o.closed_height, r.height - 2);
    /* the cap counts active offers: room again */
    m = msg_offer(&r, P0, 0, 4000, 8, "eu");
    OK1(&r, P0, U_OFFER, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_OFFER_CREATED, MARKET_ATTR_OFFER_ID), "3");
    rig_down(&r);
}
END_TEST

START_TEST(orders)
{
    rig r;
    rig_up(&r, NULL);
    crypto_address esc;
    market_module_address(MARKET_ESCROW, &esc);
    order_opt oo = order_defaults();
    oo.region = "eu";
    oo.blocks = 20;
    ag_buf m = msg_order(&r, T0, &oo);
    OK1(&r, T0, U_ORDER, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_ORDER_CREATED, MARKET_ATTR_ORDER_ID), "1");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_ORDER_CREATED, MARKET_ATTR_PLACEMENT), "region=eu");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_ORDER_CREATED, MARKET_ATTR_CPU_MILLIS), "1000");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_ORDER_CREATED, MARKET_ATTR_MAX_PRICE), "1000uagora");
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)(r.height + 20));
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_ORDER_CREATED, MARKET_ATTR_CLOSING_HEIGHT), want);
    ck_assert(balance(&r, &esc, "uagora") == 10500);
    ck_assert_int_eq(order_state(&r, 1), MARKET_ORDER_OPEN);
    /* rejections of create */
    oo = order_defaults();
    oo.blocks = 1;
    m = msg_order(&r, T0, &oo);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T0, U_ORDER, &m);
    oo.blocks = 51;
    m = msg_order(&r, T0, &oo);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T0, U_ORDER, &m);
    oo = order_defaults();
    oo.deposit = 99;
    m = msg_order(&r, T0, &oo);
    FAIL1(&r, MARKET_CODE_INSUFFICIENT_FUNDS, T0, U_ORDER, &m);
    oo = order_defaults();
    oo.deposit_denom = "ufoo";
    m = msg_order(&r, T0, &oo);
    FAIL1(&r, MARKET_CODE_INSUFFICIENT_FUNDS, T0, U_ORDER, &m); /* min deposit is in uagora */
    oo = order_defaults();
    oo.deposit = 2000000000u;
    m = msg_order(&r, T0, &oo);
    FAIL1(&r, MARKET_CODE_INSUFFICIENT_FUNDS, T0, U_ORDER, &m); /* the bank refuses */
    /* deposit more */
    m = msg_deposit(&r, T1, &market_msg_deposit_order_type, 1, 500, "uagora");
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, T1, U_DEPORD, &m);
    m = msg_deposit(&r, T0, &market_msg_deposit_order_type, 9, 500, "uagora");
    FAIL1(&r, MARKET_CODE_NOT_FOUND, T0, U_DEPORD, &m);
    m = msg_deposit(&r, T0, &market_msg_deposit_order_type, 1, 500, "ufoo");
    FAIL1(&r, MARKET_CODE_INVALID_COINS, T0, U_DEPORD, &m);
    m = msg_deposit(&r, T0, &market_msg_deposit_order_type, 1, 500, "uagora");
    OK1(&r, T0, U_DEPORD, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_ORDER_DEPOSITED, MARKET_ATTR_AMOUNT), "500uagora");
    ck_assert(balance(&r, &esc, "uagora") == 11000);
    /* the window ends without an award: closed, deposit back (order 1 closes at 21) */
    market_u128 before = balance(&r, &r.addrs[T0], "uagora");
    blocks_until(&r, 20);
    ck_assert_int_eq(order_state(&r, 1), MARKET_ORDER_OPEN);
    block(&r);
    ck_assert_int_eq(order_state(&r, 1), MARKET_ORDER_CLOSED);
    ck_assert_str_eq(block_attr(&r, MARKET_EV_ORDER_CLOSED, MARKET_ATTR_ORDER_ID), "1");
    ck_assert(balance(&r, &r.addrs[T0], "uagora") == before + 11000);
    ck_assert(balance(&r, &esc, "uagora") == 0);
    m = msg_deposit(&r, T0, &market_msg_deposit_order_type, 1, 500, "uagora");
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T0, U_DEPORD, &m);
    /* tenant cap: 4 orders not closed */
    oo = order_defaults();
    oo.blocks = 50;
    for (int i = 0; i < 4; i++) {
        m = msg_order(&r, T1, &oo);
        OK1(&r, T1, U_ORDER, &m);
    }
    m = msg_order(&r, T1, &oo);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T1, U_ORDER, &m);
    /* close */
    m = msg_ref(&r, T0, &market_msg_close_order_type, 2);
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, T0, U_CLOSEO, &m);
    m = msg_ref(&r, T1, &market_msg_close_order_type, 99);
    FAIL1(&r, MARKET_CODE_NOT_FOUND, T1, U_CLOSEO, &m);
    before = balance(&r, &r.addrs[T1], "uagora");
    m = msg_ref(&r, T1, &market_msg_close_order_type, 2);
    OK1(&r, T1, U_CLOSEO, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_ORDER_CLOSED, MARKET_ATTR_ORDER_ID), "2");
    ck_assert(balance(&r, &r.addrs[T1], "uagora") == before + 10500 - FEE);
    m = msg_ref(&r, T1, &market_msg_close_order_type, 2);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T1, U_CLOSEO, &m);
    m = msg_order(&r, T1, &oo); /* room again */
    OK1(&r, T1, U_ORDER, &m);
    rig_down(&r);
}
END_TEST

START_TEST(bids)
{
    rig r;
    rig_up(&r, NULL);
    crypto_address esc;
    market_module_address(MARKET_ESCROW, &esc);
    ag_buf m = msg_offer(&r, P0, 0, 8000, 16, "eu"); /* offer 1 */
    queue(&r, P0, U_OFFER, &m);
    ag_buf_free(&m);
    m = msg_offer(&r, P1, 0, 8000, 16, "us"); /* offer 2 */
    queue(&r, P1, U_OFFER, &m);
    ag_buf_free(&m);
    m = msg_offer(&r, P2, 0, 500, 16, "eu"); /* offer 3: too small */
    queue(&r, P2, U_OFFER, &m);
    ag_buf_free(&m);
    m = msg_offer(&r, P3, 0, 8000, 16, "eu"); /* offer 4 */
    queue(&r, P3, U_OFFER, &m);
    ag_buf_free(&m);
    order_opt oo = order_defaults();
    oo.region = "eu";
    oo.blocks = 40;
    m = msg_order(&r, T0, &oo); /* order 1: 1000 millis, 1 GiB; floor cost 100 + 10 */
    queue(&r, T0, U_ORDER, &m);
    ag_buf_free(&m);
    abci_resp_finalize_block *fr = block(&r);
    for (size_t i = 0; i < fr->n_tx_results; i++)
        ck_assert_msg(fr->tx_results[i]->code == 0, "%s", fr->tx_results[i]->log);
    m = msg_bid(&r, P0, 1, 1, 1001, 50);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_BID, &m); /* above max */
    m = msg_bid(&r, P0, 1, 1, 109, 50);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_BID, &m); /* below floor */
    m = msg_bid(&r, P0, 1, 1, 500, 49);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_BID, &m); /* deposit */
    m = msg_bid(&r, P1, 1, 2, 500, 50);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P1, U_BID, &m); /* placement */
    m = msg_bid(&r, P2, 1, 3, 500, 50);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P2, U_BID, &m); /* capacity */
    m = msg_bid(&r, P0, 1, 2, 500, 50);
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, P0, U_BID, &m); /* someone else's offer */
    m = msg_bid(&r, P0, 9, 1, 500, 50);
    FAIL1(&r, MARKET_CODE_NOT_FOUND, P0, U_BID, &m);
    m = msg_bid(&r, P0, 1, 9, 500, 50);
    FAIL1(&r, MARKET_CODE_NOT_FOUND, P0, U_BID, &m);
    m = msg_bid(&r, P0, 1, 1, 110, 50);
    OK1(&r, P0, U_BID, &m); /* bid 1, exactly the floor */
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_BID_CREATED, MARKET_ATTR_BID_ID), "1");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_BID_CREATED, MARKET_ATTR_PRICE), "110uagora");
    ck_assert(balance(&r, &esc, "uagora") == 10500 + 50);
    /* withdraw */
    m = msg_ref(&r, P1, &market_msg_withdraw_bid_type, 1);
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, P1, U_WBID, &m);
    m = msg_ref(&r, P0, &market_msg_withdraw_bid_type, 9);
    FAIL1(&r, MARKET_CODE_NOT_FOUND, P0, U_WBID, &m);
    market_u128 before = balance(&r, &r.addrs[P0], "uagora");
    m = msg_ref(&r, P0, &market_msg_withdraw_bid_type, 1);
    OK1(&r, P0, U_WBID, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_BID_WITHDRAWN, MARKET_ATTR_BID_ID), "1");
    ck_assert(balance(&r, &r.addrs[P0], "uagora") == before + 50 - FEE);
    ck_assert_int_eq(get_bid(&r, 1).state, MARKET_BID_WITHDRAWN);
    m = msg_ref(&r, P0, &market_msg_withdraw_bid_type, 1);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_WBID, &m);
    /* the cap counts every bid placed (3) */
    m = msg_bid(&r, P0, 1, 1, 400, 50);
    OK1(&r, P0, U_BID, &m); /* bid 2 */
    m = msg_bid(&r, P3, 1, 4, 300, 60);
    OK1(&r, P3, U_BID, &m); /* bid 3 */
    m = msg_bid(&r, P3, 1, 4, 200, 60);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P3, U_BID, &m);
    /* an inactive offer cannot bid */
    oo.blocks = 2;
    m = msg_order(&r, T1, &oo); /* order 2, closes 2 blocks later */
    OK1(&r, T1, U_ORDER, &m);
    int64_t closing2 = r.height + 2;
    m = msg_ref(&r, P3, &market_msg_deactivate_offer_type, 4);
    OK1(&r, P3, U_DEACT, &m);
    ck_assert_int_eq(r.height + 1, closing2);
    /* now at the closing height: the window has ended */
    m = msg_bid(&r, P0, 2, 1, 300, 50);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_BID, &m);
    ck_assert_int_eq(order_state(&r, 2), MARKET_ORDER_CLOSED);
    m = msg_bid(&r, P0, 2, 1, 300, 50);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_BID, &m); /* closed */
    oo.blocks = 10;
    m = msg_order(&r, T1, &oo); /* order 3 */
    OK1(&r, T1, U_ORDER, &m);
    m = msg_bid(&r, P3, 3, 4, 300, 60);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P3, U_BID, &m); /* offer 4 inactive */
    /* closing the order closes its open bids, deposits back */
    market_u128 p0 = balance(&r, &r.addrs[P0], "uagora"), p3 = balance(&r, &r.addrs[P3], "uagora");
    m = msg_ref(&r, T0, &market_msg_close_order_type, 1);
    OK1(&r, T0, U_CLOSEO, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_BID_CLOSED, MARKET_ATTR_REASON),
                     MARKET_REASON_ORDER_CLOSED);
    ck_assert_int_eq(get_bid(&r, 2).state, MARKET_BID_LOST);
    ck_assert_int_eq(get_bid(&r, 3).state, MARKET_BID_LOST);
    ck_assert(balance(&r, &r.addrs[P0], "uagora") == p0 + 50);
    ck_assert(balance(&r, &r.addrs[P3], "uagora") == p3 + 60);
    ck_assert(balance(&r, &esc, "uagora") == 10500); /* order 3's deposit */
    rig_down(&r);
}
END_TEST

/* Offers 1 (P0) and 2 (P1), both eu, 8000 millis 16 GiB; order 1 of T0
 * (1000 millis, 1 GiB, max 1000, deposit 10500, 20 blocks); bids 1 (P0,
 * 1000) and 2 (P1, 900). */
static void lease_setup(rig *r)
{
    ag_buf m = msg_offer(r, P0, 0, 8000, 16, "eu");
    queue(r, P0, U_OFFER, &m);
    ag_buf_free(&m);
    m = msg_offer(r, P1, 0, 8000, 16, "eu");
    queue(r, P1, U_OFFER, &m);
    ag_buf_free(&m);
    order_opt oo = order_defaults();
    oo.blocks = 20;
    m = msg_order(r, T0, &oo);
    queue(r, T0, U_ORDER, &m);
    ag_buf_free(&m);
    block(r);
    m = msg_bid(r, P0, 1, 1, 1000, 50);
    queue(r, P0, U_BID, &m);
    ag_buf_free(&m);
    m = msg_bid(r, P1, 1, 2, 900, 50);
    queue(r, P1, U_BID, &m);
    ag_buf_free(&m);
    abci_resp_finalize_block *fr = block(r);
    for (size_t i = 0; i < fr->n_tx_results; i++)
        ck_assert_msg(fr->tx_results[i]->code == 0, "%s", fr->tx_results[i]->log);
}

START_TEST(accept_settle_exhaust_prune)
{
    rig r;
    rig_up(&r, NULL);
    crypto_address esc;
    market_module_address(MARKET_ESCROW, &esc);
    lease_setup(&r);
    ag_buf m = msg_ref(&r, T1, &market_msg_accept_bid_type, 1);
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, T1, U_ACCEPT, &m);
    m = msg_ref(&r, T0, &market_msg_accept_bid_type, 9);
    FAIL1(&r, MARKET_CODE_NOT_FOUND, T0, U_ACCEPT, &m);
    market_u128 p0 = balance(&r, &r.addrs[P0], "uagora"), p1 = balance(&r, &r.addrs[P1], "uagora"),
                t0 = balance(&r, &r.addrs[T0], "uagora");
    /* the tenant may take any bid (not only the cheapest); a withdrawal in
     * the same block finds nothing to withdraw */
    m = msg_ref(&r, T0, &market_msg_accept_bid_type, 1);
    queue(&r, T0, U_ACCEPT, &m);
    ag_buf_free(&m);
    m = msg_ref(&r, P0, &market_msg_withdraw_lease_type, 1);
    queue(&r, P0, U_WLEASE, &m);
    ag_buf_free(&m);
    abci_resp_finalize_block *fr = block(&r);
    ck_assert_msg(fr->tx_results[0]->code == 0, "%s", fr->tx_results[0]->log);
    ck_assert_uint_eq(fr->tx_results[1]->code, MARKET_CODE_INVALID_REQUEST);
    int64_t a = r.height;
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)(a + 11));
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_CREATED, MARKET_ATTR_EXHAUSTION_HEIGHT), want);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_CREATED, MARKET_ATTR_LEASE_ID), "1");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_CREATED, MARKET_ATTR_PRICE), "1000uagora");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_CREATED, MARKET_ATTR_CPU_MILLIS), "1000");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_BID_CLOSED, MARKET_ATTR_REASON), MARKET_REASON_LOST);
    ck_assert_int_eq(get_bid(&r, 1).state, MARKET_BID_WON);
    ck_assert_int_eq(get_bid(&r, 2).state, MARKET_BID_LOST);
    ck_assert(balance(&r, &r.addrs[P1], "uagora") == p1 + 50); /* loser refunded */
    ck_assert(balance(&r, &r.addrs[P0], "uagora") == p0 + 50 - FEE);
    ck_assert(balance(&r, &r.addrs[T0], "uagora") == t0 - FEE);
    ck_assert_int_eq(order_state(&r, 1), MARKET_ORDER_ACTIVE);
    market_offer o;
    ck_assert_int_eq(get_offer(&r, 1, &o), AG_OK);
    ck_assert_uint_eq(o.leased.cpu_millis, 1000);
    ck_assert_uint_eq(o.leased.memory_bytes, (uint64_t)1 << 30);
    market_lease l = lease(&r, 1);
    ck_assert(l.escrow == 10500);
    ck_assert_int_eq(l.last_settled_height, a);
    /* a + 1: a lost bid, a won bid, shrinking the offer below the lease */
    m = msg_ref(&r, T0, &market_msg_accept_bid_type, 2);
    queue(&r, T0, U_ACCEPT, &m);
    ag_buf_free(&m);
    m = msg_ref(&r, T0, &market_msg_accept_bid_type, 1);
    queue(&r, T0, U_ACCEPT, &m);
    ag_buf_free(&m);
    m = msg_offer(&r, P0, 1, 999, 16, "eu");
    queue(&r, P0, U_UPDATE, &m);
    ag_buf_free(&m);
    m = msg_offer(&r, P0, 1, 1000, 1, "eu");
    queue(&r, P0, U_UPDATE, &m); /* exactly what is leased: fine */
    ag_buf_free(&m);
    fr = block(&r);
    for (size_t i = 0; i < 3; i++)
        ck_assert_uint_eq(fr->tx_results[i]->code, MARKET_CODE_INVALID_REQUEST);
    ck_assert_msg(fr->tx_results[3]->code == 0, "%s", fr->tx_results[3]->log);
    blocks_until(&r, a + 2);
    /* exact settlement at a + 3: 3 blocks x 1000, 2.5% take */
    p0 = balance(&r, &r.addrs[P0], "uagora");
    m = msg_ref(&r, T1, &market_msg_withdraw_lease_type, 1);
    queue(&r, T1, U_WLEASE, &m);
    ag_buf_free(&m);
    m = msg_ref(&r, P0, &market_msg_withdraw_lease_type, 1);
    queue(&r, P0, U_WLEASE, &m);
    ag_buf_free(&m);
    fr = block(&r);
    ck_assert_uint_eq(fr->tx_results[0]->code, MARKET_CODE_UNAUTHORIZED);
    ck_assert_msg(fr->tx_results[1]->code == 0, "%s", fr->tx_results[1]->log);
    ck_assert_int_eq(r.height, a + 3);
    ck_assert(balance(&r, &r.addrs[P0], "uagora") == p0 + 2925 - FEE);
    ck_assert(module_balance(&r, MARKET_COMMUNITY) == 75);
    l = lease(&r, 1);
    ck_assert(l.paid == 2925 && l.withdrawn == 2925 && l.taken == 75 && l.escrow == 7500);
    ck_assert_int_eq(l.last_settled_height, a + 3);
    m = msg_ref(&r, P0, &market_msg_withdraw_lease_type, 9);
    FAIL1(&r, MARKET_CODE_NOT_FOUND, P0, U_WLEASE, &m);
    m = msg_deposit(&r, P0, &market_msg_deposit_lease_type, 1, 100, "uagora");
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, P0, U_DEPLEAS, &m);
    m = msg_deposit(&r, T0, &market_msg_deposit_lease_type, 1, 100, "ufoo");
    FAIL1(&r, MARKET_CODE_INVALID_COINS, T0, U_DEPLEAS, &m);
    m = msg_deposit(&r, T0, &market_msg_deposit_lease_type, 9, 100, "uagora");
    FAIL1(&r, MARKET_CODE_NOT_FOUND, T0, U_DEPLEAS, &m);
    /* bid 2 lost at a: pruned at a + 5 */
    ck_assert_int_eq(r.height, a + 7);
    /* exhaustion: 10500 pays blocks a+1 .. a+10; closes at a + 11 */
    p0 = balance(&r, &r.addrs[P0], "uagora");
    t0 = balance(&r, &r.addrs[T0], "uagora");
    blocks_until(&r, a + 10);
    ck_assert_int_eq(lease(&r, 1).state, MARKET_LEASE_ACTIVE);
    block(&r);
    l = lease(&r, 1);
    ck_assert_int_eq(l.state, MARKET_LEASE_CLOSED);
    ck_assert_int_eq(l.closed_height, a + 11);
    ck_assert_int_eq(l.close_reason, MARKET_CLOSE_INSUFFICIENT_FUNDS);
    ck_assert_str_eq(block_attr(&r, MARKET_EV_LEASE_CLOSED, MARKET_ATTR_REASON),
                     MARKET_REASON_INSUFFICIENT_FUNDS);
    ck_assert(l.paid == 9750 && l.withdrawn == 9750 && l.taken == 250 && l.escrow == 0);
    ck_assert_int_eq(l.last_settled_height, a + 10);
    ck_assert(balance(&r, &r.addrs[P0], "uagora") == p0 + 9750 - 2925);
    ck_assert(balance(&r, &r.addrs[T0], "uagora") == t0 + 500);
    ck_assert(module_balance(&r, MARKET_COMMUNITY) == 250);
    ck_assert(balance(&r, &esc, "uagora") == 0);
    ck_assert_int_eq(order_state(&r, 1), MARKET_ORDER_CLOSED);
    ck_assert_int_eq(get_offer(&r, 1, &o), AG_OK);
    ck_assert(market_resources_is_zero(&o.leased));
    m = msg_ref(&r, P0, &market_msg_withdraw_lease_type, 1);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, P0, U_WLEASE, &m);
    m = msg_deposit(&r, T0, &market_msg_deposit_lease_type, 1, 100, "uagora");
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T0, U_DEPLEAS, &m);
    m = msg_close_lease(&r, T0, 1, "");
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T0, U_CLOSEL, &m);
    /* pruning: closed at a + 11, gone at a + 16 */
    market_bid b;
    view v;
    ck_assert_int_eq(market_mod_bid_get(view_open(&r, &v), 2, &b), AG_ERR_NOT_FOUND);
    market_kv_free(&v.kv);
    blocks_until(&r, a + 15);
    ck_assert_int_eq(get_lease(&r, 1, &l), AG_OK);
    block(&r);
    ck_assert_int_eq(get_lease(&r, 1, &l), AG_ERR_NOT_FOUND);
    market_order ord;
    ck_assert_int_eq(market_mod_order_get(view_open(&r, &v), 1, &ord), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(market_mod_bid_get(&v.ctx, 1, &b), AG_ERR_NOT_FOUND);
    /* and no index entry is left behind: only offers, sequences, counters, params */
    uint64_t *ids;
    size_t n;
    market_key ks = {{0x28}, 1}, ke = {{0x40}, 1};
    ck_assert_int_eq(market_mod_scan_ids(&v.ctx, &ks, &ke, 100, &ids, &n), AG_OK);
    ck_assert_uint_eq(n, 0);
    free(ids);
    market_kv_free(&v.kv);
    rig_down(&r);
}
END_TEST

START_TEST(top_up_and_closes)
{
    rig r;
    rig_up(&r, NULL);
    lease_setup(&r);
    ag_buf m = msg_ref(&r, T0, &market_msg_accept_bid_type, 2); /* price 900, P1 */
    OK1(&r, T0, U_ACCEPT, &m);
    int64_t a = r.height;
    /* 10500 / 900 = 11 blocks: exhaustion at a + 12 */
    blocks_until(&r, a + 4);
    m = msg_deposit(&r, T0, &market_msg_deposit_lease_type, 1, 2000, "uagora");
    OK1(&r, T0, U_DEPLEAS, &m);
    /* settled 5 blocks (4500), escrow 6000 + 2000 = 8000 = 8 blocks + 800 */
    market_lease l = lease(&r, 1);
    ck_assert(l.escrow == 8000);
    ck_assert_int_eq(l.last_settled_height, a + 5);
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)(a + 14));
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_DEPOSITED, MARKET_ATTR_EXHAUSTION_HEIGHT), want);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_SETTLED, MARKET_ATTR_AMOUNT), "4388uagora");
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_SETTLED, MARKET_ATTR_TAKE), "112uagora");
    blocks_until(&r, a + 13);
    ck_assert_int_eq(lease(&r, 1).state, MARKET_LEASE_ACTIVE);
    block(&r);
    l = lease(&r, 1);
    ck_assert_int_eq(l.state, MARKET_LEASE_CLOSED);
    ck_assert_int_eq(l.closed_height, a + 14);
    ck_assert(l.paid + l.taken == 13 * 900);

    /* tenant close with a note; provider close; order close with a lease */
    order_opt oo = order_defaults();
    oo.blocks = 20;
    for (int i = 0; i < 3; i++) {
        m = msg_order(&r, T1, &oo); /* orders 2, 3, 4 */
        queue(&r, T1, U_ORDER, &m);
        ag_buf_free(&m);
    }
    block(&r);
    for (uint64_t id = 2; id <= 4; id++) {
        m = msg_bid(&r, P0, id, 1, 500, 50); /* bids 3, 4, 5 */
        queue(&r, P0, U_BID, &m);
        ag_buf_free(&m);
    }
    block(&r);
    for (uint64_t id = 3; id <= 5; id++) {
        m = msg_ref(&r, T1, &market_msg_accept_bid_type, id);
        queue(&r, T1, U_ACCEPT, &m);
        ag_buf_free(&m);
    }
    abci_resp_finalize_block *fr = block(&r);
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(fr->tx_results[i]->code == 0, "%s", fr->tx_results[i]->log);
    market_offer o;
    ck_assert_int_eq(get_offer(&r, 1, &o), AG_OK);
    ck_assert_uint_eq(o.leased.cpu_millis, 3000);
    block(&r);
    m = msg_close_lease(&r, T2, 2, "");
    FAIL1(&r, MARKET_CODE_UNAUTHORIZED, T2, U_CLOSEL, &m);
    m = msg_close_lease(&r, T1, 9, "");
    FAIL1(&r, MARKET_CODE_NOT_FOUND, T1, U_CLOSEL, &m);
    m = msg_close_lease(&r, T1, 2, "moving-out");
    OK1(&r, T1, U_CLOSEL, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_CLOSED, MARKET_ATTR_REASON), MARKET_REASON_TENANT);
    l = lease(&r, 2);
    ck_assert_int_eq(l.close_reason, MARKET_CLOSE_TENANT);
    ck_assert_str_eq(l.close_note, "moving-out");
    ck_assert_int_eq(order_state(&r, 2), MARKET_ORDER_CLOSED);
    m = msg_close_lease(&r, P0, 3, "maintenance");
    OK1(&r, P0, U_CLOSEL, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_CLOSED, MARKET_ATTR_REASON),
                     MARKET_REASON_PROVIDER);
    m = msg_ref(&r, T1, &market_msg_close_order_type, 4);
    OK1(&r, T1, U_CLOSEO, &m);
    ck_assert_str_eq(tx_attr(&r, MARKET_EV_LEASE_CLOSED, MARKET_ATTR_REASON),
                     MARKET_REASON_ORDER_CLOSED);
    ck_assert_int_eq(lease(&r, 4).close_reason, MARKET_CLOSE_ORDER_CLOSED);
    ck_assert_int_eq(get_offer(&r, 1, &o), AG_OK);
    ck_assert(market_resources_is_zero(&o.leased));
    /* capacity runs out between bid and accept: 6000 millis twice on 8000 */
    oo.cpu = 3000; /* 2 replicas */
    for (int i = 0; i < 2; i++) {
        m = msg_order(&r, T2, &oo); /* orders 5, 6 */
        queue(&r, T2, U_ORDER, &m);
        ag_buf_free(&m);
    }
    block(&r);
    for (uint64_t id = 5; id <= 6; id++) {
        m = msg_bid(&r, P0, id, 1, 900, 50); /* bids 6, 7 */
        queue(&r, P0, U_BID, &m);
        ag_buf_free(&m);
    }
    block(&r);
    m = msg_ref(&r, T2, &market_msg_accept_bid_type, 6);
    OK1(&r, T2, U_ACCEPT, &m);
    m = msg_ref(&r, T2, &market_msg_accept_bid_type, 7);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T2, U_ACCEPT, &m);
    /* an order that is active takes no order deposit */
    m = msg_deposit(&r, T2, &market_msg_deposit_order_type, 5, 100, "uagora");
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T2, U_DEPORD, &m);
    /* accepting at the closing height is too late */
    oo = order_defaults();
    oo.blocks = 3;
    m = msg_order(&r, T0, &oo); /* order 7 */
    OK1(&r, T0, U_ORDER, &m);
    int64_t closing = r.height + 3;
    m = msg_bid(&r, P1, 7, 2, 500, 50); /* bid 8 */
    OK1(&r, P1, U_BID, &m);
    blocks_until(&r, closing - 1);
    m = msg_ref(&r, T0, &market_msg_accept_bid_type, 8);
    FAIL1(&r, MARKET_CODE_INVALID_REQUEST, T0, U_ACCEPT, &m);
    ck_assert_int_eq(order_state(&r, 7), MARKET_ORDER_CLOSED);
    ck_assert_int_eq(get_bid(&r, 8).state, MARKET_BID_LOST);
    rig_down(&r);
}
END_TEST

START_TEST(auto_award_tie_breaks)
{
    rig r;
    rig_up(&r, NULL);
    /* offers 1..4 of P0..P3 (eu); offer 2 (P1) fits one 6000-millis order only */
    for (unsigned p = P0; p <= P3; p++) {
        ag_buf m = msg_offer(&r, p, 0, 8000, 16, "eu");
        queue(&r, p, U_OFFER, &m);
        ag_buf_free(&m);
    }
    order_opt oo = order_defaults();
    oo.auto_award = true;
    oo.blocks = 4;
    /* orders 1, 2 (same price, earliest wins; same block, lowest id wins),
     * 3 (a later but cheaper bid wins), 4 (no bids: closes) */
    for (int i = 0; i < 4; i++) {
        ag_buf m = msg_order(&r, T0 + (unsigned)i, &oo);
        queue(&r, T0 + (unsigned)i, U_ORDER, &m);
        ag_buf_free(&m);
    }
    block(&r);
    int64_t closing = r.height + 4;
    struct {
        unsigned prov;
        uint64_t order, offer, price;
    } round1[] = {{P2, 1, 3, 500},
                  {P1, 1, 2, 500},
                  {P2, 2, 3, 600},
                  {P1, 2, 2, 600},
                  {P1, 3, 2, 700}},
      round2[] = {{P3, 1, 4, 500}, {P3, 3, 4, 650}};
    for (size_t i = 0; i < 5; i++) {
        ag_buf m =
            msg_bid(&r, round1[i].prov, round1[i].order, round1[i].offer, round1[i].price, 50);
        queue(&r, round1[i].prov, U_BID, &m);
        ag_buf_free(&m);
    }
    abci_resp_finalize_block *fr = block(&r);
    for (size_t i = 0; i < fr->n_tx_results; i++)
        ck_assert_msg(fr->tx_results[i]->code == 0, "%s", fr->tx_results[i]->log);
    for (size_t i = 0; i < 2; i++) {
        ag_buf m =
            msg_bid(&r, round2[i].prov, round2[i].order, round2[i].offer, round2[i].price, 50);
        queue(&r, round2[i].prov, U_BID, &m);
        ag_buf_free(&m);
    }
    block(&r);
    blocks_until(&r, closing - 1);
    ck_assert_int_eq(order_state(&r, 1), MARKET_ORDER_OPEN);
    block(&r);
    /* order 1: bids 1 (P2) and 2 (P1) at 500 in the same block, 6 (P3) later: bid 1 */
    market_lease l = lease(&r, 1);
    ck_assert_uint_eq(l.bid_id, 1);
    ck_assert_uint_eq(l.offer_id, 3);
    ck_assert_int_eq(l.created_height, closing);
    ck_assert_int_eq(get_bid(&r, 2).state, MARKET_BID_LOST);
    ck_assert_int_eq(get_bid(&r, 6).state, MARKET_BID_LOST);
    ck_assert_uint_eq(lease(&r, 2).bid_id, 3);
    ck_assert_uint_eq(lease(&r, 3).bid_id, 7); /* 650 beats 700 */
    ck_assert_int_eq(order_state(&r, 4), MARKET_ORDER_CLOSED);
    ck_assert_int_eq(get_lease(&r, 4, &l), AG_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(block_attr(&r, MARKET_EV_LEASE_CREATED, MARKET_ATTR_LEASE_ID));

    /* the best bid's offer is full at the award: the next one wins */
    oo.cpu = 3000;
    oo.blocks = 3;
    ag_buf m = msg_order(&r, T0 + 4, &oo); /* order 5, closes first */
    queue(&r, T0 + 4, U_ORDER, &m);
    ag_buf_free(&m);
    block(&r);
    m = msg_order(&r, T0 + 5, &oo); /* order 6, one block later */
    queue(&r, T0 + 5, U_ORDER, &m);
    ag_buf_free(&m);
    m = msg_bid(&r, P1, 5, 2, 700, 50); /* bid 8 (floor cost 610) */
    queue(&r, P1, U_BID, &m);
    ag_buf_free(&m);
    fr = block(&r);
    for (size_t i = 0; i < fr->n_tx_results; i++)
        ck_assert_msg(fr->tx_results[i]->code == 0, "%s", fr->tx_results[i]->log);
    m = msg_bid(&r, P1, 6, 2, 700, 50); /* bid 9: cheapest, but offer 2 will be full */
    queue(&r, P1, U_BID, &m);
    ag_buf_free(&m);
    m = msg_bid(&r, P0, 6, 1, 800, 50); /* bid 10 */
    queue(&r, P0, U_BID, &m);
    ag_buf_free(&m);
    fr = block(&r);
    for (size_t i = 0; i < fr->n_tx_results; i++)
        ck_assert_msg(fr->tx_results[i]->code == 0, "%s", fr->tx_results[i]->log);
    blocks_until(&r, r.height + 3);
    ck_assert_uint_eq(lease(&r, 5).bid_id, 8);
    ck_assert_uint_eq(lease(&r, 6).bid_id, 10);
    ck_assert_int_eq(get_bid(&r, 9).state, MARKET_BID_LOST);
    rig_down(&r);
}
END_TEST

/* ---- queries ---- */

static abci_resp_query *query_at(rig *r, const char *path, const ProtobufCMessage *m,
                                 int64_t height)
{
    static uint8_t buf[4096];
    abci_req_query q = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    q.path = abci_str(path);
    size_t n = m ? protobuf_c_message_pack(m, buf) : 0;
    q.data = (ProtobufCBinaryData){n, buf};
    q.height = height;
    abci_resp_query *resp;
    ck_assert_msg(abci_client_query(r->cli, r->arena, &q, &resp) == AG_OK, "%s", ag_err_detail());
    return resp;
}

static abci_resp_query *query(rig *r, const char *path, const ProtobufCMessage *m)
{
    return query_at(r, path, m, 0);
}

static ProtobufCBinaryData addr_bytes(rig *r, unsigned i, char s[CRYPTO_ADDRESS_STR_MAX])
{
    bech(s, &r->addrs[i]);
    return (ProtobufCBinaryData){strlen(s), (uint8_t *)s};
}

/* Orders of a request: ids into out, the page response's next key and total. */
static size_t orders_page(rig *r, Agora__Market__V1__QueryOrdersRequest *req, uint64_t *out,
                          ag_buf *next, uint64_t *total)
{
    abci_resp_query *qr = query(r, MARKET_QUERY_ORDERS, &req->base);
    ck_assert_msg(qr->code == 0, "%s", qr->log);
    Agora__Market__V1__QueryOrdersResponse *resp =
        agora__market__v1__query_orders_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_ptr_nonnull(resp);
    size_t n = resp->n_orders;
    for (size_t i = 0; i < n; i++)
        out[i] = resp->orders[i]->id;
    ag_buf_reset(next);
    *total = 0;
    if (resp->pagination) {
        ag_buf_append(next, resp->pagination->next_key.data, resp->pagination->next_key.len);
        *total = resp->pagination->total;
    }
    agora__market__v1__query_orders_response__free_unpacked(resp, NULL);
    return n;
}

START_TEST(queries)
{
    rig r;
    rig_up(&r, NULL);
    lease_setup(&r); /* offers 1 (P0), 2 (P1); order 1 (T0); bids 1, 2 */
    order_opt oo = order_defaults();
    oo.blocks = 30;
    for (int i = 0; i < 3; i++) {
        ag_buf m = msg_order(&r, i < 2 ? T0 : T1, &oo); /* orders 2, 3 (T0), 4 (T1) */
        queue(&r, i < 2 ? T0 : T1, U_ORDER, &m);
        ag_buf_free(&m);
    }
    ag_buf m = msg_ref(&r, T0, &market_msg_accept_bid_type, 2); /* lease 1 (P1) */
    queue(&r, T0, U_ACCEPT, &m);
    ag_buf_free(&m);
    block(&r);
    m = msg_ref(&r, T0, &market_msg_close_order_type, 3);
    OK1(&r, T0, U_CLOSEO, &m);
    char s1[CRYPTO_ADDRESS_STR_MAX], s2[CRYPTO_ADDRESS_STR_MAX];
    uint64_t ids[16], total;
    ag_buf next;
    ag_buf_init(&next, 0);
    /* all orders, with a total */
    Agora__Market__V1__PageRequest page = AGORA__MARKET__V1__PAGE_REQUEST__INIT;
    page.count_total = true;
    Agora__Market__V1__QueryOrdersRequest req = AGORA__MARKET__V1__QUERY_ORDERS_REQUEST__INIT;
    req.pagination = &page;
    ck_assert_uint_eq(orders_page(&r, &req, ids, &next, &total), 4);
    ck_assert_uint_eq(total, 4);
    ck_assert_uint_eq(next.len, 0);
    /* by tenant, by state */
    req.tenant = addr_bytes(&r, T0, s1);
    ck_assert_uint_eq(orders_page(&r, &req, ids, &next, &total), 3);
    ck_assert(ids[0] == 1 && ids[1] == 2 && ids[2] == 3);
    req.state = AGORA__MARKET__V1__ORDER_STATE__ORDER_STATE_OPEN;
    ck_assert_uint_eq(orders_page(&r, &req, ids, &next, &total), 1);
    ck_assert_uint_eq(ids[0], 2);
    req.state = AGORA__MARKET__V1__ORDER_STATE__ORDER_STATE_ACTIVE;
    ck_assert_uint_eq(orders_page(&r, &req, ids, &next, &total), 1);
    ck_assert_uint_eq(ids[0], 1);
    /* pages of 2 by key, then by offset */
    req.state = 0;
    req.tenant = (ProtobufCBinaryData){0, NULL};
    page.limit = 3;
    page.count_total = false;
    ck_assert_uint_eq(orders_page(&r, &req, ids, &next, &total), 3);
    ck_assert(ids[0] == 1 && ids[2] == 3);
    ck_assert_uint_gt(next.len, 0);
    page.key = (ProtobufCBinaryData){next.len, next.data};
    ag_buf keep;
    ag_buf_init(&keep, 0);
    ag_buf_append(&keep, next.data, next.len);
    page.key = (ProtobufCBinaryData){keep.len, keep.data};
    ck_assert_uint_eq(orders_page(&r, &req, ids, &next, &total), 1);
    ck_assert_uint_eq(ids[0], 4);
    ck_assert_uint_eq(next.len, 0);
    ag_buf_free(&keep);
    page.key = (ProtobufCBinaryData){0, NULL};
    page.offset = 2;
    page.limit = 1;
    page.count_total = true;
    ck_assert_uint_eq(orders_page(&r, &req, ids, &next, &total), 1);
    ck_assert_uint_eq(ids[0], 3);
    ck_assert_uint_eq(total, 4);
    ck_assert_uint_gt(next.len, 0);
    page.reverse = true;
    ck_assert_uint_eq(query(&r, MARKET_QUERY_ORDERS, &req.base)->code, MARKET_CODE_INVALID_REQUEST);
    page.reverse = false;
    page.offset = 0;
    page.key = (ProtobufCBinaryData){3, (uint8_t *)(uintptr_t) "xyz"};
    ck_assert_uint_eq(query(&r, MARKET_QUERY_ORDERS, &req.base)->code, MARKET_CODE_INVALID_REQUEST);
    req.tenant = (ProtobufCBinaryData){5, (uint8_t *)(uintptr_t) "agora"};
    page.key = (ProtobufCBinaryData){0, NULL};
    ck_assert_uint_eq(query(&r, MARKET_QUERY_ORDERS, &req.base)->code, MARKET_CODE_INVALID_ADDRESS);
    ag_buf_free(&next);
    /* offers by provider */
    Agora__Market__V1__QueryOffersRequest oq = AGORA__MARKET__V1__QUERY_OFFERS_REQUEST__INIT;
    oq.provider = addr_bytes(&r, P1, s1);
    abci_resp_query *qr = query(&r, MARKET_QUERY_OFFERS, &oq.base);
    ck_assert_uint_eq(qr->code, 0);
    Agora__Market__V1__QueryOffersResponse *ofr =
        agora__market__v1__query_offers_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_uint_eq(ofr->n_offers, 1);
    ck_assert_uint_eq(ofr->offers[0]->id, 2);
    ck_assert_uint_eq(ofr->offers[0]->leased->cpu_millis, 1000);
    agora__market__v1__query_offers_response__free_unpacked(ofr, NULL);
    /* bids of order 1 by state; by provider */
    Agora__Market__V1__QueryBidsRequest bq = AGORA__MARKET__V1__QUERY_BIDS_REQUEST__INIT;
    bq.order_id = 1;
    bq.state = AGORA__MARKET__V1__BID_STATE__BID_STATE_WON;
    qr = query(&r, MARKET_QUERY_BIDS, &bq.base);
    Agora__Market__V1__QueryBidsResponse *br =
        agora__market__v1__query_bids_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_uint_eq(br->n_bids, 1);
    ck_assert_uint_eq(br->bids[0]->id, 2);
    agora__market__v1__query_bids_response__free_unpacked(br, NULL);
    bq.order_id = 0;
    bq.state = 0;
    bq.provider = addr_bytes(&r, P0, s1);
    qr = query(&r, MARKET_QUERY_BIDS, &bq.base);
    br = agora__market__v1__query_bids_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_uint_eq(br->n_bids, 1);
    ck_assert_uint_eq(br->bids[0]->id, 1);
    agora__market__v1__query_bids_response__free_unpacked(br, NULL);
    /* leases by tenant and provider */
    Agora__Market__V1__QueryLeasesRequest lq = AGORA__MARKET__V1__QUERY_LEASES_REQUEST__INIT;
    lq.tenant = addr_bytes(&r, T0, s1);
    lq.provider = addr_bytes(&r, P1, s2);
    lq.state = AGORA__MARKET__V1__LEASE_STATE__LEASE_STATE_ACTIVE;
    qr = query(&r, MARKET_QUERY_LEASES, &lq.base);
    Agora__Market__V1__QueryLeasesResponse *lr =
        agora__market__v1__query_leases_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_uint_eq(lr->n_leases, 1);
    ck_assert_uint_eq(lr->leases[0]->id, 1);
    agora__market__v1__query_leases_response__free_unpacked(lr, NULL);
    lq.provider = addr_bytes(&r, P0, s2);
    qr = query(&r, MARKET_QUERY_LEASES, &lq.base);
    lr = agora__market__v1__query_leases_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_uint_eq(lr->n_leases, 0);
    agora__market__v1__query_leases_response__free_unpacked(lr, NULL);
    /* single items and params */
    Agora__Market__V1__QueryOrderRequest one = AGORA__MARKET__V1__QUERY_ORDER_REQUEST__INIT;
    one.id = 2;
    qr = query(&r, MARKET_QUERY_ORDER, &one.base);
    ck_assert_uint_eq(qr->code, 0);
    Agora__Market__V1__QueryOrderResponse *or1 =
        agora__market__v1__query_order_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_uint_eq(or1->order->id, 2);
    ck_assert_uint_eq(or1->order->workload->n_services, 1);
    agora__market__v1__query_order_response__free_unpacked(or1, NULL);
    one.id = 99;
    ck_assert_uint_eq(query(&r, MARKET_QUERY_ORDER, &one.base)->code, MARKET_CODE_NOT_FOUND);
    /* single items at an earlier height: order 4 was created at height 3 */
    one.id = 4;
    ck_assert_uint_eq(query_at(&r, MARKET_QUERY_ORDER, &one.base, 2)->code, MARKET_CODE_NOT_FOUND);
    ck_assert_uint_eq(query_at(&r, MARKET_QUERY_ORDER, &one.base, 3)->code, 0);
    /* lists scan, so the latest height only */
    Agora__Market__V1__QueryOrdersRequest all = AGORA__MARKET__V1__QUERY_ORDERS_REQUEST__INIT;
    ck_assert_uint_eq(query_at(&r, MARKET_QUERY_ORDERS, &all.base, 0)->code, 0);
    ck_assert_uint_eq(query_at(&r, MARKET_QUERY_ORDERS, &all.base, r.height)->code, 0);
    ck_assert_uint_eq(query_at(&r, MARKET_QUERY_ORDERS, &all.base, 3)->code,
                      MARKET_CODE_INVALID_REQUEST);
    one.id = 1;
    ck_assert_uint_eq(query(&r, MARKET_QUERY_LEASE, &one.base)->code, 0);
    ck_assert_uint_eq(query(&r, MARKET_QUERY_BID, &one.base)->code, 0);
    ck_assert_uint_eq(query(&r, MARKET_QUERY_OFFER, &one.base)->code, 0);
    qr = query(&r, MARKET_QUERY_PARAMS, NULL);
    ck_assert_uint_eq(qr->code, 0);
    Agora__Market__V1__QueryParamsResponse *pr =
        agora__market__v1__query_params_response__unpack(NULL, qr->value.len, qr->value.data);
    ck_assert_uint_eq(pr->params->take_rate_bps, 250);
    ck_assert_uint_eq(pr->params->prune_delay_blocks, 5);
    agora__market__v1__query_params_response__free_unpacked(pr, NULL);
    ck_assert_uint_eq(query(&r, "/agora.market.v1.Query/Nothing", NULL)->code,
                      MARKET_CODE_UNKNOWN_REQUEST);
    rig_down(&r);
}
END_TEST

/* ---- genesis ---- */

static void export_import_same_hash(rig *r)
{
    json_t *exp;
    ck_assert_msg(market_app_export_genesis(r->app, &exp) == AG_OK, "%s", ag_err_detail());
    char *s = json_dumps(exp, JSON_COMPACT);
    json_decref(exp);
    rig r2;
    rig_open(&r2);
    crypto_hash h2, h1;
    init_chain(&r2, s, &h2);
    free(s);
    market_app_hash(r->app, &h1);
    ck_assert_mem_eq(h1.b, h2.b, 32);
    ck_assert_msg(market_app_check_invariants(r2.app) == AG_OK, "%s", ag_err_detail());
    rig_down(&r2);
}

START_TEST(genesis_export_import)
{
    rig r;
    rig_up(&r, NULL);
    export_import_same_hash(&r); /* params only */
    lease_setup(&r);
    ag_buf m = msg_ref(&r, T0, &market_msg_accept_bid_type, 1);
    OK1(&r, T0, U_ACCEPT, &m);
    order_opt oo = order_defaults();
    m = msg_order(&r, T1, &oo); /* an open order with a bid */
    OK1(&r, T1, U_ORDER, &m);
    m = msg_bid(&r, P1, 2, 2, 600, 70);
    OK1(&r, P1, U_BID, &m);
    blocks_until(&r, r.height + 2);
    export_import_same_hash(&r);
    /* hostile market sections are refused */
    const char *bad[] = {
        "{\"market\":5}",
        "{\"market\":{\"genesis_state\":7}}",
        "{\"market\":{\"genesis_state\":\"!!!\"}}",
        "{\"market\":{\"records\":[{\"key\":\"11\",\"value\":\"00\"}]}}",
        "{\"market\":{\"records\":[{\"key\":\"380000000000000001\",\"value\":\"ff\"}]}}",
        "{\"market\":{\"records\":[{\"key\":\"zz\",\"value\":\"00\"}]}}",
        "{\"market\":{\"records\":{}}}",
        /* consistent-looking entries that name nothing: refused by the invariant */
        "{\"market\":{\"records\":[{\"key\":\"3b00000000000000050000000000000001\","
        "\"value\":\"00\"}]}}",
        "{\"market\":{\"records\":[{\"key\":\"2a00000000000000050000000000000001\","
        "\"value\":\"00\"}]}}",
        "{\"market\":{\"records\":[{\"key\":\"3f0000000000000005030000000000000001\","
        "\"value\":\"00\"}]}}",
        "{\"market\":{\"records\":[{\"key\":\"12020101010101010101010101010101010101010101\","
        "\"value\":\"0000000000000002\"}]}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rig r2;
        rig_open(&r2);
        abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
        ic.chain_id = abci_str(CHAIN);
        ic.initial_height = 1;
        ic.app_state_bytes = (ProtobufCBinaryData){strlen(bad[i]), (uint8_t *)(uintptr_t)bad[i]};
        abci_resp_init_chain *resp;
        ck_assert_msg(abci_client_init_chain(r2.cli, r2.arena, &ic, &resp) != AG_OK, "%s", bad[i]);
        rig_down(&r2);
    }
    rig_down(&r);
}
END_TEST

/* ---- seeded simulation ---- */

#define SIM_PER_BLOCK 20
#define N_KINDS       18

static const char *const sim_urls[N_KINDS] = {
    U_OFFER,  U_UPDATE, U_DEACT,  U_ORDER,   U_ORDER,  U_ORDER,
    U_DEPORD, U_CLOSEO, U_BID,    U_BID,     U_BID,    U_WBID,
    U_ACCEPT, U_ACCEPT, U_WLEASE, U_DEPLEAS, U_CLOSEL, MARKET_MSG_SEND_TYPE_URL};

typedef struct sim {
    rig *r;
    ag_rng *rng;
    size_t ok[N_KINDS], fail[N_KINDS];
    size_t awards, exhausted, pruned_blocks;
} sim;

static uint64_t rnd(sim *s, uint64_t lo, uint64_t hi) /* [lo, hi] */
{
    return lo + ag_rng_below(s->rng, hi - lo + 1);
}

static unsigned acct_of(rig *r, const crypto_address *a)
{
    for (unsigned i = 0; i < NACC; i++)
        if (memcmp(r->addrs[i].b, a->b, sizeof a->b) == 0)
            return i;
    return 0;
}

/* The owner of an object (mostly), or a random account (sometimes). */
static unsigned pick(sim *s, bool found, unsigned owner)
{
    return found && ag_rng_below(s->rng, 10) < 8 ? owner : (unsigned)ag_rng_below(s->rng, NACC);
}

/* The next id of a kind in the committed state (1 when none yet). */
static uint64_t next_id(market_ctx *ctx, market_kind kind)
{
    market_key k;
    market_key_sequence(&k, kind);
    ag_buf v;
    ag_buf_init(&v, 16);
    uint64_t n = 1;
    if (market_ctx_get(ctx, k.b, k.len, &v) == AG_OK && v.len == 8)
        n = market_be64_get(v.data);
    ag_buf_free(&v);
    return n;
}

/* A recent order id, open if one of a few tries finds one. */
static uint64_t recent_order(sim *s, market_ctx *ctx)
{
    uint64_t next = next_id(ctx, MARKET_KIND_ORDER), id = next;
    for (int t = 0; t < 4; t++) {
        id = rnd(s, next > 12 ? next - 12 : 1, next);
        market_order o;
        if (market_mod_order_get(ctx, id, &o) == AG_OK) {
            bool open = o.state == MARKET_ORDER_OPEN;
            market_order_clear(&o);
            if (open)
                break;
        }
    }
    return id;
}

static void sim_tx(sim *s, int kind, int *kinds, size_t slot)
{
    rig *r = s->r;
    ag_buf m;
    unsigned from = 0;
    view v;
    market_ctx *ctx = view_open(r, &v);
    /* deactivations and order closes are rarer than the rest: bid instead */
    if ((kind == 2 || kind == 7) && ag_rng_below(s->rng, 4) != 0)
        kind = 8;
    kinds[slot] = kind;
    switch (kind) {
    case 0:
    case 1: {
        uint64_t id = kind == 1 ? rnd(s, 1, next_id(ctx, MARKET_KIND_OFFER)) : 0;
        market_offer o;
        bool found = id && market_mod_offer_get(ctx, id, &o) == AG_OK;
        from = kind == 0 ? (unsigned)rnd(s, P0, P3) : pick(s, found, acct_of(r, &o.provider));
        m = msg_offer(r, from, id, rnd(s, 2000, 16000), rnd(s, 4, 32),
                      ag_rng_below(s->rng, 2) ? "eu" : "us");
        break;
    }
    case 2: {
        uint64_t id = rnd(s, 1, next_id(ctx, MARKET_KIND_OFFER));
        market_offer o;
        bool found = market_mod_offer_get(ctx, id, &o) == AG_OK;
        from = pick(s, found, acct_of(r, &o.provider));
        m = msg_ref(r, from, &market_msg_deactivate_offer_type, id);
        break;
    }
    case 3:
    case 4:
    case 5: {
        from = (unsigned)rnd(s, T0, NACC - 1);
        order_opt oo = {.cpu = rnd(s, 100, 2000),
                        .mib = rnd(s, 128, 2048),
                        .replicas = (uint32_t)rnd(s, 1, 3),
                        .max_price = rnd(s, 200, 3000),
                        .deposit = rnd(s, 50, 30000),
                        .deposit_denom = ag_rng_below(s->rng, 20) ? "uagora" : "ufoo",
                        .blocks = rnd(s, 1, 12),
                        .auto_award = ag_rng_below(s->rng, 2),
                        .region = ag_rng_below(s->rng, 3) == 0   ? NULL
                                  : ag_rng_below(s->rng, 2) == 0 ? "eu"
                                                                 : "us"};
        m = msg_order(r, from, &oo);
        break;
    }
    case 6:
    case 7: {
        uint64_t id = recent_order(s, ctx);
        market_order o;
        bool found = market_mod_order_get(ctx, id, &o) == AG_OK;
        from = pick(s, found, acct_of(r, &o.tenant));
        market_order_clear(&o);
        m = kind == 6 ? msg_deposit(r, from, &market_msg_deposit_order_type, id, rnd(s, 1, 5000),
                                    "uagora")
                      : msg_ref(r, from, &market_msg_close_order_type, id);
        break;
    }
    case 8:
    case 9:
    case 10: {
        uint64_t order = recent_order(s, ctx);
        uint64_t offer = 0;
        market_offer o;
        bool found = false;
        for (int t = 0; t < 4 && !(found && o.state == MARKET_OFFER_ACTIVE); t++) {
            offer = rnd(s, 1, next_id(ctx, MARKET_KIND_OFFER));
            found = market_mod_offer_get(ctx, offer, &o) == AG_OK;
        }
        from = pick(s, found, acct_of(r, &o.provider));
        m = msg_bid(r, from, order, offer, rnd(s, 50, 3000), rnd(s, 40, 100));
        break;
    }
    case 11:
    case 12:
    case 13: {
        uint64_t nb = next_id(ctx, MARKET_KIND_BID);
        uint64_t id = rnd(s, nb > 12 ? nb - 12 : 1, nb);
        market_bid b;
        market_order o;
        memset(&o, 0, sizeof o);
        bool found = market_mod_bid_get(ctx, id, &b) == AG_OK;
        if (kind == 11) {
            from = pick(s, found, acct_of(r, &b.provider));
            m = msg_ref(r, from, &market_msg_withdraw_bid_type, id);
        } else {
            found = found && market_mod_order_get(ctx, b.order_id, &o) == AG_OK;
            from = pick(s, found, acct_of(r, &o.tenant));
            market_order_clear(&o);
            m = msg_ref(r, from, &market_msg_accept_bid_type, id);
        }
        break;
    }
    case 14:
    case 15:
    case 16: {
        uint64_t no = next_id(ctx, MARKET_KIND_ORDER), id = 0;
        market_lease l;
        bool found = false;
        for (int t = 0; t < 6 && !(found && l.state == MARKET_LEASE_ACTIVE); t++) {
            id = rnd(s, no > 40 ? no - 40 : 1, no);
            found = market_mod_lease_get(ctx, id, &l) == AG_OK;
        }
        bool prov = kind == 14 || (kind == 16 && ag_rng_below(s->rng, 2));
        from = pick(s, found, acct_of(r, prov ? &l.provider : &l.tenant));
        m = kind == 14   ? msg_ref(r, from, &market_msg_withdraw_lease_type, id)
            : kind == 15 ? msg_deposit(r, from, &market_msg_deposit_lease_type, id, rnd(s, 1, 8000),
                                       "uagora")
                         : msg_close_lease(r, from, id, ag_rng_below(s->rng, 2) ? "bye" : "");
        break;
    }
    default: {
        from = (unsigned)ag_rng_below(s->rng, NACC);
        market_msg_send ms = {
            .from = r->addrs[from], .to = r->addrs[ag_rng_below(s->rng, NACC)], .n_amount = 1};
        strcpy(ms.amount[0].denom, "uagora");
        ms.amount[0].amount = rnd(s, 1, 100000);
        ag_buf_init(&m, 0);
        ck_assert_int_eq(market_msg_send_encode(&m, &ms), AG_OK);
        break;
    }
    }
    market_kv_free(&v.kv);
    queue(r, from, sim_urls[kind], &m);
    ag_buf_free(&m);
}

typedef struct recorded {
    ag_buf *txs;
    size_t n;
} recorded;

static void simulate(rig *r, ag_rng *rng, size_t nblocks, recorded *rec, crypto_hash *hashes,
                     sim *s)
{
    memset(s, 0, sizeof *s);
    s->r = r;
    s->rng = rng;
    for (size_t b = 0; b < nblocks; b++) {
        size_t n = ag_rng_below(rng, SIM_PER_BLOCK + 1);
        int kinds[SIM_PER_BLOCK];
        for (size_t i = 0; i < n; i++)
            sim_tx(s, (int)ag_rng_below(rng, N_KINDS), kinds, i);
        rec[b].n = n;
        rec[b].txs = calloc(n ? n : 1, sizeof(ag_buf));
        for (size_t i = 0; i < n; i++) {
            ag_buf_init(&rec[b].txs[i], 0);
            ag_buf_append(&rec[b].txs[i], r->txs[i].data, r->txs[i].len);
        }
        abci_resp_finalize_block *fr = block(r);
        for (size_t i = 0; i < n; i++) {
            uint32_t code = fr->tx_results[i]->code;
            ck_assert_msg(code != MARKET_CODE_INTERNAL && code != MARKET_CODE_OUT_OF_GAS,
                          "block %zu tx %zu: %u %s", b, i, code, fr->tx_results[i]->log);
            if (code == 0)
                s->ok[kinds[i]]++;
            else
                s->fail[kinds[i]]++;
        }
        for (size_t i = 0; i < fr->n_events; i++) {
            const Tendermint__Abci__Event *e = fr->events[i];
            if (!strcmp(e->type, MARKET_EV_LEASE_CREATED))
                s->awards++;
            for (size_t k = 0; k < e->n_attributes; k++)
                if (!strcmp(e->type, MARKET_EV_LEASE_CLOSED) &&
                    !strcmp(e->attributes[k]->key, MARKET_ATTR_REASON) &&
                    !strcmp(e->attributes[k]->value, MARKET_REASON_INSUFFICIENT_FUNDS))
                    s->exhausted++;
        }
        market_app_hash(r->app, &hashes[b]);
    }
}

START_TEST(simulation_invariants_and_replay)
{
    size_t nblocks = ag_test_iters(1000, 10000);
    ag_rng rng;
    ag_test_rng(&rng, 1);
    market_params p = test_params();
    p.prune_delay_blocks = 8;
    p.max_bids_per_order = 5;
    rig r;
    rig_up(&r, &p);
    recorded *rec = calloc(nblocks, sizeof *rec);
    crypto_hash *hashes = calloc(nblocks, sizeof *hashes);
    sim s;
    simulate(&r, &rng, nblocks, rec, hashes, &s);
    size_t ok = 0, fail = 0;
    for (int k = 0; k < N_KINDS; k++) {
        ok += s.ok[k];
        fail += s.fail[k];
        /* every kind of message both succeeded and failed somewhere */
        ck_assert_msg(s.ok[k] > 0, "no %s succeeded", sim_urls[k]);
        ck_assert_msg(s.fail[k] > 0 || k == N_KINDS - 1, "no %s failed", sim_urls[k]);
    }
    fprintf(stderr,
            "market simulation: %zu blocks, %zu txs ok, %zu failed, %zu auto-awards, %zu "
            "leases run dry\n",
            nblocks, ok, fail, s.awards, s.exhausted);
    for (int k = 0; getenv("AGORA_SIM_STATS") && k < N_KINDS; k++)
        fprintf(stderr, "  %-40s ok %zu failed %zu\n", sim_urls[k], s.ok[k], s.fail[k]);
    ck_assert_uint_gt(s.awards, 0);
    ck_assert_uint_gt(s.exhausted, 0);
    export_import_same_hash(&r);
    /* replay into a fresh app: the same app hash after every block */
    rig r2;
    rig_up(&r2, &p);
    for (size_t b = 0; b < nblocks; b++) {
        for (size_t i = 0; i < rec[b].n; i++) {
            r2.txs[i] = rec[b].txs[i]; /* moved */
        }
        r2.n_txs = rec[b].n;
        block(&r2);
        crypto_hash h;
        market_app_hash(r2.app, &h);
        ck_assert_msg(memcmp(h.b, hashes[b].b, 32) == 0, "app hash differs at block %zu", b);
        free(rec[b].txs);
    }
    free(rec);
    free(hashes);
    rig_down(&r2);
    rig_down(&r);
}
END_TEST

static Suite *market_mod_suite(void)
{
    Suite *s = suite_create("market_mod");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, offers);
    tcase_add_test(tc, orders);
    tcase_add_test(tc, bids);
    tcase_add_test(tc, accept_settle_exhaust_prune);
    tcase_add_test(tc, top_up_and_closes);
    tcase_add_test(tc, auto_award_tie_breaks);
    tcase_add_test(tc, queries);
    tcase_add_test(tc, genesis_export_import);
    tcase_add_test(tc, simulation_invariants_and_replay);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(market_mod_suite)
