/*
 * switch.c — peers, dialling, limits, bans and reactor dispatch; see switch.h.
 *
 * A connection's record (p2p_peer) lives from dial/accept to its mconn's
 * on_closed. It is "active" between the reactors' peer_added and
 * peer_removed; only active peers count as connected. Handles owned here:
 * the listener, the reactor tick timer and one redial timer per persistent
 * peer; the switch is freed when they and every connection are closed.
 */
#include "p2p/switch.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "p2p/peer_internal.h"

#define LOG_MOD "p2p"

/* Host names: resolved off the loop by uv_getaddrinfo. The request outlives
 * the peer if the connection closes first (p is then NULL). The handshake
 * timeout, which starts with the connection, bounds the resolution too. */
struct p2p_resolve {
    uv_getaddrinfo_t req;
    p2p_peer *p;
};

typedef struct persistent {
    p2p_switch *sw;
    p2p_netaddr addr;
    uv_timer_t timer;
    uint32_t attempts;
} persistent;

typedef struct ban {
    char id[NODE_ID_LEN + 1];
    uint64_t until_ms;
} ban;

struct p2p_switch {
    uv_loop_t *loop;
    const node_key *key;
    const ag_env *env;
    p2p_switch_opts o;
    char listen_cfg[P2P_ADDR_MAX + 1], external[P2P_ADDR_MAX + 1];
    char network[P2P_NETWORK_MAX + 1], moniker[P2P_MONIKER_MAX + 1];
    char advertised[P2P_ADDR_MAX + 1];
    p2p_node_info self;

    p2p_reactor reactors[P2P_REACTORS_MAX];
    p2p_channel_desc chans[P2P_CHANNELS_MAX];
    int chan_owner[256]; /* reactor index, -1 none */
    size_t n_reactors, n_chans;

    uv_tcp_t listener;
    bool listening;
    uv_timer_t tick;
    bool tick_on;
    persistent *pers[P2P_PERSISTENT_MAX];
    size_t n_pers;
    int open_handles;
    bool started, closing;
    void (*on_closed)(void *ctx);
    void *on_closed_ctx;

    p2p_peer *peers; /* every connection, active or not */
    ban bans[P2P_BANS_MAX];
    size_t n_bans;
    p2p_switch_stats stats;
};

void p2p_switch_opts_default(p2p_switch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->network = "agora";
    o->moniker = "agora";
    o->max_inbound = 40;
    o->max_outbound = 10;
    o->max_handshakes_per_ip = 8;
    o->dial_backoff_min_ms = 1000;
    o->dial_backoff_max_ms = 60000;
    o->ban_ms = 600000;
    o->tick_ms = 100;
    p2p_mconn_opts_default(&o->conn);
}

static void maybe_finish_close(p2p_switch *sw)
{
    if (!sw->closing || sw->open_handles > 0 || sw->peers)
        return;
    for (size_t i = 0; i < sw->n_pers; i++)
        free(sw->pers[i]);
    void (*cb)(void *) = sw->on_closed;
    void *ctx = sw->on_closed_ctx;
    free(sw);
    if (cb)
        cb(ctx);
}

static void on_handle_closed(uv_handle_t *h)
{
    p2p_switch *sw = h->data;
    sw->open_handles--;
    maybe_finish_close(sw);
}

/* ---- bans ---- */

bool p2p_switch_is_banned(const p2p_switch *sw, const char *id)
{
    uint64_t now = uv_now(sw->loop);
    for (size_t i = 0; i < sw->n_bans; i++)
        if (strcmp(sw->bans[i].id, id) == 0 && sw->bans[i].until_ms > now)
            return true;
    return false;
}

