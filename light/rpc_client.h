/*
 * rpc_client.h — the light client's view of a full node: CometBFT v0.38
 * JSON-RPC over HTTP (libcurl), JSON-RPC POSTs to the node's URL.
 *
 * Every response is bounded (LIGHT_RESPONSE_MAX bytes, anything longer is
 * cut off and refused), every request has a timeout, and redirects are not
 * followed. The node is untrusted: this file only decodes (decode.h);
 * verify.h decides what to believe.
 *
 * Threads: one light_rpc is used by one thread at a time.
 * Ownership: light_rpc_new's *out is freed with light_rpc_free; results are
 * the caller's (see each call).
 */
#ifndef AGORA_LIGHT_RPC_CLIENT_H
#define AGORA_LIGHT_RPC_CLIENT_H

#include <jansson.h>

#include "light/decode.h"
#include "light/provider.h"

typedef struct light_rpc light_rpc;

typedef struct light_rpc_opts {
    const char *url;     /* http://host:port (copied; at most LIGHT_URL_MAX bytes) */
    long timeout_ms;     /* 0: LIGHT_TIMEOUT_MS_DEFAULT */
    size_t max_response; /* 0: LIGHT_RESPONSE_MAX (never more) */
} light_rpc_opts;

/* AG_ERR_INVALID_ARG for a URL that is not http(s):// or too long,
 * AG_ERR_NOMEM, AG_ERR_INTERNAL if libcurl cannot start. */
ag_err light_rpc_new(light_rpc **out, const light_rpc_opts *opts);
void light_rpc_free(light_rpc *c);

/* Call `method` with `params` (a JSON object; stolen, may be NULL). *out
 * is the parsed response's "result" (a new reference). Errors:
 * AG_ERR_CONN_REFUSED, AG_ERR_TIMEOUT, AG_ERR_IO (transport, HTTP status
 * other than 200), AG_ERR_TOO_LARGE (response over the bound), the
 * light_json_result errors (the node answered with an error), AG_ERR_DECODE. */
ag_err light_rpc_call(light_rpc *c, const char *method, json_t *params, json_t **out);

/* /commit?height=H (0: latest). *commit zero on entry; caller clears. */
ag_err light_rpc_signed_header(light_rpc *c, int64_t height, cons_header *h, cons_commit *commit);
/* Every page of /validators?height=H into a set in the order served (see
 * light_valset_from_list). Free *out with cons_valset_free. */
ag_err light_rpc_validators(light_rpc *c, int64_t height, cons_valset *out);
ag_err light_rpc_status(light_rpc *c, light_status *out);
/* abci_query with prove=true. */
ag_err light_rpc_abci_query(light_rpc *c, const char *path, const uint8_t *data, size_t len,
                            int64_t height, light_query_resp *out);

/* broadcast_evidence with a's Evidence encoding (light_attack_encode, sent
 * as base64); *hash (may be NULL) is the node's evidence hash. The node's
 * refusal comes back as its JSON-RPC error (AG_ERR_* from light_json_result
 * with the node's message); transport errors as light_rpc_call's. */
ag_err light_rpc_broadcast_evidence(light_rpc *c, const light_attack *a, crypto_hash *hash);

/* The node as a light_provider (name = its URL). Borrows c. report_attack
 * is light_rpc_broadcast_evidence: an attack found by cross-checking is
 * submitted to the node(s) not blamed by it. */
light_provider light_rpc_provider(light_rpc *c);

#endif
