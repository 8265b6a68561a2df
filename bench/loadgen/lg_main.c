/*
 * loadgen — end-to-end load on a network of real agorad processes on
 * loopback, measured from outside: accepted and committed tx/s, commit
 * latency (submit to the watcher seeing the block), block size and interval,
 * mempool depth, CPU and RSS of every node; each figure printed next to the
 * ceiling measured in the same run: secp256k1 verifications per second on
 * all cores of this machine divided by the number of nodes, since every node
 * must verify every tx's signature once.
 *
 *   loadgen --scenario 1   one validator, bank sends, as fast as accepted
 *   loadgen --scenario 2   four validators, bank sends, rates stepped up to
 *                          60% of the ceiling (the goal) while p50 <= 0.5 s
 *                          and p99 <= 1 s hold; or one window at --rate
 *   loadgen --scenario 3   four validators, the market: orders, bids,
 *                          accepted bids, withdrawals, closes, all in flight
 *   loadgen --scenario 4   four validators, bank sends, a sweep of rates
 *                          stepped up until latency explodes (a table)
 *
 * Options: --seconds S (per phase), --rate R (0: as fast as accepted),
 * --rates R1,R2,... (scenario 4), --nodes N, --accounts N, --flows N
 * (scenario 3), --inflight N (closed loop bound), --conns N (per node),
 * --sync (broadcast_tx_sync; default async), --base-port P, --agorad PATH,
 * --presign-rate R (closed loop: R x seconds txs signed; default
 * min(ceiling, 10000)), --block-max-bytes N (the genesis block size limit),
 * --keep (keep homes and logs), --set SECTION.KEY=VALUE (every node),
 * --seed N.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench/loadgen/lg.h"
#include "lib/log.h"

/* ---- the ceiling ---- */

typedef struct vjob {
    const crypto_pubkey *pub;
    const crypto_sig *sig;
    const uint8_t *digest;
    double secs;
    long ok;
} vjob;

static void *vworker(void *arg)
{
    vjob *j = arg;
    uint64_t end = lg_now_ns() + (uint64_t)(j->secs * 1e9);
    while (lg_now_ns() < end)
        for (int i = 0; i < 100; i++)
            j->ok += crypto_verify_digest(j->pub, j->digest, j->sig->b, CRYPTO_SIG_LEN) == AG_OK;
    return NULL;
}

/* secp256k1 verifications per second on `threads` threads. */
static double verify_rate(int threads, double secs)
{
    crypto_privkey k;
    uint8_t b[32] = {7}, d[32] = {9};
    crypto_pubkey p;
    crypto_sig s;
    if (crypto_privkey_from_bytes(&k, b, 32) || crypto_pubkey_from_privkey(&p, &k) ||
        crypto_sign_digest(&s, &k, d))
        lg_die("crypto");
    vjob jobs[64];
    pthread_t tid[64];
    uint64_t t0 = lg_now_ns();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (vjob){&p, &s, d, secs, 0};
        pthread_create(&tid[i], NULL, vworker, &jobs[i]);
    }
    long ok = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        ok += jobs[i].ok;
    }
    return (double)ok / ((double)(lg_now_ns() - t0) / 1e9);
}

/* ---- one measured window ---- */

typedef struct window {
    double secs, offered;
    uint64_t sent, accepted, rejected, committed, failed, lost;
    double committed_per_s, accepted_per_s;
    double lat_p50, lat_p99, lat_max; /* ms */
    size_t blocks;
    double txs_per_block, max_txs_block, bytes_per_block;
    double interval_p50, interval_p99; /* ms, header times */
    double mempool_mean, mempool_max;
    double node_cpu[LG_MAX_NODES];                         /* % of one core */
    double node_rss[LG_MAX_NODES], node_hwm[LG_MAX_NODES]; /* MiB */
    double self_cpu;
} window;

typedef struct sampler {
    lg_proc p0[LG_MAX_NODES];
    struct rusage self0;
    uint64_t t0;
    double mp_sum, mp_max;
    size_t mp_n;
} sampler;

