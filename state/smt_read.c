/* smt_read.c — loading verified nodes, finding a key's leaf with its proof
 * path, and finding the neighbours of an absent key. Reads any kept version. */
#include <stdio.h>
#include <string.h>

#include "lib/hex.h"
#include "state/smt.h"

/* Name a node for an operator: "version 12 path 'a3f'". */
static ag_err node_error(uint64_t version, const crypto_hash *h, unsigned depth, const char *what)
{
    char pathhex[65];
    ag_hex_encode(pathhex, h->b, (depth + 1) / 2, false);
    pathhex[depth] = '\0';
    return ag_err_set(AG_ERR_CORRUPT, "tree node at version %llu path '%s' %s",
                      (unsigned long long)version, pathhex, what);
}

ag_err state_smt_load(const state_smt_reader *r, uint64_t version, const crypto_hash *h,
                      unsigned depth, const crypto_hash *expect, state_smt_node *out)
{
    if (r->cache && state_smt_cache_get(r->cache, h, depth, version, out))
        return AG_OK; /* cached nodes were verified or written by us */
    uint8_t key[STATE_SMT_NODE_KEY_MAX];
    size_t klen = state_smt_node_key(key, version, h, depth);
    ag_buf val;
    ag_buf_init(&val, STATE_SMT_NODE_MAX + 1);
    ag_err err = r->kv->ops->get(r->kv, STATE_CF_NODES, key, klen, &val);
    if (!err)
        err = state_smt_node_decode(out, val.data, val.len);
    ag_buf_free(&val);
    if (err == AG_ERR_NOT_FOUND)
        return node_error(version, h, depth, "is missing");
    if (err == AG_ERR_TOO_LARGE || err == AG_ERR_CORRUPT)
        return node_error(version, h, depth, "is malformed");
    if (err)
        return err;
    state_smt_entry e;
    state_smt_node_hash(out, &e, NULL);
    if (memcmp(e.hash.b, expect->b, 32) != 0)
        return node_error(version, h, depth, "does not match its hash");
    return AG_OK;
}

static bool is_zero(const crypto_hash *h)
{
    static const crypto_hash zero;
    return memcmp(h->b, zero.b, 32) == 0;
}

/* The slot a lifted leaf came from: the only non-empty slot of its range. */
static const state_smt_slot *lifted_slot(const state_smt_node *n, unsigned lo, unsigned hi)
{
    for (unsigned i = lo; i < hi; i++)
        if (n->slot[i].kind != SMT_EMPTY)
            return &n->slot[i];
    return NULL;
}

ag_err state_smt_find(const state_smt_reader *r, uint64_t root_version,
                      const crypto_hash *root_hash, const crypto_hash *key_hash,
                      state_smt_found *out)
{
    memset(&out->leaf, 0, sizeof out->leaf);
    out->nsteps = 0;
    if (root_version == 0 || is_zero(root_hash))
        return AG_OK;
    state_smt_node node;
    crypto_hash expect = *root_hash;
    uint64_t version = root_version;
    for (unsigned depth = 0; depth < STATE_SMT_MAX_DEPTH; depth++) {
        ag_err err = state_smt_load(r, version, key_hash, depth, &expect, &node);
        if (err)
            return err;
        state_smt_levels L;
        state_smt_entry top;
        state_smt_node_hash(&node, &top, &L);
        unsigned nib = state_smt_nibble(key_hash, depth);
        for (unsigned k = 0; k < 4; k++) {
            unsigned idx = nib >> (4 - k);
            const state_smt_entry *cur = &L.e[k][idx];
            if (cur->kind == SMT_EMPTY)
                return AG_OK;
            if (cur->kind == SMT_LEAF) {
                unsigned span = 16u >> k;
                const state_smt_slot *s = lifted_slot(&node, idx * span, idx * span + span);
                if (s && memcmp(s->key_hash.b, key_hash->b, 32) == 0)
                    out->leaf = *s;
                return AG_OK;
            }
            unsigned bit = (nib >> (3 - k)) & 1;
            if (out->nsteps >= 256)
                return ag_err_set(AG_ERR_CORRUPT, "tree: path deeper than 256 levels");
            out->steps[out->nsteps].sibling = L.e[k + 1][2 * idx + (1 - bit)].hash;
            out->steps[out->nsteps].right = bit;
            out->nsteps++;
        }
        const state_smt_slot *s = &node.slot[nib];
        if (s->kind == SMT_EMPTY)
            return AG_OK;
        if (s->kind == SMT_LEAF) {
            if (memcmp(s->key_hash.b, key_hash->b, 32) == 0)
                out->leaf = *s;
            return AG_OK;
        }
        version = s->version;
        expect = s->hash;
    }
    return ag_err_set(AG_ERR_CORRUPT, "tree: no leaf within 64 levels");
}

