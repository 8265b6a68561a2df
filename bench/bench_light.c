/*
 * bench_light — the light client's verification cost, next to the
 * secp256k1 verification rate measured in the same run (the limit: a
 * header needs signatures worth +2/3 of the power checked, and nothing
 * else in verification comes close in cost).
 *
 *  1. secp256k1 verifications per second (one core, crypto_verify over
 *     commit-vote-sized messages).
 *  2. Headers verified per second, sequentially (adjacent: +2/3 of the set
 *     each), with 4 and with 100 validators.
 *  3. Skip-verify from height 1 to height 100,000 with 4 and with 100
 *     validators whose sets rotate (more than half replaced every 1,000
 *     heights, so no set trusts one two epochs later and bisection must
 *     find pivots). Blocks are generated and signed on demand by the test
 *     chain (tests/harness/light_chain.c); the time spent generating them is
 *     measured and reported apart from the verification time.
 *
 * Prints a digest of the verified headers so a miscompile or
 * nondeterminism shows. Usage: bench_light [skip_height]   (default 100000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "lib/hex.h"
#include "light/verify.h"
#include "tests/harness/light_chain.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static crypto_sha256_ctx digest;

static void fold(const light_block *b)
{
    crypto_hash h;
    if (cons_header_hash(&h, &b->header) == AG_OK)
        crypto_sha256_update(&digest, h.b, 32);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_light: %s: %s\n", what, ag_err_detail());
    exit(1);
}

static double secp_rate(void)
{
    enum { KEYS = 64, ROUNDS = 40 };
    crypto_privkey k[KEYS];
    crypto_pubkey p[KEYS];
    crypto_sig s[KEYS];
    uint8_t msg[KEYS][120];
    for (int i = 0; i < KEYS; i++) {
        uint8_t b[32];
        memset(b, 0, sizeof b);
        b[31] = (uint8_t)(i + 1);
        b[0] = 0x42;
        if (crypto_privkey_from_bytes(&k[i], b, 32) || crypto_pubkey_from_privkey(&p[i], &k[i]))
            die("key");
        memset(msg[i], i, sizeof msg[i]);
        if (crypto_sign(&s[i], &k[i], msg[i], sizeof msg[i]))
            die("sign");
    }
    long ok = 0;
    double t0 = now_s();
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < KEYS; i++)
            ok += crypto_verify(&p[i], msg[i], sizeof msg[i], s[i].b, CRYPTO_SIG_LEN) == AG_OK;
    double dt = now_s() - t0;
    if (ok != KEYS * ROUNDS)
        die("verify");
    return ok / dt;
}

static light_verify_opts opts(void)
{
    return (light_verify_opts){.chain_id = "bench-light",
                               .trusting_period_ns = 1000LL * 24 * 3600 * 1000000000LL,
                               .max_clock_drift_ns = 10LL * 1000000000LL,
                               .trust_level = LIGHT_TRUST_LEVEL_DEFAULT};
}

static lchain *make_chain(size_t n, int64_t change_every, int64_t height)
{
    lchain_opts o = {.chain_id = "bench-light",
                     .n_vals = n,
                     .change_every = change_every,
                     .shift = change_every ? n / 2 + 1 : 0,
                     .start_s = 1700000000,
                     .block_ms = 1000,
                     .seed = 7,
                     .height = height};
    lchain *c = NULL;
    if (lchain_new(&c, &o))
        die("chain");
    return c;
}

/* Sequential: pre-generate the blocks, then time only the verification. */
static double sequential(size_t n, int64_t count, double *sigs_per_header)
{
    lchain *c = make_chain(n, 0, count + 1);
    light_block *b = calloc((size_t)count + 1, sizeof *b);
    if (!b)
        die("alloc");
    for (int64_t h = 1; h <= count + 1; h++)
        if (lchain_block(c, h, &b[h - 1]))
            die("block");
    light_verify_opts o = opts();
    cons_timestamp now = {1700000000 + count + 100, 0};
    light_fail why;
    double t0 = now_s();
    for (int64_t h = 1; h <= count; h++)
        if (light_verify_adjacent(&o, &b[h - 1], &b[h], now, &why))
            die("adjacent");
    double dt = now_s() - t0;
    /* signatures needed for +2/3 of this set, in set order (power descending) */
    int64_t tally = 0, needed = b[0].vals.total_power * 2 / 3;
    size_t k = 0;
    while (k < b[0].vals.n && tally <= needed)
        tally += b[0].vals.vals[k++].voting_power;
    *sigs_per_header = (double)k;
    fold(&b[count]);
    for (int64_t h = 0; h <= count; h++)
        light_block_free(&b[h]);
    free(b);
    lchain_free(c);
    return (double)count / dt;
}

