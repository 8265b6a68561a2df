/*
 * smt_update.c — applying a sorted batch of changes to the tree as a new
 * version. Pure with respect to storage: it reads nodes and appends the
 * records to write and the records made stale to an output, which the store
 * writes in one atomic batch.
 *
 * The walk follows the changes down the existing nodes. Where a change
 * lands on an empty slot or a leaf, the subtree is rebuilt from the leaves
 * it now holds; where a node is left with a single leaf (or none) it
 * collapses into its parent's slot. A node whose slots are unchanged is not
 * rewritten. With threads > 1, the root's 16 subtrees are split between two
 * workers, each with its own output, merged in nibble order.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/varint.h"
#include "state/smt.h"

typedef struct upd_ctx {
    const state_smt_reader *r;
    uint64_t version;
    state_smt_output *out;
} upd_ctx;

void state_smt_output_init(state_smt_output *o)
{
    memset(o, 0, sizeof *o);
    ag_buf_init(&o->node_keys, 0);
    ag_buf_init(&o->node_vals, 0);
    ag_buf_init(&o->stale, 0);
    ag_buf_init(&o->cache_ops, 0);
}

void state_smt_output_reset(state_smt_output *o)
{
    ag_buf_reset(&o->node_keys);
    ag_buf_reset(&o->node_vals);
    ag_buf_reset(&o->stale);
    ag_buf_reset(&o->cache_ops);
    o->nodes = 0;
}

void state_smt_output_free(state_smt_output *o)
{
    ag_buf_free(&o->node_keys);
    ag_buf_free(&o->node_vals);
    ag_buf_free(&o->stale);
    ag_buf_free(&o->cache_ops);
}

static ag_err append_output(state_smt_output *dst, const state_smt_output *src)
{
    ag_err err = ag_buf_append(&dst->node_keys, src->node_keys.data, src->node_keys.len);
    if (!err)
        err = ag_buf_append(&dst->node_vals, src->node_vals.data, src->node_vals.len);
    if (!err)
        err = ag_buf_append(&dst->stale, src->stale.data, src->stale.len);
    if (!err)
        err = ag_buf_append(&dst->cache_ops, src->cache_ops.data, src->cache_ops.len);
    dst->nodes += src->nodes;
    return err;
}

static ag_err emit_node(upd_ctx *c, const crypto_hash *path, unsigned depth,
                        const state_smt_node *n, state_smt_slot *slot)
{
    uint8_t key[STATE_SMT_NODE_KEY_MAX];
    size_t klen = state_smt_node_key(key, c->version, path, depth);
    state_smt_entry e;
    state_smt_node_hash(n, &e, NULL);
    size_t mark = c->out->node_vals.len;
    ag_err err = ag_buf_append_byte(&c->out->node_keys, (uint8_t)klen);
    if (!err)
        err = ag_buf_append(&c->out->node_keys, key, klen);
    if (!err)
        err = ag_buf_append(&c->out->node_vals, "\0\0\0\0", 4);
    if (!err)
        err = state_smt_node_encode(n, &c->out->node_vals);
    if (err)
        return err;
    uint32_t len = (uint32_t)(c->out->node_vals.len - mark - 4);
    memcpy(c->out->node_vals.data + mark, &len, 4);
    c->out->nodes++;
    *slot = (state_smt_slot){.kind = SMT_CHILD, .version = c->version, .hash = e.hash};
    return AG_OK;
}

static ag_err emit_stale_node(upd_ctx *c, uint64_t version, const crypto_hash *path, unsigned depth)
{
    uint8_t rec[1 + AG_UVARINT_MAX + STATE_SMT_PATH_MAX];
    size_t n = 0;
    rec[n++] = 'N';
    n += ag_uvarint_encode(rec + n, version);
    rec[n++] = (uint8_t)depth;
    size_t nbytes = (depth + 1) / 2;
    memcpy(rec + n, path->b, nbytes);
    if (depth % 2)
        rec[n + nbytes - 1] &= 0xf0;
    n += nbytes;
    return ag_buf_append(&c->out->stale, rec, n);
}

/* A path whose node disappears (collapsed or emptied): the cache must forget
 * it after the write. Rewritten nodes need nothing: their new record replaces
 * the cached one. */
