/*
 * host.h — the node's event loop (libuv): timers for the consensus engine,
 * SIGINT/SIGTERM for a clean shutdown, and the P2P switch's sockets (the
 * switch runs on node_host_loop).
 *
 * One thread runs the loop and every callback; the engine is called only
 * from it. Timers are one-shot and never cancelled by the engine (a stale
 * timeout is ignored by consensus); each pending timer holds a uv_timer_t
 * that is closed when it fires or when the host shuts down, so a stopped
 * host leaves no handle in the loop.
 */
#ifndef AGORA_NODE_HOST_H
#define AGORA_NODE_HOST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

typedef struct node_host node_host;

/* Called on the loop thread when a timer fires. */
typedef void (*node_timer_cb)(void *ctx, uint64_t token);
/* Called on the loop thread when SIGINT or SIGTERM arrives (signo). The
 * loop stops after the callback returns. */
typedef void (*node_signal_cb)(void *ctx, int signo);

/* A loop with SIGINT/SIGTERM watchers. on_signal may be NULL. AG_ERR_NOMEM
 * and the libuv errors. *out: caller frees with node_host_free. */
ag_err node_host_new(node_host **out, node_signal_cb on_signal, void *ctx);

/* Close every handle (pending timers are dropped), run the loop until the
 * handles are closed, free. NULL is a no-op. */
void node_host_free(node_host *h);

/* Call cb(ctx, token) once after ms milliseconds. Timers with the same
 * deadline fire in the order they were started. AG_ERR_NOMEM. */
ag_err node_host_timer(node_host *h, uint32_t ms, node_timer_cb cb, void *ctx, uint64_t token);

/* Number of timers pending (tests, metrics). */
size_t node_host_pending_timers(const node_host *h);

/* A mutex the loop holds while it runs callbacks (released only while it
 * waits for events), so another thread holding it knows the loop is not
 * inside any callback (node/rpc_backend.h). NULL: none. Set before
 * node_host_run; borrowed until node_host_free. */
void node_host_set_lock(node_host *h, pthread_mutex_t *mu);

/* Take the node mutex from another thread (RPC, feed REP). The waiter is
 * counted, and the loop, between two iterations, lets a counted waiter in
 * before taking the mutex again: a loop kept busy by load would otherwise
 * re-take it at once and starve the RPC thread (seen: minutes of queued
 * broadcast_tx requests behind one `block` call). */
void node_host_lock_other(pthread_mutex_t *mu);

/* Run the loop until node_host_stop or a signal (holding the lock, if set,
 * except while waiting). */
void node_host_run(node_host *h);

/* Make node_host_run return after the current callback (loop thread). */
void node_host_stop(node_host *h);

/* The signal that stopped the loop, 0 if none. */
int node_host_signal(const node_host *h);

/* The libuv loop (the P2P switch runs on it). Borrowed until node_host_free. */
struct uv_loop_s *node_host_loop(node_host *h);

/* Run one loop iteration (blocking until some event), even after
 * node_host_stop: for shutdown steps that wait for close callbacks. */
void node_host_run_once(node_host *h);

/* Milliseconds of the loop's monotonic clock (cached per iteration). */
uint64_t node_host_now_ms(const node_host *h);

#endif
