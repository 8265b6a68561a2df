/*
 * p2p address book and peer exchange: the book's bounds, sampling and JSON
 * file; the PexMessage codec; discovery of a third node through a seed;
 * request spam and unsolicited address lists reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p/addrbook.h"
#include "p2p/pex.h"
#include "tests/harness/ag_test.h"
#include "tests/harness/p2p_rig.h"

static void mk_addr(p2p_netaddr *a, unsigned i)
{
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%040x", i);
    snprintf(a->host, sizeof a->host, "10.0.%u.%u", (i >> 8) & 255, i & 255);
    a->port = (uint16_t)(26656 + i % 100);
}

START_TEST(addrbook_bounds_and_sample)
{
    ag_env_sim env;
    ag_env_sim_init(&env, ag_test_seed(), 1700000000ull * 1000000000ull);
    p2p_addrbook *ab;
    ck_assert_int_eq(p2p_addrbook_new(&ab, NULL, 0, &env.env), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(p2p_addrbook_new(&ab, NULL, 50, &env.env), AG_OK);
    p2p_netaddr a;
    mk_addr(&a, 1);
    p2p_addrbook_set_self(ab, a.id);
    ck_assert_int_eq(p2p_addrbook_add(ab, &a, NULL), AG_ERR_INVALID_ARG); /* ourselves */
    p2p_netaddr noid = a;
    noid.id[0] = 0;
    ck_assert_int_eq(p2p_addrbook_add(ab, &noid, NULL), AG_ERR_INVALID_ARG);
    p2p_netaddr name = a;
    name.id[39] = '9';
    snprintf(name.host, sizeof name.host, "example.com");
    ck_assert_int_eq(p2p_addrbook_add(ab, &name, NULL), AG_ERR_UNSUPPORTED);
    for (unsigned i = 2; i < 200; i++) {
        mk_addr(&a, i);
        ck_assert_int_eq(p2p_addrbook_add(ab, &a, NULL), AG_OK);
        ck_assert_uint_le(p2p_addrbook_size(ab), 50); /* bounded */
    }
    ck_assert_uint_eq(p2p_addrbook_size(ab), 50);
    /* refreshing an entry keeps the size */
    mk_addr(&a, 199);
    ck_assert_int_eq(p2p_addrbook_add(ab, &a, NULL), AG_OK);
    ck_assert_uint_eq(p2p_addrbook_size(ab), 50);
    /* samples are bounded, distinct and skip bad entries */
    p2p_netaddr out[100];
    size_t n = p2p_addrbook_sample(ab, out, 100, NULL, NULL);
    ck_assert_uint_eq(n, 50);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(out[i].id, out[j].id);
    ck_assert_uint_eq(p2p_addrbook_sample(ab, out, 10, NULL, NULL), 10);
    for (int k = 0; k < P2P_ADDRBOOK_FAILS_BAD; k++)
        p2p_addrbook_mark_failed(ab, out[0].id);
    ck_assert(p2p_addrbook_is_bad(ab, out[0].id));
    p2p_addrbook_mark_bad(ab, out[1].id, 60);
    n = p2p_addrbook_sample(ab, out + 10, 90, NULL, NULL);
    ck_assert_uint_eq(n, 48);
    p2p_addrbook_mark_good(ab, out[0].id);
    ck_assert(!p2p_addrbook_is_bad(ab, out[0].id));
    /* a full book evicts the entry with the most failures */
    for (int k = 0; k < 5; k++)
        p2p_addrbook_mark_failed(ab, out[2].id);
    char victim[NODE_ID_LEN + 1];
    snprintf(victim, sizeof victim, "%s", out[2].id);
    mk_addr(&a, 500);
    ck_assert_int_eq(p2p_addrbook_add(ab, &a, NULL), AG_OK);
    ck_assert_ptr_null(p2p_addrbook_get(ab, victim));
    ck_assert_ptr_nonnull(p2p_addrbook_get(ab, a.id));
    p2p_addrbook_free(ab);
}
END_TEST

