/*
 * reconcile.h — level-triggered reconciliation of a provider's leases.
 *
 * Desired state: the active leases of one provider (from the chain).
 * Actual state: what the sink (kube.h) holds under our labels.
 * provider_reconcile makes the second equal the first, whatever happened
 * before (missed events, a crash, hand edits or deletions): it applies every
 * object of every active lease (unchanged ones are no-ops), prunes objects of
 * ours that a lease should not have, and deletes the namespaces that carry
 * our managed-by label and this provider's label but belong to no active
 * lease. It never deletes anything without both labels.
 *
 * A lease whose workload is refused (objects.h) or whose objects fail to
 * apply gets a reason in the report; the other leases proceed, and a failed
 * lease's namespace is never deleted for that failure.
 */
#ifndef AGORA_PROVIDER_RECONCILE_H
#define AGORA_PROVIDER_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "market/records.h"
#include "provider/kube.h"
#include "provider/objects.h"

typedef struct provider_active {
    const market_lease *lease; /* borrowed for the call */
    const market_order *order; /* the lease's order (its workload) */
} provider_active;

typedef enum provider_lease_outcome {
    PROVIDER_LEASE_APPLIED = 1, /* every object applied */
    PROVIDER_LEASE_REFUSED = 2, /* workload refused: nothing applied */
    PROVIDER_LEASE_FAILED = 3,  /* the sink failed; retried next pass */
} provider_lease_outcome;

typedef struct provider_lease_result {
    uint64_t lease_id;
    char ns[PROVIDER_NAME_CAP];
    provider_lease_outcome outcome;
    uint32_t objects; /* objects of the lease */
    uint32_t changed; /* of which written this pass */
    uint32_t replicas;
    char reason[PROVIDER_REASON_MAX]; /* "" when applied */
} provider_lease_result;

typedef struct provider_reconcile_report {
    provider_lease_result *leases; /* one per active lease, in input order; owned */
    size_t n_leases;
    uint32_t objects_applied; /* all objects of applied leases */
    uint32_t objects_changed;
    uint32_t objects_pruned;         /* strays removed from applied leases' namespaces */
    uint32_t namespaces_deleted;     /* closed leases torn down */
    uint32_t refused, failed;        /* leases */
    char error[PROVIDER_REASON_MAX]; /* why listing or a deletion failed, "" if not */
} provider_reconcile_report;

/*
 * One pass. provider_addr is this provider's bech32 address; a lease of
 * another provider is refused. a[0..n) are the active leases (n <= 100000).
 * *rep is filled (free with provider_reconcile_report_clear) whatever the
 * result. Returns AG_OK when every lease was applied or refused and the
 * teardown finished; otherwise the first sink error (the pass still did all
 * it could: later passes converge).
 */
ag_err provider_reconcile(provider_kube *k, const char *provider_addr, const provider_active *a,
                          size_t n, provider_reconcile_report *rep);

void provider_reconcile_report_clear(provider_reconcile_report *rep);

/* The label value of a provider address (how the sink finds our objects). */
void provider_address_label(char out[PROVIDER_NAME_CAP], const char *provider_addr);

/* Status of one lease: readiness of its Deployments in the sink. */
ag_err provider_lease_readiness(provider_kube *k, uint64_t lease_id, provider_readiness *out);

#endif
