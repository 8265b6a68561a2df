/*
 * cmd_init.c — `agorad init`: a new home directory for a single-validator
 * chain (config, genesis with this node as the only validator, node key,
 * validator key and signer state).
 */
#include <errno.h>
#include <ftw.h>
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

#define INIT_POWER       10
#define DEFAULT_CHAIN_ID "agora-local"

static int unlink_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

/* Remove a file or a directory tree; a missing one is fine. */
static ag_err remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? AG_OK : ag_err_from_errno(errno, path);
    if (nftw(path, unlink_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return ag_err_from_errno(errno, path);
    return AG_OK;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static ag_err write_genesis(const node_home *h, const char *chain_id, const char *app_state,
                            const crypto_pubkey *pub)
{
    genesis_doc doc;
    ag_err err = genesis_doc_init(&doc);
    if (err)
        return err;
    snprintf(doc.chain_id, sizeof doc.chain_id, "%s", chain_id);
    /* The only clock read of the chain's history: the genesis time. */
    uint64_t now = ag_env_wall_ns(ag_env_system());
    doc.time_seconds = (int64_t)(now / 1000000000u);
    doc.time_nanos = (int32_t)(now % 1000000000u);
    if (!(err = genesis_doc_add_validator(&doc, pub, INIT_POWER, h->cfg.moniker)) &&
        !(err = genesis_doc_set_app_state(&doc, app_state, strlen(app_state))))
        err = genesis_doc_save(&doc, h->genesis_file);
    genesis_doc_free(&doc);
    return err;
}

static int init_home(node_home *h, const char *chain_id, bool force, const char *app_state);

static int fail(const char *what)
{
    fprintf(stderr, "agorad init: %s: %s\n", what, ag_err_detail());
    return 1;
}

int node_cmd_init(int argc, char **argv)
{
    const char *home_dir = NULL, *chain_id = DEFAULT_CHAIN_ID, *moniker = NULL, *app = NULL;
    const char *accounts[NODE_GENESIS_ACCOUNTS_MAX];
    size_t n_accounts = 0;
    bool fast = false, force = false;
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
        if (node_cli_flag(argv[i], "--force")) {
            force = true;
            continue;
        }
        if ((r = node_cli_values("init", argc, argv, &i, "--account", accounts, &n_accounts,
                                 NODE_GENESIS_ACCOUNTS_MAX))) {
            if (r < 0)
                return 2;
            continue;
        }
        if ((r = node_cli_value("init", argc, argv, &i, "--home", &home_dir)) ||
            (r = node_cli_value("init", argc, argv, &i, "--chain-id", &chain_id)) ||
            (r = node_cli_value("init", argc, argv, &i, "--moniker", &moniker)) ||
            (r = node_cli_value("init", argc, argv, &i, "--app", &app))) {
            if (r < 0)
                return 2;
            continue;
        }
        fprintf(stderr, "agorad init: unknown option %s (see agorad help)\n", argv[i]);
        return 2;
    }

    node_home h;
    memset(&h, 0, sizeof h);
    if (home_dir) {
        if (snprintf(h.dir, sizeof h.dir, "%s", home_dir) >= (int)sizeof h.dir) {
            fprintf(stderr, "agorad init: --home path too long\n");
            return 2;
        }
    } else if (node_cli_default_home(h.dir, sizeof h.dir) != AG_OK) {
        fprintf(stderr, "agorad init: %s\n", ag_err_detail());
        return 2;
    }
    size_t id_len = strlen(chain_id);
    if (id_len == 0 || id_len > CONS_CHAIN_ID_MAX) {
        fprintf(stderr, "agorad init: --chain-id must be 1..%d bytes\n", CONS_CHAIN_ID_MAX);
        return 2;
    }

    node_config_default(&h.cfg);
    node_app_kind kind = node_app_market_built() ? NODE_APP_MARKET : NODE_APP_KVSTORE;
    if (app && strcmp(app, "kvstore") == 0) {
        kind = NODE_APP_KVSTORE;
    } else if (app && strcmp(app, "market") == 0) {
        kind = NODE_APP_MARKET;
    } else if (app) {
        fprintf(stderr, "agorad init: --app '%s': kvstore or market\n", app);
        return 2;
    }
    snprintf(h.cfg.abci_app, sizeof h.cfg.abci_app, "%s",
             kind == NODE_APP_MARKET ? "builtin:market" : "builtin:kvstore");
    if (moniker) {
        if (strlen(moniker) >= sizeof h.cfg.moniker || strchr(moniker, '\n')) {
            fprintf(stderr, "agorad init: --moniker must be one line under %zu bytes\n",
                    sizeof h.cfg.moniker);
            return 2;
        }
        snprintf(h.cfg.moniker, sizeof h.cfg.moniker, "%s", moniker);
    } else {
        char host[NODE_CONFIG_STR_MAX];
        if (gethostname(host, sizeof host) == 0 && host[0]) {
            host[sizeof host - 1] = '\0';
            snprintf(h.cfg.moniker, sizeof h.cfg.moniker, "%s", host);
        }
    }
    if (fast)
        h.cfg.timeouts = NODE_TIMEOUTS_FAST;
    if (node_config_validate(&h.cfg) != AG_OK)
        return fail("configuration");
    if (node_home_resolve(&h) != AG_OK)
        return fail("home directory");
    /* Everything that can fail without touching the disk comes first. */
    char *app_state;
    if (node_app_genesis_state(kind, accounts, n_accounts, &app_state) != AG_OK)
        return fail("application");
    int rc = init_home(&h, chain_id, force, app_state);
    free(app_state);
    return rc;
}

static int init_home(node_home *hp, const char *chain_id, bool force, const char *app_state)
{
    node_home h = *hp;

    /* An existing home holds keys and a chain: never overwritten by accident. */
    const char *owned[] = {h.config_file,
                           h.genesis_file,
                           h.node_key_file,
                           h.privval_key_file,
                           h.privval_state_file,
                           h.blockstore_db,
                           h.state_db,
                           h.wal_dir,
                           h.app_db};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        if (!exists(owned[i]))
            continue;
        if (!force) {
            fprintf(stderr,
                    "agorad init: %s already exists: %s is an initialised home (keys and "
                    "chain data); pass --force to erase it and start a new chain\n",
                    owned[i], h.dir);
            return 1;
        }
        if (remove_tree(owned[i]) != AG_OK)
            return fail("erasing the old home");
    }

    char config_dir[NODE_PATH_MAX + 8];
    snprintf(config_dir, sizeof config_dir, "%s/config", h.dir);
    if (node_mkdirs(config_dir, 0700) != AG_OK || node_mkdirs(h.data_dir, 0700) != AG_OK)
        return fail("creating directories");

    node_key nk;
    if (node_key_generate(&nk) != AG_OK)
        return fail("node key");
    ag_err err = node_key_save(&nk, h.node_key_file);
    char node_id[NODE_ID_LEN + 1];
    memcpy(node_id, nk.id, sizeof node_id);
    node_key_wipe(&nk);
    if (err)
        return fail("node key");

    if (cons_privval_create_files(h.privval_key_file, h.privval_state_file, NULL) != AG_OK)
        return fail("validator key");
    cons_privval *pv;
    if (cons_privval_load(&pv, h.privval_key_file, h.privval_state_file) != AG_OK)
        return fail("validator key");
    crypto_pubkey pub = *cons_privval_pubkey(pv);
    char addr[2 * CRYPTO_ADDRESS_LEN + 1];
    crypto_address_to_hex(addr, cons_privval_address(pv));
    cons_privval_free(pv);

    if (write_genesis(&h, chain_id, app_state, &pub) != AG_OK)
        return fail("genesis");
    if (node_config_save(&h.cfg, h.config_file) != AG_OK)
        return fail("config.ini");

    printf("initialised %s\n", h.dir);
    printf("  chain id:          %s\n", chain_id);
    printf("  application:       %s\n", h.cfg.abci_app);
    printf("  node id:           %s\n", node_id);
    printf("  validator address: %s (power %d)\n", addr, INIT_POWER);
    printf("start the node with: agorad start --home %s\n", h.dir);
    return 0;
}
