/* client_local.c — the application in-process: calls under its mutex, no copies. */
#include <stdlib.h>

#include "abci/client_impl.h"
#include "abci/limits.h"

typedef struct local_client {
    abci_client base;
    abci_app app;
    pthread_mutex_t *mutex;
    pthread_mutex_t own;
    abci_arena *arena; /* responses to abci_client_send, until their callback returns */
} local_client;

static ag_err local_dispatch(local_client *lc, abci_arena *arena, const abci_request *req,
                             abci_response *resp)
{
    pthread_mutex_lock(lc->mutex);
    ag_err err = abci_app_dispatch(&lc->app, arena, req, resp);
    pthread_mutex_unlock(lc->mutex);
    return err;
}

static ag_err local_send(abci_client *c, const abci_request *req, abci_response_cb cb, void *user)
{
    local_client *lc = (local_client *)c;
    abci_response resp;
    abci_arena_reset(lc->arena);
    ag_err err = local_dispatch(lc, lc->arena, req, &resp);
    cb(user, err, err ? NULL : &resp);
    abci_arena_reset(lc->arena);
    return AG_OK;
}

static ag_err local_flush(abci_client *c)
{
    (void)c; /* every local request is answered when sent */
    return AG_OK;
}

static ag_err local_call(abci_client *c, abci_arena *arena, const abci_request *req,
                         abci_response **out)
{
    local_client *lc = (local_client *)c;
    abci_response *resp = abci_arena_alloc(arena, sizeof *resp);
    if (!resp)
        return AG_ERR_NOMEM;
    ag_err err = local_dispatch(lc, arena, req, resp);
    if (err)
        return err;
    *out = resp;
    return AG_OK;
}

static void local_free(abci_client *c)
{
    local_client *lc = (local_client *)c;
    if (lc->mutex == &lc->own)
        pthread_mutex_destroy(&lc->own);
    abci_arena_free(lc->arena);
    free(lc);
}

static const abci_client_vt local_vt = {local_send, local_flush, local_call, local_free};

ag_err abci_local_new(abci_client **out, const abci_app *app, pthread_mutex_t *mutex)
{
    *out = NULL;
    ag_err err = abci_app_check(app);
    if (err)
        return err;
    local_client *lc = calloc(1, sizeof *lc);
    if (!lc)
        return ag_err_set(AG_ERR_NOMEM, "abci: local client");
    if ((err = abci_arena_new(&lc->arena, ABCI_RESPONSE_ARENA_MAX)) != AG_OK) {
        free(lc);
        return err;
    }
    lc->base.vt = &local_vt;
    lc->app = *app;
    if (mutex) {
        lc->mutex = mutex;
    } else {
        pthread_mutex_init(&lc->own, NULL);
        lc->mutex = &lc->own;
    }
    *out = &lc->base;
    return AG_OK;
}
