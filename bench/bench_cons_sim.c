/*
 * bench_cons_sim — the consensus algorithm's own cost.
 *
 * Runs the cluster simulation of tests/sim/ (4 validators, zero network
 * delay, no faults, no gossip re-sends, commit timeout 0) for a number of
 * heights and reports wall-clock blocks/s and consensus messages/s: the cost
 * of the core, the vote sets, the model signer and the event queue, without
 * network or signature costs (the simulation's signatures are two SHA-256).
 *
 * The limit printed next to it, measured in the same run: how many blocks/s
 * this machine could finalise on one core if the same messages carried real
 * secp256k1 signatures. Per height of 4 validators that is 9 signatures
 * (1 proposal + 4 prevotes + 4 precommits) and 4 * (1 + 3 + 3) = 28
 * verifications (each node verifies the proposal and the 6 votes of the
 * others). The algorithm's cost should be a small fraction of that.
 *
 * Usage: bench_cons_sim [heights]   (default 5000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/keys.h"
#include "tests/sim/sim.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long heights = argc > 1 ? atol(argv[1]) : 5000;
    if (heights < 1)
        heights = 1;

    sim_config cfg;
    sim_config_random(&cfg, 1, 4, 0, false);
    cfg.target_height = heights;
    cfg.delay_min_us = 0;
    cfg.delay_jitter_us = 0;
    cfg.gossip_ms = 1000000000u; /* no re-sends: every message once */
    cfg.core.commit_ms = 0;
    cfg.live_ms = (uint64_t)heights * 10000;
    sim_result res;
    double t0 = now_s();
    sim_run(&cfg, 1, &res);
    double dt = now_s() - t0;
    if (!res.ok) {
        fprintf(stderr, "simulation failed: %s\n", res.why);
        return 1;
    }
    double blocks = (double)res.min_height;
    printf("consensus simulation, 4 validators, zero delay: %lld heights in %.3f s\n",
           (long long)res.min_height, dt);
    printf("  %.0f blocks/s, %.0f consensus messages/s (%llu messages, %.1f per height), "
           "%llu events\n",
           blocks / dt, (double)res.messages / dt, (unsigned long long)res.messages,
           (double)res.messages / blocks, (unsigned long long)res.events);

    /* The limit: secp256k1 sign and verify on this machine. */
    enum { N = 2000 };
    crypto_privkey key;
    crypto_pubkey pub;
    uint8_t sk[32];
    memset(sk, 0x11, sizeof sk);
    if (crypto_privkey_from_bytes(&key, sk, 32) != AG_OK ||
        crypto_pubkey_from_privkey(&pub, &key) != AG_OK)
        return 1;
    static crypto_sig sigs[N];
    uint8_t msg[120];
    t0 = now_s();
    for (int i = 0; i < N; i++) {
        memset(msg, i & 0xff, sizeof msg);
        if (crypto_sign(&sigs[i], &key, msg, sizeof msg) != AG_OK)
            return 1;
    }
    double t_sign = (now_s() - t0) / N;
    t0 = now_s();
    int bad = 0;
    for (int i = 0; i < N; i++) {
        memset(msg, i & 0xff, sizeof msg);
        bad += crypto_verify(&pub, msg, sizeof msg, sigs[i].b, sizeof sigs[i].b) != AG_OK;
    }
    double t_verify = (now_s() - t0) / N;
    if (bad)
        return 1;
    double per_block = 9 * t_sign + 28 * t_verify;
    printf("limit: secp256k1 sign %.1f us, verify %.1f us -> 9 signs + 28 verifies per height = "
           "%.0f blocks/s on one core\n",
           t_sign * 1e6, t_verify * 1e6, 1 / per_block);
    printf("  the algorithm costs %.1f%% of the signature budget per height\n",
           100.0 * (dt / blocks) / per_block);
    return 0;
}
