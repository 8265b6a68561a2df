/*
 * bench_reconcile — one reconcile pass with N active leases (default 1000,
 * two services each: 10 objects per lease) against the dry-run sink:
 *   - create: an empty directory, every object written;
 *   - steady: nothing changed, every object generated, read back, compared;
 *   - teardown: half the leases closed, their namespaces deleted.
 * The limit measured in the same run is generating and serialising the same
 * objects with no sink at all (the floor any pass pays). Prints a SHA-256
 * of every serialised object so nondeterminism or a format change shows.
 * Usage: bench_reconcile [leases]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "lib/hex.h"
#include "provider/reconcile.h"
#include "tests/harness/lease_fixture.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double pass(provider_kube *k, const provider_active *a, size_t n,
                   provider_reconcile_report *rep)
{
    double t0 = now_s();
    ag_err e = provider_reconcile(k, lease_fixture_provider_bech32(), a, n, rep);
    double t = now_s() - t0;
    if (e) {
        fprintf(stderr, "reconcile: %s (%s)\n", ag_strerror(e), ag_err_detail());
        exit(1);
    }
    return t;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000;
    if (n == 0 || n > 100000)
        return fprintf(stderr, "usage: bench_reconcile [leases 1..100000]\n"), 2;
    market_lease *l = calloc(n, sizeof *l);
    market_order *o = calloc(n, sizeof *o);
    provider_active *a = calloc(n, sizeof *a);
    if (!l || !o || !a)
        return 1;
    for (size_t i = 0; i < n; i++) {
        Agora__Market__V1__Service *sv[2] = {lease_fixture_service("web"),
                                             lease_fixture_service("db")};
        lease_fixture_make(&l[i], &o[i], 1 + i, NULL, sv, 2);
        lease_fixture_service_free(sv[0]);
        lease_fixture_service_free(sv[1]);
        a[i] = (provider_active){&l[i], &o[i]};
    }

    /* the floor: generate + serialise, no sink */
    crypto_sha256_ctx h;
    crypto_sha256_init(&h);
    size_t objects = 0, bytes = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        provider_objset s;
        char why[PROVIDER_REASON_MAX];
        if (provider_objects_build(&s, lease_fixture_provider_bech32(), &l[i], &o[i], why,
                                   sizeof why) != AG_OK)
            return fprintf(stderr, "build: %s\n", why), 1;
        for (size_t j = 0; j < s.n; j++) {
            char *text = provider_object_dump(s.objs[j].body, 1);
            size_t len = strlen(text);
            crypto_sha256_update(&h, text, len);
            bytes += len;
            free(text);
        }
        objects += s.n;
        provider_objset_clear(&s);
    }
    double floor_s = now_s() - t0;
    uint8_t digest[CRYPTO_SHA256_LEN];
    crypto_sha256_final(&h, digest);
    char hx[2 * CRYPTO_SHA256_LEN + 1];
    ag_hex_encode(hx, digest, sizeof digest, false);

    char dir[] = "/tmp/agora-bench-reconcile.XXXXXX";
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    provider_kube *k;
    provider_kube_opts opts = {.dry_run_dir = dir};
    if (provider_kube_open(&k, &opts) != AG_OK)
        return 1;
    provider_reconcile_report r1, r2, r3;
    double create = pass(k, a, n, &r1);
    double steady = pass(k, a, n, &r2);
    double teardown = pass(k, a, n / 2, &r3);
    printf("bench_reconcile: %zu leases, %zu objects (%zu bytes of JSON), dry-run sink\n", n,
           objects, bytes);
    printf("  generate + serialise, no sink (limit)  %8.1f ms  (%.0f objects/s)\n", floor_s * 1e3,
           objects / floor_s);
    printf("  reconcile, create                      %8.1f ms  (%.1fx the limit, %u written)\n",
           create * 1e3, create / floor_s, r1.objects_changed);
    printf("  reconcile, steady state                %8.1f ms  (%.1fx the limit, %u written)\n",
           steady * 1e3, steady / floor_s, r2.objects_changed);
    printf("  reconcile, half the leases closed      %8.1f ms  (%.1fx the limit, %u namespaces "
           "deleted)\n",
           teardown * 1e3, teardown / floor_s, r3.namespaces_deleted);
    printf("  digest of the objects %s\n", hx);
    int rc = (r2.objects_changed == 0 && r3.namespaces_deleted == n - n / 2) ? 0 : 1;
    provider_reconcile_report_clear(&r1);
    provider_reconcile_report_clear(&r2);
    provider_reconcile_report_clear(&r3);
    /* the rest closes too: the directory is left empty */
    provider_reconcile_report r4;
    pass(k, a, 0, &r4);
    provider_reconcile_report_clear(&r4);
    provider_kube_close(k);
    if (rmdir(dir) != 0)
        rc = 1;
    for (size_t i = 0; i < n; i++)
        market_order_clear(&o[i]);
    free(l);
    free(o);
    free(a);
    return rc;
}
