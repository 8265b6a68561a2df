/*
 * limits.h — every size and count limit of the ABCI layer, in one place.
 *
 * Everything read from an ABCI socket is hostile until decoded: the frame
 * decoder checks the length prefix against ABCI_FRAME_MAX before buffering a
 * byte of the body, the protobuf decoder runs on a budgeted arena, and every
 * per-connection buffer has a cap. A peer that breaks one gets a clear error
 * and its connection closed; other connections are unaffected.
 */
#ifndef AGORA_ABCI_LIMITS_H
#define AGORA_ABCI_LIMITS_H

#include <stddef.h>

/* Largest Request or Response body (without its varint prefix). CometBFT's
 * socket protocol reads messages of up to 100 MiB, the largest block. */
#define ABCI_FRAME_MAX ((size_t)104857600)

/* The length prefix is an unsigned varint: at most 10 bytes. */
#define ABCI_FRAME_PREFIX_MAX 10

/* Decoding a message may allocate at most this much: a fixed allowance plus
 * a multiple of its wire size, so a frame of a million empty txs cannot
 * expand into gigabytes of protobuf-c structures. */
#define ABCI_DECODE_BASE     ((size_t)1 << 20)
#define ABCI_DECODE_PER_BYTE 4
#define ABCI_DECODE_HEADROOM 64 /* bytes per element protobuf-c may spend beyond the budget */

/* Memory an application may allocate from the response arena for one call. */
#define ABCI_RESPONSE_ARENA_MAX ((size_t)256 << 20)

/* ---- server ---- */

/* Concurrent connections (CometBFT opens four). Extra ones are refused. */
#define ABCI_SERVER_CONNS_MAX 64

/* Responses buffered before the peer's Flush: a peer that keeps sending
 * requests without one is closed when either cap is crossed. CometBFT's
 * client flushes at least every 20 ms. */
#define ABCI_SERVER_UNFLUSHED_COUNT_MAX 65536
#define ABCI_SERVER_UNFLUSHED_BYTES_MAX (ABCI_FRAME_MAX + ((size_t)16 << 20))

/* Flushed responses not yet taken by the peer's socket: above this the server
 * stops reading from that connection until the peer catches up. */
#define ABCI_SERVER_WRITE_QUEUE_MAX ((size_t)16 << 20)

/* Bytes asked from the socket per read once a frame's size is known. */
#define ABCI_READ_CHUNK ((size_t)64 << 10)

/* ---- socket client ---- */

/* Requests sent without a Flush: the client sends one itself at this count,
 * far below the server's cap. */
#define ABCI_CLIENT_UNFLUSHED_MAX 1024

/* Requests awaiting a response (flushed or not). */
#define ABCI_CLIENT_PENDING_MAX 4096

/* Longest wait for one connect attempt to complete. */
#define ABCI_CLIENT_CONNECT_TIMEOUT_MS 5000

/* Encoded requests kept before they are written even without a Flush. */
#define ABCI_CLIENT_WRITE_BUFFER ((size_t)64 << 10)

/* Default connect retry policy (abci_socket_opts). */
#define ABCI_CLIENT_CONNECT_ATTEMPTS    10
#define ABCI_CLIENT_CONNECT_INTERVAL_MS 100

/* ---- addresses ---- */

/* "unix://" + a sun_path (108 bytes on Linux) or "tcp://host:port". */
#define ABCI_ADDR_MAX 256

#endif
