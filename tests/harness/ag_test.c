#include "tests/harness/ag_test.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/hex.h"

static uint64_t test_seed;
static int seed_ready;

uint64_t ag_test_seed(void)
{
    if (!seed_ready) {
        const char *env = getenv("AGORA_TEST_SEED");
        if (env && *env) {
            test_seed = strtoull(env, NULL, 0);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            test_seed =
                (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
        }
        seed_ready = 1;
    }
    return test_seed;
}

void ag_test_rng(ag_rng *rng, uint64_t stream)
{
    ag_rng_seed(rng, ag_test_seed() ^ (stream * 0x9e3779b97f4a7c15ULL));
}

uint64_t ag_test_iters(uint64_t quick, uint64_t full)
{
    const char *env = getenv("AGORA_TEST_ITERS");
    if (env && *env)
        return strtoull(env, NULL, 0);
    env = getenv("AGORA_TEST_FULL");
    return env && *env && *env != '0' ? full : quick;
}

TCase *ag_test_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 30);
    return tc;
}

void ag_test_unhex(uint8_t *out, size_t len, const char *hex)
{
    ck_assert_msg(ag_hex_decode_exact(out, len, hex) == AG_OK, "bad test vector hex: %s", hex);
}

void ag_test_mkdtemp(char dir[64], const char *tag)
{
    snprintf(dir, 64, "/tmp/agora-%s-XXXXXX", tag);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s failed", dir);
}

void ag_test_rmdir(const char *dir)
{
    char cmd[128];
    ck_assert_msg(strncmp(dir, "/tmp/agora-", 11) == 0, "refusing to remove %s", dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

int ag_test_run(const char *name, Suite *suite)
{
    printf("%s: seed %" PRIu64 " (rerun with AGORA_TEST_SEED=%" PRIu64 ")\n", name, ag_test_seed(),
           ag_test_seed());
    fflush(stdout);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
