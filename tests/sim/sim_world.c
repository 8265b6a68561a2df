/* sim_world.c — virtual clock, network, fault schedule and invariants of the
 * cluster simulation (see sim.h). Knows nodes only through sim_node_api. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim.h"

typedef enum ev_kind {
    EV_DELIVER = 1,
    EV_TIMER,
    EV_GOSSIP,
    EV_CRASH,
    EV_RESTART,
    EV_PARTITION,
    EV_HEAL,
    EV_GST,
} ev_kind;

typedef struct sim_event {
    uint64_t t_us, seq;
    ev_kind kind;
    int node;
    sim_msg *msg; /* owned by the event */
    sim_timer timer;
    uint32_t arg;
} sim_event;

typedef struct signed_rec {
    cons_msg_type type;
    int64_t h;
    int32_t r;
    cons_block_id id;
} signed_rec;

typedef struct height_rec {
    bool set;
    uint8_t hash[32], app[32];
} height_rec;

struct sim_world {
    sim_config cfg;
    ag_rng rng;
    uint64_t now_us, seq;
    sim_event *heap;
    size_t n_ev, cap_ev;
    void *nodes[SIM_MAX_NODES];
    const sim_node_api *api[SIM_MAX_NODES];
    bool down[SIM_MAX_NODES];
    int group[SIM_MAX_NODES]; /* partition side; all 0 when healed */
    bool after_gst;
    /* invariants */
    height_rec *heights;
    size_t n_heights;
    uint8_t (*proposed)[32];
    size_t n_proposed, cap_proposed;
    signed_rec *signs[SIM_MAX_NODES];
    size_t n_signs[SIM_MAX_NODES], cap_signs[SIM_MAX_NODES];
    int64_t decided[SIM_MAX_NODES];
    bool failed;
    char why[1024];
    uint64_t messages, events, decisions, evidence, rounds_over_zero, crashes, catchups;
};

/* ---- event heap, ordered by (time, sequence) ---- */

static bool ev_less(const sim_event *a, const sim_event *b)
{
    return a->t_us < b->t_us || (a->t_us == b->t_us && a->seq < b->seq);
}

static void push_ev(sim_world *w, sim_event e)
{
    if (w->n_ev == w->cap_ev) {
        w->cap_ev = w->cap_ev ? 2 * w->cap_ev : 1024;
        w->heap = realloc(w->heap, w->cap_ev * sizeof *w->heap);
        if (w->heap == NULL)
            abort();
    }
    e.seq = w->seq++;
    size_t i = w->n_ev++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &w->heap[p]))
            break;
        w->heap[i] = w->heap[p];
        i = p;
    }
    w->heap[i] = e;
}

static sim_event pop_ev(sim_world *w)
{
    sim_event top = w->heap[0], last = w->heap[--w->n_ev];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const sim_event *best = &last;
        if (l < w->n_ev && ev_less(&w->heap[l], best))
            m = l, best = &w->heap[l];
        if (r < w->n_ev && ev_less(&w->heap[r], best))
            m = r;
        if (m == i)
            break;
        w->heap[i] = w->heap[m];
        i = m;
    }
    if (w->n_ev > 0)
        w->heap[i] = last;
    return top;
}

/* ---- services ---- */

uint64_t sim_now_ms(const sim_world *w)
{
    return w->now_us / 1000;
}
uint64_t sim_now_us(const sim_world *w)
{
    return w->now_us;
}
ag_rng *sim_rng(sim_world *w)
{
    return &w->rng;
}
const sim_config *sim_cfg(const sim_world *w)
{
    return &w->cfg;
}

bool sim_failed(const sim_world *w)
{
    return w->failed;
}

void sim_fail(sim_world *w, const char *fmt, ...)
{
    if (w->failed)
        return;
    w->failed = true;
    int k = snprintf(w->why, sizeof w->why, "t=%llums: ", (unsigned long long)sim_now_ms(w));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why + k, sizeof w->why - (size_t)k, fmt, ap);
    va_end(ap);
}

