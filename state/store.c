/*
 * store.c — versions, staging, the atomic commit, pruning and reads.
 *
 * Records (see kv.h for the column families):
 *   META   "latest" -> version (8 BE); "oldest" -> version (8 BE)
 *   ROOTS  version (8 BE) -> root hash (32) || root node version (varint)
 *   LEAVES (version, key hash) -> varint(klen) || key || value
 *   NODES  (version, depth, path) -> encoded node (smt_node.c)
 *   STALE  version (8 BE) -> records that version made unreachable
 *   LATEST key -> value
 * A commit writes all of them for version V in one batch, so a crash leaves
 * either version V complete or version V-1 untouched.
 *
 * Pruning with keep_versions = K: after committing V the oldest readable
 * version becomes H = V - K + 1. A record listed as stale by version W is
 * needed only by versions < W, so every stale list with W <= H is deleted
 * with the records it names. At most prune_per_commit lists go per commit,
 * so shrinking K never stalls a commit; the backlog drains over later ones.
 */
#include "state/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/varint.h"
#include "state/latest_cache.h"
#include "state/ics23.h"
#include "state/omap.h"
#include "state/smt.h"

static const uint8_t META_LATEST[] = "latest";

/* Slots of the latest-state read cache (~16 MiB). */
#define STORE_LATEST_CACHE_SLOTS 65536
static const uint8_t META_OLDEST[] = "oldest";

struct state_store {
    state_kv *kv;
    state_smt_cache *cache;
    state_latest_cache *latest; /* hot LATEST entries (latest_cache.h) */
    state_smt_reader reader;
    state_store_options opts;
    uint64_t version, oldest;
    uint64_t root_version; /* version holding the latest root node; 0: empty tree */
    uint64_t initial;      /* version of the first commit of an empty store (default 1) */
    crypto_hash root;
    state_omap staged; /* key -> 'S' value | 'D' */
    state_smt_output out;
    state_store_stats stats;
    /* A commit computed by state_store_prepare_commit, not yet written. */
    struct {
        bool active;
        state_kv_batch *batch;
        uint64_t version, oldest, root_version, effective, pruned;
        crypto_hash root;
        uint64_t hash_ns, tree_ns, batch_ns;
    } prep;
};

ag_err state_store_set_initial_version(state_store *s, uint64_t first)
{
    if (s->version || s->prep.active)
        return ag_err_set(AG_ERR_STATE, "store: already at version %llu",
                          (unsigned long long)s->version);
    if (first == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "store: versions start at 1 or later");
    s->initial = first;
    return AG_OK;
}

uint64_t state_store_version(const state_store *s)
{
    return s->version;
}

uint64_t state_store_oldest_version(const state_store *s)
{
    return s->oldest;
}

void state_store_root(const state_store *s, crypto_hash *out)
{
    *out = s->root;
}

size_t state_store_staged(const state_store *s)
{
    return s->staged.count;
}

static ag_err read_meta(state_kv *kv, const uint8_t *name, size_t nlen, uint64_t *out)
{
    ag_buf v;
    ag_buf_init(&v, 64);
    ag_err err = kv->ops->get(kv, STATE_CF_META, name, nlen, &v);
    if (!err && v.len != 8)
        err = ag_err_set(AG_ERR_CORRUPT, "store: metadata '%.*s' is %zu bytes", (int)nlen,
                         (const char *)name, v.len);
    if (!err)
        *out = state_smt_get_be64(v.data);
    ag_buf_free(&v);
    return err;
}

/* Root record of a version: hash and root node version. */
static ag_err read_root(state_store *s, uint64_t version, crypto_hash *hash, uint64_t *node_ver)
{
    if (version == 0) {
        memset(hash, 0, sizeof *hash);
        *node_ver = 0;
        return AG_OK;
    }
    if (version > s->version || version < s->oldest)
        return ag_err_set(AG_ERR_NOT_FOUND, "version %llu is not kept (the store holds %llu..%llu)",
                          (unsigned long long)version, (unsigned long long)s->oldest,
                          (unsigned long long)s->version);
    uint8_t key[8];
    state_smt_be64(key, version);
    ag_buf v;
    ag_buf_init(&v, 64);
    ag_err err = s->kv->ops->get(s->kv, STATE_CF_ROOTS, key, 8, &v);
    size_t used;
    if (err == AG_ERR_NOT_FOUND)
        err = ag_err_set(AG_ERR_CORRUPT, "store: root record of version %llu is missing",
                         (unsigned long long)version);
    else if (!err && (v.len < 33 || ag_uvarint_decode(v.data + 32, v.len - 32, node_ver, &used) ||
                      32 + used != v.len || *node_ver > version))
        err = ag_err_set(AG_ERR_CORRUPT, "store: root record of version %llu is malformed",
                         (unsigned long long)version);
    if (!err)
        memcpy(hash->b, v.data, 32);
    ag_buf_free(&v);
    return err;
}

