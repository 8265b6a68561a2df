/*
 * config.h — agora-provider's config.ini (libinih), table-driven.
 *
 *   [key]      name, home, backend (file|test), passphrase_file
 *   [node]     rpc (http://127.0.0.1:26657), feed_pub, feed_rep (NNG URLs, optional)
 *   [cluster]  kubeconfig | dry_run_dir (exactly one)
 *   [offer]    host_uri, attributes ("k=v,k=v"), cpu_millis, memory_bytes,
 *              storage_bytes, gpus, endpoints (fixed capacity),
 *              capacity (fixed | cluster), reserve_cpu_millis,
 *              reserve_memory_bytes, reserve_storage_bytes: with
 *              capacity = cluster the offer's cpu, memory and storage are
 *              the nodes' allocatable sums minus the reserve (gpus and
 *              endpoints still come from the keys above); needs kubeconfig
 *   [pricing]  denom, cpu, memory, storage, gpu, endpoint (floor prices per
 *              block, units as market/types.h), command, command_timeout_ms
 *   [bid]      deposit ("5000000uagora")
 *   [withdraw] interval_s, dry_blocks (withdraw when escrow covers fewer blocks)
 *   [status]   listen ("127.0.0.1:8443")
 *   [daemon]   poll_ms (the level-triggered pass; events wake it earlier)
 *
 * Unknown sections or keys, malformed numbers, lines longer than
 * PROVIDER_CONFIG_LINE_MAX: AG_ERR_DECODE naming file:line and key.
 * Missing required keys: AG_ERR_INVALID_ARG naming the key.
 */
#ifndef AGORA_PROVIDER_CONFIG_H
#define AGORA_PROVIDER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "market/types.h"
#include "state/coin.h"

#define PROVIDER_CONFIG_LINE_MAX 1024
#define PROVIDER_PATH_MAX        512
#define PROVIDER_URL_MAX         256

typedef struct provider_config {
    char key_name[128];
    char home[PROVIDER_PATH_MAX];
    char backend[16];
    char passphrase_file[PROVIDER_PATH_MAX];
    char rpc[PROVIDER_URL_MAX];
    char feed_pub[PROVIDER_URL_MAX];
    char feed_rep[PROVIDER_URL_MAX];
    char kubeconfig[PROVIDER_PATH_MAX];
    char dry_run_dir[PROVIDER_PATH_MAX];
    market_offer_spec offer;  /* host_uri, attributes, capacity, floor */
    char capacity_source[16]; /* "fixed" (default) or "cluster" */
    market_resources reserve; /* cpu, memory, storage kept back in cluster mode */
    char pricing_command[PROVIDER_PATH_MAX];
    uint64_t pricing_timeout_ms;
    market_coin bid_deposit;
    uint64_t withdraw_interval_s;
    uint64_t withdraw_dry_blocks;
    char status_listen[64];
    uint64_t poll_ms;
} provider_config;

/* Defaults: backend file, rpc 127.0.0.1:26657, poll 500 ms, withdraw
 * every 60 s or under 20 blocks of escrow, pricing timeout 2000 ms,
 * status 127.0.0.1:26680. */
void provider_config_default(provider_config *cfg);

/* Parse `text` (named `name` in errors) over cfg; on error cfg is unchanged. */
ag_err provider_config_parse(provider_config *cfg, const char *text, const char *name);

/* True when [offer] capacity = cluster. */
bool provider_config_capacity_from_cluster(const provider_config *cfg);

/* The cluster sink is checked apart (AG_ERR_INVALID_ARG unless exactly one
 * of kubeconfig and dry_run_dir is set, or capacity = cluster with a dry
 * run, which has no nodes) because --dry-run overrides it. */
ag_err provider_config_check_cluster(const provider_config *cfg);

/* Read and parse a file (at most 1 MiB). */
ag_err provider_config_load(provider_config *cfg, const char *path);

#endif
