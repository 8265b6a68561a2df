/* workload.c — YAML (libyaml document API) into an agora.market.v1.Workload. */
#include "cli/workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "agora/market/v1/types.pb-c.h"
#include "cli/prompt.h"
#include "cli/tx_run.h"
#include "lib/pb.h"

typedef Agora__Market__V1__Attribute pb_attr;

/* Everything one service points to, so the protobuf-c tree needs no frees. */
typedef struct svc_parts {
    Agora__Market__V1__Service svc;
    Agora__Market__V1__Resources res;
    Agora__Market__V1__Port port_v[MARKET_MAX_PORTS], *ports[MARKET_MAX_PORTS];
    Agora__Market__V1__EnvVar env_v[MARKET_MAX_ENV], *env[MARKET_MAX_ENV];
    ProtobufCBinaryData command[MARKET_MAX_COMMAND], args[MARKET_MAX_ARGS];
    pb_attr gattr_v[MARKET_MAX_ATTRIBUTES], *gattr[MARKET_MAX_ATTRIBUTES];
} svc_parts;

typedef struct ctx {
    yaml_document_t doc;
    const char *file;
} ctx;

static ag_err bad(const yaml_node_t *n, const char *what, const char *why)
{
    return ag_err_set(AG_ERR_INVALID_ARG, "workload line %lu: %s: %s",
                      n ? (unsigned long)n->start_mark.line + 1 : 0UL, what, why);
}

static yaml_node_t *node(ctx *c, int id)
{
    return yaml_document_get_node(&c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static ProtobufCBinaryData bytes(const char *s)
{
    return (ProtobufCBinaryData){strlen(s), (uint8_t *)(uintptr_t)s};
}

/* Check that every key of mapping n is in allowed (NULL-terminated). */
static ag_err only_keys(ctx *c, const yaml_node_t *n, const char *what, const char *const *allowed)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return bad(n, what, "expected a mapping");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(c, p->key));
        bool ok = false;
        for (size_t i = 0; k && allowed[i] && !ok; i++)
            ok = !strcmp(k, allowed[i]);
        if (!ok) {
            char w[128];
            snprintf(w, sizeof w, "%s.%s", what, k ? k : "?");
            return bad(node(c, p->key), w, "unknown key");
        }
    }
    return AG_OK;
}

static yaml_node_t *get(ctx *c, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(node(c, p->key));
        if (k && !strcmp(k, key))
            return node(c, p->value);
    }
    return NULL;
}

static ag_err u64_of(const yaml_node_t *n, const char *what, uint64_t max, uint64_t *out)
{
    const char *s = scalar(n);
    char *end;
    errno = 0;
    unsigned long long v = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
    if (!s || *s < '0' || *s > '9' || errno || *end || v > max)
        return bad(n, what, "expected a whole number in range");
    *out = v;
    return AG_OK;
}

/* "500m" (millicores), "2" or "0.5" (cores, at most 3 decimals). */
static ag_err cpu_of(const yaml_node_t *n, uint64_t *out)
{
    const char *s = scalar(n);
    if (!s)
        return bad(n, "cpu", "expected 500m, 2 or 0.5");
    size_t ip = strspn(s, "0123456789"), len = strlen(s);
    if (ip && ip == len - 1 && s[ip] == 'm' && ip <= 10) {
        *out = strtoull(s, NULL, 10);
        return AG_OK;
    }
    size_t fp = s[ip] == '.' ? strspn(s + ip + 1, "0123456789") : 0;
    if (!ip || ip > 7 || fp > 3 || ip + (fp ? fp + 1 : 0) != len)
        return bad(n, "cpu", "expected 500m, 2 or 0.5");
    uint64_t v = strtoull(s, NULL, 10) * 1000;
    for (size_t i = 0, scale = 100; i < fp; i++, scale /= 10)
        v += (uint64_t)(s[ip + 1 + i] - '0') * scale;
    *out = v;
    return AG_OK;
}

/* Bytes: 1234, 512Mi, 1Gi (binary), 1G (decimal). */
static ag_err size_of(const yaml_node_t *n, const char *what, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {{"", 1},
                 {"Ki", 1ull << 10},
                 {"Mi", 1ull << 20},
                 {"Gi", 1ull << 30},
                 {"Ti", 1ull << 40},
                 {"k", 1000ull},
                 {"M", 1000000ull},
                 {"G", 1000000000ull},
                 {"T", 1000000000000ull}};
    const char *s = scalar(n);
    size_t ip = s ? strspn(s, "0123456789") : 0;
    if (!ip || ip > 15)
        return bad(n, what, "expected bytes such as 512Mi or 1Gi");
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(s + ip, units[i].suffix)) {
            uint64_t v = strtoull(s, NULL, 10);
            if (v > UINT64_MAX / units[i].mult)
                return bad(n, what, "too large");
            *out = v * units[i].mult;
            return AG_OK;
        }
    return bad(n, what, "unknown unit (Ki Mi Gi Ti k M G T)");
}

