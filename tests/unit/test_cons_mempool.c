/* The mempool against the example kvstore application, through the local
 * client and through the socket client (asynchronous completions).
 *
 * The kvstore's CheckTx is stateless ("key=value" format only), so the test
 * app wraps it: txs whose key starts with a banned prefix are rejected, which
 * lets a test change the "state" between a tx's admission and its recheck.
 * The wrapper counts NEW and RECHECK calls (under the app's mutex). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abci/client.h"
#include "abci/kvstore.h"
#include "abci/server.h"
#include "consensus/mempool.h"
#include "lib/log.h"
#include "tests/harness/ag_test.h"

enum { CODE_BANNED = 7 };

static pthread_mutex_t app_mu = PTHREAD_MUTEX_INITIALIZER;
static char banned[16];
static long n_new, n_recheck;
static abci_app_ops wrapped_ops;
static const abci_app_ops *kv_ops;

static ag_err test_check_tx(void *ctx, abci_arena *a, const abci_req_check_tx *req,
                            abci_resp_check_tx *resp)
{
    ag_err err = kv_ops->check_tx(ctx, a, req, resp);
    if (req->type == TENDERMINT__ABCI__CHECK_TX_TYPE__RECHECK)
        n_recheck++;
    else
        n_new++;
    size_t bl = strlen(banned);
    if (!err && resp->code == 0 && bl && req->tx.len >= bl && memcmp(req->tx.data, banned, bl) == 0)
        resp->code = CODE_BANNED;
    return err;
}

static void ban(const char *prefix)
{
    pthread_mutex_lock(&app_mu);
    snprintf(banned, sizeof banned, "%s", prefix);
    pthread_mutex_unlock(&app_mu);
}

static long get_count(long *c)
{
    pthread_mutex_lock(&app_mu);
    long v = *c;
    pthread_mutex_unlock(&app_mu);
    return v;
}

typedef struct rig {
    abci_kvstore *kv;
    abci_client *cli;
    abci_server *srv;
    cons_mempool *mp;
} rig;

static void rig_up(rig *r, bool socket, const cons_mempool_opts *opts)
{
    memset(r, 0, sizeof *r);
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    ban("");
    n_new = n_recheck = 0;
    ck_assert_int_eq(abci_kvstore_new(&r->kv, NULL), AG_OK);
    abci_app app = abci_kvstore_app(r->kv);
    kv_ops = app.ops;
    wrapped_ops = *app.ops;
    wrapped_ops.check_tx = test_check_tx;
    app.ops = &wrapped_ops;
    if (!socket) {
        ck_assert_int_eq(abci_local_new(&r->cli, &app, &app_mu), AG_OK);
    } else {
        abci_server_opts so = {0};
        so.app_mutex = &app_mu;
        ck_assert_int_eq(abci_server_new(&r->srv, &app, &so), AG_OK);
        ck_assert_msg(abci_server_listen(r->srv, "tcp://127.0.0.1:0") == AG_OK, "%s",
                      ag_err_detail());
        ck_assert_int_eq(abci_server_start(r->srv), AG_OK);
        abci_socket_opts o;
        abci_socket_opts_default(&o);
        o.io_timeout_ms = 10000;
        ck_assert_msg(abci_socket_new(&r->cli, abci_server_address(r->srv), &o) == AG_OK, "%s",
                      ag_err_detail());
    }
    ck_assert_int_eq(cons_mempool_new(&r->mp, r->cli, opts), AG_OK);
}

static void rig_down(rig *r)
{
    cons_mempool_free(r->mp);
    abci_client_free(r->cli);
    abci_server_free(r->srv);
    abci_kvstore_free(r->kv);
}

typedef struct outcome {
    int calls;
    ag_err result;
    uint32_t code;
} outcome;

static void on_done(void *user, ag_err result, uint32_t code)
{
    outcome *o = user;
    o->calls++;
    o->result = result;
    o->code = code;
}

/* CheckTx a string; returns the synchronous error, or the outcome's. */
static ag_err add(rig *r, const char *tx, outcome *o)
{
    memset(o, 0, sizeof *o);
    ag_err err = cons_mempool_check_tx(r->mp, (const uint8_t *)tx, strlen(tx), on_done, o);
    if (err) {
        ck_assert_int_eq(o->calls, 0);
        return err;
    }
    ck_assert_int_eq(cons_mempool_flush_app_conn(r->mp), AG_OK);
    ck_assert_int_eq(o->calls, 1);
    return o->result;
}

