/*
 * gossip.c — the gossip bundle (gossip.h) and the consensus reactor.
 *
 * Per peer (its data slot) we keep what we believe it has of its current
 * height: its (height, round, step) from its NewRoundStep messages, the
 * proposal of one round and a bitmap of that proposal's parts, and bitmaps of
 * prevotes/precommits per round. Everything we send or receive is marked, so
 * nothing is sent twice while the peer stays at that height; a new height
 * clears the marks. The engine's broadcast hooks push the node's own messages
 * at once; every tick each peer is sent what it still lacks of its
 * height/round (the proposal, its parts, the votes of its round, the round
 * before and our round), at most cons_msgs_per_tick messages, and a peer one
 * height behind gets the stored block with its commit (resent every
 * catchup_resend_ms while it stays behind).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "p2p/gossip_internal.h"

/* ---- the seen set ---- */

ag_err p2p_gsp_seen_init(gsp_seen *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    size_t slots = 16;
    while (slots < cap) /* a generation is rotated when half full: slots/2 keys */
        slots *= 2;
    s->slots = slots;
    s->gen[0] = calloc(slots, sizeof(uint64_t));
    s->gen[1] = calloc(slots, sizeof(uint64_t));
    if (!s->gen[0] || !s->gen[1]) {
        p2p_gsp_seen_free(s);
        return ag_err_set(AG_ERR_NOMEM, "gossip: seen set of %zu", cap);
    }
    return AG_OK;
}

void p2p_gsp_seen_free(gsp_seen *s)
{
    free(s->gen[0]);
    free(s->gen[1]);
    memset(s, 0, sizeof *s);
}

uint64_t p2p_gsp_key(const uint8_t *hash32)
{
    uint64_t k;
    memcpy(&k, hash32, sizeof k);
    return k ? k : 1;
}

static bool gen_has(const uint64_t *t, size_t slots, uint64_t key)
{
    for (size_t i = key & (slots - 1);; i = (i + 1) & (slots - 1)) {
        if (t[i] == key)
            return true;
        if (t[i] == 0)
            return false;
    }
}

bool p2p_gsp_seen_has(const gsp_seen *s, uint64_t key)
{
    return s->slots && (gen_has(s->gen[0], s->slots, key) || gen_has(s->gen[1], s->slots, key));
}

void p2p_gsp_seen_add(gsp_seen *s, uint64_t key)
{
    if (!s->slots || p2p_gsp_seen_has(s, key))
        return;
    if (s->count >= s->slots / 2) {
        uint64_t *old = s->gen[1];
        s->gen[1] = s->gen[0];
        s->gen[0] = old;
        memset(old, 0, s->slots * sizeof *old);
        s->count = 0;
    }
    size_t i = key & (s->slots - 1);
    while (s->gen[0][i] != 0)
        i = (i + 1) & (s->slots - 1);
    s->gen[0][i] = key;
    s->count++;
}

/* ---- shared helpers ---- */

bool p2p_gsp_ready(const p2p_gossip *g)
{
    return g->e && cons_engine_core(g->e) != NULL && cons_engine_failed(g->e) == AG_OK;
}

uint64_t p2p_gsp_now_ms(const p2p_gossip *g)
{
    return uv_now(p2p_switch_loop(g->sw));
}

static size_t all_peers(p2p_gossip *g, p2p_peer ***out)
{
    static p2p_peer *none[1];
    size_t n = p2p_switch_peers(g->sw, none, 0);
    *out = NULL;
    if (n == 0)
        return 0;
    p2p_peer **v = calloc(n, sizeof *v);
    if (!v)
        return 0;
    n = p2p_switch_peers(g->sw, v, n);
    *out = v;
    return n;
}

ag_err p2p_gsp_send(p2p_peer *p, uint8_t ch, const uint8_t *msg, size_t len)
{
    const p2p_node_info *ni = p2p_peer_info(p);
    for (size_t i = 0; ni && i < ni->n_channels; i++)
        if (ni->channels[i] == ch)
            return p2p_peer_send(p, ch, msg, len);
    return AG_ERR_UNSUPPORTED;
}

