/*
 * agora-provider — the provider daemon beside a Kubernetes cluster.
 *
 *   agora-provider [start] --config FILE [--dry-run DIR]
 *   agora-provider status (--config FILE | --addr HOST:PORT)
 *
 * --dry-run DIR overrides the config's cluster: the objects are written as
 * files instead of applied. SIGINT/SIGTERM stop the loop after its pass.
 * Exit status: 0 stopped cleanly, 1 failure, 2 usage error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/log.h"
#include "provider/config.h"
#include "provider/daemon.h"
#include "provider/daemon_kube.h"
#include "provider/status.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: agora-provider [start] --config FILE [--dry-run DIR]\n"
                    "       agora-provider status (--config FILE | --addr HOST:PORT)\n");
    return 2;
}

static int fail(const char *what)
{
    fprintf(stderr, "Error: %s: %s\n", what, ag_err_detail());
    return 1;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *dry_run = NULL, *addr = NULL, *cmd = "start";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--config") || !strcmp(a, "--dry-run") || !strcmp(a, "--addr")) &&
            i + 1 >= argc)
            return usage();
        if (!strcmp(a, "--config"))
            config = argv[++i];
        else if (!strcmp(a, "--dry-run"))
            dry_run = argv[++i];
        else if (!strcmp(a, "--addr"))
            addr = argv[++i];
        else if (!strcmp(a, "start") || !strcmp(a, "status"))
            cmd = a;
        else
            return usage();
    }
    ag_log_setup(AG_LOG_INFO, AG_LOG_TEXT, stderr);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    provider_config cfg;
    provider_config_default(&cfg);
    if (config && provider_config_load(&cfg, config))
        return fail("config");
    if (dry_run) {
        /* The command line wins over the file's [cluster]. */
        snprintf(cfg.dry_run_dir, sizeof cfg.dry_run_dir, "%s", dry_run);
        cfg.kubeconfig[0] = 0;
    }
    if (!strcmp(cmd, "status")) {
        if (!addr && !config)
            return usage();
        json_t *j;
        if (provider_status_fetch(addr ? addr : cfg.status_listen, &j))
            return fail("status");
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        puts(s ? s : "{}");
        free(s);
        json_decref(j);
        return 0;
    }
    if (!config || addr)
        return usage();
    if (provider_config_check_cluster(&cfg))
        return fail("config");
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    provider_kube_opts ko = {0};
    if (cfg.dry_run_dir[0])
        ko.dry_run_dir = cfg.dry_run_dir;
    else
        ko.kubeconfig = cfg.kubeconfig;
    provider_kube *k;
    if (provider_kube_open(&k, &ko))
        return fail("cluster");
    provider_daemon_opts o = {.cfg = &cfg,
                              .reconcile = provider_daemon_reconcile_kube,
                              .reconcile_user = k,
                              .capacity = provider_config_capacity_from_cluster(&cfg)
                                              ? provider_daemon_capacity_kube
                                              : NULL,
                              .capacity_user = k};
    ag_err err = provider_daemon_run(&o, &stop_flag);
    provider_kube_close(k);
    curl_global_cleanup();
    return err ? fail("provider") : 0;
}
