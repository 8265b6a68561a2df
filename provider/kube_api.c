/*
 * kube_api.c — the Kubernetes API sink over HTTP(S) with libcurl.
 *
 * One easy handle, reused (keep-alive). Every request is bounded: a timeout,
 * a response size limit, and at most 1 + max_retries attempts; transport
 * errors, 409 Conflict, 429 Too Many Requests and 5xx are retried after
 * backoff_ms, 2 x backoff_ms, ... (capped at 5 s); other statuses are final.
 * Lists are paged (limit=500 + continue); a 410 Gone (expired continue
 * token) restarts the list once from the beginning.
 *
 * "changed" for an apply: the object was created (201) or its
 * resourceVersion differs from the one this handle saw at its last apply
 * (a small cache), so an unchanged second pass reports no changes.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider/kube_config.h"
#include "provider/kube_internal.h"
#include "provider/kube_quantity.h"
#include "lib/wipe.h"

#define API_RESPONSE_MAX ((size_t)32 << 20)
#define API_PATH_MAX     1024
#define API_LIST_LIMIT   500
#define API_BACKOFF_CAP  5000
#define RV_MAX           64
/* Entries are never removed one by one (leases come and go); past this many
 * the cache starts over, which costs one pass of "changed" reports. */
#define RV_CACHE_MAX ((size_t)1 << 18)

typedef struct rv_entry {
    char *key; /* "ns/Kind/name"; NULL = empty slot */
    char rv[RV_MAX];
} rv_entry;

typedef struct api {
    provider_kube base;
    provider_kube_config cfg;
    CURL *curl;
    struct curl_slist *auth; /* Authorization header, when a token is set */
    long timeout_ms, backoff_ms;
    unsigned retries;
    rv_entry *rv; /* open addressing, power-of-two capacity */
    size_t rv_cap, rv_n;
    char *resp;
    size_t resp_len, resp_cap;
    bool resp_too_large;
} api;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- resourceVersion cache ---------------------------------------------- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static rv_entry *rv_slot(api *a, const char *key)
{
    size_t mask = a->rv_cap - 1;
    for (size_t i = fnv1a(key) & mask;; i = (i + 1) & mask)
        if (!a->rv[i].key || strcmp(a->rv[i].key, key) == 0)
            return &a->rv[i];
}

static ag_err rv_grow(api *a)
{
    size_t nc = a->rv_cap ? a->rv_cap * 2 : 1024;
    rv_entry *old = a->rv;
    size_t oc = a->rv_cap;
    a->rv = calloc(nc, sizeof *a->rv);
    if (!a->rv) {
        a->rv = old;
        return ag_err_set(AG_ERR_NOMEM, "kube api: cache");
    }
    a->rv_cap = nc;
    for (size_t i = 0; i < oc; i++)
        if (old[i].key)
            *rv_slot(a, old[i].key) = old[i];
    free(old);
    return AG_OK;
}

/* Record rv for key; true if it differs from the recorded one. */
static void rv_reset(api *a)
{
    for (size_t i = 0; i < a->rv_cap; i++)
        free(a->rv[i].key);
    free(a->rv);
    a->rv = NULL;
    a->rv_cap = a->rv_n = 0;
}

static bool rv_update(api *a, const char *key, const char *rv)
{
    if (a->rv_n >= RV_CACHE_MAX)
        rv_reset(a);
    if ((a->rv_n + 1) * 2 > a->rv_cap && rv_grow(a) != AG_OK)
        return true;
    rv_entry *e = rv_slot(a, key);
    if (!e->key) {
        e->key = strdup(key);
        if (!e->key)
            return true;
        a->rv_n++;
        snprintf(e->rv, sizeof e->rv, "%s", rv);
        return true;
    }
    bool changed = strcmp(e->rv, rv) != 0;
    snprintf(e->rv, sizeof e->rv, "%s", rv);
    return changed;
}