static void add_ban(p2p_switch *sw, const char *id, uint64_t ms)
{
    uint64_t now = uv_now(sw->loop);
    size_t slot = sw->n_bans;
    for (size_t i = 0; i < sw->n_bans; i++) {
        if (strcmp(sw->bans[i].id, id) == 0 || sw->bans[i].until_ms <= now) {
            slot = i;
            break;
        }
    }
    if (slot == P2P_BANS_MAX) { /* full: replace the ban ending first */
        slot = 0;
        for (size_t i = 1; i < sw->n_bans; i++)
            if (sw->bans[i].until_ms < sw->bans[slot].until_ms)
                slot = i;
    }
    if (slot == sw->n_bans)
        sw->n_bans++;
    snprintf(sw->bans[slot].id, sizeof sw->bans[slot].id, "%s", id);
    sw->bans[slot].until_ms = now + ms;
    sw->stats.bans++;
}

/* ---- peers ---- */

static p2p_peer *find_active(const p2p_switch *sw, const char *id)
{
    for (p2p_peer *p = sw->peers; p; p = p->next)
        if (p->active && strcmp(p->id, id) == 0)
            return p;
    return NULL;
}

bool p2p_switch_has(const p2p_switch *sw, const char *id)
{
    for (p2p_peer *p = sw->peers; p; p = p->next) {
        if (p2p_mconn_closing(p->conn))
            continue;
        if (strcmp(p->id, id) == 0 || (p->outbound && strcmp(p->dial.id, id) == 0))
            return true;
    }
    return false;
}

static size_t count(const p2p_switch *sw, bool outbound, bool active_only)
{
    size_t n = 0;
    for (p2p_peer *p = sw->peers; p; p = p->next)
        if (p->outbound == outbound && (!active_only || p->active) && !p2p_mconn_closing(p->conn))
            n++;
    return n;
}

size_t p2p_switch_n_outbound(const p2p_switch *sw)
{
    return count(sw, true, true);
}

size_t p2p_switch_n_inbound(const p2p_switch *sw)
{
    return count(sw, false, true);
}

p2p_peer *p2p_switch_find_peer(const p2p_switch *sw, const char *id)
{
    return find_active(sw, id);
}

size_t p2p_switch_peers(const p2p_switch *sw, p2p_peer **out, size_t cap)
{
    size_t n = 0;
    for (p2p_peer *p = sw->peers; p; p = p->next) {
        if (!p->active)
            continue;
        if (n < cap)
            out[n] = p;
        n++;
    }
    return n;
}

static void deactivate(p2p_switch *sw, p2p_peer *p, ag_err reason)
{
    if (!p->active)
        return;
    p->active = false;
    sw->stats.peers_removed++;
    for (size_t i = sw->n_reactors; i-- > 0;)
        if (sw->reactors[i].peer_removed)
            sw->reactors[i].peer_removed(sw->reactors[i].ctx, p, reason);
    ag_log_info(LOG_MOD, "peer %s removed: %s", p->id, ag_strerror(reason));
}

static void disconnect(p2p_switch *sw, p2p_peer *p, ag_err reason)
{
    deactivate(sw, p, reason);
    p2p_mconn_close(p->conn, reason);
}

void p2p_switch_peer_bad_(p2p_switch *sw, p2p_peer *p, p2p_bad_reason reason, const char *why)
{
    static const uint32_t weight[P2P_BAD__COUNT] = {P2P_BAD_SCORE_BAN, 20, 10};
    uint32_t w = reason < P2P_BAD__COUNT ? weight[reason] : P2P_BAD_SCORE_BAN;
    sw->stats.reported_bad++;
    p->score += w;
    ag_log_warn(LOG_MOD, "peer %s misbehaved (%s): score %u", p->id[0] ? p->id : "?",
                why ? why : "", p->score);
    if (p->score >= P2P_BAD_SCORE_BAN && !p2p_mconn_closing(p->conn)) {
        if (p->id[0])
            add_ban(sw, p->id, sw->o.ban_ms);
        disconnect(sw, p, AG_ERR_PERMISSION);
    }
}

void p2p_switch_note_sent_(p2p_switch *sw)
{
    sw->stats.msgs_sent++;
}