void sim_send(sim_world *w, int from, int to, const sim_msg *m)
{
    if (from == to || to < 0 || to >= w->cfg.n)
        return;
    if (!w->after_gst) {
        if (w->group[from] != w->group[to])
            return;
        if (ag_rng_below(&w->rng, 1000) < w->cfg.drop_permille)
            return;
    }
    int copies = 1;
    if (!w->after_gst && ag_rng_below(&w->rng, 1000) < w->cfg.dup_permille)
        copies = 2;
    for (int c = 0; c < copies; c++) {
        sim_msg *mm = malloc(sizeof *mm);
        if (mm == NULL)
            abort();
        *mm = *m;
        mm->from = from;
        uint64_t d =
            w->cfg.delay_min_us + ag_rng_below(&w->rng, (uint64_t)w->cfg.delay_jitter_us + 1);
        push_ev(w, (sim_event){.t_us = w->now_us + d, .kind = EV_DELIVER, .node = to, .msg = mm});
    }
}

void sim_broadcast(sim_world *w, int from, const sim_msg *m)
{
    for (int i = 0; i < w->cfg.n; i++)
        sim_send(w, from, i, m);
}

void sim_set_timer(sim_world *w, int node, uint32_t ms, const sim_timer *t)
{
    push_ev(w, (sim_event){.t_us = w->now_us + (uint64_t)ms * 1000,
                           .kind = EV_TIMER,
                           .node = node,
                           .timer = *t});
}

static bool honest(const sim_world *w, int node)
{
    return w->cfg.byz[node] == 0;
}

void sim_check_sign(sim_world *w, int node, cons_msg_type type, int64_t h, int32_t r,
                    const cons_block_id *id)
{
    if (!honest(w, node))
        return;
    for (size_t i = w->n_signs[node]; i-- > 0;) {
        const signed_rec *s = &w->signs[node][i];
        if (s->h < h)
            break;
        if (s->h == h && s->r == r && s->type == type) {
            if (!cons_block_id_equal(&s->id, id))
                sim_fail(w, "honest node %d double-signed type %d at %lld/%d", node, (int)type,
                         (long long)h, (int)r);
            return;
        }
    }
    if (w->n_signs[node] == w->cap_signs[node]) {
        w->cap_signs[node] = w->cap_signs[node] ? 2 * w->cap_signs[node] : 64;
        w->signs[node] = realloc(w->signs[node], w->cap_signs[node] * sizeof(signed_rec));
        if (w->signs[node] == NULL)
            abort();
    }
    w->signs[node][w->n_signs[node]++] = (signed_rec){type, h, r, *id};
}

void sim_note_proposed(sim_world *w, const uint8_t hash[32])
{
    for (size_t i = w->n_proposed; i-- > 0;)
        if (memcmp(w->proposed[i], hash, 32) == 0)
            return;
    if (w->n_proposed == w->cap_proposed) {
        w->cap_proposed = w->cap_proposed ? 2 * w->cap_proposed : 64;
        w->proposed = realloc(w->proposed, w->cap_proposed * 32);
        if (w->proposed == NULL)
            abort();
    }
    memcpy(w->proposed[w->n_proposed++], hash, 32);
}

