/* msg_common.c — validation shared by the market message and record decoders. */
#include <stdio.h>
#include <string.h>

#include "market/msg_internal.h"
#include "market/resources.h"
#include "state/tx_limits.h"
#include "state/tx_wire.h"

/* Prefix the current detail with `what` (copied first: ag_err_set writes the
 * same buffer). */
static ag_err in_field(ag_err err, const char *what)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err, "%s: %s", what, detail);
}

ag_err market_pb_check_size(size_t len, const char *what)
{
    if (len > MARKET_MSG_MAX_BYTES)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: %zu bytes (at most %zu)", what, len,
                          MARKET_MSG_MAX_BYTES);
    return AG_OK;
}

ag_err market_pb_cap(const uint8_t *in, size_t len, const uint32_t *path, size_t depth, size_t max,
                     const char *what)
{
    size_t n = 0;
    ag_err err = market_wire_count(in, len, path, depth, max, &n);
    if (err)
        return in_field(err, what);
    if (n > max)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: more than %zu", what, max);
    return AG_OK;
}

ag_err market_pb_no_unknown(const ProtobufCMessage *m, const char *what)
{
    if (m->n_unknown_fields)
        return ag_err_set(AG_ERR_DECODE, "%s: %u unknown fields in %s", what, m->n_unknown_fields,
                          m->descriptor->short_name);
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n;
            memcpy(&n, base + f->quantifier_offset, sizeof n);
            ProtobufCMessage **items;
            memcpy(&items, base + f->offset, sizeof items);
            for (size_t j = 0; j < n; j++) {
                ag_err err = market_pb_no_unknown(items[j], what);
                if (err)
                    return err;
            }
        } else {
            ProtobufCMessage *sub;
            memcpy(&sub, base + f->offset, sizeof sub);
            if (sub) {
                ag_err err = market_pb_no_unknown(sub, what);
                if (err)
                    return err;
            }
        }
    }
    return AG_OK;
}

ag_err market_pb_address(crypto_address *out, const ProtobufCBinaryData *s, const char *what)
{
    char str[MARKET_ADDRESS_STR_MAX + 1];
    if (s->len == 0)
        return ag_err_set(AG_ERR_DECODE, "%s: empty address", what);
    if (s->len > MARKET_ADDRESS_STR_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: %zu bytes (at most %d)", what, s->len,
                          MARKET_ADDRESS_STR_MAX);
    if (memchr(s->data, '\0', s->len))
        return ag_err_set(AG_ERR_DECODE, "%s: contains a NUL byte", what);
    memcpy(str, s->data, s->len);
    str[s->len] = '\0';
    ag_err err = crypto_address_from_bech32(out, AGORA_BECH32_PREFIX, str);
    return err ? in_field(err, what) : AG_OK;
}

static bool lower_digit(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool char_ok(market_text_class cls, uint8_t c, size_t i, size_t len)
{
    switch (cls) {
    case MARKET_TEXT_ATTR_KEY:
        return lower_digit(c) || (i > 0 && (c == '.' || c == '_' || c == '/' || c == '-'));
    case MARKET_TEXT_TOKEN:
        return c >= 0x21 && c <= 0x7e;
    case MARKET_TEXT_PRINTABLE:
        return c >= 0x20 && c <= 0x7e;
    case MARKET_TEXT_DNS_LABEL:
        return lower_digit(c) || (c == '-' && i > 0 && i + 1 < len);
    case MARKET_TEXT_ENV_NAME:
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
               (i > 0 && c >= '0' && c <= '9');
    }
    return false;
}

ag_err market_pb_text(char *out, const ProtobufCBinaryData *s, size_t min, size_t max,
                      market_text_class cls, const char *what)
{
    if (s->len > max)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: %zu bytes (at most %zu)", what, s->len, max);
    if (s->len < min)
        return ag_err_set(AG_ERR_DECODE, "%s: %zu bytes (at least %zu)", what, s->len, min);
    for (size_t i = 0; i < s->len; i++)
        if (!char_ok(cls, s->data[i], i, s->len))
            return ag_err_set(AG_ERR_DECODE, "%s: byte 0x%02x at position %zu not allowed", what,
                              (unsigned)s->data[i], i);
    if (out) {
        if (s->len)
            memcpy(out, s->data, s->len);
        out[s->len] = '\0';
    }
    return AG_OK;
}

ag_err market_pb_attributes(market_attributes *out, Agora__Market__V1__Attribute *const *in,
                            size_t n, const char *what)
{
    memset(out, 0, sizeof *out);
    if (n > MARKET_MAX_ATTRIBUTES)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: %zu attributes (at most %d)", what, n,
                          MARKET_MAX_ATTRIBUTES);
    for (size_t i = 0; i < n; i++) {
        char field[96];
        snprintf(field, sizeof field, "%s[%zu].key", what, i);
        ag_err err = market_pb_text(out->a[i].key, &in[i]->key, 1, MARKET_ATTR_KEY_MAX,
                                    MARKET_TEXT_ATTR_KEY, field);
        if (!err) {
            snprintf(field, sizeof field, "%s[%zu].value", what, i);
            err = market_pb_text(out->a[i].value, &in[i]->value, 1, MARKET_ATTR_VALUE_MAX,
                                 MARKET_TEXT_TOKEN, field);
        }
        for (size_t j = 0; !err && j < i; j++)
            if (strcmp(out->a[j].key, out->a[i].key) == 0)
                err = ag_err_set(AG_ERR_DECODE, "%s: duplicate key \"%s\"", what, out->a[i].key);
        if (err) {
            memset(out, 0, sizeof *out);
            return err;
        }
    }
    out->n = n;
    return AG_OK;
}