ag_err state_store_open(state_store **out, state_kv *kv, const state_store_options *opts)
{
    state_store *s = calloc(1, sizeof *s);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "store");
    if (opts)
        s->opts = *opts;
    if (!s->opts.node_cache_bytes)
        s->opts.node_cache_bytes = (size_t)512 << 20;
    if (s->opts.threads <= 0)
        s->opts.threads = 2;
    if (!s->opts.prune_per_commit)
        s->opts.prune_per_commit = 4;
    ag_err err = state_smt_cache_new(&s->cache, s->opts.node_cache_bytes);
    if (err) {
        free(s);
        return err;
    }
    err = state_latest_cache_new(&s->latest, STORE_LATEST_CACHE_SLOTS);
    if (err) {
        state_smt_cache_free(s->cache);
        free(s);
        return err;
    }
    s->kv = kv;
    s->reader = (state_smt_reader){.kv = kv, .cache = s->cache};
    state_omap_init(&s->staged);
    state_smt_output_init(&s->out);

    err = read_meta(kv, META_LATEST, sizeof META_LATEST - 1, &s->version);
    if (err == AG_ERR_NOT_FOUND) {
        s->version = 0;
        err = AG_OK;
    }
    if (!err && s->version) {
        err = read_meta(kv, META_OLDEST, sizeof META_OLDEST - 1, &s->oldest);
        if (!err && (s->oldest == 0 || s->oldest > s->version))
            err = ag_err_set(AG_ERR_CORRUPT, "store: oldest version %llu beyond latest %llu",
                             (unsigned long long)s->oldest, (unsigned long long)s->version);
        if (!err)
            err = read_root(s, s->version, &s->root, &s->root_version);
    }
    if (err) {
        s->kv = NULL; /* still the caller's */
        state_store_close(s);
        return err;
    }
    *out = s;
    return AG_OK;
}

ag_err state_store_open_path(state_store **out, const char *path, const state_store_options *opts)
{
    state_kv *kv;
    ag_err err = state_kv_open_rocksdb(&kv, path, NULL);
    if (err)
        return err;
    err = state_store_open(out, kv, opts);
    if (err)
        state_kv_close(kv);
    return err;
}

void state_store_close(state_store *s)
{
    if (!s)
        return;
    state_store_abort_commit(s);
    state_omap_free(&s->staged);
    state_smt_output_free(&s->out);
    state_smt_cache_free(s->cache);
    state_latest_cache_free(s->latest);
    state_kv_close(s->kv);
    free(s);
}

/* ---- staging ---- */

static ag_err check_key(const uint8_t *key, size_t klen)
{
    if (!key || klen == 0 || klen > STATE_KEY_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "store: key of %zu bytes (allowed 1..%d)", klen,
                          STATE_KEY_MAX);
    return AG_OK;
}

ag_err state_store_get(state_store *s, const uint8_t *key, size_t klen, ag_buf *value)
{
    ag_err err = check_key(key, klen);
    if (err)
        return err;
    const uint8_t *v;
    size_t vlen;
    if (state_omap_get(&s->staged, key, klen, &v, &vlen)) {
        if (v[0] == 'D')
            return AG_ERR_NOT_FOUND;
        return ag_buf_append(value, v + 1, vlen - 1);
    }
    if (state_latest_cache_get(s->latest, key, klen, value, &err))
        return err;
    size_t before = value->len;
    err = s->kv->ops->get(s->kv, STATE_CF_LATEST, key, klen, value);
    if (!err)
        state_latest_cache_put(s->latest, key, klen, value->data + before, value->len - before);
    return err;
}

static ag_err refuse_if_prepared(const state_store *s)
{
    if (s->prep.active)
        return ag_err_set(AG_ERR_STATE,
                          "store: version %llu is prepared; finish or abort it "
                          "before writing",
                          (unsigned long long)s->prep.version);
    return AG_OK;
}

