/* metrics_server.c — GET /metrics on an rpc/page_server.h listener. */
#include "node/metrics_server.h"

#include <stdlib.h>
#include <string.h>

#include "rpc/page_server.h"

struct node_metrics_server {
    rpc_page_server *pages;
    node_metrics *m;
};

static void page(void *ctx, bool get, const char *path, size_t path_len, int *status,
                 const char **type, ag_buf *body)
{
    node_metrics_server *s = ctx;
    *type = "text/plain";
    if (!get || path_len != 8 || memcmp(path, "/metrics", 8) != 0) {
        static const char msg[] = "not found: GET /metrics\n";
        *status = 404;
        ag_buf_append(body, msg, sizeof msg - 1);
        return;
    }
    if (node_metrics_render_locked(s->m, body) != AG_OK) {
        ag_buf_reset(body);
        *status = 500;
        ag_buf_append(body, "render failed\n", 14);
        return;
    }
    *status = 200;
    *type = "text/plain; version=0.0.4; charset=utf-8";
}

ag_err node_metrics_server_start(node_metrics_server **out, const char *laddr, node_metrics *m)
{
    *out = NULL;
    node_metrics_server *s = calloc(1, sizeof *s);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "metrics server");
    s->m = m;
    ag_err err = rpc_page_server_start(&s->pages, laddr, "metrics", page, s);
    if (err) {
        free(s);
        return err;
    }
    *out = s;
    return AG_OK;
}

int node_metrics_server_port(const node_metrics_server *s)
{
    return rpc_page_server_port(s->pages);
}

void node_metrics_server_free(node_metrics_server *s)
{
    if (!s)
        return;
    rpc_page_server_free(s->pages);
    free(s);
}