static double ru_secs(const struct rusage *r)
{
    return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
           (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

static void sampler_start(lg_run *run, sampler *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < run->n_nodes; i++)
        lg_proc_read(run->pid[i], &s->p0[i]);
    getrusage(RUSAGE_SELF, &s->self0);
    s->t0 = lg_now_ns();
}

/* Runs the window for secs seconds, sampling the mempool of node0. */
static void sampler_run(lg_run *run, sampler *s, lg_http *h, double secs)
{
    uint64_t end = s->t0 + (uint64_t)(secs * 1e9);
    while (lg_now_ns() < end) {
        json_t *r = lg_rpc_get(h, run->rpc_port[0], "num_unconfirmed_txs");
        if (r) {
            const char *t = json_string_value(json_object_get(r, "total"));
            double v = t ? atof(t) : 0;
            s->mp_sum += v;
            s->mp_n++;
            if (v > s->mp_max)
                s->mp_max = v;
            json_decref(r);
        }
        lg_sleep_ms(100);
    }
}

static void sampler_end(lg_run *run, sampler *s, window *w)
{
    double dt = (double)(lg_now_ns() - s->t0) / 1e9;
    long tck = sysconf(_SC_CLK_TCK);
    for (int i = 0; i < run->n_nodes; i++) {
        lg_proc p;
        if (lg_proc_read(run->pid[i], &p)) {
            w->node_cpu[i] = 100.0 * (double)(p.cpu_ticks - s->p0[i].cpu_ticks) / (double)tck / dt;
            w->node_rss[i] = (double)p.rss_kib / 1024;
            w->node_hwm[i] = (double)p.hwm_kib / 1024;
        }
    }
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    w->self_cpu = 100.0 * (ru_secs(&self) - ru_secs(&s->self0)) / dt;
    w->mempool_mean = s->mp_n ? s->mp_sum / (double)s->mp_n : 0;
    w->mempool_max = s->mp_max;
}

/* Waits until every tx sent in the window is resolved (or timeout). */
static void drain(lg_run *run, double timeout_s)
{
    uint64_t end = lg_now_ns() + (uint64_t)(timeout_s * 1e9);
    while (lg_now_ns() < end) {
        uint64_t done = atomic_load(&run->n_rejected) + atomic_load(&run->n_committed) +
                        atomic_load(&run->n_failed);
        if (done >= atomic_load(&run->n_sent))
            return;
        lg_sleep_ms(20);
    }
}

/* Figures of the txs submitted in [t0, t1) and the blocks seen then. */
static void window_figures(lg_run *run, uint64_t t0, uint64_t t1, window *w)
{
    w->secs = (double)(t1 - t0) / 1e9;
    pthread_mutex_lock(&run->mu);
    size_t n = run->n_txs;
    pthread_mutex_unlock(&run->mu);
    double *lat = malloc((n ? n : 1) * sizeof *lat);
    size_t nl = 0;
    uint64_t committed_in = 0;
    for (uint32_t i = 0; i < n; i++) {
        lg_tx *t = lg_tx_at(run, i);
        uint8_t st = atomic_load(&t->state);
        if ((st == LG_TX_COMMITTED || st == LG_TX_FAILED) && t->commit_ns >= t0 &&
            t->commit_ns < t1)
            committed_in++;
        if (st == LG_TX_NEW || st == LG_TX_SKIPPED || t->submit_ns < t0 || t->submit_ns >= t1)
            continue;
        w->sent++;
        if (st == LG_TX_REJECTED) {
            w->rejected++;
            continue;
        }
        w->accepted++;
        if (st == LG_TX_COMMITTED || st == LG_TX_FAILED) {
            w->committed += st == LG_TX_COMMITTED;
            w->failed += st == LG_TX_FAILED;
            lat[nl++] = (double)(t->commit_ns - t->submit_ns) / 1e6;
        } else {
            w->lost++;
        }
    }
    w->committed_per_s = (double)committed_in / w->secs;
    w->accepted_per_s = (double)w->accepted / w->secs;
    w->lat_p50 = lg_percentile(lat, nl, 0.50);
    w->lat_p99 = lg_percentile(lat, nl, 0.99);
    w->lat_max = nl ? lat[nl - 1] : -1;
    free(lat);

    pthread_mutex_lock(&run->mu);
    double *iv = malloc((run->n_blocks + 1) * sizeof *iv);
    size_t ni = 0;
    uint64_t txs = 0, bytes = 0;
    for (size_t k = 0; k < run->n_blocks; k++) {
        lg_block *b = &run->blocks[k];
        if (b->seen_ns < t0 || b->seen_ns >= t1)
            continue;
        w->blocks++;
        txs += b->n_txs;
        bytes += b->bytes;
        if (b->n_txs > w->max_txs_block)
            w->max_txs_block = b->n_txs;
        if (k > 0 && run->blocks[k - 1].height == b->height - 1)
            iv[ni++] = (double)(b->time_ns - run->blocks[k - 1].time_ns) / 1e6;
    }
    pthread_mutex_unlock(&run->mu);
    w->txs_per_block = w->blocks ? (double)txs / (double)w->blocks : 0;
    w->bytes_per_block = w->blocks ? (double)bytes / (double)w->blocks : 0;
    w->interval_p50 = lg_percentile(iv, ni, 0.50);
    w->interval_p99 = lg_percentile(iv, ni, 0.99);
    free(iv);
}

static void print_window(const lg_run *run, const window *w, double ceiling)
{
    if (run->market)
        printf("  offered              as fast as the flows go (each step sent when the previous"
               " one is committed)\n");
    else if (w->offered > 0)
        printf("  offered              %.0f tx/s\n", w->offered);
    else
        printf("  offered              as fast as accepted (at most %zu txs in flight)\n",
               run->max_inflight);
    printf("  sent                 %" PRIu64 " in %.1f s (%.0f tx/s); refused by the RPC: %" PRIu64
           "\n",
           w->sent, w->secs, (double)w->sent / w->secs, w->rejected);
    printf("  accepted             %.0f tx/s\n", w->accepted_per_s);
    printf("  committed            %.0f tx/s  = %.0f%% of the ceiling (%.0f tx/s)\n",
           w->committed_per_s, 100 * w->committed_per_s / ceiling, ceiling);
    printf("  of the window's txs  %" PRIu64 " committed ok, %" PRIu64
           " failed in the block, %" PRIu64 " never committed\n",
           w->committed, w->failed, w->lost);
    printf("  commit latency       p50 %.0f ms, p99 %.0f ms, max %.0f ms\n", w->lat_p50, w->lat_p99,
           w->lat_max);
    printf(
        "  blocks               %zu, %.0f txs (%.0f KiB) per block on average, at most %.0f txs\n",
        w->blocks, w->txs_per_block, w->bytes_per_block / 1024, w->max_txs_block);
    printf("  block interval       p50 %.0f ms, p99 %.0f ms (header times)\n", w->interval_p50,
           w->interval_p99);
    printf("  mempool depth        mean %.0f, max %.0f txs (node0, sampled every 100 ms)\n",
           w->mempool_mean, w->mempool_max);
    for (int i = 0; i < run->n_nodes; i++)
        printf("  node%d                CPU %.0f%% of a core, RSS %.0f MiB (peak %.0f MiB)\n", i,
               w->node_cpu[i], w->node_rss[i], w->node_hwm[i]);
    printf("  load generator       CPU %.0f%% of a core\n", w->self_cpu);
}

/* ---- options ---- */

typedef struct opts {
    int scenario;
    double seconds, rate;
    bool rate_set;
    char rates[512];
    int nodes;
    size_t accounts, flows, inflight;
    int conns, base_port;
    double presign_rate;
    uint64_t block_max_bytes;
    bool sync, keep;
    uint64_t seed;
    const char *sets[32];
    size_t n_sets;
    char agorad[4096];
} opts;

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen --scenario 1|2|3|4 [--seconds S] [--rate R] [--rates R1,R2,...]\n"
            "               [--nodes N] [--accounts N] [--flows N] [--inflight N] [--conns N]\n"
            "               [--sync] [--base-port P] [--agorad PATH] [--keep] [--seed N]\n"
            "               [--presign-rate R] [--block-max-bytes N]\n"
            "               [--set SECTION.KEY=VALUE]...\n");
    exit(2);
}

