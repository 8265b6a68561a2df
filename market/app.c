/* app.c — the market application's ABCI methods and tx pipeline. */
#include "market/app.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/bank.h"
#include "market/internal.h"
#include "market/keys.h"
#include "market/market_module.h"

#define NOMEM(what) ag_err_set(AG_ERR_NOMEM, "market: no memory for %s", what)

/* ---- state loading ---- */

static uint64_t version_of(const market_app *app)
{
    return state_store_version(app->store);
}

int64_t market_app_height(const market_app *app)
{
    uint64_t v = version_of(app);
    return v ? (int64_t)(v - 1) : 0;
}

void market_app_hash(const market_app *app, crypto_hash *out)
{
    state_store_root(app->store, out);
}

const market_app_stats *market_app_stats_get(const market_app *app)
{
    return &app->stats;
}

state_store *market_app_store(market_app *app)
{
    return app->store;
}

static ag_err load_meta(market_app *app)
{
    if (!version_of(app))
        return AG_OK;
    ag_buf v;
    ag_buf_init(&v, 4096);
    const uint8_t kc[1] = {MARKET_KEY_CHAIN_ID}, kp[1] = {MARKET_KEY_PARAMS};
    ag_err err = state_store_get(app->store, kc, 1, &v);
    if (!err && (v.len == 0 || v.len > MARKET_CHAIN_ID_MAX))
        err = ag_err_set(AG_ERR_CORRUPT, "market: stored chain id of %zu bytes", v.len);
    if (!err) {
        memcpy(app->chain_id, v.data, v.len);
        app->chain_id[v.len] = '\0';
        ag_buf_reset(&v);
        err = state_store_get(app->store, kp, 1, &v);
    }
    if (!err)
        err = market_auth_params_decode(&app->params, v.data, v.len);
    if (err == AG_ERR_NOT_FOUND)
        err = ag_err_set(AG_ERR_CORRUPT,
                         "market: store at version %" PRIu64 " has no chain id or params",
                         version_of(app));
    ag_buf_free(&v);
    if (!err)
        app->genesis_done = true;
    return err;
}

static const market_module *const builtin[] = {&market_auth_module, &market_bank_module,
                                               &market_market_module};

ag_err market_app_new(market_app **out, state_store *store, const market_app_opts *opts)
{
    *out = NULL;
    market_app_opts o = opts ? *opts : (market_app_opts){0};
    size_t nb = sizeof builtin / sizeof builtin[0];
    if (o.n_modules > MARKET_MAX_MODULES - nb)
        return ag_err_set(AG_ERR_INVALID_ARG, "market: %zu modules (at most %zu)", o.n_modules,
                          MARKET_MAX_MODULES - nb);
    market_app *app = calloc(1, sizeof *app);
    if (app)
        app->sigcache = calloc(1, sizeof *app->sigcache);
    if (!app || !app->sigcache) {
        if (app)
            free(app->sigcache);
        free(app);
        return NOMEM("the application");
    }
    pthread_mutex_init(&app->sigcache->mu, NULL);
    app->store = store;
    app->opts = o;
    for (size_t i = 0; i < nb; i++)
        app->modules[app->n_modules++] = builtin[i];
    for (size_t i = 0; i < o.n_modules; i++)
        app->modules[app->n_modules++] = o.modules[i];
    market_auth_params_default(&app->params);
    market_kv_init(&app->check_kv, NULL, store);
    market_events_init(&app->events);
    ag_err err = load_meta(app);
    if (err) {
        app->store = NULL;
        market_app_free(app);
        return err;
    }
    market_sigcache_set_chain_id(app->sigcache, app->chain_id);
    *out = app;
    return AG_OK;
}

