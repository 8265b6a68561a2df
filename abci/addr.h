/*
 * addr.h — ABCI listen/dial addresses, as CometBFT writes them:
 *   tcp://127.0.0.1:26658   tcp://[::1]:26658   tcp://localhost:26658
 *   unix:///run/agora/app.sock   (unix://relative/path also works)
 *   127.0.0.1:26658             (no scheme: TCP)
 */
#ifndef AGORA_ABCI_ADDR_H
#define AGORA_ABCI_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

#include "abci/limits.h"
#include "lib/err.h"

typedef enum abci_addr_kind { ABCI_ADDR_TCP = 1, ABCI_ADDR_UNIX = 2 } abci_addr_kind;

typedef struct abci_addr {
    abci_addr_kind kind;
    char host[ABCI_ADDR_MAX]; /* TCP: name or numeric address, without brackets */
    uint16_t port;            /* TCP */
    char path[108];           /* Unix: the socket path (sun_path) */
} abci_addr;

/* Parse `s`. AG_ERR_DECODE naming what is wrong (unknown scheme, missing or
 * bad port, empty host or path); AG_ERR_TOO_LARGE for a path longer than a
 * Unix socket allows. *out is zeroed on error. */
ag_err abci_addr_parse(abci_addr *out, const char *s);

/*
 * The socket address to bind or connect to (TCP names are resolved with
 * getaddrinfo, first result). AG_ERR_NOT_FOUND if the name does not resolve.
 */
ag_err abci_addr_sockaddr(const abci_addr *a, struct sockaddr_storage *ss, socklen_t *len);

#endif
