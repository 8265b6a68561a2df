/*
 * home.h — the node's home directory and the files in it.
 *
 *   <home>/config/config.ini                 node_config (config.h)
 *   <home>/config/genesis.json               [node] genesis_file
 *   <home>/config/node_key.json              [node] node_key_file
 *   <home>/config/priv_validator_key.json    [node] privval_key_file
 *   <home>/data/priv_validator_state.json    [node] privval_state_file
 *   <home>/data/blockstore.db/               RocksDB: blocks and commits
 *   <home>/data/state.db/                    RocksDB: consensus state per height
 *   <home>/data/cs.wal/                      the consensus write-ahead log
 *   <home>/data/application.db/              builtin:market's store
 *
 * The data_dir and the four file paths come from the config file; relative
 * paths are relative to the home directory.
 */
#ifndef AGORA_NODE_HOME_H
#define AGORA_NODE_HOME_H

#include <limits.h>

#include "lib/err.h"
#include "node/config.h"

#define NODE_PATH_MAX 1024

typedef struct node_home {
    char dir[NODE_PATH_MAX];
    node_config cfg;
    char config_file[NODE_PATH_MAX];
    char genesis_file[NODE_PATH_MAX];
    char node_key_file[NODE_PATH_MAX];
    char privval_key_file[NODE_PATH_MAX];
    char privval_state_file[NODE_PATH_MAX];
    char data_dir[NODE_PATH_MAX];
    char blockstore_db[NODE_PATH_MAX];
    char state_db[NODE_PATH_MAX];
    char wal_dir[NODE_PATH_MAX];
    char app_db[NODE_PATH_MAX];
} node_home;

/* Fill every path of h from h->dir and h->cfg. AG_ERR_TOO_LARGE for a path
 * longer than NODE_PATH_MAX. */
ag_err node_home_resolve(node_home *h);

/* Set h->dir, read <dir>/config/config.ini into h->cfg and resolve the
 * paths. AG_ERR_NOT_FOUND (the detail suggests `agorad init`), the errors of
 * node_config_load. */
ag_err node_home_load(node_home *h, const char *dir);

/* Create `path` and any missing parents with `mode`. AG_ERR_IO and friends. */
ag_err node_mkdirs(const char *path, unsigned mode);

#endif