static crypto_hash key_of(const char *tx)
{
    crypto_hash h;
    crypto_sha256(h.b, tx, strlen(tx));
    return h;
}

static void assert_reap(const cons_mempool *mp, int64_t max_bytes, int64_t max_gas,
                        const char *const *want, size_t n)
{
    cons_mempool_txs t;
    ck_assert_int_eq(cons_mempool_reap(mp, max_bytes, max_gas, &t), AG_OK);
    ck_assert_uint_eq(t.n, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(t.txs[i].len, strlen(want[i]));
        ck_assert_mem_eq(t.txs[i].ptr, want[i], t.txs[i].len);
    }
    cons_mempool_txs_free(&t);
}

START_TEST(admission_and_duplicates)
{
    rig r;
    rig_up(&r, false, NULL);
    outcome o;
    ck_assert_int_eq(add(&r, "a=1", &o), AG_OK);
    ck_assert_uint_eq(cons_mempool_size(r.mp), 1);
    ck_assert_uint_eq(cons_mempool_bytes(r.mp), 3);
    crypto_hash k = key_of("a=1");
    ck_assert(cons_mempool_contains(r.mp, &k));
    ck_assert(cons_mempool_in_cache(r.mp, &k));
    /* a resubmission is refused without asking the app */
    long before = get_count(&n_new);
    ck_assert_int_eq(add(&r, "a=1", &o), AG_ERR_EXISTS);
    ck_assert_int_eq(get_count(&n_new), before);
    /* rejected by the app: not admitted, not cached, so it can be retried */
    ck_assert_int_eq(add(&r, "no-equals", &o), AG_ERR_VERIFY);
    ck_assert_int_eq(o.code, ABCI_KV_CODE_BAD_FORMAT);
    k = key_of("no-equals");
    ck_assert(!cons_mempool_in_cache(r.mp, &k));
    ck_assert_int_eq(add(&r, "no-equals", &o), AG_ERR_VERIFY);
    ck_assert_int_eq(get_count(&n_new), before + 2);
    /* a tx rejected for the state is accepted once the state allows it */
    ban("b");
    ck_assert_int_eq(add(&r, "b=2", &o), AG_ERR_VERIFY);
    ck_assert_int_eq(o.code, CODE_BANNED);
    ban("");
    ck_assert_int_eq(add(&r, "b=2", &o), AG_OK);
    ck_assert_uint_eq(cons_mempool_size(r.mp), 2);
    ck_assert_uint_eq(cons_mempool_in_flight(r.mp), 0);
    /* a NULL callback is allowed */
    ck_assert_int_eq(cons_mempool_check_tx(r.mp, (const uint8_t *)"c=3", 3, NULL, NULL), AG_OK);
    ck_assert_uint_eq(cons_mempool_size(r.mp), 3);
    rig_down(&r);
}
END_TEST

START_TEST(keep_invalid_in_cache)
{
    cons_mempool_opts opts;
    cons_mempool_opts_default(&opts);
    opts.keep_invalid_in_cache = true;
    rig r;
    rig_up(&r, false, &opts);
    outcome o;
    ck_assert_int_eq(add(&r, "bad", &o), AG_ERR_VERIFY);
    ck_assert_int_eq(add(&r, "bad", &o), AG_ERR_EXISTS);
    ck_assert_int_eq(get_count(&n_new), 1);
    rig_down(&r);
}
END_TEST