void sim_check_decide(sim_world *w, int node, int64_t h, const uint8_t block_hash[32],
                      bool block_valid, const uint8_t app_hash[32])
{
    w->decisions++;
    if (!honest(w, node))
        return;
    if (h != w->decided[node] + 1)
        sim_fail(w, "node %d decided height %lld after %lld", node, (long long)h,
                 (long long)w->decided[node]);
    w->decided[node] = h;
    if (!block_valid)
        sim_fail(w, "validity: node %d decided an invalid block at %lld", node, (long long)h);
    bool proposed = false;
    for (size_t i = w->n_proposed; i-- > 0 && !proposed;) /* recent ones first */
        proposed = memcmp(w->proposed[i], block_hash, 32) == 0;
    if (!proposed)
        sim_fail(w, "validity: node %d decided a block never proposed at %lld", node, (long long)h);
    if ((size_t)h >= w->n_heights) {
        size_t n = (size_t)h + 16;
        w->heights = realloc(w->heights, n * sizeof *w->heights);
        if (w->heights == NULL)
            abort();
        memset(w->heights + w->n_heights, 0, (n - w->n_heights) * sizeof *w->heights);
        w->n_heights = n;
    }
    height_rec *r = &w->heights[h];
    if (!r->set) {
        r->set = true;
        memcpy(r->hash, block_hash, 32);
        memcpy(r->app, app_hash, 32);
        return;
    }
    if (memcmp(r->hash, block_hash, 32) != 0)
        sim_fail(w, "agreement: node %d decided another block at height %lld", node, (long long)h);
    else if (memcmp(r->app, app_hash, 32) != 0)
        sim_fail(w, "app hash differs on node %d at height %lld", node, (long long)h);
}

void sim_note_evidence(sim_world *w, int node)
{
    (void)node;
    w->evidence++;
}

void sim_note_catchup(sim_world *w)
{
    w->catchups++;
}

void sim_note_round(sim_world *w, int32_t round)
{
    if (round > 0)
        w->rounds_over_zero++;
}

/* ---- the world ---- */

sim_world *sim_world_new(const sim_config *cfg, uint64_t seed)
{
    sim_world *w = calloc(1, sizeof *w);
    if (w == NULL)
        abort();
    w->cfg = *cfg;
    ag_rng_seed(&w->rng, seed);
    /* The fault schedule, drawn first so it depends on the seed only. */
    uint64_t gst_us = cfg->gst_ms * 1000;
    for (uint32_t i = 0; i < cfg->crashes && gst_us > 0; i++) {
        int node = (int)ag_rng_below(&w->rng, (uint64_t)cfg->n);
        uint64_t t = ag_rng_below(&w->rng, gst_us);
        uint64_t d = 100000 + ag_rng_below(&w->rng, 3000000);
        uint64_t back = t + d < gst_us ? t + d : gst_us;
        push_ev(w, (sim_event){.t_us = t, .kind = EV_CRASH, .node = node});
        push_ev(w, (sim_event){.t_us = back, .kind = EV_RESTART, .node = node});
    }
    for (uint32_t i = 0; i < cfg->partitions && gst_us > 0; i++) {
        uint64_t t = ag_rng_below(&w->rng, gst_us);
        uint64_t d = 200000 + ag_rng_below(&w->rng, 4000000);
        uint32_t mask = (uint32_t)ag_rng_below(&w->rng, 1u << cfg->n);
        push_ev(w, (sim_event){.t_us = t, .kind = EV_PARTITION, .arg = mask});
        push_ev(w, (sim_event){.t_us = t + d < gst_us ? t + d : gst_us, .kind = EV_HEAL});
    }
    push_ev(w, (sim_event){.t_us = gst_us, .kind = EV_GST});
    if (gst_us == 0)
        w->after_gst = true;
    return w;
}

void sim_world_free(sim_world *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n_ev; i++)
        free(w->heap[i].msg);
    free(w->heap);
    free(w->heights);
    free(w->proposed);
    for (int i = 0; i < SIM_MAX_NODES; i++)
        free(w->signs[i]);
    free(w);
}

void sim_world_add_node(sim_world *w, int id, void *node, const sim_node_api *api)
{
    w->nodes[id] = node;
    w->api[id] = api;
    /* Gossip starts at a random offset so nodes do not tick in lockstep. */
    push_ev(w, (sim_event){.t_us = ag_rng_below(&w->rng, (uint64_t)w->cfg.gossip_ms * 1000 + 1),
                           .kind = EV_GOSSIP,
                           .node = id});
}

