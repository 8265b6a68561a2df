/*
 * addrbook.c — a flat array of entries (the book is small: linear scans).
 */
#include "p2p/addrbook.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "genesis/json.h"

struct p2p_addrbook {
    const ag_env *env;
    char *path;
    char self[NODE_ID_LEN + 1];
    p2p_addr_entry *e;
    size_t n, max;
};

static uint64_t now_s(const p2p_addrbook *ab)
{
    return ag_env_wall_ns(ab->env) / 1000000000ull;
}

static p2p_addr_entry *find(const p2p_addrbook *ab, const char *id)
{
    for (size_t i = 0; i < ab->n; i++)
        if (strcmp(ab->e[i].addr.id, id) == 0)
            return &ab->e[i];
    return NULL;
}

static ag_err load(p2p_addrbook *ab)
{
    json_t *root;
    ag_err err = genesis_json_load_file(&root, ab->path, P2P_ADDRBOOK_FILE_MAX);
    if (err == AG_ERR_NOT_FOUND) {
        ag_err_clear();
        return AG_OK;
    }
    if (err)
        return err;
    json_t *arr = json_object_get(root, "addrs");
    if (!json_is_array(arr) || json_integer_value(json_object_get(root, "version")) != 1) {
        json_decref(root);
        return ag_err_set(AG_ERR_DECODE, "addrbook %s: no version 1 \"addrs\" array", ab->path);
    }
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        if (ab->n >= ab->max)
            break;
        const char *s = json_string_value(json_object_get(it, "addr"));
        const char *src = json_string_value(json_object_get(it, "src"));
        p2p_addr_entry e;
        memset(&e, 0, sizeof e);
        if (!s || p2p_netaddr_parse(&e.addr, s, true) != AG_OK || !src ||
            (src[0] && !p2p_node_id_valid(src)) || find(ab, e.addr.id)) {
            json_decref(root);
            ab->n = 0;
            return ag_err_set(AG_ERR_CORRUPT, "addrbook %s: entry %zu is malformed", ab->path, i);
        }
        memcpy(e.src, src, strlen(src) + 1);
        json_int_t v[5];
        const char *keys[5] = {"last_seen", "last_attempt", "last_success", "bad_until",
                               "attempts"};
        for (int k = 0; k < 5; k++) {
            json_t *x = json_object_get(it, keys[k]);
            v[k] = json_is_integer(x) ? json_integer_value(x) : -1;
            if (v[k] < 0 || (k == 4 && v[k] > UINT32_MAX)) {
                json_decref(root);
                ab->n = 0;
                return ag_err_set(AG_ERR_CORRUPT, "addrbook %s: entry %zu: bad %s", ab->path, i,
                                  keys[k]);
            }
        }
        e.last_seen = (uint64_t)v[0];
        e.last_attempt = (uint64_t)v[1];
        e.last_success = (uint64_t)v[2];
        e.bad_until = (uint64_t)v[3];
        e.attempts = (uint32_t)v[4];
        ab->e[ab->n++] = e;
    }
    json_decref(root);
    return AG_OK;
}

ag_err p2p_addrbook_new(p2p_addrbook **out, const char *path, size_t max_entries, const ag_env *env)
{
    *out = NULL;
    if (max_entries == 0 || max_entries > P2P_ADDRBOOK_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "addrbook: size %zu not in 1..%d", max_entries,
                          P2P_ADDRBOOK_MAX);
    p2p_addrbook *ab = calloc(1, sizeof *ab);
    if (!ab)
        return ag_err_set(AG_ERR_NOMEM, "addrbook");
    ab->env = env;
    ab->max = max_entries;
    ab->e = calloc(max_entries, sizeof *ab->e);
    if (!ab->e || (path && !(ab->path = strdup(path)))) {
        p2p_addrbook_free(ab);
        return ag_err_set(AG_ERR_NOMEM, "addrbook");
    }
    if (path) {
        ag_err err = load(ab);
        if (err) {
            p2p_addrbook_free(ab);
            return err;
        }
    }
    *out = ab;
    return AG_OK;
}

void p2p_addrbook_free(p2p_addrbook *ab)
{
    if (!ab)
        return;
    free(ab->e);
    free(ab->path);
    free(ab);
}

void p2p_addrbook_set_self(p2p_addrbook *ab, const char *self_id)
{
    snprintf(ab->self, sizeof ab->self, "%s", self_id);
    p2p_addrbook_remove(ab, self_id);
}

