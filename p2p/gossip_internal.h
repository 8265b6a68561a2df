/*
 * gossip_internal.h — shared by the gossip reactors (gossip.c consensus,
 * gossip_pool.c mempool and evidence, gossip_sync.c block sync). Not public.
 */
#ifndef AGORA_P2P_GOSSIP_INTERNAL_H
#define AGORA_P2P_GOSSIP_INTERNAL_H

#include "consensus/engine_peek.h"
#include "p2p/gossip.h"

#define GSP_VBITS_BYTES ((CONS_VALIDATORS_MAX + 7) / 8)
#define GSP_VROUNDS     6 /* (round, type) vote bitmaps kept per peer */

/* A bounded set of 64-bit keys (hash prefixes) in two generations of
 * `slots` (cap rounded up to a power of two) linear-probing entries: when the
 * current one is half full it becomes the previous one and a fresh one
 * starts, so the newest slots/2..slots keys are remembered. */
typedef struct gsp_seen {
    uint64_t *gen[2];
    size_t slots; /* per generation, a power of two */
    size_t count; /* in gen[0] */
} gsp_seen;

ag_err p2p_gsp_seen_init(gsp_seen *s, size_t cap);
void p2p_gsp_seen_free(gsp_seen *s);
bool p2p_gsp_seen_has(const gsp_seen *s, uint64_t key);
void p2p_gsp_seen_add(gsp_seen *s, uint64_t key);
uint64_t p2p_gsp_key(const uint8_t *hash32);

typedef struct gsp_vbits {
    bool used;
    int32_t round, type;
    uint8_t bits[GSP_VBITS_BYTES];
} gsp_vbits;

/* What we believe a peer has of its current height (consensus). */
typedef struct gsp_cons_peer {
    bool known; /* it sent a NewRoundStep */
    int64_t h;
    int32_t r;
    cons_step s;
    int64_t prop_h; /* the proposal it has (-1: none), and its parts */
    int32_t prop_r;
    uint32_t parts_total;
    uint8_t *parts; /* bitmap of parts_total bits */
    gsp_vbits v[GSP_VROUNDS];
    int64_t catchup_h;
    uint64_t catchup_at;
} gsp_cons_peer;

typedef struct gsp_pool_peer {
    gsp_seen txs, ev;
    uint64_t window_start; /* rate window of received txs */
    uint32_t window_count;
} gsp_pool_peer;

typedef struct gsp_sync_peer {
    bool have_status;
    int64_t base, height;
    uint32_t inflight;
    uint64_t status_req_at;
} gsp_sync_peer;

typedef struct gsp_slot {
    int64_t h; /* 0: free */
    p2p_peer *peer;
    uint64_t sent_at;
    bool have;
    ag_buf block;
    cons_commit commit;
    char bad_peer[48]; /* the last peer that sent a bad block for h */
} gsp_slot;

struct p2p_gossip {
    p2p_switch *sw;
    cons_engine *e;
    p2p_gossip_opts o;
    cons_engine_io host;
    p2p_gossip_stats st;
    int slot_cons, slot_pool, slot_ev, slot_sync;
    /* our last announced round step */
    int64_t h;
    int32_t r;
    cons_step s;
    bool announced;
    uint64_t maj23_at; /* next VoteSetMaj23 round */
    /* mempool and evidence */
    uint64_t ev_at;
    /* block sync */
    bool syncing;
    uint64_t status_at;
    gsp_slot *slots; /* sync_window entries, indexed by h % sync_window */
};

uint64_t p2p_gsp_now_ms(const p2p_gossip *g);
/* An engine is attached, started (it has a core) and not failed. */
bool p2p_gsp_ready(const p2p_gossip *g);
/* p2p_peer_send, but only on a channel the peer's NodeInfo lists
 * (AG_ERR_UNSUPPORTED otherwise: a peer closes the connection on a message
 * for a channel it does not serve). */
ag_err p2p_gsp_send(p2p_peer *p, uint8_t ch, const uint8_t *msg, size_t len);
/* p2p_gsp_send to every connected peer; returns how many took it. */
size_t p2p_gsp_broadcast(p2p_gossip *g, uint8_t ch, const uint8_t *msg, size_t len);
/* A message that failed its checks: counted and reported (AG_ERR_VERIFY,
 * AG_ERR_DECODE, AG_ERR_TOO_LARGE, AG_ERR_LENGTH); other errors are the
 * node's own and are only logged. */
void p2p_gsp_report(p2p_gossip *g, p2p_peer *peer, ag_err err, const char *what);
bool p2p_gsp_is_peer_fault(ag_err err);

ag_err p2p_gsp_pool_register(p2p_gossip *g);
ag_err p2p_gsp_sync_register(p2p_gossip *g);
void p2p_gsp_sync_free(p2p_gossip *g);

#endif