/* ---- requests --------------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    api *a = ud;
    size_t len = size * n;
    if (a->resp_len + len > API_RESPONSE_MAX) {
        a->resp_too_large = true;
        return 0;
    }
    if (a->resp_len + len + 1 > a->resp_cap) {
        size_t nc = (a->resp_len + len + 1) * 2;
        char *g = realloc(a->resp, nc);
        if (!g)
            return 0;
        a->resp = g;
        a->resp_cap = nc;
    }
    memcpy(a->resp + a->resp_len, p, len);
    a->resp_len += len;
    a->resp[a->resp_len] = '\0';
    return len;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static bool retryable_status(long s)
{
    return s == 409 || s == 429 || s >= 500;
}

static ag_err curl_err(CURLcode c, const char *what)
{
    ag_err e = c == CURLE_OPERATION_TIMEDOUT ? AG_ERR_TIMEOUT
               : c == CURLE_COULDNT_CONNECT  ? AG_ERR_CONN_REFUSED
               : c == CURLE_WRITE_ERROR      ? AG_ERR_TOO_LARGE
               : c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE ||
                       c == CURLE_SSL_CERTPROBLEM
                   ? AG_ERR_PERMISSION
                   : AG_ERR_IO;
    return ag_err_set(e, "kube api: %s: %s", what, curl_easy_strerror(c));
}

/* The message of a Kubernetes Status body, or "". */
static void status_message(const api *a, char *out, size_t cap)
{
    out[0] = '\0';
    json_t *j = a->resp ? json_loadb(a->resp, a->resp_len, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(j, "message"));
    if (m)
        snprintf(out, cap, "%s", m);
    json_decref(j);
}

/*
 * method path [body]: *status is the final HTTP status; the body is in
 * a->resp. Returns AG_OK for any HTTP answer (the caller judges the status)
 * after retries, or the transport error of the last attempt.
 */
static ag_err request(api *a, const char *method, const char *path, const char *ctype,
                      const char *body, long *status)
{
    char url[PROVIDER_KUBE_SERVER_MAX + API_PATH_MAX + 2];
    int un = snprintf(url, sizeof url, "%s%s", a->cfg.server, path);
    if (un < 0 || (size_t)un >= sizeof url)
        return ag_err_set(AG_ERR_TOO_LARGE, "kube api: URL too long");
    struct curl_slist *h = NULL, *hc;
    hc = curl_slist_append(NULL, "Accept: application/json");
    h = hc;
    char ct[96];
    if (ctype && h) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
    }
    if (a->cfg.token && h)
        h = curl_slist_append(h, a->auth->data);
    if (!h) {
        curl_slist_free_all(hc);
        return ag_err_set(AG_ERR_NOMEM, "kube api: headers");
    }
    ag_err e = AG_OK;
    long delay = a->backoff_ms;
    for (unsigned attempt = 0;; attempt++) {
        CURL *c = a->curl;
        a->resp_len = 0;
        a->resp_too_large = false;
        if (a->resp)
            a->resp[0] = '\0';
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        if (body) {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        } else {
            /* no body: reset to a GET-shaped request, then set the verb */
            curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
        }
        CURLcode cc = curl_easy_perform(c);
        *status = 0;
        if (cc == CURLE_OK) {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
            e = AG_OK;
            if (!retryable_status(*status))
                break;
        } else {
            e = a->resp_too_large ? ag_err_set(AG_ERR_TOO_LARGE,
                                               "kube api: %s %s: response "
                                               "above %zu bytes",
                                               method, path, API_RESPONSE_MAX)
                                  : curl_err(cc, path);
            /* certificate problems and oversized answers will not heal */
            if (e == AG_ERR_PERMISSION || e == AG_ERR_TOO_LARGE)
                break;
        }
        if (attempt >= a->retries)
            break;
        sleep_ms(delay);
        delay = delay * 2 > API_BACKOFF_CAP ? API_BACKOFF_CAP : delay * 2;
    }
    curl_slist_free_all(h);
    return e;
}

static ag_err status_err(const api *a, const char *method, const char *path, long status)
{
    char msg[200];
    status_message(a, msg, sizeof msg);
    ag_err e = status == 404                    ? AG_ERR_NOT_FOUND
               : status == 409                  ? AG_ERR_EXISTS
               : status == 401 || status == 403 ? AG_ERR_PERMISSION
               : status == 429 || status >= 500 ? AG_ERR_AGAIN
               : status == 422 || status == 400 ? AG_ERR_INVALID_ARG
                                                : AG_ERR_IO;
    return ag_err_set(e, "kube api: %s %s: HTTP %ld %s", method, path, status, msg);
}

