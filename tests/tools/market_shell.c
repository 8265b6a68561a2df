/*
 * market_shell — the market application in-process, driven by JSON lines on
 * stdin, one JSON answer per line on stdout. For cross-checks with clients we
 * did not write (tests/integration/market_compat.js drives it from CosmJS).
 *
 *   {"op":"init","chain_id":C,"app_state":JSON-TEXT}   -> {"app_hash":HEX}
 *   {"op":"check","tx":B64}                            -> {"code","log","gas_wanted"}
 *   {"op":"block","txs":[B64...]}                      ->
 * {"height","app_hash","results":[{"code","log","gas_used"}]}
 *   {"op":"query","path":P,"data":B64,"height":N,"prove":BOOL}
 *                                -> {"code","log","codespace","value":B64,"key":B64,"height"}
 * State lives in memory. Exit status 1 on an ABCI error (printed).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "market/app.h"

#define LINE_MAX_BYTES ((size_t)4 << 20)

static market_app *app;
static abci_app abci;
static abci_arena *arena;
static int64_t height;

static json_t *b64(const uint8_t *p, size_t n)
{
    char *s = malloc(ag_base64_encoded_len(n) + 1);
    ag_base64_encode(s, p, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static ProtobufCBinaryData unb64(const char *s)
{
    size_t n = strlen(s), out;
    uint8_t *p = malloc(ag_base64_decoded_max(n) + 1);
    if (ag_base64_decode(p, ag_base64_decoded_max(n) + 1, &out, s, n) != AG_OK) {
        fprintf(stderr, "market_shell: bad base64\n");
        exit(2);
    }
    return (ProtobufCBinaryData){out, p};
}

static void fail(const char *what)
{
    printf("{\"error\":\"%s\"}\n", what);
    fprintf(stderr, "market_shell: %s: %s\n", what, ag_err_detail());
    exit(1);
}

static json_t *hash_hex(const ProtobufCBinaryData *h)
{
    char hex[65];
    ag_hex_encode(hex, h->data, h->len < 32 ? h->len : 32, false);
    return json_string(hex);
}

static json_t *op_init(json_t *in)
{
    const char *state = json_string_value(json_object_get(in, "app_state"));
    abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    ic.chain_id = abci_str(json_string_value(json_object_get(in, "chain_id")));
    ic.initial_height = 1;
    ic.app_state_bytes = (ProtobufCBinaryData){strlen(state), (uint8_t *)(uintptr_t)state};
    abci_resp_init_chain r = TENDERMINT__ABCI__RESPONSE_INIT_CHAIN__INIT;
    if (abci.ops->init_chain(abci.ctx, arena, &ic, &r))
        fail("InitChain");
    return json_pack("{s:o}", "app_hash", hash_hex(&r.app_hash));
}

static json_t *op_check(json_t *in)
{
    abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
    ct.tx = unb64(json_string_value(json_object_get(in, "tx")));
    abci_resp_check_tx r = TENDERMINT__ABCI__RESPONSE_CHECK_TX__INIT;
    if (abci.ops->check_tx(abci.ctx, arena, &ct, &r))
        fail("CheckTx");
    free(ct.tx.data);
    return json_pack("{s:i, s:s, s:I}", "code", (int)r.code, "log", r.log ? r.log : "",
                     "gas_wanted", (json_int_t)r.gas_wanted);
}

static json_t *op_block(json_t *in)
{
    json_t *txs = json_object_get(in, "txs");
    size_t n = json_array_size(txs);
    ProtobufCBinaryData *b = calloc(n ? n : 1, sizeof *b);
    for (size_t i = 0; i < n; i++)
        b[i] = unb64(json_string_value(json_array_get(txs, i)));
    abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
    fb.height = height + 1;
    fb.txs = b;
    fb.n_txs = n;
    abci_resp_finalize_block r = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
    if (abci.ops->finalize_block(abci.ctx, arena, &fb, &r))
        fail("FinalizeBlock");
    json_t *res = json_array();
    for (size_t i = 0; i < r.n_tx_results; i++)
        json_array_append_new(res,
                              json_pack("{s:i, s:s, s:I}", "code", (int)r.tx_results[i]->code,
                                        "log", r.tx_results[i]->log ? r.tx_results[i]->log : "",
                                        "gas_used", (json_int_t)r.tx_results[i]->gas_used));
    json_t *out = json_pack("{s:I, s:o, s:o}", "height", (json_int_t)fb.height, "app_hash",
                            hash_hex(&r.app_hash), "results", res);
    abci_req_commit cm = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
    abci_resp_commit cr = TENDERMINT__ABCI__RESPONSE_COMMIT__INIT;
    if (abci.ops->commit(abci.ctx, arena, &cm, &cr))
        fail("Commit");
    height++;
    if (market_app_check_invariants(app))
        fail("invariant");
    for (size_t i = 0; i < n; i++)
        free(b[i].data);
    free(b);
    return out;
}

static json_t *op_query(json_t *in)
{
    abci_req_query q = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    q.path = abci_str(json_string_value(json_object_get(in, "path")));
    q.data = unb64(json_string_value(json_object_get(in, "data")));
    q.height = (int64_t)json_integer_value(json_object_get(in, "height"));
    q.prove = json_is_true(json_object_get(in, "prove"));
    abci_resp_query r = TENDERMINT__ABCI__RESPONSE_QUERY__INIT;
    if (abci.ops->query(abci.ctx, arena, &q, &r))
        fail("Query");
    free(q.data.data);
    json_t *out = json_pack("{s:i, s:s, s:s, s:o, s:o, s:I}", "code", (int)r.code, "log",
                            r.log ? r.log : "", "codespace", r.codespace ? r.codespace : "",
                            "value", b64(r.value.data, r.value.len), "key",
                            b64(r.key.data, r.key.len), "height", (json_int_t)r.height);
    if (r.proof_ops && r.proof_ops->n_ops)
        json_object_set_new(out, "proof",
                            b64(r.proof_ops->ops[0]->data.data, r.proof_ops->ops[0]->data.len));
    return out;
}

int main(void)
{
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    state_kv *kv;
    state_store *store;
    state_store_options so = {.no_sync = true};
    if (state_kv_open_memory(&kv) || state_store_open(&store, kv, &so) ||
        market_app_new(&app, store, NULL) || abci_arena_new(&arena, 0))
        fail("setup");
    abci = market_app_abci(app);
    char *line = malloc(LINE_MAX_BYTES);
    while (fgets(line, (int)LINE_MAX_BYTES, stdin)) {
        json_error_t je;
        json_t *in = json_loads(line, 0, &je);
        if (!in)
            fail("bad JSON line");
        const char *op = json_string_value(json_object_get(in, "op"));
        json_t *out = !op                    ? NULL
                      : !strcmp(op, "init")  ? op_init(in)
                      : !strcmp(op, "check") ? op_check(in)
                      : !strcmp(op, "block") ? op_block(in)
                      : !strcmp(op, "query") ? op_query(in)
                                             : NULL;
        if (!out)
            fail("unknown op");
        char *s = json_dumps(out, JSON_COMPACT);
        printf("%s\n", s);
        fflush(stdout);
        free(s);
        json_decref(out);
        json_decref(in);
        abci_arena_reset(arena);
    }
    free(line);
    market_app_free(app);
    state_store_close(store);
    abci_arena_free(arena);
    return 0;
}