START_TEST(caps)
{
    cons_mempool_opts opts;
    cons_mempool_opts_default(&opts);
    opts.max_txs = 3;
    opts.max_bytes = 11;
    opts.max_tx_bytes = 6;
    rig r;
    rig_up(&r, false, &opts);
    outcome o;
    ck_assert_int_eq(add(&r, "toolong=1", &o), AG_ERR_TOO_LARGE);
    ck_assert_int_eq(add(&r, "a=1", &o), AG_OK);
    ck_assert_int_eq(add(&r, "b=1", &o), AG_OK);
    ck_assert_int_eq(add(&r, "c=1", &o), AG_OK);
    ck_assert_int_eq(add(&r, "d=1", &o), AG_ERR_AGAIN); /* count */
    crypto_hash k = key_of("d=1");
    ck_assert(!cons_mempool_in_cache(r.mp, &k)); /* refused before caching */
    crypto_hash kc = key_of("c=1");
    ck_assert_int_eq(cons_mempool_remove(r.mp, &kc), AG_OK);
    ck_assert_int_eq(cons_mempool_remove(r.mp, &k), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(add(&r, "dd=123", &o), AG_ERR_AGAIN); /* bytes: 6 + 6 > 11 */
    ck_assert_int_eq(add(&r, "d=1234", &o), AG_ERR_AGAIN);
    ck_assert_int_eq(add(&r, "d=123", &o), AG_OK); /* 6 + 5 <= 11 */
    ck_assert_uint_eq(cons_mempool_bytes(r.mp), 11);
    /* max gas: the kvstore wants 1 per tx */
    rig_down(&r);
    opts = (cons_mempool_opts){0};
    cons_mempool_opts_default(&opts);
    opts.max_gas = 0;
    rig_up(&r, false, &opts);
    ck_assert_int_eq(add(&r, "a=1", &o), AG_ERR_TOO_LARGE);
    k = key_of("a=1");
    ck_assert(!cons_mempool_in_cache(r.mp, &k));
    rig_down(&r);
    /* bad options */
    cons_mempool *mp;
    opts.max_txs = 0;
    ck_assert_int_eq(cons_mempool_new(&mp, (abci_client *)&opts, &opts), AG_ERR_INVALID_ARG);
}
END_TEST

START_TEST(lru_cache)
{
    cons_mempool_opts opts;
    cons_mempool_opts_default(&opts);
    opts.cache_size = 2;
    rig r;
    rig_up(&r, false, &opts);
    outcome o;
    ck_assert_int_eq(add(&r, "a=1", &o), AG_OK);
    ck_assert_int_eq(add(&r, "b=1", &o), AG_OK);
    ck_assert_int_eq(add(&r, "c=1", &o), AG_OK); /* evicts a=1 from the cache */
    crypto_hash ka = key_of("a=1"), kb = key_of("b=1");
    ck_assert(!cons_mempool_in_cache(r.mp, &ka));
    ck_assert(cons_mempool_in_cache(r.mp, &kb));
    /* still in the mempool: refused by the mempool's own table */
    ck_assert_int_eq(add(&r, "a=1", &o), AG_ERR_EXISTS);
    ck_assert_int_eq(cons_mempool_remove(r.mp, &ka), AG_OK);
    ck_assert_int_eq(cons_mempool_remove(r.mp, &kb), AG_OK);
    ck_assert_int_eq(add(&r, "a=1", &o), AG_OK); /* forgotten: checked again; evicts b=1 */
    ck_assert(!cons_mempool_in_cache(r.mp, &kb));
    crypto_hash kc = key_of("c=1");
    ck_assert(cons_mempool_in_cache(r.mp, &kc));
    ck_assert_int_eq(cons_mempool_remove(r.mp, &kc), AG_OK);
    ck_assert_int_eq(add(&r, "c=1", &o), AG_ERR_EXISTS); /* cached, though no longer held */
    ck_assert_int_eq(add(&r, "b=1", &o), AG_OK);
    rig_down(&r);
}
END_TEST

START_TEST(reap_limits)
{
    rig r;
    rig_up(&r, false, NULL);
    static const char *const txs[] = {"k0=v", "k1=vv", "k2=vvv", "k3=vvvv", "k4=vvvvv"};
    outcome o;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(add(&r, txs[i], &o), AG_OK);
    assert_reap(r.mp, -1, -1, txs, 5);
    /* Data proto size of a tx of n bytes: 2 + n here */
    assert_reap(r.mp, 6 + 7 + 8, -1, txs, 3);
    assert_reap(r.mp, 6 + 7 + 8 - 1, -1, txs, 2);
    assert_reap(r.mp, 5, -1, txs, 0);
    assert_reap(r.mp, -1, 4, txs, 4); /* gas 1 each */
    assert_reap(r.mp, -1, 0, txs, 0);
    cons_mempool_txs t;
    ck_assert_int_eq(cons_mempool_reap(r.mp, 100, 2, &t), AG_OK);
    ck_assert_uint_eq(t.n, 2);
    ck_assert_int_eq(t.gas, 2);
    ck_assert_uint_eq(t.bytes, 13);
    cons_mempool_txs_free(&t);
    ck_assert_int_eq(cons_mempool_reap_max_txs(r.mp, 3, &t), AG_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_mem_eq(t.txs[2].ptr, "k2=vvv", 6);
    cons_mempool_txs_free(&t);
    ck_assert_int_eq(cons_mempool_reap_max_txs(r.mp, -1, &t), AG_OK);
    ck_assert_uint_eq(t.n, 5);
    cons_mempool_txs_free(&t);
    rig_down(&r);
}
END_TEST

static int avail_calls;
static void on_avail(void *user)
{
    (void)user;
    avail_calls++;
}

START_TEST(update_and_recheck)
{
    rig r;
    rig_up(&r, false, NULL);
    avail_calls = 0;
    cons_mempool_set_txs_available(r.mp, on_avail, NULL);
    static const char *const txs[] = {"a=1", "b=1", "c=1", "b2=1", "d=1"};
    outcome o;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(add(&r, txs[i], &o), AG_OK);
    ck_assert_int_eq(avail_calls, 1); /* once per height */
    /* block 1 commits a=1 and an unknown tx; then b* become invalid */
    ban("b");
    ag_slice committed[] = {{(const uint8_t *)"a=1", 3}, {(const uint8_t *)"z=9", 3}};
    ck_assert_int_eq(cons_mempool_update(r.mp, 1, committed, NULL, 2), AG_OK);
    ck_assert_int_eq(get_count(&n_recheck), 4); /* the 4 remaining, one batch */
    ck_assert_uint_eq(cons_mempool_size(r.mp), 2);
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 0);
    static const char *const left[] = {"c=1", "d=1"};
    assert_reap(r.mp, -1, -1, left, 2);
    ck_assert_int_eq(avail_calls, 2);
    /* committed txs stay cached; rechecked-out ones do not */
    crypto_hash ka = key_of("a=1"), kz = key_of("z=9"), kb = key_of("b=1");
    ck_assert(cons_mempool_in_cache(r.mp, &ka));
    ck_assert(cons_mempool_in_cache(r.mp, &kz));
    ck_assert(!cons_mempool_in_cache(r.mp, &kb));
    ck_assert_int_eq(add(&r, "a=1", &o), AG_ERR_EXISTS);
    ban("");
    ck_assert_int_eq(add(&r, "b=1", &o), AG_OK);
    /* a failed committed tx leaves the cache */
    uint32_t codes[] = {1};
    ag_slice failed[] = {{(const uint8_t *)"c=1", 3}};
    ck_assert_int_eq(cons_mempool_update(r.mp, 2, failed, codes, 1), AG_OK);
    crypto_hash kc = key_of("c=1");
    ck_assert(!cons_mempool_in_cache(r.mp, &kc));
    ck_assert(!cons_mempool_contains(r.mp, &kc));
    ck_assert_int_eq(cons_mempool_height(r.mp), 2);
    ck_assert_int_eq(cons_mempool_update(r.mp, 2, NULL, NULL, 0), AG_ERR_INVALID_ARG);
    /* flush empties mempool and cache */
    cons_mempool_flush(r.mp);
    ck_assert_uint_eq(cons_mempool_size(r.mp), 0);
    ck_assert(!cons_mempool_in_cache(r.mp, &ka));
    rig_down(&r);
}
END_TEST

START_TEST(recheck_in_batches)
{
    cons_mempool_opts opts;
    cons_mempool_opts_default(&opts);
    opts.recheck_batch = 3;
    rig r;
    rig_up(&r, false, &opts);
    avail_calls = 0;
    cons_mempool_set_txs_available(r.mp, on_avail, NULL);
    outcome o;
    char tx[16];
    for (int i = 0; i < 10; i++) {
        snprintf(tx, sizeof tx, "%c=%d", i % 2 ? 'x' : 'k', i);
        ck_assert_int_eq(add(&r, tx, &o), AG_OK);
    }
    ban("x");
    ck_assert_int_eq(cons_mempool_update(r.mp, 1, NULL, NULL, 0), AG_OK);
    ck_assert_int_eq(get_count(&n_recheck), 3);
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 7);
    ck_assert_uint_eq(cons_mempool_size(r.mp), 9); /* x=1 is gone */
    /* the mempool stays usable: the rechecked txs are reaped, new txs admitted */
    static const char *const first[] = {"k=0", "k=2"};
    assert_reap(r.mp, -1, -1, first, 2);
    ck_assert_int_eq(avail_calls, 1);
    ck_assert_int_eq(add(&r, "new=1", &o), AG_OK);
    bool more = true;
    int steps = 0;
    while (more) {
        ck_assert_int_eq(cons_mempool_recheck_step(r.mp, &more), AG_OK);
        steps++;
    }
    ck_assert_int_eq(steps, 3);
    ck_assert_int_eq(get_count(&n_recheck), 10); /* new=1 was checked as NEW only */
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 0);
    static const char *const all[] = {"k=0", "k=2", "k=4", "k=6", "k=8", "new=1"};
    assert_reap(r.mp, -1, -1, all, 6);
    /* an update during a round restarts it over what is left */
    ban("");
    ck_assert_int_eq(cons_mempool_update(r.mp, 2, NULL, NULL, 0), AG_OK);
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 3);
    ag_slice committed[] = {{(const uint8_t *)"k=6", 3}};
    ck_assert_int_eq(cons_mempool_update(r.mp, 3, committed, NULL, 1), AG_OK);
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 2);
    ck_assert_int_eq(cons_mempool_recheck_step(r.mp, &more), AG_OK);
    ck_assert(!more);
    ck_assert_uint_eq(cons_mempool_size(r.mp), 5);
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 0);
    /* recheck off: nothing is sent */
    rig_down(&r);
    opts.recheck = false;
    rig_up(&r, false, &opts);
    ck_assert_int_eq(add(&r, "a=1", &o), AG_OK);
    ck_assert_int_eq(cons_mempool_update(r.mp, 1, NULL, NULL, 0), AG_OK);
    ck_assert_int_eq(get_count(&n_recheck), 0);
    rig_down(&r);
}
END_TEST

