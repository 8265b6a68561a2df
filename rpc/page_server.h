/*
 * page_server.h — a small blocking HTTP endpoint on its own thread for
 * operator pages: agorad's /metrics and agora-provider's /status.
 *
 * One thread, one connection at a time: a page is rendered from a snapshot
 * the caller keeps, so nothing here touches the node's loop. A request is
 * parsed by rpc/http.h, capped at RPC_HEADER_MAX bytes with no body, and a
 * client gets RPC_PAGE_IO_MS to send it (a slow or silent client is
 * dropped); a malformed request gets 400, an oversized one 413. This is not
 * the JSON-RPC server (rpc/server.h: libuv, many connections, per-client
 * limits).
 */
#ifndef AGORA_RPC_PAGE_SERVER_H
#define AGORA_RPC_PAGE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

#define RPC_PAGE_IO_MS 2000

typedef struct rpc_page_server rpc_page_server;

/*
 * Answer one request, on the server's thread: get says the method was GET,
 * path (not NUL-terminated) is the request target. Set *status (200, 404...)
 * and *type (a static Content-Type) and append the body to body.
 */
typedef void (*rpc_page_fn)(void *ctx, bool get, const char *path, size_t path_len, int *status,
                            const char **type, ag_buf *body);

/*
 * Listen on tcp://host:port (port 0: any; host may be [v6]) and serve pages
 * with fn(ctx, ...) until rpc_page_server_free. `what` names the server in
 * errors ("metrics", "status"). AG_ERR_INVALID_ARG for another address form
 * or an unresolvable host; errno-derived errors (AG_ERR_ADDR_IN_USE...) from
 * bind/listen; AG_ERR_NOMEM.
 */
ag_err rpc_page_server_start(rpc_page_server **out, const char *laddr, const char *what,
                             rpc_page_fn fn, void *ctx);

/* The bound port. */
int rpc_page_server_port(const rpc_page_server *s);

/* Stop the thread (after the request in progress) and close the listener.
 * NULL is a no-op. */
void rpc_page_server_free(rpc_page_server *s);

#endif
