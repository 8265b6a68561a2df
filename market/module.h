/*
 * module.h — how the parts of the market application plug into it.
 *
 * A module (auth/bank is built in; offer, order, bid, lease and settle come
 * next) is a static table of callbacks, handed to market_app_new in
 * market_app_opts.modules. The application owns the store, the tx pipeline
 * (decode, ante, gas, write isolation, events) and the ABCI surface; a
 * module only ever sees a market_ctx:
 *
 *   - message handlers, by type URL: run inside a tx, after the ante
 *     handler, in a write layer that is dropped if any message of the tx
 *     fails. The URL must also be in the decoder registry (state/msg.h);
 *     a decodable URL with no handler fails the tx (code UNKNOWN_REQUEST).
 *   - begin_block / end_block: once per block, before / after the txs, with
 *     ctx->height (the market's "orders closing at H" and "leases
 *     exhausting at H" indices are read here), unmetered, writing straight
 *     to the block's working set. An error here is fatal to the block.
 *   - queries, by path: exact ("/agora.market.v1.Query/Orders"), or every
 *     path under a prefix when the route ends in '/' ("/agora.market.v1.Query/";
 *     the handler gets the full path). The request's protobuf bytes in, the
 *     response's appended to `out`; ctx reads the committed state of the
 *     asked height (scans only at the latest). The first matching route of
 *     the first module wins (auth, bank, then opts.modules in order).
 *   - genesis: init gets app_state[name] (NULL if absent), export returns
 *     a new JSON value for app_state[name] (or NULL for none).
 *   - invariant: read-only check of the module's bookkeeping, run by tests
 *     (market_app_check_invariants) after every block.
 *
 * Store access goes through market_ctx_get/set/delete/scan, which charge
 * gas (market/gas.h) and go through the tx's write layer; each module keeps
 * to its own first-byte key prefixes (market/keys.h: 0x10..0x3F for the
 * market modules; not enforced). Failures a user caused are reported with
 * market_ctx_fail (a tx code and log); any other error returned by a
 * handler is internal and fatal (NOMEM, IO, CORRUPT, INTERNAL) or, for the
 * remaining codes, fails the tx with a code derived from the error.
 */
#ifndef AGORA_MARKET_MODULE_H
#define AGORA_MARKET_MODULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "market/events.h"
#include "market/gas.h"
#include "market/kv.h"
#include "state/msg.h"

/* Tx result codes: the Cosmos SDK's (codespace "sdk"), so wallets show the
 * usual messages. */
enum {
    MARKET_CODE_OK = 0,
    MARKET_CODE_TX_DECODE = 2,
    MARKET_CODE_INVALID_SEQUENCE = 3,
    MARKET_CODE_UNAUTHORIZED = 4,
    MARKET_CODE_INSUFFICIENT_FUNDS = 5,
    MARKET_CODE_UNKNOWN_REQUEST = 6,
    MARKET_CODE_INVALID_ADDRESS = 7,
    MARKET_CODE_INVALID_PUBKEY = 8,
    MARKET_CODE_UNKNOWN_ADDRESS = 9,
    MARKET_CODE_INVALID_COINS = 10,
    MARKET_CODE_OUT_OF_GAS = 11,
    MARKET_CODE_MEMO_TOO_LARGE = 12,
    MARKET_CODE_INSUFFICIENT_FEE = 13,
    MARKET_CODE_TOO_MANY_SIGNATURES = 15,
    MARKET_CODE_INVALID_REQUEST = 18,
    MARKET_CODE_TX_TOO_LARGE = 21,
    MARKET_CODE_INVALID_CHAIN_ID = 28,
    MARKET_CODE_TX_TIMEOUT_HEIGHT = 30,
    MARKET_CODE_WRONG_SEQUENCE = 32,
    MARKET_CODE_NOT_FOUND = 38,
    MARKET_CODE_INTERNAL = 1,
};
#define MARKET_CODESPACE "sdk"

typedef enum market_mode {
    MARKET_MODE_CHECK,    /* CheckTx NEW */
    MARKET_MODE_RECHECK,  /* CheckTx RECHECK */
    MARKET_MODE_SIMULATE, /* Simulate query: signatures not required to verify */
    MARKET_MODE_DELIVER,  /* FinalizeBlock */
    MARKET_MODE_GENESIS,  /* InitChain */
    MARKET_MODE_QUERY,    /* read-only queries */
} market_mode;

typedef struct market_app market_app;
typedef struct market_auth_params market_auth_params;

typedef struct market_ctx {
    market_app *app;
    market_kv *kv;         /* where reads and writes go */
    market_gas_meter *gas; /* never NULL; limit UINT64_MAX: unmetered */
    market_events *events; /* never NULL */
    const market_auth_params *params;
    const char *chain_id;
    int64_t height;    /* the block being built or checked (queries: the asked height) */
    int64_t time_unix; /* block time, seconds (0 in CheckTx and queries) */
    market_mode mode;
    uint32_t code;    /* set by market_ctx_fail */
    size_t msg_index; /* index of the message being handled */
} market_ctx;

/* Fail the current tx with a result code and a log line; returns
 * AG_ERR_STATE so handlers write `return market_ctx_fail(...)`. */
ag_err market_ctx_fail(market_ctx *ctx, uint32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A record lookup's result as a handler sees it: AG_ERR_NOT_FOUND becomes a
 * failed tx (MARKET_CODE_NOT_FOUND, the lookup's "<kind> <id> does not
 * exist"); AG_OK and every other error pass through unchanged. */
ag_err market_ctx_fail_missing(market_ctx *ctx, ag_err err);

/* Gas-metered store access. get appends to val; AG_ERR_NOT_FOUND if absent. */
ag_err market_ctx_get(market_ctx *ctx, const uint8_t *key, size_t klen, ag_buf *val);
ag_err market_ctx_set(market_ctx *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
                      size_t vlen);
ag_err market_ctx_delete(market_ctx *ctx, const uint8_t *key, size_t klen);
/* market_kv_scan charging MARKET_GAS_ITER_NEXT + read bytes per visited pair. */
ag_err market_ctx_scan(market_ctx *ctx, const uint8_t *start, size_t slen, const uint8_t *end,
                       size_t elen, market_kv_visit visit, void *arg);

typedef ag_err (*market_msg_handler)(market_ctx *ctx, const market_msg *msg);

typedef struct market_msg_route {
    const char *type_url;
    market_msg_handler handle;
} market_msg_route;

/* Append the protobuf response to `out`; a user error is reported with
 * market_ctx_fail (the query's code and log). */
typedef ag_err (*market_query_handler)(market_ctx *ctx, const char *path, const uint8_t *req,
                                       size_t len, ag_buf *out);

typedef struct market_query_route {
    const char *path; /* exact path, or a prefix ending in '/' */
    market_query_handler handle;
} market_query_route;

typedef struct market_module {
    const char *name; /* app_state key and events' module attribute */
    const market_msg_route *msgs;
    size_t n_msgs;
    const market_query_route *queries;
    size_t n_queries;
    ag_err (*begin_block)(market_ctx *ctx);                       /* may be NULL */
    ag_err (*end_block)(market_ctx *ctx);                         /* may be NULL */
    ag_err (*init_genesis)(market_ctx *ctx, const json_t *state); /* may be NULL */
    ag_err (*export_genesis)(market_ctx *ctx, json_t **out);      /* may be NULL */
    ag_err (*invariant)(market_ctx *ctx);                         /* may be NULL; AG_ERR_CORRUPT */
} market_module;

#endif
