/* dispatch.c — one request to the matching application callback. */
#include "abci/types.h"

#include "abci/codec.h"

ag_err abci_app_check(const abci_app *app)
{
    if (!app || !app->ops)
        return ag_err_set(AG_ERR_INVALID_ARG, "abci: application has no callbacks");
#define CHECK_OP_(m, M, C)                                                                         \
    if (!app->ops->m)                                                                              \
        return ag_err_set(AG_ERR_INVALID_ARG, "abci: application does not implement " #M);
    ABCI_APP_METHODS(CHECK_OP_)
#undef CHECK_OP_
    return AG_OK;
}

ag_err abci_app_dispatch(const abci_app *app, abci_arena *arena, const abci_request *req,
                         abci_response *resp)
{
    tendermint__abci__response__init(resp);
    switch (req->value_case) {
    case TENDERMINT__ABCI__REQUEST__VALUE_ECHO: {
        abci_resp_echo *r = abci_arena_alloc(arena, sizeof *r);
        if (!r)
            return AG_ERR_NOMEM;
        tendermint__abci__response_echo__init(r);
        r->message = req->echo->message; /* borrowed from the request */
        resp->echo = r;
        resp->value_case = TENDERMINT__ABCI__RESPONSE__VALUE_ECHO;
        return AG_OK;
    }
    case TENDERMINT__ABCI__REQUEST__VALUE_FLUSH: {
        abci_resp_flush *r = abci_arena_alloc(arena, sizeof *r);
        if (!r)
            return AG_ERR_NOMEM;
        tendermint__abci__response_flush__init(r);
        resp->flush = r;
        resp->value_case = TENDERMINT__ABCI__RESPONSE__VALUE_FLUSH;
        return AG_OK;
    }
#define DISPATCH_(m, M, C)                                                                         \
    case TENDERMINT__ABCI__REQUEST__VALUE_##C: {                                                   \
        abci_resp_##m *r = abci_arena_alloc(arena, sizeof *r);                                     \
        if (!r)                                                                                    \
            return ag_err_set(AG_ERR_NOMEM, "abci: no memory for a " #M " response");              \
        tendermint__abci__response_##m##__init(r);                                                 \
        ag_err err = app->ops->m(app->ctx, arena, req->m, r);                                      \
        if (err)                                                                                   \
            return err;                                                                            \
        resp->m = r;                                                                               \
        resp->value_case = TENDERMINT__ABCI__RESPONSE__VALUE_##C;                                  \
        return AG_OK;                                                                              \
    }
        ABCI_APP_METHODS(DISPATCH_)
#undef DISPATCH_
    case TENDERMINT__ABCI__REQUEST__VALUE__NOT_SET:
        return ag_err_set(AG_ERR_DECODE, "abci: request has no value");
    default:
        return ag_err_set(AG_ERR_UNSUPPORTED, "abci: unknown request type %d",
                          (int)req->value_case);
    }
}
