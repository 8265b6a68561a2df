/* Deterministic cluster simulation of the consensus core (tests/sim/).
 *
 * Each run draws its own seed from the binary's seed (AGORA_TEST_SEED) and
 * prints it on failure; AGORA_SIM_RUN=<seed>:<n>:<byzantine>:<faults> reruns
 * exactly one scenario and prints its figures. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness/ag_test.h"
#include "tests/sim/sim.h"

typedef struct totals {
    uint64_t evidence, crashes, catchups, late_rounds, decisions;
} totals;

static int run_many(uint64_t stream, uint64_t quick, uint64_t full, int n, int byz, bool faults,
                    totals *tot)
{
    ag_rng rng;
    ag_test_rng(&rng, stream);
    uint64_t iters = ag_test_iters(quick, full);
    int failures = 0;
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t seed = ag_rng_next(&rng);
        sim_config cfg;
        sim_config_random(&cfg, seed, n, byz, faults);
        sim_result res;
        sim_run(&cfg, seed, &res);
        tot->evidence += res.evidence;
        tot->crashes += res.crashes;
        tot->catchups += res.catchups;
        tot->late_rounds += res.rounds_over_zero;
        tot->decisions += res.decisions;
        if (!res.ok) {
            fprintf(stderr,
                    "sim FAILED: rerun with AGORA_SIM_RUN=%" PRIu64
                    ":%d:%d:%d  (%s, height %lld)\n",
                    seed, n, byz, faults ? 1 : 0, res.why, (long long)res.min_height);
            failures++;
        }
    }
    return failures;
}

START_TEST(sim_4_clean)
{
    totals t = {0};
    ck_assert_int_eq(run_many(1, 50, 500, 4, 0, false, &t), 0);
    ck_assert_uint_eq(t.crashes, 0);
}
END_TEST

/* The fault runs must actually exercise the faults: crashes with replay,
 * catch-up commits, rounds above 0. */
START_TEST(sim_4_faults)
{
    totals t = {0};
    ck_assert_int_eq(run_many(2, 200, 2000, 4, 0, true, &t), 0);
    ck_assert_uint_gt(t.crashes, 0);
    ck_assert_uint_gt(t.catchups, 0);
    ck_assert_uint_gt(t.late_rounds, 0);
}
END_TEST

START_TEST(sim_7_faults)
{
    totals t = {0};
    ck_assert_int_eq(run_many(3, 100, 1000, 7, 0, true, &t), 0);
    ck_assert_uint_gt(t.crashes, 0);
    ck_assert_uint_gt(t.late_rounds, 0);
}
END_TEST

START_TEST(sim_4_byzantine)
{
    totals t = {0};
    ck_assert_int_eq(run_many(4, 150, 2000, 4, 1, true, &t), 0);
    ck_assert_uint_gt(t.evidence, 0);
}
END_TEST

START_TEST(sim_7_byzantine)
{
    totals t = {0};
    ck_assert_int_eq(run_many(5, 100, 1000, 7, 2, true, &t), 0);
    ck_assert_uint_gt(t.evidence, 0);
}
END_TEST

/* A double-voting node is caught: honest nodes report conflicting votes. */
START_TEST(sim_double_vote_detected)
{
    ag_rng rng;
    ag_test_rng(&rng, 6);
    uint64_t seed = ag_rng_next(&rng);
    sim_config cfg;
    sim_config_random(&cfg, seed, 4, 0, false);
    cfg.byz[1] = SIM_BYZ_DOUBLE_VOTE;
    sim_result res;
    sim_run(&cfg, seed, &res);
    ck_assert_msg(res.ok, "seed %" PRIu64 ": %s", seed, res.why);
    ck_assert_uint_gt(res.evidence, 0);
}
END_TEST

/* Same seed, same run: every figure equal. */
START_TEST(sim_reproducible)
{
    ag_rng rng;
    ag_test_rng(&rng, 7);
    uint64_t seed = ag_rng_next(&rng);
    sim_config cfg;
    sim_config_random(&cfg, seed, 4, 1, true);
    sim_result a, b;
    sim_run(&cfg, seed, &a);
    sim_run(&cfg, seed, &b);
    ck_assert_msg(a.ok, "seed %" PRIu64 ": %s", seed, a.why);
    ck_assert_uint_eq(a.events, b.events);
    ck_assert_uint_eq(a.messages, b.messages);
    ck_assert_uint_eq(a.end_ms, b.end_ms);
    ck_assert_uint_eq(a.decisions, b.decisions);
    ck_assert_uint_eq(a.evidence, b.evidence);
}
END_TEST

/* The invariant checker itself: two blocks at one height, a block never
 * proposed, an honest double signature, missed liveness. */
