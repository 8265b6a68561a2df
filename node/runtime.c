/* runtime.c — the pieces of a running node and their order of opening and closing. */
#include "node/runtime.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consensus/engine.h"
#include "feed/server.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "node/app.h"
#include "node/feed_source.h"
#include "node/host.h"
#include "node/metrics_server.h"
#include "node/node_key.h"
#include "node/rpc_backend.h"
#include "p2p/addrbook.h"
#include "p2p/config.h"
#include "p2p/gossip.h"
#include "p2p/pex.h"
#include "p2p/switch.h"
#include "rpc/server.h"

#define LOG "node"

struct node_runtime {
    node_home home;
    genesis_doc genesis;
    state_kv *block_kv, *state_kv;
    cons_block_store *blocks;
    cons_state_store *states;
    cons_wal *wal;
    cons_privval *signer;
    node_app *app;
    node_host *host;
    cons_engine *engine;
    node_key key;       /* the P2P identity, borrowed by the switch; wiped at close */
    p2p_switch *sw;     /* NULL once closed */
    p2p_gossip *gossip; /* the reactors between the switch and the engine */
    p2p_addrbook *book; /* [p2p] pex only */
    p2p_pex *pex;
    bool sw_closed;
    char book_file[NODE_PATH_MAX + 32];
    ag_err failure;          /* what stopped the loop, AG_OK for a signal */
    uint64_t last_commit_ns; /* monotonic time of the previous commit, for the log */
    bool idle_scheduled;
    char node_id[NODE_ID_LEN + 1]; /* the P2P identity */
    int kill_point;                /* AGORA_TEST_KILL_AT: 0 off */
    int64_t kill_height;
    node_rpc *rpc_be;   /* [rpc] laddr set only: the RPC server's backend */
    rpc_server *rpc;    /* started by node_runtime_start; NULL once freed */
    state_kv *index_kv; /* the RPC's tx/block indexer: data/tx_index.db */
    bool rpc_publish_warned;
    feed_server *feed;            /* [feed] pub_listen or rep_listen set; started by _start */
    node_feed_stores feed_stores; /* the feed's catch-up reads */
    pthread_mutex_t own_lock;     /* the node mutex when there is no RPC backend */
    bool own_lock_init;
    bool feed_publish_warned;
    node_metrics metrics;             /* always kept; served when [instrumentation] prometheus */
    node_metrics_server *metrics_srv; /* NULL: off */
    uint64_t block_saved_ns, response_saved_ns; /* commit-path timing (engine points) */
};

/* ---- the crash-test hook ---- */

/* AGORA_TEST_KILL_AT=<point>:<height> (point: cons_engine_point's number)
 * makes the process SIGKILL itself when the engine passes that point at or
 * above that height: a real process death at an exact step of the commit
 * path, for tests/integration/test_node_crash.sh. Unset in production. */
/* ---- the commit path's points: timing (metrics) and the crash-test hook ---- */

static void observe(node_runtime *n, node_histogram *h, uint64_t since_ns, uint64_t now_ns)
{
    if (!since_ns || now_ns < since_ns)
        return;
    pthread_mutex_lock(&n->metrics.mu);
    node_histogram_observe(h, (double)(now_ns - since_ns) / 1e9);
    pthread_mutex_unlock(&n->metrics.mu);
}

/* The engine passes these points in order on each commit: block saved,
 * FinalizeBlock done, response saved, app Commit done, ..., height ended. */
static void time_point(node_runtime *n, cons_engine_point point)
{
    uint64_t now = ag_env_mono_ns(ag_env_system());
    node_metrics_values *v = &n->metrics.v;
    switch (point) {
    case CONS_ENGINE_AT_BLOCK_SAVED:
        n->block_saved_ns = now;
        break;
    case CONS_ENGINE_AT_FINALIZED:
        observe(n, &v->finalize_block, n->block_saved_ns, now);
        break;
    case CONS_ENGINE_AT_RESPONSE_SAVED:
        n->response_saved_ns = now;
        break;
    case CONS_ENGINE_AT_APP_COMMITTED:
        observe(n, &v->commit, n->response_saved_ns, now);
        n->response_saved_ns = 0;
        break;
    case CONS_ENGINE_AT_HEIGHT_ENDED:
        observe(n, &v->commit_latency, n->block_saved_ns, now);
        n->block_saved_ns = 0;
        break;
    default:
        break;
    }
}

