/*
 * gossip_pool.c — the mempool and evidence reactors.
 *
 * Mempool (channel 0x30): every tick the first GSP_REAP_MAX txs of the
 * mempool (its order: oldest first) are offered to each peer; a peer gets
 * those whose hash is not in its seen set (txs it sent us or we sent it), at
 * most txs_per_tick of them, in Txs messages of up to GSP_TXS_BATCH_BYTES.
 * Received txs are marked seen for the sender and go to
 * cons_engine_submit_tx; more than txs_recv_per_s from one peer in a second
 * is spam (reported, the rest of the message dropped).
 *
 * Evidence (channel 0x38): every evidence_resend_ms the pending evidence
 * (up to half a message) is offered to each peer that has not seen it.
 * Received evidence is added to the pool, which verifies it; evidence that
 * fails to decode or verify is reported.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/log.h"
#include "p2p/gossip_internal.h"

#define GSP_REAP_MAX        2000
#define GSP_TXS_BATCH_BYTES ((size_t)1 << 20)

static gsp_pool_peer *ppeer(p2p_gossip *g, p2p_peer *p)
{
    return p2p_peer_get_data(p, g->slot_pool);
}

static void pool_added(void *ctx, p2p_peer *p)
{
    p2p_gossip *g = ctx;
    gsp_pool_peer *pp = calloc(1, sizeof *pp);
    if (!pp || p2p_gsp_seen_init(&pp->txs, g->o.tx_seen_max) != AG_OK ||
        p2p_gsp_seen_init(&pp->ev, 1024) != AG_OK) {
        if (pp) {
            p2p_gsp_seen_free(&pp->txs);
            free(pp);
        }
        p2p_switch_disconnect(g->sw, p2p_peer_id(p));
        return;
    }
    p2p_peer_set_data(p, g->slot_pool, pp);
}

static void pool_removed(void *ctx, p2p_peer *p, ag_err reason)
{
    (void)reason;
    p2p_gossip *g = ctx;
    gsp_pool_peer *pp = ppeer(g, p);
    if (pp) {
        p2p_gsp_seen_free(&pp->txs);
        p2p_gsp_seen_free(&pp->ev);
        free(pp);
        p2p_peer_set_data(p, g->slot_pool, NULL);
    }
}

typedef struct rx_ctx {
    p2p_gossip *g;
    p2p_peer *peer;
    gsp_pool_peer *pp;
    bool spam;
} rx_ctx;

static void rx_tx(void *ctx, const uint8_t *tx, size_t len)
{
    rx_ctx *c = ctx;
    if (c->spam)
        return;
    uint64_t now = p2p_gsp_now_ms(c->g);
    if (now - c->pp->window_start >= 1000) {
        c->pp->window_start = now;
        c->pp->window_count = 0;
    }
    if (++c->pp->window_count > c->g->o.txs_recv_per_s) {
        c->spam = true;
        return;
    }
    c->g->st.txs_recv++;
    uint8_t h[32];
    crypto_sha256(h, tx, len);
    p2p_gsp_seen_add(&c->pp->txs, p2p_gsp_key(h));
    if (p2p_gsp_ready(c->g) && cons_engine_submit_tx(c->g->e, tx, len, NULL, NULL) == AG_OK)
        c->g->st.txs_admitted++;
}

static void rx_evidence(p2p_gossip *g, p2p_peer *p, gsp_pool_peer *pp, const uint8_t *msg,
                        size_t len)
{
    cons_evidence *ev;
    size_t n;
    ag_err err = p2p_evidence_decode(msg, len, &ev, &n);
    if (err != AG_OK) {
        p2p_gsp_report(g, p, err == AG_ERR_NOMEM ? err : AG_ERR_DECODE, "evidence");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        g->st.evidence_recv++;
        crypto_hash hh;
        if (cons_evidence_hash(&hh, &ev[i]) == AG_OK)
            p2p_gsp_seen_add(&pp->ev, p2p_gsp_key(hh.b));
        if (!p2p_gsp_ready(g))
            continue;
        err = cons_evpool_add(cons_engine_evpool(g->e), &ev[i]);
        if (err == AG_OK)
            g->st.evidence_added++;
        p2p_gsp_report(g, p, err, "evidence");
        if (p2p_gsp_is_peer_fault(err))
            break;
    }
    cons_evidence_list_free(ev, n);
}

static ag_err pool_receive(void *ctx, p2p_peer *p, uint8_t ch, const uint8_t *msg, size_t len)
{
    p2p_gossip *g = ctx;
    gsp_pool_peer *pp = ppeer(g, p);
    if (!pp)
        return AG_OK;
    if (ch == P2P_CH_EVIDENCE) {
        rx_evidence(g, p, pp, msg, len);
        return AG_OK;
    }
    rx_ctx c = {g, p, pp, false};
    ag_err err = p2p_txs_decode(msg, len, rx_tx, &c);
    if (err != AG_OK)
        p2p_gsp_report(g, p, err == AG_ERR_NOMEM ? err : AG_ERR_DECODE, "txs");
    else if (c.spam)
        p2p_peer_report_bad(p, P2P_BAD_SPAM, "txs above the receive rate");
    return AG_OK;
}

/* Send the txs of `all` (with hashes keys[]) that pp has not seen. */
static void offer_txs(p2p_gossip *g, p2p_peer *p, gsp_pool_peer *pp, const cons_mempool_txs *all,
                      const uint64_t *keys)
{
    ag_slice *batch = calloc(all->n ? all->n : 1, sizeof *batch);
    size_t *idx = calloc(all->n ? all->n : 1, sizeof *idx);
    if (!batch || !idx)
        goto out;
    uint32_t budget = g->o.txs_per_tick;
    size_t i = 0;
    while (i < all->n && budget > 0) {
        size_t n = 0, bytes = 0;
        for (; i < all->n && budget > 0 && n < P2P_TXS_PER_MSG_MAX; i++) {
            if (p2p_gsp_seen_has(&pp->txs, keys[i]))
                continue;
            if (n > 0 && bytes + all->txs[i].len > GSP_TXS_BATCH_BYTES)
                break;
            batch[n] = all->txs[i];
            idx[n++] = i;
            bytes += all->txs[i].len;
            budget--;
        }
        if (n == 0)
            break;
        ag_buf b;
        ag_buf_init(&b, 0);
        ag_err err = p2p_txs_encode(&b, batch, n);
        if (err == AG_OK)
            err = p2p_gsp_send(p, P2P_CH_MEMPOOL, b.data, b.len);
        ag_buf_free(&b);
        if (err != AG_OK)
            break; /* queue full: the rest next tick */
        for (size_t k = 0; k < n; k++)
            p2p_gsp_seen_add(&pp->txs, keys[idx[k]]);
        g->st.txs_sent += n;
    }
out:
    free(batch);
    free(idx);
}