static ag_err attrs_of(ctx *c, const yaml_node_t *n, const char *what, pb_attr *vals,
                       pb_attr **ptrs, size_t *count)
{
    *count = 0;
    if (!n)
        return AG_OK;
    if (n->type != YAML_MAPPING_NODE)
        return bad(n, what, "expected key: value pairs");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(c, p->key)), *v = scalar(node(c, p->value));
        if (*count == MARKET_MAX_ATTRIBUTES)
            return bad(n, what, "too many attributes");
        if (!k || !v)
            return bad(n, what, "keys and values must be plain text");
        pb_attr *a = &vals[*count];
        agora__market__v1__attribute__init(a);
        a->key = bytes(k);
        a->value = bytes(v);
        ptrs[(*count)++] = a;
    }
    return AG_OK;
}

static ag_err strings_of(ctx *c, const yaml_node_t *n, const char *what, ProtobufCBinaryData *out,
                         size_t max, size_t *count)
{
    *count = 0;
    if (!n)
        return AG_OK;
    if (n->type != YAML_SEQUENCE_NODE)
        return bad(n, what, "expected a list");
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        const char *s = scalar(node(c, *i));
        if (*count == max)
            return bad(n, what, "too many items");
        if (!s)
            return bad(n, what, "items must be text");
        out[(*count)++] = bytes(s);
    }
    return AG_OK;
}

static ag_err env_of(ctx *c, const yaml_node_t *n, svc_parts *sp)
{
    sp->svc.n_env = 0;
    sp->svc.env = sp->env;
    if (!n)
        return AG_OK;
    if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            const char *k = scalar(node(c, p->key)), *v = scalar(node(c, p->value));
            if (sp->svc.n_env == MARKET_MAX_ENV || !k || !v)
                return bad(n, "env", "too many, or not NAME: value text");
            Agora__Market__V1__EnvVar *e = &sp->env_v[sp->svc.n_env];
            agora__market__v1__env_var__init(e);
            e->name = bytes(k);
            e->value = bytes(v);
            sp->env[sp->svc.n_env++] = e;
        }
        return AG_OK;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return bad(n, "env", "expected NAME: value pairs or a list of NAME=value");
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        const char *s = scalar(node(c, *i));
        const char *eq = s ? strchr(s, '=') : NULL;
        if (sp->svc.n_env == MARKET_MAX_ENV || !eq)
            return bad(n, "env", "too many, or an item without NAME=value");
        Agora__Market__V1__EnvVar *e = &sp->env_v[sp->svc.n_env];
        agora__market__v1__env_var__init(e);
        e->name = (ProtobufCBinaryData){(size_t)(eq - s), (uint8_t *)(uintptr_t)s};
        e->value = bytes(eq + 1);
        sp->env[sp->svc.n_env++] = e;
    }
    return AG_OK;
}

static ag_err ports_of(ctx *c, const yaml_node_t *n, svc_parts *sp)
{
    static const char *const keys[] = {"port", "protocol", "expose", NULL};
    sp->svc.ports = sp->ports;
    if (!n)
        return AG_OK;
    if (n->type != YAML_SEQUENCE_NODE)
        return bad(n, "ports", "expected a list");
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *p = node(c, *i);
        if (sp->svc.n_ports == MARKET_MAX_PORTS)
            return bad(p, "ports", "too many");
        ag_err err = only_keys(c, p, "ports[]", keys);
        Agora__Market__V1__Port *pt = &sp->port_v[sp->svc.n_ports];
        agora__market__v1__port__init(pt);
        uint64_t port = 0;
        if (!err)
            err = u64_of(get(c, p, "port"), "port", 65535, &port);
        if (err)
            return err;
        pt->port = (uint32_t)port;
        const char *proto = scalar(get(c, p, "protocol")), *expose = scalar(get(c, p, "expose"));
        if (!proto || !strcmp(proto, "tcp"))
            pt->protocol = AGORA__MARKET__V1__PROTOCOL__PROTOCOL_TCP;
        else if (!strcmp(proto, "udp"))
            pt->protocol = AGORA__MARKET__V1__PROTOCOL__PROTOCOL_UDP;
        else
            return bad(p, "protocol", "tcp or udp");
        if (!expose || !strcmp(expose, "cluster-ip")) {
            pt->expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP;
        } else if (!strcmp(expose, "node-port") || !strcmp(expose, "load-balancer")) {
            pt->expose = expose[0] == 'n'
                             ? AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT
                             : AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER;
            sp->res.endpoints++; /* one endpoint each */
        } else {
            return bad(p, "expose", "cluster-ip, node-port or load-balancer");
        }
        sp->ports[sp->svc.n_ports++] = pt;
    }
    return AG_OK;
}

