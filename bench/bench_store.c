/*
 * bench_store — the authenticated store against raw RocksDB, same run, same disk.
 *
 * Workload A (Firewood-style): insert N keys (key = value = SHA256(i)),
 * committing every 10,000; then B blocks of 5,000 updates + 2,500 inserts +
 * 2,500 deletes. Workload B (iavl-bench mixed shape): V versions of ~2,500
 * changes, keys of 56 or 24 bytes, values of 100 B to 2 KB, ~27% deletes.
 *
 * For each: committed changes/s, commit latency p50/p99/max (pruning
 * included), bytes on disk per live key, peak RSS; for A also proof size and
 * generation/verification time. The limit printed next to each rate is raw
 * RocksDB WriteBatch puts of the same keys and values, in batches of the same
 * size, fsynced the same way, measured in this run.
 *
 *   bench_store [--keys N] [--blocks B] [--versions V] [--dir D] [--keep K] [--only a|b]
 *               [--sync on|off]   (off: neither side fsyncs; default on)
 * Prints the final app hashes so a nondeterministic or miscompiled build shows.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "lib/hex.h"
#include "lib/rng.h"
#include "state/ics23.h"
#include "state/kv.h"
#include "state/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bool sync_writes = true; /* --no-sync: neither side fsyncs */

static long long dir_bytes;
static int add_size(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    if (flag == FTW_F)
        dir_bytes += st->st_size;
    return 0;
}

static long long disk_usage(const char *dir)
{
    dir_bytes = 0;
    nftw(dir, add_size, 16, FTW_PHYS);
    return dir_bytes;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_store: could not remove %s\n", dir);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, ag_err_detail());
    exit(1);
}

typedef struct latencies {
    double *v;
    size_t n, cap;
} latencies;

