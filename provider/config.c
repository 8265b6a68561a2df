/*
 * config.c — the table of keys agora-provider's config.ini may hold, and
 * the parser that fills provider_config from it (see config.h).
 */
#include "provider/config.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tx_run.h"
#include "market/resources.h"

typedef enum key_kind { K_STR, K_U64, K_PRICE, K_ATTRS, K_COIN } key_kind;

typedef struct key_def {
    const char *section;
    const char *name;
    key_kind kind;
    size_t offset;
    size_t size; /* K_STR: capacity */
} key_def;

#define OFF(f) offsetof(provider_config, f)
#define STR(s, k, f)                                                                               \
    {                                                                                              \
        s, k, K_STR, OFF(f), sizeof(((provider_config *)0)->f)                                     \
    }
#define U64(s, k, f)                                                                               \
    {                                                                                              \
        s, k, K_U64, OFF(f), 0                                                                     \
    }
#define PRICE(k, f)                                                                                \
    {                                                                                              \
        "pricing", k, K_PRICE, OFF(offer.floor.f), 0                                               \
    }

static const key_def keys[] = {
    STR("key", "name", key_name),
    STR("key", "home", home),
    STR("key", "backend", backend),
    STR("key", "passphrase_file", passphrase_file),
    STR("node", "rpc", rpc),
    STR("node", "feed_pub", feed_pub),
    STR("node", "feed_rep", feed_rep),
    STR("cluster", "kubeconfig", kubeconfig),
    STR("cluster", "dry_run_dir", dry_run_dir),
    STR("offer", "host_uri", offer.host_uri),
    {"offer", "attributes", K_ATTRS, OFF(offer.attributes), 0},
    U64("offer", "cpu_millis", offer.capacity.cpu_millis),
    U64("offer", "memory_bytes", offer.capacity.memory_bytes),
    U64("offer", "storage_bytes", offer.capacity.storage_bytes),
    U64("offer", "gpus", offer.capacity.gpus),
    U64("offer", "endpoints", offer.capacity.endpoints),
    STR("offer", "capacity", capacity_source),
    U64("offer", "reserve_cpu_millis", reserve.cpu_millis),
    U64("offer", "reserve_memory_bytes", reserve.memory_bytes),
    U64("offer", "reserve_storage_bytes", reserve.storage_bytes),
    STR("pricing", "denom", offer.floor.denom),
    PRICE("cpu", cpu),
    PRICE("memory", memory),
    PRICE("storage", storage),
    PRICE("gpu", gpu),
    PRICE("endpoint", endpoint),
    STR("pricing", "command", pricing_command),
    U64("pricing", "command_timeout_ms", pricing_timeout_ms),
    {"bid", "deposit", K_COIN, OFF(bid_deposit), 0},
    U64("withdraw", "interval_s", withdraw_interval_s),
    U64("withdraw", "dry_blocks", withdraw_dry_blocks),
    STR("status", "listen", status_listen),
    U64("daemon", "poll_ms", poll_ms),
};

void provider_config_default(provider_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->backend, sizeof cfg->backend, "file");
    snprintf(cfg->capacity_source, sizeof cfg->capacity_source, "fixed");
    snprintf(cfg->rpc, sizeof cfg->rpc, "http://127.0.0.1:26657");
    snprintf(cfg->status_listen, sizeof cfg->status_listen, "127.0.0.1:26680");
    cfg->poll_ms = 500;
    cfg->withdraw_interval_s = 60;
    cfg->withdraw_dry_blocks = 20;
    cfg->pricing_timeout_ms = 2000;
}

/* "k=v,k=v": keys and values checked by market's rules (a text in a
 * market_attributes is always valid). */
static ag_err parse_attrs(market_attributes *out, const char *v)
{
    memset(out, 0, sizeof *out);
    const char *p = v;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq || eq == p)
            return ag_err_set(AG_ERR_DECODE, "attribute \"%.*s\" is not key=value", (int)len, p);
        size_t kl = (size_t)(eq - p), vl = len - kl - 1;
        if (out->n == MARKET_MAX_ATTRIBUTES)
            return ag_err_set(AG_ERR_DECODE, "more than %d attributes", MARKET_MAX_ATTRIBUTES);
        if (kl > MARKET_ATTR_KEY_MAX || vl == 0 || vl > MARKET_ATTR_VALUE_MAX)
            return ag_err_set(AG_ERR_DECODE, "attribute \"%.*s\": key or value length", (int)len,
                              p);
        for (size_t i = 0; i < kl; i++) {
            char c = p[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      (i > 0 && (c == '.' || c == '_' || c == '/' || c == '-'));
            if (!ok)
                return ag_err_set(AG_ERR_DECODE, "attribute key \"%.*s\": [a-z0-9][a-z0-9._/-]*",
                                  (int)kl, p);
        }
        for (size_t i = 0; i < vl; i++)
            if (eq[1 + i] <= ' ' || eq[1 + i] > '~')
                return ag_err_set(AG_ERR_DECODE, "attribute value \"%.*s\": printable, no space",
                                  (int)vl, eq + 1);
        market_attribute *a = &out->a[out->n];
        memcpy(a->key, p, kl);
        memcpy(a->value, eq + 1, vl);
        if (market_attributes_get(out, a->key) != NULL)
            return ag_err_set(AG_ERR_DECODE, "attribute \"%s\" given twice", a->key);
        out->n++;
        p += len + (end ? 1 : 0);
    }
    return AG_OK;
}

static ag_err parse_u64(uint64_t *out, const char *v)
{
    if (!*v || *v == '-' || *v == '+' || *v == ' ')
        return ag_err_set(AG_ERR_DECODE, "\"%s\" is not an unsigned number", v);
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end)
        return ag_err_set(AG_ERR_DECODE, "\"%s\" is not an unsigned number", v);
    *out = x;
    return AG_OK;
}