/* The extreme (max if `want_max`) leaf key hash under a slot at `depth`. */
static ag_err extreme_leaf(const state_smt_reader *r, const state_smt_slot *s,
                           const crypto_hash *path, unsigned depth, bool want_max, crypto_hash *out)
{
    state_smt_slot cur = *s;
    crypto_hash p = *path;
    while (cur.kind == SMT_CHILD) {
        if (depth >= STATE_SMT_MAX_DEPTH)
            return ag_err_set(AG_ERR_CORRUPT, "tree: no leaf within 64 levels");
        state_smt_node n;
        ag_err err = state_smt_load(r, cur.version, &p, depth, &cur.hash, &n);
        if (err)
            return err;
        int pick = -1;
        for (int i = 0; i < 16; i++) {
            int k = want_max ? 15 - i : i;
            if (n.slot[k].kind != SMT_EMPTY) {
                pick = k;
                break;
            }
        }
        if (pick < 0)
            return ag_err_set(AG_ERR_CORRUPT, "tree: empty inner node");
        /* extend the path with the chosen nibble */
        if (depth % 2)
            p.b[depth / 2] = (uint8_t)((p.b[depth / 2] & 0xf0) | pick);
        else
            p.b[depth / 2] = (uint8_t)(pick << 4);
        cur = n.slot[pick];
        depth++;
    }
    *out = cur.key_hash;
    return AG_OK;
}

/* Largest (or smallest, for !before) leaf key hash strictly before (after)
 * `key` in the subtree of node (version, expect) at depth. */
static ag_err neighbor(const state_smt_reader *r, uint64_t version, const crypto_hash *expect,
                       const crypto_hash *key, unsigned depth, bool before, bool *found,
                       crypto_hash *out)
{
    state_smt_node n;
    ag_err err = state_smt_load(r, version, key, depth, expect, &n);
    if (err)
        return err;
    unsigned nib = state_smt_nibble(key, depth);
    const state_smt_slot *s = &n.slot[nib];
    if (s->kind == SMT_CHILD) {
        err = neighbor(r, s->version, &s->hash, key, depth + 1, before, found, out);
        if (err || *found)
            return err;
    } else if (s->kind == SMT_LEAF) {
        int c = memcmp(s->key_hash.b, key->b, 32);
        if (before ? c < 0 : c > 0) {
            *out = s->key_hash;
            *found = true;
            return AG_OK;
        }
    }
    for (int i = 1; i <= 16; i++) {
        int k = before ? (int)nib - i : (int)nib + i;
        if (k < 0 || k > 15)
            break;
        if (n.slot[k].kind == SMT_EMPTY)
            continue;
        crypto_hash p = *key;
        if (depth % 2)
            p.b[depth / 2] = (uint8_t)((p.b[depth / 2] & 0xf0) | k);
        else
            p.b[depth / 2] = (uint8_t)(k << 4);
        *found = true;
        return extreme_leaf(r, &n.slot[k], &p, depth + 1, before, out);
    }
    return AG_OK;
}

ag_err state_smt_neighbors(const state_smt_reader *r, uint64_t root_version,
                           const crypto_hash *root_hash, const crypto_hash *key_hash,
                           state_smt_found *left, state_smt_found *right)
{
    memset(&left->leaf, 0, sizeof left->leaf);
    memset(&right->leaf, 0, sizeof right->leaf);
    left->nsteps = right->nsteps = 0;
    if (root_version == 0 || is_zero(root_hash))
        return AG_OK;
    for (int side = 0; side < 2; side++) {
        bool found = false;
        crypto_hash kh;
        ag_err err = neighbor(r, root_version, root_hash, key_hash, 0, side == 0, &found, &kh);
        if (err)
            return err;
        if (!found)
            continue;
        state_smt_found *f = side == 0 ? left : right;
        err = state_smt_find(r, root_version, root_hash, &kh, f);
        if (err)
            return err;
        if (f->leaf.kind != SMT_LEAF)
            return ag_err_set(AG_ERR_CORRUPT, "tree: neighbour leaf not found again");
    }
    return AG_OK;
}
