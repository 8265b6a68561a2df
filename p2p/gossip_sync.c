/*
 * gossip_sync.c — the block sync reactor (channel 0x40).
 *
 * Every peer is asked for its status when it connects and every node
 * announces (base, height) of its block store every status_interval_ms. While
 * some peer's height is at least our engine's height + 1 (we lack two or more
 * blocks: the one being decided and a later one), we are syncing: heights
 * [ours, ours + sync_window) that some peer has are requested, spread over
 * the peers that have them (round-robin by height, at most sync_per_peer in
 * flight each). Responses carry the block and the commit for it (the commit
 * from block h+1, or the seen commit at the peer's tip). Blocks are applied
 * in height order through cons_engine_receive_commit, which verifies the
 * commit (+2/3 of the height's validators signed this block id) and
 * validates the block like a proposal before executing it. A block that fails
 * is reported (its sender is not asked for that height again) and the height
 * is requested from another peer; a request unanswered after sync_timeout_ms
 * is reassigned without penalty (slow is not bad). Peers are never dropped
 * for their throughput.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "p2p/gossip_internal.h"

#define P2P_GSP_SYNC_QUEUE 256 /* block sync messages queued per peer */

static gsp_sync_peer *speer(p2p_gossip *g, p2p_peer *p)
{
    return p2p_peer_get_data(p, g->slot_sync);
}

static gsp_slot *slot_of(p2p_gossip *g, int64_t h)
{
    return &g->slots[(uint64_t)h % g->o.sync_window];
}

static void slot_clear(p2p_gossip *g, gsp_slot *s, bool keep_bad)
{
    if (s->peer && !s->have) {
        gsp_sync_peer *sp = speer(g, s->peer);
        if (sp && sp->inflight > 0)
            sp->inflight--;
    }
    char bad[sizeof s->bad_peer];
    memcpy(bad, s->bad_peer, sizeof bad);
    ag_buf_free(&s->block);
    cons_commit_clear(&s->commit);
    memset(s, 0, sizeof *s);
    if (keep_bad)
        memcpy(s->bad_peer, bad, sizeof bad);
}

static void send_status(p2p_gossip *g, p2p_peer *p)
{
    cons_block_store *bs = cons_engine_block_store(g->e);
    if (!bs)
        return;
    ag_buf b;
    ag_buf_init(&b, 0);
    int64_t h = cons_block_store_height(bs), base = cons_block_store_base(bs);
    if (base > h)
        base = h;
    if (p2p_sync_encode_status(&b, base, h) == AG_OK) {
        if (p)
            p2p_gsp_send(p, P2P_CH_BLOCKSYNC, b.data, b.len);
        else
            p2p_gsp_broadcast(g, P2P_CH_BLOCKSYNC, b.data, b.len);
    }
    ag_buf_free(&b);
}

static void sync_added(void *ctx, p2p_peer *p)
{
    p2p_gossip *g = ctx;
    gsp_sync_peer *sp = calloc(1, sizeof *sp);
    if (!sp) {
        p2p_switch_disconnect(g->sw, p2p_peer_id(p));
        return;
    }
    p2p_peer_set_data(p, g->slot_sync, sp);
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_sync_encode_status_request(&b) == AG_OK)
        p2p_gsp_send(p, P2P_CH_BLOCKSYNC, b.data, b.len);
    ag_buf_free(&b);
    send_status(g, p);
}

static void sync_removed(void *ctx, p2p_peer *p, ag_err reason)
{
    (void)reason;
    p2p_gossip *g = ctx;
    for (uint32_t i = 0; g->slots && i < g->o.sync_window; i++) {
        gsp_slot *s = &g->slots[i];
        if (s->h && s->peer == p) {
            if (s->have)
                s->peer = NULL; /* keep the block; its sender is gone */
            else
                slot_clear(g, s, true);
        }
    }
    free(speer(g, p));
    p2p_peer_set_data(p, g->slot_sync, NULL);
}

static void serve_block(p2p_gossip *g, p2p_peer *p, int64_t h)
{
    cons_block_store *bs = cons_engine_block_store(g->e);
    ag_buf msg;
    ag_buf_init(&msg, 0);
    ag_err err = AG_ERR_NOT_FOUND;
    if (bs && h >= cons_block_store_base(bs) && h <= cons_block_store_height(bs)) {
        ag_buf blk;
        ag_buf_init(&blk, 0);
        cons_commit c = {0};
        err = cons_block_store_load_block(bs, h, &blk);
        if (err == AG_OK)
            err = h < cons_block_store_height(bs) ? cons_block_store_load_commit(bs, h, &c)
                                                  : cons_block_store_load_seen_commit(bs, h, &c);
        if (err == AG_OK)
            err = p2p_sync_encode_block(&msg, blk.data, blk.len, &c);
        cons_commit_clear(&c);
        ag_buf_free(&blk);
    }
    if (err != AG_OK) {
        ag_buf_reset(&msg);
        if (p2p_sync_encode_no_block(&msg, h) != AG_OK) {
            ag_buf_free(&msg);
            return;
        }
    }
    if (p2p_gsp_send(p, P2P_CH_BLOCKSYNC, msg.data, msg.len) == AG_OK && err == AG_OK)
        g->st.blocks_served++;
    ag_buf_free(&msg);
}

