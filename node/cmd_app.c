/*
 * cmd_app.c — `agorad app`: an application as a standalone ABCI server, for
 * CometBFT or any ABCI consensus engine: the example key-value store
 * (--app kvstore, the default) or the market (--app market --home DIR, its
 * state in RocksDB under DIR/data).
 * SIGINT and SIGTERM stop the server cleanly (connections closed, the Unix
 * socket file removed); the exit status is then 0.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abci/kvstore.h"
#include "abci/server.h"
#include "lib/log.h"
#include "market/app.h"
#include "node/cli.h"

#define DEFAULT_ABCI_ADDR "tcp://127.0.0.1:26658"

static abci_server *volatile running_server;

static void on_signal(int sig)
{
    (void)sig;
    abci_server *s = running_server;
    if (s)
        abci_server_stop(s);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int node_cmd_app(int argc, char **argv)
{
    const char *addr = DEFAULT_ABCI_ADDR;
    ag_log_level level = AG_LOG_INFO;
    ag_log_format format = AG_LOG_TEXT;
    const char *app_name = "kvstore", *home = NULL;
    abci_kvstore_opts kv_opts;
    abci_kvstore_opts_default(&kv_opts);
    for (int i = 0; i < argc; i++) {
        const char *flag = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0) {
            node_usage(stdout);
            return 0;
        }
        if (!val) {
            fprintf(stderr, "agorad app: %s needs a value (see agorad help)\n", flag);
            return 2;
        }
        i++;
        if (strcmp(flag, "--abci") == 0) {
            addr = val;
        } else if (strcmp(flag, "--app") == 0) {
            if (strcmp(val, "kvstore") != 0 && strcmp(val, "market") != 0) {
                fprintf(stderr, "agorad app: --app '%s': kvstore or market\n", val);
                return 2;
            }
            app_name = val;
        } else if (strcmp(flag, "--home") == 0) {
            home = val;
        } else if (strcmp(flag, "--snapshot-interval") == 0) {
            if (parse_u64(val, &kv_opts.snapshot_interval) != 0) {
                fprintf(stderr, "agorad app: --snapshot-interval '%s' is not a number\n", val);
                return 2;
            }
        } else if (strcmp(flag, "--log-level") == 0) {
            if (ag_log_level_parse(val, &level) != AG_OK) {
                fprintf(stderr, "agorad app: %s\n", ag_err_detail());
                return 2;
            }
        } else if (strcmp(flag, "--log-format") == 0) {
            if (ag_log_format_parse(val, &format) != AG_OK) {
                fprintf(stderr, "agorad app: %s\n", ag_err_detail());
                return 2;
            }
        } else {
            fprintf(stderr, "agorad app: unknown option %s (see agorad help)\n", flag);
            return 2;
        }
    }
    ag_log_setup(level, format, NULL);
    bool market = strcmp(app_name, "market") == 0;
    if (market && !home) {
        fprintf(stderr, "agorad app: --app market needs --home DIR\n");
        return 2;
    }

    abci_kvstore *kv = NULL;
    market_app *mapp = NULL;
    abci_server *srv;
    abci_app app;
    ag_err err;
    if (market) {
        char data[4096];
        snprintf(data, sizeof data, "%s/data", home);
        if (mkdir(home, 0700) != 0 && errno != EEXIST) {
            ag_log_error("agorad", "cannot create %s: %s", home, strerror(errno));
            return 1;
        }
        err = market_app_open(&mapp, data, NULL);
        if (!err)
            app = market_app_abci(mapp);
    } else {
        err = abci_kvstore_new(&kv, &kv_opts);
        if (!err)
            app = abci_kvstore_app(kv);
    }
    if (err) {
        ag_log_error("agorad", "%s", ag_err_detail());
        return 1;
    }
    if ((err = abci_server_new(&srv, &app, NULL)) != AG_OK) {
        ag_log_error("agorad", "%s", ag_err_detail());
        abci_kvstore_free(kv);
        market_app_free(mapp);
        return 1;
    }
    if ((err = abci_server_listen(srv, addr)) != AG_OK) {
        ag_log_error("agorad", "cannot serve ABCI: %s", ag_err_detail());
        abci_server_free(srv);
        abci_kvstore_free(kv);
        market_app_free(mapp);
        return 1;
    }
    running_server = srv;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ag_log_info("agorad", "serving the %s application over ABCI on %s", app_name,
                abci_server_address(srv));
    abci_server_run(srv);
    ag_log_info("agorad", "stopping: signal received");
    running_server = NULL;
    abci_server_free(srv);
    abci_kvstore_free(kv);
    market_app_free(mapp);
    return 0;
}
