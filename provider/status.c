/*
 * status.c — the daemon's status page (an rpc/page_server.h listener) and the
 * libcurl client that reads it (see status.h).
 */
#include "provider/status.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "rpc/page_server.h"

struct provider_status {
    rpc_page_server *pages;
    pthread_mutex_t lock;
    char *body; /* the snapshot, serialised once per set */
};

static void page(void *ctx, bool get, const char *path, size_t path_len, int *status,
                 const char **type, ag_buf *out)
{
    provider_status *s = ctx;
    bool ok = get && ((path_len == 1 && path[0] == '/') ||
                      (path_len == 7 && memcmp(path, "/status", 7) == 0));
    *status = ok ? 200 : 404;
    *type = "application/json";
    pthread_mutex_lock(&s->lock);
    const char *body = ok ? (s->body ? s->body : "{}") : "{\"error\":\"not found\"}";
    if (!ag_buf_append(out, body, strlen(body)))
        ag_buf_append(out, "\n", 1);
    pthread_mutex_unlock(&s->lock);
}

ag_err provider_status_start(provider_status **out, const char *listen)
{
    *out = NULL;
    char laddr[300];
    int n = snprintf(laddr, sizeof laddr, "tcp://%s", listen);
    if (n < 0 || (size_t)n >= sizeof laddr)
        return ag_err_set(AG_ERR_INVALID_ARG, "status address \"%.40s...\": too long", listen);
    provider_status *s = calloc(1, sizeof *s);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "status server");
    pthread_mutex_init(&s->lock, NULL);
    ag_err err = rpc_page_server_start(&s->pages, laddr, "status", page, s);
    if (err) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return err;
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
    rpc_page_server_free(s->pages); /* joins its thread: no page() after this */
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
