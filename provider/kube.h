/*
 * kube.h — where the reconciler's objects go: a Kubernetes API server, or a
 * dry-run directory.
 *
 * A provider_kube is a long-lived handle owned by the caller (open/close).
 * It is not thread-safe: one reconciler drives it.
 *
 * The API sink speaks HTTPS (or plain http:// for a loopback test server)
 * with libcurl: server-side apply (PATCH application/apply-patch+yaml,
 * fieldManager=agora-provider, force=true), list by label selector, delete;
 * 409/429/5xx and transport errors are retried with bounded exponential
 * backoff, every request has a timeout.
 *
 * The dry-run sink writes DIR/<namespace>/<Kind>-<name>.json (sorted keys,
 * indented), rewriting a file only when its content differs, and deletes a
 * namespace's directory when the namespace is deleted.
 */
#ifndef AGORA_PROVIDER_KUBE_H
#define AGORA_PROVIDER_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "provider/objects.h"

typedef struct provider_kube provider_kube;

typedef struct provider_kube_opts {
    /* Exactly one of the three: */
    const char *dry_run_dir; /* write files here (created if missing) */
    const char *kubeconfig;  /* path of a kubeconfig file (current-context) */
    bool in_cluster;         /* service account token + CA of the pod */
    /* API sink only; 0 = default */
    long timeout_ms;      /* per request (default 10000) */
    unsigned max_retries; /* per request after the first try (default 4) */
    long backoff_ms;      /* first retry delay, doubled each time (default 100) */
} provider_kube_opts;

/* Open a sink. On success *out is a handle freed by provider_kube_close.
 * Errors: AG_ERR_INVALID_ARG (not exactly one sink), the kubeconfig errors
 * of kube_config.h, AG_ERR_IO for an unusable dry-run directory. */
ag_err provider_kube_open(provider_kube **out, const provider_kube_opts *o);

/* Close and free; NULL is fine. */
void provider_kube_close(provider_kube *k);

/* True for the dry-run sink. */
bool provider_kube_is_dry_run(const provider_kube *k);

/* A namespace the sink holds that carries our managed-by label and the
 * given provider label. */
typedef struct provider_owned_ns {
    char name[PROVIDER_NAME_CAP];
    uint64_t lease_id; /* from its lease label; 0 when the label is not a number */
} provider_owned_ns;

/* Apply one object (create or update, server-side apply semantics).
 * *changed (if non-NULL) says whether anything was written. */
ag_err provider_kube_apply(provider_kube *k, const provider_object *obj, bool *changed);

/* The namespaces labelled managed-by=agora-provider and
 * agora.market/provider=provider_label. *out is malloc'd (caller frees),
 * *n its count. */
ag_err provider_kube_list_owned(provider_kube *k, const char *provider_label,
                                provider_owned_ns **out, size_t *n);

/* Delete a namespace (and so everything in it). A namespace that is already
 * gone is not an error. */
ag_err provider_kube_delete_namespace(provider_kube *k, const char *ns);

/* Decides, during a prune, whether an object of ours stays. */
typedef bool (*provider_prune_fn)(void *ctx, const char *kind, const char *ns, const char *name);

/* Delete every namespaced object of our kinds (ResourceQuota, LimitRange,
 * NetworkPolicy, Deployment, Service) that carries our managed-by and
 * provider labels (dry run: every file in one of our namespace directories)
 * and for which keep() returns false: hand-made leftovers, objects a lease
 * should not have. *removed counts them. */
ag_err provider_kube_prune(provider_kube *k, const char *provider_label, provider_prune_fn keep,
                           void *ctx, unsigned *removed);

/* Readiness of a lease's namespace: sums over its Deployments labelled
 * managed-by=agora-provider. `known` is false when the sink cannot tell
 * (dry run: nothing runs, ready is 0). AG_ERR_NOT_FOUND if the namespace
 * has no Deployments of ours. */
typedef struct provider_readiness {
    uint32_t deployments;
    uint32_t desired; /* spec.replicas summed */
    uint32_t ready;   /* status.readyReplicas summed */
    bool known;
} provider_readiness;

ag_err provider_kube_readiness(provider_kube *k, const char *ns, provider_readiness *out);

/* The cluster's schedulable capacity: status.allocatable cpu, memory and
 * ephemeral-storage summed over the nodes (GET /api/v1/nodes), leaving out
 * cordoned nodes (spec.unschedulable), which take no new work. Each
 * quantity is parsed by kube_quantity.h; a malformed or absurd one is an
 * error naming the node (nothing is guessed), and sums are overflow-checked.
 * AG_ERR_UNSUPPORTED for the dry-run sink, which has no nodes. */
typedef struct provider_allocatable {
    uint64_t cpu_millis;
    uint64_t memory_bytes;
    uint64_t storage_bytes;
    uint32_t nodes;         /* counted in the sums */
    uint32_t unschedulable; /* cordoned, left out */
} provider_allocatable;

ag_err provider_kube_allocatable(provider_kube *k, provider_allocatable *out);

#endif
