/*
 * daemon.c — the provider loop (see daemon.h): one pass = read the chain,
 * keep the offer right, bid on what fits, reconcile the active leases,
 * withdraw what is due, publish the status snapshot.
 */
#include "provider/daemon.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/record_view.h"
#include "cli/tx_run.h"
#include "feed/client.h"
#include "lib/log.h"
#include "market/event_names.h"
#include "market/msg.h"
#include "market/resources.h"
#include "provider/bidder.h"
#include "provider/chain.h"
#include "provider/offer.h"
#include "provider/status.h"
#include "provider/withdraw.h"

#define LOG "provider"

/* What one pass learned, kept for the status snapshot. */
typedef struct pass_state {
    const provider_daemon_opts *o;
    cli_ctx ctx;
    crypto_address addr;
    char bech[CRYPTO_ADDRESS_STR_MAX];
    int64_t height;
    json_t *decisions;      /* order id -> last reason */
    json_t *report;         /* the reconciler's last report */
    json_t *bids;           /* this provider's bids as last read */
    market_offer_spec spec; /* the offer wanted: cfg's, capacity maybe from the cluster */
    bool capacity_known;    /* spec.capacity has been read from the cluster */
    char last_error[AG_ERR_DETAIL_MAX];
    uint64_t last_withdraw_ms;
    uint64_t passes, bids_sent, withdrawals_sent;
} pass_state;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sign and send one message through the CLI's tx path (auto gas, no
 * prompt, its JSON result on stdout as the daemon's log of what it did). */
static ag_err send_tx(pass_state *s, const char *type_url, const ag_buf *value)
{
    const char *argv[] = {"agora-provider", "--yes", "--gas", "auto", "--timeout", "20"};
    cli_args a;
    ag_err err = cli_args_parse(&a, (int)(sizeof argv / sizeof argv[0]), argv);
    if (err)
        return err;
    market_any any = {.type_url = type_url, .value = ag_buf_slice(value)};
    int rc = cli_tx_run(&s->ctx, &a, s->o->cfg->key_name, &any);
    fflush(stdout);
    return rc ? ag_err_set(AG_ERR_STATE, "%s refused or not included (see above)", type_url)
              : AG_OK;
}

static ag_err ensure_offer(pass_state *s, market_offer **offers, size_t *n, size_t *index)
{
    ag_err err = provider_chain_offers(s->o->cfg->rpc, s->bech, offers, n);
    if (err)
        return err;
    provider_offer_action act = provider_offer_plan(*offers, *n, &s->spec, index);
    if (act == PROVIDER_OFFER_KEEP)
        return AG_OK;
    market_msg_offer m = {.provider = s->addr, .spec = s->spec};
    if (act == PROVIDER_OFFER_UPDATE)
        m.offer_id = (*offers)[*index].id;
    ag_log_info(LOG, "%s offer%s", act == PROVIDER_OFFER_CREATE ? "creating" : "updating",
                act == PROVIDER_OFFER_CREATE ? "" : " (config differs from chain)");
    ag_buf v;
    ag_buf_init(&v, 1 << 20);
    err = act == PROVIDER_OFFER_CREATE ? market_msg_create_offer_encode(&v, &m)
                                       : market_msg_update_offer_encode(&v, &m);
    if (!err)
        err = send_tx(s,
                      act == PROVIDER_OFFER_CREATE ? MARKET_MSG_CREATE_OFFER_URL
                                                   : MARKET_MSG_UPDATE_OFFER_URL,
                      &v);
    ag_buf_free(&v);
    free(*offers);
    *offers = NULL;
    if (!err)
        err = provider_chain_offers(s->o->cfg->rpc, s->bech, offers, n);
    if (!err && provider_offer_plan(*offers, *n, &s->spec, index) != PROVIDER_OFFER_KEEP)
        err = ag_err_set(AG_ERR_STATE, "the offer on chain still differs from the config");
    return err;
}

