/*
 * cmd_testnet.c — `agorad testnet`: the homes of an N-validator network on
 * one machine (loopback).
 *
 * DIR/node0 .. DIR/node<N-1>, each a complete home (as `agorad init` makes
 * one) with its own node key and validator key; one genesis shared by all
 * (every validator with power 10, one genesis_time); config.ini with
 * distinct loopback ports (node i: p2p base+10i, rpc +1, events pub +2 and
 * rep +3, metrics +4), every other node as a persistent peer, PEX off (the
 * peer list is complete) and allow_duplicate_ip on (all peers are 127.0.0.1).
 *
 * --full-nodes M adds DIR/node<N> .. DIR/node<N+M-1>: full nodes (they keep a
 * validator key of their own, which is not in the genesis, so they never
 * sign). A full node has every other node as a persistent peer; the
 * validators' peer lists name only validators, so a full node started
 * later dials in and is not dialled while it is down.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consensus/privval.h"
#include "crypto/address.h"
#include "genesis/genesis.h"
#include "lib/env.h"
#include "node/app.h"
#include "node/cli.h"
#include "node/home.h"
#include "node/node_key.h"

#define TESTNET_POWER       10
#define TESTNET_MAX         64 /* NODE_CONFIG_PEERS_MAX peers for each node */
#define TESTNET_PORT_STRIDE 10
#define DEFAULT_CHAIN_ID    "agora-localnet"
#define DEFAULT_BASE_PORT   26656

typedef struct tn_node {
    node_home home;
    char id[NODE_ID_LEN + 1];
    char val_addr[2 * CRYPTO_ADDRESS_LEN + 1];
    crypto_pubkey pub;
    int port; /* p2p */
    bool validator;
} tn_node;

