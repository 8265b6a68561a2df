/*
 * config.c — [p2p] keys to options; see config.h.
 */
#include "p2p/config.h"

#include <string.h>

#include "p2p/netaddr.h"

static const char *strip_scheme(const char *s)
{
    return strncmp(s, "tcp://", 6) == 0 ? s + 6 : s;
}

ag_err p2p_config_from_node(p2p_config *out, const node_config *cfg, const char *chain_id,
                            const char *moniker)
{
    memset(out, 0, sizeof *out);
    p2p_switch_opts_default(&out->sw);
    p2p_pex_opts_default(&out->pex);
    out->sw.listen_addr = cfg->p2p_laddr[0] ? strip_scheme(cfg->p2p_laddr) : NULL;
    out->sw.external_address =
        cfg->p2p_external_address[0] ? strip_scheme(cfg->p2p_external_address) : NULL;
    out->sw.network = chain_id;
    if (moniker)
        out->sw.moniker = moniker;
    out->sw.max_inbound = cfg->p2p_max_inbound;
    out->sw.max_outbound = cfg->p2p_max_outbound;
    out->sw.allow_duplicate_ip = cfg->p2p_allow_loopback_duplicate_ip;
    out->pex_enabled = cfg->p2p_pex;
    if (cfg->n_seeds > P2P_PEX_SEEDS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "[p2p] %zu seeds; at most %d are used", cfg->n_seeds,
                          P2P_PEX_SEEDS_MAX);
    p2p_netaddr a;
    for (size_t i = 0; i < cfg->n_seeds; i++) {
        ag_err err = p2p_netaddr_parse(&a, cfg->seeds[i], true);
        if (err)
            return err;
        out->seeds[i] = cfg->seeds[i];
    }
    out->pex.seeds = out->seeds;
    out->pex.n_seeds = cfg->n_seeds;
    for (size_t i = 0; i < cfg->n_persistent_peers && i < NODE_CONFIG_PEERS_MAX; i++) {
        ag_err err = p2p_netaddr_parse(&a, cfg->persistent_peers[i], true);
        if (err)
            return err;
        out->persistent[out->n_persistent++] = cfg->persistent_peers[i];
    }
    return AG_OK;
}
