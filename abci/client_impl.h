/*
 * client_impl.h — what a client transport implements (internal to abci/).
 * Every transport's struct starts with an abci_client whose vt points at
 * its functions; client.c routes the public calls through it.
 */
#ifndef AGORA_ABCI_CLIENT_IMPL_H
#define AGORA_ABCI_CLIENT_IMPL_H

#include "abci/client.h"

typedef struct abci_client_vt {
    ag_err (*send)(abci_client *c, const abci_request *req, abci_response_cb cb, void *user);
    ag_err (*flush)(abci_client *c);
    ag_err (*call)(abci_client *c, abci_arena *arena, const abci_request *req, abci_response **out);
    void (*free)(abci_client *c);
} abci_client_vt;

struct abci_client {
    const abci_client_vt *vt;
};

#endif
