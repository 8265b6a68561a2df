/*
 * objects.c — see objects.h. The workload is decoded again here (not taken
 * from any cache) and every field is checked before it becomes part of an
 * object: the chain validated it once, but the provider does not rely on
 * that (an old or buggy chain, a hostile RPC node).
 */
#include "provider/objects.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/types.pb-c.h"
#include "crypto/address.h"
#include "market/limits.h"
#include "market/resources.h"

#define WORKLOAD_MAX_BYTES ((size_t)1 << 20)

typedef Agora__Market__V1__Service pb_service;

/* Refusal helper: formats `why` and returns `err`. */
static ag_err refuse(ag_err err, char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ag_err refuse(ag_err err, char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return err;
}

void provider_lease_namespace(char out[PROVIDER_NAME_CAP], uint64_t lease_id)
{
    snprintf(out, PROVIDER_NAME_CAP, PROVIDER_NS_PREFIX "%" PRIu64, lease_id);
}

char *provider_object_dump(const json_t *body, int pretty)
{
    size_t flags = JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    return json_dumps(body, flags);
}

static json_t *str_n(const uint8_t *p, size_t n)
{
    return json_stringn((const char *)p, n);
}

static json_t *u64_str(uint64_t v, const char *suffix)
{
    char b[48];
    snprintf(b, sizeof b, "%" PRIu64 "%s", v, suffix);
    return json_string(b);
}

/* Common labels of every object of the lease. */
static json_t *base_labels(const provider_objset *s, const market_lease *l, const char *prov_label,
                           const char *owner_label)
{
    json_t *lab = json_object();
    char b[32];
    snprintf(b, sizeof b, "%" PRIu64, l->id);
    json_object_set_new(lab, PROVIDER_LABEL_LEASE, json_string(b));
    snprintf(b, sizeof b, "%" PRIu64, l->order_id);
    json_object_set_new(lab, PROVIDER_LABEL_ORDER, json_string(b));
    json_object_set_new(lab, PROVIDER_LABEL_OWNER, json_string(owner_label));
    json_object_set_new(lab, PROVIDER_LABEL_PROVIDER, json_string(prov_label));
    json_object_set_new(lab, PROVIDER_LABEL_MANAGED_BY, json_string(PROVIDER_MANAGER));
    (void)s;
    return lab;
}

static provider_object *add_obj(provider_objset *s, const char *api, const char *kind,
                                const char *plural, const char *name, json_t *labels)
{
    provider_object *o = &s->objs[s->n++];
    o->api_version = api;
    o->kind = kind;
    o->plural = plural;
    snprintf(o->name, sizeof o->name, "%s", name);
    snprintf(o->ns, sizeof o->ns, "%s", strcmp(kind, "Namespace") == 0 ? "" : s->ns);
    o->body = json_object();
    json_object_set_new(o->body, "apiVersion", json_string(api));
    json_object_set_new(o->body, "kind", json_string(kind));
    json_t *md = json_object();
    json_object_set_new(md, "name", json_string(name));
    if (o->ns[0])
        json_object_set_new(md, "namespace", json_string(o->ns));
    json_object_set_new(md, "labels", labels);
    json_object_set_new(o->body, "metadata", md);
    return o;
}

/* Resource list {cpu, memory, ephemeral-storage, nvidia.com/gpu} with a key
 * prefix ("" for containers, "requests." / "limits." for quotas); zero
 * components are left out. */
static void put_resources(json_t *obj, const char *prefix, const market_resources *r)
{
    char k[64];
    if (r->cpu_millis) {
        snprintf(k, sizeof k, "%scpu", prefix);
        json_object_set_new(obj, k, u64_str(r->cpu_millis, "m"));
    }
    if (r->memory_bytes) {
        snprintf(k, sizeof k, "%smemory", prefix);
        json_object_set_new(obj, k, u64_str(r->memory_bytes, ""));
    }
    if (r->storage_bytes) {
        snprintf(k, sizeof k, "%sephemeral-storage", prefix);
        json_object_set_new(obj, k, u64_str(r->storage_bytes, ""));
    }
    if (r->gpus) {
        snprintf(k, sizeof k, "%snvidia.com/gpu", prefix);
        json_object_set_new(obj, k, u64_str(r->gpus, ""));
    }
}

static void pb_resources(market_resources *r, const Agora__Market__V1__Resources *p)
{
    memset(r, 0, sizeof *r);
    if (!p)
        return;
    r->cpu_millis = p->cpu_millis;
    r->memory_bytes = p->memory_bytes;
    r->storage_bytes = p->storage_bytes;
    r->gpus = p->gpus;
    r->endpoints = p->endpoints;
}

/* Every check on one service; `name` is its sanitised object name. */
static ag_err check_service(const pb_service *sv, size_t idx, const char *name, char *why,
                            size_t cap)
{
    char img[160];
    if (!provider_image_ok(sv->image.data, sv->image.len, img, sizeof img))
        return refuse(AG_ERR_INVALID_ARG, why, cap, "service %zu (%s): %s", idx, name, img);
    if (sv->replicas < 1 || sv->replicas > MARKET_MAX_REPLICAS)
        return refuse(AG_ERR_INVALID_ARG, why, cap, "service %zu (%s): replicas %u not in 1..%d",
                      idx, name, sv->replicas, MARKET_MAX_REPLICAS);
    market_resources r;
    pb_resources(&r, sv->resources);
    if (r.cpu_millis == 0 || r.memory_bytes == 0)
        return refuse(AG_ERR_INVALID_ARG, why, cap,
                      "service %zu (%s): cpu and memory per replica must be non-zero", idx, name);
    market_resources tot;
    if (market_resources_scale(&tot, &r, sv->replicas) != AG_OK ||
        market_resources_check_max(&tot, "service") != AG_OK)
        return refuse(AG_ERR_TOO_LARGE, why, cap,
                      "service %zu (%s): absurd resources (%" PRIu64 "m cpu, %" PRIu64
                      " B memory, %" PRIu64 " B storage, %" PRIu64 " gpus x %u replicas)",
                      idx, name, r.cpu_millis, r.memory_bytes, r.storage_bytes, r.gpus,
                      sv->replicas);
    if (sv->n_command > MARKET_MAX_COMMAND || sv->n_args > MARKET_MAX_ARGS ||
        sv->n_env > MARKET_MAX_ENV || sv->n_ports > MARKET_MAX_PORTS)
        return refuse(AG_ERR_TOO_LARGE, why, cap,
                      "service %zu (%s): too many command words, args, env vars or ports", idx,
                      name);
    for (size_t i = 0; i < sv->n_command; i++)
        if (sv->command[i].len > MARKET_ARG_MAX ||
            !provider_utf8_ok(sv->command[i].data, sv->command[i].len))
            return refuse(AG_ERR_INVALID_ARG, why, cap,
                          "service %zu (%s): command word %zu is not UTF-8 text of <= %d bytes",
                          idx, name, i, MARKET_ARG_MAX);
    for (size_t i = 0; i < sv->n_args; i++)
        if (sv->args[i].len > MARKET_ARG_MAX ||
            !provider_utf8_ok(sv->args[i].data, sv->args[i].len))
            return refuse(AG_ERR_INVALID_ARG, why, cap,
                          "service %zu (%s): arg %zu is not UTF-8 text of <= %d bytes", idx, name,
                          i, MARKET_ARG_MAX);
    for (size_t i = 0; i < sv->n_env; i++) {
        const Agora__Market__V1__EnvVar *e = sv->env[i];
        if (!provider_env_name_ok(e->name.data, e->name.len))
            return refuse(AG_ERR_INVALID_ARG, why, cap,
                          "service %zu (%s): env var %zu has an invalid name", idx, name, i);
        if (e->value.len > MARKET_ENV_VALUE_MAX || !provider_utf8_ok(e->value.data, e->value.len))
            return refuse(AG_ERR_INVALID_ARG, why, cap,
                          "service %zu (%s): env var %zu value is not UTF-8 text of <= %d bytes",
                          idx, name, i, MARKET_ENV_VALUE_MAX);
        for (size_t j = 0; j < i; j++)
            if (sv->env[j]->name.len == e->name.len &&
                memcmp(sv->env[j]->name.data, e->name.data, e->name.len) == 0)
                return refuse(AG_ERR_INVALID_ARG, why, cap,
                              "service %zu (%s): env var %zu repeats a name", idx, name, i);
    }
    for (size_t i = 0; i < sv->n_ports; i++) {
        const Agora__Market__V1__Port *p = sv->ports[i];
        if (p->port < 1 || p->port > 65535)
            return refuse(AG_ERR_INVALID_ARG, why, cap, "service %zu (%s): port %u not in 1..65535",
                          idx, name, p->port);
        if (p->protocol > AGORA__MARKET__V1__PROTOCOL__PROTOCOL_UDP ||
            p->expose > AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER)
            return refuse(AG_ERR_INVALID_ARG, why, cap,
                          "service %zu (%s): port %u has an unknown protocol or expose kind", idx,
                          name, p->port);
        for (size_t j = 0; j < i; j++)
            if (sv->ports[j]->port == p->port && sv->ports[j]->protocol == p->protocol)
                return refuse(AG_ERR_INVALID_ARG, why, cap,
                              "service %zu (%s): port %u listed twice", idx, name, p->port);
    }
    return AG_OK;
}

static const char *proto_name(int p)
{
    return p == AGORA__MARKET__V1__PROTOCOL__PROTOCOL_UDP ? "UDP" : "TCP";
}

static json_t *bytes_array(const ProtobufCBinaryData *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, str_n(v[i].data, v[i].len));
    return a;
}

