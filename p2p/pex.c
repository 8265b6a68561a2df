/*
 * pex.c — the peer-exchange reactor; see pex.h. Timers come from the
 * switch's reactor tick; per-peer state lives in the peer's data slot.
 */
#include "p2p/pex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/p2p/p2p.pb-c.h"
#include "lib/log.h"
#include "lib/pb.h"

#define LOG_MOD "pex"

typedef struct pex_peer {
    uint64_t last_request_recv;
    bool has_requested; /* last_request_recv is meaningful */
    uint64_t last_request_sent;
    bool has_asked; /* last_request_sent is meaningful */
    bool awaiting_addrs;
    uint64_t disconnect_at; /* seed mode: 0 = never */
} pex_peer;

struct p2p_pex {
    p2p_switch *sw;
    p2p_addrbook *book;
    p2p_pex_opts o;
    p2p_netaddr seeds[P2P_PEX_SEEDS_MAX];
    size_t n_seeds;
    int slot;
    uint64_t next_ensure, next_save;
};

void p2p_pex_opts_default(p2p_pex_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ensure_interval_ms = 30000;
    o->min_request_interval_ms = 10000;
    o->seed_disconnect_ms = 3000;
    o->save_interval_ms = 120000;
    o->book_small = 100;
}

/* ---- codec ---- */