START_TEST(socket_client_async)
{
    cons_mempool_opts opts;
    cons_mempool_opts_default(&opts);
    opts.max_txs = 50;
    rig r;
    rig_up(&r, true, &opts);
    outcome o[60];
    memset(o, 0, sizeof o);
    char tx[16];
    /* sent, not yet answered: in flight counts against the caps */
    for (int i = 0; i < 50; i++) {
        if (i % 5 == 0)
            snprintf(tx, sizeof tx, "bad%d", i); /* no '=': rejected */
        else
            snprintf(tx, sizeof tx, "k=%d", i);
        ck_assert_int_eq(
            cons_mempool_check_tx(r.mp, (const uint8_t *)tx, strlen(tx), on_done, &o[i]), AG_OK);
    }
    ck_assert_int_eq(cons_mempool_check_tx(r.mp, (const uint8_t *)"z=1", 3, on_done, &o[50]),
                     AG_ERR_AGAIN);
    ck_assert_int_eq(cons_mempool_flush_app_conn(r.mp), AG_OK);
    ck_assert_uint_eq(cons_mempool_in_flight(r.mp), 0);
    int ok = 0;
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(o[i].calls, 1);
        ck_assert_int_eq(o[i].result, i % 5 ? AG_OK : AG_ERR_VERIFY);
        ok += o[i].result == AG_OK;
    }
    ck_assert_uint_eq(cons_mempool_size(r.mp), (size_t)ok);
    /* two updates before the answers: the first round's answers are stale */
    ban("k=1");
    ck_assert_int_eq(cons_mempool_update(r.mp, 1, NULL, NULL, 0), AG_OK);
    ck_assert_int_eq(cons_mempool_update(r.mp, 2, NULL, NULL, 0), AG_OK);
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), (size_t)ok);
    ck_assert_int_eq(cons_mempool_flush_app_conn(r.mp), AG_OK);
    ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 0);
    /* k=1, k=11..19 banned by prefix "k=1" */
    ck_assert_uint_eq(cons_mempool_size(r.mp), (size_t)ok - 9);
    /* freeing with requests in flight waits for them */
    ck_assert_int_eq(cons_mempool_check_tx(r.mp, (const uint8_t *)"y=1", 3, on_done, &o[51]),
                     AG_OK);
    cons_mempool_free(r.mp);
    r.mp = NULL;
    ck_assert_int_eq(o[51].calls, 1);
    rig_down(&r);
}
END_TEST

