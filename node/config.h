/*
 * config.h — the node's configuration file, <home>/config/config.ini.
 *
 * An INI file read with libinih. Every key has a default (node_config_default),
 * so an empty file is a valid configuration; an unknown section or key is an
 * error (a typo must not silently fall back to a default). List values
 * (persistent peers, seeds) are given one per line by repeating the key:
 *
 *   [p2p]
 *   persistent_peer = 1f0e...@127.0.0.1:26656
 *   persistent_peer = 9a3b...@127.0.0.1:26666
 *
 * Relative paths are relative to the home directory. Sizes are in bytes,
 * durations in milliseconds. node_config_write emits every key with its
 * value and a comment, which is how `agorad init` creates the file.
 */
#ifndef AGORA_NODE_CONFIG_H
#define AGORA_NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

#define NODE_CONFIG_STR_MAX   256 /* bytes of a string value */
#define NODE_CONFIG_PEERS_MAX 64  /* entries of a peer list */
/* inih reads lines of at most this many bytes (Debian's build); longer lines
 * are refused before parsing rather than split. */
#define NODE_CONFIG_LINE_MAX 199

typedef enum node_timeout_profile {
    NODE_TIMEOUTS_DEFAULT, /* CometBFT's defaults: for networks across the internet */
    NODE_TIMEOUTS_FAST,    /* short timeouts for loopback and LAN networks */
} node_timeout_profile;

typedef struct node_config {
    /* [node] */
    char moniker[NODE_CONFIG_STR_MAX];
    char log_level[16];                           /* debug | info | warn | error */
    char log_format[16];                          /* text | json */
    char genesis_file[NODE_CONFIG_STR_MAX];       /* default config/genesis.json */
    char privval_key_file[NODE_CONFIG_STR_MAX];   /* default config/priv_validator_key.json */
    char privval_state_file[NODE_CONFIG_STR_MAX]; /* default data/priv_validator_state.json */
    char node_key_file[NODE_CONFIG_STR_MAX];      /* default config/node_key.json */
    char data_dir[NODE_CONFIG_STR_MAX];           /* default data */
    /* [abci] */
    char abci_app[NODE_CONFIG_STR_MAX]; /* builtin:market | builtin:kvstore | tcp://h:p | unix:///p
                                         */
    /* [consensus] */
    node_timeout_profile timeouts;
    /* Overrides of the profile; 0 keeps the profile's value. */
    uint32_t timeout_propose_ms, timeout_propose_delta_ms;
    uint32_t timeout_prevote_ms, timeout_prevote_delta_ms;
    uint32_t timeout_precommit_ms, timeout_precommit_delta_ms;
    uint32_t timeout_commit_ms;
    bool create_empty_blocks;
    uint32_t
        double_sign_check_height; /* 0: off; N: refuse to start if signed in the last N blocks */
    /* [mempool] */
    uint32_t mempool_max_txs;
    uint64_t mempool_max_txs_bytes;
    uint32_t mempool_max_tx_bytes;
    uint32_t mempool_cache_size;
    bool mempool_recheck;
    /* [storage] */
    uint64_t retain_blocks; /* 0: keep every block */
    /* [p2p] */
    char p2p_laddr[NODE_CONFIG_STR_MAX];
    char p2p_external_address[NODE_CONFIG_STR_MAX];
    char persistent_peers[NODE_CONFIG_PEERS_MAX][NODE_CONFIG_STR_MAX];
    size_t n_persistent_peers;
    char seeds[NODE_CONFIG_PEERS_MAX][NODE_CONFIG_STR_MAX];
    size_t n_seeds;
    uint32_t p2p_max_inbound, p2p_max_outbound;
    bool p2p_pex;
    bool p2p_allow_loopback_duplicate_ip;
    /* [rpc] */
    char rpc_laddr[NODE_CONFIG_STR_MAX]; /* empty: RPC off */
    uint32_t rpc_max_body_bytes;
    uint32_t rpc_max_open_connections;
    uint32_t rpc_max_subscriptions_per_client;
    uint32_t rpc_timeout_broadcast_tx_commit_ms;
    /* [tx_index] */
    char tx_indexer[8]; /* kv (tx and tx_search served) | null (off; CometBFT's names) */
    /* [feed] (feed/README.md) */
    char events_pub_url[NODE_CONFIG_STR_MAX]; /* pub_listen: NNG PUB, e.g. tcp://127.0.0.1:26670;
                                                 empty: off */
    char events_rep_url[NODE_CONFIG_STR_MAX]; /* rep_listen: NNG REP for catch-up; empty: off */
    /* [instrumentation] */
    bool prometheus;                         /* serve /metrics */
    char metrics_laddr[NODE_CONFIG_STR_MAX]; /* prometheus_listen_addr: tcp://host:port */
} node_config;

/* Every default (the values `agorad init` writes). */
void node_config_default(node_config *cfg);

/*
 * Read path over the defaults. AG_ERR_NOT_FOUND / AG_ERR_IO for the file;
 * AG_ERR_DECODE with "path:line: reason" for a syntax error, an unknown
 * section or key, a bad number or boolean, a line longer than
 * NODE_CONFIG_LINE_MAX; AG_ERR_INVALID_ARG from node_config_validate.
 */
ag_err node_config_load(node_config *cfg, const char *path);

/* Parse INI text (same rules as node_config_load; `name` names it in errors). */
ag_err node_config_parse(node_config *cfg, const char *text, const char *name);

/*
 * Apply one "section.key=value" override on top of cfg (`agorad start --set`),
 * with the file's rules for that key (a list key gains an entry), then
 * node_config_validate. AG_ERR_INVALID_ARG for a malformed assignment; the
 * errors of node_config_parse and node_config_validate. cfg is unchanged on
 * a parse error.
 */
ag_err node_config_set(node_config *cfg, const char *assignment);

/* Cross-field checks: known log level/format, ABCI address form, peer
 * entries of the form <40 hex>@host:port, non-zero limits. */
ag_err node_config_validate(const node_config *cfg);

/* Write cfg to path atomically: a fsynced temporary file renamed over it
 * (removed on failure). errno-derived errors naming the file. */
ag_err node_config_save(const node_config *cfg, const char *path);

/* Write every key with a comment (the format node_config_load reads). */
ag_err node_config_write(const node_config *cfg, FILE *out);

/* Resolve `path` against `home` into out (absolute paths are kept). */
ag_err node_config_path(char *out, size_t cap, const char *home, const char *path);

#endif
