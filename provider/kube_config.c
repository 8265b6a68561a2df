/*
 * kube_config.c — see kube_config.h. The YAML is loaded as a libyaml
 * document and walked by key; anything of an unexpected shape is an error,
 * never a guess.
 */
#include "provider/kube_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/base64.h"
#include "lib/wipe.h"

#define KUBECONFIG_MAX ((size_t)1 << 20)
#define CRED_FILE_MAX  ((size_t)256 * 1024)
#define SA_DIR_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount"

/* Read a whole file of at most `max` bytes, NUL-terminated. */
static ag_err read_file(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ag_err_set(errno == ENOENT ? AG_ERR_NOT_FOUND : AG_ERR_IO, "kubeconfig: %s: %s",
                          path, strerror(errno));
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    bool err = ferror(f);
    fclose(f);
    if (!buf)
        return ag_err_set(AG_ERR_NOMEM, "kubeconfig: read %s", path);
    if (err || n > max) {
        free(buf);
        return ag_err_set(err ? AG_ERR_IO : AG_ERR_TOO_LARGE, "kubeconfig: %s %s", path,
                          err ? "unreadable" : "too large");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return AG_OK;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
            memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

/* A scalar's text (NUL-terminated by libyaml) or NULL. */
static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* In the sequence `list` of {name: X, <field>: {...}}, the <field> map of X. */
static yaml_node_t *named(yaml_document_t *d, yaml_node_t *root, const char *list,
                          const char *field, const char *name)
{
    yaml_node_t *seq = map_get(d, root, list);
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return NULL;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(d, *it);
        const char *nm = scalar(map_get(d, e, "name"));
        if (nm && strcmp(nm, name) == 0)
            return map_get(d, e, field);
    }
    return NULL;
}

/* Take a credential from "<key>-data" (base64) or "<key>" (a file path). */
static ag_err credential(yaml_document_t *d, yaml_node_t *map, const char *key,
                         const char *base_dir, char **out, size_t *len)
{
    char dk[64];
    snprintf(dk, sizeof dk, "%s-data", key);
    const char *data = scalar(map_get(d, map, dk));
    const char *file = scalar(map_get(d, map, key));
    if (data) {
        size_t in = strlen(data);
        if (in > 4 * CRED_FILE_MAX)
            return ag_err_set(AG_ERR_TOO_LARGE, "kubeconfig: %s too large", dk);
        size_t cap = ag_base64_decoded_max(in) + 1;
        char *buf = malloc(cap);
        if (!buf)
            return ag_err_set(AG_ERR_NOMEM, "kubeconfig: %s", dk);
        size_t n;
        ag_err e = ag_base64_decode((uint8_t *)buf, cap - 1, &n, data, in);
        if (e) {
            free(buf);
            return ag_err_set(AG_ERR_DECODE, "kubeconfig: %s is not base64", dk);
        }
        buf[n] = '\0';
        *out = buf;
        *len = n;
        return AG_OK;
    }
    if (file) {
        char path[4096];
        if (file[0] == '/' || !base_dir)
            snprintf(path, sizeof path, "%s", file);
        else
            snprintf(path, sizeof path, "%s/%s", base_dir, file);
        return read_file(path, CRED_FILE_MAX, out, len);
    }
    return AG_OK; /* absent: not an error here */
}

static ag_err set_server(provider_kube_config *c, const char *server)
{
    if (!server)
        return ag_err_set(AG_ERR_NOT_FOUND, "kubeconfig: cluster has no server");
    size_t n = strlen(server);
    if (n > PROVIDER_KUBE_SERVER_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "kubeconfig: server URL of %zu bytes", n);
    if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "kubeconfig: server %s is not http(s)://", server);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)server[i] <= ' ' || server[i] == 0x7f)
            return ag_err_set(AG_ERR_INVALID_ARG, "kubeconfig: server URL has a control byte");
    memcpy(c->server, server, n + 1);
    while (n > 0 && c->server[n - 1] == '/')
        c->server[--n] = '\0';
    /* "https://" alone (or "https:///") names no host: trimming its slashes
     * would leave "https:", which libcurl would read as a relative URL. */
    size_t scheme = server[4] == 's' ? 8 : 7;
    if (n < scheme)
        return ag_err_set(AG_ERR_INVALID_ARG, "kubeconfig: server %s has no host", server);
    return AG_OK;
}