/* ---- paths --------------------------------------------------------------- */

static const char *group_prefix(const char *api_version)
{
    return strcmp(api_version, "v1") == 0 ? "/api" : "/apis";
}

static ag_err object_path(char *out, size_t cap, const provider_object *o)
{
    int n;
    if (o->ns[0])
        n = snprintf(out, cap, "%s/%s/namespaces/%s/%s/%s", group_prefix(o->api_version),
                     o->api_version, o->ns, o->plural, o->name);
    else
        n = snprintf(out, cap, "%s/%s/%s/%s", group_prefix(o->api_version), o->api_version,
                     o->plural, o->name);
    if (n < 0 || (size_t)n >= cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "kube api: path too long");
    return AG_OK;
}

/* ---- operations ---------------------------------------------------------- */

static ag_err api_apply(provider_kube *k, const provider_object *obj, bool *changed)
{
    api *a = (api *)k;
    if (!provider_is_dns_label(obj->name) || (obj->ns[0] && !provider_is_dns_label(obj->ns)))
        return ag_err_set(AG_ERR_INVALID_ARG, "kube api: unsafe object name");
    char path[API_PATH_MAX];
    ag_err e = object_path(path, sizeof path - 64, obj);
    if (e)
        return e;
    strcat(path, "?fieldManager=" PROVIDER_MANAGER "&force=true");
    char *body = provider_object_dump(obj->body, 0);
    if (!body)
        return ag_err_set(AG_ERR_NOMEM, "kube api: serialise");
    long status;
    /* JSON is YAML: the apply patch content type takes it as is */
    e = request(a, "PATCH", path, "application/apply-patch+yaml", body, &status);
    free(body);
    if (e)
        return e;
    if (status != 200 && status != 201)
        return status_err(a, "PATCH", path, status);
    json_t *j = json_loadb(a->resp, a->resp_len, 0, NULL);
    const char *rv =
        json_string_value(json_object_get(json_object_get(j, "metadata"), "resourceVersion"));
    char key[3 * PROVIDER_NAME_CAP + 8];
    snprintf(key, sizeof key, "%s/%s/%s", obj->ns, obj->kind, obj->name);
    bool ch = rv_update(a, key, rv ? rv : "");
    *changed = status == 201 || ch;
    json_decref(j);
    return AG_OK;
}

/* Every item of a label-selected list at `base` (no query), paged.
 * Calls fn for each item; fn returns an error to stop. When the list has to
 * restart (410 Gone: the continue token expired), reset(ctx) first drops
 * what the earlier pages gave. */
typedef ag_err (*item_fn)(api *a, json_t *item, void *ctx);
typedef void (*reset_fn)(void *ctx);

static ag_err list_all(api *a, const char *base, const char *selector, item_fn fn, reset_fn reset,
                       void *ctx)
{
    char *sel = curl_easy_escape(a->curl, selector, 0);
    if (!sel)
        return ag_err_set(AG_ERR_NOMEM, "kube api: escape");
    char cont[1024] = "";
    bool restarted = false;
    ag_err e = AG_OK;
    for (;;) {
        char path[API_PATH_MAX + 1100];
        char *ce = cont[0] ? curl_easy_escape(a->curl, cont, 0) : NULL;
        snprintf(path, sizeof path, "%s?labelSelector=%s&limit=%d%s%s", base, sel, API_LIST_LIMIT,
                 ce ? "&continue=" : "", ce ? ce : "");
        curl_free(ce);
        long status;
        e = request(a, "GET", path, NULL, NULL, &status);
        if (e)
            break;
        if (status == 410 && !restarted) {
            cont[0] = '\0';
            restarted = true;
            reset(ctx);
            continue;
        }
        if (status != 200) {
            e = status_err(a, "GET", base, status);
            break;
        }
        json_t *j = json_loadb(a->resp, a->resp_len, 0, NULL);
        json_t *items = json_object_get(j, "items");
        if (!json_is_array(items)) {
            json_decref(j);
            e = ag_err_set(AG_ERR_DECODE, "kube api: GET %s: no items list", base);
            break;
        }
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            e = fn(a, it, ctx);
            if (e)
                break;
        }
        const char *next =
            json_string_value(json_object_get(json_object_get(j, "metadata"), "continue"));
        bool more = next && *next && strlen(next) < sizeof cont;
        if (more)
            snprintf(cont, sizeof cont, "%s", next);
        json_decref(j);
        if (e || !more)
            break;
    }
    curl_free(sel);
    return e;
}