ag_err market_app_open(market_app **out, const char *dir, const market_app_opts *opts)
{
    state_store *s;
    state_store_options so = {.keep_versions = 100000};
    ag_err err = state_store_open_path(&s, dir, &so);
    if (err)
        return err;
    err = market_app_new(out, s, opts);
    if (err) {
        state_store_close(s);
        return err;
    }
    (*out)->own_store = true;
    return AG_OK;
}

void market_app_free(market_app *app)
{
    if (!app)
        return;
    market_kv_free(&app->check_kv);
    market_events_free(&app->events);
    if (app->own_store && app->store)
        state_store_close(app->store);
    pthread_mutex_destroy(&app->sigcache->mu);
    free(app->sigcache);
    free(app);
}

/* ---- one tx ---- */

static const market_msg_route *find_route(market_app *app, const char *url,
                                          const market_module **mod)
{
    for (size_t m = 0; m < app->n_modules; m++)
        for (size_t i = 0; i < app->modules[m]->n_msgs; i++)
            if (strcmp(app->modules[m]->msgs[i].type_url, url) == 0) {
                *mod = app->modules[m];
                return &app->modules[m]->msgs[i];
            }
    return NULL;
}

static uint32_t decode_code(ag_err err, size_t len)
{
    if (len > MARKET_TX_MAX_BYTES || (err == AG_ERR_TOO_LARGE && len > MARKET_TX_MAX_BYTES / 2))
        return MARKET_CODE_TX_TOO_LARGE;
    if (err == AG_ERR_UNSUPPORTED)
        return MARKET_CODE_UNKNOWN_REQUEST;
    if (err == AG_ERR_VERIFY)
        return MARKET_CODE_UNAUTHORIZED;
    if (err == AG_ERR_PREFIX || err == AG_ERR_CHECKSUM || err == AG_ERR_MIXED_CASE)
        return MARKET_CODE_INVALID_ADDRESS;
    if (err == AG_ERR_OVERFLOW)
        return MARKET_CODE_INVALID_COINS;
    return MARKET_CODE_TX_DECODE;
}

/* The code of a failed step: its market_ctx_fail code, out of gas, or derived. */
static uint32_t code_of(const market_ctx *ctx, ag_err err)
{
    if (ctx->gas->out)
        return MARKET_CODE_OUT_OF_GAS;
    if (ctx->code)
        return ctx->code;
    switch (err) {
    case AG_ERR_NOT_FOUND:
        return MARKET_CODE_NOT_FOUND;
    case AG_ERR_OVERFLOW:
        return MARKET_CODE_INVALID_COINS;
    default:
        return MARKET_CODE_INVALID_REQUEST;
    }
}

static void set_log(market_tx_outcome *out, const char *prefix)
{
    snprintf(out->log, sizeof out->log, "%s%s", prefix, ag_err_detail());
}