static ag_err sync_receive(void *ctx, p2p_peer *p, uint8_t ch, const uint8_t *msg, size_t len)
{
    (void)ch;
    p2p_gossip *g = ctx;
    gsp_sync_peer *sp = speer(g, p);
    if (!sp)
        return AG_OK;
    p2p_sync_msg m;
    ag_err err = p2p_sync_msg_decode(&m, msg, len);
    if (err != AG_OK) {
        p2p_gsp_report(g, p, err == AG_ERR_NOMEM ? err : AG_ERR_DECODE, "block sync message");
        return AG_OK;
    }
    switch (m.kind) {
    case P2P_SYNC_STATUS_REQUEST: {
        uint64_t now = p2p_gsp_now_ms(g);
        if (sp->status_req_at && now - sp->status_req_at < 100)
            p2p_peer_report_bad(p, P2P_BAD_SPAM, "status requests too often");
        else if (p2p_gsp_ready(g))
            send_status(g, p);
        sp->status_req_at = now;
        break;
    }
    case P2P_SYNC_STATUS:
        sp->have_status = true;
        sp->base = m.base;
        sp->height = m.height;
        break;
    case P2P_SYNC_BLOCK_REQUEST:
        /* a full queue: the request is dropped before any store read (the
         * requester times out and asks again or elsewhere) */
        if (p2p_gsp_ready(g) && p2p_peer_queued(p, P2P_CH_BLOCKSYNC) < P2P_GSP_SYNC_QUEUE)
            serve_block(g, p, m.height);
        break;
    case P2P_SYNC_NO_BLOCK: {
        gsp_slot *s = g->slots ? slot_of(g, m.height) : NULL;
        if (s && s->h == m.height && s->peer == p && !s->have) {
            slot_clear(g, s, false);
            if (sp->height >= m.height)
                sp->height = m.height - 1; /* pruned or lost: do not ask again */
        }
        break;
    }
    case P2P_SYNC_BLOCK: {
        gsp_slot *s = g->slots ? slot_of(g, m.height) : NULL;
        if (!s || s->h != m.height || s->peer != p || s->have)
            break; /* unsolicited or late (reassigned): dropped */
        if (sp->inflight > 0)
            sp->inflight--;
        s->have = true;
        s->block = m.block;
        s->commit = m.commit;
        memset(&m.block, 0, sizeof m.block);
        memset(&m.commit, 0, sizeof m.commit);
        break;
    }
    }
    p2p_sync_msg_clear(&m);
    return AG_OK;
}

/* Apply the blocks we hold in order. */
static void apply_blocks(p2p_gossip *g)
{
    for (;;) {
        int64_t h = cons_engine_height(g->e);
        gsp_slot *s = slot_of(g, h);
        if (s->h != h || !s->have)
            return;
        ag_err err = cons_engine_receive_commit(g->e, s->block.data, s->block.len, &s->commit);
        if (err == AG_OK && cons_engine_state(g->e)->last_block_height >= h) {
            g->st.blocks_synced++;
            slot_clear(g, s, false);
            err = cons_engine_skip_commit_wait(g->e);
            if (err == AG_OK && cons_engine_height(g->e) > h)
                continue;
            return;
        }
        if (p2p_gsp_is_peer_fault(err)) {
            g->st.sync_bad++;
            p2p_peer *bad = s->peer;
            if (bad) {
                /* every height it was asked for goes to someone else */
                for (uint32_t i = 0; i < g->o.sync_window; i++) {
                    gsp_slot *o = &g->slots[i];
                    if (!o->h || o->peer != bad)
                        continue;
                    slot_clear(g, o, false);
                    snprintf(o->bad_peer, sizeof o->bad_peer, "%s", p2p_peer_id(bad));
                }
                p2p_gsp_report(g, bad, err, "block sync block"); /* may remove the peer */
            } else {
                slot_clear(g, s, true);
            }
            return;
        }
        if (err == AG_OK)
            slot_clear(g, s, false); /* decided meanwhile by consensus */
        return;                      /* AG_ERR_AGAIN (no room yet) or the engine failed */
    }
}

