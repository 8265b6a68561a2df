/*
 * bench_localnet — a network of real agorad processes on loopback (kvstore
 * app, fast timeout profile, homes from `agorad testnet`): blocks per second
 * and the block interval p50/p99 (the `ms=` of the nodes' `committed` log
 * lines: time between two commits on node0), empty and under a steady load
 * of kvstore txs sent with broadcast_tx_async over the RPC (round robin over
 * the four nodes) at a fixed rate; under load also the tx commit latency
 * p50/p99 (broadcast to the commit log line of the block holding it on node0,
 * the block's txs read back over RPC).
 *
 * Limits, measured or stated in the same run:
 *   - the profile's timeout_commit: a height waits at least that long after
 *     the previous commit, so blocks/s <= 1000 / timeout_commit_ms;
 *   - one validator alone (same binary, profile and app): the network's
 *     ceiling without any round trips between validators;
 *   - the secp256k1 verification rate on one core: every node verifies each
 *     vote (2 x 4 per height) and the proposal.
 *
 * Usage: bench_localnet [--seconds S] [--rate TXS_PER_S] [--agorad PATH]
 *   defaults 10 s per phase, 200 tx/s, agorad next to this program
 *   (../bin/agorad). Temporary homes in /tmp, removed at exit.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "consensus/core.h"
#include "crypto/keys.h"
#include "lib/base64.h"

#define NODES     4
#define PATH_CAP  4096
#define LINE_CAP  1024
#define TX_PREFIX "bench"

static char agorad[PATH_CAP];
static char tmpdir[64];
static pid_t pids[NODES];

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void stop_all(int sig)
{
    for (int i = 0; i < NODES; i++)
        if (pids[i] > 0) {
            kill(pids[i], sig);
            int st;
            waitpid(pids[i], &st, 0);
            pids[i] = 0;
        }
}

static void cleanup(void)
{
    stop_all(SIGKILL);
    if (tmpdir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_localnet: could not remove %s\n", tmpdir);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "bench_localnet: %s\n", what);
    exit(1);
}

/* `agorad testnet` of N kvstore validators with fast timeouts in OUT, output
 * to /dev/null; exits on failure. */