ag_err state_store_set(state_store *s, const uint8_t *key, size_t klen, const uint8_t *value,
                       size_t vlen)
{
    ag_err err = refuse_if_prepared(s);
    if (err)
        return err;
    err = check_key(key, klen);
    if (err)
        return err;
    if (!value || vlen == 0 || vlen > STATE_VALUE_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "store: value of %zu bytes (allowed 1..%u; delete instead of empty)",
                          vlen, STATE_VALUE_MAX);
    return state_omap_put_tagged(&s->staged, key, klen, 'S', value, vlen);
}

ag_err state_store_delete(state_store *s, const uint8_t *key, size_t klen)
{
    ag_err err = refuse_if_prepared(s);
    if (err)
        return err;
    err = check_key(key, klen);
    if (err)
        return err;
    return state_omap_put_tagged(&s->staged, key, klen, 'D', NULL, 0);
}

void state_store_discard(state_store *s)
{
    state_store_abort_commit(s);
    state_omap_clear(&s->staged);
}

/* ---- commit ---- */

/* Monotonic time for the commit's phase statistics only (never state). */
static uint64_t phase_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct pending {
    state_smt_change ch;
    const uint8_t *key, *val; /* borrowed from the staged map */
    size_t klen, vlen;
    size_t raw_index; /* position in raw-key order */
} pending;

static int pending_cmp(const void *a, const void *b)
{
    return memcmp(((const pending *)a)->ch.key_hash.b, ((const pending *)b)->ch.key_hash.b, 32);
}

typedef struct node_rec {
    const uint8_t *key, *val;
    size_t klen, vlen;
} node_rec;

static int node_rec_cmp(const void *a, const void *b)
{
    const node_rec *x = a, *y = b;
    return state_key_cmp(x->key, x->klen, y->key, y->klen);
}

/* Put the tree's node records in key order: RocksDB's memtable reuses its
 * insertion point for ascending keys, several times cheaper than random order. */
static ag_err put_nodes(state_store *s, state_kv_batch *b)
{
    size_t n = s->out.nodes;
    node_rec *recs = malloc((n ? n : 1) * sizeof *recs);
    if (!recs)
        return ag_err_set(AG_ERR_NOMEM, "store: %zu node records", n);
    size_t kp = 0, vp = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t vlen;
        memcpy(&vlen, s->out.node_vals.data + vp, 4);
        recs[i] = (node_rec){.key = s->out.node_keys.data + kp + 1,
                             .klen = s->out.node_keys.data[kp],
                             .val = s->out.node_vals.data + vp + 4,
                             .vlen = vlen};
        kp += 1 + recs[i].klen;
        vp += 4 + (size_t)vlen;
    }
    if (n)
        qsort(recs, n, sizeof *recs, node_rec_cmp);
    ag_err err = AG_OK;
    for (size_t i = 0; i < n && !err; i++)
        err = s->kv->ops->put(b, STATE_CF_NODES, recs[i].key, recs[i].klen, recs[i].val,
                              recs[i].vlen);
    free(recs);
    return err;
}

static ag_err put_leaf(state_kv_batch *b, state_kv *kv, uint64_t version, const pending *p,
                       ag_buf *tmp)
{
    uint8_t key[40];
    state_smt_leaf_key(key, version, &p->ch.key_hash);
    ag_buf_reset(tmp);
    ag_err err = ag_buf_append_uvarint(tmp, p->klen);
    if (!err)
        err = ag_buf_append(tmp, p->key, p->klen);
    if (!err)
        err = ag_buf_append(tmp, p->val, p->vlen);
    if (!err)
        err = kv->ops->put(b, STATE_CF_LEAVES, key, sizeof key, tmp->data, tmp->len);
    return err;
}

