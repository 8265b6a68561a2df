/* The market application's hostile inputs: the first byte selects what the
 * rest is fed to — CheckTx, one of the gRPC-style queries, a raw store read
 * with a proof, or InitChain's app_state JSON on a fresh app. Every input
 * must give a response (a code), never an error or a crash, and never
 * change the committed state. */
#include <string.h>

#include "lib/log.h"
#include "market/app.h"
#include "tests/fuzz/fuzz.h"

static const char *const paths[] = {
    "/cosmos.auth.v1beta1.Query/Account",     "/cosmos.bank.v1beta1.Query/Balance",
    "/cosmos.bank.v1beta1.Query/AllBalances", "/cosmos.bank.v1beta1.Query/TotalSupply",
    "/cosmos.tx.v1beta1.Service/Simulate",    "/store/main/key",
};

static market_app *app;
static state_store *store;
static abci_arena *arena;

static void setup(void)
{
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    state_kv *kv;
    state_store_options so = {.no_sync = true};
    if (state_kv_open_memory(&kv) || state_store_open(&store, kv, &so) ||
        market_app_new(&app, store, NULL) || abci_arena_new(&arena, 0))
        abort();
    static const char genesis[] =
        "{\"bank\":{\"balances\":[{\"address\":\"agora1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkc65ek\","
        "\"coins\":[{\"denom\":\"uagora\",\"amount\":\"1000\"}]}]}}";
    abci_app a = market_app_abci(app);
    abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    ic.chain_id = abci_str("fuzz-1");
    ic.app_state_bytes = (ProtobufCBinaryData){sizeof genesis - 1, (uint8_t *)(uintptr_t)genesis};
    abci_resp_init_chain r = TENDERMINT__ABCI__RESPONSE_INIT_CHAIN__INIT;
    if (a.ops->init_chain(a.ctx, arena, &ic, &r))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app)
        setup();
    if (size < 1)
        return 0;
    abci_app a = market_app_abci(app);
    uint8_t sel = data[0] % 9;
    ProtobufCBinaryData body = {size - 1, (uint8_t *)(uintptr_t)(data + 1)};
    crypto_hash before, after;
    market_app_hash(app, &before);
    if (sel < 2) {
        abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
        ct.tx = body;
        ct.type = sel;
        abci_resp_check_tx r = TENDERMINT__ABCI__RESPONSE_CHECK_TX__INIT;
        FUZZ_ASSERT(a.ops->check_tx(a.ctx, arena, &ct, &r) == AG_OK);
    } else if (sel < 8) {
        abci_req_query q = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
        q.path = abci_str(paths[sel - 2]);
        q.data = body;
        q.prove = size & 1;
        abci_resp_query r = TENDERMINT__ABCI__RESPONSE_QUERY__INIT;
        FUZZ_ASSERT(a.ops->query(a.ctx, arena, &q, &r) == AG_OK);
    } else {
        state_kv *kv;
        state_store *s;
        market_app *fresh;
        if (state_kv_open_memory(&kv) || state_store_open(&s, kv, NULL) ||
            market_app_new(&fresh, s, NULL))
            abort();
        abci_app f = market_app_abci(fresh);
        abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
        ic.chain_id = abci_str("fuzz-2");
        ic.app_state_bytes = body;
        abci_resp_init_chain r = TENDERMINT__ABCI__RESPONSE_INIT_CHAIN__INIT;
        if (f.ops->init_chain(f.ctx, arena, &ic, &r) == AG_OK)
            FUZZ_ASSERT(market_app_check_invariants(fresh) == AG_OK);
        market_app_free(fresh);
        state_store_close(s);
    }
    market_app_hash(app, &after);
    FUZZ_ASSERT(memcmp(before.b, after.b, sizeof before.b) == 0);
    abci_arena_reset(arena);
    return 0;
}
