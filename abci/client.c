/* client.c — the public client calls, routed to the transport. */
#include "abci/client.h"

#include <stdint.h>

#include "abci/client_impl.h"
#include "abci/codec.h"

void abci_client_free(abci_client *c)
{
    if (c)
        c->vt->free(c);
}

ag_err abci_client_send(abci_client *c, const abci_request *req, abci_response_cb cb, void *user)
{
    if (!req || !cb || req->value_case == TENDERMINT__ABCI__REQUEST__VALUE__NOT_SET)
        return ag_err_set(AG_ERR_INVALID_ARG, "abci client: send needs a request and a callback");
    return c->vt->send(c, req, cb, user);
}

ag_err abci_client_flush(abci_client *c)
{
    return c->vt->flush(c);
}

ag_err abci_client_call(abci_client *c, abci_arena *arena, const abci_request *req,
                        abci_response **out)
{
    *out = NULL;
    if (!req || req->value_case == TENDERMINT__ABCI__REQUEST__VALUE__NOT_SET)
        return ag_err_set(AG_ERR_INVALID_ARG, "abci client: call without a request");
    return c->vt->call(c, arena, req, out);
}

/* The request envelope only borrows the typed request: packing and the
 * callbacks read it, nothing writes it, so dropping const here is safe. */
#define ABCI_CLIENT_DEF_(m, M, C)                                                                  \
    ag_err abci_client_##m(abci_client *c, abci_arena *arena, const abci_req_##m *req,             \
                           abci_resp_##m **out)                                                    \
    {                                                                                              \
        *out = NULL;                                                                               \
        abci_request env = TENDERMINT__ABCI__REQUEST__INIT;                                        \
        env.value_case = TENDERMINT__ABCI__REQUEST__VALUE_##C;                                     \
        env.m = (abci_req_##m *)(uintptr_t)req;                                                    \
        abci_response *resp;                                                                       \
        ag_err err = abci_client_call(c, arena, &env, &resp);                                      \
        if (err)                                                                                   \
            return err;                                                                            \
        *out = resp->m;                                                                            \
        return AG_OK;                                                                              \
    }
ABCI_CALL_METHODS(ABCI_CLIENT_DEF_)
#undef ABCI_CLIENT_DEF_
