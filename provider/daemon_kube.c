/*
 * daemon_kube.c — adapts provider_reconcile to the daemon (see
 * daemon_kube.h) and turns its report into the status JSON.
 */
#include "provider/daemon_kube.h"

#include <stdlib.h>

#include "provider/reconcile.h"

static const char *outcome_name(provider_lease_outcome o)
{
    return o == PROVIDER_LEASE_APPLIED   ? "applied"
           : o == PROVIDER_LEASE_REFUSED ? "refused"
                                         : "failed";
}

ag_err provider_daemon_reconcile_kube(void *user, const char *provider, const market_lease *leases,
                                      const market_order *orders, size_t n, json_t **report)
{
    provider_kube *k = user;
    provider_active *a = calloc(n ? n : 1, sizeof *a);
    if (!a)
        return ag_err_set(AG_ERR_NOMEM, "reconcile input");
    for (size_t i = 0; i < n; i++)
        a[i] = (provider_active){&leases[i], &orders[i]};
    provider_reconcile_report rep;
    ag_err err = provider_reconcile(k, provider, a, n, &rep);
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", err ? ag_err_detail() : "");
    free(a);
    json_t *ls = json_array();
    for (size_t i = 0; i < rep.n_leases; i++) {
        const provider_lease_result *r = &rep.leases[i];
        json_t *j = json_pack("{sI ss ss si si si ss}", "lease_id", (json_int_t)r->lease_id,
                              "namespace", r->ns, "outcome", outcome_name(r->outcome), "objects",
                              (int)r->objects, "changed", (int)r->changed, "replicas",
                              (int)r->replicas, "reason", r->reason);
        provider_readiness rd;
        if (j && r->outcome == PROVIDER_LEASE_APPLIED &&
            provider_lease_readiness(k, r->lease_id, &rd) == AG_OK)
            json_object_set_new(j, "readiness",
                                json_pack("{si si si sb}", "deployments", (int)rd.deployments,
                                          "desired", (int)rd.desired, "ready", (int)rd.ready,
                                          "known", rd.known));
        json_array_append_new(ls, j);
    }
    *report =
        json_pack("{so si si si si si ss ss}", "leases", ls, "objects_applied",
                  (int)rep.objects_applied, "objects_changed", (int)rep.objects_changed,
                  "namespaces_deleted", (int)rep.namespaces_deleted, "refused", (int)rep.refused,
                  "failed", (int)rep.failed, "error", rep.error, "pass_error", detail);
    provider_reconcile_report_clear(&rep);
    if (err)
        ag_err_set(err, "%s", detail);
    return err;
}

static uint64_t minus_reserve(uint64_t have, uint64_t reserve)
{
    return have > reserve ? have - reserve : 0;
}

ag_err provider_daemon_capacity_kube(void *user, const provider_config *cfg, market_resources *cap)
{
    provider_allocatable a;
    ag_err err = provider_kube_allocatable(user, &a);
    if (err)
        return err;
    cap->cpu_millis = minus_reserve(a.cpu_millis, cfg->reserve.cpu_millis);
    cap->memory_bytes = minus_reserve(a.memory_bytes, cfg->reserve.memory_bytes);
    cap->storage_bytes = minus_reserve(a.storage_bytes, cfg->reserve.storage_bytes);
    return AG_OK;
}
