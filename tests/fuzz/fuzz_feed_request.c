/* The feed's catch-up request decoder and handler, against a fixed 20-block
 * chain: any input gets a Response that decodes; a served one holds at most
 * the page's events, in order, from the cursor on; a refused one holds none.
 * The same bytes also go through the PUB message decoder. */
#include <string.h>

#include "feed/handler.h"
#include "tests/fuzz/fuzz.h"

#define HEIGHTS 20

static uint8_t fin_bytes[HEIGHTS + 1][256];
static size_t fin_len[HEIGHTS + 1];

/* Block h: h % 3 txs with one event each, and one block event. */
static char key[] = "k", value[] = "v", type[] = "lease_created";

static void build(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    for (int h = 1; h <= HEIGHTS; h++) {
        Tendermint__Abci__EventAttribute attr = TENDERMINT__ABCI__EVENT_ATTRIBUTE__INIT;
        attr.key = key;
        attr.value = value;
        Tendermint__Abci__EventAttribute *attrs[] = {&attr};
        Tendermint__Abci__Event ev = TENDERMINT__ABCI__EVENT__INIT;
        ev.type = type;
        ev.n_attributes = 1;
        ev.attributes = attrs;
        Tendermint__Abci__Event *evs[] = {&ev};
        Tendermint__Abci__ExecTxResult res = TENDERMINT__ABCI__EXEC_TX_RESULT__INIT;
        res.n_events = 1;
        res.events = evs;
        Tendermint__Abci__ExecTxResult *results[] = {&res, &res};
        Tendermint__Abci__ResponseFinalizeBlock r = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
        r.n_tx_results = (size_t)(h % 3);
        r.tx_results = results;
        r.n_events = 1;
        r.events = evs;
        fin_len[h] = protobuf_c_message_pack(&r.base, fin_bytes[h]);
    }
}

static ag_err range(void *ctx, int64_t *oldest, int64_t *latest)
{
    (void)ctx;
    *oldest = 3;
    *latest = HEIGHTS;
    return AG_OK;
}

static ag_err load(void *ctx, int64_t h, crypto_hash **hashes, size_t *n_txs, ag_buf *fin)
{
    (void)ctx;
    FUZZ_ASSERT(h >= 3 && h <= HEIGHTS); /* the handler never asks outside the range */
    *n_txs = (size_t)(h % 3);
    *hashes = *n_txs ? calloc(*n_txs, sizeof **hashes) : NULL;
    return ag_buf_append(fin, fin_bytes[h], fin_len[h]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    build();
    feed_source src = {.range = range, .load = load};
    ag_buf out;
    ag_buf_init(&out, 0);
    ag_err err = feed_handle_request(&src, data, size, &out);
    feed_response *r;
    FUZZ_ASSERT(feed_response_decode(out.data, out.len, &r) == AG_OK);
    feed_cursor from;
    uint32_t max;
    ag_err derr = feed_request_decode(data, size, &from, &max);
    if (err == AG_OK) {
        FUZZ_ASSERT(derr == AG_OK);
        FUZZ_ASSERT(r->error[0] == '\0');
        FUZZ_ASSERT(r->n_events <= max);
        feed_cursor prev = from;
        for (size_t i = 0; i < r->n_events; i++) {
            feed_cursor k = {r->events[i]->height, r->events[i]->index};
            FUZZ_ASSERT(feed_cursor_cmp(k, prev) >= 0);
            prev = (feed_cursor){k.height, k.index + 1};
        }
        FUZZ_ASSERT(feed_cursor_cmp((feed_cursor){r->next_height, r->next_index}, prev) >= 0);
    } else {
        FUZZ_ASSERT(r->error[0] != '\0' && r->n_events == 0);
    }
    agora__feed__v1__response__free_unpacked(r, NULL);
    ag_buf_free(&out);
    feed_message *m;
    if (feed_pub_decode(data, size, &m) == AG_OK)
        agora__feed__v1__message__free_unpacked(m, NULL);
    return 0;
}