static void add_deployment(provider_objset *s, const pb_service *sv, const char *name,
                           json_t *labels)
{
    json_t *sel = json_object();
    json_object_set(sel, PROVIDER_LABEL_LEASE, json_object_get(labels, PROVIDER_LABEL_LEASE));
    json_object_set_new(sel, PROVIDER_LABEL_SERVICE, json_string(name));
    json_object_set_new(labels, PROVIDER_LABEL_SERVICE, json_string(name));
    provider_object *o = add_obj(s, "apps/v1", "Deployment", "deployments", name, labels);

    market_resources r;
    pb_resources(&r, sv->resources);
    json_t *res = json_object(), *req = json_object(), *lim = json_object();
    put_resources(req, "", &r);
    put_resources(lim, "", &r);
    json_object_set_new(res, "requests", req);
    json_object_set_new(res, "limits", lim);

    json_t *c = json_object();
    json_object_set_new(c, "name", json_string(name));
    json_object_set_new(c, "image", str_n(sv->image.data, sv->image.len));
    if (sv->n_command)
        json_object_set_new(c, "command", bytes_array(sv->command, sv->n_command));
    if (sv->n_args)
        json_object_set_new(c, "args", bytes_array(sv->args, sv->n_args));
    if (sv->n_env) {
        json_t *env = json_array();
        for (size_t i = 0; i < sv->n_env; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "name", str_n(sv->env[i]->name.data, sv->env[i]->name.len));
            json_object_set_new(e, "value", str_n(sv->env[i]->value.data, sv->env[i]->value.len));
            json_array_append_new(env, e);
        }
        json_object_set_new(c, "env", env);
    }
    if (sv->n_ports) {
        json_t *ports = json_array();
        for (size_t i = 0; i < sv->n_ports; i++) {
            json_t *p = json_object();
            json_object_set_new(p, "containerPort", json_integer(sv->ports[i]->port));
            json_object_set_new(p, "protocol", json_string(proto_name(sv->ports[i]->protocol)));
            json_array_append_new(ports, p);
        }
        json_object_set_new(c, "ports", ports);
    }
    json_object_set_new(c, "resources", res);

    json_t *pod = json_object();
    json_t *containers = json_array();
    json_array_append_new(containers, c);
    json_object_set_new(pod, "containers", containers);
    /* tenants get no API credentials and no service discovery of the cluster */
    json_object_set_new(pod, "automountServiceAccountToken", json_false());
    json_object_set_new(pod, "enableServiceLinks", json_false());

    json_t *tmeta = json_object();
    json_object_set_new(tmeta, "labels", json_deep_copy(labels));
    json_t *tmpl = json_object();
    json_object_set_new(tmpl, "metadata", tmeta);
    json_object_set_new(tmpl, "spec", pod);

    json_t *spec = json_object();
    json_object_set_new(spec, "replicas", json_integer(sv->replicas));
    json_t *selector = json_object();
    json_object_set_new(selector, "matchLabels", sel);
    json_object_set_new(spec, "selector", selector);
    json_object_set_new(spec, "template", tmpl);
    json_object_set_new(o->body, "spec", spec);
}

