/* app.c — choosing, creating and connecting the node's ABCI application. */
#include "node/app.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "abci/kvstore.h"
#include "market/app.h"

struct node_app {
    node_app_kind kind;
    abci_kvstore *kvstore;
    market_app *market;
    pthread_mutex_t mutex; /* shared by the local clients of a builtin app */
    bool has_mutex;
    abci_client *clients[NODE_APP__CONNS];
};

bool node_app_market_built(void)
{
    return true;
}

ag_err node_app_kind_parse(const char *spec, node_app_kind *out)
{
    if (strcmp(spec, "builtin:kvstore") == 0)
        *out = NODE_APP_KVSTORE;
    else if (strcmp(spec, "builtin:market") == 0)
        *out = NODE_APP_MARKET;
    else if (strncmp(spec, "tcp://", 6) == 0 || strncmp(spec, "unix://", 7) == 0)
        *out = NODE_APP_SOCKET;
    else
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "[abci] app \"%s\": builtin:market, builtin:kvstore, tcp://host:port "
                          "or unix:///path",
                          spec);
    return AG_OK;
}

ag_err node_app_genesis_state(node_app_kind kind, char **out)
{
    /* The hook for a market genesis with accounts and balances: today every
     * app starts from an empty app_state (market: default params, no
     * accounts; market/README.md "Genesis"). */
    (void)kind;
    *out = strdup("{}");
    return *out ? AG_OK : ag_err_set(AG_ERR_NOMEM, "app_state");
}

static ag_err open_local(node_app *a, const abci_app *app)
{
    if (pthread_mutex_init(&a->mutex, NULL) != 0)
        return ag_err_set(AG_ERR_NOMEM, "ABCI application mutex");
    a->has_mutex = true;
    for (int i = 0; i < NODE_APP__CONNS; i++) {
        ag_err err = abci_local_new(&a->clients[i], app, &a->mutex);
        if (err)
            return err;
    }
    return AG_OK;
}

ag_err node_app_open(node_app **out, const node_home *home)
{
    *out = NULL;
    node_app *a = calloc(1, sizeof *a);
    if (!a)
        return ag_err_set(AG_ERR_NOMEM, "node application");
    ag_err err = node_app_kind_parse(home->cfg.abci_app, &a->kind);
    if (err)
        goto fail;
    switch (a->kind) {
    case NODE_APP_KVSTORE: {
        abci_kvstore_opts opts;
        abci_kvstore_opts_default(&opts);
        if ((err = abci_kvstore_new(&a->kvstore, &opts)) != AG_OK)
            goto fail;
        abci_app app = abci_kvstore_app(a->kvstore);
        err = open_local(a, &app);
        break;
    }
    case NODE_APP_MARKET: {
        if ((err = node_mkdirs(home->app_db, 0700)) != AG_OK ||
            (err = market_app_open(&a->market, home->app_db, NULL)) != AG_OK)
            goto fail;
        abci_app app = market_app_abci(a->market);
        err = open_local(a, &app);
        break;
    }
    case NODE_APP_SOCKET: {
        abci_socket_opts opts;
        abci_socket_opts_default(&opts);
        for (int i = 0; i < NODE_APP__CONNS && err == AG_OK; i++)
            err = abci_socket_new(&a->clients[i], home->cfg.abci_app, &opts);
        break;
    }
    }
    if (err)
        goto fail;
    *out = a;
    return AG_OK;
fail:
    node_app_close(a);
    return err;
}

abci_client *node_app_client(node_app *app, node_app_conn conn)
{
    return app->clients[conn];
}

void node_app_close(node_app *a)
{
    if (!a)
        return;
    for (int i = 0; i < NODE_APP__CONNS; i++)
        abci_client_free(a->clients[i]);
    abci_kvstore_free(a->kvstore);
    market_app_free(a->market);
    if (a->has_mutex)
        pthread_mutex_destroy(&a->mutex);
    free(a);
}