/* Delete what one stale list names; returns the number of records. */
static ag_err prune_list(state_kv *kv, state_kv_batch *b, const uint8_t *p, size_t len,
                         uint64_t *count)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i++];
        uint64_t ver;
        size_t used;
        if (ag_uvarint_decode(p + i, len - i, &ver, &used))
            return ag_err_set(AG_ERR_CORRUPT, "store: malformed stale list");
        i += used;
        uint8_t key[STATE_SMT_NODE_KEY_MAX];
        size_t klen;
        state_cf cf;
        if (kind == 'N') {
            if (i >= len || p[i] > STATE_SMT_MAX_DEPTH)
                return ag_err_set(AG_ERR_CORRUPT, "store: malformed stale list");
            unsigned depth = p[i++];
            size_t nbytes = (depth + 1) / 2;
            if (len - i < nbytes)
                return ag_err_set(AG_ERR_CORRUPT, "store: malformed stale list");
            crypto_hash h = {{0}};
            memcpy(h.b, p + i, nbytes);
            i += nbytes;
            klen = state_smt_node_key(key, ver, &h, depth);
            cf = STATE_CF_NODES;
        } else if (kind == 'L') {
            if (len - i < 32)
                return ag_err_set(AG_ERR_CORRUPT, "store: malformed stale list");
            crypto_hash h;
            memcpy(h.b, p + i, 32);
            i += 32;
            state_smt_leaf_key(key, ver, &h);
            klen = 40;
            cf = STATE_CF_LEAVES;
        } else {
            return ag_err_set(AG_ERR_CORRUPT, "store: stale record kind 0x%02x", kind);
        }
        ag_err err = kv->ops->del(b, cf, key, klen);
        if (err)
            return err;
        (*count)++;
    }
    return AG_OK;
}

/* Root records dropped per commit at most, so that shrinking keep_versions on
 * a long chain drains over several commits instead of one huge batch. */
#define STORE_ROOTS_PRUNE_MAX 1024

/* Add the pruning that makes `oldest` the oldest readable version: every
 * stale list of a version <= oldest (needed only by older versions), up to
 * prune_per_commit lists, and the root records below oldest. */
static ag_err add_pruning(state_store *s, state_kv_batch *b, uint64_t old_oldest, uint64_t oldest,
                          uint64_t *pruned)
{
    state_kv_iter *it;
    ag_err err = s->kv->ops->iter_new(s->kv, STATE_CF_STALE, &it);
    if (err)
        return err;
    uint8_t start[8] = {0};
    s->kv->ops->iter_seek(it, start, 8);
    uint32_t lists = 0;
    while (!err && lists < s->opts.prune_per_commit && s->kv->ops->iter_valid(it)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        s->kv->ops->iter_entry(it, &k, &kl, &v, &vl);
        if (kl != 8) {
            err = ag_err_set(AG_ERR_CORRUPT, "store: stale key of %zu bytes", kl);
            break;
        }
        if (state_smt_get_be64(k) > oldest)
            break;
        err = prune_list(s->kv, b, v, vl, pruned);
        if (!err)
            err = s->kv->ops->del(b, STATE_CF_STALE, k, kl);
        lists++;
        s->kv->ops->iter_next(it);
    }
    if (!err)
        err = s->kv->ops->iter_status(it);
    s->kv->ops->iter_free(it);
    for (uint64_t v = old_oldest; !err && v < oldest; v++) {
        uint8_t key[8];
        state_smt_be64(key, v);
        err = s->kv->ops->del(b, STATE_CF_ROOTS, key, 8);
    }
    return err;
}

/* Key hashes and leaf hashes of pending changes [begin, end). */
typedef struct hash_job {
    pending *pend;
    size_t begin, end;
} hash_job;

static void *hash_pending(void *arg)
{
    hash_job *job = arg;
    for (size_t i = job->begin; i < job->end; i++) {
        pending *p = &job->pend[i];
        crypto_sha256(p->ch.key_hash.b, p->key, p->klen);
        if (!p->ch.del) {
            crypto_hash vh;
            crypto_sha256(vh.b, p->val, p->vlen);
            state_smt_leaf_hash(&p->ch.leaf_hash, &p->ch.key_hash, &vh);
        }
    }
    return NULL;
}

/* Below this many changes a second thread costs more than it saves. */
#define STORE_PARALLEL_HASH_MIN 512