/* The pricing command's quote for an order (its JSON as `agora query`
 * prints it on stdin). */
static ag_err quote(pass_state *s, const market_order *order, market_u128 *price)
{
    ag_buf enc;
    ag_buf_init(&enc, 1 << 20);
    json_t *j = NULL;
    ag_err err = market_order_encode(&enc, order);
    if (!err)
        err = cli_view_record_json(CLI_RECORD_ORDER, enc.data, enc.len, &j);
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!err && !text)
        err = ag_err_set(AG_ERR_NOMEM, "order JSON");
    if (!err)
        err = provider_price_command(s->o->cfg->pricing_command, text,
                                     s->o->cfg->pricing_timeout_ms, price);
    free(text);
    json_decref(j);
    ag_buf_free(&enc);
    return err;
}

static const market_order *find_order(const market_order *orders, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (orders[i].id == id)
            return &orders[i];
    return NULL;
}

static ag_err bid_pass(pass_state *s, const market_offer *offer)
{
    /* Reasons for the orders open now only: the object stays bounded. */
    json_object_clear(s->decisions);
    market_order *orders = NULL;
    market_bid *bids = NULL;
    size_t n_orders = 0, n_bids = 0;
    ag_err err = provider_chain_orders(s->o->cfg->rpc, MARKET_ORDER_OPEN, &orders, &n_orders);
    if (!err)
        err = provider_chain_bids(s->o->cfg->rpc, s->bech, 0, &bids, &n_bids);
    static const char *const state_names[] = {"", "open", "won", "lost", "withdrawn"};
    json_t *bj = json_array();
    for (size_t i = 0; !err && i < n_bids; i++) {
        char amt[MARKET_AMOUNT_STR_MAX];
        market_amount_format(amt, bids[i].price.amount);
        int st = bids[i].state >= 1 && bids[i].state <= 4 ? (int)bids[i].state : 0;
        json_array_append_new(bj, json_pack("{sI sI ss ss+}", "id", (json_int_t)bids[i].id,
                                            "order_id", (json_int_t)bids[i].order_id, "state",
                                            state_names[st], "price", amt, bids[i].price.denom));
    }
    json_decref(s->bids);
    s->bids = bj;
    /* Capacity promised to open bids counts as used until they win or lose. */
    market_resources reserved = {0};
    for (size_t i = 0; !err && i < n_bids; i++) {
        const market_order *o = find_order(orders, n_orders, bids[i].order_id);
        if (bids[i].state == MARKET_BID_OPEN && o &&
            market_resources_add(&reserved, &reserved, &o->summary.total))
            err = ag_err_set(AG_ERR_OVERFLOW, "reserved capacity");
    }
    for (size_t i = 0; !err && i < n_orders; i++) {
        const market_order *o = &orders[i];
        bool already = false;
        for (size_t b = 0; b < n_bids; b++)
            already |= bids[b].order_id == o->id;
        if (already)
            continue;
        provider_bid_input in = {
            .offer = offer, .order = o, .reserved = reserved, .height = s->height};
        provider_bid_decision d;
        provider_bid_decide(&in, &d);
        /* The pricing command runs only for an order the floor price would
         * win a bid on: not once per pass for every order that cannot fit. */
        if (d.bid && s->o->cfg->pricing_command[0]) {
            if (quote(s, o, &in.quote)) {
                char key[24];
                snprintf(key, sizeof key, "%" PRIu64, o->id);
                ag_log_warn(LOG, "order %s: pricing: %s", key, ag_err_detail());
                json_object_set_new(s->decisions, key,
                                    json_sprintf("pricing: %s", ag_err_detail()));
                continue;
            }
            in.has_quote = true;
            provider_bid_decide(&in, &d);
        }
        char key[24];
        snprintf(key, sizeof key, "%" PRIu64, o->id);
        json_object_set_new(s->decisions, key, json_string(d.reason));
        if (!d.bid) {
            ag_log_debug(LOG, "order %" PRIu64 ": no bid: %s", o->id, d.reason);
            continue;
        }
        ag_log_info(LOG, "order %" PRIu64 ": %s", o->id, d.reason);
        market_msg_create_bid m = {.provider = s->addr,
                                   .order_id = o->id,
                                   .offer_id = offer->id,
                                   .price = d.price,
                                   .deposit = s->o->cfg->bid_deposit};
        ag_buf v;
        ag_buf_init(&v, 1 << 16);
        ag_err be = market_msg_create_bid_encode(&v, &m);
        if (!be)
            be = send_tx(s, MARKET_MSG_CREATE_BID_URL, &v);
        ag_buf_free(&v);
        if (be) {
            /* One refused bid (the window closed meanwhile, a race with
             * another bid) does not stop the others. */
            ag_log_warn(LOG, "order %" PRIu64 ": bid failed: %s", o->id, ag_err_detail());
            continue;
        }
        s->bids_sent++;
        market_resources_add(&reserved, &reserved, &o->summary.total);
    }
    provider_orders_free(orders, n_orders);
    free(bids);
    return err;
}