void p2p_switch_ban(p2p_switch *sw, const char *id, uint64_t ms)
{
    add_ban(sw, id, ms);
    for (p2p_peer *p = sw->peers; p; p = p->next)
        if (strcmp(p->id, id) == 0 && !p2p_mconn_closing(p->conn))
            disconnect(sw, p, AG_ERR_PERMISSION);
}

void p2p_switch_disconnect(p2p_switch *sw, const char *id)
{
    p2p_peer *p = find_active(sw, id);
    if (p)
        disconnect(sw, p, AG_ERR_CLOSED);
}

/* ---- persistent peers ---- */

static persistent *find_persistent(const p2p_switch *sw, const char *id)
{
    for (size_t i = 0; i < sw->n_pers; i++)
        if (strcmp(sw->pers[i]->addr.id, id) == 0)
            return sw->pers[i];
    return NULL;
}

static ag_err dial(p2p_switch *sw, const p2p_netaddr *addr, bool persistent_peer);

static void on_redial(uv_timer_t *t)
{
    persistent *pp = t->data;
    p2p_switch *sw = pp->sw;
    if (sw->closing || p2p_switch_has(sw, pp->addr.id))
        return;
    pp->attempts++;
    ag_err err = dial(sw, &pp->addr, true);
    if (err && err != AG_ERR_EXISTS) {
        /* Could not even start (banned, bad address): try again later. */
        uint64_t d = sw->o.dial_backoff_max_ms;
        uv_timer_start(&pp->timer, on_redial, d, 0);
    }
}

static void schedule_redial(p2p_switch *sw, persistent *pp)
{
    if (sw->closing)
        return;
    uint32_t shift = pp->attempts < 20 ? pp->attempts : 20;
    uint64_t delay = sw->o.dial_backoff_min_ms << shift;
    if (delay > sw->o.dial_backoff_max_ms || delay < sw->o.dial_backoff_min_ms)
        delay = sw->o.dial_backoff_max_ms;
    uint64_t r = 0;
    if (delay >= 2 && ag_env_random(sw->env, &r, sizeof r) == AG_OK)
        delay += r % (delay / 2); /* jitter: up to half the delay again */
    uv_timer_start(&pp->timer, on_redial, delay, 0);
}

/* ---- connection callbacks ---- */

static const char *dialer_of(const p2p_switch *sw, const p2p_peer *p)
{
    return p->outbound ? sw->self.id : p->id;
}

static ag_err on_ready(void *ctx, p2p_mconn *c, const p2p_node_info *info)
{
    p2p_peer *p = ctx;
    p2p_switch *sw = p->sw;
    snprintf(p->id, sizeof p->id, "%s", info->id);
    if (strcmp(info->id, sw->self.id) == 0) {
        sw->stats.refused_self++;
        return ag_err_set(AG_ERR_EXISTS, "p2p: connected to ourselves");
    }
    if (p->outbound && strcmp(info->id, p->dial.id) != 0) {
        sw->stats.id_mismatch++;
        return ag_err_set(AG_ERR_VERIFY, "p2p: dialled %s but the peer is %s", p->dial.id,
                          info->id);
    }
    if (strcmp(info->network, sw->self.network) != 0) {
        sw->stats.refused_network++;
        return ag_err_set(AG_ERR_PERMISSION, "p2p: peer %s is on network \"%s\", not \"%s\"",
                          info->id, info->network, sw->self.network);
    }
    if (p2p_switch_is_banned(sw, info->id)) {
        sw->stats.refused_banned++;
        return ag_err_set(AG_ERR_PERMISSION, "p2p: peer %s is banned", info->id);
    }
    if (!p->outbound && find_persistent(sw, info->id))
        p->persistent = true;
    p2p_peer *old = find_active(sw, info->id);
    if (old) {
        const char *d_old = dialer_of(sw, old), *d_new = dialer_of(sw, p);
        int cmp = strcmp(d_new, d_old);
        if (cmp > 0) {
            sw->stats.refused_duplicate++;
            return ag_err_set(AG_ERR_EXISTS, "p2p: already connected to %s", info->id);
        }
        sw->stats.refused_duplicate++;
        disconnect(sw, old, AG_ERR_EXISTS);
    }
    if (!sw->o.allow_duplicate_ip && p2p_mconn_remote_ip(c)[0]) {
        for (p2p_peer *q = sw->peers; q; q = q->next) {
            if (q->active && strcmp(p2p_mconn_remote_ip(q->conn), p2p_mconn_remote_ip(c)) == 0) {
                sw->stats.refused_dup_ip++;
                return ag_err_set(AG_ERR_EXISTS, "p2p: already a peer at %s",
                                  p2p_mconn_remote_ip(c));
            }
        }
    }
    p->active = true;
    sw->stats.peers_added++;
    persistent *pp = find_persistent(sw, info->id);
    if (pp) {
        pp->attempts = 0;
        uv_timer_stop(&pp->timer);
    }
    ag_log_info(LOG_MOD, "peer %s added (%s, %s)", p->id, p->outbound ? "outbound" : "inbound",
                p2p_mconn_remote_ip(c));
    for (size_t i = 0; i < sw->n_reactors && p->active; i++)
        if (sw->reactors[i].peer_added)
            sw->reactors[i].peer_added(sw->reactors[i].ctx, p);
    return AG_OK;
}

