/*
 * sim.h — deterministic cluster simulation of the consensus core.
 *
 * Three parts, kept apart so a later step can plug a full node engine (core +
 * ABCI execution + real WAL + block store) in place of the trivial node:
 *
 *   sim_world.c  the world: a virtual clock and its event queue, the network
 *                (seeded delays, drops, duplicates, reordering, partitions),
 *                the fault schedule (crash/restart, partitions, GST) and the
 *                invariant checker. It knows nodes only through sim_node_api.
 *   sim_node.c   the trivial node: a cons_core, an in-memory signer with
 *                double-sign protection that survives crashes, an in-memory
 *                input log (the WAL model: inputs since the last start of a
 *                height, replayed on restart), a block store, a trivial app
 *                (a block's value is its txs; app hash = SHA256(prev app hash
 *                || block hash)), gossip (periodic re-broadcast of what it
 *                holds for its height, catch-up commits for peers behind) and
 *                byzantine behaviours.
 *   sim_run.c    a scenario from a seed: N validators, faults before GST,
 *                byzantine nodes, run to a target height, verdict.
 *
 * Signatures in the simulation are a model: SHA-256 over the node's secret and
 * the CometBFT sign bytes, verified by recomputing (every node knows every
 * secret, as if it knew every public key). They cost two hashes instead of a
 * secp256k1 signature, so hundreds of runs fit in seconds; a byzantine node
 * still can sign only as itself.
 *
 * Everything is a function of the seed: one PRNG, events ordered by (time,
 * sequence number), no clock, no threads, no hash-map iteration.
 * SIM_TRACE=1 in the environment prints every proposal and vote signed.
 */
#ifndef AGORA_TESTS_SIM_H
#define AGORA_TESTS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "consensus/core.h"
#include "lib/rng.h"

#define SIM_MAX_NODES 16
#define SIM_TXS_LEN   32

/* Byzantine behaviours (flags). */
#define SIM_BYZ_EQUIVOCATE  1u /* as proposer: two different blocks to two halves */
#define SIM_BYZ_DOUBLE_VOTE 2u /* every vote also signed for another value, halves */
#define SIM_BYZ_INVALID     4u /* proposes invalid blocks, votes for any proposal it sees */
#define SIM_BYZ_FUTURE      8u /* also votes in rounds ahead (in and past the window) */

/* A block of the simulation: its height and its txs. Valid iff txs[0] != 0xFF
 * (what the app's ProcessProposal answers). */
typedef struct sim_block {
    int64_t height;
    uint8_t txs[SIM_TXS_LEN];
} sim_block;

typedef enum sim_msg_kind {
    SIM_MSG_PROPOSAL = 1, /* proposal + its block */
    SIM_MSG_VOTE,
    SIM_MSG_COMMIT, /* catch-up: a decided block and its commit */
} sim_msg_kind;

typedef struct sim_msg {
    sim_msg_kind kind;
    int from;
    cons_proposal proposal;
    sim_block block;
    cons_vote vote; /* never has an extension: copied with = */
    int64_t commit_height;
    int32_t commit_round;
    cons_block_id commit_block_id;
    size_t n_sigs;
    cons_commit_sig sigs[SIM_MAX_NODES];
} sim_msg;

typedef struct sim_timer {
    int64_t height;
    int32_t round;
    cons_step step;
    uint64_t incarnation;
} sim_timer;

typedef struct sim_world sim_world;

/* What the world calls on a node. A node engine provides these. */
typedef struct sim_node_api {
    void (*on_message)(void *node, const sim_msg *m);
    void (*on_timer)(void *node, const sim_timer *t);
    void (*on_gossip)(void *node);
    void (*crash)(void *node);           /* lose everything volatile */
    void (*restart)(void *node);         /* rebuild from what survived */
    int64_t (*height)(const void *node); /* height it is working on */
    /* A one-line state summary for failure reports. */
    void (*describe)(const void *node, char *buf, size_t len);
} sim_node_api;

