/*
 * objects.h — the Kubernetes objects of one lease, generated purely.
 *
 * For a lease and its order (whose workload is the canonical protobuf
 * Workload) the generator yields, in apply order:
 *   Namespace agora-lease-<lease id>
 *   ResourceQuota lease-quota     (exactly the leased totals; pods = replicas)
 *   LimitRange lease-limits       (per-container maximum = largest replica)
 *   NetworkPolicy lease-isolation (ingress only from the lease's own pods,
 *                                  plus the ports the order exposes outside)
 *   Deployment <service>          (one per service)
 *   Service <service>[-np|-lb]    (one per expose kind the service uses)
 * every one labelled PROVIDER_LABEL_LEASE/ORDER/OWNER/PROVIDER and
 * PROVIDER_LABEL_MANAGED_BY=PROVIDER_MANAGER.
 *
 * The output depends only on the inputs (no time, no randomness); bodies are
 * jansson objects, serialised with sorted keys by provider_object_dump.
 * Chain strings never become names unchecked (sanitize.h). A workload that
 * cannot run safely (bad image, env name, absurd resources, non-UTF-8 text,
 * oversized object) is refused as a whole with a reason naming the service:
 * nothing of a refused lease is applied, so nothing is left half-way.
 */
#ifndef AGORA_PROVIDER_OBJECTS_H
#define AGORA_PROVIDER_OBJECTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "market/records.h"
#include "provider/sanitize.h"

#define PROVIDER_LABEL_LEASE      "agora.market/lease"
#define PROVIDER_LABEL_ORDER      "agora.market/order"
#define PROVIDER_LABEL_OWNER      "agora.market/owner"
#define PROVIDER_LABEL_PROVIDER   "agora.market/provider"
#define PROVIDER_LABEL_SERVICE    "agora.market/service"
#define PROVIDER_LABEL_MANAGED_BY "app.kubernetes.io/managed-by"
#define PROVIDER_MANAGER          "agora-provider"
#define PROVIDER_NS_PREFIX        "agora-lease-"

/* One object's serialised size (sorted compact JSON); the API server's own
 * request limit is about 3 MiB, etcd's value limit 1.5 MiB. */
#define PROVIDER_OBJECT_MAX ((size_t)512 * 1024)
/* Objects per lease: 4 + a Deployment and up to 3 Services per service. */
#define PROVIDER_OBJECTS_MAX (4 + 4 * 16)
#define PROVIDER_REASON_MAX  256

typedef struct provider_object {
    const char *api_version;    /* static: "v1", "apps/v1", "networking.k8s.io/v1" */
    const char *kind;           /* static: "Namespace", "Deployment", ... */
    const char *plural;         /* static: "namespaces", "deployments", ... */
    char ns[PROVIDER_NAME_CAP]; /* "" for the cluster-scoped Namespace */
    char name[PROVIDER_NAME_CAP];
    json_t *body; /* owned by the set */
} provider_object;

typedef struct provider_objset {
    uint64_t lease_id;
    char ns[PROVIDER_NAME_CAP];
    uint32_t replicas;     /* pods the lease's Deployments want in total */
    provider_object *objs; /* in apply order; owned */
    size_t n;
} provider_objset;

/*
 * Build the objects of `lease` (which must be this provider's: AG_ERR_STATE
 * otherwise) from `order`'s workload. provider_label is the bech32 address
 * of the provider (it becomes a label value after sanitising).
 * On success *out is filled (free with provider_objset_clear). On refusal:
 * AG_ERR_DECODE / AG_ERR_TOO_LARGE / AG_ERR_INVALID_ARG, `why` (cap bytes)
 * says which service and what, and *out is empty.
 */
ag_err provider_objects_build(provider_objset *out, const char *provider_addr,
                              const market_lease *lease, const market_order *order, char *why,
                              size_t why_cap);

void provider_objset_clear(provider_objset *s);

/* The namespace name of a lease: PROVIDER_NS_PREFIX + decimal id. */
void provider_lease_namespace(char out[PROVIDER_NAME_CAP], uint64_t lease_id);

/* Serialise a body with sorted keys: compact (pretty=0) or indented by 2.
 * Returns a malloc'd string (caller frees) or NULL on allocation failure. */
char *provider_object_dump(const json_t *body, int pretty);

#endif