ag_err market_run_tx(market_app *app, market_kv *base, market_mode mode, int64_t height,
                     int64_t time_unix, const uint8_t *bytes, size_t len, const market_tx *decoded,
                     const market_presig *pre, market_tx_outcome *out)
{
    memset(out, 0, sizeof *out);
    market_tx *own = NULL;
    const market_tx *tx = decoded;
    if (!tx) {
        ag_err err = len > MARKET_TX_MAX_BYTES
                         ? ag_err_set(AG_ERR_TOO_LARGE, "tx of %zu bytes, at most %zu", len,
                                      MARKET_TX_MAX_BYTES)
                         : market_tx_decode(&own, bytes, len);
        if (err) {
            out->code = decode_code(err, len);
            set_log(out, "tx parse error: ");
            return AG_OK;
        }
        tx = own;
    }
    market_gas_meter gas;
    /* Simulate measures: no limit (CosmJS simulates with gas limit 0). */
    market_gas_init(&gas, mode == MARKET_MODE_SIMULATE ? UINT64_MAX : market_tx_fee(tx)->gas_limit);
    out->gas_wanted = market_tx_fee(tx)->gas_limit;
    market_kv ante_kv, msg_kv;
    market_kv_init(&ante_kv, base, base->store);
    market_kv_init(&msg_kv, base, base->store);
    market_ctx ctx = {.app = app,
                      .kv = &ante_kv,
                      .gas = &gas,
                      .events = &app->events,
                      .params = &app->params,
                      .chain_id = app->chain_id,
                      .height = height,
                      .time_unix = time_unix,
                      .mode = mode};
    market_events_mark start = market_events_mark_get(&app->events);
    ag_err err = market_ante(&ctx, tx, len, pre);
    if (err) {
        if (market_err_fatal(err) && !gas.out)
            goto done;
        out->code = code_of(&ctx, err);
        set_log(out, "");
        market_events_truncate(&app->events, start);
        err = AG_OK;
        goto done;
    }
    if ((err = market_kv_flush(&ante_kv)) != AG_OK)
        goto done;
    if (mode == MARKET_MODE_CHECK || mode == MARKET_MODE_RECHECK)
        goto done;
    market_events_mark after_ante = market_events_mark_get(&app->events);
    ctx.kv = &msg_kv;
    for (size_t i = 0; i < market_tx_msg_count(tx); i++) {
        const market_msg *m = market_tx_msg(tx, i);
        const market_module *mod = NULL;
        const market_msg_route *r = find_route(app, m->type->type_url, &mod);
        ctx.msg_index = i;
        if (!r) {
            err = market_ctx_fail(&ctx, MARKET_CODE_UNKNOWN_REQUEST,
                                  "no handler for message type %s", m->type->type_url);
        } else {
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            const char *kv[] = {"action", m->type->type_url, "msg_index", idx};
            err = market_event_add(&app->events, "message", 2, kv);
            if (!err)
                err = r->handle(&ctx, m);
        }
        if (err) {
            if (market_err_fatal(err) && !gas.out)
                goto done;
            out->code = code_of(&ctx, err);
            char detail[AG_ERR_DETAIL_MAX];
            snprintf(detail, sizeof detail, "%s", ag_err_detail());
            snprintf(out->log, sizeof out->log, "failed to execute message; message index: %zu: %s",
                     i, detail);
            market_kv_clear(&msg_kv);
            market_events_truncate(&app->events, after_ante);
            err = AG_OK;
            goto done;
        }
    }
    err = market_kv_flush(&msg_kv);
done:
    out->gas_used = gas.used;
    market_kv_free(&ante_kv);
    market_kv_free(&msg_kv);
    market_tx_free(own);
    return err;
}

/* ---- ABCI ---- */

static ProtobufCBinaryData arena_bytes(abci_arena *a, const void *p, size_t n, bool *ok)
{
    ProtobufCBinaryData b = {0, NULL};
    if (!n)
        return b;
    b.data = abci_arena_dup(a, p, n);
    if (!b.data)
        *ok = false;
    b.len = n;
    return b;
}

static ag_err app_info(void *c, abci_arena *a, const abci_req_info *req, abci_resp_info *resp)
{
    market_app *app = c;
    resp->data = abci_str("agora-market");
    resp->version = abci_str("0.1.0");
    resp->app_version = 1;
    resp->last_block_height = market_app_height(app);
    bool ok = true;
    if (version_of(app)) {
        crypto_hash h;
        market_app_hash(app, &h);
        resp->last_block_app_hash = arena_bytes(a, h.b, sizeof h.b, &ok);
    }
    return ok ? AG_OK : NOMEM("Info");
}