ag_err market_pb_resources(market_resources *out, market_attributes *gpu,
                           const Agora__Market__V1__Resources *in, const char *what)
{
    memset(out, 0, sizeof *out);
    memset(gpu, 0, sizeof *gpu);
    if (!in)
        return AG_OK;
    market_resources r = {in->cpu_millis, in->memory_bytes, in->storage_bytes, in->gpus,
                          in->endpoints};
    ag_err err = market_resources_check_max(&r, what);
    if (err)
        return err;
    if (r.gpus == 0 && in->n_gpu_attributes > 0)
        return ag_err_set(AG_ERR_DECODE, "%s: GPU attributes without GPUs", what);
    char field[96];
    snprintf(field, sizeof field, "%s.gpu_attributes", what);
    err = market_pb_attributes(gpu, in->gpu_attributes, in->n_gpu_attributes, field);
    if (err)
        return err;
    *out = r;
    return AG_OK;
}

static ag_err amount(market_u128 *out, const ProtobufCBinaryData *s, const char *what,
                     const char *name)
{
    ag_err err = market_amount_parse(out, (const char *)s->data, s->len);
    if (err) {
        char field[96];
        snprintf(field, sizeof field, "%s.%s", what, name);
        return in_field(err, field);
    }
    return AG_OK;
}