size_t p2p_gsp_broadcast(p2p_gossip *g, uint8_t ch, const uint8_t *msg, size_t len)
{
    p2p_peer **v;
    size_t n = all_peers(g, &v), ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += p2p_gsp_send(v[i], ch, msg, len) == AG_OK;
    free(v);
    return ok;
}

bool p2p_gsp_is_peer_fault(ag_err err)
{
    return err == AG_ERR_VERIFY || err == AG_ERR_DECODE || err == AG_ERR_TOO_LARGE ||
           err == AG_ERR_LENGTH || err == AG_ERR_TRUNCATED;
}

void p2p_gsp_report(p2p_gossip *g, p2p_peer *peer, ag_err err, const char *what)
{
    if (p2p_gsp_is_peer_fault(err)) {
        char why[160];
        snprintf(why, sizeof why, "%s: %s", what, ag_err_detail());
        p2p_peer_report_bad(peer, P2P_BAD_INVALID_MSG, why);
    } else if (err != AG_OK && err != AG_ERR_AGAIN && err != AG_ERR_EXISTS) {
        ag_log_warn("gossip", "%s from %s: %s: %s", what, p2p_peer_id(peer), ag_err_name(err),
                    ag_err_detail());
    }
}

/* ---- per-peer consensus state ---- */

static gsp_cons_peer *cpeer(p2p_gossip *g, p2p_peer *p)
{
    return p2p_peer_get_data(p, g->slot_cons);
}

static void cp_reset_height(gsp_cons_peer *ps)
{
    ps->prop_h = -1;
    ps->prop_r = -1;
    ps->parts_total = 0;
    free(ps->parts);
    ps->parts = NULL;
    for (int i = 0; i < GSP_VROUNDS; i++)
        ps->v[i].used = false;
}

static gsp_vbits *cp_vbits(gsp_cons_peer *ps, int32_t round, int32_t type, bool create)
{
    gsp_vbits *free_e = NULL, *oldest = NULL;
    for (int i = 0; i < GSP_VROUNDS; i++) {
        gsp_vbits *b = &ps->v[i];
        if (!b->used) {
            free_e = free_e ? free_e : b;
            continue;
        }
        if (b->round == round && b->type == type)
            return b;
        if (!oldest || b->round < oldest->round)
            oldest = b;
    }
    if (!create)
        return NULL;
    gsp_vbits *b = free_e ? free_e : oldest;
    if (!free_e && oldest && oldest->round > round)
        return NULL; /* older than everything kept: not tracked */
    memset(b->bits, 0, sizeof b->bits);
    b->used = true;
    b->round = round;
    b->type = type;
    return b;
}

static bool cp_has_vote(gsp_cons_peer *ps, int64_t h, int32_t r, int32_t type, int32_t idx)
{
    if (!ps->known || h != ps->h || idx < 0 || idx >= CONS_VALIDATORS_MAX)
        return false;
    gsp_vbits *b = cp_vbits(ps, r, type, false);
    return b && (b->bits[idx / 8] >> (idx % 8) & 1);
}

static void cp_mark_vote(gsp_cons_peer *ps, int64_t h, int32_t r, int32_t type, int32_t idx)
{
    if (!ps->known || h != ps->h || idx < 0 || idx >= CONS_VALIDATORS_MAX)
        return;
    gsp_vbits *b = cp_vbits(ps, r, type, true);
    if (b)
        b->bits[idx / 8] |= (uint8_t)(1u << (idx % 8));
}

static void cp_unmark_vote(gsp_cons_peer *ps, int64_t h, int32_t r, int32_t type, int32_t idx)
{
    if (!ps->known || h != ps->h || idx < 0 || idx >= CONS_VALIDATORS_MAX)
        return;
    gsp_vbits *b = cp_vbits(ps, r, type, false);
    if (b)
        b->bits[idx / 8] &= (uint8_t) ~(1u << (idx % 8));
}

static void cp_mark_proposal(gsp_cons_peer *ps, int64_t h, int32_t r, uint32_t total)
{
    if (ps->prop_h == h && ps->prop_r == r)
        return;
    ps->prop_h = h;
    ps->prop_r = r;
    free(ps->parts);
    ps->parts = NULL;
    ps->parts_total = 0;
    if (total > 0 && total <= CONS_BLOCK_PARTS_MAX) {
        ps->parts = calloc((total + 7) / 8, 1);
        if (ps->parts)
            ps->parts_total = total;
    }
}