/* Network and fault parameters of a run. */
typedef struct sim_config {
    int n;                                  /* validators, <= SIM_MAX_NODES */
    uint32_t byz[SIM_MAX_NODES];            /* byzantine flags per node (0 = honest) */
    int64_t target_height;                  /* run until every honest node decided this */
    uint32_t delay_min_us, delay_jitter_us; /* per message: min + uniform jitter */
    uint32_t drop_permille, dup_permille;   /* before GST */
    uint64_t gst_ms;                        /* faults end here */
    uint64_t live_ms;                       /* after GST, the target must be reached within this */
    uint32_t crashes;                       /* crash/restart events before GST */
    uint32_t partitions;                    /* partition/heal events before GST */
    uint32_t gossip_ms;                     /* re-broadcast period */
    cons_core_config core;
} sim_config;

/* Outcome of a run. */
typedef struct sim_result {
    bool ok;
    char why[1024];     /* the first violated invariant, or "" */
    uint64_t end_ms;    /* virtual time at the end */
    int64_t min_height; /* lowest height decided by every honest node */
    uint64_t messages;  /* messages delivered */
    uint64_t events;
    uint64_t decisions;        /* DECIDE outputs applied, all nodes */
    uint64_t evidence;         /* conflicting vote pairs detected, all nodes */
    uint64_t rounds_over_zero; /* decisions in a round above 0 */
    uint64_t crashes;          /* crash events executed */
    uint64_t catchups;         /* decisions taken from a catch-up commit */
} sim_result;

/* ---- world services for nodes (sim_world.c) ---- */
uint64_t sim_now_ms(const sim_world *w);
uint64_t sim_now_us(const sim_world *w);
ag_rng *sim_rng(sim_world *w);
const sim_config *sim_cfg(const sim_world *w);
/* Send through the network model (m copied). to == from delivers nothing. */
void sim_send(sim_world *w, int from, int to, const sim_msg *m);
void sim_broadcast(sim_world *w, int from, const sim_msg *m);
/* Call the node's on_timer after ms. */
void sim_set_timer(sim_world *w, int node, uint32_t ms, const sim_timer *t);
/* Invariants: every honest signature, every proposed block, every decision. */
void sim_check_sign(sim_world *w, int node, cons_msg_type type, int64_t h, int32_t r,
                    const cons_block_id *id);
void sim_note_proposed(sim_world *w, const uint8_t hash[32]);
void sim_check_decide(sim_world *w, int node, int64_t h, const uint8_t block_hash[32],
                      bool block_valid, const uint8_t app_hash[32]);
void sim_note_evidence(sim_world *w, int node);
/* A decision taken from a catch-up commit (statistics). */
void sim_note_catchup(sim_world *w);
/* A decision in `round` (statistics). */
void sim_note_round(sim_world *w, int32_t round);
/* Record a failure (the first one wins; the run stops). */
void sim_fail(sim_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool sim_failed(const sim_world *w);

/* ---- the world ---- */
sim_world *sim_world_new(const sim_config *cfg, uint64_t seed);
void sim_world_free(sim_world *w);
void sim_world_add_node(sim_world *w, int id, void *node, const sim_node_api *api);
/* Run until every honest node passed cfg->target_height or a failure or the
 * liveness bound; fill *res. */
void sim_world_run(sim_world *w, sim_result *res);

/* ---- the trivial node (sim_node.c) ---- */
typedef struct sim_node sim_node;
extern const sim_node_api sim_node_ops;
/* keys[i] is node i's secret (32 bytes), vals the validator set (borrowed). */
sim_node *sim_node_new(sim_world *w, int id, uint32_t byz, const uint8_t (*keys)[32],
                       const cons_valset *vals, const crypto_address *addrs, int n);
void sim_node_free(sim_node *nd);
uint64_t sim_node_evidence(const sim_node *nd);

/* ---- one scenario (sim_run.c) ---- */
/* A config from a seed: n validators, `byzantine` of them faulty with random
 * behaviours, random network and faults when `faults`. */
void sim_config_random(sim_config *cfg, uint64_t seed, int n, int byzantine, bool faults);
/* Build the cluster for cfg, run it, free it. */
void sim_run(const sim_config *cfg, uint64_t seed, sim_result *res);

#endif