ag_err market_pb_prices(market_prices *out, const Agora__Market__V1__ResourcePrices *in,
                        const char *what)
{
    memset(out, 0, sizeof *out);
    if (!in)
        return ag_err_set(AG_ERR_DECODE, "%s: missing", what);
    ag_err err = market_denom_validate((const char *)in->denom.data, in->denom.len);
    if (err)
        return in_field(err, what);
    memcpy(out->denom, in->denom.data, in->denom.len);
    if (!err)
        err = amount(&out->cpu, &in->cpu, what, "cpu");
    if (!err)
        err = amount(&out->memory, &in->memory, what, "memory");
    if (!err)
        err = amount(&out->storage, &in->storage, what, "storage");
    if (!err)
        err = amount(&out->gpu, &in->gpu, what, "gpu");
    if (!err)
        err = amount(&out->endpoint, &in->endpoint, what, "endpoint");
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_pb_coin(market_coin *out, const Cosmos__Base__V1beta1__Coin *in, bool positive,
                      const char *what)
{
    memset(out, 0, sizeof *out);
    if (!in)
        return ag_err_set(AG_ERR_DECODE, "%s: missing", what);
    ag_err err = market_coin_from_wire(out, in->denom.data, in->denom.len, in->amount.data,
                                       in->amount.len, what);
    if (!err && positive && out->amount == 0)
        err = ag_err_set(AG_ERR_DECODE, "%s: zero amount", what);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_pb_offer_spec(market_offer_spec *out, const ProtobufCBinaryData *host_uri,
                            Agora__Market__V1__Attribute *const *attrs, size_t n_attrs,
                            const Agora__Market__V1__Resources *capacity,
                            const Agora__Market__V1__ResourcePrices *prices, const char *what)
{
    memset(out, 0, sizeof *out);
    char field[96];
    snprintf(field, sizeof field, "%s.host_uri", what);
    ag_err err =
        market_pb_text(out->host_uri, host_uri, 1, MARKET_HOST_URI_MAX, MARKET_TEXT_TOKEN, field);
    if (!err && strncmp(out->host_uri, "https://", 8) != 0 &&
        strncmp(out->host_uri, "http://", 7) != 0)
        err = ag_err_set(AG_ERR_DECODE, "%s: not an http:// or https:// URI", field);
    if (!err) {
        snprintf(field, sizeof field, "%s.attributes", what);
        err = market_pb_attributes(&out->attributes, attrs, n_attrs, field);
    }
    if (!err) {
        snprintf(field, sizeof field, "%s.capacity", what);
        if (!capacity)
            err = ag_err_set(AG_ERR_DECODE, "%s: missing", field);
        else
            err = market_pb_resources(&out->capacity, &out->gpu_attributes, capacity, field);
        if (!err && (out->capacity.cpu_millis == 0 || out->capacity.memory_bytes == 0))
            err = ag_err_set(AG_ERR_DECODE, "%s: no cpu or no memory", field);
    }
    if (!err) {
        snprintf(field, sizeof field, "%s.floor_prices", what);
        err = market_pb_prices(&out->floor, prices, field);
    }
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

/* Merge one service's GPU attributes into the workload's. */
static ag_err merge_gpu(market_attributes *all, const market_attributes *one, const char *what)
{
    for (size_t i = 0; i < one->n; i++) {
        const char *v = market_attributes_get(all, one->a[i].key);
        if (v && strcmp(v, one->a[i].value) != 0)
            return ag_err_set(AG_ERR_DECODE, "%s: services disagree on GPU attribute \"%s\"", what,
                              one->a[i].key);
        if (v)
            continue;
        if (all->n == MARKET_MAX_ATTRIBUTES)
            return ag_err_set(AG_ERR_TOO_LARGE, "%s: more than %d GPU attributes", what,
                              MARKET_MAX_ATTRIBUTES);
        all->a[all->n++] = one->a[i];
    }
    return AG_OK;
}

static ag_err check_strings(const ProtobufCBinaryData *s, size_t n, size_t cap, size_t min,
                            const char *what, const char *name)
{
    if (n > cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s.%s: %zu (at most %zu)", what, name, n, cap);
    for (size_t i = 0; i < n; i++) {
        char field[128];
        snprintf(field, sizeof field, "%s.%s[%zu]", what, name, i);
        ag_err err = market_pb_text(NULL, &s[i], min, MARKET_ARG_MAX, MARKET_TEXT_PRINTABLE, field);
        if (err)
            return err;
    }
    return AG_OK;
}

/* One service; adds its needs to *sum. */
static ag_err check_service(market_workload_summary *sum, const Agora__Market__V1__Service *s,
                            const char *what)
{
    char field[128];
    snprintf(field, sizeof field, "%s.name", what);
    ag_err err =
        market_pb_text(NULL, &s->name, 1, MARKET_SERVICE_NAME_MAX, MARKET_TEXT_DNS_LABEL, field);
    if (err)
        return err;
    snprintf(field, sizeof field, "%s.image", what);
    err = market_pb_text(NULL, &s->image, 1, MARKET_IMAGE_MAX, MARKET_TEXT_TOKEN, field);
    if (!err)
        err = check_strings(s->command, s->n_command, MARKET_MAX_COMMAND, 1, what, "command");
    if (!err)
        err = check_strings(s->args, s->n_args, MARKET_MAX_ARGS, 0, what, "args");
    if (err)
        return err;
    if (s->n_env > MARKET_MAX_ENV)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s.env: %zu (at most %d)", what, s->n_env,
                          MARKET_MAX_ENV);
    for (size_t i = 0; i < s->n_env; i++) {
        snprintf(field, sizeof field, "%s.env[%zu].name", what, i);
        err = market_pb_text(NULL, &s->env[i]->name, 1, MARKET_ENV_NAME_MAX, MARKET_TEXT_ENV_NAME,
                             field);
        if (!err) {
            snprintf(field, sizeof field, "%s.env[%zu].value", what, i);
            err = market_pb_text(NULL, &s->env[i]->value, 0, MARKET_ENV_VALUE_MAX,
                                 MARKET_TEXT_PRINTABLE, field);
        }
        for (size_t j = 0; !err && j < i; j++)
            if (s->env[j]->name.len == s->env[i]->name.len &&
                memcmp(s->env[j]->name.data, s->env[i]->name.data, s->env[i]->name.len) == 0)
                err = ag_err_set(AG_ERR_DECODE, "%s.env[%zu]: duplicate name", what, i);
        if (err)
            return err;
    }
    if (s->n_ports > MARKET_MAX_PORTS)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s.ports: %zu (at most %d)", what, s->n_ports,
                          MARKET_MAX_PORTS);
    uint64_t external = 0;
    for (size_t i = 0; i < s->n_ports; i++) {
        const Agora__Market__V1__Port *p = s->ports[i];
        if (p->port == 0 || p->port > 65535)
            return ag_err_set(AG_ERR_DECODE, "%s.ports[%zu]: port %u not in 1..65535", what, i,
                              p->port);
        if (p->protocol != AGORA__MARKET__V1__PROTOCOL__PROTOCOL_TCP &&
            p->protocol != AGORA__MARKET__V1__PROTOCOL__PROTOCOL_UDP)
            return ag_err_set(AG_ERR_DECODE, "%s.ports[%zu]: protocol %d is not TCP or UDP", what,
                              i, (int)p->protocol);
        switch (p->expose) {
        case AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP:
            break;
        case AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT:
        case AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER:
            external++;
            break;
        default:
            return ag_err_set(AG_ERR_DECODE, "%s.ports[%zu]: expose kind %d unknown", what, i,
                              (int)p->expose);
        }
        for (size_t j = 0; j < i; j++)
            if (s->ports[j]->port == p->port && s->ports[j]->protocol == p->protocol)
                return ag_err_set(AG_ERR_DECODE, "%s.ports[%zu]: duplicate port %u", what, i,
                                  p->port);
    }
    if (s->replicas == 0 || s->replicas > MARKET_MAX_REPLICAS)
        return ag_err_set(s->replicas ? AG_ERR_TOO_LARGE : AG_ERR_DECODE,
                          "%s.replicas: %u (must be 1..%d)", what, s->replicas,
                          MARKET_MAX_REPLICAS);
    snprintf(field, sizeof field, "%s.resources", what);
    if (!s->resources)
        return ag_err_set(AG_ERR_DECODE, "%s: missing", field);
    market_resources per;
    market_attributes gpu;
    err = market_pb_resources(&per, &gpu, s->resources, field);
    if (err)
        return err;
    if (per.cpu_millis == 0 || per.memory_bytes == 0)
        return ag_err_set(AG_ERR_DECODE, "%s: no cpu or no memory", field);
    if (per.endpoints < external)
        return ag_err_set(AG_ERR_DECODE, "%s: %llu endpoints for %llu exposed ports", field,
                          (unsigned long long)per.endpoints, (unsigned long long)external);
    market_resources scaled;
    err = market_resources_scale(&scaled, &per, s->replicas);
    if (!err)
        err = market_resources_add(&sum->total, &sum->total, &scaled);
    if (!err)
        err = market_resources_check_max(&sum->total, "workload total");
    if (err)
        return in_field(err, what);
    return per.gpus ? merge_gpu(&sum->gpu_attributes, &gpu, what) : AG_OK;
}

ag_err market_pb_workload(market_workload_summary *out, const Agora__Market__V1__Workload *w,
                          const char *what)
{
    memset(out, 0, sizeof *out);
    if (!w || w->n_services == 0)
        return ag_err_set(AG_ERR_DECODE, "%s: no services", what);
    if (w->n_services > MARKET_MAX_SERVICES)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: %zu services (at most %d)", what, w->n_services,
                          MARKET_MAX_SERVICES);
    for (size_t i = 0; i < w->n_services; i++) {
        char field[96];
        snprintf(field, sizeof field, "%s.services[%zu]", what, i);
        ag_err err = check_service(out, w->services[i], field);
        for (size_t j = 0; !err && j < i; j++) {
            const ProtobufCBinaryData *a = &w->services[j]->name, *b = &w->services[i]->name;
            if (a->len == b->len && memcmp(a->data, b->data, a->len) == 0)
                err = ag_err_set(AG_ERR_DECODE, "%s: duplicate service name", field);
        }
        if (err) {
            memset(out, 0, sizeof *out);
            return err;
        }
    }
    out->n_services = w->n_services;
    return AG_OK;
}

ag_err market_pb_workload_caps(const uint8_t *in, size_t len, const uint32_t *prefix, size_t depth,
                               const char *what)
{
    static const struct {
        uint32_t sub[3];
        size_t n;
        size_t max;
        const char *name;
    } caps[] = {
        {{1}, 1, MARKET_MAX_SERVICES, "services"},
        {{1, 3}, 2, (size_t)MARKET_MAX_SERVICES * MARKET_MAX_COMMAND, "command words"},
        {{1, 4}, 2, (size_t)MARKET_MAX_SERVICES * MARKET_MAX_ARGS, "args"},
        {{1, 5}, 2, (size_t)MARKET_MAX_SERVICES * MARKET_MAX_ENV, "env vars"},
        {{1, 6}, 2, (size_t)MARKET_MAX_SERVICES * MARKET_MAX_PORTS, "ports"},
        {{1, 8, 6}, 3, (size_t)MARKET_MAX_SERVICES * MARKET_MAX_ATTRIBUTES, "GPU attributes"},
    };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        uint32_t path[MARKET_WIRE_PATH_MAX];
        if (depth + caps[i].n > MARKET_WIRE_PATH_MAX)
            return ag_err_set(AG_ERR_INTERNAL, "%s: workload nested too deep", what);
        if (depth)
            memcpy(path, prefix, depth * sizeof *path);
        memcpy(path + depth, caps[i].sub, caps[i].n * sizeof *path);
        char field[96];
        snprintf(field, sizeof field, "%s: %s", what, caps[i].name);
        ag_err err = market_pb_cap(in, len, path, depth + caps[i].n, caps[i].max, field);
        if (err)
            return err;
    }
    return AG_OK;
}