static bool cp_has_part(const gsp_cons_peer *ps, int64_t h, int32_t r, uint32_t i)
{
    return ps->prop_h == h && ps->prop_r == r && i < ps->parts_total &&
           (ps->parts[i / 8] >> (i % 8) & 1);
}

static void cp_mark_part(gsp_cons_peer *ps, int64_t h, int32_t r, uint32_t i)
{
    if (ps->prop_h == h && ps->prop_r == r && i < ps->parts_total)
        ps->parts[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* ---- the engine's hooks ---- */

static void io_timer(void *ctx, uint32_t ms, uint64_t token)
{
    p2p_gossip *g = ctx;
    if (g->host.schedule_timer)
        g->host.schedule_timer(g->host.ctx, ms, token);
}

static void io_proposal(void *ctx, const cons_proposal *p)
{
    p2p_gossip *g = ctx;
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_cons_encode_proposal(&b, p) == AG_OK) {
        p2p_peer **v;
        size_t n = all_peers(g, &v);
        for (size_t i = 0; i < n; i++) {
            gsp_cons_peer *ps = cpeer(g, v[i]);
            if (ps && ps->prop_h == p->height && ps->prop_r == p->round)
                continue;
            if (p2p_gsp_send(v[i], P2P_CH_CONS_DATA, b.data, b.len) == AG_OK) {
                g->st.proposals_sent++;
                if (ps)
                    cp_mark_proposal(ps, p->height, p->round, p->block_id.parts.total);
            }
        }
        free(v);
    }
    ag_buf_free(&b);
    if (g->host.broadcast_proposal)
        g->host.broadcast_proposal(g->host.ctx, p);
}

static void io_part(void *ctx, int64_t h, int32_t r, const cons_part *part)
{
    p2p_gossip *g = ctx;
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_cons_encode_part(&b, h, r, part) == AG_OK) {
        p2p_peer **v;
        size_t n = all_peers(g, &v);
        for (size_t i = 0; i < n; i++) {
            gsp_cons_peer *ps = cpeer(g, v[i]);
            /* only after the proposal (the peer drops parts it cannot place) */
            if (!ps || ps->prop_h != h || ps->prop_r != r || cp_has_part(ps, h, r, part->index))
                continue;
            if (p2p_gsp_send(v[i], P2P_CH_CONS_DATA, b.data, b.len) == AG_OK) {
                g->st.parts_sent++;
                cp_mark_part(ps, h, r, part->index);
            }
        }
        free(v);
    }
    ag_buf_free(&b);
    if (g->host.broadcast_part)
        g->host.broadcast_part(g->host.ctx, h, r, part);
}

static void io_vote(void *ctx, const cons_vote *vt)
{
    p2p_gossip *g = ctx;
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_cons_encode_vote(&b, vt) == AG_OK) {
        p2p_peer **v;
        size_t n = all_peers(g, &v);
        for (size_t i = 0; i < n; i++) {
            gsp_cons_peer *ps = cpeer(g, v[i]);
            if (ps && cp_has_vote(ps, vt->height, vt->round, vt->type, vt->validator_index))
                continue;
            if (p2p_gsp_send(v[i], P2P_CH_CONS_VOTE, b.data, b.len) == AG_OK) {
                g->st.votes_sent++;
                if (ps)
                    cp_mark_vote(ps, vt->height, vt->round, vt->type, vt->validator_index);
            }
        }
        free(v);
    }
    ag_buf_free(&b);
    if (g->host.broadcast_vote)
        g->host.broadcast_vote(g->host.ctx, vt);
}

static void io_step(void *ctx, int64_t h, int32_t r, cons_step s)
{
    p2p_gossip *g = ctx;
    g->h = h;
    g->r = r;
    g->s = s;
    g->announced = true;
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_cons_encode_round_step(&b, h, r, s) == AG_OK)
        g->st.round_steps_sent += p2p_gsp_broadcast(g, P2P_CH_CONS_STATE, b.data, b.len);
    ag_buf_free(&b);
    if (g->host.new_round_step)
        g->host.new_round_step(g->host.ctx, h, r, s);
}