/* One Service per expose kind the service's ports use. */
static void add_services(provider_objset *s, const pb_service *sv, const char *name,
                         const json_t *labels)
{
    static const struct {
        int kind;
        const char *type, *suffix;
    } kinds[] = {
        {AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP, "ClusterIP", ""},
        {AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT, "NodePort", "-np"},
        {AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER, "LoadBalancer", "-lb"},
    };
    for (size_t k = 0; k < 3; k++) {
        json_t *ports = json_array();
        for (size_t i = 0; i < sv->n_ports; i++) {
            int e = sv->ports[i]->expose;
            if (e == AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_UNSPECIFIED)
                e = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP;
            if (e != kinds[k].kind)
                continue;
            json_t *p = json_object();
            char pn[16];
            snprintf(pn, sizeof pn, "%c%u",
                     sv->ports[i]->protocol == AGORA__MARKET__V1__PROTOCOL__PROTOCOL_UDP ? 'u'
                                                                                         : 't',
                     sv->ports[i]->port);
            json_object_set_new(p, "name", json_string(pn));
            json_object_set_new(p, "port", json_integer(sv->ports[i]->port));
            json_object_set_new(p, "targetPort", json_integer(sv->ports[i]->port));
            json_object_set_new(p, "protocol", json_string(proto_name(sv->ports[i]->protocol)));
            json_array_append_new(ports, p);
        }
        if (json_array_size(ports) == 0) {
            json_decref(ports);
            continue;
        }
        char sname[PROVIDER_NAME_CAP];
        snprintf(sname, sizeof sname, "%s%s", name, kinds[k].suffix);
        provider_object *o = add_obj(s, "v1", "Service", "services", sname, json_deep_copy(labels));
        json_t *spec = json_object();
        json_object_set_new(spec, "type", json_string(kinds[k].type));
        json_t *sel = json_object();
        json_object_set(sel, PROVIDER_LABEL_LEASE, json_object_get(labels, PROVIDER_LABEL_LEASE));
        json_object_set_new(sel, PROVIDER_LABEL_SERVICE, json_string(name));
        json_object_set_new(spec, "selector", sel);
        json_object_set_new(spec, "ports", ports);
        json_object_set_new(o->body, "spec", spec);
    }
}

