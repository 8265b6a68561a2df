/* app.c — choosing, creating and connecting the node's ABCI application. */
#include "node/app.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abci/kvstore.h"
#include "crypto/address.h"
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

/* "agora1...=AMOUNT[denom]" into a bank.balances entry. */
static ag_err genesis_balance(const char *entry, json_t **out)
{
    *out = NULL;
    const char *eq = strchr(entry, '=');
    char addr[CRYPTO_ADDRESS_STR_MAX];
    crypto_address a;
    if (!eq || (size_t)(eq - entry) >= sizeof addr)
        return ag_err_set(AG_ERR_INVALID_ARG, "--account \"%.80s\": expected ADDRESS=AMOUNT",
                          entry);
    memcpy(addr, entry, (size_t)(eq - entry));
    addr[eq - entry] = '\0';
    if (crypto_address_from_bech32(&a, AGORA_BECH32_PREFIX, addr) != AG_OK)
        return ag_err_set(AG_ERR_INVALID_ARG, "--account \"%.80s\": %s", entry, ag_err_detail());
    const char *amount = eq + 1;
    size_t digits = strspn(amount, "0123456789");
    const char *denom = amount[digits] ? amount + digits : "uagora";
    market_u128 v;
    if (digits == 0 || market_amount_parse(&v, amount, digits) != AG_OK || v == 0 ||
        market_denom_validate(denom, strlen(denom)) != AG_OK)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "--account \"%.80s\": AMOUNT must be a positive integer of uagora "
                          "or an amount with its denom (5000uagora)",
                          entry);
    *out = json_pack("{s:s, s:[{s:s, s:s%}]}", "address", addr, "coins", "denom", denom, "amount",
                     amount, digits);
    return *out ? AG_OK : ag_err_set(AG_ERR_NOMEM, "app_state");
}

ag_err node_app_genesis_state(node_app_kind kind, const char *const *accounts, size_t n, char **out)
{
    *out = NULL;
    if (n && kind != NODE_APP_MARKET)
        return ag_err_set(AG_ERR_INVALID_ARG, "--account needs the market app (--app market)");
    if (n > NODE_GENESIS_ACCOUNTS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "more than %d --account flags",
                          NODE_GENESIS_ACCOUNTS_MAX);
    json_t *state = json_object(), *balances = json_array();
    ag_err err = state && balances ? AG_OK : ag_err_set(AG_ERR_NOMEM, "app_state");
    for (size_t i = 0; i < n && !err; i++) {
        json_t *b;
        if ((err = genesis_balance(accounts[i], &b)) != AG_OK)
            break;
        const char *addr = json_string_value(json_object_get(b, "address"));
        for (size_t j = 0; j < json_array_size(balances) && !err; j++)
            if (!strcmp(addr,
                        json_string_value(json_object_get(json_array_get(balances, j), "address"))))
                err = ag_err_set(AG_ERR_INVALID_ARG, "--account %s given twice", addr);
        json_array_append_new(balances, b);
    }
    if (!err && n)
        json_object_set_new(state, "bank", json_pack("{s:O}", "balances", balances));
    json_decref(balances);
    if (!err) {
        *out = json_dumps(state, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!*out)
            err = ag_err_set(AG_ERR_NOMEM, "app_state");
    }
    json_decref(state);
    return err;
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

void node_app_preverify(void *ctx, const uint8_t *tx, size_t len)
{
    node_app *a = ctx;
    if (a && a->market)
        market_app_preverify(a->market, tx, len);
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
