/*
 * reconcile.c — see reconcile.h. Apply order follows objects.h (Namespace
 * first); teardown comes last, so a listing failure never blocks applies.
 */
#include "provider/reconcile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECONCILE_LEASES_MAX 100000

void provider_address_label(char out[PROVIDER_NAME_CAP], const char *provider_addr)
{
    provider_label_value(out, (const uint8_t *)provider_addr, strlen(provider_addr));
}

ag_err provider_lease_readiness(provider_kube *k, uint64_t lease_id, provider_readiness *out)
{
    char ns[PROVIDER_NAME_CAP];
    provider_lease_namespace(ns, lease_id);
    return provider_kube_readiness(k, ns, out);
}

static void note(char *dst, const char *what, ag_err e)
{
    snprintf(dst, PROVIDER_REASON_MAX, "%s: %s (%s)", what, ag_strerror(e), ag_err_detail());
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The objects every applied lease should have, as sorted "ns/Kind/name"
 * keys, and the applied leases' namespaces: what a prune keeps. */
typedef struct keyset {
    char **keys;
    size_t n, cap;
    char (*ns)[PROVIDER_NAME_CAP];
    size_t n_ns;
} keyset;

static ag_err keys_add_set(keyset *ks, const provider_objset *set)
{
    if (ks->n + set->n > ks->cap) {
        size_t nc = (ks->cap ? ks->cap * 2 : 256) + set->n;
        char **g = realloc(ks->keys, nc * sizeof *g);
        if (!g)
            return ag_err_set(AG_ERR_NOMEM, "provider_reconcile: keys");
        ks->keys = g;
        ks->cap = nc;
    }
    for (size_t i = 0; i < set->n; i++) {
        const provider_object *o = &set->objs[i];
        char *key = malloc(3 * PROVIDER_NAME_CAP + 8);
        if (!key)
            return ag_err_set(AG_ERR_NOMEM, "provider_reconcile: keys");
        snprintf(key, 3 * PROVIDER_NAME_CAP + 8, "%s/%s/%s", set->ns, o->kind, o->name);
        ks->keys[ks->n++] = key;
    }
    memcpy(ks->ns[ks->n_ns++], set->ns, PROVIDER_NAME_CAP);
    return AG_OK;
}

static void keys_free(keyset *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        free(ks->keys[i]);
    free(ks->keys);
    free(ks->ns);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_ns(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static bool keep_object(void *ctx, const char *kind, const char *ns, const char *name)
{
    const keyset *ks = ctx;
    /* only the namespaces of leases applied in this pass are judged: a
     * refused or failing lease keeps whatever it has */
    if (!bsearch(ns, ks->ns, ks->n_ns, PROVIDER_NAME_CAP, cmp_ns))
        return true;
    char key[3 * PROVIDER_NAME_CAP + 8];
    snprintf(key, sizeof key, "%s/%s/%s", ns, kind, name);
    const char *k = key;
    return ks->n && bsearch(&k, ks->keys, ks->n, sizeof *ks->keys, cmp_str) != NULL;
}

static ag_err reconcile_one(provider_kube *k, const char *provider_addr, const provider_active *a,
                            provider_lease_result *r, provider_reconcile_report *rep, keyset *keys)
{
    provider_objset set;
    r->lease_id = a->lease->id;
    ag_err e = provider_objects_build(&set, provider_addr, a->lease, a->order, r->reason,
                                      sizeof r->reason);
    snprintf(r->ns, sizeof r->ns, "%s", set.ns);
    if (e) {
        if (r->reason[0] == '\0')
            note(r->reason, "objects", e);
        r->outcome = PROVIDER_LEASE_REFUSED;
        rep->refused++;
        return AG_OK; /* the chain's data, not a sink failure */
    }
    r->objects = (uint32_t)set.n;
    r->replicas = set.replicas;
    for (size_t i = 0; i < set.n && !e; i++) {
        bool changed = false;
        e = provider_kube_apply(k, &set.objs[i], &changed);
        if (e) {
            char what[160];
            snprintf(what, sizeof what, "apply %s %s", set.objs[i].kind, set.objs[i].name);
            note(r->reason, what, e);
        }
        r->changed += changed;
    }
    if (!e)
        e = keys_add_set(keys, &set);
    if (e) {
        r->outcome = PROVIDER_LEASE_FAILED;
        rep->failed++;
    } else {
        r->outcome = PROVIDER_LEASE_APPLIED;
        rep->objects_applied += r->objects;
    }
    rep->objects_changed += r->changed;
    provider_objset_clear(&set);
    return e;
}

ag_err provider_reconcile(provider_kube *k, const char *provider_addr, const provider_active *a,
                          size_t n, provider_reconcile_report *rep)
{
    memset(rep, 0, sizeof *rep);
    if (!k || !provider_addr || (n && !a))
        return ag_err_set(AG_ERR_INVALID_ARG, "provider_reconcile: NULL argument");
    if (n > RECONCILE_LEASES_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "provider_reconcile: %zu leases (limit %d)", n,
                          RECONCILE_LEASES_MAX);
    rep->leases = calloc(n ? n : 1, sizeof *rep->leases);
    uint64_t *keep = malloc((n ? n : 1) * sizeof *keep);
    keyset ks = {.ns = calloc(n ? n : 1, PROVIDER_NAME_CAP)};
    if (!rep->leases || !keep || !ks.ns) {
        free(keep);
        free(ks.ns);
        return ag_err_set(AG_ERR_NOMEM, "provider_reconcile: report");
    }
    rep->n_leases = n;
    ag_err first = AG_OK;
    for (size_t i = 0; i < n; i++) {
        if (!a[i].lease || !a[i].order) {
            free(keep);
            keys_free(&ks);
            return ag_err_set(AG_ERR_INVALID_ARG, "provider_reconcile: lease %zu is NULL", i);
        }
        keep[i] = a[i].lease->id;
        ag_err e = reconcile_one(k, provider_addr, &a[i], &rep->leases[i], rep, &ks);
        if (e && !first)
            first = e;
    }
    qsort(keep, n, sizeof *keep, cmp_u64);

    /* Prune strays inside the applied leases' namespaces. */
    if (ks.n) /* keys stays NULL when no lease was applied */
        qsort(ks.keys, ks.n, sizeof *ks.keys, cmp_str);
    qsort(ks.ns, ks.n_ns, PROVIDER_NAME_CAP, cmp_ns);
    char label[PROVIDER_NAME_CAP];
    provider_address_label(label, provider_addr);
    unsigned pruned = 0;
    ag_err e = provider_kube_prune(k, label, keep_object, &ks, &pruned);
    rep->objects_pruned = pruned;
    keys_free(&ks);
    if (e) {
        note(rep->error, "prune", e);
        if (!first)
            first = e;
    }

    /* Teardown: our namespaces whose lease is not active. Every active lease
     * is kept, refused or failed alike: a failure is no reason to delete. */
    provider_owned_ns *owned = NULL;
    size_t n_owned = 0;
    e = provider_kube_list_owned(k, label, &owned, &n_owned);
    if (e) {
        note(rep->error, "list namespaces", e);
        if (!first)
            first = e;
    }
    for (size_t i = 0; i < n_owned; i++) {
        char want[PROVIDER_NAME_CAP];
        provider_lease_namespace(want, owned[i].lease_id);
        /* a namespace whose name does not match its lease label was not made
         * by this generator: not ours to judge, leave it */
        if (owned[i].lease_id == 0 || strcmp(want, owned[i].name) != 0)
            continue;
        if (bsearch(&owned[i].lease_id, keep, n, sizeof *keep, cmp_u64))
            continue;
        e = provider_kube_delete_namespace(k, owned[i].name);
        if (e) {
            note(rep->error, "delete namespace", e);
            if (!first)
                first = e;
            continue;
        }
        rep->namespaces_deleted++;
    }
    free(owned);
    free(keep);
    return first;
}

void provider_reconcile_report_clear(provider_reconcile_report *rep)
{
    if (!rep)
        return;
    free(rep->leases);
    memset(rep, 0, sizeof *rep);
}
