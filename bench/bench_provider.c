/*
 * bench_provider — lease commit to objects written, end to end on real
 * processes: one agorad (market app, fast profile, home from `agorad
 * testnet`), the `agora` CLI for the tenant's txs, and `agora-provider
 * --dry-run DIR` bidding and reconciling. N leases are created one after
 * another (order, the daemon's bid, the tenant accepts); for each, the time
 * from the node's "committed height=H" log line of the lease's block to the
 * newest file of the lease's namespace directory (the dry-run sink rewrites
 * a file only when its content changes, so the newest one is the last
 * object written for it).
 *
 * Limit, measured in the same run: the block interval (the `ms=` of the
 * node's committed lines while the leases were made): a provider that
 * writes a lease's objects within one block of its commit keeps up with
 * the chain.
 *
 * Usage: bench_provider [--leases N] [--bin DIR]
 *   defaults 20 leases, the programs next to this one (../bin).
 *   Temporary homes in /tmp, removed at exit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/rfc3339.h"

#define PATH_CAP  4096
#define CMD_CAP   8192
#define LEASE_MAX 1000

static char bin[PATH_CAP];
static char tmpdir[64];
static pid_t node_pid, prov_pid;
static int base_port;

static void stop_all(void)
{
    /* Only the two processes this program started, by their ids. */
    if (prov_pid > 0)
        kill(prov_pid, SIGKILL);
    if (node_pid > 0)
        kill(node_pid, SIGKILL);
    if (prov_pid > 0)
        waitpid(prov_pid, NULL, 0);
    if (node_pid > 0)
        waitpid(node_pid, NULL, 0);
    prov_pid = node_pid = 0;
    if (tmpdir[0]) {
        char cmd[PATH_CAP];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_provider: could not remove %s\n", tmpdir);
        tmpdir[0] = 0;
    }
}

