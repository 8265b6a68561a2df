/*
 * daemon_kube.h — the daemon's reconcile callback over the cluster sink
 * (provider/reconcile.h): leases in, a JSON report of every lease's
 * objects, readiness and failure reason out.
 */
#ifndef AGORA_PROVIDER_DAEMON_KUBE_H
#define AGORA_PROVIDER_DAEMON_KUBE_H

#include "provider/daemon.h"
#include "provider/kube.h"

/* A provider_reconcile_fn; user is the provider_kube *. */
ag_err provider_daemon_reconcile_kube(void *user, const char *provider, const market_lease *leases,
                                      const market_order *orders, size_t n, json_t **report);

/* provider_capacity_fn over a provider_kube (user): the nodes' allocatable
 * cpu, memory and storage minus cfg's reserve, floored at 0. */
ag_err provider_daemon_capacity_kube(void *user, const provider_config *cfg, market_resources *cap);

#endif
