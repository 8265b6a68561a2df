/*
 * types.h — the application interface: what an ABCI application implements,
 * and the message types it sees.
 *
 * Messages are the protobuf-c structures generated from proto/tendermint/abci
 * (CometBFT v0.38 wire format); the abci_* typedefs below only shorten their
 * names. The same callbacks serve every transport: the socket server
 * (abci/server.h) decodes a Request and calls them; the local client
 * (abci/client.h) calls them directly with the caller's structures, copying
 * nothing. Echo and Flush are answered by the layer, never the application.
 *
 * Contract of every callback
 *   ag_err cb(void *ctx, abci_arena *arena, const abci_req_X *req, abci_resp_X *resp)
 *   - `req` is borrowed for the call. Sub-messages absent on the wire are
 *     NULL pointers (e.g. RequestInitChain.time); repeated fields may be empty.
 *   - `resp` arrives initialised to its protobuf defaults; the application
 *     sets its fields. Whatever it points to must be allocated from `arena`,
 *     be static, or point into `req`; never into application state, which a
 *     later call (possibly from another connection) may change before the
 *     response is read.
 *   - Returning an error (with ag_err_set detail) makes the layer answer with
 *     a ResponseException over a socket, or return that error to a local
 *     caller. Protocol-level outcomes (a rejected tx, an unknown key) are not
 *     errors: they are codes in the response.
 * The layer never calls an application from two threads at once: the socket
 * server and local clients hold one mutex around each call (abci_server_opts,
 * abci_local_new), so callbacks need no locking of their own.
 */
#ifndef AGORA_ABCI_TYPES_H
#define AGORA_ABCI_TYPES_H

#include <stdint.h>

#include "abci/arena.h"
#include "lib/err.h"
#include "tendermint/abci/types.pb-c.h"

typedef Tendermint__Abci__Request abci_request;
typedef Tendermint__Abci__Response abci_response;

/*
 * X(method, Message, CASE) for every request/response pair the application
 * answers: abci_req_<method> is Tendermint__Abci__Request<Message>, the
 * Request oneof case is TENDERMINT__ABCI__REQUEST__VALUE_<CASE>, and so on.
 */
#define ABCI_APP_METHODS(X)                                                                        \
    X(info, Info, INFO)                                                                            \
    X(init_chain, InitChain, INIT_CHAIN)                                                           \
    X(query, Query, QUERY)                                                                         \
    X(check_tx, CheckTx, CHECK_TX)                                                                 \
    X(commit, Commit, COMMIT)                                                                      \
    X(list_snapshots, ListSnapshots, LIST_SNAPSHOTS)                                               \
    X(offer_snapshot, OfferSnapshot, OFFER_SNAPSHOT)                                               \
    X(load_snapshot_chunk, LoadSnapshotChunk, LOAD_SNAPSHOT_CHUNK)                                 \
    X(apply_snapshot_chunk, ApplySnapshotChunk, APPLY_SNAPSHOT_CHUNK)                              \
    X(prepare_proposal, PrepareProposal, PREPARE_PROPOSAL)                                         \
    X(process_proposal, ProcessProposal, PROCESS_PROPOSAL)                                         \
    X(extend_vote, ExtendVote, EXTEND_VOTE)                                                        \
    X(verify_vote_extension, VerifyVoteExtension, VERIFY_VOTE_EXTENSION)                           \
    X(finalize_block, FinalizeBlock, FINALIZE_BLOCK)

/* Every method a client can call: the application's plus the layer's own. */
#define ABCI_ALL_METHODS(X)                                                                        \
    X(echo, Echo, ECHO)                                                                            \
    X(flush, Flush, FLUSH)                                                                         \
    ABCI_APP_METHODS(X)

/* The methods with a typed client call (Flush has abci_client_flush). */
#define ABCI_CALL_METHODS(X)                                                                       \
    X(echo, Echo, ECHO)                                                                            \
    ABCI_APP_METHODS(X)

#define ABCI_TYPEDEF_(m, M, C)                                                                     \
    typedef Tendermint__Abci__Request##M abci_req_##m;                                             \
    typedef Tendermint__Abci__Response##M abci_resp_##m;
ABCI_ALL_METHODS(ABCI_TYPEDEF_)
#undef ABCI_TYPEDEF_

/* protobuf-c declares string fields `char *` although packing only reads them:
 * this lets a response point at static text without a cast at every use. */
static inline char *abci_str(const char *s)
{
    return (char *)(uintptr_t)s;
}

/* The callbacks. Every one must be set (abci_app_check says which is not). */
typedef struct abci_app_ops {
#define ABCI_OP_(m, M, C)                                                                          \
    ag_err (*m)(void *ctx, abci_arena *arena, const abci_req_##m *req, abci_resp_##m *resp);
    ABCI_APP_METHODS(ABCI_OP_)
#undef ABCI_OP_
} abci_app_ops;

/* An application: its callbacks and their context. Passed by value; the ops
 * table and ctx are borrowed by whoever holds the app, until they are freed. */
typedef struct abci_app {
    const abci_app_ops *ops;
    void *ctx;
} abci_app;

/* AG_OK if every callback is set; AG_ERR_INVALID_ARG naming the first
 * missing one otherwise. */
ag_err abci_app_check(const abci_app *app);

/*
 * Answer one request: Echo and Flush here, everything else by the matching
 * callback. `resp` (zero-initialised by the caller or fresh) becomes the
 * response of the matching type, allocated in `arena`.
 * Errors: the callback's error (resp left NOT_SET); AG_ERR_DECODE for a
 * request with no value; AG_ERR_NOMEM/AG_ERR_TOO_LARGE from the arena.
 * The caller holds whatever lock serialises calls into the app.
 */
ag_err abci_app_dispatch(const abci_app *app, abci_arena *arena, const abci_request *req,
                         abci_response *resp);

#endif