static ag_err app_init_chain(void *c, abci_arena *a, const abci_req_init_chain *req,
                             abci_resp_init_chain *resp)
{
    market_app *app = c;
    const char *chain_id = req->chain_id ? req->chain_id : "";
    size_t cl = strlen(chain_id);
    if (cl == 0 || cl > MARKET_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "InitChain: chain id of %zu bytes (1..%d)", cl,
                          MARKET_CHAIN_ID_MAX);
    int64_t initial = req->initial_height > 0 ? req->initial_height : 1;
    bool ok = true;
    crypto_hash h;
    if (version_of(app)) {
        /* Called again after a crash before the first block: the genesis
         * state is there; answer its hash if it is the same chain. */
        if (version_of(app) != (uint64_t)initial || strcmp(app->chain_id, chain_id) != 0)
            return ag_err_set(AG_ERR_STATE,
                              "InitChain: store already at height %" PRId64 " of chain %s",
                              market_app_height(app), app->chain_id);
        market_app_hash(app, &h);
        resp->app_hash = arena_bytes(a, h.b, sizeof h.b, &ok);
        return ok ? AG_OK : NOMEM("InitChain");
    }
    ag_err err = state_store_set_initial_version(app->store, (uint64_t)initial);
    if (err)
        return err;
    memcpy(app->chain_id, chain_id, cl + 1);
    market_kv kv;
    market_kv_init(&kv, NULL, app->store);
    market_gas_meter gas;
    market_gas_init(&gas, UINT64_MAX);
    market_events_reset(&app->events);
    market_ctx ctx = {.app = app,
                      .kv = &kv,
                      .gas = &gas,
                      .events = &app->events,
                      .params = &app->params,
                      .chain_id = app->chain_id,
                      .height = initial - 1,
                      .mode = MARKET_MODE_GENESIS};
    err = market_genesis_import(app, &ctx, req->app_state_bytes.data, req->app_state_bytes.len);
    if (!err)
        err = market_kv_flush(&kv);
    market_kv_free(&kv);
    market_events_reset(&app->events);
    if (!err)
        err = state_store_commit(app->store, NULL, &h);
    if (err) {
        state_store_discard(app->store);
        app->chain_id[0] = '\0';
        market_auth_params_default(&app->params);
        return err;
    }
    app->genesis_done = true;
    market_sigcache_set_chain_id(app->sigcache, app->chain_id);
    resp->app_hash = arena_bytes(a, h.b, sizeof h.b, &ok);
    /* validators: none returned, so CometBFT keeps the genesis validators */
    return ok ? AG_OK : NOMEM("InitChain");
}

static ag_err fill_check(abci_arena *a, const market_tx_outcome *o, abci_resp_check_tx *resp)
{
    resp->code = o->code;
    resp->gas_wanted = (int64_t)(o->gas_wanted > INT64_MAX ? INT64_MAX : o->gas_wanted);
    resp->gas_used = (int64_t)(o->gas_used > INT64_MAX ? INT64_MAX : o->gas_used);
    resp->log = abci_arena_strndup(a, o->log, strlen(o->log));
    resp->codespace = abci_str(o->code ? MARKET_CODESPACE : "");
    return resp->log ? AG_OK : NOMEM("CheckTx");
}

static ag_err app_check_tx(void *c, abci_arena *a, const abci_req_check_tx *req,
                           abci_resp_check_tx *resp)
{
    market_app *app = c;
    if (!app->genesis_done)
        return ag_err_set(AG_ERR_STATE, "CheckTx before InitChain");
    market_mode mode = req->type == TENDERMINT__ABCI__CHECK_TX_TYPE__RECHECK ? MARKET_MODE_RECHECK
                                                                             : MARKET_MODE_CHECK;
    market_tx_outcome o;
    market_events_reset(&app->events);
    ag_err err = market_run_tx(app, &app->check_kv, mode, market_app_height(app) + 1, 0,
                               req->tx.data, req->tx.len, NULL, NULL, &o);
    market_events_reset(&app->events);
    if (err)
        return err;
    return fill_check(a, &o, resp);
}