static ag_err service_of(ctx *c, const char *name, const yaml_node_t *n, svc_parts *sp)
{
    static const char *const keys[] = {"image",    "command", "args",      "env",
                                       "replicas", "ports",   "resources", NULL};
    static const char *const rkeys[] = {"cpu", "memory", "storage", "gpu", "gpu_attributes", NULL};
    char what[96];
    snprintf(what, sizeof what, "services.%.60s", name);
    ag_err err = only_keys(c, n, what, keys);
    if (err)
        return err;
    agora__market__v1__service__init(&sp->svc);
    agora__market__v1__resources__init(&sp->res);
    sp->svc.name = bytes(name);
    const char *image = scalar(get(c, n, "image"));
    if (!image)
        return bad(n, what, "image is required");
    sp->svc.image = bytes(image);
    uint64_t replicas = 1;
    yaml_node_t *r = get(c, n, "replicas");
    if (r && (err = u64_of(r, "replicas", MARKET_MAX_REPLICAS, &replicas)))
        return err;
    sp->svc.replicas = (uint32_t)replicas;
    sp->svc.command = sp->command;
    sp->svc.args = sp->args;
    if ((err = strings_of(c, get(c, n, "command"), "command", sp->command, MARKET_MAX_COMMAND,
                          &sp->svc.n_command)) ||
        (err = strings_of(c, get(c, n, "args"), "args", sp->args, MARKET_MAX_ARGS,
                          &sp->svc.n_args)) ||
        (err = env_of(c, get(c, n, "env"), sp)) || (err = ports_of(c, get(c, n, "ports"), sp)))
        return err;
    yaml_node_t *res = get(c, n, "resources");
    if (!res)
        return bad(n, what, "resources (cpu, memory) are required");
    if ((err = only_keys(c, res, "resources", rkeys)))
        return err;
    yaml_node_t *v;
    if ((v = get(c, res, "cpu")) && (err = cpu_of(v, &sp->res.cpu_millis)))
        return err;
    if ((v = get(c, res, "memory")) && (err = size_of(v, "memory", &sp->res.memory_bytes)))
        return err;
    if ((v = get(c, res, "storage")) && (err = size_of(v, "storage", &sp->res.storage_bytes)))
        return err;
    if ((v = get(c, res, "gpu")) && (err = u64_of(v, "gpu", MARKET_MAX_GPUS, &sp->res.gpus)))
        return err;
    sp->res.gpu_attributes = sp->gattr;
    if ((err = attrs_of(c, get(c, res, "gpu_attributes"), "gpu_attributes", sp->gattr_v, sp->gattr,
                        &sp->res.n_gpu_attributes)))
        return err;
    sp->svc.resources = &sp->res;
    return AG_OK;
}

static ag_err pricing_of(ctx *c, const yaml_node_t *n, cli_workload *w)
{
    static const char *const keys[] = {"max_price", "deposit", "auction_blocks", "auto_award",
                                       NULL};
    if (!n)
        return AG_OK;
    ag_err err = only_keys(c, n, "pricing", keys);
    yaml_node_t *v;
    if (!err && (v = get(c, n, "max_price"))) {
        w->has_max_price = true;
        if (cli_parse_coin(&w->max_price, scalar(v) ? scalar(v) : "", "pricing.max_price"))
            err = bad(v, "pricing.max_price", "expected an amount such as 100uagora");
    }
    if (!err && (v = get(c, n, "deposit"))) {
        w->has_deposit = true;
        if (cli_parse_coin(&w->deposit, scalar(v) ? scalar(v) : "", "pricing.deposit"))
            err = bad(v, "pricing.deposit", "expected an amount such as 5000000uagora");
    }
    if (!err && (v = get(c, n, "auction_blocks"))) {
        w->has_auction_blocks = true;
        err = u64_of(v, "pricing.auction_blocks", MARKET_AUCTION_BLOCKS_MAX, &w->auction_blocks);
    }
    if (!err && (v = get(c, n, "auto_award"))) {
        const char *s = scalar(v);
        w->has_auto_award = true;
        if (s && !strcmp(s, "true"))
            w->auto_award = true;
        else if (!s || strcmp(s, "false"))
            err = bad(v, "pricing.auto_award", "true or false");
    }
    return err;
}