typedef struct owned_ctx {
    provider_owned_ns *v;
    size_t n, cap;
} owned_ctx;

static void reset_owned(void *ctx)
{
    ((owned_ctx *)ctx)->n = 0;
}

static ag_err collect_ns(api *a, json_t *item, void *ctx)
{
    owned_ctx *o = ctx;
    json_t *md = json_object_get(item, "metadata");
    const char *name = json_string_value(json_object_get(md, "name"));
    if (!name || !provider_is_dns_label(name))
        return AG_OK;
    /* the server filtered by our labels; check again rather than trust it */
    json_t *labels = json_object_get(md, "labels");
    const char *mb = json_string_value(json_object_get(labels, PROVIDER_LABEL_MANAGED_BY));
    if (!mb || strcmp(mb, PROVIDER_MANAGER) != 0)
        return AG_OK;
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 64;
        provider_owned_ns *g = realloc(o->v, nc * sizeof *g);
        if (!g)
            return ag_err_set(AG_ERR_NOMEM, "kube api: list");
        o->v = g;
        o->cap = nc;
    }
    provider_owned_ns *ns = &o->v[o->n++];
    memcpy(ns->name, name, strlen(name) + 1);
    ns->lease_id = 0;
    const char *lv = json_string_value(json_object_get(labels, PROVIDER_LABEL_LEASE));
    if (lv && *lv && strlen(lv) <= 20 && strspn(lv, "0123456789") == strlen(lv))
        ns->lease_id = strtoull(lv, NULL, 10);
    return AG_OK;
}

static void our_selector(char *out, size_t cap, const char *provider_label)
{
    snprintf(out, cap, "%s=%s,%s=%s", PROVIDER_LABEL_MANAGED_BY, PROVIDER_MANAGER,
             PROVIDER_LABEL_PROVIDER, provider_label);
}

static ag_err api_list_owned(provider_kube *k, const char *provider_label, provider_owned_ns **out,
                             size_t *n)
{
    api *a = (api *)k;
    char sel[256];
    our_selector(sel, sizeof sel, provider_label);
    owned_ctx o = {0};
    ag_err e = list_all(a, "/api/v1/namespaces", sel, collect_ns, reset_owned, &o);
    if (e) {
        free(o.v);
        return e;
    }
    *out = o.v;
    *n = o.n;
    return AG_OK;
}

static ag_err delete_path(api *a, const char *path)
{
    long status;
    ag_err e = request(a, "DELETE", path, NULL, NULL, &status);
    if (e)
        return e;
    if (status == 200 || status == 202 || status == 404)
        return AG_OK; /* 404: already gone, which is what we wanted */
    return status_err(a, "DELETE", path, status);
}

static ag_err api_delete_namespace(provider_kube *k, const char *ns)
{
    char path[API_PATH_MAX];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s", ns);
    return delete_path((api *)k, path);
}

/* The namespaced kinds a lease's objects have. */
static const struct {
    const char *api_version, *kind, *plural;
} kinds[] = {
    {"v1", "ResourceQuota", "resourcequotas"},
    {"v1", "LimitRange", "limitranges"},
    {"networking.k8s.io/v1", "NetworkPolicy", "networkpolicies"},
    {"apps/v1", "Deployment", "deployments"},
    {"v1", "Service", "services"},
};

typedef struct prune_ctx {
    size_t kind;
    provider_prune_fn keep;
    void *ctx;
    char (*doomed)[2][PROVIDER_NAME_CAP]; /* ns, name */
    size_t n, cap;
} prune_ctx;

