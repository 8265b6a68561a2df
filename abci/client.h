/*
 * client.h — the consensus side of ABCI: one interface, two transports.
 *
 *   abci_local_new   the application in-process (the node's default): the
 *                    caller's request structures go straight to the
 *                    callbacks and their responses come straight back;
 *                    nothing is encoded or copied.
 *   abci_socket_new  an application behind a Unix or TCP socket
 *                    (client_socket.c): requests are pipelined and sent
 *                    with a Flush; responses must come back in order and of
 *                    the matching type.
 *
 * Both give the same results for the same application (tests/unit/test_abci.c
 * runs one suite against each). CometBFT opens four clients per node
 * (consensus, mempool, query, snapshot); so does Agora.
 *
 * Threads: a client is used by one thread at a time. Local clients that
 * share an application share its mutex (abci_local_new), so four of them
 * on four threads still call the application one at a time.
 */
#ifndef AGORA_ABCI_CLIENT_H
#define AGORA_ABCI_CLIENT_H

#include <pthread.h>
#include <stddef.h>

#include "abci/arena.h"
#include "abci/types.h"

typedef struct abci_client abci_client;

/*
 * Called once per request sent with abci_client_send, in request order.
 * err == AG_OK: `resp` is the response of the matching type, borrowed until
 * the callback returns. Otherwise resp is NULL and err says why: the
 * application's error (an exception from a socket peer), AG_ERR_CLOSED when
 * the connection broke first, AG_ERR_DECODE for an out-of-order response.
 * The callback must not call into the same client.
 */
typedef void (*abci_response_cb)(void *user, ag_err err, const abci_response *resp);

/* ---- creating ---- */

/*
 * An in-process client of `app` (copied; its ops and ctx borrowed until
 * abci_client_free). `mutex` is held around each application call; pass the
 * same one to every client (and server) of this application, or NULL for a
 * mutex of the client's own. Borrowed until abci_client_free.
 * AG_ERR_INVALID_ARG if a callback is missing; AG_ERR_NOMEM.
 */
ag_err abci_local_new(abci_client **out, const abci_app *app, pthread_mutex_t *mutex);

typedef struct abci_socket_opts {
    unsigned connect_attempts;    /* tries per (re)connect, at least 1 */
    unsigned connect_interval_ms; /* pause between tries */
    unsigned io_timeout_ms;       /* longest wait for the peer; 0: forever */
    size_t frame_max;             /* largest response accepted; 0: ABCI_FRAME_MAX */
} abci_socket_opts;

/* ABCI_CLIENT_CONNECT_ATTEMPTS tries ABCI_CLIENT_CONNECT_INTERVAL_MS apart,
 * no I/O timeout, ABCI_FRAME_MAX. */
void abci_socket_opts_default(abci_socket_opts *opts);

/*
 * A client of the application at `addr` (abci/addr.h), connected before it
 * returns. opts NULL: defaults.
 * Reconnect policy: when the connection breaks, every request in flight
 * fails (its callback gets AG_ERR_CLOSED; nothing is resent, since requests
 * are not idempotent) and the next request reconnects with the same policy.
 * AG_ERR_CONN_REFUSED (or the connect error) after the last attempt, with a
 * detail naming the address and the attempts; AG_ERR_DECODE for a bad
 * address.
 */
ag_err abci_socket_new(abci_client **out, const char *addr, const abci_socket_opts *opts);

/* Closes the connection; requests still pending get AG_ERR_CLOSED callbacks.
 * NULL is a no-op. */
void abci_client_free(abci_client *c);

/* ---- calling ---- */

/*
 * Queue `req` (borrowed until this returns: it is encoded or answered before
 * then). `cb` runs when its response arrives: at once for a local client,
 * during a later flush or call for a socket client (which also flushes by
 * itself every ABCI_CLIENT_UNFLUSHED_MAX requests).
 * Errors here mean the request was not queued and cb will not run:
 * AG_ERR_TOO_LARGE (request over the frame cap), connect errors, write
 * errors (the connection is then closed and pending callbacks fail).
 */
ag_err abci_client_send(abci_client *c, const abci_request *req, abci_response_cb cb, void *user);

/* Send a Flush and wait until every request sent so far has its response
 * (and its callback has run). Connection and decoding errors as above;
 * AG_ERR_TIMEOUT after io_timeout_ms of silence (the connection is closed). */
ag_err abci_client_flush(abci_client *c);

/*
 * Send `req`, flush, and wait for its response: *out (of the matching type)
 * is allocated in `arena` and valid until the arena is reset. For a local
 * client it may also point into `req`, which the caller keeps alive while
 * using the response. An application error comes back as its ag_err (from a
 * socket peer, the code recovered from the exception text) with *out NULL.
 */
ag_err abci_client_call(abci_client *c, abci_arena *arena, const abci_request *req,
                        abci_response **out);

/* Typed calls: abci_client_info(c, arena, &req, &resp) and so on, one per
 * method but Flush, with the semantics of abci_client_call. */
#define ABCI_CLIENT_DECL_(m, M, C)                                                                 \
    ag_err abci_client_##m(abci_client *c, abci_arena *arena, const abci_req_##m *req,             \
                           abci_resp_##m **out);
ABCI_CALL_METHODS(ABCI_CLIENT_DECL_)
#undef ABCI_CLIENT_DECL_

#endif