static void run_testnet(const char *out, const char *n, const char *base)
{
    pid_t p = fork();
    if (p < 0)
        die("fork");
    if (p == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(agorad, agorad, "testnet", "--validators", n, "--output", out, "--app", "kvstore",
              "--fast", "--base-port", base, "--chain-id", "bench-localnet", (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die("agorad testnet failed");
}

static void log_path(char *out, size_t cap, const char *net, int i)
{
    snprintf(out, cap, "%s/%s/node%d/agorad.log", tmpdir, net, i);
}

static pid_t start_node(const char *net, int i)
{
    char home[PATH_CAP], log[PATH_CAP];
    snprintf(home, sizeof home, "%s/%s/node%d", tmpdir, net, i);
    log_path(log, sizeof log, net, i);
    pid_t p = fork();
    if (p < 0)
        die("fork");
    if (p == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(agorad, agorad, "start", "--home", home, (char *)NULL);
        _exit(127);
    }
    return p;
}

/* One `committed` line of a node's log. */
typedef struct commit_rec {
    long height, txs;
    long ms;         /* since the previous commit on that node */
    int64_t wall_ms; /* the line's timestamp */
} commit_rec;

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* The committed lines of LOG from byte offset FROM; returns the count
 * (at most cap). */
static size_t read_commits(const char *log, long from, commit_rec *out, size_t cap)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return 0;
    if (fseek(f, from, SEEK_SET) != 0) {
        fclose(f);
        return 0;
    }
    char line[LINE_CAP];
    size_t n = 0;
    while (n < cap && fgets(line, sizeof line, f)) {
        const char *c = strstr(line, "committed height=");
        const char *m = strstr(line, " ms=");
        const char *t = strstr(line, " txs=");
        if (!c || !m || !t)
            continue;
        struct tm tm = {0};
        int msec = 0;
        if (sscanf(line, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min, &tm.tm_sec, &msec) != 7)
            continue;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        commit_rec *r = &out[n++];
        r->height = strtol(c + strlen("committed height="), NULL, 10);
        r->txs = strtol(t + 5, NULL, 10);
        r->ms = strtol(m + 4, NULL, 10);
        r->wall_ms = (int64_t)timegm(&tm) * 1000 + msec;
    }
    fclose(f);
    return n;
}

static long last_height(const char *log)
{
    static commit_rec recs[1 << 16];
    long from = file_size(log) - 64 * 1024;
    size_t n = read_commits(log, from > 0 ? from : 0, recs, sizeof recs / sizeof recs[0]);
    return n ? recs[n - 1].height : 0;
}

static void wait_height(const char *net, int nodes, long target, double secs)
{
    double end = mono_s() + secs;
    for (;;) {
        int ok = 1;
        for (int i = 0; i < nodes; i++) {
            char log[PATH_CAP];
            log_path(log, sizeof log, net, i);
            if (last_height(log) < target)
                ok = 0;
            int st;
            if (waitpid(pids[i], &st, WNOHANG) == pids[i]) {
                pids[i] = 0;
                fprintf(stderr, "bench_localnet: %s node%d exited (log %s)\n", net, i, log);
                exit(1);
            }
        }
        if (ok)
            return;
        if (mono_s() > end)
            die("the network did not reach its first heights in time");
        sleep_s(0.05);
    }
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static long pct(long *v, size_t n, double p)
{
    if (n == 0)
        return -1;
    qsort(v, n, sizeof *v, cmp_long);
    size_t k = (size_t)(p * (double)(n - 1) + 0.5);
    return v[k];
}

typedef struct phase {
    double blocks_per_s;
    long p50, p99, max;
    size_t blocks;
} phase;

/* Blocks of node0's log between byte offset FROM and now, over SECS. */
static phase summarize(const char *log, long from, double secs)
{
    static commit_rec recs[1 << 16];
    static long ms[1 << 16];
    size_t n = read_commits(log, from, recs, sizeof recs / sizeof recs[0]);
    phase ph = {0};
    for (size_t i = 0; i < n; i++)
        ms[i] = recs[i].ms;
    ph.blocks = n;
    ph.blocks_per_s = (double)n / secs;
    ph.p50 = pct(ms, n, 0.50);
    ph.p99 = pct(ms, n, 0.99);
    ph.max = n ? ms[n - 1] : -1;
    return ph;
}

typedef struct membuf {
    char *b;
    size_t len;
} membuf;

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    membuf *m = ud;
    size_t add = size * nmemb;
    if (m->len + add > (64u << 20))
        return 0; /* refuse absurd answers */
    char *nb = realloc(m->b, m->len + add + 1);
    if (!nb)
        return 0;
    memcpy(nb + m->len, ptr, add);
    m->b = nb;
    m->len += add;
    m->b[m->len] = 0;
    return add;
}

/* secp256k1 verifications per second on this core (about 0.5 s). */
static double verify_rate(void)
{
    crypto_privkey k;
    crypto_pubkey pub;
    crypto_sig sig;
    const char msg[] = "a vote's sign bytes";
    if (crypto_privkey_generate(&k) != AG_OK || crypto_pubkey_from_privkey(&pub, &k) != AG_OK ||
        crypto_sign(&sig, &k, msg, sizeof msg) != AG_OK)
        die("crypto");
    crypto_privkey_wipe(&k);
    double t0 = mono_s(), t;
    long n = 0;
    do {
        for (int i = 0; i < 200; i++)
            if (crypto_verify(&pub, msg, sizeof msg, sig.b, sizeof sig.b) == AG_OK)
                n++;
        t = mono_s() - t0;
    } while (t < 0.5);
    return (double)n / t;
}

typedef struct load_result {
    long sent, rejected;
    double offered_per_s;
    long committed;
    long lat_p50, lat_p99, lat_max;
} load_result;

/* Sends kvstore txs "bench<i>=<i>" at RATE per second for SECS seconds,
 * round robin over the nodes' RPC; send_ms[i] is tx i's send time. */
static void send_load(int base, double rate, double secs, int64_t *send_ms, long cap,
                      load_result *res)
{
    CURL *h[NODES];
    char url[NODES][64];
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    for (int i = 0; i < NODES; i++) {
        h[i] = curl_easy_init();
        if (!h[i])
            die("curl_easy_init");
        snprintf(url[i], sizeof url[i], "http://127.0.0.1:%d/", base + 10 * i + 1);
        curl_easy_setopt(h[i], CURLOPT_URL, url[i]);
        curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 5L);
    }
    double t0 = mono_s();
    long i = 0;
    for (; i < cap; i++) {
        double due = t0 + (double)i / rate;
        if (due - t0 >= secs)
            break;
        sleep_s(due - mono_s());
        char tx[64], b64[128], body[256];
        int tl = snprintf(tx, sizeof tx, TX_PREFIX "%ld=%ld", i, i);
        ag_base64_encode(b64, (const uint8_t *)tx, (size_t)tl);
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"broadcast_tx_async\","
                 "\"params\":{\"tx\":\"%s\"}}",
                 i, b64);
        membuf m = {0};
        CURL *c = h[i % NODES];
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
        send_ms[i] = wall_ms();
        CURLcode cr = curl_easy_perform(c);
        json_t *j = cr == CURLE_OK && m.b ? json_loads(m.b, 0, NULL) : NULL;
        json_t *code = j ? json_object_get(json_object_get(j, "result"), "code") : NULL;
        if (!json_is_integer(code) || json_integer_value(code) != 0)
            res->rejected++;
        json_decref(j);
        free(m.b);
    }
    res->sent = i;
    res->offered_per_s = (double)i / (mono_s() - t0);
    for (int k = 0; k < NODES; k++)
        curl_easy_cleanup(h[k]);
    curl_slist_free_all(hdr);
}