START_TEST(addrbook_file_roundtrip)
{
    ag_env_sim env;
    ag_env_sim_init(&env, ag_test_seed(), 1700000000ull * 1000000000ull);
    char dir[64], path[128];
    ag_test_mkdtemp(dir, "p2p-book");
    snprintf(path, sizeof path, "%s/addrbook.json", dir);
    p2p_addrbook *ab;
    ck_assert_int_eq(p2p_addrbook_new(&ab, path, 100, &env.env), AG_OK); /* no file yet */
    ck_assert_uint_eq(p2p_addrbook_size(ab), 0);
    p2p_netaddr a, src;
    mk_addr(&src, 77);
    for (unsigned i = 1; i <= 20; i++) {
        mk_addr(&a, i);
        ck_assert_int_eq(p2p_addrbook_add(ab, &a, src.id), AG_OK);
    }
    mk_addr(&a, 3);
    p2p_addrbook_mark_failed(ab, a.id);
    ck_assert_int_eq(p2p_addrbook_save(ab), AG_OK);
    p2p_addrbook_free(ab);
    ck_assert_int_eq(p2p_addrbook_new(&ab, path, 100, &env.env), AG_OK);
    ck_assert_uint_eq(p2p_addrbook_size(ab), 20);
    const p2p_addr_entry *e = p2p_addrbook_get(ab, a.id);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->attempts, 1);
    ck_assert_str_eq(e->src, src.id);
    ck_assert_str_eq(e->addr.host, a.host);
    ck_assert_uint_eq(e->last_seen, 1700000000ull);
    p2p_addrbook_free(ab);
    /* a corrupt file is refused, not half-used */
    FILE *f = fopen(path, "w");
    fputs("{\"version\":1,\"addrs\":[{\"addr\":\"nope\",\"src\":\"\"}]}", f);
    fclose(f);
    ck_assert_int_eq(p2p_addrbook_new(&ab, path, 100, &env.env), AG_ERR_CORRUPT);
    f = fopen(path, "w");
    fputs("{\"version\":1,\"addrs\":[", f);
    fclose(f);
    ck_assert_int_eq(p2p_addrbook_new(&ab, path, 100, &env.env), AG_ERR_DECODE);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(pex_codec)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    p2p_netaddr in[P2P_PEX_ADDRS_MAX], out[P2P_PEX_ADDRS_MAX];
    for (unsigned i = 0; i < P2P_PEX_ADDRS_MAX; i++)
        mk_addr(&in[i], i + 1);
    bool req;
    size_t n;
    ck_assert_int_eq(p2p_pex_encode_request(&b), AG_OK);
    ck_assert_int_eq(p2p_pex_decode(b.data, b.len, &req, out, &n), AG_OK);
    ck_assert(req);
    ag_buf_reset(&b);
    ck_assert_int_eq(p2p_pex_encode_addrs(&b, in, P2P_PEX_ADDRS_MAX), AG_OK);
    ck_assert_uint_le(b.len, P2P_PEX_MSG_MAX);
    ck_assert_int_eq(p2p_pex_decode(b.data, b.len, &req, out, &n), AG_OK);
    ck_assert(!req);
    ck_assert_uint_eq(n, P2P_PEX_ADDRS_MAX);
    for (size_t i = 0; i < n; i++)
        ck_assert(p2p_netaddr_equal(&in[i], &out[i]));
    ck_assert_int_eq(p2p_pex_encode_addrs(&b, in, P2P_PEX_ADDRS_MAX + 1), AG_ERR_TOO_LARGE);
    /* an address with a bad ID is refused */
    ag_buf_reset(&b);
    in[5].id[0] = 'Z';
    ck_assert_int_eq(p2p_pex_encode_addrs(&b, in, 10), AG_OK);
    ck_assert_int_eq(p2p_pex_decode(b.data, b.len, &req, out, &n), AG_ERR_DECODE);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(p2p_pex_decode((const uint8_t *)"", 0, &req, out, &n), AG_ERR_DECODE);
    ag_buf_free(&b);
}
END_TEST

typedef struct trio {
    tnode *b, *c;
} trio;

static bool c_met_b(void *ctx)
{
    trio *t = ctx;
    return p2p_switch_find_peer(t->c->sw, t->b->key.id) != NULL;
}

typedef struct seed_ctx {
    tnode *s, *c;
} seed_ctx;

static bool seed_let_go(void *ctx)
{
    seed_ctx *x = ctx;
    return !p2p_switch_find_peer(x->s->sw, x->c->key.id) && x->s->rx.removed >= 2;
}

START_TEST(pex_discovers_through_seed)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode s, b, c;
    memset(&s, 0, sizeof s);
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    p2p_pex_opts so, po;
    p2p_pex_opts_default(&so);
    so.seed_mode = true;
    so.ensure_interval_ms = 50;
    so.seed_disconnect_ms = 300;
    s.pex_opts = &so;
    tnode_up(&s, &loop, &env.env, &o, false);
    char seed[P2P_ADDR_MAX + 1];
    tnode_addr(&s, seed, sizeof seed);
    const char *seeds[] = {seed};
    p2p_pex_opts_default(&po);
    po.seeds = seeds;
    po.n_seeds = 1;
    po.ensure_interval_ms = 50;
    b.pex_opts = &po;
    c.pex_opts = &po;
    tnode_up(&b, &loop, &env.env, &o, false);
    /* b finds nobody in its book, dials the seed, which learns b's address */

    trio t = {&b, &c};
    run_for(&loop, 300);
    ck_assert_ptr_nonnull(p2p_addrbook_get(s.book, b.key.id));
    tnode_up(&c, &loop, &env.env, &o, false);
    ck_assert_msg(run_until(&loop, c_met_b, &t, 5000), "c never reached b");
    ck_assert_ptr_nonnull(p2p_addrbook_get(c.book, b.key.id));
    /* the seed hangs up on the nodes it served */
    seed_ctx sc = {&s, &c};
    ck_assert(run_until(&loop, seed_let_go, &sc, 5000));
    ck_assert(!p2p_switch_is_banned(s.sw, c.key.id));
    tnode_close(&s, &loop);
    tnode_close(&b, &loop);
    tnode_close(&c, &loop);
    rig_finish(&loop);
}
END_TEST