static ag_err app_commit(void *c, abci_arena *a, const abci_req_commit *req, abci_resp_commit *resp)
{
    market_app *app = c;
    if (!app->finalized)
        return ag_err_set(AG_ERR_STATE, "Commit without FinalizeBlock (height %" PRId64 ")",
                          market_app_height(app));
    ag_err err = state_store_finish_commit(app->store);
    if (err)
        return err; /* the block stays prepared; the node stops on this error */
    app->finalized = false;
    market_kv_clear(&app->check_kv); /* the mempool is rechecked against the new state */
    resp->retain_height = 0;
    return AG_OK;
}

static ag_err app_list_snapshots(void *c, abci_arena *a, const abci_req_list_snapshots *req,
                                 abci_resp_list_snapshots *resp)
{
    return AG_OK; /* state sync is not offered yet */
}

static ag_err app_offer_snapshot(void *c, abci_arena *a, const abci_req_offer_snapshot *req,
                                 abci_resp_offer_snapshot *resp)
{
    resp->result = TENDERMINT__ABCI__RESPONSE_OFFER_SNAPSHOT__RESULT__REJECT;
    return AG_OK;
}

static ag_err app_load_snapshot_chunk(void *c, abci_arena *a,
                                      const abci_req_load_snapshot_chunk *req,
                                      abci_resp_load_snapshot_chunk *resp)
{
    return AG_OK;
}

static ag_err app_apply_snapshot_chunk(void *c, abci_arena *a,
                                       const abci_req_apply_snapshot_chunk *req,
                                       abci_resp_apply_snapshot_chunk *resp)
{
    resp->result = TENDERMINT__ABCI__RESPONSE_APPLY_SNAPSHOT_CHUNK__RESULT__ABORT;
    return AG_OK;
}

static ag_err app_prepare_proposal(void *c, abci_arena *a, const abci_req_prepare_proposal *req,
                                   abci_resp_prepare_proposal *resp)
{
    market_app *app = c;
    resp->txs = abci_arena_alloc(a, (req->n_txs ? req->n_txs : 1) * sizeof *resp->txs);
    if (!resp->txs)
        return NOMEM("PrepareProposal");
    /* Keep, in order, the txs whose ante still passes on the state the block
     * will start from, within max_tx_bytes. */
    market_kv scratch;
    market_kv_init(&scratch, NULL, app->store);
    int64_t max = req->max_tx_bytes > 0 ? req->max_tx_bytes : INT64_MAX;
    int64_t total = 0;
    ag_err err = AG_OK;
    for (size_t i = 0; i < req->n_txs; i++) {
        const ProtobufCBinaryData *t = &req->txs[i];
        if ((int64_t)t->len > max - total)
            continue;
        market_tx_outcome o;
        market_events_reset(&app->events);
        err = market_run_tx(app, &scratch, MARKET_MODE_RECHECK, req->height, 0, t->data, t->len,
                            NULL, NULL, &o);
        if (err)
            break;
        if (o.code)
            continue;
        resp->txs[resp->n_txs++] = t[0]; /* points into req: allowed */
        total += (int64_t)t->len;
    }
    market_events_reset(&app->events);
    market_kv_free(&scratch);
    return err;
}

static ag_err app_process_proposal(void *c, abci_arena *a, const abci_req_process_proposal *req,
                                   abci_resp_process_proposal *resp)
{
    resp->status = TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__ACCEPT;
    for (size_t i = 0; i < req->n_txs; i++) {
        market_tx *tx;
        if (req->txs[i].len > MARKET_TX_MAX_BYTES ||
            market_tx_decode(&tx, req->txs[i].data, req->txs[i].len) != AG_OK) {
            resp->status = TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__REJECT;
            return AG_OK;
        }
        market_tx_free(tx);
    }
    return AG_OK;
}

static ag_err app_extend_vote(void *c, abci_arena *a, const abci_req_extend_vote *req,
                              abci_resp_extend_vote *resp)
{
    return AG_OK; /* no vote extensions */
}

