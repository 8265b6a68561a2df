/*
 * rng.h — a small deterministic PRNG (xoshiro256**, seeded through
 * splitmix64) for simulations and randomized tests.
 *
 * Not for keys or nonces: secrets come from the OS CSPRNG (crypto/keys.h,
 * ag_env_system). Same seed -> same sequence on every build and platform.
 */
#ifndef AGORA_LIB_RNG_H
#define AGORA_LIB_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct ag_rng {
    uint64_t s[4];
} ag_rng;

void ag_rng_seed(ag_rng *r, uint64_t seed);
uint64_t ag_rng_next(ag_rng *r);
/* Uniform in [0, bound) without modulo bias; bound 0 returns 0. */
uint64_t ag_rng_below(ag_rng *r, uint64_t bound);
void ag_rng_fill(ag_rng *r, void *out, size_t len);

#endif
