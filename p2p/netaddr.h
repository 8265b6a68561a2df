/*
 * netaddr.h — peer addresses as operators write them: "id@host:port",
 * where id is the 40-hex node ID, host an IPv4 literal, a bracketed IPv6
 * literal ("[::1]") or a host name, port 1..65535. p2p_netaddr_sockaddr
 * takes IP literals only; the switch resolves names with uv_getaddrinfo.
 */
#ifndef AGORA_P2P_NETADDR_H
#define AGORA_P2P_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"
#include "node/node_key.h"
#include "p2p/limits.h"

typedef struct p2p_netaddr {
    char id[NODE_ID_LEN + 1]; /* "" when parsed without an ID */
    char host[P2P_HOST_MAX + 1];
    uint16_t port;
} p2p_netaddr;

/* Parse "id@host:port" (or "host:port" when need_id is false).
 * AG_ERR_DECODE with a detail naming what is wrong. */
ag_err p2p_netaddr_parse(p2p_netaddr *out, const char *s, bool need_id);
/* "id@host:port" or "host:port"; out holds at least P2P_ADDR_MAX + 1 bytes. */
void p2p_netaddr_format(const p2p_netaddr *a, char *out, size_t cap);
/* The socket address of an IP-literal host. AG_ERR_UNSUPPORTED for a name. */
ag_err p2p_netaddr_sockaddr(const p2p_netaddr *a, struct sockaddr_storage *out);
/* True for a 40-character lower-case hex ID. */
bool p2p_node_id_valid(const char *id);
bool p2p_netaddr_equal(const p2p_netaddr *a, const p2p_netaddr *b);

#endif