static void io_committed(void *ctx, const cons_engine_committed *c)
{
    p2p_gossip *g = ctx;
    if (g->host.committed)
        g->host.committed(g->host.ctx, c);
}

void p2p_gossip_engine_io(p2p_gossip *g, const cons_engine_io *host, cons_engine_io *out)
{
    g->host = host ? *host : (cons_engine_io){0};
    *out = (cons_engine_io){
        .ctx = g,
        .schedule_timer = io_timer,
        .broadcast_proposal = io_proposal,
        .broadcast_part = io_part,
        .broadcast_vote = io_vote,
        .new_round_step = io_step,
        .committed = io_committed,
    };
}

/* ---- the consensus reactor ---- */

static void cons_added(void *ctx, p2p_peer *p)
{
    p2p_gossip *g = ctx;
    gsp_cons_peer *ps = calloc(1, sizeof *ps);
    if (!ps) {
        p2p_switch_disconnect(g->sw, p2p_peer_id(p));
        return;
    }
    cp_reset_height(ps);
    p2p_peer_set_data(p, g->slot_cons, ps);
    if (g->announced) {
        ag_buf b;
        ag_buf_init(&b, 0);
        if (p2p_cons_encode_round_step(&b, g->h, g->r, g->s) == AG_OK &&
            p2p_gsp_send(p, P2P_CH_CONS_STATE, b.data, b.len) == AG_OK)
            g->st.round_steps_sent++;
        ag_buf_free(&b);
    }
}

static void cons_removed(void *ctx, p2p_peer *p, ag_err reason)
{
    (void)reason;
    p2p_gossip *g = ctx;
    gsp_cons_peer *ps = cpeer(g, p);
    if (ps) {
        cp_reset_height(ps);
        free(ps);
        p2p_peer_set_data(p, g->slot_cons, NULL);
    }
}

static void send_has_vote(p2p_gossip *g, p2p_peer *from, const cons_vote *vt)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_cons_encode_has_vote(&b, vt->height, vt->round, vt->type, vt->validator_index) !=
        AG_OK) {
        ag_buf_free(&b);
        return;
    }
    p2p_peer **v;
    size_t n = all_peers(g, &v);
    for (size_t i = 0; i < n; i++) {
        gsp_cons_peer *ps = cpeer(g, v[i]);
        if (v[i] == from || !ps || ps->h != vt->height)
            continue;
        if (p2p_gsp_send(v[i], P2P_CH_CONS_STATE, b.data, b.len) == AG_OK)
            g->st.has_votes_sent++;
    }
    free(v);
    ag_buf_free(&b);
}

/* Bits of the validators whose vote (first, conflicting or wanted) in vs is
 * for id; returns how many. bits holds P2P_CONS_VOTE_BITS_BYTES. */
static size_t votes_for(const cons_vote_set *vs, const cons_block_id *id, uint8_t *bits)
{
    size_t n = 0;
    memset(bits, 0, P2P_CONS_VOTE_BITS_BYTES);
    for (size_t i = 0; i < vs->vals->n && i < CONS_VALIDATORS_MAX; i++) {
        const cons_vote *vv[2 + CONS_VOTE_SET_WANTED_MAX];
        size_t k = cons_vote_set_votes_of(vs, i, vv);
        for (size_t j = 0; j < k; j++)
            if (cons_block_id_equal(&vv[j]->block_id, id)) {
                bits[i / 8] |= (uint8_t)(1u << (i % 8));
                n++;
                break;
            }
    }
    return n;
}

/* VoteSetMaj23 from a peer: answer with the votes we hold for its block id
 * (VoteSetBits), so it can send the ones we lack. Only for our height: the
 * vote sets of other heights are gone. */
static void answer_maj23(p2p_gossip *g, p2p_peer *p, const p2p_cons_msg *m)
{
    if (m->height != cons_engine_height(g->e))
        return;
    const cons_vote_set *vs =
        cons_core_votes(cons_engine_core(g->e), m->round, (cons_msg_type)m->type);
    if (!vs || !vs->vals)
        return;
    uint8_t *bits = malloc(P2P_CONS_VOTE_BITS_BYTES);
    if (!bits)
        return;
    votes_for(vs, &m->block_id, bits);
    ag_buf b;
    ag_buf_init(&b, 0);
    if (p2p_cons_encode_vote_set_bits(&b, m->height, m->round, m->type, &m->block_id, bits,
                                      (uint32_t)vs->vals->n) == AG_OK &&
        p2p_gsp_send(p, P2P_CH_CONS_VOTE_BITS, b.data, b.len) == AG_OK)
        g->st.vote_bits_sent++;
    ag_buf_free(&b);
    free(bits);
}

