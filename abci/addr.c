/* addr.c — parse and resolve ABCI addresses. */
#include "abci/addr.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

static ag_err parse_tcp(abci_addr *out, const char *s, const char *orig)
{
    const char *host = s, *colon;
    size_t hlen;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return ag_err_set(AG_ERR_DECODE, "abci address '%s': expected [ipv6]:port", orig);
        host = s + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return ag_err_set(AG_ERR_DECODE, "abci address '%s': missing :port", orig);
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0)
        return ag_err_set(AG_ERR_DECODE, "abci address '%s': empty host", orig);
    if (hlen >= sizeof out->host)
        return ag_err_set(AG_ERR_TOO_LARGE, "abci address '%s': host too long", orig);
    const char *p = colon + 1;
    char *end;
    unsigned long port = strtoul(p, &end, 10);
    if (!*p || *end || port > 65535 || p[0] == '-' || p[0] == '+')
        return ag_err_set(AG_ERR_DECODE, "abci address '%s': port must be 0..65535", orig);
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    out->port = (uint16_t)port;
    out->kind = ABCI_ADDR_TCP;
    return AG_OK;
}

ag_err abci_addr_parse(abci_addr *out, const char *s)
{
    memset(out, 0, sizeof *out);
    if (!s || !*s)
        return ag_err_set(AG_ERR_DECODE, "abci address: empty");
    if (strlen(s) >= ABCI_ADDR_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "abci address: longer than %d bytes",
                          ABCI_ADDR_MAX - 1);
    ag_err err;
    if (strncmp(s, "unix://", 7) == 0) {
        const char *path = s + 7;
        if (!*path)
            err = ag_err_set(AG_ERR_DECODE, "abci address '%s': empty socket path", s);
        else if (strlen(path) >= sizeof out->path)
            err = ag_err_set(AG_ERR_TOO_LARGE, "abci address '%s': socket path over %zu bytes", s,
                             sizeof out->path - 1);
        else {
            strcpy(out->path, path);
            out->kind = ABCI_ADDR_UNIX;
            err = AG_OK;
        }
    } else if (strncmp(s, "tcp://", 6) == 0) {
        err = parse_tcp(out, s + 6, s);
    } else if (strstr(s, "://")) {
        err = ag_err_set(AG_ERR_DECODE, "abci address '%s': scheme must be tcp:// or unix://", s);
    } else {
        err = parse_tcp(out, s, s);
    }
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err abci_addr_sockaddr(const abci_addr *a, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (a->kind == ABCI_ADDR_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)ss;
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, a->path, strlen(a->path) + 1);
        *len = (socklen_t)sizeof *un;
        return AG_OK;
    }
    if (a->kind != ABCI_ADDR_TCP)
        return ag_err_set(AG_ERR_INVALID_ARG, "abci address: not parsed");
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", a->port);
    int rc = getaddrinfo(a->host, port, &hints, &res);
    if (rc != 0 || !res)
        return ag_err_set(AG_ERR_NOT_FOUND, "abci address: cannot resolve '%s': %s", a->host,
                          gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return AG_OK;
}
