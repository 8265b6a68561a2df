/*
 * kube_dryrun.c — the dry-run sink: DIR/<namespace>/<Kind>-<name>.json.
 *
 * Every path component is a DNS label or a fixed kind name (checked before
 * any file is touched), so chain data can never point a write outside DIR.
 * Files are replaced atomically (write to a temporary, rename) and only when
 * their content changes, so a reconcile that changes nothing writes nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/kube_internal.h"

#define DRY_PATH_MAX 4096
#define DRY_DIR_MAX  3000 /* leaves room for "/<ns>/<Kind>-<name>.json" */

typedef struct dryrun {
    provider_kube base;
    char dir[DRY_DIR_MAX];
} dryrun;

static ag_err io_err(const char *what, const char *path)
{
    return ag_err_set(errno == ENOSPC ? AG_ERR_NOSPACE : AG_ERR_IO, "dry-run: %s %s: %s", what,
                      path, strerror(errno));
}

/* Read a whole small file; NULL if absent or unreadable. */
static char *slurp(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (!buf || n > max) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static ag_err write_atomic(const char *path, const char *text)
{
    char tmp[DRY_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return io_err("create", tmp);
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        ag_err e = io_err("write", tmp);
        unlink(tmp);
        return e;
    }
    return AG_OK;
}

static ag_err obj_path(char *out, size_t cap, const dryrun *d, const char *ns, const char *kind,
                       const char *name)
{
    if (!provider_is_dns_label(ns) || !provider_is_dns_label(name))
        return ag_err_set(AG_ERR_INVALID_ARG, "dry-run: unsafe name %s/%s", ns, name);
    int n = snprintf(out, cap, "%s/%s/%s-%s.json", d->dir, ns, kind, name);
    if (n < 0 || (size_t)n >= cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "dry-run: path too long");
    return AG_OK;
}

static ag_err dry_apply(provider_kube *k, const provider_object *obj, bool *changed)
{
    dryrun *d = (dryrun *)k;
    const char *ns = obj->ns[0] ? obj->ns : obj->name; /* a Namespace lives in its own dir */
    char path[DRY_PATH_MAX], dirp[DRY_PATH_MAX];
    ag_err e = obj_path(path, sizeof path, d, ns, obj->kind, obj->name);
    if (e)
        return e;
    snprintf(dirp, sizeof dirp, "%s/%s", d->dir, ns);
    if (mkdir(dirp, 0755) != 0 && errno != EEXIST)
        return io_err("mkdir", dirp);
    char *text = provider_object_dump(obj->body, 1);
    if (!text)
        return ag_err_set(AG_ERR_NOMEM, "dry-run: serialise %s", obj->name);
    char *old = slurp(path, PROVIDER_OBJECT_MAX * 4);
    size_t tl = strlen(text);
    bool same = old && strlen(old) == tl + 1 && memcmp(old, text, tl) == 0 && old[tl] == '\n';
    free(old);
    e = same ? AG_OK : write_atomic(path, text);
    free(text);
    *changed = !same && e == AG_OK;
    return e;
}

/* The labels of DIR/<ns>/Namespace-<ns>.json, or NULL (caller decrefs the
 * returned root; *labels borrows from it). */
static json_t *ns_labels(const dryrun *d, const char *ns, json_t **labels)
{
    char path[DRY_PATH_MAX];
    *labels = NULL;
    if (obj_path(path, sizeof path, d, ns, "Namespace", ns) != AG_OK)
        return NULL;
    json_t *root = json_load_file(path, 0, NULL);
    json_t *l = json_object_get(json_object_get(root, "metadata"), "labels");
    if (!json_is_object(l)) {
        json_decref(root);
        return NULL;
    }
    *labels = l;
    return root;
}

static bool label_is(json_t *labels, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(labels, key));
    return v && strcmp(v, want) == 0;
}

static ag_err dry_list_owned(provider_kube *k, const char *provider_label, provider_owned_ns **out,
                             size_t *n)
{
    dryrun *d = (dryrun *)k;
    DIR *dir = opendir(d->dir);
    if (!dir)
        return io_err("open", d->dir);
    size_t cap = 0;
    ag_err e = AG_OK;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (!provider_is_dns_label(de->d_name))
            continue;
        json_t *labels;
        json_t *root = ns_labels(d, de->d_name, &labels);
        if (!root)
            continue;
        bool ours = label_is(labels, PROVIDER_LABEL_MANAGED_BY, PROVIDER_MANAGER) &&
                    label_is(labels, PROVIDER_LABEL_PROVIDER, provider_label);
        uint64_t lease = 0;
        const char *lv = json_string_value(json_object_get(labels, PROVIDER_LABEL_LEASE));
        if (lv) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(lv, &end, 10);
            if (errno == 0 && *end == '\0' && lv[0] >= '0' && lv[0] <= '9')
                lease = v;
        }
        json_decref(root);
        if (!ours)
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            provider_owned_ns *g = realloc(*out, nc * sizeof *g);
            if (!g) {
                e = ag_err_set(AG_ERR_NOMEM, "dry-run: list");
                break;
            }
            *out = g;
            cap = nc;
        }
        provider_owned_ns *o = &(*out)[(*n)++];
        memcpy(o->name, de->d_name, strlen(de->d_name) + 1); /* a DNS label: fits */
        o->lease_id = lease;
    }
    closedir(dir);
    if (e) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return e;
}