static bool point_hook(void *ctx, cons_engine_point point, int64_t height)
{
    node_runtime *n = ctx;
    time_point(n, point);
    if (n->kill_point && (int)point == n->kill_point && height >= n->kill_height) {
        ag_log_warn(LOG, "AGORA_TEST_KILL_AT: killing the process at point %d, height %" PRId64,
                    (int)point, height);
        raise(SIGKILL);
    }
    return false;
}

static ag_err parse_kill_at(node_runtime *n)
{
    const char *v = getenv("AGORA_TEST_KILL_AT");
    if (!v || !*v)
        return AG_OK;
    int point, used = 0;
    long long height;
    if (sscanf(v, "%d:%lld%n", &point, &height, &used) != 2 || v[used] != '\0' ||
        point < CONS_ENGINE_AT_INPUT_LOGGED || point > CONS_ENGINE_AT_HEIGHT_ENDED || height < 1)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "AGORA_TEST_KILL_AT \"%s\": expected <point %d..%d>:<height>", v,
                          CONS_ENGINE_AT_INPUT_LOGGED, CONS_ENGINE_AT_HEIGHT_ENDED);
    n->kill_point = point;
    n->kill_height = height;
    ag_log_warn(LOG, "AGORA_TEST_KILL_AT=%s: this process will kill itself (a test hook)", v);
    return AG_OK;
}

/* ---- the engine's io ---- */

static void fail_now(node_runtime *n, ag_err err, const char *what)
{
    if (n->failure == AG_OK) {
        n->failure = err;
        ag_log_error(LOG, "%s: %s; stopping the node (a restart recovers)", what, ag_err_detail());
    }
    node_host_stop(n->host);
}

static void on_timer(void *ctx, uint64_t token)
{
    node_runtime *n = ctx;
    ag_err err = cons_engine_on_timer(n->engine, token);
    if (err != AG_OK && cons_engine_failed(n->engine) != AG_OK)
        fail_now(n, err, "consensus");
}

static void schedule_timer(void *ctx, uint32_t ms, uint64_t token)
{
    node_runtime *n = ctx;
    ag_err err = node_host_timer(n->host, ms, on_timer, n, token);
    if (err)
        fail_now(n, err, "timer");
}

/* Mempool rechecks after a block run in batches between other events. */
static void on_idle(void *ctx, uint64_t token)
{
    (void)token;
    node_runtime *n = ctx;
    bool more = false;
    n->idle_scheduled = false;
    ag_err err = cons_engine_idle(n->engine, &more);
    if (err != AG_OK && cons_engine_failed(n->engine) != AG_OK) {
        fail_now(n, err, "mempool");
        return;
    }
    if (more && node_host_timer(n->host, 0, on_idle, n, 0) == AG_OK)
        n->idle_scheduled = true;
}

/* Per block: the gauges and the block histograms (interval < 0: the first
 * block of this process, no interval). */
static void update_metrics(node_runtime *n, const cons_engine_committed *c, double interval)
{
    cons_mempool *mp = cons_engine_mempool(n->engine);
    size_t peers = n->sw ? p2p_switch_n_outbound(n->sw) + p2p_switch_n_inbound(n->sw) : 0;
    feed_stats fs = {0};
    if (n->feed)
        feed_server_stats(n->feed, &fs);
    pthread_mutex_lock(&n->metrics.mu);
    node_metrics_values *v = &n->metrics.v;
    v->height = c->height;
    v->round = c->commit->round;
    v->num_txs = c->block->n_txs;
    v->total_txs += c->block->n_txs;
    node_histogram_observe(&v->block_txs, (double)c->block->n_txs);
    if (interval >= 0)
        node_histogram_observe(&v->block_interval, interval);
    v->mempool_size = mp ? cons_mempool_size(mp) : 0;
    v->mempool_bytes = mp ? cons_mempool_bytes(mp) : 0;
    v->peers = peers;
    v->feed_sent = fs.sent_msgs;
    v->feed_dropped = fs.dropped_msgs;
    v->feed_requests = fs.requests;
    pthread_mutex_unlock(&n->metrics.mu);
}