static ag_err on_receive(void *ctx, p2p_mconn *c, uint8_t channel, const uint8_t *msg, size_t len)
{
    p2p_peer *p = ctx;
    p2p_switch *sw = p->sw;
    sw->stats.msgs_recv++;
    int r = sw->chan_owner[channel];
    if (r < 0 || !p->active)
        return AG_OK;
    const p2p_reactor *re = &sw->reactors[r];
    ag_err err = re->receive ? re->receive(re->ctx, p, channel, msg, len) : AG_OK;
    if (err && p->active)
        p2p_switch_peer_bad_(sw, p, P2P_BAD_INVALID_MSG, ag_err_detail());
    return AG_OK;
}

static void count_close(p2p_switch *sw, p2p_peer *p, ag_err reason)
{
    switch (reason) {
    case AG_ERR_VERIFY:
    case AG_ERR_DECODE:
    case AG_ERR_LENGTH:
    case AG_ERR_BAD_PUBKEY:
    case AG_ERR_OVERFLOW:
        sw->stats.bad_frames++;
        p->protocol_fault = true;
        break;
    case AG_ERR_TOO_LARGE:
        sw->stats.oversized++;
        p->protocol_fault = true;
        break;
    case AG_ERR_TIMEOUT:
        sw->stats.timeouts++;
        break;
    default:
        break;
    }
}

static void on_closed(void *ctx, p2p_mconn *c, ag_err reason)
{
    p2p_peer *p = ctx;
    p2p_switch *sw = p->sw;
    bool was_added = p->active;
    deactivate(sw, p, reason);
    count_close(sw, p, reason);
    /* A peer that authenticated and then broke the protocol is banned; an
     * ID mismatch is the dialler's mistake, not the peer's. */
    if (p->protocol_fault && p->id[0] && !sw->closing && reason != AG_ERR_VERIFY)
        add_ban(sw, p->id, sw->o.ban_ms);
    if (!was_added && !p->id[0])
        sw->stats.handshake_failures++;
    if (p->outbound && !was_added) {
        sw->stats.dial_failures++;
        for (size_t i = 0; i < sw->n_reactors && !sw->closing; i++)
            if (sw->reactors[i].dial_failed)
                sw->reactors[i].dial_failed(sw->reactors[i].ctx, &p->dial, reason);
    }
    if (p->resolving)
        p->resolving->p = NULL;
    if (p->prev)
        p->prev->next = p->next;
    else
        sw->peers = p->next;
    if (p->next)
        p->next->prev = p->prev;
    const char *pid = p->outbound ? p->dial.id : p->id;
    persistent *pp = pid[0] ? find_persistent(sw, pid) : NULL;
    if (pp && !sw->closing && !p2p_switch_has(sw, pid))
        schedule_redial(sw, pp);
    free(p);
    maybe_finish_close(sw);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct p2p_resolve *r = (struct p2p_resolve *)req;
    p2p_peer *p = r->p;
    free(r);
    if (!p) {
        uv_freeaddrinfo(res);
        return;
    }
    p->resolving = NULL;
    ag_err err = AG_OK;
    if (status < 0 || !res)
        err = ag_err_from_uv(status < 0 ? status : UV_EAI_NONAME, "p2p: resolving a peer's host");
    else if (!p2p_mconn_closing(p->conn))
        err = p2p_mconn_connect(p->conn, res->ai_addr);
    uv_freeaddrinfo(res);
    if (err)
        p2p_mconn_close(p->conn, err);
}

