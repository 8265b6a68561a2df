/*
 * netaddr.c — parsing and formatting id@host:port.
 */
#include "p2p/netaddr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

bool p2p_node_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n != NODE_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

ag_err p2p_netaddr_parse(p2p_netaddr *out, const char *s, bool need_id)
{
    memset(out, 0, sizeof *out);
    if (strlen(s) > P2P_ADDR_MAX)
        return ag_err_set(AG_ERR_DECODE, "p2p: address longer than %d characters", P2P_ADDR_MAX);
    const char *at = strchr(s, '@');
    if (at) {
        size_t n = (size_t)(at - s);
        if (n != NODE_ID_LEN)
            return ag_err_set(AG_ERR_DECODE, "p2p: node ID of %zu characters in \"%s\"", n, s);
        memcpy(out->id, s, n);
        if (!p2p_node_id_valid(out->id)) {
            memset(out, 0, sizeof *out);
            return ag_err_set(AG_ERR_DECODE, "p2p: node ID not lower-case hex in \"%s\"", s);
        }
        s = at + 1;
    } else if (need_id) {
        return ag_err_set(AG_ERR_DECODE, "p2p: address \"%s\" has no id@", s);
    }
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            goto bad;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            goto bad;
        hlen = (size_t)(colon - s);
        if (memchr(s, ':', hlen))
            goto bad; /* bare IPv6 must be bracketed */
    }
    if (hlen == 0 || hlen > P2P_HOST_MAX)
        goto bad;
    memcpy(out->host, h, hlen);
    out->host[hlen] = 0;
    const char *p = colon + 1;
    if (!*p || strlen(p) > 5)
        goto bad;
    unsigned long port = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port == 0 || port > 65535)
        goto bad;
    out->port = (uint16_t)port;
    return AG_OK;
bad:
    memset(out, 0, sizeof *out);
    return ag_err_set(AG_ERR_DECODE, "p2p: address \"%s\" is not host:port", s);
}

void p2p_netaddr_format(const p2p_netaddr *a, char *out, size_t cap)
{
    bool v6 = strchr(a->host, ':') != NULL;
    snprintf(out, cap, "%s%s%s%s%s:%u", a->id, a->id[0] ? "@" : "", v6 ? "[" : "", a->host,
             v6 ? "]" : "", a->port);
}

ag_err p2p_netaddr_sockaddr(const p2p_netaddr *a, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    if (uv_ip4_addr(a->host, a->port, (struct sockaddr_in *)out) == 0)
        return AG_OK;
    if (uv_ip6_addr(a->host, a->port, (struct sockaddr_in6 *)out) == 0)
        return AG_OK;
    memset(out, 0, sizeof *out);
    return ag_err_set(AG_ERR_UNSUPPORTED, "p2p: host \"%s\" is not an IP literal", a->host);
}

bool p2p_netaddr_equal(const p2p_netaddr *a, const p2p_netaddr *b)
{
    return strcmp(a->id, b->id) == 0 && strcmp(a->host, b->host) == 0 && a->port == b->port;
}
