/*
 * app.h — the ABCI application a node runs, chosen by [abci] app:
 *
 *   builtin:kvstore   the example key-value store (abci/kvstore.h), in
 *                     process, state in memory (replayed from the block
 *                     store at every start by the handshake)
 *   builtin:market    the market application (market/), in process, its
 *                     store in <home>/data/application.db
 *   tcp://host:port   an application behind an ABCI socket
 *   unix:///path
 *
 * Builtin applications are reached through local clients sharing one mutex
 * (abci/client.h), so the four connections call the application one at a
 * time; a socket application gets four socket connections, as CometBFT
 * opens them.
 */
#ifndef AGORA_NODE_APP_H
#define AGORA_NODE_APP_H

#include "abci/client.h"
#include "lib/err.h"
#include "node/home.h"

typedef enum node_app_kind {
    NODE_APP_KVSTORE,
    NODE_APP_MARKET,
    NODE_APP_SOCKET,
} node_app_kind;

/* The four ABCI connections. */
typedef enum node_app_conn {
    NODE_APP_CONSENSUS = 0,
    NODE_APP_MEMPOOL,
    NODE_APP_QUERY,
    NODE_APP_SNAPSHOT,
    NODE_APP__CONNS
} node_app_conn;

/* True when this build contains the market application (init's default). */
bool node_app_market_built(void);

/* Classify an [abci] app value. AG_ERR_INVALID_ARG for anything else. */
ag_err node_app_kind_parse(const char *spec, node_app_kind *out);

/* Most --account flags `agorad init` and `agorad testnet` take. */
#define NODE_GENESIS_ACCOUNTS_MAX 256

/*
 * The app_state `agorad init` and `agorad testnet` write into genesis.json
 * for a builtin app (caller frees with free()): "{}" for the kvstore; for
 * the market, default params and a bank balance for each of accounts[0..n),
 * strings "agora1...=AMOUNT" where AMOUNT is a positive integer of uagora or
 * an amount with its denom ("5000uagora"). The market creates the accounts
 * of those balances at InitChain. AG_ERR_INVALID_ARG (the detail names the
 * entry): a malformed entry, a repeated address, more than
 * NODE_GENESIS_ACCOUNTS_MAX, or accounts for the kvstore.
 */
ag_err node_app_genesis_state(node_app_kind kind, const char *const *accounts, size_t n,
                              char **out);

typedef struct node_app node_app;

/* Create the application (builtin) or connect to it (socket) and open its
 * four clients. home is borrowed for the call. The errors of the
 * application (market: its store) and of abci_socket_new. *out: caller frees with node_app_close.
 */
ag_err node_app_open(node_app **out, const node_home *home);

/* The client of one connection, borrowed until node_app_close. */
abci_client *node_app_client(node_app *app, node_app_conn conn);

/* Check tx's signatures ahead of CheckTx, from any thread (builtin market:
 * market_app_preverify; otherwise nothing). ctx is the node_app. */
void node_app_preverify(void *ctx, const uint8_t *tx, size_t len);

/* Closes the clients, then the application. NULL is a no-op. */
void node_app_close(node_app *app);

#endif