static void offer_evidence(p2p_gossip *g, p2p_peer *p, gsp_pool_peer *pp, const cons_evidence *ev,
                           const uint64_t *keys, size_t n)
{
    cons_evidence pick[P2P_EVIDENCE_PER_MSG];
    uint64_t pk[P2P_EVIDENCE_PER_MSG];
    size_t k = 0;
    for (size_t i = 0; i < n && k < P2P_EVIDENCE_PER_MSG; i++) {
        if (p2p_gsp_seen_has(&pp->ev, keys[i]))
            continue;
        pick[k] = ev[i]; /* shallow: encoded only */
        pk[k++] = keys[i];
    }
    if (k == 0)
        return;
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_evidence_encode(&b, pick, k) == AG_OK &&
        p2p_gsp_send(p, P2P_CH_EVIDENCE, b.data, b.len) == AG_OK) {
        for (size_t i = 0; i < k; i++)
            p2p_gsp_seen_add(&pp->ev, pk[i]);
        g->st.evidence_sent += k;
    }
    ag_buf_free(&b);
}

static void pool_tick(void *ctx, uint64_t now)
{
    p2p_gossip *g = ctx;
    if (!p2p_gsp_ready(g))
        return;
    p2p_peer *none[1];
    size_t np = p2p_switch_peers(g->sw, none, 0);
    if (np == 0)
        return;
    p2p_peer **v = calloc(np, sizeof *v);
    if (!v)
        return;
    np = p2p_switch_peers(g->sw, v, np);
    /* txs */
    cons_mempool *mp = cons_engine_mempool(g->e);
    cons_mempool_txs all = {0};
    if (mp && cons_mempool_size(mp) > 0 &&
        cons_mempool_reap_max_txs(mp, GSP_REAP_MAX, &all) == AG_OK) {
        uint64_t *keys = calloc(all.n ? all.n : 1, sizeof *keys);
        if (keys) {
            for (size_t i = 0; i < all.n; i++) {
                uint8_t h[32];
                crypto_sha256(h, all.txs[i].ptr, all.txs[i].len);
                keys[i] = p2p_gsp_key(h);
            }
            for (size_t i = 0; i < np; i++) {
                gsp_pool_peer *pp = ppeer(g, v[i]);
                if (pp)
                    offer_txs(g, v[i], pp, &all, keys);
            }
            free(keys);
        }
        cons_mempool_txs_free(&all);
    }
    /* evidence */
    cons_evpool *evp = cons_engine_evpool(g->e);
    if (evp && cons_evpool_size(evp) > 0 && now - g->ev_at >= g->o.evidence_resend_ms) {
        g->ev_at = now;
        cons_evidence *ev = NULL;
        size_t n = 0;
        int64_t bytes = 0;
        if (cons_evpool_reap(evp, (int64_t)(P2P_EVIDENCE_MSG_MAX / 2), &ev, &n, &bytes) == AG_OK) {
            uint64_t keys[P2P_EVIDENCE_PER_MSG];
            size_t m = n < P2P_EVIDENCE_PER_MSG ? n : P2P_EVIDENCE_PER_MSG; /* more: later */
            for (size_t i = 0; i < m; i++) {
                crypto_hash hh;
                keys[i] = cons_evidence_hash(&hh, &ev[i]) == AG_OK ? p2p_gsp_key(hh.b) : 1;
            }
            for (size_t i = 0; i < np; i++) {
                gsp_pool_peer *pp = ppeer(g, v[i]);
                if (pp)
                    offer_evidence(g, v[i], pp, ev, keys, m);
            }
            cons_evidence_list_free(ev, n);
        }
    }
    free(v);
}

ag_err p2p_gsp_pool_register(p2p_gossip *g)
{
    static const p2p_channel_desc chans[] = {
        {P2P_CH_MEMPOOL, 5, 64, P2P_TXS_MSG_MAX},
        {P2P_CH_EVIDENCE, 6, 32, P2P_EVIDENCE_MSG_MAX},
    };
    p2p_reactor r = {
        .name = "mempool+evidence",
        .channels = chans,
        .n_channels = 2,
        .ctx = g,
        .peer_added = pool_added,
        .peer_removed = pool_removed,
        .receive = pool_receive,
        .tick = pool_tick,
    };
    g->slot_ev = -1;
    return p2p_switch_add_reactor(g->sw, &r, &g->slot_pool);
}
