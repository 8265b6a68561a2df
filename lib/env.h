/*
 * env.h — the environment injected into consensus and the state machine.
 *
 * Consensus and the state machine never call the clock or an RNG directly;
 * they receive an ag_env. Production uses ag_env_system() (real clocks, the
 * OS CSPRNG); simulations use an ag_env_sim, whose clock only moves when the
 * simulator advances it and whose randomness is a seeded PRNG, so a whole
 * network of nodes replays identically from one seed.
 *
 * Ownership: an ag_env is borrowed by whoever receives it and must outlive
 * them. ag_env_system() is a static object, safe from any thread.
 */
#ifndef AGORA_LIB_ENV_H
#define AGORA_LIB_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/rng.h"

typedef struct ag_env {
    void *ctx;
    /* Wall-clock time in nanoseconds since the Unix epoch (block timestamps). */
    uint64_t (*wall_ns)(void *ctx);
    /* Monotonic time in nanoseconds from an arbitrary origin (timeouts). */
    uint64_t (*mono_ns)(void *ctx);
    /* Fill out with random bytes; AG_ERR_CRYPTO if the source fails. */
    ag_err (*random)(void *ctx, void *out, size_t len);
} ag_env;

static inline uint64_t ag_env_wall_ns(const ag_env *env)
{
    return env->wall_ns(env->ctx);
}
static inline uint64_t ag_env_mono_ns(const ag_env *env)
{
    return env->mono_ns(env->ctx);
}
static inline ag_err ag_env_random(const ag_env *env, void *out, size_t len)
{
    return env->random(env->ctx, out, len);
}

/* Real clocks (CLOCK_REALTIME, CLOCK_MONOTONIC) and getrandom(2). */
const ag_env *ag_env_system(void);

/* Fill out from the OS CSPRNG (getrandom, retried on EINTR and short reads). */
ag_err ag_os_random(void *out, size_t len);

/* A virtual environment: time moves only through ag_env_sim_advance. */
typedef struct ag_env_sim {
    ag_env env; /* pass &sim->env to the code under test */
    uint64_t wall_origin_ns;
    uint64_t now_ns; /* virtual monotonic time */
    ag_rng rng;
} ag_env_sim;

void ag_env_sim_init(ag_env_sim *sim, uint64_t seed, uint64_t wall_origin_ns);
void ag_env_sim_advance(ag_env_sim *sim, uint64_t ns);

#endif