static void noop_msg(void *n, const sim_msg *m)
{
    (void)n, (void)m;
}
static void noop_timer(void *n, const sim_timer *t)
{
    (void)n, (void)t;
}
static void noop(void *n)
{
    (void)n;
}
static int64_t zero_height(const void *n)
{
    (void)n;
    return 1;
}
static void no_describe(const void *n, char *buf, size_t len)
{
    (void)n;
    snprintf(buf, len, "idle");
}
static const sim_node_api noop_api = {noop_msg, noop_timer,  noop,       noop,
                                      noop,     zero_height, no_describe};

START_TEST(sim_invariants_catch_violations)
{
    sim_config cfg;
    sim_config_random(&cfg, 1, 4, 0, false);
    uint8_t a[32] = {1}, b[32] = {2}, app[32] = {0};
    sim_world *w = sim_world_new(&cfg, 1);
    sim_note_proposed(w, a);
    sim_note_proposed(w, b);
    sim_check_decide(w, 0, 1, a, true, app);
    ck_assert(!sim_failed(w));
    sim_check_decide(w, 1, 1, b, true, app);
    ck_assert(sim_failed(w));
    sim_world_free(w);

    w = sim_world_new(&cfg, 1);
    sim_check_decide(w, 0, 1, a, true, app);
    ck_assert(sim_failed(w)); /* never proposed */
    sim_world_free(w);

    w = sim_world_new(&cfg, 1);
    sim_note_proposed(w, a);
    sim_check_decide(w, 0, 1, a, false, app);
    ck_assert(sim_failed(w)); /* invalid */
    sim_world_free(w);

    w = sim_world_new(&cfg, 1);
    sim_note_proposed(w, a);
    uint8_t app2[32] = {9};
    sim_check_decide(w, 0, 1, a, true, app);
    sim_check_decide(w, 1, 1, a, true, app2);
    ck_assert(sim_failed(w)); /* app hash */
    sim_world_free(w);

    w = sim_world_new(&cfg, 1);
    cons_block_id x = {0}, y = {0};
    y.hash.len = 32;
    sim_check_sign(w, 2, CONS_MSG_PREVOTE, 3, 0, &x);
    sim_check_sign(w, 2, CONS_MSG_PREVOTE, 3, 0, &x);
    ck_assert(!sim_failed(w));
    sim_check_sign(w, 2, CONS_MSG_PREVOTE, 3, 0, &y);
    ck_assert(sim_failed(w));
    sim_world_free(w);

    /* Nodes that never decide: the liveness bound fails the run. */
    cfg.live_ms = 1000;
    w = sim_world_new(&cfg, 1);
    for (int i = 0; i < cfg.n; i++)
        sim_world_add_node(w, i, NULL, &noop_api);
    sim_result res;
    sim_world_run(w, &res);
    ck_assert(!res.ok);
    ck_assert_ptr_nonnull(strstr(res.why, "liveness"));
    sim_world_free(w);
}
END_TEST

static Suite *cons_sim_suite(void)
{
    Suite *s = suite_create("cons_sim");
    TCase *t = ag_test_tcase("sim");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, sim_invariants_catch_violations);
    tcase_add_test(t, sim_reproducible);
    tcase_add_test(t, sim_double_vote_detected);
    tcase_add_test(t, sim_4_clean);
    tcase_add_test(t, sim_4_faults);
    tcase_add_test(t, sim_7_faults);
    tcase_add_test(t, sim_4_byzantine);
    tcase_add_test(t, sim_7_byzantine);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    const char *one = getenv("AGORA_SIM_RUN");
    if (one != NULL) {
        unsigned long long seed;
        int n, byz, faults;
        if (sscanf(one, "%llu:%d:%d:%d", &seed, &n, &byz, &faults) != 4 || n < 1 ||
            n > SIM_MAX_NODES) {
            fprintf(stderr, "AGORA_SIM_RUN=<seed>:<n>:<byzantine>:<faults>\n");
            return 2;
        }
        sim_config cfg;
        sim_config_random(&cfg, seed, n, byz, faults != 0);
        sim_result res;
        sim_run(&cfg, seed, &res);
        printf("seed %llu n=%d byz=%d faults=%d: %s %s\n  end %llums, min height %lld, "
               "%llu messages, %llu events, %llu decisions, %llu evidence, %llu above round 0, "
               "%llu crashes, %llu catch-ups\n",
               seed, n, byz, faults, res.ok ? "OK" : "FAILED", res.why,
               (unsigned long long)res.end_ms, (long long)res.min_height,
               (unsigned long long)res.messages, (unsigned long long)res.events,
               (unsigned long long)res.decisions, (unsigned long long)res.evidence,
               (unsigned long long)res.rounds_over_zero, (unsigned long long)res.crashes,
               (unsigned long long)res.catchups);
        return res.ok ? 0 : 1;
    }
    return ag_test_run("cons_sim_suite", cons_sim_suite());
}