/* VoteSetBits from a peer (its answer to our VoteSetMaj23): it has exactly
 * the votes for that block id its bits show. A vote we hold for the id and
 * believed it had, but that its bits lack (dropped on the way, or sent
 * while it was elsewhere), is marked missing so the next tick sends it. */
static void apply_vote_bits(p2p_gossip *g, gsp_cons_peer *ps, const p2p_cons_msg *m)
{
    if (m->height != cons_engine_height(g->e) || !ps->known || ps->h != m->height)
        return;
    const cons_vote_set *vs =
        cons_core_votes(cons_engine_core(g->e), m->round, (cons_msg_type)m->type);
    if (!vs || !vs->vals || m->n_bits != vs->vals->n)
        return; /* another validator set: nothing to learn */
    uint8_t *ours = malloc(P2P_CONS_VOTE_BITS_BYTES);
    if (!ours)
        return;
    votes_for(vs, &m->block_id, ours);
    for (uint32_t i = 0; i < m->n_bits; i++) {
        bool theirs = m->vote_bits[i / 8] >> (i % 8) & 1;
        if (theirs)
            cp_mark_vote(ps, m->height, m->round, m->type, (int32_t)i);
        else if (ours[i / 8] >> (i % 8) & 1)
            cp_unmark_vote(ps, m->height, m->round, m->type, (int32_t)i);
    }
    free(ours);
}

static ag_err cons_receive(void *ctx, p2p_peer *p, uint8_t ch, const uint8_t *msg, size_t len)
{
    p2p_gossip *g = ctx;
    gsp_cons_peer *ps = cpeer(g, p);
    g->st.cons_recv++;
    p2p_cons_msg m;
    ag_err err = p2p_cons_msg_decode(&m, msg, len);
    if (err != AG_OK) {
        g->st.cons_bad++;
        p2p_gsp_report(g, p, err == AG_ERR_NOMEM ? AG_ERR_NOMEM : AG_ERR_DECODE,
                       "undecodable consensus message");
        return AG_OK;
    }
    bool on_state = m.kind == P2P_CONS_NEW_ROUND_STEP || m.kind == P2P_CONS_HAS_VOTE ||
                    m.kind == P2P_CONS_VOTE_SET_MAJ23;
    bool on_vote = m.kind == P2P_CONS_VOTE;
    bool on_bits = m.kind == P2P_CONS_VOTE_SET_BITS;
    if ((ch == P2P_CH_CONS_STATE) != on_state || (ch == P2P_CH_CONS_VOTE) != on_vote ||
        (ch == P2P_CH_CONS_VOTE_BITS) != on_bits || !ps) {
        g->st.cons_bad++;
        if (ps)
            p2p_peer_report_bad(p, P2P_BAD_INVALID_MSG, "consensus message on the wrong channel");
        p2p_cons_msg_clear(&m);
        return AG_OK;
    }
    cons_engine *e = p2p_gsp_ready(g) ? g->e : NULL;
    err = AG_OK;
    const char *what = "consensus message";
    switch (m.kind) {
    case P2P_CONS_NEW_ROUND_STEP:
        if (!ps->known || m.height != ps->h)
            cp_reset_height(ps);
        ps->known = true;
        ps->h = m.height;
        ps->r = m.round;
        ps->s = (cons_step)m.step;
        break;
    case P2P_CONS_HAS_VOTE:
        cp_mark_vote(ps, m.height, m.round, m.type, m.index);
        break;
    case P2P_CONS_VOTE_SET_MAJ23:
        if (e)
            answer_maj23(g, p, &m);
        break;
    case P2P_CONS_VOTE_SET_BITS:
        g->st.vote_bits_recv++;
        if (e)
            apply_vote_bits(g, ps, &m);
        break;
    case P2P_CONS_PROPOSAL:
        what = "proposal";
        cp_mark_proposal(ps, m.proposal.height, m.proposal.round, m.proposal.block_id.parts.total);
        if (e)
            err = cons_engine_receive_proposal(e, &m.proposal);
        break;
    case P2P_CONS_BLOCK_PART:
        what = "block part";
        cp_mark_part(ps, m.height, m.round, m.part.index);
        if (e)
            err = cons_engine_receive_part(e, m.height, m.round, &m.part);
        break;
    case P2P_CONS_VOTE:
        what = "vote";
        cp_mark_vote(ps, m.vote.height, m.vote.round, m.vote.type, m.vote.validator_index);
        if (e) {
            err = cons_engine_receive_vote(e, &m.vote);
            if (err == AG_OK && m.vote.height == cons_engine_height(e))
                send_has_vote(g, p, &m.vote);
        }
        break;
    case P2P_CONS_CATCHUP:
        what = "catch-up commit";
        if (e && m.commit.height == cons_engine_height(e)) {
            err = cons_engine_receive_commit(e, m.block.data, m.block.len, &m.commit);
            if (err == AG_OK && cons_engine_state(e)->last_block_height >= m.commit.height)
                g->st.catchups_applied++;
        }
        break;
    }
    if (p2p_gsp_is_peer_fault(err))
        g->st.cons_bad++;
    p2p_gsp_report(g, p, err, what);
    p2p_cons_msg_clear(&m);
    return AG_OK;
}

