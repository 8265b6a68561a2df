/* host.c — the libuv loop under `agorad start`. */
#include "node/host.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

typedef struct host_timer {
    uv_timer_t handle; /* first: the handle's data points back at us anyway */
    node_host *host;
    node_timer_cb cb;
    void *ctx;
    uint64_t token;
    struct host_timer *prev, *next; /* the host's pending list */
} host_timer;

struct node_host {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    node_signal_cb on_signal;
    void *ctx;
    host_timer *timers; /* pending, newest first */
    size_t n_timers;
    int signo;
    bool stopping;
    pthread_mutex_t *lock; /* held while callbacks run; NULL: none */
};

static void unlink_timer(host_timer *t)
{
    node_host *h = t->host;
    if (t->prev)
        t->prev->next = t->next;
    else
        h->timers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    h->n_timers--;
}

static void free_timer(uv_handle_t *handle)
{
    free(handle->data);
}

static void on_timer(uv_timer_t *handle)
{
    host_timer *t = handle->data;
    unlink_timer(t);
    node_timer_cb cb = t->cb;
    void *ctx = t->ctx;
    uint64_t token = t->token;
    uv_close((uv_handle_t *)&t->handle, free_timer);
    cb(ctx, token);
}

static void on_signal(uv_signal_t *handle, int signo)
{
    node_host *h = handle->data;
    h->signo = signo;
    if (h->on_signal)
        h->on_signal(h->ctx, signo);
    node_host_stop(h);
}

ag_err node_host_new(node_host **out, node_signal_cb on_signal_cb, void *ctx)
{
    *out = NULL;
    node_host *h = calloc(1, sizeof *h);
    if (!h)
        return ag_err_set(AG_ERR_NOMEM, "node host");
    int rc = uv_loop_init(&h->loop);
    if (rc) {
        free(h);
        return ag_err_from_uv(rc, "uv_loop_init");
    }
    h->on_signal = on_signal_cb;
    h->ctx = ctx;
    uv_signal_init(&h->loop, &h->sigint);
    uv_signal_init(&h->loop, &h->sigterm);
    h->sigint.data = h->sigterm.data = h;
    if ((rc = uv_signal_start(&h->sigint, on_signal, SIGINT)) != 0 ||
        (rc = uv_signal_start(&h->sigterm, on_signal, SIGTERM)) != 0) {
        node_host_free(h);
        return ag_err_from_uv(rc, "uv_signal_start");
    }
    *out = h;
    return AG_OK;
}

void node_host_free(node_host *h)
{
    if (!h)
        return;
    while (h->timers) {
        host_timer *t = h->timers;
        unlink_timer(t);
        uv_timer_stop(&t->handle);
        uv_close((uv_handle_t *)&t->handle, free_timer);
    }
    uv_close((uv_handle_t *)&h->sigint, NULL);
    uv_close((uv_handle_t *)&h->sigterm, NULL);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    uv_loop_close(&h->loop);
    free(h);
}

ag_err node_host_timer(node_host *h, uint32_t ms, node_timer_cb cb, void *ctx, uint64_t token)
{
    host_timer *t = calloc(1, sizeof *t);
    if (!t)
        return ag_err_set(AG_ERR_NOMEM, "timer");
    t->host = h;
    t->cb = cb;
    t->ctx = ctx;
    t->token = token;
    uv_timer_init(&h->loop, &t->handle);
    t->handle.data = t;
    int rc = uv_timer_start(&t->handle, on_timer, ms, 0);
    if (rc) {
        uv_close((uv_handle_t *)&t->handle, free_timer);
        return ag_err_from_uv(rc, "uv_timer_start");
    }
    t->next = h->timers;
    if (h->timers)
        h->timers->prev = t;
    h->timers = t;
    h->n_timers++;
    return AG_OK;
}

size_t node_host_pending_timers(const node_host *h)
{
    return h->n_timers;
}

void node_host_set_lock(node_host *h, pthread_mutex_t *mu)
{
    h->lock = mu;
}

/* Threads inside node_host_lock_other, waiting for the node mutex. */
static _Atomic int lock_waiters;

void node_host_lock_other(pthread_mutex_t *mu)
{
    atomic_fetch_add(&lock_waiters, 1);
    pthread_mutex_lock(mu);
    atomic_fetch_sub(&lock_waiters, 1);
}

/* After releasing the mutex: give counted waiters up to 2 ms to take it
 * (they block in the kernel; without this the loop wins every race). The
 * bound is time, not a count: a sleep of 1 us lasts ~60 us. */
static void let_waiters_in(void)
{
    if (atomic_load(&lock_waiters) == 0)
        return;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; atomic_load(&lock_waiters) > 0; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > 2000000L)
            return;
        if (i < 50)
            sched_yield();
        else
            usleep(1);
    }
}

void node_host_run(node_host *h)
{
    if (!h->lock) {
        while (!h->stopping && uv_run(&h->loop, UV_RUN_ONCE) != 0)
            ;
        return;
    }
    /* Embedded-loop form: run ready callbacks without blocking (lock held),
     * then wait on the loop's backend fd with the lock released. */
    pthread_mutex_lock(h->lock);
    while (!h->stopping && uv_run(&h->loop, UV_RUN_NOWAIT) != 0 && !h->stopping) {
        int timeout = uv_backend_timeout(&h->loop);
        struct pollfd pfd = {.fd = uv_backend_fd(&h->loop), .events = POLLIN};
        pthread_mutex_unlock(h->lock);
        let_waiters_in();
        int rc = poll(&pfd, 1, timeout);
        pthread_mutex_lock(h->lock);
        if (rc < 0 && errno != EINTR)
            break;
    }
    pthread_mutex_unlock(h->lock);
}

void node_host_stop(node_host *h)
{
    h->stopping = true;
    uv_stop(&h->loop);
}

int node_host_signal(const node_host *h)
{
    return h->signo;
}

uint64_t node_host_now_ms(const node_host *h)
{
    return uv_now(&h->loop);
}

struct uv_loop_s *node_host_loop(node_host *h)
{
    return &h->loop;
}

void node_host_run_once(node_host *h)
{
    uv_run(&h->loop, UV_RUN_ONCE);
}