static void on_committed(void *ctx, const cons_engine_committed *c)
{
    node_runtime *n = ctx;
    uint64_t now = ag_env_mono_ns(ag_env_system());
    uint64_t ms_prev = n->last_commit_ns;
    uint64_t ms = n->last_commit_ns ? (now - n->last_commit_ns) / 1000000u : 0;
    n->last_commit_ns = now;
    char app_hash[2 * CONS_APP_HASH_MAX + 2] = "-";
    if (c->state->app_hash.len)
        ag_hex_encode(app_hash, c->state->app_hash.b, c->state->app_hash.len, true);
    ag_log_info(LOG,
                "committed height=%" PRId64 " txs=%zu app_hash=%s round=%" PRId32 " ms=%" PRIu64,
                c->height, c->block->n_txs, app_hash, c->commit->round, ms);
    if (!n->idle_scheduled && node_host_timer(n->host, 0, on_idle, n, 0) == AG_OK)
        n->idle_scheduled = true;
    update_metrics(n, c, ms_prev ? (double)(now - ms_prev) / 1e9 : -1);
    if (n->rpc) {
        ag_err err = rpc_server_publish_block(n->rpc, c->block, c->finalize);
        if (err != AG_OK && !n->rpc_publish_warned) {
            n->rpc_publish_warned = true;
            ag_log_warn(LOG, "RPC: block %" PRId64 " not published (events, index): %s", c->height,
                        ag_err_detail());
        } else if (err == AG_OK) {
            n->rpc_publish_warned = false;
        }
    }
    if (n->feed) {
        ag_err err = feed_server_publish_block(n->feed, c->height, c->block->txs, c->block->n_txs,
                                               c->finalize);
        if (err != AG_OK && !n->feed_publish_warned) {
            n->feed_publish_warned = true;
            ag_log_warn(LOG, "feed: block %" PRId64 ": %s (subscribers catch up by request)",
                        c->height, ag_err_detail());
        } else if (err == AG_OK) {
            n->feed_publish_warned = false;
        }
    }
}

/* ---- configuration ---- */

static void engine_config(const node_config *c, cons_engine_config *out)
{
    cons_engine_config_default(out);
    cons_core_config t =
        c->timeouts == NODE_TIMEOUTS_FAST ? cons_core_config_fast() : cons_core_config_default();
#define OVERRIDE(field, key)                                                                       \
    if (c->key)                                                                                    \
    t.field = c->key
    OVERRIDE(propose_ms, timeout_propose_ms);
    OVERRIDE(propose_delta_ms, timeout_propose_delta_ms);
    OVERRIDE(prevote_ms, timeout_prevote_ms);
    OVERRIDE(prevote_delta_ms, timeout_prevote_delta_ms);
    OVERRIDE(precommit_ms, timeout_precommit_ms);
    OVERRIDE(precommit_delta_ms, timeout_precommit_delta_ms);
    OVERRIDE(commit_ms, timeout_commit_ms);
#undef OVERRIDE
    out->timeouts = t;
    out->create_empty_blocks = c->create_empty_blocks;
    out->double_sign_check_height = c->double_sign_check_height;
    out->mempool.max_txs = c->mempool_max_txs;
    out->mempool.max_bytes = c->mempool_max_txs_bytes;
    out->mempool.max_tx_bytes = c->mempool_max_tx_bytes;
    out->mempool.cache_size = c->mempool_cache_size;
    out->mempool.recheck = c->mempool_recheck;
}

/* ---- opening and closing ---- */

static ag_err open_kv(state_kv **kv, const char *path)
{
    state_kv_rocksdb_options o = {
        .block_cache_bytes = 64u << 20, .write_buffer_bytes = 16u << 20, .create_if_missing = true};
    ag_err err = state_kv_open_rocksdb(kv, path, &o);
    if (err == AG_ERR_AGAIN)
        return ag_err_set(err, "%s is locked: is another agorad running on this home?", path);
    return err;
}

static ag_err with_file(ag_err err, const char *file)
{
    if (err == AG_OK || strstr(ag_err_detail(), file))
        return err;
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err, "%s: %s", file, detail);
}

/* err with "what: " before the current detail (copied first: the detail
 * buffer is the one ag_err_set writes). */
static ag_err with_prefix(ag_err err, const char *what)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err, "%s: %s", what, detail);
}