/* Reconcile the active leases; then, when `withdraw`, withdraw what is due
 * and list the leases into leases_json. */
static ag_err lease_pass(pass_state *s, json_t *leases_json, bool withdraw)
{
    market_lease *leases = NULL;
    size_t n = 0;
    ag_err err = provider_chain_leases(s->o->cfg->rpc, s->bech, MARKET_LEASE_ACTIVE, &leases, &n);
    market_order *orders = err ? NULL : calloc(n ? n : 1, sizeof *orders);
    if (!err && !orders)
        err = ag_err_set(AG_ERR_NOMEM, "orders of leases");
    for (size_t i = 0; !err && i < n; i++)
        err = provider_chain_order(s->o->cfg->rpc, leases[i].order_id, &orders[i]);
    if (!err && s->o->reconcile) {
        json_t *report = NULL;
        ag_err re = s->o->reconcile(s->o->reconcile_user, s->bech, leases, orders, n, &report);
        json_decref(s->report);
        s->report = report;
        if (re)
            ag_log_warn(LOG, "reconcile: %s", ag_err_detail());
    }
    bool due = now_ms() - s->last_withdraw_ms >= s->o->cfg->withdraw_interval_s * 1000;
    bool any = false;
    for (size_t i = 0; withdraw && !err && i < n; i++) {
        const market_lease *l = &leases[i];
        char price[MARKET_AMOUNT_STR_MAX], escrow[MARKET_AMOUNT_STR_MAX];
        market_amount_format(price, l->price.amount);
        market_amount_format(escrow, l->escrow);
        uint64_t left = provider_lease_blocks_left(l, s->height);
        json_array_append_new(
            leases_json,
            json_pack("{sI sI ss+ ss+ sI sI}", "id", (json_int_t)l->id, "order_id",
                      (json_int_t)l->order_id, "price", price, l->price.denom, "escrow", escrow,
                      l->price.denom, "created_height", (json_int_t)l->created_height,
                      "blocks_left", left > INT64_MAX ? (json_int_t)-1 : (json_int_t)left));
        if (!provider_withdraw_due(l, s->height, due, s->o->cfg->withdraw_dry_blocks))
            continue;
        any = true;
        market_msg_ref m = {.signer = s->addr, .id = l->id};
        ag_buf v;
        ag_buf_init(&v, 1 << 12);
        ag_err we = market_msg_ref_encode(&v, &market_msg_withdraw_lease_type, &m);
        if (!we)
            we = send_tx(s, MARKET_MSG_WITHDRAW_LEASE_URL, &v);
        ag_buf_free(&v);
        if (we)
            ag_log_warn(LOG, "lease %" PRIu64 ": withdraw failed: %s", l->id, ag_err_detail());
        else
            s->withdrawals_sent++;
    }
    if (withdraw && (due || any))
        s->last_withdraw_ms = now_ms();
    provider_orders_free(orders, n);
    free(leases);
    return err;
}