static ag_err build(ctx *c, cli_workload *w, svc_parts *parts)
{
    static const char *const keys[] = {"services", "placement", "pricing", NULL};
    yaml_node_t *root = yaml_document_get_root_node(&c->doc);
    ag_err err = only_keys(c, root, "workload", keys);
    if (err)
        return err;
    yaml_node_t *svcs = get(c, root, "services");
    if (!svcs || svcs->type != YAML_MAPPING_NODE)
        return bad(root, "services", "a mapping of service name to service is required");
    Agora__Market__V1__Service *list[MARKET_MAX_SERVICES];
    Agora__Market__V1__Workload wl = AGORA__MARKET__V1__WORKLOAD__INIT;
    for (yaml_node_pair_t *p = svcs->data.mapping.pairs.start; p < svcs->data.mapping.pairs.top;
         p++) {
        const char *name = scalar(node(c, p->key));
        if (wl.n_services == MARKET_MAX_SERVICES)
            return bad(svcs, "services", "too many");
        if (!name)
            return bad(svcs, "services", "names must be text");
        if ((err = service_of(c, name, node(c, p->value), &parts[wl.n_services])))
            return err;
        list[wl.n_services] = &parts[wl.n_services].svc;
        wl.n_services++;
    }
    wl.services = list;
    pb_attr pv[MARKET_MAX_ATTRIBUTES], *pp[MARKET_MAX_ATTRIBUTES];
    size_t np;
    if ((err = attrs_of(c, get(c, root, "placement"), "placement", pv, pp, &np)))
        return err;
    for (size_t i = 0; i < np; i++) {
        if (pv[i].key.len > MARKET_ATTR_KEY_MAX || pv[i].value.len > MARKET_ATTR_VALUE_MAX)
            return bad(root, "placement", "key or value too long");
        memcpy(w->placement.a[i].key, pv[i].key.data, pv[i].key.len);
        memcpy(w->placement.a[i].value, pv[i].value.data, pv[i].value.len);
    }
    w->placement.n = np;
    if ((err = pricing_of(c, get(c, root, "pricing"), w)))
        return err;
    ag_buf raw;
    ag_buf_init(&raw, MARKET_MSG_MAX_BYTES);
    err = ag_pb_append(&raw, &wl.base);
    if (err)
        err = ag_err_set(AG_ERR_TOO_LARGE, "workload: encoding above %zu bytes",
                         MARKET_MSG_MAX_BYTES);
    if (!err && market_workload_check(&w->summary, &w->canon, raw.data, raw.len))
        err = ag_err_set(AG_ERR_INVALID_ARG, "workload: %s", ag_err_detail());
    ag_buf_free(&raw);
    return err;
}

ag_err cli_workload_load(cli_workload *out, const char *file)
{
    memset(out, 0, sizeof *out);
    ag_buf_init(&out->canon, MARKET_MSG_MAX_BYTES);
    FILE *f = fopen(file, "re");
    if (!f)
        return ag_err_from_errno(errno, file);
    char *text = malloc(CLI_WORKLOAD_FILE_MAX + 1);
    ag_err err = text ? cli_read_stream(text, CLI_WORKLOAD_FILE_MAX + 1, f)
                      : ag_err_set(AG_ERR_NOMEM, "workload");
    fclose(f);
    ctx c = {.file = file};
    yaml_parser_t parser;
    bool have_doc = false;
    if (!err) {
        yaml_parser_initialize(&parser);
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
        if (!yaml_parser_load(&parser, &c.doc))
            err = ag_err_set(AG_ERR_DECODE, "%s: line %lu: %s", file,
                             (unsigned long)parser.problem_mark.line + 1,
                             parser.problem ? parser.problem : "not YAML");
        else
            have_doc = true;
        yaml_parser_delete(&parser);
    }
    svc_parts *parts = err ? NULL : calloc(MARKET_MAX_SERVICES, sizeof *parts);
    if (!err && !parts)
        err = ag_err_set(AG_ERR_NOMEM, "workload");
    if (!err && !yaml_document_get_root_node(&c.doc))
        err = ag_err_set(AG_ERR_DECODE, "%s: empty", file);
    if (!err)
        err = build(&c, out, parts);
    free(parts);
    if (have_doc)
        yaml_document_delete(&c.doc);
    free(text);
    if (err)
        cli_workload_free(out);
    return err;
}

void cli_workload_free(cli_workload *w)
{
    ag_buf_free(&w->canon);
}
