/* lease_fixture.c — see lease_fixture.h. */
#include "tests/harness/lease_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/address.h"

void lease_fixture_addresses(crypto_address *provider, crypto_address *tenant)
{
    memset(provider->b, 0x11, sizeof provider->b);
    memset(tenant->b, 0x22, sizeof tenant->b);
}

const char *lease_fixture_provider_bech32(void)
{
    static char s[CRYPTO_ADDRESS_STR_MAX];
    crypto_address p, t;
    lease_fixture_addresses(&p, &t);
    crypto_address_to_bech32(s, sizeof s, AGORA_BECH32_PREFIX, &p);
    return s;
}

static ProtobufCBinaryData bin(const char *s)
{
    ProtobufCBinaryData b = {strlen(s), (uint8_t *)strdup(s)};
    return b;
}

Agora__Market__V1__Service *lease_fixture_service(const char *name)
{
    Agora__Market__V1__Service *s = calloc(1, sizeof *s);
    agora__market__v1__service__init(s);
    s->name = bin(name);
    s->image = bin("nginx:1.25");
    s->replicas = 2;
    s->resources = calloc(1, sizeof *s->resources);
    agora__market__v1__resources__init(s->resources);
    s->resources->cpu_millis = 250;
    s->resources->memory_bytes = 256u << 20;
    s->resources->storage_bytes = 1u << 30;
    s->n_env = 1;
    s->env = calloc(1, sizeof *s->env);
    s->env[0] = calloc(1, sizeof **s->env);
    agora__market__v1__env_var__init(s->env[0]);
    s->env[0]->name = bin("PORT");
    s->env[0]->value = bin("8080");
    s->n_ports = 2;
    s->ports = calloc(2, sizeof *s->ports);
    for (int i = 0; i < 2; i++) {
        s->ports[i] = calloc(1, sizeof **s->ports);
        agora__market__v1__port__init(s->ports[i]);
        s->ports[i]->protocol = AGORA__MARKET__V1__PROTOCOL__PROTOCOL_TCP;
    }
    s->ports[0]->port = 8080;
    s->ports[0]->expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP;
    s->ports[1]->port = 9000;
    s->ports[1]->expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT;
    return s;
}

/* Frees what lease_fixture_service allocated plus what tests add with
 * malloc'd bytes (command, args, more env vars or ports). */
void lease_fixture_service_free(Agora__Market__V1__Service *s)
{
    if (!s)
        return;
    free(s->name.data);
    free(s->image.data);
    for (size_t i = 0; i < s->n_command; i++)
        free(s->command[i].data);
    free(s->command);
    for (size_t i = 0; i < s->n_args; i++)
        free(s->args[i].data);
    free(s->args);
    for (size_t i = 0; i < s->n_env; i++) {
        free(s->env[i]->name.data);
        free(s->env[i]->value.data);
        free(s->env[i]);
    }
    free(s->env);
    for (size_t i = 0; i < s->n_ports; i++)
        free(s->ports[i]);
    free(s->ports);
    free(s->resources);
    free(s);
}

void lease_fixture_make(market_lease *lease, market_order *order, uint64_t lease_id,
                        const crypto_address *provider, Agora__Market__V1__Service **services,
                        size_t n)
{
    crypto_address p, t;
    lease_fixture_addresses(&p, &t);
    memset(lease, 0, sizeof *lease);
    memset(order, 0, sizeof *order);
    lease->id = lease_id;
    lease->order_id = lease_id + 1000;
    lease->bid_id = lease_id + 2000;
    lease->tenant = t;
    lease->provider = provider ? *provider : p;
    lease->state = MARKET_LEASE_ACTIVE;
    order->id = lease->order_id;
    order->tenant = t;
    Agora__Market__V1__Workload w = AGORA__MARKET__V1__WORKLOAD__INIT;
    w.n_services = n;
    w.services = services;
    order->workload_len = agora__market__v1__workload__get_packed_size(&w);
    order->workload = malloc(order->workload_len ? order->workload_len : 1);
    agora__market__v1__workload__pack(&w, order->workload);
}

void lease_fixture_simple(market_lease *lease, market_order *order, uint64_t lease_id)
{
    Agora__Market__V1__Service *s = lease_fixture_service("web");
    lease_fixture_make(lease, order, lease_id, NULL, &s, 1);
    lease_fixture_service_free(s);
}