static ag_err resolve_then_connect(p2p_peer *p)
{
    struct p2p_resolve *r = calloc(1, sizeof *r);
    if (!r)
        return ag_err_set(AG_ERR_NOMEM, "p2p: resolver request");
    r->p = p;
    char port[8];
    snprintf(port, sizeof port, "%u", p->dial.port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = uv_getaddrinfo(p->sw->loop, &r->req, on_resolved, p->dial.host, port, &hints);
    if (rc < 0) {
        free(r);
        return ag_err_from_uv(rc, "p2p: resolving a peer's host");
    }
    p->resolving = r;
    return AG_OK;
}

static ag_err new_conn(p2p_switch *sw, bool outbound, p2p_peer **out)
{
    p2p_peer *p = calloc(1, sizeof *p);
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "p2p: peer");
    p->sw = sw;
    p->outbound = outbound;
    p2p_mconn_cbs cbs = {
        .ctx = p, .on_ready = on_ready, .on_receive = on_receive, .on_closed = on_closed};
    ag_err err = p2p_mconn_new(&p->conn, sw->loop, sw->key, sw->env, &sw->o.conn, sw->chans,
                               sw->n_chans, &sw->self, &cbs);
    if (err && !p->conn) {
        free(p);
        return err;
    }
    p->next = sw->peers;
    if (sw->peers)
        sw->peers->prev = p;
    sw->peers = p;
    *out = p;
    return err; /* with a conn that is closing: on_closed frees p */
}

static ag_err dial(p2p_switch *sw, const p2p_netaddr *addr, bool persistent_peer)
{
    if (sw->closing || !sw->started)
        return ag_err_set(AG_ERR_STATE, "p2p: switch not running");
    if (!p2p_node_id_valid(addr->id))
        return ag_err_set(AG_ERR_DECODE, "p2p: dial needs id@host:port");
    if (strcmp(addr->id, sw->self.id) == 0) {
        sw->stats.refused_self++;
        return ag_err_set(AG_ERR_EXISTS, "p2p: refusing to dial ourselves");
    }
    if (p2p_switch_has(sw, addr->id))
        return ag_err_set(AG_ERR_EXISTS, "p2p: already connected or dialling %s", addr->id);
    if (p2p_switch_is_banned(sw, addr->id))
        return ag_err_set(AG_ERR_PERMISSION, "p2p: %s is banned", addr->id);
    if (!persistent_peer && count(sw, true, false) >= sw->o.max_outbound)
        return ag_err_set(AG_ERR_AGAIN, "p2p: %u outbound connections already", sw->o.max_outbound);
    struct sockaddr_storage ss;
    ag_err err = p2p_netaddr_sockaddr(addr, &ss);
    bool by_name = err == AG_ERR_UNSUPPORTED;
    if (err && !by_name)
        return err;
    ag_err_clear();
    p2p_peer *p;
    err = new_conn(sw, true, &p);
    if (err)
        return err;
    p->dial = *addr;
    p->persistent = persistent_peer;
    sw->stats.dialed++;
    err = by_name ? resolve_then_connect(p)
                  : p2p_mconn_connect(p->conn, (const struct sockaddr *)&ss);
    if (err)
        p2p_mconn_close(p->conn, err); /* on_closed counts it and may redial */
    return AG_OK;
}