static ag_err from_document(provider_kube_config *c, yaml_document_t *d, const char *base_dir)
{
    yaml_node_t *root = yaml_document_get_root_node(d);
    if (!root || root->type != YAML_MAPPING_NODE)
        return ag_err_set(AG_ERR_DECODE, "kubeconfig: not a YAML mapping");
    const char *ctx_name = scalar(map_get(d, root, "current-context"));
    if (!ctx_name || !*ctx_name)
        return ag_err_set(AG_ERR_NOT_FOUND, "kubeconfig: no current-context");
    yaml_node_t *ctx = named(d, root, "contexts", "context", ctx_name);
    if (!ctx)
        return ag_err_set(AG_ERR_NOT_FOUND, "kubeconfig: context %s not found", ctx_name);
    const char *cl_name = scalar(map_get(d, ctx, "cluster"));
    const char *us_name = scalar(map_get(d, ctx, "user"));
    yaml_node_t *cl = cl_name ? named(d, root, "clusters", "cluster", cl_name) : NULL;
    if (!cl)
        return ag_err_set(AG_ERR_NOT_FOUND, "kubeconfig: cluster of context %s not found",
                          ctx_name);
    ag_err e = set_server(c, scalar(map_get(d, cl, "server")));
    if (e)
        return e;
    const char *insecure = scalar(map_get(d, cl, "insecure-skip-tls-verify"));
    c->insecure = insecure && strcmp(insecure, "true") == 0;
    e = credential(d, cl, "certificate-authority", base_dir, &c->ca_pem, &c->ca_len);
    if (e)
        return e;
    yaml_node_t *us = us_name ? named(d, root, "users", "user", us_name) : NULL;
    if (!us)
        return AG_OK; /* anonymous */
    if (map_get(d, us, "exec") || map_get(d, us, "auth-provider"))
        return ag_err_set(AG_ERR_UNSUPPORTED,
                          "kubeconfig: user %s uses an exec plugin or auth provider", us_name);
    e = credential(d, us, "client-certificate", base_dir, &c->cert_pem, &c->cert_len);
    if (!e)
        e = credential(d, us, "client-key", base_dir, &c->key_pem, &c->key_len);
    if (e)
        return e;
    if (!c->cert_pem != !c->key_pem)
        return ag_err_set(AG_ERR_DECODE,
                          "kubeconfig: user %s has a client certificate without "
                          "a key or a key without a certificate",
                          us_name);
    const char *token = scalar(map_get(d, us, "token"));
    const char *token_file = scalar(map_get(d, us, "tokenFile"));
    if (token) {
        c->token = strdup(token);
        if (!c->token)
            return ag_err_set(AG_ERR_NOMEM, "kubeconfig: token");
    } else if (token_file) {
        size_t n;
        e = credential(d, us, "tokenFile", base_dir, &c->token, &n);
        if (e)
            return e;
    }
    if (c->token) {
        size_t n = strlen(c->token);
        while (n > 0 && (c->token[n - 1] == '\n' || c->token[n - 1] == '\r'))
            c->token[--n] = '\0';
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)c->token[i] < 0x21 || (unsigned char)c->token[i] > 0x7e)
                return ag_err_set(AG_ERR_DECODE, "kubeconfig: token has a non-printable byte");
    }
    return AG_OK;
}

ag_err provider_kube_config_parse(provider_kube_config *out, const char *text, size_t len,
                                  const char *base_dir)
{
    memset(out, 0, sizeof *out);
    if (len > KUBECONFIG_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "kubeconfig: %zu bytes", len);
    yaml_parser_t p;
    yaml_document_t d;
    if (!yaml_parser_initialize(&p))
        return ag_err_set(AG_ERR_NOMEM, "kubeconfig: parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &d)) {
        ag_err e = ag_err_set(AG_ERR_DECODE, "kubeconfig: YAML error at line %zu: %s",
                              p.problem_mark.line + 1, p.problem ? p.problem : "?");
        yaml_parser_delete(&p);
        return e;
    }
    ag_err e = from_document(out, &d, base_dir);
    yaml_document_delete(&d);
    yaml_parser_delete(&p);
    if (e)
        provider_kube_config_clear(out);
    return e;
}

ag_err provider_kube_config_load(provider_kube_config *out, const char *path)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    ag_err e = read_file(path, KUBECONFIG_MAX, &text, &len);
    if (e)
        return e;
    char base[4096];
    snprintf(base, sizeof base, "%s", path);
    char *slash = strrchr(base, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(base, sizeof base, ".");
    e = provider_kube_config_parse(out, text, len, base);
    ag_wipe(text, len);
    free(text);
    return e;
}

ag_err provider_kube_config_in_cluster(provider_kube_config *out, const char *sa_dir)
{
    memset(out, 0, sizeof *out);
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !port || !*host || !*port)
        return ag_err_set(AG_ERR_NOT_FOUND, "in-cluster: KUBERNETES_SERVICE_HOST/PORT not set");
    char server[PROVIDER_KUBE_SERVER_MAX + 64];
    bool v6 = strchr(host, ':') != NULL;
    snprintf(server, sizeof server, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
    ag_err e = set_server(out, server);
    if (e)
        return e;
    if (!sa_dir)
        sa_dir = SA_DIR_DEFAULT;
    char path[4096];
    size_t n;
    snprintf(path, sizeof path, "%s/token", sa_dir);
    e = read_file(path, CRED_FILE_MAX, &out->token, &n);
    if (!e) {
        while (n > 0 && (out->token[n - 1] == '\n' || out->token[n - 1] == '\r'))
            out->token[--n] = '\0';
        snprintf(path, sizeof path, "%s/ca.crt", sa_dir);
        e = read_file(path, CRED_FILE_MAX, &out->ca_pem, &out->ca_len);
    }
    if (e)
        provider_kube_config_clear(out);
    return e;
}

static void wipe_free(char **p, size_t len)
{
    if (*p) {
        ag_wipe(*p, len);
        free(*p);
        *p = NULL;
    }
}

void provider_kube_config_clear(provider_kube_config *c)
{
    if (!c)
        return;
    wipe_free(&c->ca_pem, c->ca_len);
    wipe_free(&c->cert_pem, c->cert_len);
    wipe_free(&c->key_pem, c->key_len);
    wipe_free(&c->token, c->token ? strlen(c->token) : 0);
    memset(c, 0, sizeof *c);
}