ag_err p2p_addrbook_add(p2p_addrbook *ab, const p2p_netaddr *addr, const char *src)
{
    if (!p2p_node_id_valid(addr->id) || strcmp(addr->id, ab->self) == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "addrbook: address without an ID, or our own");
    struct sockaddr_storage ss;
    ag_err err = p2p_netaddr_sockaddr(addr, &ss);
    if (err)
        return err;
    uint64_t now = now_s(ab);
    p2p_addr_entry *e = find(ab, addr->id);
    if (e) {
        e->last_seen = now;
        if (strcmp(e->addr.host, addr->host) != 0 || e->addr.port != addr->port) {
            /* a node that moved: believe the new address only once the old fails */
            if (e->attempts > 0) {
                e->addr = *addr;
                e->attempts = 0;
            }
        }
        return AG_OK;
    }
    if (ab->n == ab->max) {
        size_t worst = 0;
        for (size_t i = 1; i < ab->n; i++) {
            const p2p_addr_entry *a = &ab->e[i], *w = &ab->e[worst];
            if (a->attempts > w->attempts ||
                (a->attempts == w->attempts && a->last_seen < w->last_seen))
                worst = i;
        }
        ab->e[worst] = ab->e[--ab->n];
    }
    e = &ab->e[ab->n++];
    memset(e, 0, sizeof *e);
    e->addr = *addr;
    snprintf(e->src, sizeof e->src, "%s", src && p2p_node_id_valid(src) ? src : "");
    e->last_seen = now;
    return AG_OK;
}

void p2p_addrbook_remove(p2p_addrbook *ab, const char *id)
{
    p2p_addr_entry *e = find(ab, id);
    if (e)
        *e = ab->e[--ab->n];
}

void p2p_addrbook_mark_attempt(p2p_addrbook *ab, const char *id)
{
    p2p_addr_entry *e = find(ab, id);
    if (e)
        e->last_attempt = now_s(ab);
}

void p2p_addrbook_mark_good(p2p_addrbook *ab, const char *id)
{
    p2p_addr_entry *e = find(ab, id);
    if (e) {
        e->last_success = e->last_seen = now_s(ab);
        e->attempts = 0;
        e->bad_until = 0;
    }
}

void p2p_addrbook_mark_failed(p2p_addrbook *ab, const char *id)
{
    p2p_addr_entry *e = find(ab, id);
    if (!e)
        return;
    if (e->attempts < UINT32_MAX)
        e->attempts++;
    if (e->attempts >= P2P_ADDRBOOK_FAILS_BAD)
        e->bad_until = now_s(ab) + P2P_ADDRBOOK_BAD_SECS;
}

void p2p_addrbook_mark_bad(p2p_addrbook *ab, const char *id, uint64_t secs)
{
    p2p_addr_entry *e = find(ab, id);
    if (e)
        e->bad_until = now_s(ab) + secs;
}

bool p2p_addrbook_is_bad(const p2p_addrbook *ab, const char *id)
{
    const p2p_addr_entry *e = find(ab, id);
    return e && e->bad_until > now_s(ab);
}

size_t p2p_addrbook_size(const p2p_addrbook *ab)
{
    return ab->n;
}

const p2p_addr_entry *p2p_addrbook_get(const p2p_addrbook *ab, const char *id)
{
    return find(ab, id);
}

size_t p2p_addrbook_sample(p2p_addrbook *ab, p2p_netaddr *out, size_t cap,
                           bool (*skip)(void *ctx, const char *id), void *ctx)
{
    if (!cap || !ab->n)
        return 0;
    uint64_t now = now_s(ab);
    size_t *idx = malloc(ab->n * sizeof *idx);
    if (!idx)
        return 0;
    size_t m = 0;
    for (size_t i = 0; i < ab->n; i++) {
        const p2p_addr_entry *e = &ab->e[i];
        if (e->bad_until > now || (skip && skip(ctx, e->addr.id)))
            continue;
        idx[m++] = i;
    }
    size_t k = 0;
    /* partial Fisher-Yates with the env's randomness */
    for (; k < cap && k < m; k++) {
        uint64_t r = 0;
        if (ag_env_random(ab->env, &r, sizeof r) != AG_OK)
            break;
        size_t j = k + (size_t)(r % (m - k));
        size_t t = idx[k];
        idx[k] = idx[j];
        idx[j] = t;
        out[k] = ab->e[idx[k]].addr;
    }
    free(idx);
    return k;
}

ag_err p2p_addrbook_save(const p2p_addrbook *ab)
{
    if (!ab->path)
        return AG_OK;
    json_t *root = json_object();
    json_t *arr = json_array();
    if (!root || !arr) {
        json_decref(root);
        json_decref(arr);
        return ag_err_set(AG_ERR_NOMEM, "addrbook: json");
    }
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "addrs", arr);
    for (size_t i = 0; i < ab->n; i++) {
        const p2p_addr_entry *e = &ab->e[i];
        char s[P2P_ADDR_MAX + 1];
        p2p_netaddr_format(&e->addr, s, sizeof s);
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(root);
            return ag_err_set(AG_ERR_NOMEM, "addrbook: json");
        }
        json_object_set_new(o, "addr", json_string(s));
        json_object_set_new(o, "src", json_string(e->src));
        json_object_set_new(o, "last_seen", json_integer((json_int_t)e->last_seen));
        json_object_set_new(o, "last_attempt", json_integer((json_int_t)e->last_attempt));
        json_object_set_new(o, "last_success", json_integer((json_int_t)e->last_success));
        json_object_set_new(o, "attempts", json_integer((json_int_t)e->attempts));
        json_object_set_new(o, "bad_until", json_integer((json_int_t)e->bad_until));
    }
    ag_err err = genesis_json_save_file(root, ab->path, 0644);
    json_decref(root);
    return err;
}
