/*
 * lease_fixture.h — leases and orders with real Workload encodings, for the
 * provider tests, test tools and benchmarks.
 */
#ifndef AGORA_TESTS_LEASE_FIXTURE_H
#define AGORA_TESTS_LEASE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "agora/market/v1/types.pb-c.h"
#include "market/records.h"

/* A provider's and a tenant's fixed test addresses (bytes 0x11.. and 0x22..). */
void lease_fixture_addresses(crypto_address *provider, crypto_address *tenant);

/* The provider address above as bech32 ("agora1..."). */
const char *lease_fixture_provider_bech32(void);

/* A typical service "web": nginx:1.25, 2 replicas, 250m cpu, 256 MiB,
 * 1 GiB storage, env PORT=8080, ports 8080/TCP ClusterIP and 9000/TCP
 * NodePort. Free with lease_fixture_service_free. */
Agora__Market__V1__Service *lease_fixture_service(const char *name);
void lease_fixture_service_free(Agora__Market__V1__Service *s);

/* Fill lease id / order id (= lease id + 1000) for `provider`, with the
 * workload made of services[0..n) (packed; market_order_clear frees it). */
void lease_fixture_make(market_lease *lease, market_order *order, uint64_t lease_id,
                        const crypto_address *provider, Agora__Market__V1__Service **services,
                        size_t n);

/* lease_fixture_make with one standard "web" service. */
void lease_fixture_simple(market_lease *lease, market_order *order, uint64_t lease_id);

#endif
