/*
 * limits.h — every size and count the RPC server bounds, in one place.
 *
 * The configurable ones ([rpc] in config.toml) have their defaults here and
 * are passed in rpc_server_opts; the rest are fixed.
 */
#ifndef AGORA_RPC_LIMITS_H
#define AGORA_RPC_LIMITS_H

/* HTTP request line plus headers (CometBFT: Go's default 1 MiB; we need far less). */
#define RPC_HEADER_MAX    (16u * 1024u)
#define RPC_HEADERS_COUNT 64u
#define RPC_TARGET_MAX    (8u * 1024u)
/* Default max_body_bytes (CometBFT's default 1000000). */
#define RPC_BODY_MAX_DEFAULT 1000000u
/* Default max_open_connections (CometBFT 900) and subscriptions per client (5). */
#define RPC_CONNECTIONS_DEFAULT   900u
#define RPC_SUBSCRIPTIONS_DEFAULT 5u
/* Subscriptions (all clients) and event queries. */
#define RPC_SUBSCRIPTIONS_TOTAL 10000u
#define RPC_QUERY_MAX           1024u /* bytes of an event query */
#define RPC_QUERY_CONDITIONS    16u   /* conditions joined by AND */
/* JSON-RPC batch size and nesting. */
#define RPC_BATCH_MAX 100u
/* Pending output per connection: a client that reads slower than events
 * arrive is disconnected when its queue passes this. */
#define RPC_WRITE_QUEUE_MAX (16u * 1024u * 1024u)
/* An idle or half-sent HTTP request is dropped after this (ms). */
#define RPC_REQUEST_TIMEOUT_MS 10000u
/* Default timeout_broadcast_tx_commit (CometBFT 10 s). */
#define RPC_BROADCAST_COMMIT_TIMEOUT_DEFAULT_MS 10000u
/* Websocket: a message (all fragments) and the ping interval. */
#define RPC_WS_MESSAGE_MAX (1024u * 1024u)
#define RPC_WS_PING_MS     27000u
/* Search pagination (CometBFT: per_page default 30, max 100). */
#define RPC_PER_PAGE_DEFAULT 30
#define RPC_PER_PAGE_MAX     100
/* The most results one search collects before paging. */
#define RPC_SEARCH_RESULTS_MAX 10000u
/* blockchain: at most this many metas per call (CometBFT 20). */
#define RPC_BLOCKCHAIN_MAX 20
/* unconfirmed_txs: limit default and max (CometBFT 30 / 100). */
#define RPC_UNCONFIRMED_DEFAULT 30
#define RPC_UNCONFIRMED_MAX     100
/* Pending published blocks waiting for the server thread. */
#define RPC_PUBLISH_QUEUE_MAX 64u

#endif