ag_err p2p_switch_dial(p2p_switch *sw, const p2p_netaddr *addr)
{
    return dial(sw, addr, find_persistent(sw, addr->id) != NULL);
}

ag_err p2p_switch_add_persistent(p2p_switch *sw, const char *addr)
{
    p2p_netaddr a;
    ag_err err = p2p_netaddr_parse(&a, addr, true);
    if (err)
        return err;
    if (find_persistent(sw, a.id))
        return ag_err_set(AG_ERR_EXISTS, "p2p: %s is already a persistent peer", a.id);
    if (sw->n_pers >= P2P_PERSISTENT_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: more than %d persistent peers",
                          P2P_PERSISTENT_MAX);
    if (sw->closing)
        return ag_err_set(AG_ERR_STATE, "p2p: switch closing");
    persistent *pp = calloc(1, sizeof *pp);
    if (!pp)
        return ag_err_set(AG_ERR_NOMEM, "p2p: persistent peer");
    pp->sw = sw;
    pp->addr = a;
    int rc = uv_timer_init(sw->loop, &pp->timer);
    if (rc < 0) {
        free(pp);
        return ag_err_from_uv(rc, "p2p: timer");
    }
    pp->timer.data = pp;
    sw->open_handles++;
    sw->pers[sw->n_pers++] = pp;
    if (sw->started)
        uv_timer_start(&pp->timer, on_redial, 0, 0);
    return AG_OK;
}

/* ---- listening ---- */

static void on_refused_closed(uv_handle_t *h)
{
    free(h);
}

static void on_connection(uv_stream_t *lis, int status)
{
    p2p_switch *sw = lis->data;
    if (status < 0 || sw->closing)
        return;
    if (count(sw, false, false) >= sw->o.max_inbound) {
        /* Persistent peers are let in past the limit only once known, so
         * refuse here without a handshake: the limit bounds work per peer. */
        uv_tcp_t *tmp = malloc(sizeof *tmp);
        if (!tmp)
            return;
        uv_tcp_init(sw->loop, tmp);
        uv_accept(lis, (uv_stream_t *)tmp);
        uv_close((uv_handle_t *)tmp, on_refused_closed);
        sw->stats.refused_limit++;
        return;
    }
    p2p_peer *p;
    ag_err err = new_conn(sw, false, &p);
    if (err)
        return;
    int rc = uv_accept(lis, (uv_stream_t *)p2p_mconn_tcp(p->conn));
    err = rc < 0 ? ag_err_from_uv(rc, "p2p: accept") : p2p_mconn_start(p->conn);
    if (err) {
        p2p_mconn_close(p->conn, err);
        return;
    }
    sw->stats.accepted++;
    /* One host cannot hold every inbound slot with handshakes it never ends. */
    const char *ip = p2p_mconn_remote_ip(p->conn);
    uint32_t same = 0;
    for (p2p_peer *q = sw->peers; q; q = q->next)
        if (q != p && !q->outbound && !q->active && !p2p_mconn_closing(q->conn) &&
            strcmp(p2p_mconn_remote_ip(q->conn), ip) == 0)
            same++;
    if (same >= sw->o.max_handshakes_per_ip) {
        sw->stats.refused_limit++;
        p2p_mconn_close(p->conn, ag_err_set(AG_ERR_PERMISSION,
                                            "p2p: %u handshakes from %s in progress", same, ip));
    }
}

static void on_tick(uv_timer_t *t)
{
    p2p_switch *sw = t->data;
    uint64_t now = uv_now(sw->loop);
    for (size_t i = 0; i < sw->n_reactors && !sw->closing; i++)
        if (sw->reactors[i].tick)
            sw->reactors[i].tick(sw->reactors[i].ctx, now);
}

/* ---- life cycle ---- */

static void copy_opt(char *dst, size_t cap, const char *src)
{
    if (src && strncmp(src, "tcp://", 6) == 0)
        src += 6; /* the config's form of an address */
    snprintf(dst, cap, "%s", src ? src : "");
}

