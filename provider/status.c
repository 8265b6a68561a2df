/*
 * status.c — a minimal HTTP/1.0 status server on its own thread, and the
 * libcurl client that reads it (see status.h).
 */
#include "provider/status.h"

#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/buf.h"

#define REQUEST_MAX 4096

struct provider_status {
    int fd;
    int stop_pipe[2];
    pthread_t thread;
    pthread_mutex_t lock;
    char *body; /* the snapshot, serialised once per set */
};

/* "host:port" split at the last colon; [v6]:port accepted. */
static ag_err split_addr(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1] || strlen(colon + 1) >= pcap)
        return ag_err_set(AG_ERR_INVALID_ARG, "status address \"%s\": want host:port", addr);
    const char *h = addr;
    size_t hl = (size_t)(colon - addr);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hcap)
        return ag_err_set(AG_ERR_INVALID_ARG, "status address \"%s\": host too long", addr);
    memcpy(host, h, hl);
    host[hl] = 0;
    snprintf(port, pcap, "%s", colon + 1);
    return AG_OK;
}

static void respond(provider_status *s, int c)
{
    struct timeval tv = {2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[REQUEST_MAX + 1];
    size_t got = 0;
    while (got < REQUEST_MAX) {
        ssize_t r = recv(c, req + got, REQUEST_MAX - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[got] = 0;
    bool ok = !strncmp(req, "GET / ", 6) || !strncmp(req, "GET /status ", 12);
    pthread_mutex_lock(&s->lock);
    const char *body = ok ? (s->body ? s->body : "{}") : "{\"error\":\"not found\"}";
    char head[160];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.0 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      ok ? "200 OK" : "404 Not Found", strlen(body) + 1);
    ag_buf out;
    ag_buf_init(&out, 64 << 20);
    if (!ag_buf_append(&out, head, (size_t)hl) && !ag_buf_append(&out, body, strlen(body)))
        ag_buf_append(&out, "\n", 1);
    pthread_mutex_unlock(&s->lock);
    size_t off = 0;
    while (off < out.len) {
        ssize_t w = send(c, out.data + off, out.len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    ag_buf_free(&out);
}

static void *serve(void *arg)
{
    provider_status *s = arg;
    for (;;) {
        struct pollfd p[2] = {{s->fd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        respond(s, c);
        close(c);
    }
    return NULL;
}

ag_err provider_status_start(provider_status **out, const char *listen_addr)
{
    char host[256], port[16];
    ag_err err = split_addr(listen_addr, host, sizeof host, port, sizeof port);
    if (err)
        return err;
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) || !ai)
        return ag_err_set(AG_ERR_IO, "status address %s: cannot resolve", listen_addr);
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
        err = ag_err_set(AG_ERR_IO, "status address %s: %s", listen_addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return err;
    }
    freeaddrinfo(ai);
    provider_status *s = calloc(1, sizeof *s);
    if (!s || pipe(s->stop_pipe)) {
        free(s);
        close(fd);
        return ag_err_set(AG_ERR_NOMEM, "status server");
    }
    s->fd = fd;
    pthread_mutex_init(&s->lock, NULL);
    if (pthread_create(&s->thread, NULL, serve, s)) {
        close(fd);
        close(s->stop_pipe[0]);
        close(s->stop_pipe[1]);
        free(s);
        return ag_err_set(AG_ERR_NOMEM, "status server thread");
    }
    *out = s;
    return AG_OK;
}

void provider_status_set(provider_status *s, json_t *snapshot)
{
    char *body = snapshot ? json_dumps(snapshot, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    json_decref(snapshot);
    if (!body)
        return;
    pthread_mutex_lock(&s->lock);
    free(s->body);
    s->body = body;
    pthread_mutex_unlock(&s->lock);
}

void provider_status_stop(provider_status *s)
{
    if (!s)
        return;
    ssize_t w = write(s->stop_pipe[1], "x", 1);
    (void)w;
    pthread_join(s->thread, NULL);
    close(s->fd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    pthread_mutex_destroy(&s->lock);
    free(s->body);
    free(s);
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    ag_buf *b = user;
    return ag_buf_append(b, data, size * n) ? 0 : size * n;
}

ag_err provider_status_fetch(const char *addr, json_t **out)
{
    char url[320];
    snprintf(url, sizeof url, "http://%s/status", addr);
    CURL *c = curl_easy_init();
    if (!c)
        return ag_err_set(AG_ERR_NOMEM, "curl");
    ag_buf body;
    ag_buf_init(&body, 64 << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    ag_err err = AG_OK;
    if (rc != CURLE_OK)
        err = ag_err_set(AG_ERR_CONN_REFUSED, "%s: %s (is the daemon running?)", url,
                         curl_easy_strerror(rc));
    else if (code != 200)
        err = ag_err_set(AG_ERR_STATE, "%s: HTTP %ld", url, code);
    json_error_t je;
    if (!err && !(*out = json_loadb((const char *)body.data, body.len, 0, &je)))
        err = ag_err_set(AG_ERR_DECODE, "%s: not JSON: %s", url, je.text);
    ag_buf_free(&body);
    return err;
}