static void parse(opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->seconds = 20;
    o->conns = 2;
    o->base_port = 23000;
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE()                                                                                     \
    do {                                                                                           \
        if (!v)                                                                                    \
            usage();                                                                               \
        i++;                                                                                       \
    } while (0)
        if (!strcmp(a, "--scenario")) {
            TAKE();
            o->scenario = atoi(v);
        } else if (!strcmp(a, "--seconds")) {
            TAKE();
            o->seconds = atof(v);
        } else if (!strcmp(a, "--rate")) {
            TAKE();
            o->rate = atof(v);
            o->rate_set = true;
        } else if (!strcmp(a, "--block-max-bytes")) {
            TAKE();
            o->block_max_bytes = strtoull(v, NULL, 10);
        } else if (!strcmp(a, "--presign-rate")) {
            TAKE();
            o->presign_rate = atof(v);
        } else if (!strcmp(a, "--rates")) {
            TAKE();
            snprintf(o->rates, sizeof o->rates, "%s", v);
        } else if (!strcmp(a, "--nodes")) {
            TAKE();
            o->nodes = atoi(v);
        } else if (!strcmp(a, "--accounts")) {
            TAKE();
            o->accounts = (size_t)atol(v);
        } else if (!strcmp(a, "--flows")) {
            TAKE();
            o->flows = (size_t)atol(v);
        } else if (!strcmp(a, "--inflight")) {
            TAKE();
            o->inflight = (size_t)atol(v);
        } else if (!strcmp(a, "--conns")) {
            TAKE();
            o->conns = atoi(v);
        } else if (!strcmp(a, "--base-port")) {
            TAKE();
            o->base_port = atoi(v);
        } else if (!strcmp(a, "--agorad")) {
            TAKE();
            snprintf(o->agorad, sizeof o->agorad, "%s", v);
        } else if (!strcmp(a, "--seed")) {
            TAKE();
            o->seed = strtoull(v, NULL, 10);
        } else if (!strcmp(a, "--set")) {
            TAKE();
            if (o->n_sets < sizeof o->sets / sizeof o->sets[0])
                o->sets[o->n_sets++] = v;
        } else if (!strcmp(a, "--sync")) {
            o->sync = true;
        } else if (!strcmp(a, "--keep")) {
            o->keep = true;
        } else {
            usage();
        }
#undef TAKE
    }
    if (o->scenario < 1 || o->scenario > 4 || o->seconds <= 0 || o->rate < 0 || o->conns < 1)
        usage();
    if (!o->nodes)
        o->nodes = o->scenario == 1 ? 1 : 4;
    if (o->nodes < 1 || o->nodes > LG_MAX_NODES || o->accounts == 1)
        usage();
}

