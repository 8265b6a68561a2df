/*
 * kube.c — dispatch of kube.h to the dry-run or API implementation.
 */
#include "provider/kube.h"

#include "provider/kube_internal.h"

ag_err provider_kube_open(provider_kube **out, const provider_kube_opts *o)
{
    *out = NULL;
    if (!o)
        return ag_err_set(AG_ERR_INVALID_ARG, "provider_kube_open: no options");
    int sinks = (o->dry_run_dir != NULL) + (o->kubeconfig != NULL) + (o->in_cluster ? 1 : 0);
    if (sinks != 1)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "provider_kube_open: give exactly one of a dry-run directory, a "
                          "kubeconfig, in-cluster (got %d)",
                          sinks);
    if (o->dry_run_dir)
        return provider_kube_dryrun_open(out, o->dry_run_dir);
    return provider_kube_api_open(out, o);
}

void provider_kube_close(provider_kube *k)
{
    if (k)
        k->ops->close(k);
}

bool provider_kube_is_dry_run(const provider_kube *k)
{
    return k && k->dry_run;
}

ag_err provider_kube_apply(provider_kube *k, const provider_object *obj, bool *changed)
{
    bool c = false;
    ag_err e = k->ops->apply(k, obj, &c);
    if (changed)
        *changed = c;
    return e;
}

ag_err provider_kube_list_owned(provider_kube *k, const char *provider_label,
                                provider_owned_ns **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return k->ops->list_owned(k, provider_label, out, n);
}

ag_err provider_kube_delete_namespace(provider_kube *k, const char *ns)
{
    if (!provider_is_dns_label(ns))
        return ag_err_set(AG_ERR_INVALID_ARG, "provider: namespace name is not a DNS label");
    return k->ops->delete_namespace(k, ns);
}

ag_err provider_kube_readiness(provider_kube *k, const char *ns, provider_readiness *out)
{
    *out = (provider_readiness){0};
    if (!provider_is_dns_label(ns))
        return ag_err_set(AG_ERR_INVALID_ARG, "provider: namespace name is not a DNS label");
    return k->ops->readiness(k, ns, out);
}

ag_err provider_kube_prune(provider_kube *k, const char *provider_label, provider_prune_fn keep,
                           void *ctx, unsigned *removed)
{
    unsigned r = 0;
    ag_err e = k->ops->prune(k, provider_label, keep, ctx, &r);
    if (removed)
        *removed = r;
    return e;
}

ag_err provider_kube_allocatable(provider_kube *k, provider_allocatable *out)
{
    *out = (provider_allocatable){0};
    if (!k->ops->allocatable)
        return ag_err_set(AG_ERR_UNSUPPORTED,
                          "the dry-run sink has no nodes to read capacity from");
    return k->ops->allocatable(k, out);
}
