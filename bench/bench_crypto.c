/*
 * bench_crypto — the costs everything else is measured against.
 *
 *  1. SHA-256 of a 65-byte Merkle inner node through our low-level path,
 *     next to OpenSSL's one-shot EVP path (the limit we chose to beat).
 *  2. secp256k1 signature verification per second on one core and on all
 *     cores: the verification ceiling that transaction throughput
 *     (issues 5 and 11) is reported against.
 *
 * Prints a digest of all outputs so a miscompile or nondeterminism shows.
 * Usage: bench_crypto [verify_count]   (default 20000 per thread)
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "lib/hex.h"
#include "lib/rng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define SIGS 256

typedef struct {
    crypto_pubkey pub[SIGS];
    crypto_sig sig[SIGS];
    uint8_t digest[SIGS][32];
} sig_set;

typedef struct {
    const sig_set *set;
    long count;
    long ok;
} verify_job;

static void *verify_worker(void *arg)
{
    verify_job *job = arg;
    for (long i = 0; i < job->count; i++) {
        int k = (int)(i % SIGS);
        job->ok += crypto_verify_digest(&job->set->pub[k], job->set->digest[k], job->set->sig[k].b,
                                        CRYPTO_SIG_LEN) == AG_OK;
    }
    return NULL;
}

static double verify_rate(const sig_set *set, int threads, long per_thread, long *ok)
{
    pthread_t tid[64];
    verify_job jobs[64];
    double t0 = now_s();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (verify_job){.set = set, .count = per_thread};
        pthread_create(&tid[t], NULL, verify_worker, &jobs[t]);
    }
    *ok = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        *ok += jobs[t].ok;
    }
    return (double)per_thread * threads / (now_s() - t0);
}

int main(int argc, char **argv)
{
    long per_thread = argc > 1 ? atol(argv[1]) : 20000;
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    if (cores > 64)
        cores = 64;
    uint8_t check[32] = {0};

    /* 1. SHA-256 over 65-byte messages */
    const long n_hash = 2000000;
    uint8_t msg[65], out[32];
    ag_rng rng;
    ag_rng_seed(&rng, 1);
    ag_rng_fill(&rng, msg, sizeof msg);
    double t0 = now_s();
    for (long i = 0; i < n_hash; i++) {
        msg[0] = (uint8_t)i;
        crypto_sha256(out, msg, sizeof msg);
        check[i & 31] ^= out[0];
    }
    double ns_ours = (now_s() - t0) / n_hash * 1e9;
    t0 = now_s();
    for (long i = 0; i < n_hash; i++) {
        unsigned int len;
        msg[0] = (uint8_t)i;
        EVP_Digest(msg, sizeof msg, out, &len, EVP_sha256(), NULL);
        check[i & 31] ^= out[0];
    }
    double ns_evp = (now_s() - t0) / n_hash * 1e9;
    printf("sha256(65 B):      %7.1f ns/op  (OpenSSL one-shot EVP_Digest: %.1f ns/op, %.2fx)\n",
           ns_ours, ns_evp, ns_evp / ns_ours);

    /* 2. secp256k1 verification ceiling */
    sig_set *set = malloc(sizeof *set);
    for (int i = 0; i < SIGS; i++) {
        uint8_t raw[32];
        crypto_privkey key;
        do
            ag_rng_fill(&rng, raw, sizeof raw);
        while (crypto_privkey_from_bytes(&key, raw, 32) != AG_OK);
        ag_rng_fill(&rng, set->digest[i], 32);
        crypto_pubkey_from_privkey(&set->pub[i], &key);
        crypto_sign_digest(&set->sig[i], &key, set->digest[i]);
        for (int j = 0; j < 32; j++)
            check[j] ^= set->sig[i].b[j];
    }
    t0 = now_s();
    const long n_sign = 20000;
    crypto_privkey key;
    uint8_t raw[32] = {1};
    crypto_privkey_from_bytes(&key, raw, 32);
    for (long i = 0; i < n_sign; i++) {
        crypto_sig s;
        crypto_sign_digest(&s, &key, set->digest[i % SIGS]);
        check[i & 31] ^= s.b[0];
    }
    double sign_rate = n_sign / (now_s() - t0);
    long ok1, okn;
    double v1 = verify_rate(set, 1, per_thread, &ok1);
    double vn = verify_rate(set, cores, per_thread, &okn);
    printf("secp256k1 sign:    %9.0f /s on 1 core\n", sign_rate);
    printf("secp256k1 verify:  %9.0f /s on 1 core, %.0f /s on %d cores (%.2fx) "
           "<- the verification ceiling\n",
           v1, vn, cores, vn / v1);
    if (ok1 != per_thread || okn != per_thread * cores) {
        fprintf(stderr, "bench_crypto: %ld + %ld verifications failed\n", per_thread - ok1,
                per_thread * cores - okn);
        return 1;
    }
    char hex[65];
    ag_hex_encode(hex, check, 32, false);
    printf("output digest: %s\n", hex);
    free(set);
    return 0;
}
