/*
 * workload.h — an order's workload from a small YAML file (libyaml), in the
 * spirit of Akash's SDL:
 *
 *   services:
 *     web:                          # name: a DNS label, unique
 *       image: nginx:1.25
 *       command: [nginx, -g, "daemon off;"]     # optional
 *       args: [--verbose]                       # optional
 *       env: {LOG_LEVEL: info}                  # or a list of NAME=value
 *       replicas: 2                             # default 1
 *       ports:
 *         - {port: 80, protocol: tcp, expose: load-balancer}  # tcp|udp;
 * cluster-ip|node-port|load-balancer resources:                              # per replica cpu:
 * 500m                             # millicores "500m", or cores "2" / "0.5" memory: 512Mi # bytes;
 * Ki Mi Gi Ti (binary), k M G T (decimal) storage: 1Gi gpu: 1 gpu_attributes: {vendor: nvidia}
 *   placement: {region: eu}                     # optional
 *   pricing:                                    # optional; command-line flags win
 *     max_price: 100uagora
 *     deposit: 5000000uagora
 *     auction_blocks: 50
 *     auto_award: true
 *
 * Each node-port or load-balancer port counts as one endpoint. The file is
 * at most CLI_WORKLOAD_FILE_MAX bytes; counts are bounded by market/limits.h
 * while parsing; everything else is checked by market_workload_check (the
 * same rules the chain applies). Errors: AG_ERR_INVALID_ARG with the YAML
 * path and line in the detail (unknown keys included), AG_ERR_TOO_LARGE,
 * AG_ERR_DECODE (not YAML), the errno errors.
 */
#ifndef AGORA_CLI_WORKLOAD_H
#define AGORA_CLI_WORKLOAD_H
#include <stdbool.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "market/msg.h"

#define CLI_WORKLOAD_FILE_MAX ((size_t)64 << 10)

typedef struct cli_workload {
    ag_buf canon; /* canonical Workload encoding (free with cli_workload_free) */
    market_workload_summary summary;
    market_attributes placement;
    bool has_max_price, has_deposit, has_auction_blocks, has_auto_award;
    market_coin max_price, deposit;
    uint64_t auction_blocks;
    bool auto_award;
} cli_workload;

ag_err cli_workload_load(cli_workload *out, const char *file);
void cli_workload_free(cli_workload *w);

#endif