static void machine_line(int cores)
{
    struct utsname u;
    uname(&u);
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                const char *c = strchr(line, ':');
                if (c)
                    snprintf(model, sizeof model, "%s", c + 2);
                model[strcspn(model, "\n")] = 0;
                break;
            }
        fclose(f);
    }
    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    printf("machine: %d cores, %s, %s %s; %s\n", cores, model, u.sysname, u.release, date);
}

static void find_agorad(opts *o, const char *argv0)
{
    if (o->agorad[0])
        return;
    char self[3072];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        lg_die("cannot find myself (%s); pass --agorad", argv0);
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    snprintf(o->agorad, sizeof o->agorad, "%s/../bin/agorad", self);
    if (access(o->agorad, X_OK) != 0)
        lg_die("no agorad at %s; pass --agorad", o->agorad);
}

/* ---- scenarios ---- */

static lg_run run;

static void start_network(const opts *o, lg_run *r)
{
    lg_net_create(r, o->base_port);
    lg_net_start(r, o->sets, o->n_sets);
    for (int i = 0; i < r->n_nodes; i++)
        lg_net_wait_height(r, i, 2, 60);
    lg_http *h = lg_http_new();
    json_t *st = lg_rpc_get(h, r->rpc_port[0], "status");
    const char *hs =
        json_string_value(json_object_get(json_object_get(st, "sync_info"), "latest_block_height"));
    r->start_height = (hs ? strtoll(hs, NULL, 10) : 1) + 1;
    json_decref(st);
    lg_http_free(h);
}

/* One window of `secs` at the run's rate; fills w. */
static void measure(lg_run *r, double secs, window *w)
{
    lg_http *h = lg_http_new();
    sampler s;
    sampler_start(r, &s);
    uint64_t t0 = s.t0;
    atomic_store(&r->submitting, true);
    sampler_run(r, &s, h, secs);
    atomic_store(&r->submitting, false);
    uint64_t t1 = lg_now_ns();
    sampler_end(r, &s, w);
    drain(r, 20);
    lg_watch_fill_blocks(r, t0, t1);
    window_figures(r, t0, t1, w);
    w->offered = r->rate;
    lg_http_free(h);
}

