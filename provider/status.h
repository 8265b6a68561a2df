/*
 * status.h — the daemon's status over HTTP, and the client of
 * `agora-provider status`.
 *
 * The server answers GET / (and GET /status) with the latest snapshot as
 * JSON; anything else is 404. It is an rpc/page_server.h listener (one
 * thread, one connection at a time, a bounded request read within
 * RPC_PAGE_IO_MS): a slow or hostile client cannot hold the daemon's loop
 * (the loop only swaps the snapshot).
 */
#ifndef AGORA_PROVIDER_STATUS_H
#define AGORA_PROVIDER_STATUS_H

#include <jansson.h>

#include "lib/err.h"

typedef struct provider_status provider_status;

/* Listen on "host:port" (numeric IPv4, [IPv6] or a name). The errors of
 * rpc_page_server_start (AG_ERR_INVALID_ARG, AG_ERR_ADDR_IN_USE...). */
ag_err provider_status_start(provider_status **out, const char *listen);

/* Replace the snapshot (takes the reference). */
void provider_status_set(provider_status *s, json_t *snapshot);

void provider_status_stop(provider_status *s);

/* GET http://<addr>/status; the body (new reference) in *out. */
ag_err provider_status_fetch(const char *addr, json_t **out);

#endif