/* Random operations against a model: the mempool holds exactly the admitted,
 * not yet committed or rechecked-out txs, in arrival order, with the right
 * byte count, and reaping everything returns them in that order. */
START_TEST(random_against_model)
{
    cons_mempool_opts opts;
    cons_mempool_opts_default(&opts);
    opts.max_txs = 40;
    opts.cache_size = 16;
    opts.recheck_batch = 5;
    rig r;
    rig_up(&r, false, &opts);
    ag_rng rng;
    ag_test_rng(&rng, 7);
    enum { NKEYS = 64 };
    char model[64][16]; /* FIFO of held txs */
    size_t nm = 0;
    int64_t height = 0;
    uint64_t iters = ag_test_iters(3000, 100000);
    for (uint64_t it = 0; it < iters; it++) {
        unsigned op = (unsigned)ag_rng_below(&rng, 10);
        char tx[16];
        snprintf(tx, sizeof tx, "k%u=%u", (unsigned)ag_rng_below(&rng, NKEYS),
                 (unsigned)ag_rng_below(&rng, 3));
        if (op < 6) {
            bool held = false;
            for (size_t i = 0; i < nm; i++)
                held |= strcmp(model[i], tx) == 0;
            outcome o;
            ag_err err = add(&r, tx, &o);
            if (held)
                ck_assert_int_eq(err, AG_ERR_EXISTS);
            if (err == AG_OK) {
                ck_assert(!held && nm < opts.max_txs);
                snprintf(model[nm++], sizeof model[0], "%s", tx);
            } else {
                ck_assert(err == AG_ERR_EXISTS || err == AG_ERR_AGAIN);
                if (err == AG_ERR_AGAIN)
                    ck_assert_uint_eq(nm, opts.max_txs);
            }
        } else if (op < 8) {
            /* commit a random prefix, ban a random digit of values, recheck fully */
            size_t k = nm ? (size_t)ag_rng_below(&rng, nm + 1) : 0;
            ag_slice txs[64];
            for (size_t i = 0; i < k; i++)
                txs[i] = (ag_slice){(const uint8_t *)model[i], strlen(model[i])};
            char b[8];
            snprintf(b, sizeof b, "k%u", (unsigned)ag_rng_below(&rng, 10));
            ban(b);
            ck_assert_int_eq(cons_mempool_update(r.mp, ++height, txs, NULL, k), AG_OK);
            bool more = true;
            while (more)
                ck_assert_int_eq(cons_mempool_recheck_step(r.mp, &more), AG_OK);
            size_t w = 0;
            for (size_t i = k; i < nm; i++)
                if (strncmp(model[i], b, strlen(b)) != 0)
                    memmove(model[w++], model[i], sizeof model[0]);
            nm = w;
            ban("");
        } else {
            cons_mempool_txs t;
            ck_assert_int_eq(cons_mempool_reap(r.mp, -1, -1, &t), AG_OK);
            ck_assert_uint_eq(t.n, nm);
            size_t bytes = 0;
            for (size_t i = 0; i < nm; i++) {
                ck_assert_uint_eq(t.txs[i].len, strlen(model[i]));
                ck_assert_mem_eq(t.txs[i].ptr, model[i], t.txs[i].len);
                bytes += t.txs[i].len;
            }
            ck_assert_uint_eq(cons_mempool_bytes(r.mp), bytes);
            cons_mempool_txs_free(&t);
        }
        ck_assert_uint_eq(cons_mempool_size(r.mp), nm);
        ck_assert_uint_eq(cons_mempool_recheck_pending(r.mp), 0);
    }
    rig_down(&r);
}
END_TEST

static Suite *cons_mempool_suite(void)
{
    Suite *s = suite_create("cons_mempool");
    TCase *tc = ag_test_tcase("mempool");
    tcase_add_test(tc, admission_and_duplicates);
    tcase_add_test(tc, keep_invalid_in_cache);
    tcase_add_test(tc, caps);
    tcase_add_test(tc, lru_cache);
    tcase_add_test(tc, reap_limits);
    tcase_add_test(tc, update_and_recheck);
    tcase_add_test(tc, recheck_in_batches);
    tcase_add_test(tc, socket_client_async);
    tcase_add_test(tc, random_against_model);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cons_mempool_suite)