static bool removed_one(void *ctx)
{
    return ((tnode *)ctx)->rx.removed >= 1;
}

START_TEST(pex_spam_reported)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    p2p_pex_opts po;
    p2p_pex_opts_default(&po);
    po.ensure_interval_ms = 100000;
    po.min_request_interval_ms = 100000;
    a.pex_opts = &po;
    b.pex_opts = &po;
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    tnode_dial(&a, &b);
    run_for(&loop, 300);
    ck_assert_ptr_nonnull(p2p_switch_find_peer(a.sw, b.key.id));
    /* a already asked once on connect; 10 more requests cost 10 points each */
    ag_buf m;
    ag_buf_init(&m, 0);
    ck_assert_int_eq(p2p_pex_encode_request(&m), AG_OK);
    for (int sent = 0; sent < 10;) {
        /* looked up each time: the peer is gone once b hangs up */
        p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
        if (!pb)
            break;
        ag_err err = p2p_peer_send(pb, P2P_CH_PEX, m.data, m.len);
        if (err == AG_OK)
            sent++;
        else if (err != AG_ERR_AGAIN)
            break;
        run_for(&loop, 5);
    }
    ck_assert(run_until(&loop, removed_one, &b, 5000));
    ck_assert(p2p_switch_is_banned(b.sw, a.key.id));
    ag_buf_free(&m);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

/* A new outbound peer is asked for addresses once on connect; the reactor's
 * first periodic pass (which runs at the first tick) must not ask the same
 * peer again before min_request_interval_ms, or the peer rightly counts it
 * as spam. Default options, as a node runs them. */
START_TEST(pex_new_peer_not_flagged)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    p2p_pex_opts po;
    p2p_pex_opts_default(&po);
    a.pex_opts = &po;
    b.pex_opts = &po;
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    tnode_dial(&a, &b);
    run_for(&loop, 2000);
    p2p_peer *pa = p2p_switch_find_peer(b.sw, a.key.id);
    ck_assert_ptr_nonnull(pa);
    ck_assert_uint_eq(p2p_peer_score(pa), 0);
    /* b learnt a's address from the connection; a asked b (b's book is
     * empty but for a, which b skips, so a learns nothing new). */
    ck_assert_ptr_nonnull(p2p_addrbook_get(b.book, a.key.id));
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

START_TEST(pex_unsolicited_addrs_reported)
{
    uv_loop_t loop;
    ag_env_sim env;
    rig_init(&loop, &env);
    p2p_switch_opts o;
    rig_default_opts(&o);
    tnode a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    p2p_pex_opts po;
    p2p_pex_opts_default(&po);
    po.ensure_interval_ms = 100000;
    po.seed_mode = true; /* seeds never ask, so any PexAddrs to b is unsolicited */
    b.pex_opts = &po;
    p2p_pex_opts pa;
    p2p_pex_opts_default(&pa);
    pa.ensure_interval_ms = 100000;
    a.pex_opts = &pa;
    tnode_up(&a, &loop, &env.env, &o, false);
    tnode_up(&b, &loop, &env.env, &o, false);
    tnode_dial(&b, &a);
    run_for(&loop, 200);
    p2p_peer *pb = p2p_switch_find_peer(a.sw, b.key.id);
    ck_assert_ptr_nonnull(pb);
    ag_buf m;
    ag_buf_init(&m, 0);
    p2p_netaddr x;
    mk_addr(&x, 9);
    ck_assert_int_eq(p2p_pex_encode_addrs(&m, &x, 1), AG_OK);
    ck_assert_int_eq(p2p_peer_send(pb, P2P_CH_PEX, m.data, m.len), AG_OK);
    run_for(&loop, 200);
    p2p_peer *pa_ = p2p_switch_find_peer(b.sw, a.key.id);
    ck_assert_ptr_nonnull(pa_);
    ck_assert_uint_eq(p2p_peer_score(pa_), 20);
    ck_assert_ptr_null(p2p_addrbook_get(b.book, x.id));
    ag_buf_free(&m);
    tnode_close(&a, &loop);
    tnode_close(&b, &loop);
    rig_finish(&loop);
}
END_TEST

static Suite *p2p_pex_suite(void)
{
    Suite *s = suite_create("p2p_pex");
    TCase *tc = ag_test_tcase("addrbook");
    tcase_add_test(tc, addrbook_bounds_and_sample);
    tcase_add_test(tc, addrbook_file_roundtrip);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("pex");
    tcase_add_test(tc, pex_codec);
    tcase_add_test(tc, pex_discovers_through_seed);
    tcase_add_test(tc, pex_spam_reported);
    tcase_add_test(tc, pex_new_peer_not_flagged);
    tcase_add_test(tc, pex_unsolicited_addrs_reported);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(p2p_pex_suite)
