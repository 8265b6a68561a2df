/*
 * provider.h — where the light client gets blocks and state from: a full
 * node (rpc_client.h), or anything else implementing these calls (tests
 * generate chains in process). A provider is untrusted: everything it
 * returns is verified before use.
 *
 * A provider is a value {ops, ctx, name}; ops and ctx are borrowed by every
 * user and must outlive them.
 */
#ifndef AGORA_LIGHT_PROVIDER_H
#define AGORA_LIGHT_PROVIDER_H

#include "light/block.h"
#include "light/decode.h"

/* A light-client attack found by cross-checking (CometBFT's
 * LightClientAttackEvidence as a value): the conflicting
 * block a witness or the primary served, the last height both chains agree
 * on, and the validators of the trusted set at that height who signed the
 * conflicting commit. light_attack_encode (evidence.h) gives its wire form. */
typedef struct light_attack {
    light_block conflicting;   /* owned */
    int64_t common_height;     /* last trusted height before the conflict */
    cons_validator *byzantine; /* owned: n_byzantine entries of the common set */
    size_t n_byzantine;
    int64_t total_voting_power; /* of the trusted set at common_height */
    cons_timestamp timestamp;   /* time of the trusted block at common_height */
    char reported_by[64];       /* name of the provider that served it */
} light_attack;
void light_attack_free(light_attack *a);

typedef struct light_provider_ops {
    /* The light block at `height` (0: the latest). *out is empty on entry;
     * free with light_block_free. AG_ERR_NOT_FOUND if the provider does not
     * have it (yet), transport and decode errors otherwise. */
    ag_err (*light_block)(void *ctx, int64_t height, light_block *out);
    /* ABCI query with prove=true at `height` (0: latest). Free *out with
     * light_query_resp_free. May be NULL (AG_ERR_UNSUPPORTED). */
    ag_err (*abci_query)(void *ctx, const char *path, const uint8_t *data, size_t len,
                         int64_t height, light_query_resp *out);
    /* Submit evidence of an attack. AG_ERR_UNSUPPORTED if the provider
     * cannot take it. May be NULL. */
    ag_err (*report_attack)(void *ctx, const light_attack *a);
} light_provider_ops;

typedef struct light_provider {
    const light_provider_ops *ops;
    void *ctx;
    const char *name; /* for reports and logs */
} light_provider;

#endif