static int fail(const char *what)
{
    fprintf(stderr, "agorad testnet: %s: %s\n", what, ag_err_detail());
    return 1;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* The configuration of node i of n (ports and peers are filled later). */
static ag_err node_config_for(tn_node *t, int i, const char *out_dir, const char *app, bool fast,
                              int base)
{
    node_home *h = &t->home;
    memset(h, 0, sizeof *h);
    if (snprintf(h->dir, sizeof h->dir, "%s/node%d", out_dir, i) >= (int)sizeof h->dir)
        return ag_err_set(AG_ERR_TOO_LARGE, "--output path too long");
    node_config *c = &h->cfg;
    node_config_default(c);
    snprintf(c->moniker, sizeof c->moniker, "node%d", i);
    snprintf(c->abci_app, sizeof c->abci_app, "builtin:%s", app);
    if (fast)
        c->timeouts = NODE_TIMEOUTS_FAST;
    int p = base + TESTNET_PORT_STRIDE * i;
    t->port = p;
    snprintf(c->p2p_laddr, sizeof c->p2p_laddr, "tcp://127.0.0.1:%d", p);
    snprintf(c->rpc_laddr, sizeof c->rpc_laddr, "tcp://127.0.0.1:%d", p + 1);
    snprintf(c->events_pub_url, sizeof c->events_pub_url, "tcp://127.0.0.1:%d", p + 2);
    snprintf(c->events_rep_url, sizeof c->events_rep_url, "tcp://127.0.0.1:%d", p + 3);
    snprintf(c->metrics_laddr, sizeof c->metrics_laddr, "tcp://127.0.0.1:%d", p + 4);
    c->p2p_pex = false;
    c->p2p_allow_loopback_duplicate_ip = true;
    return node_home_resolve(h);
}

/* Keys of one node: node key, validator key and signer state. */
static ag_err make_keys(tn_node *t)
{
    node_home *h = &t->home;
    char config_dir[NODE_PATH_MAX + 8];
    snprintf(config_dir, sizeof config_dir, "%s/config", h->dir);
    ag_err err;
    if ((err = node_mkdirs(config_dir, 0700)) || (err = node_mkdirs(h->data_dir, 0700)))
        return err;
    node_key nk;
    if ((err = node_key_generate(&nk)) != AG_OK)
        return err;
    err = node_key_save(&nk, h->node_key_file);
    memcpy(t->id, nk.id, sizeof t->id);
    node_key_wipe(&nk);
    if (err)
        return err;
    if ((err = cons_privval_create_files(h->privval_key_file, h->privval_state_file, NULL)))
        return err;
    cons_privval *pv;
    if ((err = cons_privval_load(&pv, h->privval_key_file, h->privval_state_file)))
        return err;
    t->pub = *cons_privval_pubkey(pv);
    crypto_address_to_hex(t->val_addr, cons_privval_address(pv));
    cons_privval_free(pv);
    return AG_OK;
}

static ag_err make_genesis(genesis_doc *doc, const tn_node *nodes, int n, const char *chain_id,
                           const char *app_state)
{
    ag_err err = genesis_doc_init(doc);
    if (err)
        return err;
    snprintf(doc->chain_id, sizeof doc->chain_id, "%s", chain_id);
    /* The only clock read of the network's history: the genesis time. */
    uint64_t now = ag_env_wall_ns(ag_env_system());
    doc->time_seconds = (int64_t)(now / 1000000000u);
    doc->time_nanos = (int32_t)(now % 1000000000u);
    for (int i = 0; i < n && err == AG_OK; i++)
        err =
            genesis_doc_add_validator(doc, &nodes[i].pub, TESTNET_POWER, nodes[i].home.cfg.moniker);
    if (err == AG_OK)
        err = genesis_doc_set_app_state(doc, app_state, strlen(app_state));
    return err;
}

/* n validators (nodes[0..n-1]) then m full nodes. */
static int build(tn_node *nodes, int n, int m, const char *out_dir, const char *chain_id,
                 const char *app_state)
{
    int total = n + m;
    for (int i = 0; i < total; i++)
        nodes[i].validator = i < n;
    for (int i = 0; i < total; i++)
        if (exists(nodes[i].home.dir)) {
            fprintf(stderr,
                    "agorad testnet: %s already exists: remove %s first to make a new "
                    "network\n",
                    nodes[i].home.dir, out_dir);
            return 1;
        }
    for (int i = 0; i < total; i++)
        if (make_keys(&nodes[i]) != AG_OK)
            return fail(nodes[i].home.dir);
    genesis_doc doc;
    if (make_genesis(&doc, nodes, n, chain_id, app_state) != AG_OK) {
        genesis_doc_free(&doc);
        return fail("genesis");
    }
    for (int i = 0; i < total; i++) {
        ag_err err = genesis_doc_save(&doc, nodes[i].home.genesis_file);
        if (err) {
            genesis_doc_free(&doc);
            return fail(nodes[i].home.genesis_file);
        }
    }
    genesis_doc_free(&doc);
    for (int i = 0; i < total; i++) {
        node_config *c = &nodes[i].home.cfg;
        for (int j = 0; j < total; j++) {
            if (j == i || (nodes[i].validator && !nodes[j].validator))
                continue;
            snprintf(c->persistent_peers[c->n_persistent_peers++], NODE_CONFIG_STR_MAX,
                     "%s@127.0.0.1:%d", nodes[j].id, nodes[j].port);
        }
        if (c->p2p_max_outbound < (uint32_t)total)
            c->p2p_max_outbound = (uint32_t)total;
        if (c->p2p_max_inbound < (uint32_t)total)
            c->p2p_max_inbound = (uint32_t)total;
        if (node_config_validate(c) != AG_OK ||
            node_config_save(&nodes[i].home.cfg, nodes[i].home.config_file) != AG_OK)
            return fail(nodes[i].home.config_file);
    }

    printf("testnet of %d validators", n);
    if (m > 0)
        printf(" and %d full node%s", m, m == 1 ? "" : "s");
    printf(" in %s (chain %s, %s)\n", out_dir, chain_id, nodes[0].home.cfg.abci_app);
    printf("%-7s %-40s %-16s %-16s %s\n", "node", "node id", "p2p", "rpc", "validator address");
    for (int i = 0; i < total; i++)
        printf("node%-3d %-40s 127.0.0.1:%-6d 127.0.0.1:%-6d %s\n", i, nodes[i].id, nodes[i].port,
               nodes[i].port + 1, nodes[i].validator ? nodes[i].val_addr : "(full node)");
    printf("start each node with: agorad start --home %s/nodeI (or scripts/localnet.sh start %s)\n",
           out_dir, out_dir);
    return 0;
}

int node_cmd_testnet(int argc, char **argv)
{
    const char *n_s = NULL, *out_dir = NULL, *chain_id = DEFAULT_CHAIN_ID, *app = NULL;
    const char *base_s = NULL, *full_s = NULL;
    const char *accounts[NODE_GENESIS_ACCOUNTS_MAX];
    size_t n_accounts = 0;
    bool fast = false;
    for (int i = 0; i < argc; i++) {
        int r;
        if (node_cli_flag(argv[i], "-h") || node_cli_flag(argv[i], "--help")) {
            node_usage(stdout);
            return 0;
        }
        if (node_cli_flag(argv[i], "--fast")) {
            fast = true;
            continue;
        }
        if ((r = node_cli_values("testnet", argc, argv, &i, "--account", accounts, &n_accounts,
                                 NODE_GENESIS_ACCOUNTS_MAX))) {
            if (r < 0)
                return 2;
            continue;
        }
        if ((r = node_cli_value("testnet", argc, argv, &i, "--validators", &n_s)) ||
            (r = node_cli_value("testnet", argc, argv, &i, "--output", &out_dir)) ||
            (r = node_cli_value("testnet", argc, argv, &i, "--chain-id", &chain_id)) ||
            (r = node_cli_value("testnet", argc, argv, &i, "--app", &app)) ||
            (r = node_cli_value("testnet", argc, argv, &i, "--base-port", &base_s)) ||
            (r = node_cli_value("testnet", argc, argv, &i, "--full-nodes", &full_s))) {
            if (r < 0)
                return 2;
            continue;
        }
        fprintf(stderr, "agorad testnet: unknown option %s (see agorad help)\n", argv[i]);
        return 2;
    }
    if (!n_s || !out_dir) {
        fprintf(stderr, "agorad testnet: --validators N and --output DIR are required\n");
        return 2;
    }
    int64_t n, base = DEFAULT_BASE_PORT;
    if (node_cli_parse_i64(n_s, 1, "--validators", &n) != AG_OK || n > TESTNET_MAX) {
        fprintf(stderr, "agorad testnet: --validators must be 1..%d\n", TESTNET_MAX);
        return 2;
    }
    int64_t m = 0;
    if (full_s &&
        (node_cli_parse_i64(full_s, 0, "--full-nodes", &m) != AG_OK || n + m > TESTNET_MAX)) {
        fprintf(stderr, "agorad testnet: --validators plus --full-nodes must be at most %d\n",
                TESTNET_MAX);
        return 2;
    }
    if (base_s && node_cli_parse_i64(base_s, 1024, "--base-port", &base) != AG_OK) {
        fprintf(stderr, "agorad testnet: --base-port must be 1024..65535\n");
        return 2;
    }
    if (base + TESTNET_PORT_STRIDE * (n + m - 1) + 4 > 65535) {
        fprintf(stderr, "agorad testnet: ports from %" PRId64 " for %" PRId64 " nodes pass 65535\n",
                base, n + m);
        return 2;
    }
    size_t id_len = strlen(chain_id);
    if (id_len == 0 || id_len > CONS_CHAIN_ID_MAX) {
        fprintf(stderr, "agorad testnet: --chain-id must be 1..%d bytes\n", CONS_CHAIN_ID_MAX);
        return 2;
    }
    node_app_kind kind = node_app_market_built() ? NODE_APP_MARKET : NODE_APP_KVSTORE;
    if (app && strcmp(app, "kvstore") == 0) {
        kind = NODE_APP_KVSTORE;
    } else if (app && strcmp(app, "market") == 0) {
        kind = NODE_APP_MARKET;
    } else if (app) {
        fprintf(stderr, "agorad testnet: --app '%s': kvstore or market\n", app);
        return 2;
    }
    tn_node *nodes = calloc((size_t)(n + m), sizeof *nodes);
    if (!nodes) {
        fprintf(stderr, "agorad testnet: out of memory\n");
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < (int)(n + m) && rc == 0; i++)
        if (node_config_for(&nodes[i], i, out_dir, kind == NODE_APP_MARKET ? "market" : "kvstore",
                            fast, (int)base) != AG_OK)
            rc = fail("home directory");
    char *app_state = NULL;
    if (rc == 0 && node_app_genesis_state(kind, accounts, n_accounts, &app_state) != AG_OK)
        rc = fail("application");
    if (rc == 0)
        rc = build(nodes, (int)n, (int)m, out_dir, chain_id, app_state);
    free(app_state);
    free(nodes);
    return rc;
}