/* Ingress from the lease's own pods, plus the externally exposed ports from
 * anywhere; other leases' pods cannot reach it. */
static void add_network_policy(provider_objset *s, const Agora__Market__V1__Workload *w,
                               json_t *labels)
{
    provider_object *o = add_obj(s, "networking.k8s.io/v1", "NetworkPolicy", "networkpolicies",
                                 "lease-isolation", labels);
    json_t *spec = json_object();
    json_object_set_new(spec, "podSelector", json_object());
    json_t *types = json_array();
    json_array_append_new(types, json_string("Ingress"));
    json_object_set_new(spec, "policyTypes", types);
    json_t *rules = json_array();
    json_t *same = json_object(), *from = json_array(), *peer = json_object();
    json_object_set_new(peer, "podSelector", json_object());
    json_array_append_new(from, peer);
    json_object_set_new(same, "from", from);
    json_array_append_new(rules, same);
    json_t *ext = json_array();
    for (size_t i = 0; i < w->n_services; i++)
        for (size_t j = 0; j < w->services[i]->n_ports; j++) {
            const Agora__Market__V1__Port *p = w->services[i]->ports[j];
            if (p->expose != AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT &&
                p->expose != AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER)
                continue;
            json_t *np = json_object();
            json_object_set_new(np, "port", json_integer(p->port));
            json_object_set_new(np, "protocol", json_string(proto_name(p->protocol)));
            json_array_append_new(ext, np);
        }
    if (json_array_size(ext)) {
        json_t *r = json_object();
        json_object_set_new(r, "ports", ext);
        json_array_append_new(rules, r);
    } else {
        json_decref(ext);
    }
    json_object_set_new(spec, "ingress", rules);
    json_object_set_new(o->body, "spec", spec);
}