static void lat_add(latencies *l, double s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static void lat_print(const char *label, latencies *l)
{
    qsort(l->v, l->n, sizeof *l->v, cmp_double);
    double p50 = l->v[l->n / 2], p99 = l->v[(l->n * 99) / 100], max = l->v[l->n - 1];
    printf("  %-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (p99/p50 %.2f)\n", label, p50 * 1e3,
           p99 * 1e3, max * 1e3, p99 / p50);
}

/* ---- raw RocksDB: the limit ---- */

/* The limit: the same pairs as plain puts, each batch sorted by key (the
 * cheapest order for RocksDB's memtable, which the store also uses). */
typedef struct raw_op {
    const uint8_t *k, *v;
    size_t kl, vl;
    bool del;
} raw_op;

typedef struct raw_db {
    state_kv *kv;
    raw_op *ops;
    uint8_t *arena;
    size_t in_batch, cap, used, arena_cap;
} raw_db;

static void raw_add(raw_db *r, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool del)
{
    if (r->in_batch == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->ops = realloc(r->ops, r->cap * sizeof *r->ops);
    }
    if (!r->arena) {
        r->arena_cap = (size_t)64 << 20;
        r->arena = malloc(r->arena_cap);
    }
    if (r->used + kl + vl > r->arena_cap)
        die("raw arena full");
    uint8_t *p = r->arena + r->used;
    memcpy(p, k, kl);
    if (vl)
        memcpy(p + kl, v, vl);
    r->used += kl + vl;
    r->ops[r->in_batch++] = (raw_op){.k = p, .kl = kl, .v = p + kl, .vl = vl, .del = del};
}

static void raw_put(raw_db *r, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    raw_add(r, k, kl, v, vl, false);
}

static void raw_del(raw_db *r, const uint8_t *k, size_t kl)
{
    raw_add(r, k, kl, NULL, 0, true);
}

static int raw_cmp(const void *a, const void *b)
{
    const raw_op *x = a, *y = b;
    size_t n = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

static void raw_commit(raw_db *r)
{
    if (!r->in_batch)
        return;
    qsort(r->ops, r->in_batch, sizeof *r->ops, raw_cmp);
    state_kv_batch *b;
    if (r->kv->ops->batch_new(r->kv, &b))
        die("raw batch");
    for (size_t i = 0; i < r->in_batch; i++) {
        if (r->ops[i].del)
            r->kv->ops->del(b, STATE_CF_LATEST, r->ops[i].k, r->ops[i].kl);
        else
            r->kv->ops->put(b, STATE_CF_LATEST, r->ops[i].k, r->ops[i].kl, r->ops[i].v,
                            r->ops[i].vl);
    }
    if (r->kv->ops->write(r->kv, b, sync_writes))
        die("raw write");
    r->kv->ops->batch_free(b);
    r->in_batch = 0;
    r->used = 0;
}

/* ---- workload A ---- */

static void key_of(uint64_t i, uint8_t out[32])
{
    crypto_sha256(out, &i, sizeof i);
}

static void workload_a(const char *base, uint64_t nkeys, unsigned blocks, uint64_t keep)
{
    char dir[512], rawdir[512];
    snprintf(dir, sizeof dir, "%s/a-store", base);
    snprintf(rawdir, sizeof rawdir, "%s/a-raw", base);
    rm_rf(dir);
    rm_rf(rawdir);
    const uint64_t per_commit = 10000;
    printf("workload A: %llu inserts committed every %llu, then %u blocks of 5000 updates + "
           "2500 inserts + 2500 deletes (keep %llu versions)\n",
           (unsigned long long)nkeys, (unsigned long long)per_commit, blocks,
           (unsigned long long)keep);

    /* the limit: raw puts of the same pairs, same batch sizes, fsynced */
    state_kv *rkv;
    if (state_kv_open_rocksdb(&rkv, rawdir, NULL))
        die("open raw");
    raw_db raw = {.kv = rkv};
    double t0 = now_s();
    for (uint64_t i = 0; i < nkeys; i++) {
        uint8_t k[32];
        key_of(i, k);
        raw_put(&raw, k, 32, k, 32);
        if (raw.in_batch == per_commit)
            raw_commit(&raw);
    }
    raw_commit(&raw);
    double raw_insert = (double)nkeys / (now_s() - t0);

    state_store *s;
    state_store_options o = {.keep_versions = keep, .no_sync = !sync_writes};
    if (state_store_open_path(&s, dir, &o))
        die("open store");
    latencies lat = {0};
    t0 = now_s();
    for (uint64_t i = 0; i < nkeys; i++) {
        uint8_t k[32];
        key_of(i, k);
        state_store_set(s, k, 32, k, 32);
        if ((i + 1) % per_commit == 0 || i + 1 == nkeys) {
            double c0 = now_s();
            if (state_store_commit(s, NULL, NULL))
                die("commit");
            lat_add(&lat, now_s() - c0);
        }
    }
    double ours_insert = (double)nkeys / (now_s() - t0);
    printf("  inserts:  %9.0f keys/s   raw RocksDB WriteBatch puts: %9.0f keys/s   ratio %.2f\n",
           ours_insert, raw_insert, ours_insert / raw_insert);
    lat_print("insert commit latency (10k keys):", &lat);

    /* mixed blocks: updates of existing keys, inserts of new ones, deletes */
    ag_rng rng;
    ag_rng_seed(&rng, 7);
    uint64_t next = nkeys, low = 0; /* live keys are [low, next) minus nothing: deletes eat low */
    latencies blat = {0};
    double ours_t = 0, raw_t = 0, stage_t = 0;
    state_store_stats sum = {0};
    for (unsigned b = 0; b < blocks; b++) {
        /* the same change set for both */
        static uint8_t keys[10000][32], vals[10000][32];
        static uint8_t dels[10000];
        int n = 0;
        for (int i = 0; i < 5000; i++, n++) {
            key_of(low + 2500 + ag_rng_below(&rng, next - low - 2500), keys[n]);
            ag_rng_fill(&rng, vals[n], 32);
            dels[n] = 0;
        }
        for (int i = 0; i < 2500; i++, n++) {
            key_of(next++, keys[n]);
            memcpy(vals[n], keys[n], 32);
            dels[n] = 0;
        }
        for (int i = 0; i < 2500; i++, n++) {
            key_of(low++, keys[n]);
            dels[n] = 1;
        }
        double c0 = now_s();
        for (int i = 0; i < n; i++) {
            if (dels[i])
                state_store_delete(s, keys[i], 32);
            else
                state_store_set(s, keys[i], 32, vals[i], 32);
        }
        stage_t += now_s() - c0;
        if (state_store_commit(s, NULL, NULL))
            die("commit");
        double dt = now_s() - c0;
        state_store_stats st;
        state_store_stats_get(s, &st);
        sum.hash_ns += st.hash_ns;
        sum.tree_ns += st.tree_ns;
        sum.batch_ns += st.batch_ns;
        sum.write_ns += st.write_ns;
        sum.nodes_written += st.nodes_written;
        ours_t += dt;
        lat_add(&blat, dt);
        c0 = now_s();
        for (int i = 0; i < n; i++) {
            if (dels[i])
                raw_del(&raw, keys[i], 32);
            else
                raw_put(&raw, keys[i], 32, vals[i], 32);
        }
        raw_commit(&raw);
        raw_t += now_s() - c0;
    }
    if (blocks) {
        double ours = blocks * 10000.0 / ours_t, rawr = blocks * 10000.0 / raw_t;
        printf("  blocks:   %9.0f changes/s raw RocksDB WriteBatch:      %9.0f changes/s ratio "
               "%.2f\n",
               ours, rawr, ours / rawr);
        lat_print("block commit latency (10k changes):", &blat);
        printf("  per block: staging %.1f ms, hashing %.1f ms, tree %.1f ms, batch %.1f ms, "
               "write %.1f ms; %.2f nodes written per change\n",
               stage_t / blocks * 1e3, sum.hash_ns / 1e6 / blocks, sum.tree_ns / 1e6 / blocks,
               sum.batch_ns / 1e6 / blocks, sum.write_ns / 1e6 / blocks,
               (double)sum.nodes_written / (blocks * 10000.0));
        state_store_stats st;
        state_store_stats_get(s, &st);
        printf("  node cache: %.1f MiB, %llu hits, %llu misses since open\n",
               (double)st.cache_bytes / 1048576.0, (unsigned long long)st.cache_hits,
               (unsigned long long)st.cache_misses);
    }

    /* proofs at the latest version */
    uint64_t version = state_store_version(s);
    crypto_hash root;
    state_store_root(s, &root);
    ag_buf proof, value;
    ag_buf_init(&proof, 0);
    ag_buf_init(&value, 0);
    double gen = 0, ver = 0;
    size_t total[2] = {0, 0}, maxsz[2] = {0, 0}, nproofs = 0;
    for (int present = 1; present >= 0; present--) {
        for (int i = 0; i < 1000; i++) {
            uint8_t k[32];
            key_of(present ? low + ag_rng_below(&rng, next - low) : next + 1000000 + i, k);
            ag_buf_reset(&proof);
            ag_buf_reset(&value);
            bool exists;
            double c0 = now_s();
            if (state_store_prove(s, version, k, 32, &proof, &value, &exists))
                die("prove");
            double c1 = now_s();
            ag_err err =
                exists ? state_ics23_verify_membership(&root, proof.data, proof.len, k, 32,
                                                       value.data, value.len)
                       : state_ics23_verify_nonmembership(&root, proof.data, proof.len, k, 32);
            ver += now_s() - c1;
            gen += c1 - c0;
            if (err || exists != present)
                die("proof does not verify");
            total[present] += proof.len;
            if (proof.len > maxsz[present])
                maxsz[present] = proof.len;
            nproofs++;
        }
    }
    printf("  proofs: existence avg %zu B (max %zu), non-existence avg %zu B (max %zu); "
           "generate %.1f us, verify %.1f us (mean of %zu)\n",
           total[1] / 1000, maxsz[1], total[0] / 1000, maxsz[0], gen / (double)nproofs * 1e6,
           ver / (double)nproofs * 1e6, nproofs);
    ag_buf_free(&proof);
    ag_buf_free(&value);
    uint64_t live = next - low;
    state_store_close(s);
    state_kv_close(rkv);
    long long bytes = disk_usage(dir), rbytes = disk_usage(rawdir);
    printf("  disk: %.0f B per live key (%llu keys, %.1f MiB); raw RocksDB: %.0f B per key\n",
           (double)bytes / (double)live, (unsigned long long)live, (double)bytes / 1048576.0,
           (double)rbytes / (double)live);
    char hex[65];
    ag_hex_encode(hex, root.b, 32, false);
    printf("  app hash at version %llu: %s\n", (unsigned long long)version, hex);
    free(lat.v);
    free(blat.v);
    rm_rf(dir);
    rm_rf(rawdir);
}

/* ---- workload B ---- */

static void workload_b(const char *base, unsigned versions, uint64_t keep)
{
    char dir[512], rawdir[512];
    snprintf(dir, sizeof dir, "%s/b-store", base);
    snprintf(rawdir, sizeof rawdir, "%s/b-raw", base);
    rm_rf(dir);
    rm_rf(rawdir);
    printf("workload B: %u versions of ~2500 changes, 56/24-byte keys, 100 B-2 KB values, "
           "~27%% deletes (keep %llu versions)\n",
           versions, (unsigned long long)keep);
    state_store *s;
    state_store_options o = {.keep_versions = keep, .no_sync = !sync_writes};
    if (state_store_open_path(&s, dir, &o))
        die("open store");
    state_kv *rkv;
    if (state_kv_open_rocksdb(&rkv, rawdir, NULL))
        die("open raw");
    raw_db raw = {.kv = rkv};
    ag_rng rng;
    ag_rng_seed(&rng, 11);
    uint64_t next = 0, live = 0;
    latencies lat = {0};
    double ours_t = 0, raw_t = 0;
    uint64_t changes = 0;
    static uint8_t val[2048];
    for (unsigned v = 0; v < versions; v++) {
        unsigned n = 2300 + (unsigned)ag_rng_below(&rng, 400);
        static struct {
            uint8_t key[56];
            uint8_t klen;
            uint16_t vlen;
            uint8_t del;
            uint64_t seed;
        } ch[2700];
        for (unsigned i = 0; i < n; i++) {
            bool del = live > 1000 && ag_rng_below(&rng, 100) < 27;
            bool insert = !del && (live < 1000 || ag_rng_below(&rng, 100) < 40);
            uint64_t id = insert ? next++ : ag_rng_below(&rng, next);
            uint8_t h[32];
            crypto_sha256(h, &id, sizeof id);
            ch[i].klen = h[0] & 1 ? 56 : 24;
            for (int j = 0; j < ch[i].klen; j++)
                ch[i].key[j] = h[j % 32] ^ (uint8_t)j;
            ch[i].del = del;
            ch[i].vlen = (uint16_t)(100 + ag_rng_below(&rng, 1949));
            ch[i].seed = ag_rng_next(&rng);
            live += insert;
            live -= del && live;
        }
        double c0 = now_s();
        for (unsigned i = 0; i < n; i++) {
            if (ch[i].del) {
                state_store_delete(s, ch[i].key, ch[i].klen);
            } else {
                memset(val, (int)(ch[i].seed & 0xff), ch[i].vlen);
                memcpy(val, &ch[i].seed, 8);
                state_store_set(s, ch[i].key, ch[i].klen, val, ch[i].vlen);
            }
        }
        if (state_store_commit(s, NULL, NULL))
            die("commit");
        double dt = now_s() - c0;
        ours_t += dt;
        lat_add(&lat, dt);
        c0 = now_s();
        for (unsigned i = 0; i < n; i++) {
            if (ch[i].del) {
                raw_del(&raw, ch[i].key, ch[i].klen);
            } else {
                memset(val, (int)(ch[i].seed & 0xff), ch[i].vlen);
                memcpy(val, &ch[i].seed, 8);
                raw_put(&raw, ch[i].key, ch[i].klen, val, ch[i].vlen);
            }
        }
        raw_commit(&raw);
        raw_t += now_s() - c0;
        changes += n;
    }
    double ours = (double)changes / ours_t, rawr = (double)changes / raw_t;
    printf("  changes:  %9.0f changes/s raw RocksDB WriteBatch:      %9.0f changes/s ratio %.2f\n",
           ours, rawr, ours / rawr);
    lat_print("commit latency (~2500 changes):", &lat);
    crypto_hash root;
    state_store_root(s, &root);
    uint64_t version = state_store_version(s);
    state_store_stats st;
    state_store_stats_get(s, &st);
    state_store_close(s);
    state_kv_close(rkv);
    long long bytes = disk_usage(dir), rbytes = disk_usage(rawdir);
    printf("  disk: %.0f B per live key (~%llu keys, %.1f MiB); raw RocksDB: %.0f B per key\n",
           (double)bytes / (double)(live ? live : 1), (unsigned long long)live,
           (double)bytes / 1048576.0, (double)rbytes / (double)(live ? live : 1));
    char hex[65];
    ag_hex_encode(hex, root.b, 32, false);
    printf("  app hash at version %llu: %s\n", (unsigned long long)version, hex);
    free(lat.v);
    rm_rf(dir);
    rm_rf(rawdir);
}

int main(int argc, char **argv)
{
    uint64_t nkeys = 1000000, keep = 100;
    unsigned blocks = 200, versions = 400;
    const char *base = "build/bench-store";
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--keys"))
            nkeys = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--blocks"))
            blocks = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--versions"))
            versions = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir"))
            base = argv[i + 1];
        else if (!strcmp(argv[i], "--keep"))
            keep = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--only"))
            only = argv[i + 1];
        else if (!strcmp(argv[i], "--sync"))
            sync_writes = strcmp(argv[i + 1], "off") != 0;
        else {
            fprintf(stderr, "usage: bench_store [--keys N] [--blocks B] [--versions V] [--dir D] "
                            "[--keep K] [--only a|b] [--sync on|off]\n");
            return 2;
        }
    }
    if (nkeys < 20000) {
        fprintf(stderr, "bench_store: --keys must be at least 20000\n");
        return 2;
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", base);
    if (system(cmd) != 0)
        return 1;
    if (!only || !strcmp(only, "a"))
        workload_a(base, nkeys, blocks, keep);
    if (!only || !strcmp(only, "b"))
        workload_b(base, versions, keep);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %.0f MiB\n", (double)ru.ru_maxrss / 1024.0);
    return 0;
}
