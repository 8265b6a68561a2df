/* sim_run.c — one simulated cluster from a seed (see sim.h). */
#include <stdlib.h>
#include <string.h>

#include "crypto/keys.h"
#include "tests/sim/sim.h"

void sim_config_random(sim_config *cfg, uint64_t seed, int n, int byzantine, bool faults)
{
    ag_rng rng;
    ag_rng_seed(&rng, seed ^ 0x5157c0f1u);
    memset(cfg, 0, sizeof *cfg);
    cfg->n = n;
    cfg->target_height = 6;
    cfg->gossip_ms = 50;
    cfg->core = cons_core_config_fast();
    cfg->live_ms = 120000;
    /* Byzantine nodes get one or more behaviours each; at most f of 3f+1. */
    int f = (n - 1) / 3;
    if (byzantine > f)
        byzantine = f;
    for (int k = 0; k < byzantine; k++) {
        int who;
        do
            who = (int)ag_rng_below(&rng, (uint64_t)n);
        while (cfg->byz[who] != 0);
        cfg->byz[who] = 1u + (uint32_t)ag_rng_below(&rng, 15);
    }
    if (!faults) {
        cfg->delay_min_us = 500;
        cfg->delay_jitter_us = 2000;
        return;
    }
    cfg->delay_min_us = 500 + (uint32_t)ag_rng_below(&rng, 20000);
    cfg->delay_jitter_us = (uint32_t)ag_rng_below(&rng, 80000);
    cfg->drop_permille = (uint32_t)ag_rng_below(&rng, 300);
    cfg->dup_permille = (uint32_t)ag_rng_below(&rng, 100);
    cfg->gst_ms = 1000 + ag_rng_below(&rng, 8000);
    cfg->crashes = (uint32_t)ag_rng_below(&rng, 4);
    cfg->partitions = (uint32_t)ag_rng_below(&rng, 3);
}

void sim_run(const sim_config *cfg, uint64_t seed, sim_result *res)
{
    ag_rng rng;
    ag_rng_seed(&rng, seed);
    uint8_t keys[SIM_MAX_NODES][32];
    crypto_address addrs[SIM_MAX_NODES];
    cons_validator vals[SIM_MAX_NODES];
    bool any_byz = false;
    for (int i = 0; i < cfg->n; i++)
        any_byz |= cfg->byz[i] != 0;
    for (int i = 0; i < cfg->n; i++) {
        crypto_privkey sk;
        crypto_pubkey pk;
        do
            ag_rng_fill(&rng, keys[i], 32);
        while (crypto_privkey_from_bytes(&sk, keys[i], 32) != AG_OK);
        if (crypto_pubkey_from_privkey(&pk, &sk) != AG_OK)
            abort();
        /* Equal powers with byzantine nodes (so f nodes are under 1/3 of
         * the power); otherwise 1..4 to exercise weighted proposer rotation. */
        cons_validator_init(&vals[i], &pk, any_byz ? 10 : 1 + (int64_t)ag_rng_below(&rng, 4));
        addrs[i] = vals[i].address;
    }
    cons_valset vs;
    if (cons_valset_new(&vs, vals, (size_t)cfg->n) != AG_OK)
        abort();
    sim_world *w = sim_world_new(cfg, ag_rng_next(&rng));
    sim_node *nodes[SIM_MAX_NODES];
    for (int i = 0; i < cfg->n; i++) {
        nodes[i] = sim_node_new(w, i, cfg->byz[i], (const uint8_t(*)[32])keys, &vs, addrs, cfg->n);
        sim_world_add_node(w, i, nodes[i], &sim_node_ops);
    }
    sim_world_run(w, res);
    for (int i = 0; i < cfg->n; i++)
        sim_node_free(nodes[i]);
    sim_world_free(w);
    cons_valset_free(&vs);
}