/* Send msg on ch; false when the peer's queue is full. */
static bool send_or_stop(p2p_peer *p, uint8_t ch, ag_buf *b, uint32_t *budget)
{
    if (*budget == 0) {
        ag_buf_reset(b);
        return false;
    }
    ag_err err = p2p_gsp_send(p, ch, b->data, b->len);
    ag_buf_reset(b);
    if (err != AG_OK)
        return false;
    (*budget)--;
    return true;
}

static void gossip_catchup(p2p_gossip *g, p2p_peer *p, gsp_cons_peer *ps, uint64_t now)
{
    cons_block_store *bs = cons_engine_block_store(g->e);
    int64_t h = ps->h;
    if (!bs || h < cons_block_store_base(bs) || h > cons_block_store_height(bs))
        return;
    if (ps->catchup_h == h && now - ps->catchup_at < g->o.catchup_resend_ms)
        return;
    ag_buf blk, msg;
    ag_buf_init(&blk, 0);
    ag_buf_init(&msg, 0);
    cons_commit c = {0};
    ag_err err = cons_block_store_load_block(bs, h, &blk);
    if (err == AG_OK)
        err = h < cons_block_store_height(bs) ? cons_block_store_load_commit(bs, h, &c)
                                              : cons_block_store_load_seen_commit(bs, h, &c);
    if (err == AG_OK)
        err = p2p_cons_encode_catchup(&msg, blk.data, blk.len, &c);
    if (err == AG_OK && p2p_gsp_send(p, P2P_CH_CONS_DATA, msg.data, msg.len) == AG_OK) {
        ps->catchup_h = h;
        ps->catchup_at = now;
        g->st.catchups_sent++;
    }
    cons_commit_clear(&c);
    ag_buf_free(&blk);
    ag_buf_free(&msg);
}

static void gossip_votes(p2p_gossip *g, p2p_peer *p, gsp_cons_peer *ps, int32_t round, ag_buf *b,
                         uint32_t *budget)
{
    const cons_core *core = cons_engine_core(g->e);
    static const int32_t types[2] = {CONS_MSG_PREVOTE, CONS_MSG_PRECOMMIT};
    for (int t = 0; t < 2 && *budget > 0; t++) {
        const cons_vote_set *vs = cons_core_votes(core, round, (cons_msg_type)types[t]);
        if (!vs || !vs->vals)
            continue;
        for (size_t i = 0; i<vs->vals->n && * budget> 0; i++) {
            if (!cons_vote_set_has(vs, i) || cp_has_vote(ps, ps->h, round, types[t], (int32_t)i))
                continue;
            const cons_vote *vt = cons_vote_set_get(vs, i);
            if (!vt || p2p_cons_encode_vote(b, vt) != AG_OK) {
                ag_buf_reset(b);
                continue;
            }
            if (!send_or_stop(p, P2P_CH_CONS_VOTE, b, budget))
                return;
            g->st.votes_sent++;
            cp_mark_vote(ps, ps->h, round, types[t], (int32_t)i);
        }
    }
}

