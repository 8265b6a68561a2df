/* Crash safety: a child process commits deterministic batches to a RocksDB
 * store with fsync on, the parent SIGKILLs it at a random moment, reopens the
 * store and checks that it holds exactly a whole committed version: the root
 * and values equal a replay of batches 1..V in memory. Repeated over many
 * kills, the child resuming from whatever version survived. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state/store.h"
#include "tests/harness/ag_test.h"

/* The content of version v: a pure function of (seed, v). */
static void stage_batch(state_store *s, uint64_t seed, uint64_t v)
{
    ag_rng rng;
    ag_rng_seed(&rng, seed ^ (v * 0x9e3779b97f4a7c15ULL));
    unsigned ops = 50 + (unsigned)ag_rng_below(&rng, 150);
    for (unsigned i = 0; i < ops; i++) {
        char key[24];
        uint8_t val[64];
        int kl = snprintf(key, sizeof key, "key-%u", (unsigned)ag_rng_below(&rng, 3000));
        if (ag_rng_below(&rng, 5) == 0) {
            state_store_delete(s, (const uint8_t *)key, (size_t)kl);
        } else {
            size_t vl = 1 + ag_rng_below(&rng, sizeof val);
            ag_rng_fill(&rng, val, vl);
            state_store_set(s, (const uint8_t *)key, (size_t)kl, val, vl);
        }
    }
}

/* Commits forever, telling the parent (one byte on `progress`) after each. */
static void child_commit_forever(const char *dir, uint64_t seed, int progress)
{
    state_store *s;
    state_store_options o = {.keep_versions = 20};
    if (state_store_open_path(&s, dir, &o) != AG_OK)
        _exit(3);
    fcntl(progress, F_SETFL, O_NONBLOCK); /* never block on a full pipe */
    for (;;) {
        stage_batch(s, seed, state_store_version(s) + 1);
        if (state_store_commit(s, NULL, NULL) != AG_OK)
            _exit(4);
        ssize_t w = write(progress, "c", 1);
        (void)w;
    }
}

START_TEST(store_survives_sigkill)
{
    char dir[64];
    ag_test_mkdtemp(dir, "crash");
    uint64_t seed = ag_test_seed();
    ag_rng rng;
    ag_test_rng(&rng, 40);
    state_kv *mkv;
    state_store *model;
    ck_assert_int_eq(state_kv_open_memory(&mkv), AG_OK);
    state_store_options mo = {.no_sync = true};
    ck_assert_int_eq(state_store_open(&model, mkv, &mo), AG_OK);

    uint64_t kills = ag_test_iters(30, 300), last = 0;
    for (uint64_t k = 0; k < kills; k++) {
        int progress[2];
        ck_assert_int_eq(pipe(progress), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(progress[0]);
            child_commit_forever(dir, seed, progress[1]);
        }
        close(progress[1]);
        /* Wait for a first commit (however slow the build: valgrind, sanitizers),
         * then kill at a random moment among the commits that follow. */
        struct pollfd pfd = {.fd = progress[0], .events = POLLIN};
        ck_assert_msg(poll(&pfd, 1, 120000) == 1, "child made no commit in 120 s");
        struct timespec ts = {0, (long)ag_rng_below(&rng, 120) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        close(progress[0]);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status), "child exited by itself with %d", WEXITSTATUS(status));

        state_store *s;
        state_store_options o = {.keep_versions = 20};
        ck_assert_msg(state_store_open_path(&s, dir, &o) == AG_OK, "reopen after kill %llu: %s",
                      (unsigned long long)k, ag_err_detail());
        uint64_t v = state_store_version(s);
        ck_assert_uint_ge(v, last); /* nothing committed is lost */
        while (state_store_version(model) < v) {
            stage_batch(model, seed, state_store_version(model) + 1);
            ck_assert_int_eq(state_store_commit(model, NULL, NULL), AG_OK);
        }
        crypto_hash got, want;
        state_store_root(s, &got);
        state_store_root(model, &want);
        ck_assert_msg(memcmp(got.b, want.b, 32) == 0, "root of version %llu differs after kill",
                      (unsigned long long)v);
        /* the tree of the recovered version is whole: spot-check through it */
        for (int i = 0; i < 20 && v; i++) {
            char key[24];
            int kl = snprintf(key, sizeof key, "key-%u", (unsigned)ag_rng_below(&rng, 3000));
            ag_buf a, b;
            ag_buf_init(&a, 0);
            ag_buf_init(&b, 0);
            ag_err ea = state_store_get_at(s, v, (const uint8_t *)key, (size_t)kl, &a);
            ag_err eb = state_store_get(model, (const uint8_t *)key, (size_t)kl, &b);
            ck_assert_msg(ea == eb, "%s: %s", key, ag_err_detail());
            if (!ea)
                ck_assert_mem_eq(a.data, b.data, a.len);
            ag_buf_free(&a);
            ag_buf_free(&b);
        }
        last = v;
        state_store_close(s);
    }
    printf("store_survives_sigkill: %llu kills, reached version %llu\n", (unsigned long long)kills,
           (unsigned long long)last);
    ck_assert_uint_gt(last, 0);
    state_store_close(model);
    ag_test_rmdir(dir);
}
END_TEST

static Suite *crash_suite(void)
{
    Suite *s = suite_create("store_crash");
    TCase *tc = ag_test_tcase("sigkill");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, store_survives_sigkill);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(crash_suite)