typedef struct parse_ctx {
    provider_config *cfg;
    ag_err err;
    char why[512];
    int line;
} parse_ctx;

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *p = user;
    if (p->err)
        return 0;
    const key_def *k = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
            k = &keys[i];
    char *field = (char *)p->cfg + (k ? k->offset : 0);
    ag_err err = AG_OK;
    if (!k) {
        err = ag_err_set(AG_ERR_DECODE, "unknown key [%s] %s", section, name);
    } else if (k->kind == K_STR) {
        if (strlen(value) >= k->size)
            err = ag_err_set(AG_ERR_DECODE, "longer than %zu bytes", k->size - 1);
        else
            memcpy(field, value, strlen(value) + 1);
    } else if (k->kind == K_U64) {
        err = parse_u64((uint64_t *)(void *)field, value);
    } else if (k->kind == K_PRICE) {
        err = market_amount_parse((market_u128 *)(void *)field, value, strlen(value));
    } else if (k->kind == K_ATTRS) {
        err = parse_attrs((market_attributes *)(void *)field, value);
    } else {
        err = cli_parse_coin((market_coin *)(void *)field, value, name);
    }
    if (err) {
        p->err = AG_ERR_DECODE;
        snprintf(p->why, sizeof p->why, "[%s] %s: %s", section, name, ag_err_detail());
        return 0;
    }
    return 1;
}

static ag_err validate(const provider_config *c)
{
    if (!c->key_name[0])
        return ag_err_set(AG_ERR_INVALID_ARG, "[key] name is required");
    if (strcmp(c->backend, "file") && strcmp(c->backend, "test"))
        return ag_err_set(AG_ERR_INVALID_ARG, "[key] backend: file or test");
    if (!c->offer.host_uri[0])
        return ag_err_set(AG_ERR_INVALID_ARG, "[offer] host_uri is required");
    if (strcmp(c->capacity_source, "fixed") && strcmp(c->capacity_source, "cluster"))
        return ag_err_set(AG_ERR_INVALID_ARG, "[offer] capacity: fixed or cluster");
    if (!provider_config_capacity_from_cluster(c) && market_resources_is_zero(&c->offer.capacity))
        return ag_err_set(AG_ERR_INVALID_ARG, "[offer]: capacity is all zero");
    if (market_denom_validate(c->offer.floor.denom, strlen(c->offer.floor.denom)))
        return ag_err_set(AG_ERR_INVALID_ARG, "[pricing] denom: %s", ag_err_detail());
    if (!c->bid_deposit.denom[0])
        return ag_err_set(AG_ERR_INVALID_ARG, "[bid] deposit is required");
    if (c->poll_ms < 50 || c->poll_ms > 600000)
        return ag_err_set(AG_ERR_INVALID_ARG, "[daemon] poll_ms: 50..600000");
    if (c->pricing_timeout_ms < 1 || c->pricing_timeout_ms > 60000)
        return ag_err_set(AG_ERR_INVALID_ARG, "[pricing] command_timeout_ms: 1..60000");
    if (c->withdraw_interval_s < 1)
        return ag_err_set(AG_ERR_INVALID_ARG, "[withdraw] interval_s: at least 1");
    return AG_OK;
}

bool provider_config_capacity_from_cluster(const provider_config *c)
{
    return !strcmp(c->capacity_source, "cluster");
}

ag_err provider_config_check_cluster(const provider_config *c)
{
    if (provider_config_capacity_from_cluster(c) && c->dry_run_dir[0])
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "[offer] capacity = cluster needs a kubeconfig: a dry run has no nodes");
    if (!c->kubeconfig[0] == !c->dry_run_dir[0])
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "[cluster]: exactly one of kubeconfig and dry_run_dir (or --dry-run)");
    return AG_OK;
}

ag_err provider_config_parse(provider_config *cfg, const char *text, const char *name)
{
    int line = 1;
    size_t len = 0;
    for (const char *c = text; *c; c++) {
        if (*c == '\n') {
            line++;
            len = 0;
        } else if (++len > PROVIDER_CONFIG_LINE_MAX) {
            return ag_err_set(AG_ERR_DECODE, "%s:%d: line longer than %d bytes", name, line,
                              PROVIDER_CONFIG_LINE_MAX);
        }
    }
    provider_config next = *cfg;
    parse_ctx p = {.cfg = &next};
    int rc = ini_parse_string(text, on_key, &p);
    if (p.err)
        return ag_err_set(p.err, "%s:%d: %s", name, rc, p.why);
    if (rc > 0)
        return ag_err_set(AG_ERR_DECODE, "%s:%d: syntax error", name, rc);
    if (rc < 0)
        return ag_err_set(AG_ERR_NOMEM, "%s: parser failed", name);
    ag_err err = validate(&next);
    if (err) {
        char detail[AG_ERR_DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", ag_err_detail());
        return ag_err_set(err, "%s: %s", name, detail);
    }
    *cfg = next;
    return AG_OK;
}

ag_err provider_config_load(provider_config *cfg, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ag_err_from_errno(errno, path);
    enum { MAX = 1 << 20 };
    char *text = malloc(MAX + 1);
    size_t n = text ? fread(text, 1, MAX + 1, f) : 0;
    fclose(f);
    if (!text)
        return ag_err_set(AG_ERR_NOMEM, "%s", path);
    if (n > MAX) {
        free(text);
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: larger than 1 MiB", path);
    }
    text[n] = 0;
    ag_err err = provider_config_parse(cfg, text, path);
    free(text);
    return err;
}
