/*
 * metrics_server.h — serves node_metrics at GET /metrics on its own TCP
 * listener ([instrumentation] prometheus_listen_addr): an rpc/page_server.h
 * listener (one thread, one connection at a time, RPC_PAGE_IO_MS to send a
 * request of at most RPC_HEADER_MAX bytes). Anything but GET /metrics gets
 * 404, a malformed request 400.
 */
#ifndef AGORA_NODE_METRICS_SERVER_H
#define AGORA_NODE_METRICS_SERVER_H

#include "node/metrics.h"

typedef struct node_metrics_server node_metrics_server;

/* Listen on tcp://host:port (port 0: any) and serve m (borrowed until
 * node_metrics_server_free). AG_ERR_INVALID_ARG for another address form,
 * AG_ERR_ADDR_IN_USE, errno-derived errors. */
ag_err node_metrics_server_start(node_metrics_server **out, const char *laddr, node_metrics *m);

/* The bound port. */
int node_metrics_server_port(const node_metrics_server *s);

/* Stop the thread and close the listener. NULL is a no-op. */
void node_metrics_server_free(node_metrics_server *s);

#endif