/* A provider timing the generation of the blocks it serves. */
typedef struct timed {
    light_provider inner;
    double gen_s;
    uint64_t served;
} timed;

static ag_err timed_block(void *ctx, int64_t h, light_block *out)
{
    timed *t = ctx;
    double t0 = now_s();
    ag_err e = t->inner.ops->light_block(t->inner.ctx, h, out);
    t->gen_s += now_s() - t0;
    t->served++;
    return e;
}

static const light_provider_ops TIMED_OPS = {timed_block, NULL, NULL};

static void skipping(size_t n, int64_t target_h)
{
    lchain *c = make_chain(n, 1000, target_h);
    light_block trusted = {0}, target = {0};
    /* link every header hash up to the target first (generation, not verification) */
    double g0 = now_s();
    if (lchain_block(c, 1, &trusted) || lchain_block(c, target_h, &target))
        die("block");
    double link_s = now_s() - g0;
    timed t = {.inner = lchain_provider(c)};
    light_provider p = {&TIMED_OPS, &t, "bench"};
    light_verify_opts o = opts();
    cons_timestamp now = {1700000000 + target_h + 100, 0};
    light_fail why;
    size_t steps = 0;
    double t0 = now_s();
    if (light_verify_skipping(&o, &trusted, &target, &p, now, NULL, NULL, &steps, &why))
        die("skipping");
    double total = now_s() - t0;
    double verify_s = total - t.gen_s;
    printf("skip 1 -> %" PRId64 ", %3zu validators: %.1f ms verifying (%zu steps, %" PRIu64
           " pivots fetched; %.2f ms per step)\n",
           target_h, n, verify_s * 1e3, steps, t.served, verify_s * 1e3 / (double)steps);
    printf("      (not counted: %.0f ms generating and signing the pivots, %.0f ms linking %" PRId64
           " header hashes)\n",
           t.gen_s * 1e3, link_s * 1e3, target_h);
    fold(&target);
    light_block_free(&trusted);
    light_block_free(&target);
    lchain_free(c);
}

int main(int argc, char **argv)
{
    int64_t skip_h = argc > 1 ? strtoll(argv[1], NULL, 10) : 100000;
    if (skip_h < 10) {
        fprintf(stderr, "usage: bench_light [skip_height >= 10]\n");
        return 1;
    }
    crypto_sha256_init(&digest);
    double rate = secp_rate();
    printf("secp256k1 verify (one core):        %8.0f signatures/s   <- the limit\n", rate);
    double k4, k100;
    double h4 = sequential(4, 2000, &k4);
    double h100 = sequential(100, 200, &k100);
    printf(
        "headers verified/s,   4 validators: %8.0f   (limit %.0f: %.0f signatures for +2/3 at the "
        "rate above; %.0f%% of it)\n",
        h4, rate / k4, k4, 100.0 * h4 / (rate / k4));
    printf(
        "headers verified/s, 100 validators: %8.0f   (limit %.0f: %.0f signatures for +2/3 at the "
        "rate above; %.0f%% of it)\n",
        h100, rate / k100, k100, 100.0 * h100 / (rate / k100));
    skipping(4, skip_h);
    skipping(100, skip_h);
    uint8_t d[32];
    char hex[65];
    crypto_sha256_final(&digest, d);
    ag_hex_encode(hex, d, 32, false);
    printf("digest of verified headers: %.16s\n", hex);
    return 0;
}
