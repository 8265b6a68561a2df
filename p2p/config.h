/*
 * config.h — the [p2p] section of the node configuration (node/config.h)
 * turned into switch and PEX options, for `agorad start`.
 *
 *   laddr              -> sw.listen_addr ("tcp://" is accepted and dropped)
 *   external_address   -> sw.external_address
 *   persistent_peer    -> persistent[] (give each to p2p_switch_add_persistent)
 *   seed               -> pex.seeds
 *   max_inbound/outbound, allow_duplicate_ip -> the switch's limits
 *   pex                -> pex_enabled (create the PEX reactor only if set)
 *
 * Every string stays borrowed from the node_config, which must outlive
 * the switch's creation (the switch and PEX copy what they keep).
 */
#ifndef AGORA_P2P_CONFIG_H
#define AGORA_P2P_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "node/config.h"
#include "p2p/pex.h"
#include "p2p/switch.h"

typedef struct p2p_config {
    p2p_switch_opts sw;
    p2p_pex_opts pex;
    bool pex_enabled;
    const char *seeds[P2P_PEX_SEEDS_MAX];
    const char *persistent[NODE_CONFIG_PEERS_MAX];
    size_t n_persistent;
} p2p_config;

/* chain_id becomes the network peers must share; moniker may be NULL.
 * AG_ERR_TOO_LARGE for more than P2P_PEX_SEEDS_MAX seeds, AG_ERR_DECODE
 * for a malformed peer address. */
ag_err p2p_config_from_node(p2p_config *out, const node_config *cfg, const char *chain_id,
                            const char *moniker);

#endif
