/*
 * kube_internal.h — the sink interface behind provider_kube (kube.h), for
 * the two implementations kube_dryrun.c and kube_api.c only.
 */
#ifndef AGORA_PROVIDER_KUBE_INTERNAL_H
#define AGORA_PROVIDER_KUBE_INTERNAL_H

#include "provider/kube.h"

typedef struct provider_kube_ops {
    ag_err (*apply)(provider_kube *k, const provider_object *obj, bool *changed);
    ag_err (*list_owned)(provider_kube *k, const char *provider_label, provider_owned_ns **out,
                         size_t *n);
    ag_err (*delete_namespace)(provider_kube *k, const char *ns);
    ag_err (*readiness)(provider_kube *k, const char *ns, provider_readiness *out);
    ag_err (*prune)(provider_kube *k, const char *provider_label, provider_prune_fn keep, void *ctx,
                    unsigned *removed);
    /* NULL when the sink has no nodes (dry run). */
    ag_err (*allocatable)(provider_kube *k, provider_allocatable *out);
    void (*close)(provider_kube *k);
} provider_kube_ops;

/* Every implementation's handle starts with this. */
struct provider_kube {
    const provider_kube_ops *ops;
    bool dry_run;
};

ag_err provider_kube_dryrun_open(provider_kube **out, const char *dir);
ag_err provider_kube_api_open(provider_kube **out, const provider_kube_opts *o);

#endif