static bool done(const sim_world *w)
{
    if (!w->after_gst)
        return false;
    for (int i = 0; i < w->cfg.n; i++)
        if (honest(w, i) && w->decided[i] < w->cfg.target_height)
            return false;
    return true;
}

void sim_world_run(sim_world *w, sim_result *res)
{
    uint64_t limit_us = (w->cfg.gst_ms + w->cfg.live_ms) * 1000;
    while (!w->failed && !done(w)) {
        if (w->n_ev == 0) {
            sim_fail(w, "no events left");
            break;
        }
        sim_event e = pop_ev(w);
        if (e.t_us > limit_us) {
            free(e.msg);
            char states[768] = "";
            size_t k = 0;
            for (int i = 0; i < w->cfg.n && k < sizeof states - 1; i++) {
                char one[128] = "";
                w->api[i]->describe(w->nodes[i], one, sizeof one);
                k += (size_t)snprintf(states + k, sizeof states - k, " [%d%s %s]", i,
                                      honest(w, i) ? "" : " byz", one);
            }
            sim_fail(w, "liveness: target height %lld not reached %llums after GST;%s",
                     (long long)w->cfg.target_height, (unsigned long long)w->cfg.live_ms, states);
            break;
        }
        w->now_us = e.t_us;
        w->events++;
        void *nd = w->nodes[e.node];
        const sim_node_api *api = w->api[e.node];
        switch (e.kind) {
        case EV_DELIVER:
            if (!w->down[e.node]) {
                w->messages++;
                api->on_message(nd, e.msg);
            }
            free(e.msg);
            break;
        case EV_TIMER:
            if (!w->down[e.node])
                api->on_timer(nd, &e.timer);
            break;
        case EV_GOSSIP:
            if (!w->down[e.node])
                api->on_gossip(nd);
            push_ev(w, (sim_event){.t_us = w->now_us + (uint64_t)w->cfg.gossip_ms * 1000,
                                   .kind = EV_GOSSIP,
                                   .node = e.node});
            break;
        case EV_CRASH:
            if (!w->down[e.node]) {
                w->down[e.node] = true;
                w->crashes++;
                api->crash(nd);
            }
            break;
        case EV_RESTART:
            if (w->down[e.node]) {
                w->down[e.node] = false;
                api->restart(nd);
            }
            break;
        case EV_PARTITION:
            for (int i = 0; i < w->cfg.n; i++)
                w->group[i] = (int)((e.arg >> i) & 1);
            break;
        case EV_HEAL:
            memset(w->group, 0, sizeof w->group);
            break;
        case EV_GST: {
            /* Liveness is checked after GST: every honest node must get
             * 3 heights past the highest one decided so far. */
            int64_t top = 0;
            for (int i = 0; i < w->cfg.n; i++)
                if (w->decided[i] > top)
                    top = w->decided[i];
            if (w->cfg.target_height < top + 3)
                w->cfg.target_height = top + 3;
            w->after_gst = true;
            memset(w->group, 0, sizeof w->group);
            for (int i = 0; i < w->cfg.n; i++)
                if (w->down[i]) {
                    w->down[i] = false;
                    w->api[i]->restart(w->nodes[i]);
                }
            break;
        }
        }
    }
    memset(res, 0, sizeof *res);
    res->ok = !w->failed;
    snprintf(res->why, sizeof res->why, "%s", w->why);
    res->end_ms = sim_now_ms(w);
    res->min_height = INT64_MAX;
    for (int i = 0; i < w->cfg.n; i++)
        if (honest(w, i) && w->decided[i] < res->min_height)
            res->min_height = w->decided[i];
    res->messages = w->messages;
    res->events = w->events;
    res->decisions = w->decisions;
    res->evidence = w->evidence;
    res->rounds_over_zero = w->rounds_over_zero;
    res->crashes = w->crashes;
    res->catchups = w->catchups;
}