static void reset_doomed(void *ctx)
{
    ((prune_ctx *)ctx)->n = 0;
}

static ag_err collect_doomed(api *a, json_t *item, void *ctx)
{
    prune_ctx *p = ctx;
    json_t *md = json_object_get(item, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    if (!ns || !name || !provider_is_dns_label(ns) || !provider_is_dns_label(name))
        return AG_OK;
    if (p->keep(p->ctx, kinds[p->kind].kind, ns, name))
        return AG_OK;
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 16;
        void *g = realloc(p->doomed, nc * sizeof *p->doomed);
        if (!g)
            return ag_err_set(AG_ERR_NOMEM, "kube api: prune");
        p->doomed = g;
        p->cap = nc;
    }
    memcpy(p->doomed[p->n][0], ns, strlen(ns) + 1);
    memcpy(p->doomed[p->n][1], name, strlen(name) + 1);
    p->n++;
    return AG_OK;
}

static ag_err api_prune(provider_kube *k, const char *provider_label, provider_prune_fn keep,
                        void *ctx, unsigned *removed)
{
    api *a = (api *)k;
    char sel[256];
    our_selector(sel, sizeof sel, provider_label);
    ag_err first = AG_OK;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        prune_ctx p = {.kind = i, .keep = keep, .ctx = ctx};
        char base[128];
        snprintf(base, sizeof base, "%s/%s/%s", group_prefix(kinds[i].api_version),
                 kinds[i].api_version, kinds[i].plural);
        ag_err e = list_all(a, base, sel, collect_doomed, reset_doomed, &p);
        for (size_t j = 0; j < p.n && !e; j++) {
            char path[API_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s/namespaces/%s/%s/%s",
                     group_prefix(kinds[i].api_version), kinds[i].api_version, p.doomed[j][0],
                     kinds[i].plural, p.doomed[j][1]);
            e = delete_path(a, path);
            if (!e)
                (*removed)++;
        }
        free(p.doomed);
        if (e && !first)
            first = e;
    }
    return first;
}

static ag_err api_readiness(provider_kube *k, const char *ns, provider_readiness *out)
{
    api *a = (api *)k;
    char path[API_PATH_MAX];
    snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/deployments?labelSelector=%s%%3D%s",
             ns, "app.kubernetes.io%2Fmanaged-by", PROVIDER_MANAGER);
    long status;
    ag_err e = request(a, "GET", path, NULL, NULL, &status);
    if (e)
        return e;
    if (status != 200)
        return status_err(a, "GET", path, status);
    json_t *j = json_loadb(a->resp, a->resp_len, 0, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        json_int_t want =
            json_integer_value(json_object_get(json_object_get(it, "spec"), "replicas"));
        json_int_t ready =
            json_integer_value(json_object_get(json_object_get(it, "status"), "readyReplicas"));
        if (want > 0 && want <= 1000000)
            out->desired += (uint32_t)want;
        if (ready > 0 && ready <= 1000000)
            out->ready += (uint32_t)ready;
        out->deployments++;
    }
    json_decref(j);
    out->known = true;
    return out->deployments ? AG_OK
                            : ag_err_set(AG_ERR_NOT_FOUND, "kube api: no deployments in %s", ns);
}

#define NODES_MAX 100000 /* far above any real cluster; bounds a hostile list */

static void reset_alloc(void *ctx)
{
    *(provider_allocatable *)ctx = (provider_allocatable){0};
}

/* One resource of a node into *sum; a missing resource counts as 0. */
static ag_err add_quantity(json_t *alloc, const char *res, const char *node, uint64_t scale,
                           uint64_t *sum)
{
    json_t *q = json_object_get(alloc, res);
    if (!q)
        return AG_OK;
    uint64_t v;
    if (!json_is_string(q) || provider_quantity_parse(json_string_value(q), scale, &v))
        return ag_err_set(AG_ERR_DECODE, "kube api: node %.63s: allocatable %s: %s", node, res,
                          json_is_string(q) ? ag_err_detail() : "not a string");
    if (__builtin_add_overflow(*sum, v, sum))
        return ag_err_set(AG_ERR_OVERFLOW, "kube api: allocatable %s summed over nodes", res);
    return AG_OK;
}