static ag_err emit_cache_forget(upd_ctx *c, const crypto_hash *path, unsigned depth)
{
    uint8_t op[1 + 1 + 32] = {'R', (uint8_t)depth};
    memcpy(op + 2, path->b, 32);
    return ag_buf_append(&c->out->cache_ops, op, sizeof op);
}

static ag_err emit_stale_leaf(upd_ctx *c, const state_smt_slot *leaf)
{
    uint8_t rec[1 + AG_UVARINT_MAX + 32];
    size_t n = 0;
    rec[n++] = 'L';
    n += ag_uvarint_encode(rec + n, leaf->version);
    memcpy(rec + n, leaf->key_hash.b, 32);
    return ag_buf_append(&c->out->stale, rec, n + 32);
}

static int hash_cmp(const crypto_hash *a, const crypto_hash *b)
{
    return memcmp(a->b, b->b, 32);
}

static bool slot_equal(const state_smt_slot *a, const state_smt_slot *b)
{
    return a->kind == b->kind && (a->kind == SMT_EMPTY ||
                                  (a->version == b->version && hash_cmp(&a->hash, &b->hash) == 0));
}

/* Build the subtree holding exactly `leaves` (sorted, distinct, sharing the
 * first `depth` nibbles) from scratch. */
static ag_err build(upd_ctx *c, const state_smt_slot *leaves, size_t m, unsigned depth,
                    state_smt_slot *out)
{
    if (m == 0) {
        *out = (state_smt_slot){.kind = SMT_EMPTY};
        return AG_OK;
    }
    if (m == 1) {
        *out = leaves[0];
        return AG_OK;
    }
    if (depth >= STATE_SMT_MAX_DEPTH)
        return ag_err_set(AG_ERR_INTERNAL, "tree: two leaves share a full key hash");
    state_smt_node node;
    memset(&node, 0, sizeof node);
    size_t i = 0;
    while (i < m) {
        unsigned nib = state_smt_nibble(&leaves[i].key_hash, depth);
        size_t j = i + 1;
        while (j < m && state_smt_nibble(&leaves[j].key_hash, depth) == nib)
            j++;
        ag_err err = build(c, leaves + i, j - i, depth + 1, &node.slot[nib]);
        if (err)
            return err;
        i = j;
    }
    return emit_node(c, &leaves[0].key_hash, depth, &node, out);
}

/* A change set landing on an empty slot or a leaf: merge, mark no-ops, rebuild. */
static ag_err rebuild(upd_ctx *c, const state_smt_slot *old, unsigned depth, state_smt_change *ch,
                      size_t n, state_smt_slot *out)
{
    state_smt_slot stackbuf[17];
    state_smt_slot *leaves = n + 1 <= 17 ? stackbuf : malloc((n + 1) * sizeof *leaves);
    if (!leaves)
        return ag_err_set(AG_ERR_NOMEM, "tree: rebuild of %zu leaves", n + 1);
    bool old_leaf = old->kind == SMT_LEAF, old_done = !old_leaf;
    size_t m = 0;
    ag_err err = AG_OK;
    for (size_t i = 0; i < n && !err; i++) {
        state_smt_change *x = &ch[i];
        int cmp = old_done ? 1 : hash_cmp(&old->key_hash, &x->key_hash);
        if (cmp < 0) {
            leaves[m++] = *old; /* keep key-hash order */
            old_done = true;
        }
        if (cmp == 0) {
            old_done = true;
            if (!x->del && hash_cmp(&x->leaf_hash, &old->hash) == 0) {
                x->noop = true;
                leaves[m++] = *old;
                continue;
            }
            err = emit_stale_leaf(c, old); /* deleted or replaced */
        }
        if (x->del) {
            x->noop = cmp != 0; /* deleting an absent key changes nothing */
            continue;
        }
        x->noop = false;
        leaves[m++] = (state_smt_slot){
            .kind = SMT_LEAF, .version = c->version, .hash = x->leaf_hash, .key_hash = x->key_hash};
    }
    if (!err && !old_done)
        leaves[m++] = *old;
    if (!err)
        err = build(c, leaves, m, depth, out);
    if (leaves != stackbuf)
        free(leaves);
    return err;
}