ag_err p2p_switch_new(p2p_switch **out, uv_loop_t *loop, const node_key *key, const ag_env *env,
                      const p2p_switch_opts *opts)
{
    *out = NULL;
    p2p_switch *sw = calloc(1, sizeof *sw);
    if (!sw)
        return ag_err_set(AG_ERR_NOMEM, "p2p: switch");
    sw->loop = loop;
    sw->key = key;
    sw->env = env;
    if (opts)
        sw->o = *opts;
    else
        p2p_switch_opts_default(&sw->o);
    copy_opt(sw->listen_cfg, sizeof sw->listen_cfg, sw->o.listen_addr);
    copy_opt(sw->external, sizeof sw->external, sw->o.external_address);
    copy_opt(sw->network, sizeof sw->network, sw->o.network);
    copy_opt(sw->moniker, sizeof sw->moniker, sw->o.moniker);
    sw->o.listen_addr = sw->listen_cfg[0] ? sw->listen_cfg : NULL;
    sw->o.external_address = sw->external[0] ? sw->external : NULL;
    sw->o.network = sw->network;
    sw->o.moniker = sw->moniker;
    if (!sw->o.tick_ms)
        sw->o.tick_ms = 100;
    if (!sw->o.dial_backoff_min_ms)
        sw->o.dial_backoff_min_ms = 1;
    if (sw->o.dial_backoff_max_ms < sw->o.dial_backoff_min_ms)
        sw->o.dial_backoff_max_ms = sw->o.dial_backoff_min_ms;
    for (int i = 0; i < 256; i++)
        sw->chan_owner[i] = -1;
    snprintf(sw->self.id, sizeof sw->self.id, "%s", key->id);
    snprintf(sw->self.network, sizeof sw->self.network, "%s", sw->network);
    snprintf(sw->self.moniker, sizeof sw->self.moniker, "%s", sw->moniker);
    snprintf(sw->self.version, sizeof sw->self.version, "agora-0.1");
    *out = sw;
    return AG_OK;
}