static ag_err collect_alloc(api *a, json_t *item, void *ctx)
{
    (void)a;
    provider_allocatable *out = ctx;
    if (out->nodes + out->unschedulable >= NODES_MAX)
        return ag_err_set(AG_ERR_OVERFLOW, "kube api: more than %d nodes", NODES_MAX);
    const char *name =
        json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));
    if (!name)
        name = "?";
    if (json_is_true(json_object_get(json_object_get(item, "spec"), "unschedulable"))) {
        out->unschedulable++;
        return AG_OK;
    }
    json_t *alloc = json_object_get(json_object_get(item, "status"), "allocatable");
    ag_err e = add_quantity(alloc, "cpu", name, 1000, &out->cpu_millis);
    if (!e)
        e = add_quantity(alloc, "memory", name, 1, &out->memory_bytes);
    if (!e)
        e = add_quantity(alloc, "ephemeral-storage", name, 1, &out->storage_bytes);
    if (!e)
        out->nodes++;
    return e;
}

static ag_err api_allocatable(provider_kube *k, provider_allocatable *out)
{
    return list_all((api *)k, "/api/v1/nodes", "", collect_alloc, reset_alloc, out);
}

static void api_close(provider_kube *k)
{
    api *a = (api *)k;
    if (a->curl)
        curl_easy_cleanup(a->curl);
    if (a->auth) {
        ag_wipe(a->auth->data, strlen(a->auth->data));
        curl_slist_free_all(a->auth);
    }
    provider_kube_config_clear(&a->cfg);
    rv_reset(a);
    free(a->resp);
    free(a);
}

static const provider_kube_ops api_ops = {
    .apply = api_apply,
    .list_owned = api_list_owned,
    .delete_namespace = api_delete_namespace,
    .readiness = api_readiness,
    .allocatable = api_allocatable,
    .prune = api_prune,
    .close = api_close,
};

ag_err provider_kube_api_open(provider_kube **out, const provider_kube_opts *o)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return ag_err_set(AG_ERR_INTERNAL, "kube api: curl_global_init failed");
    api *a = calloc(1, sizeof *a);
    if (!a)
        return ag_err_set(AG_ERR_NOMEM, "kube api: handle");
    a->base.ops = &api_ops;
    a->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    a->retries = o->max_retries ? o->max_retries : 4;
    a->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : 100;
    ag_err e = o->kubeconfig ? provider_kube_config_load(&a->cfg, o->kubeconfig)
                             : provider_kube_config_in_cluster(&a->cfg, NULL);
    if (e) {
        free(a);
        return e;
    }
    a->curl = curl_easy_init();
    if (!a->curl) {
        api_close(&a->base);
        return ag_err_set(AG_ERR_NOMEM, "kube api: curl handle");
    }
    CURL *c = a->curl;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, a->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, a->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (a->cfg.ca_pem) {
        struct curl_blob b = {a->cfg.ca_pem, a->cfg.ca_len, CURL_BLOB_COPY};
        curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &b);
    }
    if (a->cfg.cert_pem) {
        struct curl_blob cb = {a->cfg.cert_pem, a->cfg.cert_len, CURL_BLOB_COPY};
        struct curl_blob kb = {a->cfg.key_pem, a->cfg.key_len, CURL_BLOB_COPY};
        curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cb);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &kb);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (a->cfg.insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (a->cfg.token) {
        size_t n = strlen(a->cfg.token) + 32;
        char *hdr = malloc(n);
        if (hdr) {
            snprintf(hdr, n, "Authorization: Bearer %s", a->cfg.token);
            a->auth = curl_slist_append(NULL, hdr);
            ag_wipe(hdr, n);
            free(hdr);
        }
        if (!a->auth) {
            api_close(&a->base);
            return ag_err_set(AG_ERR_NOMEM, "kube api: auth header");
        }
    }
    *out = &a->base;
    return AG_OK;
}
