/* page_server.c — the operator pages' blocking one-thread HTTP listener. */
#include "rpc/page_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rpc/http.h"
#include "rpc/limits.h"

struct rpc_page_server {
    int fd;
    int stop_pipe[2];
    int port;
    rpc_page_fn fn;
    void *ctx;
    pthread_t thread;
};

static void reply(int fd, int status, const char *type, const uint8_t *body, size_t len)
{
    ag_buf out;
    ag_buf_init(&out, 0);
    if (rpc_http_response(&out, status, type, (const char *)body, len, false) == AG_OK) {
        size_t off = 0;
        while (off < out.len) {
            ssize_t n = send(fd, out.data + off, out.len - off, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
    }
    ag_buf_free(&out);
}

static void serve(rpc_page_server *s, int fd)
{
    uint8_t in[RPC_HEADER_MAX];
    size_t len = 0;
    rpc_http_req req;
    ag_err err = AG_ERR_TRUNCATED;
    while (err == AG_ERR_TRUNCATED && len < sizeof in) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, RPC_PAGE_IO_MS) <= 0)
            return; /* slow or silent client */
        ssize_t n = recv(fd, in + len, sizeof in - len, 0);
        if (n <= 0)
            return;
        len += (size_t)n;
        err = rpc_http_parse(&req, in, len, 0);
    }
    if (err != AG_OK) {
        static const char msg[] = "bad request\n";
        reply(fd, err == AG_ERR_TOO_LARGE || err == AG_ERR_TRUNCATED ? 413 : 400, "text/plain",
              (const uint8_t *)msg, sizeof msg - 1);
        return;
    }
    int status = 500;
    const char *type = "text/plain";
    ag_buf body;
    ag_buf_init(&body, 0);
    s->fn(s->ctx, req.method == RPC_HTTP_GET, (const char *)req.path.ptr, req.path.len, &status,
          &type, &body);
    reply(fd, status, type, body.data, body.len);
    ag_buf_free(&body);
}

static void *server_main(void *arg)
{
    rpc_page_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN},
                              {.fd = s->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        serve(s, c);
        close(c);
    }
    return NULL;
}

/* tcp://host:port (host may be [v6]) -> a listening socket and its port. */
static ag_err listen_tcp(const char *laddr, const char *what, int *fd_out, int *port_out)
{
    if (strncmp(laddr, "tcp://", 6) != 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "%s: %s: expected tcp://host:port", what, laddr);
    char host[256];
    int hn = snprintf(host, sizeof host, "%s", laddr + 6);
    if (hn < 0 || (size_t)hn >= sizeof host)
        return ag_err_set(AG_ERR_INVALID_ARG, "%s: %s: address too long", what, laddr);
    char *colon = strrchr(host, ':');
    if (!colon || !colon[1])
        return ag_err_set(AG_ERR_INVALID_ARG, "%s: %s: no port", what, laddr);
    *colon = '\0';
    const char *port = colon + 1;
    char *h = host;
    size_t hl = strlen(h);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int rv = getaddrinfo(h[0] ? h : NULL, port, &hints, &res);
    if (rv != 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "%s: %s: %s", what, laddr, gai_strerror(rv));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ag_err err = AG_OK;
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0)
        err = ag_err_from_errno(errno, laddr);
    freeaddrinfo(res);
    if (err) {
        if (fd >= 0)
            close(fd);
        return err;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    *fd_out = fd;
    return AG_OK;
}

ag_err rpc_page_server_start(rpc_page_server **out, const char *laddr, const char *what,
                             rpc_page_fn fn, void *ctx)
{
    *out = NULL;
    rpc_page_server *s = calloc(1, sizeof *s);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "%s server", what);
    s->fn = fn;
    s->ctx = ctx;
    ag_err err = listen_tcp(laddr, what, &s->fd, &s->port);
    if (err) {
        free(s);
        return err;
    }
    if (pipe2(s->stop_pipe, O_CLOEXEC) != 0) {
        err = ag_err_from_errno(errno, "page server: pipe");
        close(s->fd);
        free(s);
        return err;
    }
    if (pthread_create(&s->thread, NULL, server_main, s) != 0) {
        close(s->fd);
        close(s->stop_pipe[0]);
        close(s->stop_pipe[1]);
        free(s);
        return ag_err_set(AG_ERR_NOMEM, "%s server: thread", what);
    }
    *out = s;
    return AG_OK;
}

int rpc_page_server_port(const rpc_page_server *s)
{
    return s->port;
}

void rpc_page_server_free(rpc_page_server *s)
{
    if (!s)
        return;
    ssize_t n = write(s->stop_pipe[1], "x", 1);
    (void)n;
    pthread_join(s->thread, NULL);
    close(s->fd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    free(s);
}
