/*
 * provider_kube_tool — drives the provider's reconciler for the integration
 * tests: fixture leases (tests/harness/lease_fixture.h) against a kubeconfig
 * (the stand-in API server) or a dry-run directory.
 *
 *   provider_kube_tool reconcile (--kubeconfig F | --dry-run D) FIRST COUNT [--bad ID] [--hostile
 * ID] leases FIRST .. FIRST+COUNT-1 are the active ones (COUNT may be 0);
 *       --bad ID gives lease ID an invalid image (refused), --hostile ID
 *       hostile service names. Prints one summary line and a line per
 *       lease that was not applied; exit 0 when the pass returned AG_OK.
 *   provider_kube_tool readiness (--kubeconfig F | --dry-run D) ID
 *   provider_kube_tool address      the fixture provider's bech32 address
 *
 * Environment: PK_TIMEOUT_MS, PK_RETRIES, PK_BACKOFF_MS (the sink options).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/reconcile.h"
#include "tests/harness/lease_fixture.h"

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

static int usage(void)
{
    fprintf(stderr, "usage: provider_kube_tool reconcile|readiness (--kubeconfig F | --dry-run D) "
                    "ARGS...\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "address") == 0) {
        puts(lease_fixture_provider_bech32());
        return 0;
    }
    if (argc < 4)
        return usage();
    const char *cmd = argv[1];
    provider_kube_opts o = {.timeout_ms = env_long("PK_TIMEOUT_MS", 0),
                            .max_retries = (unsigned)env_long("PK_RETRIES", 0),
                            .backoff_ms = env_long("PK_BACKOFF_MS", 0)};
    if (strcmp(argv[2], "--kubeconfig") == 0)
        o.kubeconfig = argv[3];
    else if (strcmp(argv[2], "--dry-run") == 0)
        o.dry_run_dir = argv[3];
    else
        return usage();
    provider_kube *k;
    ag_err e = provider_kube_open(&k, &o);
    if (e) {
        fprintf(stderr, "open: %s (%s)\n", ag_strerror(e), ag_err_detail());
        return 1;
    }
    int rc = 0;
    if (strcmp(cmd, "readiness") == 0 && argc >= 5) {
        provider_readiness r;
        e = provider_lease_readiness(k, strtoull(argv[4], NULL, 10), &r);
        if (e) {
            fprintf(stderr, "readiness: %s (%s)\n", ag_strerror(e), ag_err_detail());
            rc = 1;
        } else {
            printf("deployments=%u desired=%u ready=%u known=%d\n", r.deployments, r.desired,
                   r.ready, r.known);
        }
    } else if (strcmp(cmd, "reconcile") == 0 && argc >= 6) {
        uint64_t first = strtoull(argv[4], NULL, 10);
        size_t count = strtoull(argv[5], NULL, 10);
        uint64_t bad = 0, hostile = 0;
        for (int i = 6; i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--bad") == 0)
                bad = strtoull(argv[i + 1], NULL, 10);
            else if (strcmp(argv[i], "--hostile") == 0)
                hostile = strtoull(argv[i + 1], NULL, 10);
        }
        market_lease *l = calloc(count ? count : 1, sizeof *l);
        market_order *ord = calloc(count ? count : 1, sizeof *ord);
        provider_active *a = calloc(count ? count : 1, sizeof *a);
        if (!l || !ord || !a) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        for (size_t i = 0; i < count; i++) {
            uint64_t id = first + i;
            Agora__Market__V1__Service *sv[2] = {lease_fixture_service("web"),
                                                 lease_fixture_service("db")};
            if (id == bad) {
                free(sv[0]->image.data);
                sv[0]->image.data = (uint8_t *)strdup("not an image!");
                sv[0]->image.len = strlen("not an image!");
            }
            if (id == hostile) {
                free(sv[1]->name.data);
                sv[1]->name.data = (uint8_t *)strdup("../../Kube System\x01");
                sv[1]->name.len = strlen("../../Kube System\x01");
            }
            lease_fixture_make(&l[i], &ord[i], id, NULL, sv, 2);
            lease_fixture_service_free(sv[0]);
            lease_fixture_service_free(sv[1]);
            a[i] = (provider_active){&l[i], &ord[i]};
        }
        provider_reconcile_report rep;
        e = provider_reconcile(k, lease_fixture_provider_bech32(), a, count, &rep);
        printf("rc=%s applied=%u changed=%u pruned=%u deleted=%u refused=%u failed=%u\n",
               ag_err_name(e), rep.objects_applied, rep.objects_changed, rep.objects_pruned,
               rep.namespaces_deleted, rep.refused, rep.failed);
        for (size_t i = 0; i < rep.n_leases; i++)
            if (rep.leases[i].outcome != PROVIDER_LEASE_APPLIED)
                printf("lease %" PRIu64 " %s: %s\n", rep.leases[i].lease_id,
                       rep.leases[i].outcome == PROVIDER_LEASE_REFUSED ? "refused" : "failed",
                       rep.leases[i].reason);
        if (rep.error[0])
            printf("error: %s\n", rep.error);
        rc = e ? 1 : 0;
        provider_reconcile_report_clear(&rep);
        for (size_t i = 0; i < count; i++)
            market_order_clear(&ord[i]);
        free(l);
        free(ord);
        free(a);
    } else {
        rc = usage();
    }
    provider_kube_close(k);
    return rc;
}