static ag_err app_verify_vote_extension(void *c, abci_arena *a,
                                        const abci_req_verify_vote_extension *req,
                                        abci_resp_verify_vote_extension *resp)
{
    resp->status = req->vote_extension.len == 0
                       ? TENDERMINT__ABCI__RESPONSE_VERIFY_VOTE_EXTENSION__VERIFY_STATUS__ACCEPT
                       : TENDERMINT__ABCI__RESPONSE_VERIFY_VOTE_EXTENSION__VERIFY_STATUS__REJECT;
    return AG_OK;
}

static ag_err run_hooks(market_app *app, market_ctx *ctx, bool begin)
{
    for (size_t m = 0; m < app->n_modules; m++) {
        ag_err (*hook)(market_ctx *) =
            begin ? app->modules[m]->begin_block : app->modules[m]->end_block;
        if (!hook)
            continue;
        ag_err err = hook(ctx);
        if (err) {
            char detail[AG_ERR_DETAIL_MAX];
            snprintf(detail, sizeof detail, "%s", ag_err_detail());
            return ag_err_set(err, "%s %s: %s", app->modules[m]->name,
                              begin ? "begin_block" : "end_block", detail);
        }
    }
    return AG_OK;
}

static ag_err app_finalize_block(void *c, abci_arena *a, const abci_req_finalize_block *req,
                                 abci_resp_finalize_block *resp)
{
    market_app *app = c;
    if (!app->genesis_done)
        return ag_err_set(AG_ERR_STATE, "FinalizeBlock before InitChain");
    if (app->finalized) {
        /* The consensus engine restarted after our FinalizeBlock but before
         * Commit (an out-of-process app outlives it): drop the prepared,
         * unwritten version and execute the block again. */
        state_store_discard(app->store);
        app->finalized = false;
    }
    if (req->height != market_app_height(app) + 1)
        return ag_err_set(AG_ERR_STATE, "FinalizeBlock at height %" PRId64 ", expected %" PRId64,
                          req->height, market_app_height(app) + 1);
    size_t n = req->n_txs;
    resp->tx_results = abci_arena_alloc(a, (n ? n : 1) * sizeof *resp->tx_results);
    market_tx **txs = calloc(n ? n : 1, sizeof *txs);
    market_presig **pre = calloc(n ? n : 1, sizeof *pre);
    market_presig *pre_all = calloc(n ? n * MARKET_TX_MAX_SIGNERS : 1, sizeof *pre_all);
    if (!resp->tx_results || !txs || !pre || !pre_all) {
        free(txs);
        free(pre);
        free(pre_all);
        return NOMEM("FinalizeBlock");
    }
    for (size_t i = 0; i < n; i++) {
        pre[i] = pre_all + i * MARKET_TX_MAX_SIGNERS;
        if (req->txs[i].len <= MARKET_TX_MAX_BYTES &&
            market_tx_decode(&txs[i], req->txs[i].data, req->txs[i].len) != AG_OK)
            txs[i] = NULL;
    }
    market_kv block;
    market_kv_init(&block, NULL, app->store);
    market_gas_meter gas;
    market_gas_init(&gas, UINT64_MAX);
    market_events_reset(&app->events);
    int64_t time_unix = req->time ? req->time->seconds : 0;
    market_ctx bctx = {.app = app,
                       .kv = &block,
                       .gas = &gas,
                       .events = &app->events,
                       .params = &app->params,
                       .chain_id = app->chain_id,
                       .height = req->height,
                       .time_unix = time_unix,
                       .mode = MARKET_MODE_DELIVER};
    ag_err err = market_presig_run(app, &block, txs, n, pre);
    if (!err)
        err = run_hooks(app, &bctx, true);
    size_t ev_block = app->events.n_ev;
    Tendermint__Abci__Event **begin_ev = NULL;
    size_t n_begin = 0;
    if (!err)
        err = market_events_to_abci(&app->events, 0, a, &begin_ev, &n_begin);
    for (size_t i = 0; !err && i < n; i++) {
        market_events_reset(&app->events);
        market_tx_outcome o;
        err = market_run_tx(app, &block, MARKET_MODE_DELIVER, req->height, time_unix,
                            req->txs[i].data, req->txs[i].len, txs[i], txs[i] ? pre[i] : NULL, &o);
        if (err)
            break;
        Tendermint__Abci__ExecTxResult *r = abci_arena_alloc(a, sizeof *r);
        if (!r) {
            err = NOMEM("FinalizeBlock");
            break;
        }
        tendermint__abci__exec_tx_result__init(r);
        r->code = o.code;
        r->log = abci_arena_strndup(a, o.log, strlen(o.log));
        r->codespace = abci_str(o.code ? MARKET_CODESPACE : "");
        r->gas_wanted = (int64_t)(o.gas_wanted > INT64_MAX ? INT64_MAX : o.gas_wanted);
        r->gas_used = (int64_t)(o.gas_used > INT64_MAX ? INT64_MAX : o.gas_used);
        if (!r->log) {
            err = NOMEM("FinalizeBlock");
            break;
        }
        err = market_events_to_abci(&app->events, 0, a, &r->events, &r->n_events);
        resp->tx_results[resp->n_tx_results++] = r;
    }
    (void)ev_block;
    Tendermint__Abci__Event **end_ev = NULL;
    size_t n_end = 0;
    if (!err) {
        market_events_reset(&app->events);
        err = run_hooks(app, &bctx, false);
    }
    if (!err)
        err = market_events_to_abci(&app->events, 0, a, &end_ev, &n_end);
    if (!err && n_begin + n_end) {
        resp->events = abci_arena_alloc(a, (n_begin + n_end) * sizeof *resp->events);
        if (!resp->events)
            err = NOMEM("FinalizeBlock");
        else {
            for (size_t i = 0; i < n_begin; i++)
                resp->events[resp->n_events++] = begin_ev[i];
            for (size_t i = 0; i < n_end; i++)
                resp->events[resp->n_events++] = end_ev[i];
        }
    }
    for (size_t i = 0; i < n; i++)
        market_tx_free(txs[i]);
    free(txs);
    free(pre);
    free(pre_all);
    market_events_reset(&app->events);
    if (!err)
        err = market_kv_flush(&block);
    market_kv_free(&block);
    /* The app hash of this block is the root of the next store version,
     * computed now but written only in Commit: a crash before Commit leaves
     * the store at the previous height, and the engine's handshake executes
     * the block again. */
    crypto_hash h;
    if (!err)
        err = state_store_prepare_commit(app->store, NULL, &h);
    if (err) {
        state_store_discard(app->store);
        return err;
    }
    app->finalized = true;
    bool ok = true;
    resp->app_hash = arena_bytes(a, h.b, sizeof h.b, &ok);
    return ok ? AG_OK : NOMEM("FinalizeBlock");
}

static ag_err app_query(void *c, abci_arena *a, const abci_req_query *req, abci_resp_query *resp)
{
    return market_app_query(c, a, req, resp);
}

static const abci_app_ops market_ops = {
#define MARKET_OP_(m, M, C) .m = app_##m,
    ABCI_APP_METHODS(MARKET_OP_)
#undef MARKET_OP_
};

abci_app market_app_abci(market_app *app)
{
    return (abci_app){&market_ops, app};
}

ag_err market_app_check_invariants(market_app *app)
{
    for (size_t m = 0; m < app->n_modules; m++) {
        if (!app->modules[m]->invariant)
            continue;
        market_kv kv;
        market_gas_meter gas;
        market_ctx ctx;
        market_query_ctx(app, &kv, &gas, &ctx, 0, market_app_height(app));
        ag_err err = app->modules[m]->invariant(&ctx);
        market_kv_free(&kv);
        if (err)
            return err;
    }
    return AG_OK;
}