/* Cluster capacity mode: read the nodes, and log when the figure moves.
 * The pass goes on with the last good figure if the read fails (a flaky
 * API server must not stop bidding); before the first good read there is
 * no figure, and the pass fails. */
static ag_err refresh_capacity(pass_state *s)
{
    market_resources cap = s->o->cfg->offer.capacity;
    if (s->o->capacity(s->o->capacity_user, s->o->cfg, &cap)) {
        ag_log_warn(LOG, "capacity from the cluster: %s", ag_err_detail());
        return s->capacity_known ? AG_OK : ag_err_set(AG_ERR_STATE, "no cluster capacity read yet");
    }
    const market_resources *old = &s->spec.capacity;
    if (!s->capacity_known || old->cpu_millis != cap.cpu_millis ||
        old->memory_bytes != cap.memory_bytes || old->storage_bytes != cap.storage_bytes)
        ag_log_info(LOG,
                    "cluster capacity: cpu_millis=%" PRIu64 " memory_bytes=%" PRIu64
                    " storage_bytes=%" PRIu64,
                    cap.cpu_millis, cap.memory_bytes, cap.storage_bytes);
    s->spec.capacity = cap;
    s->capacity_known = true;
    return AG_OK;
}

/* One level-triggered pass; the snapshot is published either way. */
static void run_pass(pass_state *s, provider_status *status)
{
    s->passes++;
    market_offer *offers = NULL;
    size_t n_offers = 0, idx = 0;
    json_t *leases = json_array();
    ag_err err = s->o->capacity ? refresh_capacity(s) : AG_OK;
    if (!err)
        err = provider_chain_height(s->o->cfg->rpc, &s->height);
    if (!err)
        err = ensure_offer(s, &offers, &n_offers, &idx);
    uint64_t txs = s->bids_sent + s->withdrawals_sent;
    if (!err)
        err = lease_pass(s, leases, true); /* leases first: a lease commit waits for no bid */
    if (!err)
        err = bid_pass(s, &offers[idx]);
    /* Each tx was awaited (a block or more): a lease committed meanwhile is
     * reconciled now rather than after the next feed read. */
    if (!err && s->bids_sent + s->withdrawals_sent != txs)
        err = lease_pass(s, NULL, false);
    if (err) {
        snprintf(s->last_error, sizeof s->last_error, "%s", ag_err_detail());
        ag_log_warn(LOG, "pass: %s (retrying)", s->last_error);
    } else {
        s->last_error[0] = 0;
    }
    json_t *snap = json_pack(
        "{ss sI sI sI sI ss sO sO* sO* so}", "provider", s->bech, "height", (json_int_t)s->height,
        "passes", (json_int_t)s->passes, "bids_sent", (json_int_t)s->bids_sent, "withdrawals_sent",
        (json_int_t)s->withdrawals_sent, "last_error", s->last_error, "decisions", s->decisions,
        "objects", s->report, "bids", s->bids, "leases", leases);
    if (snap && !err && n_offers) {
        const market_offer *f = &offers[idx];
        json_object_set_new(snap, "offer",
                            json_pack("{sI ss s{sI sI sI sI sI} s{sI sI sI sI sI}}", "id",
                                      (json_int_t)f->id, "host_uri", f->spec.host_uri, "capacity",
                                      "cpu_millis", (json_int_t)f->spec.capacity.cpu_millis,
                                      "memory_bytes", (json_int_t)f->spec.capacity.memory_bytes,
                                      "storage_bytes", (json_int_t)f->spec.capacity.storage_bytes,
                                      "gpus", (json_int_t)f->spec.capacity.gpus, "endpoints",
                                      (json_int_t)f->spec.capacity.endpoints, "leased",
                                      "cpu_millis", (json_int_t)f->leased.cpu_millis,
                                      "memory_bytes", (json_int_t)f->leased.memory_bytes,
                                      "storage_bytes", (json_int_t)f->leased.storage_bytes, "gpus",
                                      (json_int_t)f->leased.gpus, "endpoints",
                                      (json_int_t)f->leased.endpoints));
    }
    if (status && snap)
        provider_status_set(status, snap);
    else
        json_decref(snap);
    free(offers);
}

