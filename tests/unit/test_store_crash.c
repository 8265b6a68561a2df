/* Crash safety: a child process commits deterministic batches to a RocksDB
 * store with fsync on, the parent SIGKILLs it at a random moment, a second
 * child reopens the store and reports what it holds, and the parent checks
 * that it is exactly a whole committed version: the root and values equal a
 * replay of batches 1..V in memory. Repeated over many kills, the committer
 * resuming from whatever version survived.
 *
 * The parent itself never opens RocksDB: RocksDB's background threads live
 * for the whole process, and a fork taken while one of them holds a lock
 * leaves the child deadlocked on it (seen as "child made no commit" under
 * load). Children are forked from a process that has no such threads. */
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

#define SPOTS 20

static int spot_key(ag_rng *rng, char key[24])
{
    return snprintf(key, 24, "key-%u", (unsigned)ag_rng_below(rng, 3000));
}

/* What the checker child found in the reopened store. */
typedef struct check_report {
    int status; /* 0: read fine */
    uint64_t version;
    uint8_t root[32];
    struct {
        int found;
        uint8_t hash[32]; /* SHA-256 of the value read through the tree */
    } spot[SPOTS];
} check_report;

/* In a child: reopen the store, read its version, root and the spot keys
 * through the tree at that version, write the report to `out`. */
static void checker_child(const char *dir, uint64_t spot_seed, int out)
{
    check_report rep;
    memset(&rep, 0, sizeof rep);
    state_store *s;
    state_store_options o = {.keep_versions = 20};
    if (state_store_open_path(&s, dir, &o) != AG_OK) {
        fprintf(stderr, "checker: reopen: %s\n", ag_err_detail());
        rep.status = 1;
    } else {
        rep.version = state_store_version(s);
        crypto_hash root;
        state_store_root(s, &root);
        memcpy(rep.root, root.b, 32);
        ag_rng spots;
        ag_rng_seed(&spots, spot_seed);
        for (int i = 0; i < SPOTS && rep.version; i++) {
            char key[24];
            int kl = spot_key(&spots, key);
            ag_buf a;
            ag_buf_init(&a, 0);
            ag_err ea = state_store_get_at(s, rep.version, (const uint8_t *)key, (size_t)kl, &a);
            if (ea == AG_OK) {
                rep.spot[i].found = 1;
                crypto_sha256(rep.spot[i].hash, a.data, a.len);
            } else if (ea != AG_ERR_NOT_FOUND) {
                fprintf(stderr, "checker: %s: %s\n", key, ag_err_detail());
                rep.status = 2;
            }
            ag_buf_free(&a);
        }
        state_store_close(s);
    }
    ssize_t w = write(out, &rep, sizeof rep);
    _exit(w == (ssize_t)sizeof rep ? 0 : 5);
}

static void run_checker(const char *dir, uint64_t spot_seed, check_report *rep)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        checker_child(dir, spot_seed, p[1]);
    }
    close(p[1]);
    memset(rep, 0, sizeof *rep);
    size_t got = 0;
    while (got < sizeof *rep) {
        ssize_t n = read(p[0], (uint8_t *)rep + got, sizeof *rep - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(p[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == sizeof *rep,
                  "checker child failed (status %d)", status);
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

        /* What survived, read by a checker child (see the top). */
        uint64_t spot_seed = ag_rng_next(&rng);
        check_report rep;
        run_checker(dir, spot_seed, &rep);
        ck_assert_msg(rep.status == 0, "reopen after kill %llu failed (checker status %d)",
                      (unsigned long long)k, rep.status);
        uint64_t v = rep.version;
        ck_assert_uint_ge(v, last); /* nothing committed is lost */
        while (state_store_version(model) < v) {
            stage_batch(model, seed, state_store_version(model) + 1);
            ck_assert_int_eq(state_store_commit(model, NULL, NULL), AG_OK);
        }
        crypto_hash want;
        state_store_root(model, &want);
        ck_assert_msg(memcmp(rep.root, want.b, 32) == 0, "root of version %llu differs after kill",
                      (unsigned long long)v);
        /* the tree of the recovered version is whole: spot-checks through it */
        ag_rng spots;
        ag_rng_seed(&spots, spot_seed);
        for (int i = 0; i < SPOTS && v; i++) {
            char key[24];
            int kl = spot_key(&spots, key);
            ag_buf b;
            ag_buf_init(&b, 0);
            ag_err eb = state_store_get(model, (const uint8_t *)key, (size_t)kl, &b);
            ck_assert_msg(rep.spot[i].found == (eb == AG_OK), "%s: presence differs", key);
            if (eb == AG_OK) {
                uint8_t h[32];
                crypto_sha256(h, b.data, b.len);
                ck_assert_msg(memcmp(rep.spot[i].hash, h, 32) == 0, "%s: value differs", key);
            }
            ag_buf_free(&b);
        }
        last = v;
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