static void gossip_peer(p2p_gossip *g, p2p_peer *p, gsp_cons_peer *ps, uint64_t now)
{
    cons_engine *e = g->e;
    int64_t our_h = cons_engine_height(e);
    if (!ps->known)
        return;
    if (ps->h == our_h - 1) {
        gossip_catchup(g, p, ps, now);
        return;
    }
    if (ps->h != our_h)
        return;
    uint32_t budget = g->o.cons_msgs_per_tick;
    ag_buf b;
    ag_buf_init(&b, 0);
    const cons_core *core = cons_engine_core(e);
    /* the proposal of the peer's round and its parts */
    const cons_proposal *prop = cons_core_proposal(core, ps->r);
    if (prop && !(ps->prop_h == ps->h && ps->prop_r == ps->r)) {
        if (p2p_cons_encode_proposal(&b, prop) == AG_OK &&
            send_or_stop(p, P2P_CH_CONS_DATA, &b, &budget)) {
            g->st.proposals_sent++;
            cp_mark_proposal(ps, ps->h, ps->r, prop->block_id.parts.total);
        }
        ag_buf_reset(&b);
    }
    const cons_part_set *parts = cons_engine_proposal_parts(e, ps->r);
    if (parts && ps->prop_h == ps->h && ps->prop_r == ps->r) {
        for (uint32_t i = 0; i < parts->header.total && budget > 0; i++) {
            const cons_part *pt = cons_part_set_get(parts, i);
            if (!pt || !pt->bytes || cp_has_part(ps, ps->h, ps->r, i))
                continue;
            if (p2p_cons_encode_part(&b, ps->h, ps->r, pt) != AG_OK) {
                ag_buf_reset(&b);
                continue;
            }
            if (!send_or_stop(p, P2P_CH_CONS_DATA, &b, &budget))
                break;
            g->st.parts_sent++;
            cp_mark_part(ps, ps->h, ps->r, i);
        }
    }
    /* votes of its round, the round before, and our round */
    gossip_votes(g, p, ps, ps->r, &b, &budget);
    if (ps->r > 0)
        gossip_votes(g, p, ps, ps->r - 1, &b, &budget);
    int32_t our_r = cons_engine_round(e);
    if (our_r != ps->r && our_r != ps->r - 1)
        gossip_votes(g, p, ps, our_r, &b, &budget);
    ag_buf_free(&b);
}

/* Tell a peer at our height of every +2/3 majority we have in its round and
 * ours (prevotes and precommits, nil included): it answers with the votes it
 * holds for that block id, and we send the ones it lacks. */
static void query_maj23(p2p_gossip *g, p2p_peer *p, gsp_cons_peer *ps)
{
    if (!ps->known || ps->h != cons_engine_height(g->e))
        return;
    const cons_core *core = cons_engine_core(g->e);
    int32_t rounds[2] = {ps->r, cons_engine_round(g->e)};
    static const int32_t types[2] = {CONS_MSG_PREVOTE, CONS_MSG_PRECOMMIT};
    for (int k = 0; k < 2; k++) {
        if (k == 1 && rounds[1] == rounds[0])
            break;
        for (int t = 0; t < 2; t++) {
            const cons_vote_set *vs = cons_core_votes(core, rounds[k], (cons_msg_type)types[t]);
            cons_block_id id;
            if (!vs || !cons_vote_set_two_thirds_majority(vs, &id))
                continue;
            ag_buf b;
            ag_buf_init(&b, 0);
            if (p2p_cons_encode_vote_set_maj23(&b, ps->h, rounds[k], types[t], &id) == AG_OK &&
                p2p_gsp_send(p, P2P_CH_CONS_STATE, b.data, b.len) == AG_OK)
                g->st.maj23_sent++;
            ag_buf_free(&b);
        }
    }
}