ag_err p2p_switch_add_reactor(p2p_switch *sw, const p2p_reactor *r, int *slot)
{
    *slot = -1;
    if (sw->started || sw->closing)
        return ag_err_set(AG_ERR_STATE, "p2p: reactors are added before start");
    if (sw->n_reactors >= P2P_REACTORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: more than %d reactors", P2P_REACTORS_MAX);
    if (sw->n_chans + r->n_channels > P2P_CHANNELS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "p2p: more than %d channels", P2P_CHANNELS_MAX);
    for (size_t i = 0; i < r->n_channels; i++) {
        if (sw->chan_owner[r->channels[i].id] >= 0)
            return ag_err_set(AG_ERR_EXISTS, "p2p: channel 0x%02x already registered",
                              r->channels[i].id);
        for (size_t j = 0; j < i; j++)
            if (r->channels[j].id == r->channels[i].id)
                return ag_err_set(AG_ERR_EXISTS, "p2p: channel 0x%02x twice", r->channels[i].id);
    }
    int idx = (int)sw->n_reactors++;
    sw->reactors[idx] = *r;
    for (size_t i = 0; i < r->n_channels; i++) {
        sw->chans[sw->n_chans] = r->channels[i];
        sw->self.channels[sw->n_chans] = r->channels[i].id;
        sw->n_chans++;
        sw->chan_owner[r->channels[i].id] = idx;
    }
    sw->self.n_channels = sw->n_chans;
    sw->reactors[idx].channels = NULL; /* not kept: copied above */
    *slot = idx;
    return AG_OK;
}

ag_err p2p_switch_start(p2p_switch *sw)
{
    if (sw->started || sw->closing)
        return ag_err_set(AG_ERR_STATE, "p2p: switch already started");
    int rc;
    if (sw->o.listen_addr) {
        p2p_netaddr la;
        struct sockaddr_storage ss;
        ag_err err = p2p_netaddr_parse(&la, sw->o.listen_addr, false);
        if (err == AG_ERR_DECODE && strstr(sw->o.listen_addr, ":0")) {
            /* port 0: any free port */
            char tmp[P2P_ADDR_MAX + 8];
            snprintf(tmp, sizeof tmp, "%s", sw->o.listen_addr);
            char *colon = strrchr(tmp, ':');
            snprintf(colon, sizeof tmp - (size_t)(colon - tmp), ":1");
            err = p2p_netaddr_parse(&la, tmp, false);
            la.port = 0;
        }
        if (!err)
            err = p2p_netaddr_sockaddr(&la, &ss);
        if (err)
            return err;
        rc = uv_tcp_init(sw->loop, &sw->listener);
        if (rc < 0)
            return ag_err_from_uv(rc, "p2p: tcp init");
        sw->listener.data = sw;
        sw->open_handles++;
        sw->listening = true;
        rc = uv_tcp_bind(&sw->listener, (const struct sockaddr *)&ss, 0);
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)&sw->listener, 128, on_connection);
        if (rc < 0)
            return ag_err_from_uv(rc, "p2p: listen");
        struct sockaddr_storage bound;
        int blen = sizeof bound;
        uv_tcp_getsockname(&sw->listener, (struct sockaddr *)&bound, &blen);
        la.port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                   : ((struct sockaddr_in6 *)&bound)->sin6_port);
        p2p_netaddr_format(&la, sw->advertised, sizeof sw->advertised);
    }
    if (sw->o.external_address)
        snprintf(sw->advertised, sizeof sw->advertised, "%s", sw->o.external_address);
    snprintf(sw->self.listen_addr, sizeof sw->self.listen_addr, "%s", sw->advertised);
    rc = uv_timer_init(sw->loop, &sw->tick);
    if (rc < 0)
        return ag_err_from_uv(rc, "p2p: timer");
    sw->tick.data = sw;
    sw->open_handles++;
    sw->tick_on = true;
    uv_timer_start(&sw->tick, on_tick, sw->o.tick_ms, sw->o.tick_ms);
    sw->started = true;
    for (size_t i = 0; i < sw->n_pers; i++)
        uv_timer_start(&sw->pers[i]->timer, on_redial, 0, 0);
    ag_log_info(LOG_MOD, "node %s listening on %s", sw->self.id,
                sw->advertised[0] ? sw->advertised : "(nothing)");
    return AG_OK;
}

void p2p_switch_close(p2p_switch *sw, void (*cb)(void *ctx), void *ctx)
{
    if (sw->closing)
        return;
    sw->closing = true;
    sw->on_closed = cb;
    sw->on_closed_ctx = ctx;
    if (sw->listening) {
        sw->listener.data = sw;
        uv_close((uv_handle_t *)&sw->listener, on_handle_closed);
    }
    if (sw->tick_on)
        uv_close((uv_handle_t *)&sw->tick, on_handle_closed);
    for (size_t i = 0; i < sw->n_pers; i++) {
        sw->pers[i]->timer.data = sw;
        uv_close((uv_handle_t *)&sw->pers[i]->timer, on_handle_closed);
    }
    for (p2p_peer *p = sw->peers; p; p = p->next)
        disconnect(sw, p, AG_ERR_CLOSED);
    maybe_finish_close(sw);
}

size_t p2p_switch_broadcast(p2p_switch *sw, uint8_t channel, const uint8_t *msg, size_t len)
{
    size_t n = 0;
    for (p2p_peer *p = sw->peers; p; p = p->next)
        if (p->active && p2p_peer_send(p, channel, msg, len) == AG_OK)
            n++;
    return n;
}

const char *p2p_switch_id(const p2p_switch *sw)
{
    return sw->self.id;
}

const char *p2p_switch_listen_addr(const p2p_switch *sw)
{
    return sw->advertised;
}

const p2p_switch_stats *p2p_switch_get_stats(const p2p_switch *sw)
{
    return &sw->stats;
}

uv_loop_t *p2p_switch_loop(const p2p_switch *sw)
{
    return sw->loop;
}

const ag_env *p2p_switch_env(const p2p_switch *sw)
{
    return sw->env;
}