ag_err p2p_pex_encode_request(ag_buf *out)
{
    Agora__P2p__PexMessage m = AGORA__P2P__PEX_MESSAGE__INIT;
    Agora__P2p__PexRequest r = AGORA__P2P__PEX_REQUEST__INIT;
    m.sum_case = AGORA__P2P__PEX_MESSAGE__SUM_PEX_REQUEST;
    m.pex_request = &r;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_pex_encode_addrs(ag_buf *out, const p2p_netaddr *addrs, size_t n)
{
    if (n > P2P_PEX_ADDRS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "pex: %zu addresses", n);
    Agora__P2p__PexMessage m = AGORA__P2P__PEX_MESSAGE__INIT;
    Agora__P2p__PexAddrs a = AGORA__P2P__PEX_ADDRS__INIT;
    Agora__P2p__NetAddress na[P2P_PEX_ADDRS_MAX];
    Agora__P2p__NetAddress *ptr[P2P_PEX_ADDRS_MAX];
    for (size_t i = 0; i < n; i++) {
        agora__p2p__net_address__init(&na[i]);
        na[i].id = (char *)(uintptr_t)addrs[i].id;
        na[i].ip = (char *)(uintptr_t)addrs[i].host;
        na[i].port = addrs[i].port;
        ptr[i] = &na[i];
    }
    a.n_addrs = n;
    a.addrs = ptr;
    m.sum_case = AGORA__P2P__PEX_MESSAGE__SUM_PEX_ADDRS;
    m.pex_addrs = &a;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_pex_decode(const uint8_t *in, size_t len, bool *is_request, p2p_netaddr *addrs,
                      size_t *n)
{
    *is_request = false;
    *n = 0;
    if (len > P2P_PEX_MSG_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "pex: message of %zu bytes", len);
    Agora__P2p__PexMessage *m = agora__p2p__pex_message__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.p2p.PexMessage");
    ag_err err = AG_OK;
    if (m->sum_case == AGORA__P2P__PEX_MESSAGE__SUM_PEX_REQUEST) {
        *is_request = true;
    } else if (m->sum_case == AGORA__P2P__PEX_MESSAGE__SUM_PEX_ADDRS) {
        const Agora__P2p__PexAddrs *a = m->pex_addrs;
        if (a->n_addrs > P2P_PEX_ADDRS_MAX)
            err = ag_err_set(AG_ERR_TOO_LARGE, "pex: %zu addresses > %d", a->n_addrs,
                             P2P_PEX_ADDRS_MAX);
        for (size_t i = 0; !err && i < a->n_addrs; i++) {
            const Agora__P2p__NetAddress *x = a->addrs[i];
            p2p_netaddr *o = &addrs[i];
            memset(o, 0, sizeof *o);
            if (!x->id || !p2p_node_id_valid(x->id) || !x->ip || !x->ip[0] ||
                strlen(x->ip) > P2P_HOST_MAX || x->port == 0 || x->port > 65535) {
                err = ag_err_set(AG_ERR_DECODE, "pex: address %zu is malformed", i);
                break;
            }
            memcpy(o->id, x->id, NODE_ID_LEN + 1);
            memcpy(o->host, x->ip, strlen(x->ip) + 1);
            o->port = (uint16_t)x->port;
        }
        if (!err)
            *n = a->n_addrs;
    } else {
        err = ag_err_set(AG_ERR_DECODE, "pex: message of no known kind");
    }
    agora__p2p__pex_message__free_unpacked(m, NULL);
    if (err)
        *n = 0;
    return err;
}

/* ---- reactor ---- */

static uint64_t now_ms(const p2p_pex *px)
{
    return uv_now(p2p_switch_loop(px->sw));
}

static void send_request(p2p_pex *px, p2p_peer *peer)
{
    pex_peer *pp = p2p_peer_get_data(peer, px->slot);
    ag_buf b;
    ag_buf_init(&b, 64);
    if (p2p_pex_encode_request(&b) == AG_OK &&
        p2p_peer_send(peer, P2P_CH_PEX, b.data, b.len) == AG_OK && pp) {
        pp->awaiting_addrs = true;
        pp->has_asked = true;
        pp->last_request_sent = now_ms(px);
    }
    ag_buf_free(&b);
}

/* Whether asking this peer now stays within the rate its side enforces
 * (assumed to be ours, min_request_interval_ms): the request sent on
 * connect counts, so the first periodic pass right after it asks nobody
 * twice. */
static bool may_ask(const p2p_pex *px, const pex_peer *pp, uint64_t now)
{
    return pp && !pp->awaiting_addrs &&
           (!pp->has_asked || now - pp->last_request_sent >= px->o.min_request_interval_ms);
}

/* The address a peer announced, with its remote IP if it announced an
 * unspecified one. */
static bool announced_addr(const p2p_peer *peer, p2p_netaddr *out)
{
    const p2p_node_info *ni = p2p_peer_info(peer);
    if (!ni->listen_addr[0] || p2p_netaddr_parse(out, ni->listen_addr, false) != AG_OK)
        return false;
    if (strcmp(out->host, "0.0.0.0") == 0 || strcmp(out->host, "::") == 0)
        snprintf(out->host, sizeof out->host, "%s", p2p_peer_remote_ip(peer));
    snprintf(out->id, sizeof out->id, "%s", ni->id);
    return true;
}

static void pex_added(void *ctx, p2p_peer *peer)
{
    p2p_pex *px = ctx;
    pex_peer *pp = calloc(1, sizeof *pp);
    if (!pp) {
        p2p_switch_disconnect(px->sw, p2p_peer_id(peer));
        return;
    }
    p2p_peer_set_data(peer, px->slot, pp);
    p2p_netaddr a;
    if (announced_addr(peer, &a))
        p2p_addrbook_add(px->book, &a, p2p_peer_id(peer));
    if (p2p_peer_is_outbound(peer)) {
        p2p_addrbook_mark_good(px->book, p2p_peer_id(peer));
        if (!px->o.seed_mode)
            send_request(px, peer);
    }
    if (px->o.seed_mode && !p2p_peer_is_persistent(peer))
        pp->disconnect_at = now_ms(px) + px->o.seed_disconnect_ms;
}

static void pex_removed(void *ctx, p2p_peer *peer, ag_err reason)
{
    p2p_pex *px = ctx;
    free(p2p_peer_get_data(peer, px->slot));
    p2p_peer_set_data(peer, px->slot, NULL);
    if (reason == AG_ERR_PERMISSION)
        p2p_addrbook_mark_bad(px->book, p2p_peer_id(peer), P2P_ADDRBOOK_BAD_SECS);
}

typedef struct skip_ctx {
    const p2p_pex *px;
    const char *requester;
} skip_ctx;

static bool skip_requester(void *ctx, const char *id)
{
    const skip_ctx *s = ctx;
    return s->requester && strcmp(id, s->requester) == 0;
}

static ag_err pex_receive(void *ctx, p2p_peer *peer, uint8_t ch, const uint8_t *msg, size_t len)
{
    p2p_pex *px = ctx;
    pex_peer *pp = p2p_peer_get_data(peer, px->slot);
    if (!pp)
        return AG_OK;
    bool req;
    size_t n;
    p2p_netaddr *addrs = malloc(P2P_PEX_ADDRS_MAX * sizeof *addrs);
    if (!addrs)
        return AG_OK;
    ag_err err = p2p_pex_decode(msg, len, &req, addrs, &n);
    if (err) {
        free(addrs);
        return err;
    }
    uint64_t now = now_ms(px);
    if (req) {
        if (pp->has_requested && now - pp->last_request_recv < px->o.min_request_interval_ms) {
            free(addrs);
            p2p_peer_report_bad(peer, P2P_BAD_SPAM, "pex: requests too often");
            return AG_OK;
        }
        pp->has_requested = true;
        pp->last_request_recv = now;
        skip_ctx sc = {px, p2p_peer_id(peer)};
        n = p2p_addrbook_sample(px->book, addrs, P2P_PEX_ADDRS_MAX, skip_requester, &sc);
        ag_buf b;
        ag_buf_init(&b, P2P_PEX_MSG_MAX);
        if (p2p_pex_encode_addrs(&b, addrs, n) == AG_OK)
            p2p_peer_send(peer, P2P_CH_PEX, b.data, b.len);
        ag_buf_free(&b);
        free(addrs);
        return AG_OK;
    }
    if (!pp->awaiting_addrs) {
        free(addrs);
        return ag_err_set(AG_ERR_STATE, "pex: addresses nobody asked for");
    }
    pp->awaiting_addrs = false;
    for (size_t i = 0; i < n; i++)
        p2p_addrbook_add(px->book, &addrs[i], p2p_peer_id(peer));
    free(addrs);
    ag_log_debug(LOG_MOD, "%zu addresses from %s; book has %zu", n, p2p_peer_id(peer),
                 p2p_addrbook_size(px->book));
    return AG_OK;
}

static void pex_dial_failed(void *ctx, const p2p_netaddr *addr, ag_err reason)
{
    p2p_pex *px = ctx;
    p2p_addrbook_mark_failed(px->book, addr->id);
}

static bool skip_known(void *ctx, const char *id)
{
    const p2p_pex *px = ctx;
    return p2p_switch_has(px->sw, id);
}

static void ensure_peers(p2p_pex *px)
{
    if (px->o.seed_mode)
        return;
    p2p_peer *peers[64];
    size_t n_peers = p2p_switch_peers(px->sw, peers, 64);
    /* dial book entries while below the outbound limit (the switch refuses
     * past it with AG_ERR_AGAIN) */
    p2p_netaddr cand[8];
    size_t n = p2p_addrbook_sample(px->book, cand, 8, skip_known, px);
    size_t dialled = 0;
    for (size_t i = 0; i < n; i++) {
        ag_err err = p2p_switch_dial(px->sw, &cand[i]);
        if (err == AG_ERR_AGAIN)
            break;
        if (err == AG_OK) {
            p2p_addrbook_mark_attempt(px->book, cand[i].id);
            dialled++;
        }
    }
    if (!dialled && n_peers == 0 && px->n_seeds) {
        uint64_t r = 0;
        ag_env_random(p2p_switch_env(px->sw), &r, sizeof r);
        p2p_switch_dial(px->sw, &px->seeds[r % px->n_seeds]);
    }
    if (n_peers > 64)
        n_peers = 64;
    if (n_peers && p2p_addrbook_size(px->book) < px->o.book_small) {
        /* a random peer among those we may ask now */
        uint64_t r = 0, now = now_ms(px);
        ag_env_random(p2p_switch_env(px->sw), &r, sizeof r);
        for (size_t k = 0; k < n_peers; k++) {
            p2p_peer *p = peers[(r + k) % n_peers];
            if (may_ask(px, p2p_peer_get_data(p, px->slot), now)) {
                send_request(px, p);
                break;
            }
        }
    }
}

static void pex_tick(void *ctx, uint64_t now)
{
    p2p_pex *px = ctx;
    if (px->o.seed_mode) {
        p2p_peer *peers[256];
        size_t n = p2p_switch_peers(px->sw, peers, 256);
        for (size_t i = 0; i < n && i < 256; i++) {
            pex_peer *pp = p2p_peer_get_data(peers[i], px->slot);
            if (pp && pp->disconnect_at && now >= pp->disconnect_at) {
                pp->disconnect_at = 0;
                p2p_switch_disconnect(px->sw, p2p_peer_id(peers[i]));
            }
        }
    }
    if (now >= px->next_ensure) {
        px->next_ensure = now + px->o.ensure_interval_ms;
        ensure_peers(px);
    }
    if (now >= px->next_save) {
        px->next_save = now + px->o.save_interval_ms;
        ag_err err = p2p_addrbook_save(px->book);
        if (err)
            ag_log_warn(LOG_MOD, "saving the address book: %s", ag_err_detail());
    }
}

ag_err p2p_pex_new(p2p_pex **out, p2p_switch *sw, p2p_addrbook *book, const p2p_pex_opts *opts)
{
    *out = NULL;
    p2p_pex *px = calloc(1, sizeof *px);
    if (!px)
        return ag_err_set(AG_ERR_NOMEM, "pex");
    px->sw = sw;
    px->book = book;
    if (opts)
        px->o = *opts;
    else
        p2p_pex_opts_default(&px->o);
    if (px->o.n_seeds > P2P_PEX_SEEDS_MAX) {
        free(px);
        return ag_err_set(AG_ERR_TOO_LARGE, "pex: more than %d seeds", P2P_PEX_SEEDS_MAX);
    }
    for (size_t i = 0; i < px->o.n_seeds; i++) {
        ag_err err = p2p_netaddr_parse(&px->seeds[i], px->o.seeds[i], true);
        if (err) {
            free(px);
            return err;
        }
    }
    px->n_seeds = px->o.n_seeds;
    px->o.seeds = NULL;
    p2p_addrbook_set_self(book, p2p_switch_id(sw));
    static const p2p_channel_desc ch = {P2P_CH_PEX, 1, 4, P2P_PEX_MSG_MAX};
    p2p_reactor r = {.name = "pex",
                     .channels = &ch,
                     .n_channels = 1,
                     .ctx = px,
                     .peer_added = pex_added,
                     .peer_removed = pex_removed,
                     .receive = pex_receive,
                     .tick = pex_tick,
                     .dial_failed = pex_dial_failed};
    ag_err err = p2p_switch_add_reactor(sw, &r, &px->slot);
    if (err) {
        free(px);
        return err;
    }
    *out = px;
    return AG_OK;
}

void p2p_pex_free(p2p_pex *px)
{
    if (!px)
        return;
    ag_err err = p2p_addrbook_save(px->book);
    if (err)
        ag_log_warn(LOG_MOD, "saving the address book: %s", ag_err_detail());
    free(px);
}