/* Remove the files of DIR/<ns> and the directory. */
static ag_err dry_delete_namespace(provider_kube *k, const char *ns)
{
    dryrun *d = (dryrun *)k;
    char dirp[DRY_PATH_MAX], path[DRY_PATH_MAX + 512];
    snprintf(dirp, sizeof dirp, "%s/%s", d->dir, ns);
    DIR *dir = opendir(dirp);
    if (!dir)
        return errno == ENOENT ? AG_OK : io_err("open", dirp);
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dirp, de->d_name);
        if (unlink(path) != 0 && errno != ENOENT) {
            ag_err e = io_err("remove", path);
            closedir(dir);
            return e;
        }
    }
    closedir(dir);
    if (rmdir(dirp) != 0 && errno != ENOENT)
        return io_err("rmdir", dirp);
    return AG_OK;
}

/* Split "<Kind>-<name>.json"; false for any other file name. */
static bool split_file(const char *file, char kind[32], char name[PROVIDER_NAME_CAP])
{
    const char *dash = strchr(file, '-');
    size_t len = strlen(file);
    if (!dash || len < 6 || strcmp(file + len - 5, ".json") != 0)
        return false;
    size_t kl = (size_t)(dash - file), nl = len - 5 - kl - 1;
    if (kl == 0 || kl >= 32 || nl == 0 || nl >= PROVIDER_NAME_CAP)
        return false;
    memcpy(kind, file, kl);
    kind[kl] = '\0';
    memcpy(name, dash + 1, nl);
    name[nl] = '\0';
    return true;
}

static ag_err prune_dir(dryrun *d, const char *ns, provider_prune_fn keep, void *ctx,
                        unsigned *removed)
{
    char dirp[DRY_PATH_MAX], path[DRY_PATH_MAX + 512];
    snprintf(dirp, sizeof dirp, "%s/%s", d->dir, ns);
    DIR *dir = opendir(dirp);
    if (!dir)
        return errno == ENOENT ? AG_OK : io_err("open", dirp);
    ag_err e = AG_OK;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char kind[32] = "", name[PROVIDER_NAME_CAP] = "";
        bool parsed = split_file(de->d_name, kind, name);
        if (parsed && strcmp(kind, "Namespace") == 0 && strcmp(name, ns) == 0)
            continue;
        /* anything else in our namespace's directory is an object of ours or
         * a hand-made file; keep() decides (kind "" for a file name that is
         * no object's) */
        if (keep(ctx, parsed ? kind : "", ns, parsed ? name : ""))
            continue;
        snprintf(path, sizeof path, "%s/%s", dirp, de->d_name);
        if (unlink(path) != 0) {
            e = io_err("remove", path);
            break;
        }
        (*removed)++;
    }
    closedir(dir);
    return e;
}

static ag_err dry_prune(provider_kube *k, const char *provider_label, provider_prune_fn keep,
                        void *ctx, unsigned *removed)
{
    dryrun *d = (dryrun *)k;
    provider_owned_ns *owned = NULL;
    size_t n = 0;
    ag_err e = dry_list_owned(k, provider_label, &owned, &n);
    for (size_t i = 0; i < n && !e; i++)
        e = prune_dir(d, owned[i].name, keep, ctx, removed);
    free(owned);
    return e;
}

static ag_err dry_readiness(provider_kube *k, const char *ns, provider_readiness *out)
{
    dryrun *d = (dryrun *)k;
    char dirp[DRY_PATH_MAX], path[DRY_PATH_MAX + 512];
    snprintf(dirp, sizeof dirp, "%s/%s", d->dir, ns);
    DIR *dir = opendir(dirp);
    if (!dir)
        return ag_err_set(AG_ERR_NOT_FOUND, "dry-run: no namespace %s", ns);
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (strncmp(de->d_name, "Deployment-", 11) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dirp, de->d_name);
        json_t *root = json_load_file(path, 0, NULL);
        json_int_t r =
            json_integer_value(json_object_get(json_object_get(root, "spec"), "replicas"));
        if (r > 0 && r <= UINT32_MAX)
            out->desired += (uint32_t)r;
        out->deployments++;
        json_decref(root);
    }
    closedir(dir);
    out->known = false;
    return out->deployments ? AG_OK
                            : ag_err_set(AG_ERR_NOT_FOUND, "dry-run: no deployments in %s", ns);
}

static void dry_close(provider_kube *k)
{
    free(k);
}

static const provider_kube_ops dry_ops = {
    .apply = dry_apply,
    .list_owned = dry_list_owned,
    .delete_namespace = dry_delete_namespace,
    .readiness = dry_readiness,
    .prune = dry_prune,
    .close = dry_close,
};

ag_err provider_kube_dryrun_open(provider_kube **out, const char *dir)
{
    size_t len = strlen(dir);
    if (len == 0 || len >= DRY_DIR_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "dry-run: directory path length %zu", len);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return io_err("mkdir", dir);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ag_err_set(AG_ERR_IO, "dry-run: %s is not a directory", dir);
    dryrun *d = calloc(1, sizeof *d);
    if (!d)
        return ag_err_set(AG_ERR_NOMEM, "dry-run: handle");
    d->base.ops = &dry_ops;
    d->base.dry_run = true;
    memcpy(d->dir, dir, len + 1);
    *out = &d->base;
    return AG_OK;
}
