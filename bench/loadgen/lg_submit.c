/*
 * lg_submit.c — the tx table and the submitter.
 *
 * The table is chunked (entries never move, so the watcher and submitter
 * may hold a pointer while the market flow appends) with a hash index and
 * one FIFO per node, all under run->mu.
 *
 * The submitter is one thread writing pre-built HTTP/1.1 requests, pipelined,
 * on a few kept-alive TCP connections per node (the node answers a
 * connection's requests in order), at a fixed rate per node or, with rate 0,
 * as fast as the network commits: at most max_inflight txs sent and not yet
 * committed or refused. A tx's submit time is when its request is handed to
 * the kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/loadgen/lg.h"

#define CHUNK_BITS 16
#define CHUNK      (1u << CHUNK_BITS)
#define MAX_CHUNKS 4096
#define WINDOW     512       /* requests outstanding per connection */
#define OUT_HIGH   (1 << 18) /* bytes buffered per connection before pausing */
#define MAX_CONNS  (LG_MAX_NODES * 8)

static lg_tx *chunks[MAX_CHUNKS];

lg_tx *lg_tx_at(lg_run *run, uint32_t i)
{
    (void)run;
    return &chunks[i >> CHUNK_BITS][i & (CHUNK - 1)];
}

static uint64_t hash_key(const uint8_t h[32])
{
    uint64_t k;
    memcpy(&k, h, sizeof k);
    return k;
}

static void index_put(lg_run *run, uint32_t i)
{
    if ((run->n_txs + 1) * 2 > run->index_cap) {
        size_t nc = run->index_cap ? run->index_cap * 2 : (1u << 16);
        uint32_t *ni = malloc(nc * sizeof *ni);
        if (!ni)
            lg_die("out of memory (index)");
        memset(ni, 0xff, nc * sizeof *ni);
        for (size_t k = 0; k < run->index_cap; k++) {
            uint32_t v = run->index[k];
            if (v == UINT32_MAX)
                continue;
            size_t s = hash_key(lg_tx_at(run, v)->hash) & (nc - 1);
            while (ni[s] != UINT32_MAX)
                s = (s + 1) & (nc - 1);
            ni[s] = v;
        }
        free(run->index);
        run->index = ni;
        run->index_cap = nc;
    }
    size_t s = hash_key(lg_tx_at(run, i)->hash) & (run->index_cap - 1);
    while (run->index[s] != UINT32_MAX)
        s = (s + 1) & (run->index_cap - 1);
    run->index[s] = i;
}

long lg_tx_find_locked(lg_run *run, const uint8_t hash[32])
{
    if (!run->index_cap)
        return -1;
    size_t s = hash_key(hash) & (run->index_cap - 1);
    while (run->index[s] != UINT32_MAX) {
        if (memcmp(lg_tx_at(run, run->index[s])->hash, hash, 32) == 0)
            return run->index[s];
        s = (s + 1) & (run->index_cap - 1);
    }
    return -1;
}

static void queue_push(lg_run *run, int node, uint32_t i)
{
    size_t len = run->q_tail[node] - run->q_head[node];
    if (len == run->q_cap[node]) {
        size_t nc = run->q_cap[node] ? run->q_cap[node] * 2 : 4096;
        uint32_t *nq = malloc(nc * sizeof *nq);
        if (!nq)
            lg_die("out of memory (queue)");
        for (size_t k = 0; k < len; k++)
            nq[k] = run->queue[node][(run->q_head[node] + k) % run->q_cap[node]];
        free(run->queue[node]);
        run->queue[node] = nq;
        run->q_cap[node] = nc;
        run->q_head[node] = 0;
        run->q_tail[node] = len;
    }
    run->queue[node][run->q_tail[node]++ % run->q_cap[node]] = i;
}

uint32_t lg_tx_add(lg_run *run, uint8_t *req, uint32_t req_len, const uint8_t hash[32],
                   uint32_t account, uint32_t flow, uint8_t step, int node)
{
    pthread_mutex_lock(&run->mu);
    uint32_t i = (uint32_t)run->n_txs;
    if ((i >> CHUNK_BITS) >= MAX_CHUNKS)
        lg_die("too many txs");
    if (!chunks[i >> CHUNK_BITS] && !(chunks[i >> CHUNK_BITS] = calloc(CHUNK, sizeof(lg_tx))))
        lg_die("out of memory (txs)");
    lg_tx *t = lg_tx_at(run, i);
    t->req = req;
    t->req_len = req_len;
    t->account = account;
    t->flow = flow;
    t->step = step;
    t->node = (uint16_t)node;
    memcpy(t->hash, hash, 32);
    atomic_store(&t->state, LG_TX_NEW);
    index_put(run, i);
    run->n_txs++;
    queue_push(run, node, i);
    pthread_mutex_unlock(&run->mu);
    return i;
}