/* Events after which the chain has something for this provider to do. */
static bool wakes(const feed_event *ev)
{
    const char *t = ev->type;
    return !strcmp(t, MARKET_EV_ORDER_CREATED) || !strncmp(t, "bid_", 4) ||
           !strncmp(t, "lease_", 6) || !strcmp(t, MARKET_EV_OFFER_UPDATED);
}

ag_err provider_daemon_run(const provider_daemon_opts *o, volatile sig_atomic_t *stop)
{
    const provider_config *cfg = o->cfg;
    pass_state s = {.o = o, .decisions = json_object(), .spec = cfg->offer};
    /* The keyring options as `agora` takes them, so cli_ctx_init reads
     * them exactly as the CLI does. */
    const char *argv[9] = {"agora-provider", "--home", cfg->home, "--keyring-backend",
                           cfg->backend,     "--node", cfg->rpc};
    int argc = 7;
    if (cfg->passphrase_file[0]) {
        argv[argc++] = "--passphrase-file";
        argv[argc++] = cfg->passphrase_file;
    }
    cli_args a;
    ag_err err = cli_args_parse(&a, argc, argv);
    if (!err)
        err = cli_ctx_init(&s.ctx, &a);
    s.ctx.json = true;
    if (!err)
        err = cli_resolve_address(&s.ctx, cfg->key_name, &s.addr, s.bech, sizeof s.bech);
    provider_status *status = NULL;
    if (!err && cfg->status_listen[0])
        err = provider_status_start(&status, cfg->status_listen);
    if (err) {
        json_decref(s.decisions);
        return err;
    }
    ag_log_info(LOG, "provider %s, node %s, status on %s", s.bech, cfg->rpc, cfg->status_listen);
    feed_client *feed = NULL;
    uint64_t next_pass = 0, next_dial = 0;
    bool wake = true;
    while (!*stop) {
        uint64_t t = now_ms();
        if (cfg->feed_pub[0] && !feed && t >= next_dial) {
            if (feed_client_open(&feed, cfg->feed_pub, cfg->feed_rep, 0)) {
                ag_log_warn(LOG, "feed: %s (polling meanwhile)", ag_err_detail());
                feed = NULL;
                next_dial = t + 2000;
            } else {
                ag_log_info(LOG, "feed: following %s", cfg->feed_pub);
                wake = true; /* catch up by querying: events before the dial are not seen */
            }
        }
        if (wake || t >= next_pass) {
            wake = false;
            run_pass(&s, status);
            next_pass = now_ms() + cfg->poll_ms;
            continue;
        }
        uint64_t wait = next_pass - t;
        if (wait > 200)
            wait = 200; /* the stop flag is looked at this often */
        if (!feed) {
            struct timespec ts = {0, (long)wait * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        const feed_event *ev;
        ag_err fe = feed_client_next(feed, &ev, (int)wait);
        if (fe == AG_OK) {
            if (wakes(ev))
                wake = true;
        } else if (fe != AG_ERR_TIMEOUT) {
            ag_log_warn(LOG, "feed: %s (redialling; a pass catches up)", ag_err_detail());
            feed_client_close(feed);
            feed = NULL;
            wake = true;
        }
    }
    if (feed)
        feed_client_close(feed);
    provider_status_stop(status);
    json_decref(s.decisions);
    json_decref(s.report);
    json_decref(s.bids);
    return AG_OK;
}