static void cons_tick(void *ctx, uint64_t now)
{
    p2p_gossip *g = ctx;
    if (!p2p_gsp_ready(g))
        return;
    bool maj23 = now >= g->maj23_at;
    if (maj23)
        g->maj23_at = now + g->o.maj23_interval_ms;
    p2p_peer **v;
    size_t n = all_peers(g, &v);
    for (size_t i = 0; i < n; i++) {
        gsp_cons_peer *ps = cpeer(g, v[i]);
        if (!ps)
            continue;
        if (maj23)
            query_maj23(g, v[i], ps);
        gossip_peer(g, v[i], ps, now);
    }
    free(v);
}

/* ---- the bundle ---- */

void p2p_gossip_opts_default(p2p_gossip_opts *o)
{
    *o = (p2p_gossip_opts){
        .cons_msgs_per_tick = 32,
        .catchup_resend_ms = 1000,
        .maj23_interval_ms = 2000,
        .txs_per_tick = 500,
        .txs_recv_per_s = 5000,
        .tx_seen_max = 16384,
        .evidence_resend_ms = 2000,
        .status_interval_ms = 2000,
        .sync_window = 64,
        .sync_per_peer = 8,
        .sync_timeout_ms = 10000,
    };
}

ag_err p2p_gossip_new(p2p_gossip **out, p2p_switch *sw, const p2p_gossip_opts *opts)
{
    *out = NULL;
    p2p_gossip *g = calloc(1, sizeof *g);
    if (!g)
        return ag_err_set(AG_ERR_NOMEM, "gossip: new");
    g->sw = sw;
    if (opts)
        g->o = *opts;
    else
        p2p_gossip_opts_default(&g->o);
    p2p_gossip_opts d;
    p2p_gossip_opts_default(&d);
    if (!g->o.cons_msgs_per_tick)
        g->o.cons_msgs_per_tick = d.cons_msgs_per_tick;
    if (!g->o.maj23_interval_ms)
        g->o.maj23_interval_ms = d.maj23_interval_ms;
    if (!g->o.txs_per_tick)
        g->o.txs_per_tick = d.txs_per_tick;
    if (!g->o.txs_recv_per_s)
        g->o.txs_recv_per_s = d.txs_recv_per_s;
    if (g->o.tx_seen_max < 64 || g->o.tx_seen_max > (1u << 20))
        g->o.tx_seen_max = d.tx_seen_max;
    if (!g->o.sync_window || g->o.sync_window > 1024)
        g->o.sync_window = d.sync_window;
    if (!g->o.sync_per_peer)
        g->o.sync_per_peer = d.sync_per_peer;
    if (!g->o.sync_timeout_ms)
        g->o.sync_timeout_ms = d.sync_timeout_ms;
    if (!g->o.status_interval_ms)
        g->o.status_interval_ms = d.status_interval_ms;
    static const p2p_channel_desc chans[] = {
        {P2P_CH_CONS_STATE, 6, 512, P2P_CONS_STATE_MSG_MAX},
        {P2P_CH_CONS_DATA, 10, 256, P2P_CONS_DATA_MSG_MAX},
        {P2P_CH_CONS_VOTE, 7, 1024, P2P_CONS_VOTE_MSG_MAX},
        {P2P_CH_CONS_VOTE_BITS, 1, 16, P2P_CONS_VOTE_BITS_MSG_MAX},
    };
    p2p_reactor r = {
        .name = "consensus",
        .channels = chans,
        .n_channels = 4,
        .ctx = g,
        .peer_added = cons_added,
        .peer_removed = cons_removed,
        .receive = cons_receive,
        .tick = cons_tick,
    };
    ag_err err = p2p_switch_add_reactor(sw, &r, &g->slot_cons);
    if (err == AG_OK)
        err = p2p_gsp_pool_register(g);
    if (err == AG_OK)
        err = p2p_gsp_sync_register(g);
    if (err != AG_OK) {
        p2p_gossip_free(g);
        return err;
    }
    *out = g;
    return AG_OK;
}

void p2p_gossip_attach(p2p_gossip *g, cons_engine *e)
{
    g->e = e;
    g->announced = false;
}

bool p2p_gossip_syncing(const p2p_gossip *g)
{
    return g->syncing;
}

const p2p_gossip_stats *p2p_gossip_get_stats(const p2p_gossip *g)
{
    return &g->st;
}

void p2p_gossip_free(p2p_gossip *g)
{
    if (!g)
        return;
    p2p_gsp_sync_free(g);
    free(g);
}
