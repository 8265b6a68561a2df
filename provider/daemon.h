/*
 * daemon.h — the agora-provider loop: offer, bids, leases, withdrawals.
 *
 * Level-triggered: every pass reads the chain afresh (this provider's
 * offers, bids and leases, the open orders) and acts on the difference
 * with what it wants, so a missed event, a node restart or a crash of the
 * daemon itself is repaired by the next pass. Feed events (order_created,
 * bid_*, lease_*) only start a pass early; without a feed, or while it is
 * down, passes run every poll_ms. A pass that fails (node unreachable,
 * a tx refused) is logged and retried at the next one.
 *
 * Ownership: the daemon borrows cfg and the reconcile callback's user data
 * for the whole run. Single-threaded except for the status server thread,
 * which only reads a snapshot under a lock.
 */
#ifndef AGORA_PROVIDER_DAEMON_H
#define AGORA_PROVIDER_DAEMON_H

#include <jansson.h>
#include <signal.h>

#include "market/records.h"
#include "provider/config.h"

/*
 * Make the cluster match `n` active leases (leases[i] with orders[i]).
 * On return *report (may be left NULL) is a new JSON value describing the
 * objects and their readiness per lease; the daemon puts it in its status.
 * An error is logged; the next pass calls again.
 */
typedef ag_err (*provider_reconcile_fn)(void *user, const char *provider,
                                        const market_lease *leases, const market_order *orders,
                                        size_t n, json_t **report);

/*
 * The offer's capacity as the cluster has it now ([offer] capacity =
 * cluster): *cap starts as the configured capacity and the callback sets
 * its cpu, memory and storage. Called once per pass; an error is logged and
 * the offer on chain is left as it is until a pass reads the cluster again.
 */
typedef ag_err (*provider_capacity_fn)(void *user, const provider_config *cfg,
                                       market_resources *cap);

typedef struct provider_daemon_opts {
    const provider_config *cfg;
    provider_reconcile_fn reconcile;
    void *reconcile_user;
    provider_capacity_fn capacity; /* NULL: the capacity in cfg is fixed */
    void *capacity_user;
} provider_daemon_opts;

/* Run until *stop becomes non-zero. Errors only for what cannot be
 * retried: the key missing from the keyring, the status address unusable. */
ag_err provider_daemon_run(const provider_daemon_opts *o, volatile sig_atomic_t *stop);

#endif
