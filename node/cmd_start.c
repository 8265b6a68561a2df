/* cmd_start.c — `agorad start`: run the node until SIGINT or SIGTERM. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "node/cli.h"
#include "node/home.h"
#include "node/runtime.h"

/* Config overrides one command line may carry. */
#define NODE_START_SETS_MAX 64

int node_cmd_start(int argc, char **argv)
{
    const char *dir = NULL, *level_s = NULL, *format_s = NULL;
    const char *sets[NODE_START_SETS_MAX];
    size_t n_sets = 0;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = node_cli_values("start", argc, argv, &i, "--set", sets, &n_sets,
                                 NODE_START_SETS_MAX))) {
            if (r < 0)
                return 2;
            continue;
        }
        if (node_cli_flag(argv[i], "-h") || node_cli_flag(argv[i], "--help")) {
            node_usage(stdout);
            return 0;
        }
        if ((r = node_cli_value("start", argc, argv, &i, "--home", &dir)) ||
            (r = node_cli_value("start", argc, argv, &i, "--log-level", &level_s)) ||
            (r = node_cli_value("start", argc, argv, &i, "--log-format", &format_s))) {
            if (r < 0)
                return 2;
            continue;
        }
        fprintf(stderr, "agorad start: unknown option %s (see agorad help)\n", argv[i]);
        return 2;
    }
    char def[NODE_PATH_MAX];
    if (!dir) {
        if (node_cli_default_home(def, sizeof def) != AG_OK) {
            fprintf(stderr, "agorad start: %s\n", ag_err_detail());
            return 2;
        }
        dir = def;
    }
    node_home h;
    if (node_home_load(&h, dir) != AG_OK) {
        fprintf(stderr, "agorad start: %s\n", ag_err_detail());
        return 1;
    }
    /* Flags override the file: each --set goes through the file's parser. */
    for (size_t k = 0; k < n_sets; k++)
        if (node_config_set(&h.cfg, sets[k]) != AG_OK || node_home_resolve(&h) != AG_OK) {
            fprintf(stderr, "agorad start: %s\n", ag_err_detail());
            return 2;
        }
    ag_log_level level;
    ag_log_format format;
    if (ag_log_level_parse(level_s ? level_s : h.cfg.log_level, &level) != AG_OK ||
        ag_log_format_parse(format_s ? format_s : h.cfg.log_format, &format) != AG_OK) {
        fprintf(stderr, "agorad start: %s\n", ag_err_detail());
        return 2;
    }
    ag_log_setup(level, format, NULL);

    /* A peer that hangs up while we write must not kill the process: the
     * write fails with EPIPE and the switch drops that peer. */
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);

    node_runtime *n;
    if (node_runtime_open(&n, &h) != AG_OK) {
        ag_log_error("node", "cannot start: %s", ag_err_detail());
        return 1;
    }
    if (node_runtime_start(n) != AG_OK) {
        ag_log_error("node", "consensus startup failed: %s", ag_err_detail());
        node_runtime_close(n);
        return 1;
    }
    int signo = 0;
    ag_err err = node_runtime_run(n, &signo);
    int64_t height = node_runtime_height(n);
    node_runtime_close(n);
    if (err != AG_OK) {
        ag_log_error("node", "stopped after a failure at height %" PRId64, height);
        return 1;
    }
    ag_log_info("node", "stopped cleanly (%s) at height %" PRId64,
                signo == SIGINT    ? "SIGINT"
                : signo == SIGTERM ? "SIGTERM"
                                   : "stop",
                height);
    return 0;
}