/* For every block with txs in node0's log from FROM: read its txs over RPC
 * and the latency from each tx's send time to the block's commit line. */
static void tx_latency(const char *log, long from, int base, const int64_t *send_ms, long sent,
                       load_result *res)
{
    static commit_rec recs[1 << 16];
    size_t n = read_commits(log, from, recs, sizeof recs / sizeof recs[0]);
    long *lat = calloc((size_t)sent + 1, sizeof *lat);
    if (!lat)
        die("out of memory");
    long nl = 0;
    CURL *c = curl_easy_init();
    if (!c)
        die("curl_easy_init");
    for (size_t r = 0; r < n; r++) {
        if (recs[r].txs == 0)
            continue;
        char url[96];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/block?height=%ld", base + 1, recs[r].height);
        membuf m = {0};
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
        json_t *j = curl_easy_perform(c) == CURLE_OK && m.b ? json_loads(m.b, 0, NULL) : NULL;
        free(m.b);
        json_t *txs =
            j ? json_object_get(
                    json_object_get(json_object_get(json_object_get(j, "result"), "block"), "data"),
                    "txs")
              : NULL;
        size_t k;
        json_t *v;
        json_array_foreach(txs, k, v)
        {
            const char *s = json_string_value(v);
            uint8_t raw[128];
            size_t rl;
            if (!s || strlen(s) > 160 ||
                ag_base64_decode(raw, sizeof raw - 1, &rl, s, strlen(s)) != AG_OK)
                continue;
            raw[rl] = 0;
            long id;
            if (sscanf((const char *)raw, TX_PREFIX "%ld=", &id) == 1 && id >= 0 && id < sent &&
                nl < sent)
                lat[nl++] = (long)(recs[r].wall_ms - send_ms[id]);
        }
        json_decref(j);
    }
    curl_easy_cleanup(c);
    res->committed = nl;
    res->lat_p50 = pct(lat, (size_t)nl, 0.50);
    res->lat_p99 = pct(lat, (size_t)nl, 0.99);
    res->lat_max = nl ? lat[nl - 1] : -1;
    free(lat);
}

static void make_net(const char *name, int n, int base)
{
    char out[PATH_CAP], nv[16], bp[16];
    snprintf(out, sizeof out, "%s/%s", tmpdir, name);
    snprintf(nv, sizeof nv, "%d", n);
    snprintf(bp, sizeof bp, "%d", base);
    run_testnet(out, nv, bp);
}

static void find_agorad(const char *argv0)
{
    char self[PATH_CAP];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        snprintf(self, sizeof self, "%s", argv0);
    else
        self[n] = 0;
    snprintf(agorad, sizeof agorad, "%s/../bin/agorad", dirname(self));
}