static p2p_peer *pick_peer(p2p_gossip *g, p2p_peer **v, size_t n, int64_t h, const char *bad)
{
    for (size_t k = 0; k < n; k++) {
        p2p_peer *p = v[(size_t)((uint64_t)h + k) % n];
        gsp_sync_peer *sp = speer(g, p);
        if (!sp || !sp->have_status || sp->height < h || sp->base > h ||
            sp->inflight >= g->o.sync_per_peer)
            continue;
        if (bad[0] && strcmp(bad, p2p_peer_id(p)) == 0)
            continue;
        return p;
    }
    return NULL;
}

/* The highest block store height a peer announced. */
static int64_t sync_top(p2p_gossip *g)
{
    p2p_peer *none[1];
    size_t np = p2p_switch_peers(g->sw, none, 0);
    p2p_peer **v = np ? calloc(np, sizeof *v) : NULL;
    int64_t top = 0;
    np = v ? p2p_switch_peers(g->sw, v, np) : 0;
    for (size_t i = 0; i < np; i++) {
        gsp_sync_peer *sp = speer(g, v[i]);
        if (sp && sp->have_status && sp->height > top)
            top = sp->height;
    }
    free(v);
    return top;
}

static void sync_tick(void *ctx, uint64_t now)
{
    p2p_gossip *g = ctx;
    if (!p2p_gsp_ready(g) || !g->slots)
        return;
    if (now - g->status_at >= g->o.status_interval_ms) {
        g->status_at = now;
        send_status(g, NULL);
    }
    int64_t ours = cons_engine_height(g->e), top = sync_top(g);
    bool was = g->syncing;
    g->syncing = top >= ours + 1;
    if (g->syncing != was)
        ag_log_info("gossip", "block sync %s at height %" PRId64 " (peers up to %" PRId64 ")",
                    g->syncing ? "started" : "caught up", ours, top);
    /* drop what is below us, apply what we hold (which may report and
     * remove a peer: the peer list is taken after) */
    for (uint32_t i = 0; i < g->o.sync_window; i++)
        if (g->slots[i].h && g->slots[i].h < ours)
            slot_clear(g, &g->slots[i], false);
    apply_blocks(g);
    if (!g->syncing || cons_engine_failed(g->e) != AG_OK)
        return;
    ours = cons_engine_height(g->e);
    top = sync_top(g);
    p2p_peer *none[1];
    size_t np = p2p_switch_peers(g->sw, none, 0);
    p2p_peer **v = np ? calloc(np, sizeof *v) : NULL;
    if (!v)
        return;
    np = p2p_switch_peers(g->sw, v, np);
    for (int64_t h = ours; h < ours + (int64_t)g->o.sync_window && h <= top; h++) {
        gsp_slot *s = slot_of(g, h);
        if (s->h == h && (s->have || now - s->sent_at < g->o.sync_timeout_ms))
            continue;
        if (s->h == h) {
            g->st.sync_timeouts++;
            slot_clear(g, s, true);
        } else if (s->h) {
            continue; /* still holds a height of the window's previous lap */
        }
        p2p_peer *p = pick_peer(g, v, np, h, s->bad_peer);
        if (!p && s->bad_peer[0])
            p = pick_peer(g, v, np, h, ""); /* nobody else has it */
        if (!p)
            continue;
        ag_buf b;
        ag_buf_init(&b, 0);
        if (p2p_sync_encode_request(&b, h) == AG_OK &&
            p2p_gsp_send(p, P2P_CH_BLOCKSYNC, b.data, b.len) == AG_OK) {
            s->h = h;
            s->peer = p;
            s->sent_at = now;
            speer(g, p)->inflight++;
            g->st.blocks_requested++;
        }
        ag_buf_free(&b);
    }
    free(v);
}

ag_err p2p_gsp_sync_register(p2p_gossip *g)
{
    g->slots = calloc(g->o.sync_window, sizeof *g->slots);
    if (!g->slots)
        return ag_err_set(AG_ERR_NOMEM, "gossip: block sync window");
    static const p2p_channel_desc chans[] = {
        {P2P_CH_BLOCKSYNC, 5, P2P_GSP_SYNC_QUEUE, P2P_SYNC_MSG_MAX},
    };
    p2p_reactor r = {
        .name = "blocksync",
        .channels = chans,
        .n_channels = 1,
        .ctx = g,
        .peer_added = sync_added,
        .peer_removed = sync_removed,
        .receive = sync_receive,
        .tick = sync_tick,
    };
    return p2p_switch_add_reactor(g->sw, &r, &g->slot_sync);
}

void p2p_gsp_sync_free(p2p_gossip *g)
{
    for (uint32_t i = 0; g->slots && i < g->o.sync_window; i++) {
        ag_buf_free(&g->slots[i].block);
        cons_commit_clear(&g->slots[i].commit);
    }
    free(g->slots);
    g->slots = NULL;
}