ag_err state_store_prepare_commit(state_store *s, uint64_t *version_out, crypto_hash *root_out)
{
    if (s->prep.active) {
        if (version_out)
            *version_out = s->prep.version;
        if (root_out)
            *root_out = s->prep.root;
        return AG_OK;
    }
    uint64_t version = s->version ? s->version + 1 : s->initial ? s->initial : 1;
    size_t n = s->staged.count;
    uint64_t t0 = phase_ns(), t1, t2, t3;
    pending *pend = n ? malloc(n * sizeof *pend) : NULL;
    state_smt_change *changes = n ? malloc(n * sizeof *changes) : NULL;
    if (n && (!pend || !changes)) {
        free(pend);
        free(changes);
        return ag_err_set(AG_ERR_NOMEM, "store: commit of %zu changes", n);
    }
    size_t i = 0;
    for (const state_omap_node *e = state_omap_first(&s->staged); e; e = state_omap_next(e)) {
        const uint8_t *v;
        size_t vl;
        pending *p = &pend[i];
        p->raw_index = i++;
        state_omap_entry(e, &p->key, &p->klen, &v, &vl);
        memset(&p->ch, 0, sizeof p->ch);
        p->ch.del = v[0] == 'D';
        p->val = v + 1;
        p->vlen = vl - 1;
    }
    hash_job jobs[2] = {{pend, 0, n}, {pend, n, n}};
    pthread_t tid;
    bool spawned = false;
    if (s->opts.threads > 1 && n >= STORE_PARALLEL_HASH_MIN) {
        jobs[0].end = jobs[1].begin = n / 2;
        spawned = pthread_create(&tid, NULL, hash_pending, &jobs[1]) == 0;
        if (!spawned)
            jobs[0].end = n;
    }
    hash_pending(&jobs[0]);
    if (spawned)
        pthread_join(tid, NULL);
    if (n)
        qsort(pend, n, sizeof *pend, pending_cmp);
    for (i = 0; i < n; i++)
        changes[i] = pend[i].ch;

    state_smt_output_reset(&s->out);
    t1 = phase_ns();
    uint64_t new_root_version;
    crypto_hash new_root;
    ag_err err = state_smt_update(&s->reader, s->root_version, &s->root, version, changes, n,
                                  s->opts.threads, &s->out, &new_root_version, &new_root);

    t2 = phase_ns();
    state_kv_batch *b = NULL;
    ag_buf tmp;
    ag_buf_init(&tmp, 0);
    uint64_t effective = 0, pruned = 0;
    if (!err)
        err = s->kv->ops->batch_new(s->kv, &b);
    if (!err)
        err = put_nodes(s, b);
    /* leaf records, in key-hash order (their keys are (version, key hash)) */
    bool *noop_raw = n ? calloc(n, sizeof *noop_raw) : NULL;
    if (n && !noop_raw && !err)
        err = ag_err_set(AG_ERR_NOMEM, "store: commit of %zu changes", n);
    for (i = 0; !err && i < n; i++) {
        noop_raw[pend[i].raw_index] = changes[i].noop;
        if (changes[i].noop)
            continue;
        effective++;
        if (!changes[i].del)
            err = put_leaf(b, s->kv, version, &pend[i], &tmp);
    }
    /* the latest-state index, in raw-key order (the staged map's order) */
    i = 0;
    for (const state_omap_node *e = state_omap_first(&s->staged); !err && e;
         e = state_omap_next(e), i++) {
        if (noop_raw[i])
            continue;
        const uint8_t *k, *v;
        size_t kl, vl;
        state_omap_entry(e, &k, &kl, &v, &vl);
        if (v[0] == 'D')
            err = s->kv->ops->del(b, STATE_CF_LATEST, k, kl);
        else
            err = s->kv->ops->put(b, STATE_CF_LATEST, k, kl, v + 1, vl - 1);
    }
    free(noop_raw);
    /* root, stale list, metadata, pruning */
    uint8_t vkey[8], rec[32 + AG_UVARINT_MAX];
    state_smt_be64(vkey, version);
    memcpy(rec, new_root.b, 32);
    size_t rlen = 32 + ag_uvarint_encode(rec + 32, new_root_version);
    if (!err)
        err = s->kv->ops->put(b, STATE_CF_ROOTS, vkey, 8, rec, rlen);
    if (!err && s->out.stale.len)
        err = s->kv->ops->put(b, STATE_CF_STALE, vkey, 8, s->out.stale.data, s->out.stale.len);
    if (!err)
        err = s->kv->ops->put(b, STATE_CF_META, META_LATEST, sizeof META_LATEST - 1, vkey, 8);
    uint64_t oldest = s->oldest ? s->oldest : version;
    if (!err && s->opts.keep_versions && version > s->opts.keep_versions) {
        uint64_t horizon = version - s->opts.keep_versions + 1;
        /* horizon < oldest when keep_versions grew: nothing more to drop */
        uint64_t next = horizon <= oldest                          ? oldest
                        : horizon - oldest > STORE_ROOTS_PRUNE_MAX ? oldest + STORE_ROOTS_PRUNE_MAX
                                                                   : horizon;
        if (next > oldest) {
            err = add_pruning(s, b, oldest, next, &pruned);
            oldest = next;
        } else {
            err = add_pruning(s, b, oldest, oldest, &pruned); /* drain a stale backlog */
        }
    }
    uint8_t okey[8];
    state_smt_be64(okey, oldest);
    if (!err)
        err = s->kv->ops->put(b, STATE_CF_META, META_OLDEST, sizeof META_OLDEST - 1, okey, 8);
    t3 = phase_ns();
    ag_buf_free(&tmp);
    free(changes);
    free(pend);
    if (err) {
        if (b)
            s->kv->ops->batch_free(b);
        return err; /* staged writes kept; nothing changed */
    }
    s->prep.active = true;
    s->prep.batch = b;
    s->prep.version = version;
    s->prep.oldest = oldest;
    s->prep.root_version = new_root_version;
    s->prep.root = new_root;
    s->prep.effective = effective;
    s->prep.pruned = pruned;
    s->prep.hash_ns = t1 - t0;
    s->prep.tree_ns = t2 - t1;
    s->prep.batch_ns = t3 - t2;
    if (version_out)
        *version_out = version;
    if (root_out)
        *root_out = new_root;
    return AG_OK;
}