static void die(const char *what)
{
    fprintf(stderr, "bench_provider: %s\n", what);
    if (tmpdir[0]) {
        char cmd[PATH_CAP];
        snprintf(cmd, sizeof cmd, "tail -n 15 '%s/provider.log' '%s/node.log' >&2", tmpdir, tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "(no logs)\n");
    }
    stop_all();
    exit(1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Run a shell command; its stdout (at most cap - 1 bytes) in out. The
 * commands are built here from fixed text and numbers the chain returned
 * as JSON integers, never from free text. */
static int run(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[CMD_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = 0;
    if (out && cap) {
        n = fread(out, 1, cap - 1, p);
        out[n] = 0;
    } else {
        char sink[512];
        while (fread(sink, 1, sizeof sink, p) > 0) {
        }
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define AGORA      "'%s/agora' --home '%s/cli' --node http://127.0.0.1:%d --keyring-backend test"
#define AGORA_ARGS bin, tmpdir, base_port + 1

static pid_t spawn(const char *log, const char *const argv[])
{
    pid_t p = fork();
    if (p < 0)
        die("fork");
    if (p == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        char *args[16];
        size_t n = 0;
        for (; argv[n] && n < 15; n++)
            args[n] = strdup(argv[n]); /* execv wants char *; the child execs or exits */
        args[n] = NULL;
        execv(args[0], args);
        _exit(127);
    }
    return p;
}

static bool str_is(json_t *v, const char *want)
{
    const char *s = json_string_value(v);
    return s && !strcmp(s, want);
}

/* The value of attribute `key` of the first event `type` in a tx result. */
static int64_t event_attr(const char *json, const char *type, const char *key)
{
    json_t *j = json_loads(json, 0, NULL);
    json_t *evs = json_object_get(json_object_get(j, "tx_result"), "events");
    int64_t v = -1;
    size_t i, k;
    json_t *e, *a;
    json_array_foreach(evs, i, e)
    {
        if (!str_is(json_object_get(e, "type"), type))
            continue;
        json_array_foreach(json_object_get(e, "attributes"), k, a)
        {
            const char *s = json_string_value(json_object_get(a, "value"));
            if (str_is(json_object_get(a, "key"), key) && s)
                v = strtoll(s, NULL, 10);
        }
        break;
    }
    json_decref(j);
    return v;
}

/* Milliseconds (wall clock) of the node's "committed height=H" line, or -1. */
static int64_t commit_ms(int64_t height)
{
    char path[PATH_CAP], want[64];
    snprintf(path, sizeof path, "%s/node.log", tmpdir);
    snprintf(want, sizeof want, "node: committed height=%" PRId64 " ", height);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int64_t t = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, want))
            continue;
        char *sp = strchr(line, ' ');
        int64_t s;
        int32_t ns;
        if (sp && !ag_rfc3339_parse(line, (size_t)(sp - line), &s, &ns))
            t = s * 1000 + ns / 1000000;
        break;
    }
    fclose(f);
    return t;
}

/* The block intervals (ms=) of the node's commits after height `from`. */
static size_t block_intervals(int64_t from, double *out, size_t cap)
{
    char path[PATH_CAP];
    snprintf(path, sizeof path, "%s/node.log", tmpdir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1024];
    size_t n = 0;
    while (n < cap && fgets(line, sizeof line, f)) {
        const char *h = strstr(line, "node: committed height=");
        const char *m = strstr(line, " ms=");
        if (h && m && strtoll(h + 23, NULL, 10) > from)
            out[n++] = strtod(m + 4, NULL);
    }
    fclose(f);
    return n;
}

/* Newest mtime (ms) of the files of a lease's namespace directory once it
 * has a Deployment, else -1. */
static int64_t objects_ms(int64_t lease)
{
    char dir[PATH_CAP];
    snprintf(dir, sizeof dir, "%s/dry/agora-lease-%" PRId64, tmpdir, lease);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    bool deployment = false;
    int64_t newest = -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[PATH_CAP + 256];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st))
            continue;
        int64_t t = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        if (t > newest)
            newest = t;
        if (!strncmp(e->d_name, "Deployment-", 11))
            deployment = true;
    }
    closedir(d);
    return deployment ? newest : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static void setup(void)
{
    char out[4096];
    if (run(NULL, 0,
            "echo 'abandon abandon abandon abandon abandon abandon abandon abandon abandon "
            "abandon abandon about' | " AGORA " keys import tenant",
            AGORA_ARGS) ||
        run(NULL, 0, AGORA " keys add prov", AGORA_ARGS))
        die("keys");
    char tenant[128], prov[128];
    if (run(tenant, sizeof tenant, AGORA " keys show tenant --address", AGORA_ARGS) ||
        run(prov, sizeof prov, AGORA " keys show prov --address", AGORA_ARGS))
        die("key addresses");
    tenant[strcspn(tenant, "\n")] = 0;
    prov[strcspn(prov, "\n")] = 0;
    if (run(out, sizeof out,
            "'%s/agorad' testnet --validators 1 --output '%s/net' --app market --fast "
            "--base-port %d --account %s=100000000000 --account %s=200000000uagora",
            bin, tmpdir, base_port, tenant, prov))
        die("agorad testnet");
    char path[PATH_CAP], home[PATH_CAP], log[PATH_CAP];
    snprintf(path, sizeof path, "%s/agorad", bin);
    snprintf(home, sizeof home, "%s/net/node0", tmpdir);
    snprintf(log, sizeof log, "%s/node.log", tmpdir);
    node_pid = spawn(log, (const char *const[]){path, "start", "--home", home, NULL});
    for (int i = 0; run(NULL, 0, AGORA " query block >/dev/null 2>&1", AGORA_ARGS); i++) {
        if (i > 400)
            die("the node did not start");
        sleep_ms(50);
    }
    char ini[PATH_CAP];
    snprintf(ini, sizeof ini, "%s/provider.ini", tmpdir);
    FILE *f = fopen(ini, "w");
    if (!f)
        die("provider.ini");
    fprintf(f,
            "[key]\nname = prov\nhome = %s/cli\nbackend = test\n"
            "[node]\nrpc = http://127.0.0.1:%d\nfeed_pub = tcp://127.0.0.1:%d\n"
            "feed_rep = tcp://127.0.0.1:%d\n"
            "[offer]\nhost_uri = https://provider.example:8443\nattributes = region=eu\n"
            "cpu_millis = 1000000\nmemory_bytes = 1099511627776\nstorage_bytes = 0\n"
            "endpoints = 1000\n"
            "[pricing]\ndenom = uagora\ncpu = 10\nmemory = 5\n"
            "[bid]\ndeposit = 500000uagora\n[withdraw]\ninterval_s = 3600\n"
            "[status]\nlisten = 127.0.0.1:%d\n[daemon]\npoll_ms = 1000\n",
            tmpdir, base_port + 1, base_port + 2, base_port + 3, base_port + 9);
    fclose(f);
    char dry[PATH_CAP], plog[PATH_CAP];
    snprintf(path, sizeof path, "%s/agora-provider", bin);
    snprintf(dry, sizeof dry, "%s/dry", tmpdir);
    snprintf(plog, sizeof plog, "%s/provider.log", tmpdir);
    prov_pid =
        spawn(plog, (const char *const[]){path, "start", "--config", ini, "--dry-run", dry, NULL});
}