int main(int argc, char **argv)
{
    opts o;
    parse(&o, argc, argv);
    find_agorad(&o, argv[0]);
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;

    lg_run *r = &run;
    pthread_mutex_init(&r->mu, NULL);
    r->n_nodes = o.nodes;
    r->sync = o.sync;
    r->keep = o.keep;
    r->block_max_bytes = o.block_max_bytes;
    r->conns_per_node = o.conns;
    snprintf(r->agorad, sizeof r->agorad, "%s", o.agorad);

    static const char *names[] = {"", "one validator, bank sends", "four validators, bank sends",
                                  "four validators, mixed market workload",
                                  "saturation sweep, bank sends"};
    printf("== scenario %d: %s (%d node%s, %s) ==\n", o.scenario, names[o.scenario], o.nodes,
           o.nodes > 1 ? "s" : "", o.sync ? "broadcast_tx_sync" : "broadcast_tx_async");
    machine_line(cores);
    double vps = verify_rate(cores, 1.5);
    double ceiling = vps / o.nodes;
    printf("ceiling: %.0f secp256k1 verifications/s on %d cores / %d node%s = %.0f tx/s\n", vps,
           cores, o.nodes, o.nodes > 1 ? "s" : "", ceiling);

    /* the rates of the windows */
    double rates[64];
    size_t n_rates = 0;
    if (o.scenario == 4) {
        if (o.rates[0]) {
            for (char *p = o.rates; *p && n_rates < 64;) {
                char *end;
                double v = strtod(p, &end);
                if (end == p || v <= 0 || (*end && *end != ','))
                    lg_die("--rates: \"%s\" is not a list of positive rates (e.g. 500,1000)",
                           o.rates);
                rates[n_rates++] = v;
                p = *end ? end + 1 : end;
            }
        } else {
            static const double frac[] = {0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0};
            for (size_t k = 0; k < sizeof frac / sizeof frac[0]; k++)
                rates[n_rates++] = floor(ceiling * frac[k] / 100) * 100 + 100;
        }
    } else if (o.scenario == 2 && o.rate_set) {
        rates[n_rates++] = o.rate;
    } else if (o.scenario == 2) {
        /* stepped up to the goal's rate (60% of the ceiling); the answer is
         * the highest rate kept within p50 <= 0.5 s and p99 <= 1 s */
        static const double frac[] = {0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.45, 0.6};
        for (size_t k = 0; k < sizeof frac / sizeof frac[0]; k++)
            rates[n_rates++] = floor(ceiling * frac[k] / 100) * 100 + 100;
    } else {
        rates[n_rates++] = o.rate; /* 0 unless given: closed loop */
    }

    if (o.scenario == 3) {
        size_t flows = o.flows ? o.flows : 400;
        lg_accounts_make(r, 2 * flows, o.seed, 1000, cores);
        r->sync = true; /* a flow's next step needs to know the last was accepted */
        start_network(&o, r);
        pthread_t wt, st;
        lg_watch_start(r, &wt);
        lg_submit_start(r, &st);
        r->rate = 0;
        r->max_inflight = SIZE_MAX;
        lg_market_setup(r, flows);
        window w = {0};
        lg_market_start(r);
        measure(r, o.seconds, &w);
        print_window(r, &w, ceiling);
        lg_market_report(r);
        atomic_store(&r->stop, true);
        pthread_join(st, NULL);
        pthread_join(wt, NULL);
        lg_net_stop(r);
        lg_net_cleanup(r);
        return 0;
    }

    /* bank sends: each window's txs are signed before it starts, spread
     * over the accounts (round r = every account's r-th send); a closed
     * loop gets presign_rate x seconds of them and says so if it runs out */
    size_t accounts = o.accounts ? o.accounts : 20000;
    double presign_rate = o.presign_rate > 0 ? o.presign_rate : fmin(ceiling, 10000);
    r->max_inflight = o.inflight ? o.inflight : 2000;
    if (r->max_inflight >= accounts)
        r->max_inflight = accounts / 2;
    uint64_t t = lg_now_ns();
    lg_accounts_make(r, accounts, o.seed, 1000, cores);
    printf("%zu accounts made on %d threads in %.1f s\n", accounts, cores,
           (double)(lg_now_ns() - t) / 1e9);
    t = lg_now_ns();
    start_network(&o, r);
    printf("network of %d up in %.1f s (genesis with %zu accounts); RPC ports", o.nodes,
           (double)(lg_now_ns() - t) / 1e9, accounts);
    for (int i = 0; i < o.nodes; i++)
        printf(" %d", r->rpc_port[i]);
    printf("\n");
    pthread_t wt, st;
    lg_watch_start(r, &wt);
    lg_submit_start(r, &st);

    window ws[64];
    size_t done = 0;
    int best = -1; /* the last step kept within the bounds */
    for (size_t k = 0; k < n_rates; k++) {
        r->rate = rates[k];
        memset(&ws[k], 0, sizeof ws[k]);
        double want = (rates[k] > 0 ? rates[k] : presign_rate) * o.seconds * 1.05 + 1000;
        size_t before = r->n_txs;
        t = lg_now_ns();
        lg_presign_bank(r, (size_t)ceil(want / (double)accounts), cores);
        printf("%s%zu bank sends pre-signed on %d threads in %.1f s\n", n_rates > 1 ? "  " : "",
               r->n_txs - before, cores, (double)(lg_now_ns() - t) / 1e9);
        uint64_t sent0 = atomic_load(&r->n_sent) + atomic_load(&r->n_skipped);
        measure(r, o.seconds, &ws[k]);
        if (atomic_load(&r->n_sent) + atomic_load(&r->n_skipped) - sent0 >= r->n_txs - before)
            printf("  (the window used every pre-signed tx: the figure is a lower bound; "
                   "rerun with a higher --presign-rate)\n");
        done++;
        if (n_rates == 1) {
            print_window(r, &ws[k], ceiling);
        } else {
            window *w = &ws[k];
            printf(
                "  step %zu: offered %.0f tx/s -> committed %.0f tx/s, p50 %.0f ms, p99 %.0f ms\n",
                k + 1, w->offered, w->committed_per_s, w->lat_p50, w->lat_p99);
            bool kept =
                w->committed_per_s >= 0.9 * w->offered &&
                (o.scenario == 4 ? w->lat_p99 <= 2000 : w->lat_p50 <= 500 && w->lat_p99 <= 1000);
            if (!kept)
                break; /* latency exploded or the network fell behind */
            best = (int)k;
        }
    }
    if (n_rates > 1) {
        printf(
            "\n| offered tx/s | committed tx/s | of ceiling | p50 ms | p99 ms | max ms | txs/block "
            "| mempool max | node CPU %% (sum) | refused |\n");
        printf("|---|---|---|---|---|---|---|---|---|---|\n");
        for (size_t k = 0; k < done; k++) {
            window *w = &ws[k];
            double cpu = 0;
            for (int i = 0; i < o.nodes; i++)
                cpu += w->node_cpu[i];
            printf("| %.0f | %.0f | %.0f%% | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %" PRIu64
                   " |\n",
                   w->offered, w->committed_per_s, 100 * w->committed_per_s / ceiling, w->lat_p50,
                   w->lat_p99, w->lat_max, w->txs_per_block, w->mempool_max, cpu, w->rejected);
        }
    }
    if (r->first_reject[0])
        printf("first refusal: %s\n", r->first_reject);
    if (n_rates > 1 && best >= 0) {
        window *w = &ws[best];
        printf("sustained: %.0f tx/s committed (%.0f%% of the ceiling) at p50 %.0f ms, p99 %.0f ms"
               " (%s)\n",
               w->committed_per_s, 100 * w->committed_per_s / ceiling, w->lat_p50, w->lat_p99,
               o.scenario == 4 ? "p99 <= 2 s" : "p50 <= 0.5 s, p99 <= 1 s");
    } else if (n_rates > 1) {
        printf("sustained: not even the first step kept within the bounds\n");
    }
    if (o.scenario == 1 || o.scenario == 2) {
        window *w = n_rates > 1 ? (best >= 0 ? &ws[best] : NULL) : &ws[0];
        bool ok = w && w->committed_per_s >= 0.6 * ceiling &&
                  (o.scenario == 1 || (w->lat_p50 <= 500 && w->lat_p99 <= 1000));
        printf("goal (%s): %s\n",
               o.scenario == 1 ? ">= 60% of the ceiling"
                               : ">= 60% of the ceiling with p50 <= 0.5 s and p99 <= 1 s",
               ok ? "reached" : "not reached");
    }
    atomic_store(&r->stop, true);
    pthread_join(st, NULL);
    pthread_join(wt, NULL);
    printf("event feed: %" PRIu64 " catch-ups after lost PUB messages\n",
           atomic_load(&r->feed_gaps));
    lg_net_stop(r);
    lg_net_cleanup(r);
    return 0;
}
