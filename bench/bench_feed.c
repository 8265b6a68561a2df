/*
 * bench_feed — what publishing a block's events costs the node's loop
 * thread (feed_server_publish_block: hash the txs, build the events, encode
 * them, queue them), with no subscriber and with a stalled one (an NNG SUB
 * that never reads: the queue and NNG's buffers fill, messages are dropped,
 * the loop must not slow down). The reference measured in the same run is
 * the engine's own cost for the same block: packing its FinalizeBlock
 * response once (what it stores). A block: 1000 txs with 2 events of 3
 * attributes each, and 10 block events. Prints a SHA-256 of the block's
 * encoded PUB messages so a change of the wire format shows.
 * Usage: bench_feed [blocks]   (default 200)
 */
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed/server.h"
#include "lib/hex.h"

#define TXS 1000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char s_type[] = "lease_created", s_block[] = "lease_settled", s_key[] = "lease_id",
            s_owner[] = "owner", s_amount[] = "amount", s_val[] = "agora1qqqqqqqqqqqqqqqqqqq";

int main(int argc, char **argv)
{
    long blocks = argc > 1 ? atol(argv[1]) : 200;
    if (blocks < 1)
        blocks = 1;
    Tendermint__Abci__EventAttribute attrs[3];
    Tendermint__Abci__EventAttribute *ap[3];
    char *keys[3] = {s_key, s_owner, s_amount};
    for (int i = 0; i < 3; i++) {
        tendermint__abci__event_attribute__init(&attrs[i]);
        attrs[i].key = keys[i];
        attrs[i].value = s_val;
        attrs[i].index = true;
        ap[i] = &attrs[i];
    }
    Tendermint__Abci__Event ev, bev;
    tendermint__abci__event__init(&ev);
    ev.type = s_type;
    ev.n_attributes = 3;
    ev.attributes = ap;
    bev = ev;
    bev.type = s_block;
    Tendermint__Abci__Event *evs[2] = {&ev, &ev}, *bevs[10];
    for (int i = 0; i < 10; i++)
        bevs[i] = &bev;
    static Tendermint__Abci__ExecTxResult res[TXS];
    static Tendermint__Abci__ExecTxResult *resp[TXS];
    static uint8_t tx_data[TXS][200];
    static ag_slice txs[TXS];
    for (int t = 0; t < TXS; t++) {
        tendermint__abci__exec_tx_result__init(&res[t]);
        res[t].n_events = 2;
        res[t].events = evs;
        resp[t] = &res[t];
        memset(tx_data[t], t & 0xff, sizeof tx_data[t]);
        tx_data[t][0] = (uint8_t)(t >> 8);
        txs[t] = (ag_slice){tx_data[t], sizeof tx_data[t]};
    }
    Tendermint__Abci__ResponseFinalizeBlock fin = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
    fin.n_tx_results = TXS;
    fin.tx_results = resp;
    fin.n_events = 10;
    fin.events = bevs;

    /* reference: pack the response once per block */
    size_t sz = protobuf_c_message_get_packed_size(&fin.base);
    uint8_t *packed = malloc(sz);
    double t0 = now_s();
    for (long b = 0; b < blocks; b++)
        protobuf_c_message_pack(&fin.base, packed);
    double ref = (now_s() - t0) / (double)blocks;
    free(packed);

    /* the digest of one block's PUB messages */
    crypto_hash *hashes = malloc(TXS * sizeof *hashes);
    for (int t = 0; t < TXS; t++)
        crypto_sha256(hashes[t].b, txs[t].ptr, txs[t].len);
    feed_block_events be;
    if (feed_block_events_build(&be, 1, hashes, TXS, &fin) != AG_OK)
        return 1;
    ag_buf all;
    ag_buf_init(&all, 0);
    for (size_t i = 0; i < be.n; i++)
        if (feed_pub_encode_event(&all, &be.events[i]) != AG_OK)
            return 1;
    size_t n_events = be.n, msg_bytes = all.len;
    uint8_t digest[32];
    crypto_sha256(digest, all.data, all.len);
    ag_buf_free(&all);
    feed_block_events_free(&be);
    free(hashes);

    double per[2];
    uint64_t dropped[2];
    for (int mode = 0; mode < 2; mode++) {
        char url[64];
        snprintf(url, sizeof url, "inproc://bench-feed-%d", mode);
        feed_server_opts o = {.pub_url = url};
        feed_server *s;
        if (feed_server_start(&s, &o) != AG_OK) {
            fprintf(stderr, "bench_feed: %s\n", ag_err_detail());
            return 1;
        }
        nng_socket sub;
        bool has_sub = false;
        if (mode == 1) { /* a subscriber that never reads */
            if (nng_sub0_open(&sub) != 0 || nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "", 0) ||
                nng_dial(sub, url, NULL, 0) != 0)
                return 1;
            has_sub = true;
        }
        t0 = now_s();
        for (long b = 1; b <= blocks; b++) {
            ag_err e = feed_server_publish_block(s, b, txs, TXS, &fin);
            if (e != AG_OK && e != AG_ERR_AGAIN)
                return 1;
        }
        per[mode] = (now_s() - t0) / (double)blocks;
        feed_stats st;
        feed_server_stats(s, &st);
        dropped[mode] = st.dropped_msgs;
        feed_server_free(s);
        if (has_sub)
            nng_close(sub);
    }
    char hx[65];
    ag_hex_encode(hx, digest, 32, false);
    printf("bench_feed: %ld blocks of %d txs, %zu events (%zu bytes of PUB messages) each\n",
           blocks, TXS, n_events, msg_bytes);
    printf("  pack the FinalizeBlock response (reference) %8.2f ms/block\n", ref * 1e3);
    printf("  publish, no subscriber                      %8.2f ms/block  (%.1fx the reference, "
           "%.0f events/s)\n",
           per[0] * 1e3, per[0] / ref, (double)n_events / per[0]);
    printf("  publish, one stalled subscriber             %8.2f ms/block  (%.1fx the reference, "
           "%llu messages dropped)\n",
           per[1] * 1e3, per[1] / ref, (unsigned long long)dropped[1]);
    printf("  digest of a block's PUB messages %s\n", hx);
    nng_fini(); /* NNG frees closed sockets' queued messages on its own threads */
    return 0;
}
