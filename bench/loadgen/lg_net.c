/*
 * lg_net.c — the network under load: homes from `agorad testnet`, genesis
 * accounts written into every home's genesis.json, the agorad processes,
 * their CPU and memory from /proc, and JSON-RPC GETs over libcurl.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/loadgen/lg.h"

uint64_t lg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void lg_sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000),
                          (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static lg_run *cleanup_run; /* for lg_die */

void lg_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "loadgen: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (cleanup_run) {
        lg_run *r = cleanup_run;
        cleanup_run = NULL;
        for (int i = 0; i < r->n_nodes; i++)
            if (r->pid[i] > 0)
                kill(r->pid[i], SIGKILL);
        if (r->dir[0])
            fprintf(stderr, "loadgen: node logs kept in %s/node*/agorad.log\n", r->dir);
    }
    exit(1);
}

static void run_wait(pid_t p, const char *what)
{
    int st;
    if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        lg_die("%s failed", what);
}

/* The value of `key = VALUE` in [section] of a config.ini, into out. */
static void config_value(const char *path, const char *section, const char *key, char *out,
                         size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        lg_die("cannot read %s", path);
    char line[512], want[64], prefix[64];
    snprintf(want, sizeof want, "[%s]", section);
    snprintf(prefix, sizeof prefix, "%s = ", key);
    bool in = false;
    out[0] = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '[')
            in = strncmp(line, want, strlen(want)) == 0;
        else if (in && strncmp(line, prefix, strlen(prefix)) == 0) {
            line[strcspn(line, "\r\n")] = 0;
            snprintf(out, cap, "%s", line + strlen(prefix));
        }
    }
    fclose(f);
    if (!out[0])
        lg_die("no [%s] %s in %s", section, key, path);
}

/* The port of `laddr = tcp://host:PORT` in [section] of a config.ini. */
static int config_port(const char *path, const char *section)
{
    char v[256];
    config_value(path, section, "laddr", v, sizeof v);
    const char *c = strrchr(v, ':');
    int port = c ? atoi(c + 1) : -1;
    if (port <= 0)
        lg_die("no port in [%s] laddr of %s", section, path);
    return port;
}

/* Every account, funded, with its number, into the home's genesis. */
static void genesis_add_accounts(const lg_run *run, const char *path)
{
    json_error_t je;
    json_t *g = json_load_file(path, 0, &je);
    if (!g)
        lg_die("%s: %s", path, je.text);
    json_t *accounts = json_array(), *balances = json_array();
    for (size_t i = 0; i < run->n_accts; i++) {
        char num[24];
        snprintf(num, sizeof num, "%" PRIu64, run->accts[i].number);
        json_array_append_new(accounts, json_pack("{s:s, s:s, s:s}", "address", run->accts[i].bech,
                                                  "account_number", num, "sequence", "0"));
        json_array_append_new(balances,
                              json_pack("{s:s, s:[{s:s, s:s}]}", "address", run->accts[i].bech,
                                        "coins", "denom", LG_DENOM, "amount", "1000000000000000"));
    }
    json_t *app_state =
        json_pack("{s:{s:o}, s:{s:o}}", "auth", "accounts", accounts, "bank", "balances", balances);
    if (!app_state || json_object_set_new(g, "app_state", app_state) != 0)
        lg_die("genesis: out of memory");
    if (run->block_max_bytes) {
        char mb[24];
        snprintf(mb, sizeof mb, "%" PRIu64, run->block_max_bytes);
        json_t *cp = json_object_get(g, "consensus_params");
        json_t *block = json_object_get(cp, "block"), *ev = json_object_get(cp, "evidence");
        if (!block || json_object_set_new(block, "max_bytes", json_string(mb)) != 0)
            lg_die("genesis: no consensus_params.block");
        /* evidence must fit in a block */
        const char *evb = json_string_value(json_object_get(ev, "max_bytes"));
        if (ev && evb && strtoull(evb, NULL, 10) > run->block_max_bytes)
            json_object_set_new(ev, "max_bytes", json_string(mb));
    }
    if (json_dump_file(g, path, JSON_COMPACT) != 0)
        lg_die("cannot write %s", path);
    json_decref(g);
}

void lg_net_create(lg_run *run, int base_port)
{
    snprintf(run->dir, sizeof run->dir, "/tmp/agora-loadgen-XXXXXX");
    if (!mkdtemp(run->dir))
        lg_die("mkdtemp: %s", strerror(errno));
    cleanup_run = run;
    char out[512], nv[16], bp[16];
    snprintf(out, sizeof out, "%s/net", run->dir);
    snprintf(nv, sizeof nv, "%d", run->n_nodes);
    snprintf(bp, sizeof bp, "%d", base_port);
    pid_t p = fork();
    if (p < 0)
        lg_die("fork");
    if (p == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(run->agorad, run->agorad, "testnet", "--validators", nv, "--output", out, "--app",
              "market", "--fast", "--base-port", bp, "--chain-id", LG_CHAIN_ID, (char *)NULL);
        _exit(127);
    }
    run_wait(p, "agorad testnet");
    for (int i = 0; i < run->n_nodes; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/node%d/config/genesis.json", out, i);
        genesis_add_accounts(run, path);
        snprintf(path, sizeof path, "%s/node%d/config/config.ini", out, i);
        run->rpc_port[i] = config_port(path, "rpc");
        if (i == run->watch_node) {
            config_value(path, "feed", "pub_listen", run->feed_pub, sizeof run->feed_pub);
            config_value(path, "feed", "rep_listen", run->feed_rep, sizeof run->feed_rep);
        }
    }
}