ag_err state_store_finish_commit(state_store *s)
{
    if (!s->prep.active)
        return ag_err_set(AG_ERR_STATE, "store: no prepared commit to finish");
    uint64_t t3 = phase_ns();
    ag_err err = s->kv->ops->write(s->kv, s->prep.batch, !s->opts.no_sync);
    uint64_t t4 = phase_ns();
    if (err)
        return err; /* still prepared: finish may be retried, or aborted */
    s->kv->ops->batch_free(s->prep.batch);
    s->prep.batch = NULL;
    s->prep.active = false;

    state_smt_output_apply_cache(&s->out, s->cache);
    /* LATEST now holds the staged writes: so does the read cache */
    for (const state_omap_node *e = state_omap_first(&s->staged); e; e = state_omap_next(e)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        state_omap_entry(e, &k, &kl, &v, &vl);
        if (v[0] == 'D')
            state_latest_cache_drop(s->latest, k, kl);
        else
            state_latest_cache_put(s->latest, k, kl, v + 1, vl - 1);
    }
    s->stats = (state_store_stats){.nodes_written = s->out.nodes,
                                   .changes = s->prep.effective,
                                   .pruned_records = s->prep.pruned,
                                   .cache_bytes = state_smt_cache_bytes(s->cache),
                                   .hash_ns = s->prep.hash_ns,
                                   .tree_ns = s->prep.tree_ns,
                                   .batch_ns = s->prep.batch_ns,
                                   .write_ns = t4 - t3};
    s->version = s->prep.version;
    s->oldest = s->prep.oldest;
    s->root_version = s->prep.root_version;
    s->root = s->prep.root;
    state_omap_clear(&s->staged);
    return AG_OK;
}

void state_store_abort_commit(state_store *s)
{
    if (!s->prep.active)
        return;
    s->kv->ops->batch_free(s->prep.batch);
    s->prep.batch = NULL;
    s->prep.active = false;
    state_smt_output_reset(&s->out);
}

bool state_store_prepared(const state_store *s)
{
    return s->prep.active;
}

ag_err state_store_commit(state_store *s, uint64_t *version_out, crypto_hash *root_out)
{
    ag_err err = state_store_prepare_commit(s, version_out, root_out);
    if (err)
        return err;
    err = state_store_finish_commit(s);
    if (err)
        state_store_abort_commit(s);
    return err;
}

void state_store_stats_get(state_store *s, state_store_stats *out)
{
    *out = s->stats;
    state_smt_cache_counts(s->cache, &out->cache_hits, &out->cache_misses);
}

/* ---- past versions ---- */

ag_err state_store_root_at(state_store *s, uint64_t version, crypto_hash *root)
{
    uint64_t node_ver;
    return read_root(s, version, root, &node_ver);
}