static ag_err load_node_key(node_runtime *n)
{
    ag_err err = with_file(node_key_load(&n->key, n->home.node_key_file), n->home.node_key_file);
    if (err == AG_OK)
        memcpy(n->node_id, n->key.id, sizeof n->node_id);
    return err;
}

/* ---- P2P ---- */

/* The switch on the host's loop, the gossip reactors and (if [p2p] pex) the
 * address book <home>/config/addrbook.json with the PEX reactor. Started
 * (listening, dialling) by node_runtime_start. */
static ag_err open_p2p(node_runtime *n)
{
    const node_config *cfg = &n->home.cfg;
    p2p_config pc;
    ag_err err = p2p_config_from_node(&pc, cfg, n->genesis.chain_id, cfg->moniker);
    if (err)
        return with_prefix(err, "[p2p]");
    err = p2p_switch_new(&n->sw, node_host_loop(n->host), &n->key, ag_env_system(), &pc.sw);
    if (err)
        return err;
    p2p_gossip_opts go;
    p2p_gossip_opts_default(&go);
    if ((err = p2p_gossip_new(&n->gossip, n->sw, &go)) != AG_OK)
        return err;
    if (!pc.pex_enabled)
        return AG_OK;
    snprintf(n->book_file, sizeof n->book_file, "%s/config/addrbook.json", n->home.dir);
    err = p2p_addrbook_new(&n->book, n->book_file, P2P_ADDRBOOK_MAX, ag_env_system());
    if (err)
        return with_file(err, n->book_file);
    p2p_addrbook_set_self(n->book, n->node_id);
    return p2p_pex_new(&n->pex, n->sw, n->book, &pc.pex);
}

static ag_err start_p2p(node_runtime *n)
{
    ag_err err = p2p_switch_start(n->sw);
    if (err)
        return with_prefix(err, "P2P");
    const node_config *cfg = &n->home.cfg;
    for (size_t i = 0; i < cfg->n_persistent_peers; i++) {
        /* A shared peer list may name this node: never dialled. */
        if (strncasecmp(cfg->persistent_peers[i], n->node_id, NODE_ID_LEN) == 0 &&
            cfg->persistent_peers[i][NODE_ID_LEN] == '@')
            continue;
        err = p2p_switch_add_persistent(n->sw, cfg->persistent_peers[i]);
        if (err == AG_ERR_EXISTS) /* listed twice */
            continue;
        if (err) {
            char what[NODE_CONFIG_STR_MAX + 32];
            snprintf(what, sizeof what, "[p2p] persistent_peer %s", cfg->persistent_peers[i]);
            return with_prefix(err, what);
        }
    }
    return AG_OK;
}

static void on_switch_closed(void *ctx)
{
    node_runtime *n = ctx;
    n->sw_closed = true;
}

/* The switch closes first (every peer_removed runs while the reactors and
 * the engine still exist), then the reactors go. */
static void close_p2p(node_runtime *n)
{
    if (n->gossip)
        p2p_gossip_attach(n->gossip, NULL);
    if (n->sw) {
        n->sw_closed = false;
        p2p_switch_close(n->sw, on_switch_closed, n);
        while (!n->sw_closed)
            node_host_run_once(n->host);
        n->sw = NULL;
    }
    p2p_pex_free(n->pex); /* saves the book */
    n->pex = NULL;
    p2p_addrbook_free(n->book);
    n->book = NULL;
    p2p_gossip_free(n->gossip);
    n->gossip = NULL;
}

/* ---- RPC ---- */

/* The backend (its node mutex becomes the loop's lock) and the indexer's
 * store; the server starts in node_runtime_start, after the engine. */