void market_pb_fill_resources(Agora__Market__V1__Resources *out, const market_resources *in)
{
    agora__market__v1__resources__init(out);
    out->cpu_millis = in->cpu_millis;
    out->memory_bytes = in->memory_bytes;
    out->storage_bytes = in->storage_bytes;
    out->gpus = in->gpus;
    out->endpoints = in->endpoints;
}

void market_pb_fill_text(ProtobufCBinaryData *out, const char *s)
{
    out->data = (uint8_t *)(uintptr_t)s;
    out->len = strlen(s);
}

#define fill_text market_pb_fill_text

ag_err market_pb_fill_address(ProtobufCBinaryData *out, char buf[CRYPTO_ADDRESS_STR_MAX],
                              const crypto_address *a)
{
    ag_err err = crypto_address_to_bech32(buf, CRYPTO_ADDRESS_STR_MAX, AGORA_BECH32_PREFIX, a);
    if (err)
        return err;
    fill_text(out, buf);
    return AG_OK;
}

void market_pb_fill_prices(Agora__Market__V1__ResourcePrices *out, const market_prices *in,
                           char strs[5][MARKET_AMOUNT_STR_MAX])
{
    agora__market__v1__resource_prices__init(out);
    fill_text(&out->denom, in->denom);
    const market_u128 v[5] = {in->cpu, in->memory, in->storage, in->gpu, in->endpoint};
    ProtobufCBinaryData *f[5] = {&out->cpu, &out->memory, &out->storage, &out->gpu, &out->endpoint};
    for (int i = 0; i < 5; i++) {
        market_amount_format(strs[i], v[i]);
        fill_text(f[i], strs[i]);
    }
}

void market_pb_fill_coin(Cosmos__Base__V1beta1__Coin *out, const market_coin *in,
                         char str[MARKET_AMOUNT_STR_MAX])
{
    cosmos__base__v1beta1__coin__init(out);
    fill_text(&out->denom, in->denom);
    market_amount_format(str, in->amount);
    fill_text(&out->amount, str);
}

void market_pb_fill_attributes(Agora__Market__V1__Attribute *items,
                               Agora__Market__V1__Attribute **ptrs, const market_attributes *in)
{
    for (size_t i = 0; i < in->n && i < MARKET_MAX_ATTRIBUTES; i++) {
        agora__market__v1__attribute__init(&items[i]);
        fill_text(&items[i].key, in->a[i].key);
        fill_text(&items[i].value, in->a[i].value);
        ptrs[i] = &items[i];
    }
}