/* Key and value of a leaf, checked against the leaf hash in its slot. */
static ag_err load_leaf(state_store *s, const state_smt_slot *leaf, ag_buf *rec,
                        const uint8_t **key, size_t *klen, const uint8_t **val, size_t *vlen)
{
    uint8_t lkey[40];
    state_smt_leaf_key(lkey, leaf->version, &leaf->key_hash);
    ag_buf_reset(rec);
    ag_err err = s->kv->ops->get(s->kv, STATE_CF_LEAVES, lkey, sizeof lkey, rec);
    if (err == AG_ERR_NOT_FOUND)
        return ag_err_set(AG_ERR_CORRUPT, "store: leaf record of version %llu is missing",
                          (unsigned long long)leaf->version);
    if (err)
        return err;
    uint64_t kl;
    size_t used;
    if (ag_uvarint_decode(rec->data, rec->len, &kl, &used) || kl == 0 || kl > rec->len - used ||
        kl == rec->len - used)
        return ag_err_set(AG_ERR_CORRUPT, "store: malformed leaf record of version %llu",
                          (unsigned long long)leaf->version);
    *key = rec->data + used;
    *klen = (size_t)kl;
    *val = *key + kl;
    *vlen = rec->len - used - (size_t)kl;
    crypto_hash kh, vh, lh;
    crypto_sha256(kh.b, *key, *klen);
    crypto_sha256(vh.b, *val, *vlen);
    state_smt_leaf_hash(&lh, &kh, &vh);
    if (memcmp(kh.b, leaf->key_hash.b, 32) || memcmp(lh.b, leaf->hash.b, 32))
        return ag_err_set(AG_ERR_CORRUPT,
                          "store: leaf record of version %llu does not match its hash",
                          (unsigned long long)leaf->version);
    return AG_OK;
}

/* What every read of a past version starts from: the version's root and
 * root node, and the key's hash. */
static ag_err locate(state_store *s, uint64_t version, const uint8_t *key, size_t klen,
                     crypto_hash *root, uint64_t *node_ver, crypto_hash *kh)
{
    ag_err err = check_key(key, klen);
    if (!err)
        err = read_root(s, version, root, node_ver);
    if (!err)
        crypto_sha256(kh->b, key, klen);
    return err;
}

ag_err state_store_get_at(state_store *s, uint64_t version, const uint8_t *key, size_t klen,
                          ag_buf *value)
{
    crypto_hash root, kh;
    uint64_t node_ver;
    ag_err err = locate(s, version, key, klen, &root, &node_ver, &kh);
    if (err)
        return err;
    state_smt_found *f = malloc(sizeof *f);
    if (!f)
        return ag_err_set(AG_ERR_NOMEM, "store: lookup");
    err = state_smt_find(&s->reader, node_ver, &root, &kh, f);
    if (!err && f->leaf.kind != SMT_LEAF)
        err = AG_ERR_NOT_FOUND;
    if (!err) {
        ag_buf rec;
        ag_buf_init(&rec, 0);
        const uint8_t *k, *v;
        size_t kl, vl;
        err = load_leaf(s, &f->leaf, &rec, &k, &kl, &v, &vl);
        if (!err)
            err = ag_buf_append(value, v, vl);
        ag_buf_free(&rec);
    }
    free(f);
    return err;
}

ag_err state_store_prove(state_store *s, uint64_t version, const uint8_t *key, size_t klen,
                         ag_buf *proof, ag_buf *value, bool *exists)
{
    crypto_hash root, kh;
    uint64_t node_ver;
    ag_err err = locate(s, version, key, klen, &root, &node_ver, &kh);
    if (err)
        return err;
    state_smt_found *f = malloc(3 * sizeof *f);
    if (!f)
        return ag_err_set(AG_ERR_NOMEM, "store: proof");
    ag_buf rec[2];
    ag_buf_init(&rec[0], 0);
    ag_buf_init(&rec[1], 0);
    err = state_smt_find(&s->reader, node_ver, &root, &kh, &f[0]);
    if (!err && f[0].leaf.kind == SMT_LEAF) {
        state_ics23_exist e = {.steps = f[0].steps, .nsteps = f[0].nsteps};
        err = load_leaf(s, &f[0].leaf, &rec[0], &e.key, &e.klen, &e.value, &e.vlen);
        if (!err)
            err = state_ics23_encode_existence(proof, &e);
        if (!err)
            err = ag_buf_append(value, e.value, e.vlen);
        *exists = true;
    } else if (!err) {
        *exists = false;
        err = state_smt_neighbors(&s->reader, node_ver, &root, &kh, &f[1], &f[2]);
        state_ics23_exist side[2];
        for (int i = 0; i < 2 && !err; i++) {
            side[i] = (state_ics23_exist){.steps = f[1 + i].steps, .nsteps = f[1 + i].nsteps};
            if (f[1 + i].leaf.kind == SMT_LEAF)
                err = load_leaf(s, &f[1 + i].leaf, &rec[i], &side[i].key, &side[i].klen,
                                &side[i].value, &side[i].vlen);
        }
        if (!err && f[1].leaf.kind != SMT_LEAF && f[2].leaf.kind != SMT_LEAF)
            err = ag_err_set(AG_ERR_NOT_FOUND,
                             "store: version %llu is empty; ICS23 cannot "
                             "prove absence from an empty tree",
                             (unsigned long long)version);
        if (!err)
            err = state_ics23_encode_nonexistence(proof, key, klen,
                                                  f[1].leaf.kind == SMT_LEAF ? &side[0] : NULL,
                                                  f[2].leaf.kind == SMT_LEAF ? &side[1] : NULL);
    }
    ag_buf_free(&rec[0]);
    ag_buf_free(&rec[1]);
    free(f);
    return err;
}

