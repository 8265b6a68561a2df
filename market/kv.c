/* kv.c — write-caching layers over the store. */
#include "market/kv.h"

#include <stdlib.h>

#define TAG_SET 'S'
#define TAG_DEL 'D'

void market_kv_init(market_kv *kv, market_kv *parent, state_store *store)
{
    kv->parent = parent;
    kv->store = store;
    kv->version = 0;
    state_omap_init(&kv->writes);
}

void market_kv_free(market_kv *kv)
{
    state_omap_free(&kv->writes);
}

void market_kv_clear(market_kv *kv)
{
    state_omap_clear(&kv->writes);
}

static ag_err check_pair(size_t klen, size_t vlen, bool is_set)
{
    if (klen == 0 || klen > STATE_KEY_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "kv: key of %zu bytes (allowed 1..%d)", klen,
                          STATE_KEY_MAX);
    if (is_set && (vlen == 0 || vlen > STATE_VALUE_MAX))
        return ag_err_set(AG_ERR_INVALID_ARG, "kv: value of %zu bytes (allowed 1..%u)", vlen,
                          STATE_VALUE_MAX);
    return AG_OK;
}

ag_err market_kv_get(market_kv *kv, const uint8_t *key, size_t klen, ag_buf *val)
{
    for (market_kv *l = kv; l; l = l->parent) {
        const uint8_t *v;
        size_t n;
        if (state_omap_get(&l->writes, key, klen, &v, &n)) {
            if (v[0] == TAG_DEL)
                return AG_ERR_NOT_FOUND;
            return ag_buf_append(val, v + 1, n - 1);
        }
        if (!l->parent)
            return l->version ? state_store_get_at(l->store, l->version, key, klen, val)
                              : state_store_get(l->store, key, klen, val);
    }
    return AG_ERR_INTERNAL;
}

ag_err market_kv_set(market_kv *kv, const uint8_t *key, size_t klen, const uint8_t *val,
                     size_t vlen)
{
    ag_err err = check_pair(klen, vlen, true);
    if (err)
        return err;
    return state_omap_put_tagged(&kv->writes, key, klen, TAG_SET, val, vlen);
}

ag_err market_kv_delete(market_kv *kv, const uint8_t *key, size_t klen)
{
    ag_err err = check_pair(klen, 0, false);
    if (err)
        return err;
    return state_omap_put_tagged(&kv->writes, key, klen, TAG_DEL, NULL, 0);
}

ag_err market_kv_flush(market_kv *kv)
{
    for (const state_omap_node *n = state_omap_first(&kv->writes); n; n = state_omap_next(n)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        state_omap_entry(n, &k, &kl, &v, &vl);
        ag_err err;
        if (kv->parent)
            err = state_omap_put(&kv->parent->writes, k, kl, v, vl);
        else if (v[0] == TAG_DEL)
            err = state_store_delete(kv->store, k, kl);
        else
            err = state_store_set(kv->store, k, kl, v + 1, vl - 1);
        if (err)
            return err;
    }
    state_omap_clear(&kv->writes);
    return AG_OK;
}

static bool below_end(const uint8_t *k, size_t kl, const uint8_t *end, size_t elen)
{
    return !end || state_key_cmp(k, kl, end, elen) < 0;
}

/* Apply layer l (and those below it first) onto the collected range. */
static ag_err overlay(market_kv *l, state_omap *range, const uint8_t *start, size_t slen,
                      const uint8_t *end, size_t elen)
{
    if (l->parent) {
        ag_err err = overlay(l->parent, range, start, slen, end, elen);
        if (err)
            return err;
    }
    for (const state_omap_node *n = state_omap_seek(&l->writes, start, slen); n;
         n = state_omap_next(n)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        state_omap_entry(n, &k, &kl, &v, &vl);
        if (!below_end(k, kl, end, elen))
            break;
        if (v[0] == TAG_DEL) {
            state_omap_del(range, k, kl);
        } else {
            ag_err err = state_omap_put(range, k, kl, v + 1, vl - 1);
            if (err)
                return err;
        }
    }
    return AG_OK;
}

ag_err market_kv_scan(market_kv *kv, const uint8_t *start, size_t slen, const uint8_t *end,
                      size_t elen, market_kv_visit visit, void *arg)
{
    market_kv *bottom = kv;
    while (bottom->parent)
        bottom = bottom->parent;
    if (bottom->version && bottom->version != state_store_version(bottom->store))
        return ag_err_set(AG_ERR_UNSUPPORTED, "kv: scans read only the latest version");
    state_omap range;
    state_omap_init(&range);
    state_store_iter *it;
    ag_err err = state_store_iter_new(bottom->store, &it);
    if (err)
        return err;
    state_store_iter_seek(it, start, slen);
    for (; !err && state_store_iter_valid(it); state_store_iter_next(it)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        state_store_iter_entry(it, &k, &kl, &v, &vl);
        if (!below_end(k, kl, end, elen))
            break;
        err = state_omap_put(&range, k, kl, v, vl);
    }
    if (!err)
        err = state_store_iter_status(it);
    state_store_iter_free(it);
    if (!err)
        err = overlay(kv, &range, start, slen, end, elen);
    for (const state_omap_node *n = state_omap_first(&range); !err && n; n = state_omap_next(n)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        state_omap_entry(n, &k, &kl, &v, &vl);
        if (!visit(arg, k, kl, v, vl))
            break;
    }
    state_omap_free(&range);
    return err;
}