int main(int argc, char **argv)
{
    double secs = 10, rate = 200;
    find_agorad(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            secs = atof(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--agorad") == 0 && i + 1 < argc)
            snprintf(agorad, sizeof agorad, "%s", argv[++i]);
        else {
            fprintf(stderr, "usage: bench_localnet [--seconds S] [--rate TXS_PER_S] "
                            "[--agorad PATH]\n");
            return 2;
        }
    }
    if (!(secs >= 1 && secs <= 600) || !(rate >= 1 && rate <= 5000))
        die("--seconds must be 1..600 and --rate 1..5000");
    if (access(agorad, X_OK) != 0) {
        fprintf(stderr, "bench_localnet: no agorad at %s (build it, or --agorad PATH)\n", agorad);
        return 1;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/bench_localnet.XXXXXX");
    if (!mkdtemp(tmpdir))
        die("mkdtemp");
    atexit(cleanup);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        die("curl_global_init");
    srand((unsigned)getpid());
    int base = 20000 + (rand() % 1200) * 10; /* below the ephemeral ports (32768+) */
    char log0[PATH_CAP];

    /* Limit: one validator alone. */
    make_net("single", 1, base + 100);
    pids[0] = start_node("single", 0);
    wait_height("single", 1, 3, 60);
    log_path(log0, sizeof log0, "single", 0);
    long off = file_size(log0);
    sleep_s(secs);
    phase single = summarize(log0, off, secs);
    stop_all(SIGTERM);

    /* Four validators, empty blocks. */
    make_net("net", NODES, base);
    for (int i = 0; i < NODES; i++)
        pids[i] = start_node("net", i);
    wait_height("net", NODES, 3, 60);
    log_path(log0, sizeof log0, "net", 0);
    off = file_size(log0);
    sleep_s(secs);
    phase empty = summarize(log0, off, secs);

    /* Four validators under a steady tx load. */
    long cap = (long)(rate * secs) + 16;
    int64_t *send_ms = calloc((size_t)cap, sizeof *send_ms);
    if (!send_ms)
        die("out of memory");
    load_result lr = {0};
    off = file_size(log0);
    double t0 = mono_s();
    send_load(base, rate, secs, send_ms, cap, &lr);
    double load_secs = mono_s() - t0;
    phase loaded = summarize(log0, off, load_secs);
    sleep_s(2); /* the last txs' blocks */
    tx_latency(log0, off, base, send_ms, lr.sent, &lr);
    free(send_ms);
    stop_all(SIGTERM);
    double vps = verify_rate();

    cons_core_config fast = cons_core_config_fast();
    printf("bench_localnet: real agorad processes on loopback, kvstore app, fast timeouts "
           "(timeout_commit %u ms), %.0f s per phase\n",
           fast.commit_ms, secs);
    printf("  limit: timeout_commit                  %7.1f blocks/s at most\n",
           1000.0 / fast.commit_ms);
    printf("  limit: 1 validator alone               %7.1f blocks/s  interval p50 %4ld ms  p99 "
           "%4ld ms  (%zu blocks)\n",
           single.blocks_per_s, single.p50, single.p99, single.blocks);
    printf("  4 validators, empty                    %7.1f blocks/s  interval p50 %4ld ms  p99 "
           "%4ld ms  (%zu blocks)\n",
           empty.blocks_per_s, empty.p50, empty.p99, empty.blocks);
    printf("  4 validators, %5.0f tx/s offered   %7.1f blocks/s  interval p50 %4ld ms  p99 "
           "%4ld ms  (%zu blocks)\n",
           lr.offered_per_s, loaded.blocks_per_s, loaded.p50, loaded.p99, loaded.blocks);
    printf("    txs: %ld sent (%ld rejected), %ld committed (%.1f tx/s); commit latency p50 %ld "
           "ms  p99 %ld ms  max %ld ms\n",
           lr.sent, lr.rejected, lr.committed, (double)lr.committed / load_secs, lr.lat_p50,
           lr.lat_p99, lr.lat_max);
    printf("  limit: secp256k1 verify on 1 core      %7.0f /s  (a height costs each node ~9: "
           "%.0f heights/s)\n",
           vps, vps / 9);
    curl_global_cleanup();
    return 0;
}