static ag_err open_rpc(node_runtime *n)
{
    char path[NODE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/tx_index.db", n->home.data_dir);
    ag_err err = AG_OK;
    if (strcmp(n->home.cfg.tx_indexer, "null") != 0 && (err = open_kv(&n->index_kv, path)) != AG_OK)
        return with_file(err, path);
    node_rpc_args ra = {
        .home = &n->home,
        .genesis = &n->genesis,
        .engine = n->engine,
        .blocks = n->blocks,
        .states = n->states,
        .signer = n->signer,
        .query_conn = node_app_client(n->app, NODE_APP_QUERY),
        .preverify = node_app_preverify,
        .preverify_ctx = n->app,
        .sw = n->sw,
        .gossip = n->gossip,
        .loop = node_host_loop(n->host),
        .node_id = n->node_id,
        .metrics = &n->metrics,
    };
    if ((err = node_rpc_new(&n->rpc_be, &ra)) != AG_OK)
        return err;
    node_host_set_lock(n->host, node_rpc_mutex(n->rpc_be));
    return AG_OK;
}

static ag_err start_rpc(node_runtime *n)
{
    rpc_server_opts o;
    rpc_server_opts_from_config(&o, &n->home.cfg);
    o.index_kv = n->index_kv;
    rpc_backend be = node_rpc_backend(n->rpc_be);
    ag_err err = rpc_server_start(&n->rpc, &be, &o);
    if (err)
        return with_prefix(err, "[rpc] laddr");
    ag_log_info(LOG, "RPC listening on %s (port %d)", n->home.cfg.rpc_laddr,
                rpc_server_port(n->rpc));
    return AG_OK;
}

/* First at shutdown: no broadcast waits any more, the server thread ends. */
static void close_rpc(node_runtime *n)
{
    if (!n->rpc_be)
        return;
    node_rpc_close(n->rpc_be);
    rpc_server_free(n->rpc);
    n->rpc = NULL;
}

/* ---- the event feed ---- */

/* The feed's catch-up reads take the node mutex: the RPC backend's, or our
 * own when the RPC is off. */
static void prepare_feed(node_runtime *n)
{
    pthread_mutex_t *mu;
    if (n->rpc_be) {
        mu = node_rpc_mutex(n->rpc_be);
    } else {
        pthread_mutex_init(&n->own_lock, NULL);
        n->own_lock_init = true;
        mu = &n->own_lock;
        node_host_set_lock(n->host, mu);
    }
    n->feed_stores = (node_feed_stores){.mu = mu, .blocks = n->blocks, .states = n->states};
}

static ag_err start_metrics(node_runtime *n)
{
    const char *laddr = n->home.cfg.metrics_laddr;
    ag_err err = node_metrics_server_start(&n->metrics_srv, laddr, &n->metrics);
    if (err)
        return with_prefix(err, "[instrumentation] prometheus_listen_addr");
    ag_log_info(LOG, "Prometheus metrics at http://%s/metrics (port %d)", laddr + 6,
                node_metrics_server_port(n->metrics_srv));
    return AG_OK;
}

static ag_err start_feed(node_runtime *n)
{
    const node_config *cfg = &n->home.cfg;
    feed_server_opts o = {.pub_url = cfg->events_pub_url,
                          .rep_url = cfg->events_rep_url,
                          .source = node_feed_source(&n->feed_stores)};
    ag_err err = feed_server_start(&n->feed, &o);
    if (err)
        return with_prefix(err, "[feed]");
    ag_log_info(LOG, "event feed: PUB %s, REP %s",
                cfg->events_pub_url[0] ? cfg->events_pub_url : "off",
                cfg->events_rep_url[0] ? cfg->events_rep_url : "off");
    return AG_OK;
}

ag_err node_runtime_open(node_runtime **out, const node_home *home)
{
    *out = NULL;
    node_runtime *n = calloc(1, sizeof *n);
    if (!n)
        return ag_err_set(AG_ERR_NOMEM, "node");
    n->home = *home;
    const node_home *h = &n->home;
    node_metrics_init(&n->metrics, "");
    ag_err err;
    if ((err = parse_kill_at(n)) ||
        (err = with_file(genesis_doc_load(&n->genesis, h->genesis_file), h->genesis_file)) ||
        (err = node_mkdirs(h->data_dir, 0700)) || (err = open_kv(&n->block_kv, h->blockstore_db)) ||
        (err = open_kv(&n->state_kv, h->state_db)) ||
        (err = cons_block_store_open(&n->blocks, n->block_kv, NULL)) ||
        (err = cons_state_store_open(&n->states, n->state_kv, true)) ||
        (err = with_file(cons_wal_open(&n->wal, h->wal_dir, NULL), h->wal_dir)) ||
        (err = cons_privval_load(&n->signer, h->privval_key_file, h->privval_state_file)) ||
        (err = load_node_key(n)) || (err = node_app_open(&n->app, h)) ||
        (err = node_host_new(&n->host, NULL, NULL)) || (err = open_p2p(n)))
        goto fail;

    cons_engine_args args = {
        .genesis = &n->genesis,
        .block_store = n->blocks,
        .state_store = n->states,
        .wal = n->wal,
        .signer = n->signer,
        .consensus_conn = node_app_client(n->app, NODE_APP_CONSENSUS),
        .mempool_conn = node_app_client(n->app, NODE_APP_MEMPOOL),
        .env = ag_env_system(),
    };
    cons_engine_io host_io = {
        .ctx = n, .schedule_timer = schedule_timer, .committed = on_committed};
    p2p_gossip_engine_io(n->gossip, &host_io, &args.io);
    engine_config(&h->cfg, &args.config);
    /* Never asks the engine to stop unless AGORA_TEST_KILL_AT is set. */
    args.fault = point_hook;
    args.fault_ctx = n;
    if ((err = cons_engine_new(&n->engine, &args)) != AG_OK)
        goto fail;
    p2p_gossip_attach(n->gossip, n->engine);
    if (h->cfg.rpc_laddr[0] && (err = open_rpc(n)) != AG_OK)
        goto fail;
    if (h->cfg.events_pub_url[0] || h->cfg.events_rep_url[0])
        prepare_feed(n);
    *out = n;
    return AG_OK;
fail:
    /* Keep the detail of the first error through the closing. */
    {
        char detail[AG_ERR_DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", ag_err_detail());
        node_runtime_close(n);
        ag_err_set(err, "%s", detail);
    }
    return err;
}

ag_err node_runtime_start(node_runtime *n)
{
    snprintf(n->metrics.chain_id, sizeof n->metrics.chain_id, "%s", n->genesis.chain_id);
    const cons_privval_state *pv = cons_privval_last_state(n->signer);
    ag_log_info(LOG,
                "starting: node %s, chain %s, application %s, block store height %" PRId64
                ", signer at %" PRId64 "/%d/%d",
                n->node_id, n->genesis.chain_id, n->home.cfg.abci_app,
                cons_block_store_height(n->blocks), pv->height, pv->round, pv->step);
    ag_err err = start_p2p(n);
    if (err)
        return err;
    if ((err = cons_engine_start(n->engine)) != AG_OK)
        return err;
    ag_log_info(LOG, "consensus running at height %" PRId64, cons_engine_height(n->engine));
    if (n->rpc_be && (err = start_rpc(n)) != AG_OK)
        return err;
    if (n->feed_stores.mu && (err = start_feed(n)) != AG_OK)
        return err;
    if (n->home.cfg.prometheus && (err = start_metrics(n)) != AG_OK)
        return err;
    return AG_OK;
}

ag_err node_runtime_run(node_runtime *n, int *signo)
{
    node_host_run(n->host);
    *signo = node_host_signal(n->host);
    return n->failure;
}

int64_t node_runtime_height(const node_runtime *n)
{
    return n->engine ? cons_engine_height(n->engine) : 0;
}

void node_runtime_close(node_runtime *n)
{
    if (!n)
        return;
    node_metrics_server_free(n->metrics_srv);
    feed_server_free(n->feed); /* joins its REP thread, which takes the node mutex */
    n->feed = NULL;
    close_rpc(n);
    if (n->host)
        close_p2p(n);
    cons_engine_free(n->engine);
    node_host_free(n->host); /* closes the timers still pending (and the RPC's async) */
    node_rpc_free(n->rpc_be);
    state_kv_close(n->index_kv);
    if (n->wal) {
        ag_err err = cons_wal_sync(n->wal);
        if (err)
            ag_log_error(LOG, "WAL sync at shutdown: %s", ag_err_detail());
        cons_wal_close(n->wal);
    }
    node_app_close(n->app);
    cons_state_store_close(n->states);
    cons_block_store_close(n->blocks);
    state_kv_close(n->state_kv);
    state_kv_close(n->block_kv);
    cons_privval_free(n->signer);
    genesis_doc_free(&n->genesis);
    node_key_wipe(&n->key);
    if (n->own_lock_init)
        pthread_mutex_destroy(&n->own_lock);
    node_metrics_destroy(&n->metrics);
    free(n);
}
