#include "lib/env.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t system_wall_ns(void *ctx)
{
    return clock_ns(CLOCK_REALTIME);
}

static uint64_t system_mono_ns(void *ctx)
{
    return clock_ns(CLOCK_MONOTONIC);
}

ag_err ag_os_random(void *out, size_t len)
{
    unsigned char *p = out;
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ag_err_from_errno(errno, "getrandom");
            return ag_err_set(AG_ERR_CRYPTO, "getrandom failed: %s", ag_err_detail());
        }
        p += n;
        len -= (size_t)n;
    }
    return AG_OK;
}

static ag_err system_random(void *ctx, void *out, size_t len)
{
    return ag_os_random(out, len);
}

static const ag_env system_env = {
    .ctx = NULL,
    .wall_ns = system_wall_ns,
    .mono_ns = system_mono_ns,
    .random = system_random,
};

const ag_env *ag_env_system(void)
{
    return &system_env;
}

static uint64_t sim_wall_ns(void *ctx)
{
    ag_env_sim *sim = ctx;
    return sim->wall_origin_ns + sim->now_ns;
}

static uint64_t sim_mono_ns(void *ctx)
{
    return ((ag_env_sim *)ctx)->now_ns;
}

static ag_err sim_random(void *ctx, void *out, size_t len)
{
    ag_rng_fill(&((ag_env_sim *)ctx)->rng, out, len);
    return AG_OK;
}

void ag_env_sim_init(ag_env_sim *sim, uint64_t seed, uint64_t wall_origin_ns)
{
    sim->wall_origin_ns = wall_origin_ns;
    sim->now_ns = 0;
    ag_rng_seed(&sim->rng, seed);
    sim->env =
        (ag_env){.ctx = sim, .wall_ns = sim_wall_ns, .mono_ns = sim_mono_ns, .random = sim_random};
}

void ag_env_sim_advance(ag_env_sim *sim, uint64_t ns)
{
    sim->now_ns += ns;
}