/* ---- connections ---- */

typedef struct conn {
    int fd, node;
    uint8_t *out;
    size_t out_len, out_off, out_cap;
    char *in;
    size_t in_len, in_cap;
    uint32_t fifo[WINDOW];
    size_t f_head, f_tail;
} conn;

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        lg_die("socket: %s", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        lg_die("connect to RPC port %d: %s", port, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void out_append(conn *c, const uint8_t *b, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        if (c->out_off) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        if (c->out_len + n > c->out_cap) {
            size_t nc = c->out_cap ? c->out_cap * 2 : 1 << 16;
            while (nc < c->out_len + n)
                nc *= 2;
            uint8_t *nb = realloc(c->out, nc);
            if (!nb)
                lg_die("out of memory (send buffer)");
            c->out = nb;
            c->out_cap = nc;
        }
    }
    memcpy(c->out + c->out_len, b, n);
    c->out_len += n;
}

static void conn_flush(conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w =
            send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            lg_die("RPC connection to node%d: %s", c->node, strerror(errno));
        }
        c->out_off += (size_t)w;
    }
    c->out_off = c->out_len = 0;
}

static void set_reject(lg_run *run, lg_tx *t, uint32_t idx, const char *body, size_t n)
{
    atomic_store(&t->state, LG_TX_REJECTED);
    atomic_fetch_add(&run->n_rejected, 1);
    if (run->market)
        lg_market_on_reject(run, idx);
    else
        atomic_store(&run->accts[t->account].broken, true);
    pthread_mutex_lock(&run->mu);
    if (!run->first_reject[0])
        snprintf(run->first_reject, sizeof run->first_reject, "%.*s", (int)(n < 200 ? n : 200),
                 body);
    pthread_mutex_unlock(&run->mu);
}

/* One answer's body: an "error" member or a non-zero "code" is a refusal. */
static void on_answer(lg_run *run, conn *c, const char *body, size_t n)
{
    if (c->f_head == c->f_tail)
        lg_die("node%d answered a request that was not sent", c->node);
    uint32_t idx = c->fifo[c->f_head++ % WINDOW];
    lg_tx *t = lg_tx_at(run, idx);
    const char *code = memmem(body, n, "\"code\":", 7);
    if (memmem(body, n, "\"error\"", 7) || !code || atoi(code + 7) != 0) {
        set_reject(run, t, idx, body, n);
        return;
    }
    uint8_t expect = LG_TX_SENT;
    atomic_compare_exchange_strong(&t->state, &expect, LG_TX_ACCEPTED);
    atomic_fetch_add(&run->n_accepted, 1);
}