static ag_err update_slot(upd_ctx *c, const state_smt_slot *old, unsigned depth,
                          state_smt_change *ch, size_t n, state_smt_slot *out);

/* Apply changes below a loaded node (not the root, handled by state_smt_update). */
static ag_err update_node(upd_ctx *c, state_smt_node *node, const state_smt_slot *old,
                          unsigned depth, state_smt_change *ch, size_t n, state_smt_slot *out)
{
    bool changed = false;
    size_t i = 0;
    while (i < n) {
        unsigned nib = state_smt_nibble(&ch[i].key_hash, depth);
        size_t j = i + 1;
        while (j < n && state_smt_nibble(&ch[j].key_hash, depth) == nib)
            j++;
        state_smt_slot slot;
        ag_err err = update_slot(c, &node->slot[nib], depth + 1, ch + i, j - i, &slot);
        if (err)
            return err;
        if (!slot_equal(&slot, &node->slot[nib])) {
            node->slot[nib] = slot;
            changed = true;
        }
        i = j;
    }
    if (!changed) {
        *out = *old;
        return AG_OK;
    }
    const crypto_hash *path = &ch[0].key_hash;
    if (old->kind == SMT_CHILD) {
        ag_err err = emit_stale_node(c, old->version, path, depth);
        if (err)
            return err;
    }
    int present = 0, leaves = 0, last = -1;
    for (int k = 0; k < 16; k++) {
        if (node->slot[k].kind != SMT_EMPTY) {
            present++;
            last = k;
        }
        leaves += node->slot[k].kind == SMT_LEAF;
    }
    if (present == 0) {
        *out = (state_smt_slot){.kind = SMT_EMPTY};
        return emit_cache_forget(c, path, depth);
    }
    if (present == 1 && leaves == 1) {
        *out = node->slot[last]; /* a lone leaf rises into the parent's slot */
        return emit_cache_forget(c, path, depth);
    }
    return emit_node(c, path, depth, node, out);
}

static ag_err update_slot(upd_ctx *c, const state_smt_slot *old, unsigned depth,
                          state_smt_change *ch, size_t n, state_smt_slot *out)
{
    if (old->kind != SMT_CHILD)
        return rebuild(c, old, depth, ch, n, out);
    state_smt_node node;
    ag_err err = state_smt_load(c->r, old->version, &ch[0].key_hash, depth, &old->hash, &node);
    if (err)
        return err;
    return update_node(c, &node, old, depth, ch, n, out);
}

/* ---- two workers over the root's subtrees ---- */

typedef struct root_job {
    upd_ctx ctx;
    state_smt_node *root;
    state_smt_change *ch;
    size_t begin, end; /* change range, aligned to root nibbles */
    state_smt_slot slots[16];
    bool touched[16];
    ag_err err;
} root_job;

static void run_root_job(root_job *job)
{
    size_t i = job->begin;
    while (i < job->end && !job->err) {
        unsigned nib = state_smt_nibble(&job->ch[i].key_hash, 0);
        size_t j = i + 1;
        while (j < job->end && state_smt_nibble(&job->ch[j].key_hash, 0) == nib)
            j++;
        job->err =
            update_slot(&job->ctx, &job->root->slot[nib], 1, job->ch + i, j - i, &job->slots[nib]);
        job->touched[nib] = true;
        i = j;
    }
}

static void *root_worker(void *arg)
{
    run_root_job(arg);
    return NULL;
}

/* Changes below this count are not worth a thread. */
#define SMT_PARALLEL_MIN 256