static ag_err build(provider_objset *s, const char *prov_label, const char *owner_label,
                    const market_lease *l, const Agora__Market__V1__Workload *w, char *why,
                    size_t cap)
{
    if (w->n_services == 0 || w->n_services > MARKET_MAX_SERVICES)
        return refuse(AG_ERR_INVALID_ARG, why, cap, "workload has %zu services (1..%d)",
                      w->n_services, MARKET_MAX_SERVICES);
    char names[MARKET_MAX_SERVICES][PROVIDER_NAME_CAP];
    market_resources total = {0}, largest = {0};
    uint64_t nodeports = 0, lbs = 0;
    for (size_t i = 0; i < w->n_services; i++) {
        const pb_service *sv = w->services[i];
        provider_dns_label(names[i], PROVIDER_SERVICE_NAME_MAX, sv->name.data, sv->name.len);
        /* "lease-*" names are the lease-wide objects' */
        if (strncmp(names[i], "lease-", 6) == 0)
            return refuse(AG_ERR_INVALID_ARG, why, cap,
                          "service %zu (%s): names starting with lease- are reserved", i, names[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return refuse(AG_ERR_INVALID_ARG, why, cap,
                              "service %zu (%s): name repeats service %zu", i, names[i], j);
        ag_err e = check_service(sv, i, names[i], why, cap);
        if (e)
            return e;
        market_resources r, t;
        pb_resources(&r, sv->resources);
        market_resources_scale(&t, &r, sv->replicas);
        if (market_resources_add(&total, &total, &t) != AG_OK ||
            market_resources_check_max(&total, "workload") != AG_OK)
            return refuse(AG_ERR_TOO_LARGE, why, cap, "workload: absurd total resources");
        if (r.cpu_millis > largest.cpu_millis)
            largest.cpu_millis = r.cpu_millis;
        if (r.memory_bytes > largest.memory_bytes)
            largest.memory_bytes = r.memory_bytes;
        if (r.storage_bytes > largest.storage_bytes)
            largest.storage_bytes = r.storage_bytes;
        if (r.gpus > largest.gpus)
            largest.gpus = r.gpus;
        s->replicas += sv->replicas;
        for (size_t j = 0; j < sv->n_ports; j++) {
            nodeports +=
                sv->ports[j]->expose == AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT;
            lbs +=
                sv->ports[j]->expose == AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER;
        }
    }

    s->objs = calloc(PROVIDER_OBJECTS_MAX, sizeof *s->objs);
    if (!s->objs)
        return ag_err_set(AG_ERR_NOMEM, "provider: objects");
    json_t *labels = base_labels(s, l, prov_label, owner_label);

    add_obj(s, "v1", "Namespace", "namespaces", s->ns, json_deep_copy(labels));

    provider_object *q =
        add_obj(s, "v1", "ResourceQuota", "resourcequotas", "lease-quota", json_deep_copy(labels));
    json_t *hard = json_object();
    put_resources(hard, "requests.", &total);
    put_resources(hard, "limits.", &total);
    json_object_del(hard, "limits.nvidia.com/gpu"); /* extended resources: requests only */
    json_object_set_new(hard, "pods", u64_str(s->replicas, ""));
    json_object_set_new(hard, "services.nodeports", u64_str(nodeports, ""));
    json_object_set_new(hard, "services.loadbalancers", u64_str(lbs, ""));
    json_object_set_new(hard, "persistentvolumeclaims", json_string("0"));
    json_t *qspec = json_object();
    json_object_set_new(qspec, "hard", hard);
    json_object_set_new(q->body, "spec", qspec);

    provider_object *lr =
        add_obj(s, "v1", "LimitRange", "limitranges", "lease-limits", json_deep_copy(labels));
    json_t *lim = json_object(), *max = json_object();
    put_resources(max, "", &largest);
    json_object_set_new(lim, "type", json_string("Container"));
    json_object_set_new(lim, "max", max);
    json_t *lims = json_array();
    json_array_append_new(lims, lim);
    json_t *lspec = json_object();
    json_object_set_new(lspec, "limits", lims);
    json_object_set_new(lr->body, "spec", lspec);

    add_network_policy(s, w, json_deep_copy(labels));
    for (size_t i = 0; i < w->n_services; i++) {
        add_deployment(s, w->services[i], names[i], json_deep_copy(labels));
        json_t *sl = json_deep_copy(labels);
        json_object_set_new(sl, PROVIDER_LABEL_SERVICE, json_string(names[i]));
        add_services(s, w->services[i], names[i], sl);
        json_decref(sl);
    }
    json_decref(labels);

    for (size_t i = 0; i < s->n; i++) {
        size_t need = json_dumpb(s->objs[i].body, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
        if (need == 0 || need > PROVIDER_OBJECT_MAX)
            return refuse(AG_ERR_TOO_LARGE, why, cap, "%s %s: %zu bytes (limit %zu)",
                          s->objs[i].kind, s->objs[i].name, need, PROVIDER_OBJECT_MAX);
    }
    return AG_OK;
}

ag_err provider_objects_build(provider_objset *out, const char *provider_addr,
                              const market_lease *lease, const market_order *order, char *why,
                              size_t why_cap)
{
    memset(out, 0, sizeof *out);
    if (why_cap)
        why[0] = '\0';
    if (!provider_addr || !lease || !order)
        return ag_err_set(AG_ERR_INVALID_ARG, "provider_objects_build: NULL argument");
    char tenant[CRYPTO_ADDRESS_STR_MAX], prov[CRYPTO_ADDRESS_STR_MAX];
    ag_err e = crypto_address_to_bech32(prov, sizeof prov, AGORA_BECH32_PREFIX, &lease->provider);
    if (e)
        return e;
    if (strcmp(prov, provider_addr) != 0)
        return refuse(AG_ERR_STATE, why, why_cap, "lease %" PRIu64 " belongs to %s, not to %s",
                      lease->id, prov, provider_addr);
    if (order->id != lease->order_id)
        return refuse(AG_ERR_INVALID_ARG, why, why_cap,
                      "lease %" PRIu64 " is for order %" PRIu64 ", given order %" PRIu64, lease->id,
                      lease->order_id, order->id);
    e = crypto_address_to_bech32(tenant, sizeof tenant, AGORA_BECH32_PREFIX, &lease->tenant);
    if (e)
        return e;
    char prov_label[PROVIDER_NAME_CAP], owner_label[PROVIDER_NAME_CAP];
    provider_label_value(prov_label, (const uint8_t *)prov, strlen(prov));
    provider_label_value(owner_label, (const uint8_t *)tenant, strlen(tenant));

    if (order->workload_len > WORKLOAD_MAX_BYTES)
        return refuse(AG_ERR_TOO_LARGE, why, why_cap, "workload of %zu bytes (limit %zu)",
                      order->workload_len, WORKLOAD_MAX_BYTES);
    Agora__Market__V1__Workload *w =
        agora__market__v1__workload__unpack(NULL, order->workload_len, order->workload);
    if (!w)
        return refuse(AG_ERR_DECODE, why, why_cap, "workload is not a valid Workload encoding");
    out->lease_id = lease->id;
    provider_lease_namespace(out->ns, lease->id);
    e = build(out, prov_label, owner_label, lease, w, why, why_cap);
    agora__market__v1__workload__free_unpacked(w, NULL);
    if (e) {
        provider_objset_clear(out);
        out->lease_id = lease->id;
        provider_lease_namespace(out->ns, lease->id);
    }
    return e;
}

void provider_objset_clear(provider_objset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        json_decref(s->objs[i].body);
    free(s->objs);
    memset(s, 0, sizeof *s);
}