void lg_net_start(lg_run *run, const char *const *sets, size_t n_sets)
{
    for (int i = 0; i < run->n_nodes; i++) {
        char home[600], log[640];
        snprintf(home, sizeof home, "%s/net/node%d", run->dir, i);
        snprintf(log, sizeof log, "%s/agorad.log", home);
        /* execv takes char *const[]: the strings are copied into the child's
         * own image by exec, never written */
        char *argv[64];
        size_t n = 0;
        static char s_start[] = "start", s_home[] = "--home", s_set[] = "--set";
        argv[n++] = run->agorad;
        argv[n++] = s_start;
        argv[n++] = s_home;
        argv[n++] = home;
        for (size_t k = 0; k < n_sets && n + 3 < sizeof argv / sizeof argv[0]; k++) {
            argv[n++] = s_set;
            argv[n++] = strdup(sets[k]);
        }
        argv[n] = NULL;
        pid_t p = fork();
        if (p < 0)
            lg_die("fork");
        if (p == 0) {
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd < 0)
                _exit(127);
            dup2(fd, 1);
            dup2(fd, 2);
            execv(run->agorad, argv);
            _exit(127);
        }
        run->pid[i] = p;
    }
}

static void check_alive(lg_run *run)
{
    for (int i = 0; i < run->n_nodes; i++) {
        int st;
        if (run->pid[i] > 0 && waitpid(run->pid[i], &st, WNOHANG) == run->pid[i]) {
            run->pid[i] = 0;
            lg_die("node%d exited (log %s/net/node%d/agorad.log)", i, run->dir, i);
        }
    }
}

void lg_net_wait_height(lg_run *run, int node, int64_t height, double timeout_s)
{
    lg_http *h = lg_http_new();
    uint64_t end = lg_now_ns() + (uint64_t)(timeout_s * 1e9);
    for (;;) {
        check_alive(run);
        json_t *st = lg_rpc_get(h, run->rpc_port[node], "status");
        if (st) {
            const char *hs = json_string_value(
                json_object_get(json_object_get(st, "sync_info"), "latest_block_height"));
            int64_t got = hs ? strtoll(hs, NULL, 10) : 0;
            json_decref(st);
            if (got >= height)
                break;
        }
        if (lg_now_ns() > end)
            lg_die("node%d did not reach height %" PRId64 " in %.0f s", node, height, timeout_s);
        lg_sleep_ms(50);
    }
    lg_http_free(h);
}

void lg_net_stop(lg_run *run)
{
    for (int i = 0; i < run->n_nodes; i++)
        if (run->pid[i] > 0)
            kill(run->pid[i], SIGTERM);
    for (int i = 0; i < run->n_nodes; i++)
        if (run->pid[i] > 0) {
            int st;
            waitpid(run->pid[i], &st, 0);
            run->pid[i] = 0;
        }
}

void lg_net_cleanup(lg_run *run)
{
    cleanup_run = NULL;
    if (!run->dir[0])
        return;
    if (run->keep) {
        printf("homes and logs kept in %s/net\n", run->dir);
        return;
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "loadgen: could not remove %s\n", run->dir);
}

bool lg_proc_read(pid_t pid, lg_proc *out)
{
    char path[64], buf[2048];
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* fields after the ")" closing the command name: state is field 3,
     * utime 14 and stime 15 */
    const char *c = strrchr(buf, ')');
    if (!c)
        return false;
    unsigned long long ut = 0, st = 0;
    if (sscanf(c + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return false;
    out->cpu_ticks = ut + st;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return false;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "VmRSS: %llu", &v) == 1)
            out->rss_kib = v;
        else if (sscanf(line, "VmHWM: %llu", &v) == 1)
            out->hwm_kib = v;
    }
    fclose(f);
    return true;
}

/* ---- JSON-RPC over a kept-alive curl handle ---- */

struct lg_http {
    CURL *curl;
    char *buf;
    size_t len, cap;
};

#define LG_HTTP_MAX (256u << 20)

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    lg_http *h = ud;
    size_t add = size * nmemb;
    if (h->len + add + 1 > LG_HTTP_MAX)
        return 0;
    if (h->len + add + 1 > h->cap) {
        size_t nc = h->cap ? h->cap : 65536;
        while (nc < h->len + add + 1)
            nc *= 2;
        char *nb = realloc(h->buf, nc);
        if (!nb)
            return 0;
        h->buf = nb;
        h->cap = nc;
    }
    memcpy(h->buf + h->len, ptr, add);
    h->len += add;
    h->buf[h->len] = 0;
    return add;
}

lg_http *lg_http_new(void)
{
    lg_http *h = calloc(1, sizeof *h);
    if (!h || !(h->curl = curl_easy_init()))
        lg_die("curl_easy_init");
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    return h;
}

void lg_http_free(lg_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h->buf);
    free(h);
}

json_t *lg_rpc_get(lg_http *h, int port, const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/%s", port, path);
    h->len = 0;
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    if (curl_easy_perform(h->curl) != CURLE_OK || !h->buf)
        return NULL;
    json_t *j = json_loadb(h->buf, h->len, 0, NULL);
    if (!j)
        return NULL;
    json_t *res = json_object_get(j, "result");
    if (res)
        json_incref(res);
    json_decref(j);
    return res;
}