ag_err state_smt_update(const state_smt_reader *r, uint64_t root_version,
                        const crypto_hash *root_hash, uint64_t version, state_smt_change *changes,
                        size_t n, int threads, state_smt_output *out, uint64_t *new_root_version,
                        crypto_hash *new_root)
{
    state_smt_node root;
    memset(&root, 0, sizeof root);
    crypto_hash zero = {{0}};
    if (root_version) {
        ag_err err = state_smt_load(r, root_version, &zero, 0, root_hash, &root);
        if (err)
            return err;
    }
    *new_root_version = root_version;
    *new_root = root_version ? *root_hash : zero;
    if (n == 0)
        return AG_OK;

    /* Split the changes at a root-nibble boundary near the middle. */
    size_t split = n;
    if (threads > 1 && n >= SMT_PARALLEL_MIN) {
        split = n / 2;
        unsigned nib = state_smt_nibble(&changes[split].key_hash, 0);
        while (split < n && state_smt_nibble(&changes[split].key_hash, 0) == nib)
            split++;
    }
    root_job jobs[2];
    memset(jobs, 0, sizeof jobs);
    state_smt_output second;
    state_smt_output_init(&second);
    jobs[0] = (root_job){.ctx = {r, version, out}, .root = &root, .ch = changes, .end = split};
    jobs[1] = (root_job){
        .ctx = {r, version, &second}, .root = &root, .ch = changes, .begin = split, .end = n};
    pthread_t tid;
    bool spawned = split < n && pthread_create(&tid, NULL, root_worker, &jobs[1]) == 0;
    run_root_job(&jobs[0]);
    if (spawned)
        pthread_join(tid, NULL);
    else if (split < n)
        run_root_job(&jobs[1]);
    ag_err err = jobs[0].err ? jobs[0].err : jobs[1].err;
    if (!err)
        err = append_output(out, &second);
    state_smt_output_free(&second);
    if (err)
        return err;

    bool changed = false;
    for (int k = 0; k < 16; k++) {
        for (int j = 0; j < 2; j++) {
            if (jobs[j].touched[k] && !slot_equal(&jobs[j].slots[k], &root.slot[k])) {
                root.slot[k] = jobs[j].slots[k];
                changed = true;
            }
        }
    }
    if (!changed)
        return AG_OK;
    upd_ctx c = {r, version, out};
    if (root_version) {
        err = emit_stale_node(&c, root_version, &zero, 0);
        if (err)
            return err;
    }
    state_smt_slot slot;
    err = emit_node(&c, &zero, 0, &root, &slot);
    if (err)
        return err;
    *new_root_version = version;
    state_smt_entry e;
    state_smt_node_hash(&root, &e, NULL);
    *new_root = e.kind == SMT_EMPTY ? zero : e.hash;
    return AG_OK;
}

void state_smt_output_apply_cache(const state_smt_output *o, state_smt_cache *c)
{
    if (!c)
        return;
    /* Forget the paths whose nodes disappeared, then cache every node written. */
    for (size_t p = 0; p + 34 <= o->cache_ops.len; p += 34) {
        crypto_hash h;
        memcpy(h.b, o->cache_ops.data + p + 2, 32);
        state_smt_cache_remove(c, &h, o->cache_ops.data[p + 1]);
    }
    size_t kp = 0, vp = 0;
    while (kp < o->node_keys.len && vp + 4 <= o->node_vals.len) {
        uint8_t klen = o->node_keys.data[kp];
        const uint8_t *key = o->node_keys.data + kp + 1;
        uint32_t vlen;
        memcpy(&vlen, o->node_vals.data + vp, 4);
        crypto_hash h = {{0}};
        memcpy(h.b, key + 9, (size_t)klen - 9);
        state_smt_cache_put_encoded(c, &h, key[8], state_smt_get_be64(key),
                                    o->node_vals.data + vp + 4, vlen);
        kp += 1 + (size_t)klen;
        vp += 4 + vlen;
    }
}
