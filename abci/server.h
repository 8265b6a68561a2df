/*
 * server.h — the application side of the ABCI socket protocol, on libuv.
 *
 * One event loop thread serves every connection (CometBFT opens four:
 * consensus, mempool, query, snapshot). Requests of a connection are
 * answered in order; requests of different connections in the order their
 * bytes arrive. Every application call is made under one mutex (the
 * server's own, or one shared with local clients of the same application),
 * so the application sees one call at a time, as under CometBFT's server.
 *
 * Flush is a barrier: responses are buffered per connection and written
 * only when that connection's Flush request is answered.
 *
 * Hostile peers: a truncated frame at EOF, a length prefix over 10 bytes, a
 * length over the frame cap, bytes that are not a Request, an unknown
 * request type, or too many responses buffered without a Flush each close
 * that connection (after a ResponseException telling the peer why, where
 * the stream still allows it), are logged, and are counted in
 * abci_server_stats. A peer that stops reading makes the server stop reading
 * from it (write queue cap) instead of buffering without bound. An
 * application error answers that request with a ResponseException and keeps
 * the connection.
 */
#ifndef AGORA_ABCI_SERVER_H
#define AGORA_ABCI_SERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "abci/types.h"

typedef struct abci_server abci_server;

/* Zero fields take the defaults of abci/limits.h. */
typedef struct abci_server_opts {
    size_t frame_max;           /* ABCI_FRAME_MAX */
    size_t unflushed_bytes_max; /* ABCI_SERVER_UNFLUSHED_BYTES_MAX */
    size_t unflushed_count_max; /* ABCI_SERVER_UNFLUSHED_COUNT_MAX */
    size_t write_queue_max;     /* ABCI_SERVER_WRITE_QUEUE_MAX */
    unsigned conns_max;         /* ABCI_SERVER_CONNS_MAX */
    pthread_mutex_t *app_mutex; /* NULL: the server's own; borrowed until abci_server_free */
} abci_server_opts;

typedef struct abci_server_stats {
    uint64_t conns_accepted;  /* connections served */
    uint64_t conns_refused;   /* over conns_max */
    uint64_t conns_open;      /* open now */
    uint64_t requests;        /* requests answered (Flush included) */
    uint64_t exceptions;      /* application errors answered with an exception */
    uint64_t protocol_errors; /* connections closed for breaking the protocol */
} abci_server_stats;

/*
 * A server for `app` (copied; ops and ctx borrowed until abci_server_free).
 * opts NULL: defaults. Caller frees with abci_server_free. Sets SIGPIPE to
 * ignored if it has the default disposition (a peer that vanishes while we
 * write is a write error, not the end of the process).
 * AG_ERR_INVALID_ARG (a callback missing), AG_ERR_NOMEM, libuv errors.
 */
ag_err abci_server_new(abci_server **out, const abci_app *app, const abci_server_opts *opts);

/*
 * Listen on `addr` (abci/addr.h; TCP port 0 picks a free port). Once per
 * server, before run/start. A Unix socket file left by a dead server is
 * replaced; one a live server answers on gives AG_ERR_ADDR_IN_USE, and a
 * path that is not a socket AG_ERR_EXISTS. Bind errors come from libuv
 * (AG_ERR_ADDR_IN_USE, AG_ERR_PERMISSION...).
 */
ag_err abci_server_listen(abci_server *s, const char *addr);

/* The address actually bound ("tcp://127.0.0.1:40123", "unix:///x.sock"),
 * "" before a successful listen. Borrowed until abci_server_free. */
const char *abci_server_address(const abci_server *s);

/* Serve on the calling thread until abci_server_stop. */
ag_err abci_server_run(abci_server *s);

/* Serve on a new thread (joined by abci_server_free). AG_ERR_STATE if
 * already running. */
ag_err abci_server_start(abci_server *s);

/* Ask the server to close every connection and return from run. Safe from
 * any thread and from a signal handler; repeated calls are harmless. */
void abci_server_stop(abci_server *s);

/* A consistent-enough snapshot of the counters (each read atomically). */
void abci_server_stats_get(const abci_server *s, abci_server_stats *out);

/* Stop, join, close every handle, remove a Unix socket file this server
 * created, free. NULL is a no-op. */
void abci_server_free(abci_server *s);

#endif