/* One lease: order, wait for the daemon's bid, accept. Returns the lease
 * id and the height of the block holding it. */
static int64_t make_lease(int64_t *height)
{
    static char out[65536];
    if (run(out, sizeof out,
            AGORA " tx market order create tenant --image nginx:1.25 --cpu 100 --memory 64Mi "
                  "--port 80 --max-price 100uagora --deposit 5000000uagora --auction-blocks 400 "
                  "--placement region=eu --yes --output json",
            AGORA_ARGS))
        die("order create");
    int64_t order = event_attr(out, "order_created", "order_id");
    if (order < 0)
        die("no order_created event");
    int64_t bid = -1;
    for (int i = 0; bid < 0; i++) {
        if (i > 400)
            die("no bid from the provider");
        if (run(out, sizeof out, AGORA " query bids --order %" PRId64 " --output json", AGORA_ARGS,
                order) == 0) {
            json_t *j = json_loads(out, 0, NULL);
            json_t *b = json_array_get(json_object_get(j, "bids"), 0);
            if (json_is_integer(json_object_get(b, "id")))
                bid = json_integer_value(json_object_get(b, "id"));
            else if (json_is_string(json_object_get(b, "id")))
                bid = strtoll(json_string_value(json_object_get(b, "id")), NULL, 10);
            json_decref(j);
        }
        if (bid < 0)
            sleep_ms(50);
    }
    if (run(out, sizeof out, AGORA " tx market lease create tenant %" PRId64 " --yes --output json",
            AGORA_ARGS, bid))
        die("lease create");
    int64_t lease = event_attr(out, "lease_created", "lease_id");
    json_t *j = json_loads(out, 0, NULL);
    json_t *h = json_object_get(j, "height");
    *height = json_is_integer(h)
                  ? json_integer_value(h)
                  : (json_is_string(h) ? strtoll(json_string_value(h), NULL, 10) : -1);
    json_decref(j);
    if (lease < 0 || *height < 0)
        die("no lease_created event or height");
    return lease;
}

int main(int argc, char **argv)
{
    long leases = 20;
    bin[0] = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--leases") && i + 1 < argc)
            leases = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--bin") && i + 1 < argc)
            snprintf(bin, sizeof bin, "%s", argv[++i]);
        else {
            fprintf(stderr, "usage: bench_provider [--leases N] [--bin DIR]\n");
            return 2;
        }
    }
    if (leases < 1 || leases > LEASE_MAX) {
        fprintf(stderr, "bench_provider: --leases 1..%d\n", LEASE_MAX);
        return 2;
    }
    if (!bin[0]) {
        char self[PATH_CAP];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            die("cannot find this program's directory (use --bin)");
        self[n] = 0;
        snprintf(bin, sizeof bin, "%s/../bin", dirname(self));
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/agora-benchprov.XXXXXX");
    if (!mkdtemp(tmpdir))
        die("mkdtemp");
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    base_port = 20000 + (int)(seed % 1200) * 10;
    printf("bench_provider: %ld leases, ports from %d (seed %u)\n", leases, base_port, seed);
    setup();

    double lat[LEASE_MAX];
    int64_t first_height = -1;
    for (long i = 0; i < leases; i++) {
        int64_t h;
        int64_t lease = make_lease(&h);
        if (first_height < 0)
            first_height = h - 1;
        int64_t t1 = -1;
        for (int k = 0; (t1 = objects_ms(lease)) < 0; k++) {
            if (k > 1000)
                die("the lease's objects were not written within 10 s");
            sleep_ms(10);
        }
        sleep_ms(50); /* a file written just after the Deployment one */
        t1 = objects_ms(lease);
        int64_t t0 = commit_ms(h);
        if (t0 < 0)
            die("no committed line for the lease's block");
        lat[i] = (double)(t1 - t0);
    }
    double intervals[4096];
    size_t ni = block_intervals(first_height, intervals, 4096);
    size_t n = (size_t)leases;
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = lat[i] > max ? lat[i] : max;
    double p50 = pct(lat, n, 0.50), p99 = pct(lat, n, 0.99);
    printf("lease commit (node log) -> last object file written, %zu leases: p50 %.0f ms  p99 "
           "%.0f ms  max %.0f ms\n",
           n, p50, p99, max);
    if (ni)
        printf("limit (same run): block interval p50 %.0f ms over %zu blocks -> %s\n",
               pct(intervals, ni, 0.50), ni,
               p99 <= pct(intervals, ni, 0.50) ? "within one block" : "SLOWER than one block");
    stop_all();
    return 0;
}