static void conn_read(lg_run *run, conn *c)
{
    for (;;) {
        if (c->in_cap - c->in_len < 65536) {
            size_t nc = c->in_cap ? c->in_cap * 2 : 1 << 17;
            char *nb = realloc(c->in, nc);
            if (!nb)
                lg_die("out of memory (receive buffer)");
            c->in = nb;
            c->in_cap = nc;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                break;
            lg_die("RPC connection to node%d: %s", c->node, strerror(errno));
        }
        if (r == 0) {
            /* an idle connection is closed by the node after 10 s: fine
             * when nothing is outstanding, dialed again when next used */
            if (c->f_head != c->f_tail)
                lg_die("node%d closed its RPC connection with %zu answers due", c->node,
                       c->f_tail - c->f_head);
            close(c->fd);
            c->fd = -1;
            c->in_len = 0;
            return;
        }
        c->in_len += (size_t)r;
    }
    c->in[c->in_len] = 0;
    size_t off = 0;
    for (;;) {
        char *hdr_end = memmem(c->in + off, c->in_len - off, "\r\n\r\n", 4);
        if (!hdr_end)
            break;
        size_t hlen = (size_t)(hdr_end - (c->in + off)) + 4;
        long clen = -1;
        for (char *p = c->in + off; p < hdr_end; p++)
            if ((p == c->in + off || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
                clen = strtol(p + 15, NULL, 10);
                break;
            }
        if (clen < 0)
            lg_die("node%d answered without Content-Length", c->node);
        if (c->in_len - off < hlen + (size_t)clen)
            break;
        on_answer(run, c, c->in + off + hlen, (size_t)clen);
        off += hlen + (size_t)clen;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
}

static size_t inflight(lg_run *run)
{
    uint64_t done = atomic_load(&run->n_rejected) + atomic_load(&run->n_committed) +
                    atomic_load(&run->n_failed);
    uint64_t sent = atomic_load(&run->n_sent);
    return sent > done ? (size_t)(sent - done) : 0;
}

/* Next tx queued for node, or UINT32_MAX. Skips txs of broken accounts. */
static uint32_t next_tx(lg_run *run, int node)
{
    pthread_mutex_lock(&run->mu);
    uint32_t i = UINT32_MAX;
    while (run->q_head[node] < run->q_tail[node]) {
        uint32_t k = run->queue[node][run->q_head[node]++ % run->q_cap[node]];
        lg_tx *t = lg_tx_at(run, k);
        if (!run->market && atomic_load(&run->accts[t->account].broken)) {
            atomic_store(&t->state, LG_TX_SKIPPED);
            atomic_fetch_add(&run->n_skipped, 1);
            continue;
        }
        i = k;
        break;
    }
    pthread_mutex_unlock(&run->mu);
    return i;
}

static void *submit_main(void *arg)
{
    lg_run *run = arg;
    int per = run->conns_per_node < 1 ? 1 : run->conns_per_node;
    if (per * run->n_nodes > MAX_CONNS)
        per = MAX_CONNS / run->n_nodes;
    static conn conns[MAX_CONNS];
    int nc = per * run->n_nodes;
    for (int k = 0; k < nc; k++) {
        conns[k] = (conn){.node = k % run->n_nodes};
        conns[k].fd = dial(run->rpc_port[conns[k].node]);
    }
    uint64_t due[LG_MAX_NODES];
    int rr[LG_MAX_NODES] = {0};
    double interval_ns = 0;
    bool was_submitting = false;
    struct pollfd pfd[MAX_CONNS];
    while (!atomic_load(&run->stop)) {
        uint64_t now = lg_now_ns();
        bool submitting = atomic_load(&run->submitting);
        if (submitting && !was_submitting) {
            /* a new window: its rate, its schedule from now (per node,
             * staggered) */
            interval_ns = run->rate > 0 ? 1e9 * run->n_nodes / run->rate : 0;
            for (int n = 0; n < run->n_nodes; n++)
                due[n] = now + (uint64_t)(interval_ns * n / run->n_nodes);
        }
        was_submitting = submitting;
        int64_t wait_ns = 5000000;
        for (int n = 0; submitting && n < run->n_nodes; n++) {
            for (int guard = 0; guard < 4096; guard++) {
                if (interval_ns > 0 && due[n] > now) {
                    if ((int64_t)(due[n] - now) < wait_ns)
                        wait_ns = (int64_t)(due[n] - now);
                    break;
                }
                if (interval_ns == 0 && inflight(run) >= run->max_inflight)
                    break;
                conn *c = NULL;
                for (int k = 0; k < per && !c; k++) {
                    conn *cand = &conns[((rr[n] + k) % per) * run->n_nodes + n];
                    if (cand->f_tail - cand->f_head < WINDOW &&
                        cand->out_len - cand->out_off < OUT_HIGH)
                        c = cand;
                }
                if (!c)
                    break;
                uint32_t i = next_tx(run, n);
                if (i == UINT32_MAX)
                    break;
                if (c->fd < 0)
                    c->fd = dial(run->rpc_port[n]);
                rr[n]++;
                lg_tx *t = lg_tx_at(run, i);
                out_append(c, t->req, t->req_len);
                c->fifo[c->f_tail++ % WINDOW] = i;
                t->submit_ns = now;
                atomic_store(&t->state, LG_TX_SENT);
                atomic_fetch_add(&run->n_sent, 1);
                if (interval_ns > 0)
                    due[n] += (uint64_t)interval_ns;
                conn_flush(c);
            }
        }
        for (int k = 0; k < nc; k++) {
            /* a negative fd is ignored by poll: a closed, idle connection */
            pfd[k] = (struct pollfd){.fd = conns[k].fd, .events = POLLIN};
            if (conns[k].out_off < conns[k].out_len)
                pfd[k].events |= POLLOUT;
        }
        int ms = (int)((wait_ns + 999999) / 1000000);
        if (ms > 5)
            ms = 5;
        if (interval_ns == 0 && submitting)
            ms = 1; /* the in-flight bound opens as the watcher counts commits */
        int pr = poll(pfd, (nfds_t)nc, ms);
        if (pr < 0 && errno != EINTR)
            lg_die("poll: %s", strerror(errno));
        for (int k = 0; pr > 0 && k < nc; k++) {
            if (pfd[k].revents & (POLLERR | POLLHUP))
                lg_die("RPC connection to node%d broke", conns[k].node);
            if (pfd[k].revents & POLLOUT)
                conn_flush(&conns[k]);
            if (pfd[k].revents & POLLIN)
                conn_read(run, &conns[k]);
        }
    }
    for (int k = 0; k < nc; k++) {
        if (conns[k].fd >= 0)
            close(conns[k].fd);
        free(conns[k].out);
        free(conns[k].in);
    }
    return NULL;
}

void lg_submit_start(lg_run *run, pthread_t *tid)
{
    if (pthread_create(tid, NULL, submit_main, run) != 0)
        lg_die("pthread_create");
}