/* ---- iteration: LATEST merged with the staged map ---- */

struct state_store_iter {
    state_store *s;
    state_kv_iter *kv;
    const state_omap_node *st;
    bool from_staged; /* current entry comes from the staged map */
    bool valid;
};

/* Move to the first visible entry at or after the current positions. */
static void iter_settle(state_store_iter *it)
{
    state_kv *kv = it->s->kv;
    for (;;) {
        bool kv_ok = kv->ops->iter_valid(it->kv), st_ok = it->st != NULL;
        if (!kv_ok && !st_ok) {
            it->valid = false;
            return;
        }
        const uint8_t *kk = NULL, *sk = NULL, *sv;
        size_t kkl = 0, skl = 0, svl;
        if (kv_ok)
            kv->ops->iter_entry(it->kv, &kk, &kkl, NULL, NULL);
        if (st_ok)
            state_omap_entry(it->st, &sk, &skl, &sv, &svl);
        int c = !kv_ok ? 1 : !st_ok ? -1 : state_key_cmp(kk, kkl, sk, skl);
        if (c < 0) {
            it->from_staged = false;
            it->valid = true;
            return;
        }
        if (c == 0)
            kv->ops->iter_next(it->kv); /* the staged write shadows the committed one */
        if (sv[0] == 'S') {
            it->from_staged = true;
            it->valid = true;
            return;
        }
        it->st = state_omap_next(it->st); /* staged delete: skip */
    }
}

ag_err state_store_iter_new(state_store *s, state_store_iter **out)
{
    state_store_iter *it = calloc(1, sizeof *it);
    if (!it)
        return ag_err_set(AG_ERR_NOMEM, "store: iterator");
    it->s = s;
    ag_err err = s->kv->ops->iter_new(s->kv, STATE_CF_LATEST, &it->kv);
    if (err) {
        free(it);
        return err;
    }
    *out = it;
    return AG_OK;
}

void state_store_iter_seek(state_store_iter *it, const uint8_t *key, size_t klen)
{
    it->s->kv->ops->iter_seek(it->kv, key, klen);
    it->st = state_omap_seek(&it->s->staged, key, klen);
    iter_settle(it);
}

bool state_store_iter_valid(state_store_iter *it)
{
    return it->valid;
}

void state_store_iter_next(state_store_iter *it)
{
    if (!it->valid)
        return;
    if (it->from_staged)
        it->st = state_omap_next(it->st);
    else
        it->s->kv->ops->iter_next(it->kv);
    iter_settle(it);
}

void state_store_iter_entry(state_store_iter *it, const uint8_t **key, size_t *klen,
                            const uint8_t **value, size_t *vlen)
{
    if (it->from_staged) {
        const uint8_t *v;
        size_t vl;
        state_omap_entry(it->st, key, klen, &v, &vl);
        *value = v + 1;
        *vlen = vl - 1;
    } else {
        it->s->kv->ops->iter_entry(it->kv, key, klen, value, vlen);
    }
}

ag_err state_store_iter_status(state_store_iter *it)
{
    return it->s->kv->ops->iter_status(it->kv);
}

void state_store_iter_free(state_store_iter *it)
{
    if (!it)
        return;
    it->s->kv->ops->iter_free(it->kv);
    free(it);
}
