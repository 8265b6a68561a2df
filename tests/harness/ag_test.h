/*
 * ag_test.h — what every unit-test binary shares, on top of Check.
 *
 * Each test runs in its own forked process with a timeout (Check's fork
 * mode), so a crash or hang fails that test only. Randomized tests draw from
 * ag_test_rng(), seeded once per binary from AGORA_TEST_SEED or, if unset,
 * from the clock; the seed is printed first, so any failure reruns with
 *     AGORA_TEST_SEED=<seed> build/default/tests/test_x
 * AGORA_TEST_FULL=1 selects the long iteration counts (make test-full);
 * AGORA_TEST_ITERS=N overrides both.
 */
#ifndef AGORA_TESTS_AG_TEST_H
#define AGORA_TESTS_AG_TEST_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/rng.h"

/* The binary's seed (fixed at start-up, printed by ag_test_run). */
uint64_t ag_test_seed(void);

/* A generator seeded from the binary's seed and `stream`, so tests that run
 * in any order draw the same numbers for the same seed. */
void ag_test_rng(ag_rng *rng, uint64_t stream);

/* Iterations for a randomized test: `quick` in make test, `full` in make test-full. */
uint64_t ag_test_iters(uint64_t quick, uint64_t full);

/* A test case with the project's default timeout (30 s, scaled by
 * CK_TIMEOUT_MULTIPLIER under sanitizers and valgrind). */
TCase *ag_test_tcase(const char *name);

/* Decode hex known to be valid (test vectors); aborts the test otherwise. */
void ag_test_unhex(uint8_t *out, size_t len, const char *hex);

/* A fresh private directory under /tmp named after `tag` (written to dir,
 * which holds 64 bytes); removed with everything in it by ag_test_rmdir. */
void ag_test_mkdtemp(char dir[64], const char *tag);
void ag_test_rmdir(const char *dir);

/* Run the suite, print the seed and Check's summary; returns the exit status. */
int ag_test_run(const char *name, Suite *suite);

#define AG_TEST_MAIN(make_suite)                                                                   \
    int main(void)                                                                                 \
    {                                                                                              \
        return ag_test_run(#make_suite, make_suite());                                             \
    }

#endif
