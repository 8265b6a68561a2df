/* The RPC server: the HTTP parser, websocket framing, the event query
 * language, JSON-RPC parameter rules, the indexer, and every method served
 * from a real in-memory chain (tests/harness/rpc_chain.h: kvstore app,
 * signed commits, block and state stores) checked against CometBFT v0.38's
 * JSON shapes; errors for bad input; limits; websocket subscriptions. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto/hash.h"
#include "lib/base64.h"
#include "lib/hex.h"
#include "rpc/http.h"
#include "rpc/indexer.h"
#include "rpc/jsonrpc.h"
#include "rpc/query.h"
#include "rpc/server.h"
#include "rpc/ws.h"
#include "tests/harness/ag_test.h"
#include "tests/harness/rpc_chain.h"

/* ---- pure parsers ------------------------------------------------------- */

START_TEST(http_parse)
{
    rpc_http_req r;
    const char *ok = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET";
    ck_assert_int_eq(rpc_http_parse(&r, (const uint8_t *)ok, strlen(ok), 100), AG_OK);
    ck_assert_int_eq(r.method, RPC_HTTP_POST);
    ck_assert_uint_eq(r.body.len, 5);
    ck_assert(memcmp(r.body.ptr, "hello", 5) == 0);
    ck_assert_uint_eq(r.total, strlen(ok) - 3);
    ck_assert(r.keep_alive);
    /* every prefix is truncated, never an error */
    for (size_t n = 0; n < strlen(ok) - 3; n++)
        ck_assert_int_eq(rpc_http_parse(&r, (const uint8_t *)ok, n, 100), AG_ERR_TRUNCATED);
    const char *get = "GET /block?height=5 HTTP/1.0\r\n\r\n";
    ck_assert_int_eq(rpc_http_parse(&r, (const uint8_t *)get, strlen(get), 100), AG_OK);
    ck_assert_int_eq(r.method, RPC_HTTP_GET);
    ck_assert(r.path.len == 6 && memcmp(r.path.ptr, "/block", 6) == 0);
    ck_assert(r.query.len == 8 && memcmp(r.query.ptr, "height=5", 8) == 0);
    ck_assert(!r.keep_alive);
    const char *big = "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n";
    ck_assert_int_eq(rpc_http_parse(&r, (const uint8_t *)big, strlen(big), 100), AG_ERR_TOO_LARGE);
    const char *bad[] = {
        "PUT / HTTP/1.1\r\n\r\n",
        "GET x HTTP/1.1\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(rpc_http_parse(&r, (const uint8_t *)bad[i], strlen(bad[i]), 100) != AG_OK &&
                          rpc_http_parse(&r, (const uint8_t *)bad[i], strlen(bad[i]), 100) !=
                              AG_ERR_TRUNCATED,
                      "accepted %s", bad[i]);
    /* a head that never ends is refused at the limit */
    char *huge = malloc(20000);
    memcpy(huge, "GET / HTTP/1.1\r\n", 16);
    memset(huge + 16, 'a', 20000 - 16);
    ck_assert_int_eq(rpc_http_parse(&r, (const uint8_t *)huge, 20000, 100), AG_ERR_TOO_LARGE);
    free(huge);
    const char *ws = "GET /websocket HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive, "
                     "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n";
    ck_assert_int_eq(rpc_http_parse(&r, (const uint8_t *)ws, strlen(ws), 100), AG_OK);
    ck_assert(r.upgrade_websocket);
    char acc[RPC_WS_ACCEPT_LEN];
    ck_assert_int_eq(rpc_ws_accept_key(acc, r.ws_key.ptr, r.ws_key.len), AG_OK);
    ck_assert_str_eq(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); /* RFC 6455 section 1.3 */
}
END_TEST

START_TEST(ws_frames)
{
    /* RFC 6455 5.7: a masked "Hello" */
    uint8_t f1[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    rpc_ws_frame f;
    for (size_t n = 0; n < sizeof f1; n++) {
        uint8_t tmp[sizeof f1];
        memcpy(tmp, f1, sizeof f1);
        ck_assert_int_eq(rpc_ws_parse(&f, tmp, n, 100), AG_ERR_TRUNCATED);
    }
    ck_assert_int_eq(rpc_ws_parse(&f, f1, sizeof f1, 100), AG_OK);
    ck_assert(f.fin && f.opcode == RPC_WS_TEXT && f.len == 5 && memcmp(f.payload, "Hello", 5) == 0);
    ck_assert_uint_eq(f.total, sizeof f1);
    uint8_t unmasked[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    ck_assert_int_eq(rpc_ws_parse(&f, unmasked, sizeof unmasked, 100), AG_ERR_DECODE);
    uint8_t rsv[] = {0xC1, 0x80, 0, 0, 0, 0};
    ck_assert_int_eq(rpc_ws_parse(&f, rsv, sizeof rsv, 100), AG_ERR_DECODE);
    uint8_t long_ping[] = {0x89, 0xFE, 0x00, 0x7E};
    ck_assert_int_eq(rpc_ws_parse(&f, long_ping, sizeof long_ping, 1000), AG_ERR_DECODE);
    uint8_t big[] = {0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0};
    ck_assert_int_eq(rpc_ws_parse(&f, big, sizeof big, 1000), AG_ERR_TOO_LARGE);
    ag_buf out;
    ag_buf_init(&out, 0);
    ck_assert_int_eq(rpc_ws_frame_append(&out, RPC_WS_TEXT, "Hello", 5), AG_OK);
    ck_assert_uint_eq(out.len, 7);
    ck_assert(memcmp(out.data, unmasked, 7) == 0);
    ag_buf_reset(&out);
    uint8_t payload[70000] = {0};
    ck_assert_int_eq(rpc_ws_frame_append(&out, RPC_WS_BINARY, payload, sizeof payload), AG_OK);
    ck_assert_uint_eq(out.len, 10 + sizeof payload);
    ck_assert_uint_eq(out.data[1], 127);
    ag_buf_free(&out);
}
END_TEST

static rpc_events ev_of(const char *const *kv, size_t n)
{
    rpc_events ev = {0};
    for (size_t i = 0; i < n; i += 2) {
        const char *dot = strchr(kv[i], '.');
        char type[64];
        memcpy(type, kv[i], (size_t)(dot - kv[i]));
        type[dot - kv[i]] = 0;
        ck_assert_int_eq(rpc_events_add(&ev, type, dot + 1, kv[i + 1], strlen(kv[i + 1])), AG_OK);
    }
    return ev;
}

static bool qmatch(const char *q, const rpc_events *ev)
{
    rpc_query qq;
    ck_assert_msg(rpc_query_parse(&qq, q, strlen(q)) == AG_OK, "%s: %s", q, ag_err_detail());
    return rpc_query_match(&qq, ev);
}

START_TEST(query_language)
{
    const char *kv[] = {"tm.event",        "Tx",  "tx.height",       "12",
                        "transfer.amount", "100", "transfer.sender", "alice",
                        "transfer.sender", "bob", "a.price",         "2.5"};
    rpc_events ev = ev_of(kv, sizeof kv / sizeof kv[0]);
    ck_assert(qmatch("tm.event = 'Tx'", &ev));
    ck_assert(qmatch("tm.event='Tx' AND tx.height=12", &ev));
    ck_assert(!qmatch("tm.event='Tx' AND tx.height=13", &ev));
    ck_assert(
        qmatch("tx.height > 11 AND tx.height <= 12 AND tx.height >= 12 AND tx.height < 13", &ev));
    ck_assert(!qmatch("tx.height > 12", &ev));
    ck_assert(qmatch("transfer.sender = 'bob'", &ev));
    ck_assert(qmatch("transfer.sender CONTAINS 'lic'", &ev));
    ck_assert(!qmatch("transfer.sender CONTAINS 'carol'", &ev));
    ck_assert(qmatch("transfer.amount EXISTS", &ev));
    ck_assert(!qmatch("transfer.fee EXISTS", &ev));
    ck_assert(qmatch("a.price > 2.25 AND a.price < 3", &ev));
    ck_assert(!qmatch("transfer.sender > 5", &ev)); /* not a number: no match */
    rpc_events_free(&ev);
    rpc_query q;
    const char *bad[] = {"",         "tm.event",          "tm.event = ", "tm.event = 'x",
                         "= 'x'",    "a.b = 'x' AND",     "a.b < 'x'",   "a.b CONTAINS 5",
                         "a.b = 1.", "a.b = 'x' b.c = 1", "a.b == 1",    "a.b = --1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(rpc_query_parse(&q, bad[i], strlen(bad[i])) != AG_OK, "accepted '%s'",
                      bad[i]);
    ck_assert_int_eq(rpc_query_parse(&q, "a.b = 1 OR a.b = 2", 18), AG_ERR_UNSUPPORTED);
    const char *t = "block.time > TIME 2020-01-01T00:00:00Z";
    ck_assert_int_eq(rpc_query_parse(&q, t, strlen(t)), AG_ERR_UNSUPPORTED);
    char many[1024] = "a.b = 1";
    for (int i = 0; i < 20; i++)
        strcat(many, " AND a.b = 1");
    ck_assert_int_eq(rpc_query_parse(&q, many, strlen(many)), AG_ERR_TOO_LARGE);
}
END_TEST

START_TEST(params_rules)
{
    const rpc_method *m = rpc_method_find("abci_query", 10);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_null(rpc_method_find("nope", 4));
    rpc_args a;
    json_t *p = json_pack("{s:s, s:s, s:s, s:b}", "path", "/store", "data", "6B6579", "height", "7",
                          "prove", 1);
    ck_assert_int_eq(rpc_args_decode(m, p, false, &a), AG_OK);
    ck_assert_str_eq(a.v[0].str, "/store");
    ck_assert(a.v[1].len == 3 && memcmp(a.v[1].bytes, "key", 3) == 0);
    ck_assert(a.v[2].present && a.v[2].i == 7 && a.v[3].b);
    rpc_args_free(&a);
    json_decref(p);
    /* positional */
    p = json_pack("[s, s, i]", "", "00", 3);
    ck_assert_int_eq(rpc_args_decode(m, p, false, &a), AG_OK);
    ck_assert(a.v[2].i == 3 && a.v[1].len == 1);
    rpc_args_free(&a);
    json_decref(p);
    p = json_pack("[s, s, i, b, i]", "", "00", 3, 0, 5);
    ck_assert_int_eq(rpc_args_decode(m, p, false, &a), AG_ERR_DECODE);
    json_decref(p);
    p = json_pack("{s:s}", "height", "x1");
    ck_assert_int_eq(rpc_args_decode(m, p, false, &a), AG_ERR_DECODE);
    json_decref(p);
    p = json_pack("{s:s}", "data", "zz");
    ck_assert_int_eq(rpc_args_decode(m, p, false, &a), AG_ERR_DECODE);
    json_decref(p);
    /* URI rules */
    json_t *u;
    const char *qs = "path=%22%2Fstore%22&data=0x6b6579&height=7&prove=true";
    ck_assert_int_eq(rpc_uri_params(&u, qs, strlen(qs)), AG_OK);
    ck_assert_int_eq(rpc_args_decode(m, u, true, &a), AG_OK);
    ck_assert_str_eq(a.v[0].str, "/store");
    ck_assert(a.v[1].len == 3 && memcmp(a.v[1].bytes, "key", 3) == 0 && a.v[3].b);
    rpc_args_free(&a);
    json_decref(u);
    qs = "path=/store";
    ck_assert_int_eq(rpc_uri_params(&u, qs, strlen(qs)), AG_OK);
    ck_assert_int_eq(rpc_args_decode(m, u, true, &a), AG_ERR_DECODE); /* unquoted string */
    json_decref(u);
    qs = "data=%22key%22";
    ck_assert_int_eq(rpc_uri_params(&u, qs, strlen(qs)), AG_OK);
    ck_assert_int_eq(rpc_args_decode(m, u, true, &a), AG_OK);
    ck_assert(a.v[1].len == 3 && memcmp(a.v[1].bytes, "key", 3) == 0);
    rpc_args_free(&a);
    json_decref(u);
    ck_assert_int_eq(rpc_uri_params(&u, "a=1&a=2", 7), AG_ERR_DECODE);
    ck_assert_int_eq(rpc_uri_params(&u, "a=%zz", 5), AG_ERR_DECODE);
    /* broadcast: base64 in JSON */
    const rpc_method *bt = rpc_method_find("broadcast_tx_sync", 17);
    p = json_pack("{s:s}", "tx", "YT0x");
    ck_assert_int_eq(rpc_args_decode(bt, p, false, &a), AG_OK);
    ck_assert(a.v[0].len == 3 && memcmp(a.v[0].bytes, "a=1", 3) == 0);
    rpc_args_free(&a);
    json_decref(p);
    p = json_pack("{s:s}", "tx", "YT0");
    ck_assert_int_eq(rpc_args_decode(bt, p, false, &a), AG_ERR_DECODE);
    json_decref(p);
}
END_TEST

/* ---- the indexer -------------------------------------------------------- */

static Tendermint__Abci__ExecTxResult *mk_result(uint32_t code, const char *key, const char *val,
                                                 bool index)
{
    Tendermint__Abci__ExecTxResult *r = calloc(1, sizeof *r);
    tendermint__abci__exec_tx_result__init(r);
    r->code = code;
    Tendermint__Abci__Event *ev = calloc(1, sizeof *ev);
    tendermint__abci__event__init(ev);
    ev->type = strdup("transfer");
    Tendermint__Abci__EventAttribute *at = calloc(1, sizeof *at);
    tendermint__abci__event_attribute__init(at);
    at->key = strdup(key);
    at->value = strdup(val);
    at->index = index;
    ev->attributes = calloc(1, sizeof *ev->attributes);
    ev->attributes[0] = at;
    ev->n_attributes = 1;
    r->events = calloc(1, sizeof *r->events);
    r->events[0] = ev;
    r->n_events = 1;
    return r;
}

/* _i 0: a memory store; 1: RocksDB (as in a node), reopened at the end. */
START_TEST(indexer_search)
{
    state_kv *kv;
    char dir[64] = "";
    state_kv_rocksdb_options ro = {
        .block_cache_bytes = 1 << 20, .write_buffer_bytes = 1 << 20, .create_if_missing = true};
    if (_i) {
        ag_test_mkdtemp(dir, "rpc-index");
        ck_assert_int_eq(state_kv_open_rocksdb(&kv, dir, &ro), AG_OK);
    } else {
        ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    }
    rpc_indexer *ix;
    ck_assert_int_eq(rpc_indexer_open(&ix, kv), AG_OK);
    /* 10 blocks of 3 txs; tx i of block h sends from "s<i>" amount h*10+i */
    for (int64_t h = 1; h <= 10; h++) {
        char txb[3][32];
        ag_slice txs[3];
        Tendermint__Abci__ExecTxResult *rs[3];
        for (int i = 0; i < 3; i++) {
            snprintf(txb[i], sizeof txb[i], "tx-%d-%d", (int)h, i);
            txs[i] = (ag_slice){(const uint8_t *)txb[i], strlen(txb[i])};
            char v[16];
            snprintf(v, sizeof v, "%d", (int)(h * 10 + i));
            rs[i] = mk_result(i == 2 ? 1 : 0, i == 1 ? "hidden" : "amount", v, i != 1);
        }
        abci_resp_finalize_block resp = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
        resp.tx_results = rs;
        resp.n_tx_results = 3;
        Tendermint__Abci__ExecTxResult *bev =
            mk_result(0, "proposer", h % 2 ? "odd" : "even", true);
        resp.events = bev->events;
        resp.n_events = 1;
        ck_assert_int_eq(rpc_indexer_index_block(ix, h, txs, 3, &resp), AG_OK);
        for (int i = 0; i < 3; i++)
            tendermint__abci__exec_tx_result__free_unpacked(rs[i], NULL);
        tendermint__abci__exec_tx_result__free_unpacked(bev, NULL);
    }
    ck_assert_int_eq(rpc_indexer_height(ix), 10);
    /* block 11: one tx with two values of one attribute (found once) */
    {
        Tendermint__Abci__ExecTxResult *r = mk_result(0, "amount", "7", true);
        Tendermint__Abci__ExecTxResult *r2 = mk_result(0, "amount", "8", true);
        Tendermint__Abci__Event *evs[2] = {r->events[0], r2->events[0]};
        Tendermint__Abci__Event **keep = r->events;
        r->events = evs;
        r->n_events = 2;
        ag_slice t = {(const uint8_t *)"tx-11-0", 7};
        abci_resp_finalize_block resp = TENDERMINT__ABCI__RESPONSE_FINALIZE_BLOCK__INIT;
        resp.tx_results = &r;
        resp.n_tx_results = 1;
        ck_assert_int_eq(rpc_indexer_index_block(ix, 11, &t, 1, &resp), AG_OK);
        r->events = keep;
        r->n_events = 1;
        tendermint__abci__exec_tx_result__free_unpacked(r, NULL);
        tendermint__abci__exec_tx_result__free_unpacked(r2, NULL);
        rpc_query q11;
        const char *qs = "transfer.amount EXISTS AND tx.height = 11";
        ck_assert_int_eq(rpc_query_parse(&q11, qs, strlen(qs)), AG_OK);
        crypto_hash *res11;
        size_t n11;
        ck_assert_int_eq(rpc_indexer_search_txs(ix, &q11, &res11, &n11), AG_OK);
        ck_assert_uint_eq(n11, 1);
        free(res11);
    }
    crypto_hash h;
    crypto_sha256(h.b, "tx-4-1", 6);
    Tendermint__Abci__TxResult *tr;
    ck_assert_int_eq(rpc_indexer_get_tx(ix, &h, &tr), AG_OK);
    ck_assert(tr->height == 4 && tr->index == 1);
    tendermint__abci__tx_result__free_unpacked(tr, NULL);
    crypto_sha256(h.b, "nope", 4);
    ck_assert_int_eq(rpc_indexer_get_tx(ix, &h, &tr), AG_ERR_NOT_FOUND);

    struct {
        const char *q;
        size_t n;
    } cases[] = {
        {"tm.event = 'Tx'", 31},
        {"tx.height = 5", 3},
        {"tx.height > 3 AND tx.height <= 5", 6},
        {"transfer.amount = '52'", 1},
        {"transfer.amount = 52", 1},
        {"transfer.hidden = '51'", 0}, /* not indexed */
        {"transfer.amount >= 50", 12},
        {"transfer.amount EXISTS", 21},
        {"transfer.amount CONTAINS '2'", 10 + 1}, /* x2 and 20 */
        {"transfer.amount > 30 AND tx.height < 6", 5},
        {"tx.height = 99", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rpc_query q;
        ck_assert_int_eq(rpc_query_parse(&q, cases[i].q, strlen(cases[i].q)), AG_OK);
        crypto_hash *res;
        size_t n;
        ck_assert_int_eq(rpc_indexer_search_txs(ix, &q, &res, &n), AG_OK);
        ck_assert_msg(n == cases[i].n, "%s: %zu results, want %zu", cases[i].q, n, cases[i].n);
        free(res);
    }
    /* tx.hash */
    char hq[128], hx[65];
    crypto_sha256(h.b, "tx-7-0", 6);
    ag_hex_encode(hx, h.b, 32, true);
    snprintf(hq, sizeof hq, "tx.hash = '%s'", hx);
    rpc_query q;
    ck_assert_int_eq(rpc_query_parse(&q, hq, strlen(hq)), AG_OK);
    crypto_hash *res;
    size_t n;
    ck_assert_int_eq(rpc_indexer_search_txs(ix, &q, &res, &n), AG_OK);
    ck_assert(n == 1 && memcmp(res[0].b, h.b, 32) == 0);
    free(res);
    /* results are in (height, index) order */
    ck_assert_int_eq(rpc_query_parse(&q, "tm.event='Tx'", 13), AG_OK);
    ck_assert_int_eq(rpc_indexer_search_txs(ix, &q, &res, &n), AG_OK);
    crypto_sha256(h.b, "tx-1-0", 6);
    ck_assert(memcmp(res[0].b, h.b, 32) == 0);
    crypto_sha256(h.b, "tx-10-2", 7);
    ck_assert(memcmp(res[29].b, h.b, 32) == 0);
    free(res);
    /* blocks */
    int64_t *hs;
    const char *bq = "transfer.proposer = 'odd'";
    ck_assert_int_eq(rpc_query_parse(&q, bq, strlen(bq)), AG_OK);
    ck_assert_int_eq(rpc_indexer_search_blocks(ix, &q, &hs, &n), AG_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert(hs[0] == 1 && hs[4] == 9);
    free(hs);
    bq = "block.height >= 4 AND block.height < 8 AND transfer.proposer = 'even'";
    ck_assert_int_eq(rpc_query_parse(&q, bq, strlen(bq)), AG_OK);
    ck_assert_int_eq(rpc_indexer_search_blocks(ix, &q, &hs, &n), AG_OK);
    ck_assert(n == 2 && hs[0] == 4 && hs[1] == 6);
    free(hs);
    ck_assert_int_eq(rpc_query_parse(&q, "tm.event = 'NewBlock'", 21), AG_OK);
    ck_assert_int_eq(rpc_indexer_search_blocks(ix, &q, &hs, &n), AG_OK);
    ck_assert_uint_eq(n, 11);
    free(hs);
    /* reopen: the height and the entries survive */
    rpc_indexer_close(ix);
    if (_i) {
        state_kv_close(kv);
        ck_assert_int_eq(state_kv_open_rocksdb(&kv, dir, &ro), AG_OK);
    }
    ck_assert_int_eq(rpc_indexer_open(&ix, kv), AG_OK);
    ck_assert_int_eq(rpc_indexer_height(ix), 11);
    crypto_sha256(h.b, "tx-4-1", 6);
    ck_assert_int_eq(rpc_indexer_get_tx(ix, &h, &tr), AG_OK);
    tendermint__abci__tx_result__free_unpacked(tr, NULL);
    rpc_indexer_close(ix);
    state_kv_close(kv);
    if (_i)
        ag_test_rmdir(dir);
}
END_TEST

/* ---- a client ----------------------------------------------------------- */

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may have closed: the reply says why */
        c += w;
        n -= (size_t)w;
    }
}

/* Read one HTTP response; returns the status and the body (malloc'd).
 * Bytes of a following (pipelined) response are kept for the next call. */
static int read_response(int fd, char **body)
{
    static char buf[4 << 20];
    static size_t len;
    static int buf_fd = -1;
    if (buf_fd != fd) {
        len = 0;
        buf_fd = fd;
    }
    *body = NULL;
    for (;;) {
        buf[len] = 0;
        char *e = strstr(buf, "\r\n\r\n");
        if (e) {
            char *cl = strcasestr(buf, "Content-Length:");
            ck_assert_ptr_nonnull(cl);
            size_t want = (size_t)strtoul(cl + 15, NULL, 10);
            size_t head = (size_t)(e + 4 - buf);
            if (len - head >= want) {
                int status = atoi(buf + 9);
                *body = strndup(e + 4, want);
                memmove(buf, buf + head + want, len - head - want);
                len -= head + want;
                return status;
            }
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0)
            return -1;
        ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (r <= 0) {
            buf_fd = -1;
            return -1;
        }
        len += (size_t)r;
    }
}

static json_t *http_post(int port, const char *body)
{
    int fd = dial(port);
    char head[256];
    snprintf(head, sizeof head,
             "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n",
             strlen(body));
    send_all(fd, head, strlen(head));
    send_all(fd, body, strlen(body));
    char *resp;
    int st = read_response(fd, &resp);
    close(fd);
    /* CometBFT: 200, or 500 for a body that does not parse */
    ck_assert_msg(st == 200 || (st == 500 && strstr(resp, "\"code\":-32700")), "status %d for %s",
                  st, body);
    json_error_t je;
    json_t *j = json_loads(resp, 0, &je);
    ck_assert_msg(j != NULL, "bad JSON: %s", resp);
    free(resp);
    return j;
}

static json_t *http_get(int port, const char *target)
{
    int fd = dial(port);
    char head[1024];
    snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
    send_all(fd, head, strlen(head));
    char *resp;
    int st = read_response(fd, &resp);
    close(fd);
    /* CometBFT answers a failed URI call with 500 */
    ck_assert_msg(st == 200 || (st == 500 && strstr(resp, "\"error\"")), "status %d for %s", st,
                  target);
    ck_assert_msg((st == 500) == (strstr(resp, "\"error\"") != NULL), "status %d with %s", st,
                  resp);
    json_t *j = json_loads(resp, 0, NULL);
    ck_assert_msg(j != NULL, "bad JSON: %s", resp);
    free(resp);
    return j;
}

/* Call a method; return its result (asserting no error). */
static json_t *call(int port, const char *method, const char *params_json)
{
    char body[8192];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}",
             method, params_json ? params_json : "{}");
    json_t *r = http_post(port, body);
    json_t *err = json_object_get(r, "error");
    if (err) {
        char *s = json_dumps(err, 0);
        ck_abort_msg("%s: error %s", method, s);
    }
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 7);
    ck_assert_str_eq(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    ck_assert_ptr_nonnull(res);
    return res;
}

/* The error code of a call. */
static int call_err(int port, const char *body, const char **data_out)
{
    json_t *r = http_post(port, body);
    json_t *err = json_object_get(r, "error");
    ck_assert_msg(err != NULL, "no error for %s", body);
    int code = (int)json_integer_value(json_object_get(err, "code"));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(err, "message")));
    if (data_out) {
        static char d[512];
        const char *s = json_string_value(json_object_get(err, "data"));
        snprintf(d, sizeof d, "%s", s ? s : "");
        *data_out = d;
    }
    json_decref(r);
    return code;
}

static const char *jstr(const json_t *o, const char *path)
{
    /* path "a.b.c" with numeric parts for arrays */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
        if (json_is_array(cur))
            cur = json_array_get(cur, (size_t)atoi(tok));
        else
            cur = json_object_get(cur, tok);
    }
    ck_assert_msg(cur != NULL, "no %s", path);
    ck_assert_msg(json_is_string(cur), "%s is not a string", path);
    return json_string_value(cur);
}

static const json_t *jget(const json_t *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
        if (json_is_array(cur))
            cur = json_array_get(cur, (size_t)atoi(tok));
        else
            cur = json_object_get(cur, tok);
    }
    ck_assert_msg(cur != NULL, "no %s", path);
    return cur;
}

static bool is_upper_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

/* ---- the fixture: a chain with blocks and a server ---------------------- */

typedef struct fixture {
    tchain *chain;
    rpc_server *srv;
    int port;
} fixture;

static const char *TXS[] = {"alpha=1", "beta=2", "gamma=3", "bad-tx", "delta=4", "alpha=5"};

static void fixture_up(fixture *f, int blocks, uint32_t max_conns)
{
    ck_assert_int_eq(tchain_new(&f->chain, ag_test_seed()), AG_OK);
    rpc_backend be = tchain_backend(f->chain);
    rpc_server_opts o;
    rpc_server_opts_default(&o);
    o.laddr = "tcp://127.0.0.1:0";
    o.index_kv = tchain_index_kv(f->chain);
    o.max_body_bytes = 100000;
    o.timeout_broadcast_tx_commit_ms = 3000;
    o.request_timeout_ms = 1000;
    if (max_conns)
        o.max_open_connections = max_conns;
    ck_assert_msg(rpc_server_start(&f->srv, &be, &o) == AG_OK, "%s", ag_err_detail());
    f->port = rpc_server_port(f->srv);
    ck_assert_int_gt(f->port, 0);
    tchain_set_server(f->chain, f->srv);
    /* block h carries TXS[h-1] and, at h 2, two more */
    for (int h = 1; h <= blocks; h++) {
        ag_slice txs[3];
        size_t n = 0;
        if (h <= (int)(sizeof TXS / sizeof TXS[0]))
            txs[n++] = (ag_slice){(const uint8_t *)TXS[h - 1], strlen(TXS[h - 1])};
        if (h == 2) {
            txs[n++] = (ag_slice){(const uint8_t *)"k2a=x", 5};
            txs[n++] = (ag_slice){(const uint8_t *)"k2b=y", 5};
        }
        ck_assert_msg(tchain_add_block(f->chain, txs, n) == AG_OK, "block %d: %s", h,
                      ag_err_detail());
    }
    rpc_server_sync(f->srv);
}

static void fixture_down(fixture *f)
{
    tchain_set_server(f->chain, NULL);
    rpc_server_free(f->srv);
    tchain_free(f->chain);
}

START_TEST(methods_info)
{
    fixture f;
    fixture_up(&f, 6, 0);
    json_t *r = call(f.port, "health", NULL);
    ck_assert(json_is_object(r) && json_object_size(r) == 0);
    json_decref(r);

    r = call(f.port, "status", NULL);
    ck_assert_str_eq(jstr(r, "node_info.network"), TCHAIN_ID);
    ck_assert(strncmp(jstr(r, "node_info.version"), "0.38.", 5) == 0);
    ck_assert_str_eq(jstr(r, "node_info.protocol_version.block"), "11");
    ck_assert_str_eq(jstr(r, "node_info.other.tx_index"), "on");
    ck_assert_str_eq(jstr(r, "sync_info.latest_block_height"), "6");
    ck_assert_str_eq(jstr(r, "sync_info.earliest_block_height"), "1");
    ck_assert(is_upper_hex(jstr(r, "sync_info.latest_block_hash"), 64));
    ck_assert(is_upper_hex(jstr(r, "sync_info.latest_app_hash"), 64));
    ck_assert_str_eq(jstr(r, "sync_info.latest_block_time"), "2026-01-01T00:00:06Z");
    ck_assert(json_is_false(jget(r, "sync_info.catching_up")));
    ck_assert_str_eq(jstr(r, "validator_info.pub_key.type"), "tendermint/PubKeySecp256k1");
    ck_assert_str_eq(jstr(r, "validator_info.voting_power"), "10");
    crypto_address va = tchain_validator(f.chain);
    char vhex[41];
    ag_hex_encode(vhex, va.b, 20, true);
    ck_assert_str_eq(jstr(r, "validator_info.address"), vhex);
    crypto_hash bh;
    ck_assert_int_eq(tchain_block_hash(f.chain, 6, &bh), AG_OK);
    char bhex[65];
    ag_hex_encode(bhex, bh.b, 32, true);
    ck_assert_str_eq(jstr(r, "sync_info.latest_block_hash"), bhex);
    json_decref(r);

    r = call(f.port, "net_info", NULL);
    ck_assert_str_eq(jstr(r, "n_peers"), "0");
    ck_assert(json_is_array(jget(r, "peers")) && json_array_size(jget(r, "peers")) == 0);
    json_decref(r);

    r = call(f.port, "genesis", NULL);
    ck_assert_str_eq(jstr(r, "genesis.chain_id"), TCHAIN_ID);
    ck_assert_str_eq(jstr(r, "genesis.initial_height"), "1");
    ck_assert_str_eq(jstr(r, "genesis.validators.0.power"), "10");
    json_decref(r);

    r = call(f.port, "genesis_chunked", "{\"chunk\":\"0\"}");
    ck_assert_str_eq(jstr(r, "chunk"), "0");
    ck_assert_str_eq(jstr(r, "total"), "1");
    {
        const char *g64 = jstr(r, "data");
        uint8_t gj[4096];
        size_t gl;
        ck_assert_int_eq(ag_base64_decode(gj, sizeof gj, &gl, g64, strlen(g64)), AG_OK);
        json_t *gd = json_loadb((const char *)gj, gl, 0, NULL);
        ck_assert_str_eq(jstr(gd, "chain_id"), TCHAIN_ID);
        json_decref(gd);
    }
    json_decref(r);
    r = call(f.port, "abci_info", NULL);
    ck_assert_str_eq(jstr(r, "response.last_block_height"), "6");
    ck_assert_str_eq(jstr(r, "response.app_version"), "1");
    json_decref(r);

    r = call(f.port, "consensus_params", NULL);
    ck_assert_str_eq(jstr(r, "block_height"), "7");
    ck_assert_str_eq(jstr(r, "consensus_params.block.max_bytes"), "22020096");
    ck_assert_str_eq(jstr(r, "consensus_params.block.max_gas"), "-1");
    ck_assert_str_eq(jstr(r, "consensus_params.evidence.max_age_duration"), "172800000000000");
    ck_assert_str_eq(jstr(r, "consensus_params.validator.pub_key_types.0"), "secp256k1");
    json_decref(r);

    r = call(f.port, "validators", "{\"height\":\"3\"}");
    ck_assert_str_eq(jstr(r, "block_height"), "3");
    ck_assert_str_eq(jstr(r, "count"), "1");
    ck_assert_str_eq(jstr(r, "total"), "1");
    ck_assert_str_eq(jstr(r, "validators.0.address"), vhex);
    ck_assert_str_eq(jstr(r, "validators.0.voting_power"), "10");
    ck_assert_ptr_nonnull(jstr(r, "validators.0.proposer_priority"));
    json_decref(r);
    const char *d;
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"validators\","
                              "\"params\":{\"page\":\"2\"}}",
                              &d),
                     RPC_CODE_INTERNAL);
    ck_assert_str_eq(d, "page should be within [1, 1] range, given 2");
    fixture_down(&f);
}
END_TEST

START_TEST(methods_blocks)
{
    fixture f;
    fixture_up(&f, 6, 0);
    json_t *r = call(f.port, "block", "{\"height\":\"2\"}");
    ck_assert_str_eq(jstr(r, "block.header.height"), "2");
    ck_assert_str_eq(jstr(r, "block.header.chain_id"), TCHAIN_ID);
    ck_assert_str_eq(jstr(r, "block.header.version.block"), "11");
    ck_assert_str_eq(jstr(r, "block.header.time"), "2026-01-01T00:00:02Z");
    ck_assert(is_upper_hex(jstr(r, "block_id.hash"), 64));
    ck_assert(json_is_integer(jget(r, "block_id.parts.total")));
    ck_assert(is_upper_hex(jstr(r, "block.header.last_block_id.hash"), 64));
    ck_assert(is_upper_hex(jstr(r, "block.header.data_hash"), 64));
    ck_assert(is_upper_hex(jstr(r, "block.header.proposer_address"), 40));
    ck_assert_uint_eq(json_array_size(jget(r, "block.data.txs")), 3);
    ck_assert_str_eq(jstr(r, "block.data.txs.0"), "YmV0YT0y"); /* "beta=2" */
    ck_assert(json_is_array(jget(r, "block.evidence.evidence")));
    ck_assert_str_eq(jstr(r, "block.last_commit.height"), "1");
    ck_assert(json_is_integer(jget(r, "block.last_commit.round")));
    ck_assert_int_eq(json_integer_value(jget(r, "block.last_commit.signatures.0.block_id_flag")),
                     2);
    ck_assert_uint_eq(strlen(jstr(r, "block.last_commit.signatures.0.signature")), 88);
    char hash[65];
    snprintf(hash, sizeof hash, "%s", jstr(r, "block_id.hash"));
    json_decref(r);
    /* latest by default; by hash (base64 in JSON-RPC) */
    r = call(f.port, "block", NULL);
    ck_assert_str_eq(jstr(r, "block.header.height"), "6");
    json_decref(r);
    uint8_t hb[32];
    ck_assert_int_eq(ag_hex_decode_exact(hb, 32, hash), AG_OK);
    char b64[64], params[128];
    ag_base64_encode(b64, hb, 32);
    snprintf(params, sizeof params, "{\"hash\":\"%s\"}", b64);
    r = call(f.port, "block_by_hash", params);
    ck_assert_str_eq(jstr(r, "block.header.height"), "2");
    json_decref(r);
    r = call(f.port, "header_by_hash", params);
    ck_assert_str_eq(jstr(r, "header.height"), "2");
    json_decref(r);
    /* header_by_hash's hash is HexBytes in CometBFT: hex works too */
    snprintf(params, sizeof params, "{\"hash\":\"%s\"}", hash);
    r = call(f.port, "header_by_hash", params);
    ck_assert_str_eq(jstr(r, "header.height"), "2");
    json_decref(r);
    /* URI: hex with 0x */
    char target[128];
    snprintf(target, sizeof target, "/block_by_hash?hash=0x%s", hash);
    json_t *u = http_get(f.port, target);
    ck_assert_str_eq(jstr(u, "result.block.header.height"), "2");
    ck_assert_int_eq(json_integer_value(json_object_get(u, "id")), -1);
    json_decref(u);
    u = http_get(f.port, "/block?height=3");
    ck_assert_str_eq(jstr(u, "result.block.header.height"), "3");
    json_decref(u);
    u = http_get(f.port, "/status");
    ck_assert_str_eq(jstr(u, "result.sync_info.latest_block_height"), "6");
    json_decref(u);

    r = call(f.port, "header", "{\"height\":4}");
    ck_assert_str_eq(jstr(r, "header.height"), "4");
    json_decref(r);

    r = call(f.port, "commit", "{\"height\":\"3\"}");
    ck_assert_str_eq(jstr(r, "signed_header.header.height"), "3");
    ck_assert_str_eq(jstr(r, "signed_header.commit.height"), "3");
    ck_assert(json_is_true(jget(r, "canonical")));
    json_decref(r);
    r = call(f.port, "commit", NULL);
    ck_assert_str_eq(jstr(r, "signed_header.commit.height"), "6");
    ck_assert(json_is_false(jget(r, "canonical")));
    json_decref(r);

    r = call(f.port, "blockchain", "{\"minHeight\":\"2\",\"maxHeight\":\"4\"}");
    ck_assert_str_eq(jstr(r, "last_height"), "6");
    ck_assert_uint_eq(json_array_size(jget(r, "block_metas")), 3);
    ck_assert_str_eq(jstr(r, "block_metas.0.header.height"), "4");
    ck_assert_str_eq(jstr(r, "block_metas.2.header.height"), "2");
    ck_assert_str_eq(jstr(r, "block_metas.2.num_txs"), "3");
    ck_assert_ptr_nonnull(jstr(r, "block_metas.0.block_size"));
    json_decref(r);

    r = call(f.port, "block_results", "{\"height\":\"4\"}");
    ck_assert_str_eq(jstr(r, "height"), "4");
    /* "bad-tx" has no '=': kvstore code 1 */
    ck_assert_int_eq(json_integer_value(jget(r, "txs_results.0.code")), 1);
    ck_assert_str_eq(jstr(r, "txs_results.0.gas_wanted"), "1");
    json_decref(r);
    r = call(f.port, "block_results", "{\"height\":\"1\"}");
    ck_assert_int_eq(json_integer_value(jget(r, "txs_results.0.code")), 0);
    ck_assert_str_eq(jstr(r, "txs_results.0.events.0.type"), "kv");
    ck_assert_str_eq(jstr(r, "txs_results.0.events.0.attributes.0.key"), "key");
    ck_assert_str_eq(jstr(r, "txs_results.0.events.0.attributes.0.value"), "alpha");
    ck_assert(json_is_true(jget(r, "txs_results.0.events.0.attributes.0.index")));
    ck_assert(json_is_string(jget(r, "app_hash")));
    json_decref(r);

    /* height errors as CometBFT words them */
    const char *d;
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block\","
                              "\"params\":{\"height\":\"99\"}}",
                              &d),
                     RPC_CODE_INTERNAL);
    ck_assert_str_eq(d, "height 99 must be less than or equal to the current blockchain height 6");
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block\","
                              "\"params\":{\"height\":\"0\"}}",
                              &d),
                     RPC_CODE_INTERNAL);
    ck_assert_str_eq(d, "height must be greater than 0, but got 0");
    fixture_down(&f);
}
END_TEST

START_TEST(methods_txs)
{
    fixture f;
    fixture_up(&f, 6, 0);
    /* tx by hash */
    crypto_hash h;
    crypto_sha256(h.b, "gamma=3", 7);
    char b64[64], hx[65], params[256];
    ag_base64_encode(b64, h.b, 32);
    ag_hex_encode(hx, h.b, 32, true);
    snprintf(params, sizeof params, "{\"hash\":\"%s\",\"prove\":true}", b64);
    json_t *r = call(f.port, "tx", params);
    ck_assert_str_eq(jstr(r, "hash"), hx);
    ck_assert_str_eq(jstr(r, "height"), "3");
    ck_assert_int_eq(json_integer_value(jget(r, "index")), 0);
    ck_assert_str_eq(jstr(r, "tx"), "Z2FtbWE9Mw==");
    ck_assert_int_eq(json_integer_value(jget(r, "tx_result.code")), 0);
    ck_assert(is_upper_hex(jstr(r, "proof.root_hash"), 64));
    ck_assert_str_eq(jstr(r, "proof.proof.total"), "1");
    json_decref(r);
    /* the proof's root is the block's data hash */
    r = call(f.port, "block", "{\"height\":3}");
    json_t *r2 = call(f.port, "tx", params);
    ck_assert_str_eq(jstr(r, "block.header.data_hash"), jstr(r2, "proof.root_hash"));
    json_decref(r);
    json_decref(r2);

    r = call(f.port, "tx_search", "{\"query\":\"tx.height=2\"}");
    ck_assert_str_eq(jstr(r, "total_count"), "3");
    ck_assert_uint_eq(json_array_size(jget(r, "txs")), 3);
    ck_assert_int_eq(json_integer_value(jget(r, "txs.2.index")), 2);
    json_decref(r);
    r = call(f.port, "tx_search",
             "{\"query\":\"kv.key='alpha'\",\"order_by\":\"desc\",\"per_page\":\"1\"}");
    ck_assert_str_eq(jstr(r, "total_count"), "2");
    ck_assert_uint_eq(json_array_size(jget(r, "txs")), 1);
    ck_assert_str_eq(jstr(r, "txs.0.height"), "6");
    json_decref(r);
    r = call(f.port, "tx_search",
             "{\"query\":\"kv.key='alpha'\",\"page\":\"2\",\"per_page\":\"1\"}");
    ck_assert_str_eq(jstr(r, "txs.0.height"), "6");
    json_decref(r);
    r = call(f.port, "tx_search", "{\"query\":\"tm.event='Tx' AND tx.height>=2 AND tx.height<4\"}");
    ck_assert_str_eq(jstr(r, "total_count"), "4");
    json_decref(r);
    json_t *u = http_get(f.port, "/tx_search?query=%22kv.key%3D%27beta%27%22");
    ck_assert_str_eq(jstr(u, "result.total_count"), "1");
    json_decref(u);
    r = call(f.port, "block_search", "{\"query\":\"block.height > 4\"}");
    ck_assert_str_eq(jstr(r, "total_count"), "2");
    ck_assert_str_eq(jstr(r, "blocks.0.block.header.height"), "6"); /* desc by default */
    json_decref(r);
    const char *d;
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tx_search\","
                              "\"params\":{\"query\":\"tx.height=\"}}",
                              &d),
                     RPC_CODE_INTERNAL);
    ck_assert(strstr(d, "failed to parse query") != NULL);
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tx_search\","
                              "\"params\":{\"query\":\"tx.height=1\",\"order_by\":\"up\"}}",
                              NULL),
                     RPC_CODE_INTERNAL);
    crypto_sha256(h.b, "never", 5);
    ag_base64_encode(b64, h.b, 32);
    snprintf(params, sizeof params,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tx\",\"params\":{\"hash\":\"%s\"}}", b64);
    ck_assert_int_eq(call_err(f.port, params, &d), RPC_CODE_INTERNAL);
    ck_assert(strstr(d, "not found") != NULL);

    /* abci_query: hex data */
    r = call(f.port, "abci_query", "{\"path\":\"/store\",\"data\":\"64656C7461\"}");
    ck_assert_int_eq(json_integer_value(jget(r, "response.code")), 0);
    ck_assert_str_eq(jstr(r, "response.value"), "NA=="); /* "4" */
    ck_assert_str_eq(jstr(r, "response.key"), "ZGVsdGE=");
    ck_assert_str_eq(jstr(r, "response.height"), "6");
    json_decref(r);
    u = http_get(f.port, "/abci_query?path=%22/store%22&data=0x626574610a");
    ck_assert_int_eq(json_integer_value(jget(u, "result.response.code")), 3); /* not found */
    json_decref(u);

    /* check_tx does not touch the mempool */
    r = call(f.port, "check_tx", "{\"tx\":\"eD15\"}");
    ck_assert_int_eq(json_integer_value(jget(r, "code")), 0);
    json_decref(r);
    r = call(f.port, "num_unconfirmed_txs", NULL);
    ck_assert_str_eq(jstr(r, "n_txs"), "0");
    ck_assert(json_is_null(jget(r, "txs")));
    json_decref(r);

    /* broadcast: sync and async into the mempool */
    r = call(f.port, "broadcast_tx_sync", "{\"tx\":\"bmV3PTE=\"}"); /* new=1 */
    ck_assert_int_eq(json_integer_value(jget(r, "code")), 0);
    crypto_sha256(h.b, "new=1", 5);
    ag_hex_encode(hx, h.b, 32, true);
    ck_assert_str_eq(jstr(r, "hash"), hx);
    json_decref(r);
    r = call(f.port, "broadcast_tx_async", "{\"tx\":\"bmV3PTI=\"}");
    ck_assert_int_eq(json_integer_value(jget(r, "code")), 0);
    json_decref(r);
    r = call(f.port, "broadcast_tx_sync", "{\"tx\":\"YmFk\"}"); /* "bad": rejected by CheckTx */
    ck_assert_int_eq(json_integer_value(jget(r, "code")), 1);
    json_decref(r);
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"broadcast_tx_sync\","
                              "\"params\":{\"tx\":\"bmV3PTE=\"}}",
                              &d),
                     RPC_CODE_INTERNAL);
    ck_assert_str_eq(d, "tx already exists in cache");
    r = call(f.port, "unconfirmed_txs", "{\"limit\":\"1\"}");
    ck_assert_str_eq(jstr(r, "n_txs"), "1");
    ck_assert_str_eq(jstr(r, "total"), "2");
    ck_assert_str_eq(jstr(r, "total_bytes"), "10");
    ck_assert_str_eq(jstr(r, "txs.0"), "bmV3PTE=");
    json_decref(r);

    /* broadcast_tx_commit: answered when the block is committed */
    int fd = dial(f.port);
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"broadcast_tx_commit\","
                       "\"params\":{\"tx\":\"Y29tbWl0PTE=\"}}";
    char head[256];
    snprintf(head, sizeof head, "POST / HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", strlen(body));
    send_all(fd, head, strlen(head));
    send_all(fd, body, strlen(body));
    /* wait until the tx is in the mempool, then commit a block from it */
    for (int i = 0; i < 200; i++) {
        json_t *n = call(f.port, "num_unconfirmed_txs", NULL);
        bool in = strcmp(jstr(n, "total"), "3") == 0;
        json_decref(n);
        if (in)
            break;
        usleep(10000);
    }
    ck_assert_int_eq(tchain_add_block(f.chain, NULL, 0), AG_OK);
    char *resp;
    ck_assert_int_eq(read_response(fd, &resp), 200);
    close(fd);
    r = json_loads(resp, 0, NULL);
    free(resp);
    ck_assert_str_eq(jstr(r, "result.height"), "7");
    ck_assert_int_eq(json_integer_value(jget(r, "result.check_tx.code")), 0);
    ck_assert_int_eq(json_integer_value(jget(r, "result.tx_result.code")), 0);
    json_decref(r);
    rpc_server_sync(f.srv);
    r = call(f.port, "tx_search", "{\"query\":\"kv.key='commit'\"}");
    ck_assert_str_eq(jstr(r, "total_count"), "1");
    json_decref(r);
    r = call(f.port, "num_unconfirmed_txs", NULL);
    ck_assert_str_eq(jstr(r, "total"), "0");
    json_decref(r);
    fixture_down(&f);
}
END_TEST

/* broadcast_tx_commit: a tx CheckTx refuses is answered at once; one that
 * no block includes times out with CometBFT's error. */
START_TEST(broadcast_commit_edges)
{
    fixture f;
    fixture_up(&f, 1, 0);
    json_t *r = call(f.port, "broadcast_tx_commit", "{\"tx\":\"YmFk\"}"); /* "bad" */
    ck_assert_int_eq(json_integer_value(jget(r, "check_tx.code")), 1);
    ck_assert_str_eq(jstr(r, "height"), "0");
    ck_assert(is_upper_hex(jstr(r, "hash"), 64));
    json_decref(r);
    const char *d;
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"broadcast_tx_commit\","
                              "\"params\":{\"tx\":\"d2FpdD0x\"}}",
                              &d),
                     RPC_CODE_INTERNAL);
    ck_assert_str_eq(d, "timed out waiting for tx to be included in a block");
    fixture_down(&f);
}
END_TEST

START_TEST(errors_and_batches)
{
    fixture f;
    fixture_up(&f, 2, 0);
    ck_assert_int_eq(call_err(f.port, "{not json", NULL), RPC_CODE_PARSE);
    ck_assert_int_eq(call_err(f.port, "[]", NULL), RPC_CODE_INVALID_REQUEST);
    ck_assert_int_eq(call_err(f.port, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"health\"}", NULL),
                     RPC_CODE_INVALID_REQUEST);
    ck_assert_int_eq(
        call_err(f.port, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"health\"}", NULL),
        RPC_CODE_INVALID_REQUEST);
    ck_assert_int_eq(call_err(f.port, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", NULL),
                     RPC_CODE_INVALID_REQUEST);
    ck_assert_int_eq(call_err(f.port, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", NULL),
                     RPC_CODE_METHOD_NOT_FOUND);
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\","
                              "\"params\":{\"query\":\"tm.event='Tx'\"}}",
                              NULL),
                     RPC_CODE_METHOD_NOT_FOUND);
    const char *d;
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block\","
                              "\"params\":{\"height\":\"abc\"}}",
                              &d),
                     RPC_CODE_INVALID_PARAMS);
    ck_assert(strstr(d, "height") != NULL);
    ck_assert_int_eq(
        call_err(f.port, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block\",\"params\":5}", NULL),
        RPC_CODE_INVALID_PARAMS);
    /* broadcast_evidence: required, and decoded + ValidateBasic'd before the
     * node sees it (a light attack without its conflicting block) */
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"broadcast_evidence\","
                              "\"params\":{}}",
                              &d),
                     RPC_CODE_INVALID_PARAMS);
    ck_assert(strstr(d, "evidence is required") != NULL);
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"broadcast_evidence\","
                              "\"params\":{\"evidence\":\"EgIQAQ==\"}}",
                              &d),
                     RPC_CODE_INVALID_PARAMS);
    ck_assert_msg(strstr(d, "no conflicting block") != NULL, "%s", d);
    ck_assert_int_eq(call_err(f.port,
                              "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"broadcast_tx_sync\","
                              "\"params\":{\"tx\":\"!!\"}}",
                              NULL),
                     RPC_CODE_INVALID_PARAMS);
    /* a batch: answers in order, with their ids */
    json_t *r = http_post(f.port, "[{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"health\"},"
                                  "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope\"},"
                                  "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"header\","
                                  "\"params\":[\"1\"]}]");
    ck_assert(json_is_array(r) && json_array_size(r) == 3);
    ck_assert_str_eq(jstr(r, "0.id"), "a");
    ck_assert(json_is_object(jget(r, "0.result")));
    ck_assert_int_eq(json_integer_value(jget(r, "1.error.code")), RPC_CODE_METHOD_NOT_FOUND);
    ck_assert_str_eq(jstr(r, "2.result.header.height"), "1");
    json_decref(r);
    /* URI errors */
    json_t *u = http_get(f.port, "/nope");
    ck_assert_int_eq(json_integer_value(jget(u, "error.code")), RPC_CODE_METHOD_NOT_FOUND);
    json_decref(u);
    u = http_get(f.port, "/abci_query?path=unquoted");
    ck_assert_int_eq(json_integer_value(jget(u, "error.code")), RPC_CODE_INVALID_PARAMS);
    json_decref(u);

    /* HTTP-level limits */
    int fd = dial(f.port);
    const char *big = "POST / HTTP/1.1\r\nContent-Length: 200000\r\n\r\n";
    send_all(fd, big, strlen(big));
    char *resp;
    ck_assert_int_eq(read_response(fd, &resp), 413);
    free(resp);
    close(fd);
    fd = dial(f.port);
    const char *junk = "BREW / HTTP/1.1\r\n\r\n";
    send_all(fd, junk, strlen(junk));
    ck_assert_int_eq(read_response(fd, &resp), 501);
    free(resp);
    close(fd);
    fd = dial(f.port);
    char *hdrs = malloc(40000);
    strcpy(hdrs, "GET /health HTTP/1.1\r\n");
    for (int i = 0; strlen(hdrs) < 30000; i++)
        sprintf(hdrs + strlen(hdrs), "X-%d: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", i);
    send_all(fd, hdrs, strlen(hdrs));
    free(hdrs);
    int st = read_response(fd, &resp);
    ck_assert_int_eq(st, 413);
    free(resp);
    close(fd);
    /* a request that never completes is answered 408 after the timeout */
    fd = dial(f.port);
    const char *part = "POST / HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"jsonrpc\"";
    send_all(fd, part, strlen(part));
    ck_assert_int_eq(read_response(fd, &resp), 408);
    free(resp);
    close(fd);
    /* keep-alive with two pipelined requests on one connection */
    fd = dial(f.port);
    const char *two = "GET /health HTTP/1.1\r\n\r\nGET /header?height=2 HTTP/1.1\r\n\r\n";
    send_all(fd, two, strlen(two));
    ck_assert_int_eq(read_response(fd, &resp), 200);
    ck_assert(strstr(resp, "\"result\":{}") != NULL);
    free(resp);
    ck_assert_int_eq(read_response(fd, &resp), 200);
    ck_assert(strstr(resp, "\"height\":\"2\"") != NULL);
    free(resp);
    close(fd);
    /* garbage of every byte never crashes the server */
    ag_rng rng;
    ag_test_rng(&rng, 77);
    for (int i = 0; i < 50; i++) {
        fd = dial(f.port);
        uint8_t g[512];
        ag_rng_fill(&rng, g, sizeof g);
        if (i % 2)
            memcpy(g, "POST / HTTP/1.1\r\nContent-Length: 400\r\n\r\n", 41);
        send_all(fd, g, sizeof g);
        close(fd);
    }
    r = call(f.port, "health", NULL);
    json_decref(r);
    fixture_down(&f);
}
END_TEST

START_TEST(connection_limit)
{
    fixture f;
    fixture_up(&f, 1, 3);
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = dial(f.port);
    usleep(100000);
    int extra = dial(f.port);
    char *resp;
    ck_assert_int_eq(read_response(extra, &resp), 503);
    free(resp);
    close(extra);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    usleep(100000);
    json_t *r = call(f.port, "health", NULL);
    json_decref(r);
    fixture_down(&f);
}
END_TEST

/* ---- websocket ---------------------------------------------------------- */

static int ws_dial(int port)
{
    int fd = dial(port);
    const char *h = "GET /websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n";
    send_all(fd, h, strlen(h));
    char buf[1024];
    size_t len = 0;
    while (!strstr(buf, "\r\n\r\n")) {
        ssize_t r = recv(fd, buf + len, 1, 0);
        ck_assert_int_eq(r, 1);
        len++;
        buf[len] = 0;
    }
    ck_assert(strncmp(buf, "HTTP/1.1 101", 12) == 0);
    ck_assert(strstr(buf, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != NULL);
    return fd;
}

static void ws_send(int fd, uint8_t op, const char *payload, size_t n)
{
    uint8_t *f = malloc(n + 14);
    size_t p = 0;
    f[p++] = (uint8_t)(0x80 | op);
    if (n < 126) {
        f[p++] = (uint8_t)(0x80 | n);
    } else {
        f[p++] = 0x80 | 126;
        f[p++] = (uint8_t)(n >> 8);
        f[p++] = (uint8_t)n;
    }
    uint8_t mask[4] = {1, 2, 3, 4};
    memcpy(f + p, mask, 4);
    p += 4;
    for (size_t i = 0; i < n; i++)
        f[p + i] = (uint8_t)payload[i] ^ mask[i & 3];
    send_all(fd, f, p + n);
    free(f);
}

static bool recv_n(int fd, uint8_t *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0)
            return false;
        ssize_t r = recv(fd, b + got, n - got, 0);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* One server frame: its opcode and payload (malloc'd, NUL-terminated). */
static int ws_recv(int fd, char **payload)
{
    uint8_t h[2];
    *payload = NULL;
    if (!recv_n(fd, h, 2))
        return -1;
    ck_assert(!(h[1] & 0x80)); /* server frames are not masked */
    uint64_t n = h[1] & 0x7f;
    if (n == 126) {
        uint8_t e[2];
        ck_assert(recv_n(fd, e, 2));
        n = ((uint64_t)e[0] << 8) | e[1];
    } else if (n == 127) {
        uint8_t e[8];
        ck_assert(recv_n(fd, e, 8));
        n = 0;
        for (int i = 0; i < 8; i++)
            n = (n << 8) | e[i];
    }
    *payload = malloc(n + 1);
    ck_assert(recv_n(fd, (uint8_t *)*payload, n));
    (*payload)[n] = 0;
    return h[0] & 0x0f;
}

static json_t *ws_json(int fd)
{
    for (;;) {
        char *p;
        int op = ws_recv(fd, &p);
        ck_assert_int_ne(op, -1);
        if (op == RPC_WS_PING) {
            free(p);
            continue;
        }
        ck_assert_int_eq(op, RPC_WS_TEXT);
        json_t *j = json_loads(p, 0, NULL);
        ck_assert_msg(j != NULL, "bad JSON %s", p);
        free(p);
        return j;
    }
}

START_TEST(websocket_subscriptions)
{
    fixture f;
    fixture_up(&f, 2, 0);
    int fd = ws_dial(f.port);
    /* an ordinary call over the websocket */
    const char *st = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}";
    ws_send(fd, RPC_WS_TEXT, st, strlen(st));
    json_t *r = ws_json(fd);
    ck_assert_str_eq(jstr(r, "result.sync_info.latest_block_height"), "2");
    json_decref(r);
    /* ping -> pong with the same payload */
    ws_send(fd, RPC_WS_PING, "abc", 3);
    char *p;
    ck_assert_int_eq(ws_recv(fd, &p), RPC_WS_PONG);
    ck_assert_str_eq(p, "abc");
    free(p);
    const char *s1 = "{\"jsonrpc\":\"2.0\",\"id\":\"blocks\",\"method\":\"subscribe\","
                     "\"params\":{\"query\":\"tm.event='NewBlock'\"}}";
    ws_send(fd, RPC_WS_TEXT, s1, strlen(s1));
    r = ws_json(fd);
    ck_assert_str_eq(jstr(r, "id"), "blocks");
    ck_assert(json_is_object(jget(r, "result")));
    json_decref(r);
    const char *s2 = "{\"jsonrpc\":\"2.0\",\"id\":\"txs\",\"method\":\"subscribe\","
                     "\"params\":[\"tm.event='Tx' AND kv.key='zeta'\"]}";
    ws_send(fd, RPC_WS_TEXT, s2, strlen(s2));
    r = ws_json(fd);
    ck_assert_str_eq(jstr(r, "id"), "txs");
    json_decref(r);
    /* the same query twice is refused */
    ws_send(fd, RPC_WS_TEXT, s1, strlen(s1));
    r = ws_json(fd);
    ck_assert_int_eq(json_integer_value(jget(r, "error.code")), RPC_CODE_INTERNAL);
    json_decref(r);
    /* a block with a matching and a non-matching tx */
    ag_slice txs[2] = {{(const uint8_t *)"zeta=9", 6}, {(const uint8_t *)"eta=8", 5}};
    ck_assert_int_eq(tchain_add_block(f.chain, txs, 2), AG_OK);
    rpc_server_sync(f.srv);
    r = ws_json(fd);
    ck_assert_str_eq(jstr(r, "id"), "blocks");
    ck_assert_str_eq(jstr(r, "result.query"), "tm.event='NewBlock'");
    ck_assert_str_eq(jstr(r, "result.data.type"), "tendermint/event/NewBlock");
    ck_assert_str_eq(jstr(r, "result.data.value.block.header.height"), "3");
    ck_assert(is_upper_hex(jstr(r, "result.data.value.block_id.hash"), 64));
    ck_assert_uint_eq(
        json_array_size(jget(r, "result.data.value.result_finalize_block.tx_results")), 2);
    ck_assert_str_eq(
        json_string_value(json_array_get(
            json_object_get(json_object_get(json_object_get(r, "result"), "events"), "tm.event"),
            0)),
        "NewBlock");
    json_decref(r);
    r = ws_json(fd);
    ck_assert_str_eq(jstr(r, "id"), "txs");
    ck_assert_str_eq(jstr(r, "result.data.type"), "tendermint/event/Tx");
    ck_assert_str_eq(jstr(r, "result.data.value.TxResult.height"), "3");
    ck_assert_str_eq(jstr(r, "result.data.value.TxResult.tx"), "emV0YT05");
    ck_assert_int_eq(json_integer_value(jget(r, "result.data.value.TxResult.index")), 0);
    json_t *evs = json_object_get(json_object_get(r, "result"), "events");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(evs, "tx.height"), 0)), "3");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(evs, "kv.key"), 0)), "zeta");
    ck_assert(
        is_upper_hex(json_string_value(json_array_get(json_object_get(evs, "tx.hash"), 0)), 64));
    json_decref(r);
    /* unsubscribe, then only blocks come */
    const char *u = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"unsubscribe\","
                    "\"params\":{\"query\":\"tm.event='Tx' AND kv.key='zeta'\"}}";
    ws_send(fd, RPC_WS_TEXT, u, strlen(u));
    r = ws_json(fd);
    ck_assert_int_eq(json_integer_value(jget(r, "id")), 5);
    ck_assert_ptr_nonnull(json_object_get(r, "result"));
    json_decref(r);
    ag_slice tx2 = {(const uint8_t *)"zeta=10", 7};
    ck_assert_int_eq(tchain_add_block(f.chain, &tx2, 1), AG_OK);
    rpc_server_sync(f.srv);
    r = ws_json(fd);
    ck_assert_str_eq(jstr(r, "result.data.value.block.header.height"), "4");
    json_decref(r);
    const char *ua = "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"unsubscribe_all\"}";
    ws_send(fd, RPC_WS_TEXT, ua, strlen(ua));
    r = ws_json(fd);
    ck_assert_int_eq(json_integer_value(jget(r, "id")), 6);
    json_decref(r);
    /* subscription limit per client (5) */
    for (int i = 0; i < 6; i++) {
        char q[200];
        snprintf(q, sizeof q,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"subscribe\","
                 "\"params\":{\"query\":\"tx.height=%d\"}}",
                 100 + i, i);
        ws_send(fd, RPC_WS_TEXT, q, strlen(q));
        r = ws_json(fd);
        if (i < 5)
            ck_assert_ptr_nonnull(json_object_get(r, "result"));
        else
            ck_assert_ptr_nonnull(json_object_get(r, "error"));
        json_decref(r);
    }
    /* a fragmented message */
    const char *part1 = "{\"jsonrpc\":\"2.0\",\"id\":11,";
    const char *part2 = "\"method\":\"health\"}";
    uint8_t fr[64];
    size_t n1 = strlen(part1);
    fr[0] = RPC_WS_TEXT; /* not final */
    fr[1] = (uint8_t)(0x80 | n1);
    memset(fr + 2, 0, 4);
    memcpy(fr + 6, part1, n1);
    send_all(fd, fr, 6 + n1);
    size_t n2 = strlen(part2);
    fr[0] = 0x80 | RPC_WS_CONT;
    fr[1] = (uint8_t)(0x80 | n2);
    memcpy(fr + 6, part2, n2);
    send_all(fd, fr, 6 + n2);
    r = ws_json(fd);
    ck_assert_int_eq(json_integer_value(jget(r, "id")), 11);
    json_decref(r);
    /* close handshake */
    ws_send(fd, RPC_WS_CLOSE, "\x03\xe8", 2);
    ck_assert_int_eq(ws_recv(fd, &p), RPC_WS_CLOSE);
    free(p);
    close(fd);
    /* an unmasked frame closes the connection with 1002 */
    fd = ws_dial(f.port);
    uint8_t bad[] = {0x81, 0x02, 'h', 'i'};
    send_all(fd, bad, sizeof bad);
    ck_assert_int_eq(ws_recv(fd, &p), RPC_WS_CLOSE);
    ck_assert((uint8_t)p[0] == 0x03 && (uint8_t)p[1] == 0xEA);
    free(p);
    close(fd);
    fixture_down(&f);
}
END_TEST

/* A client that never reads is disconnected, not buffered without bound. */
START_TEST(slow_reader)
{
    fixture f;
    fixture_up(&f, 6, 0);
    int fd = ws_dial(f.port);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    const char *s1 = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\","
                     "\"params\":{\"query\":\"tm.event='NewBlock'\"}}";
    ws_send(fd, RPC_WS_TEXT, s1, strlen(s1));
    /* ask for big answers without reading: 6 blocks in each blockchain answer */
    const char *bc = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"blockchain\"}";
    bool closed = false;
    for (int i = 0; i < 20000 && !closed; i++) {
        ws_send(fd, RPC_WS_TEXT, bc, strlen(bc));
        struct pollfd p = {fd, POLLOUT, 0};
        if (poll(&p, 1, 1000) <= 0 || (p.revents & (POLLERR | POLLHUP)))
            closed = true;
        if (i % 100 == 0) {
            int err = 0;
            socklen_t el = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
            if (err)
                closed = true;
        }
    }
    close(fd);
    /* a subscriber that never reads while big blocks are published */
    fd = ws_dial(f.port);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ws_send(fd, RPC_WS_TEXT, s1, strlen(s1));
    usleep(100000);
    char *big = malloc(60001);
    memset(big, 'v', 60000);
    memcpy(big, "big=", 4);
    for (int i = 0; i < 400; i++) {
        big[4] = (char)('a' + i % 26);
        big[5] = (char)('a' + i / 26 % 26);
        ag_slice t = {(const uint8_t *)big, 60000};
        ck_assert_int_eq(tchain_add_block(f.chain, &t, 1), AG_OK);
        if (i % 50 == 49)
            rpc_server_sync(f.srv);
    }
    free(big);
    rpc_server_sync(f.srv);
    close(fd);
    /* the server is fine */
    json_t *r = call(f.port, "health", NULL);
    json_decref(r);
    fixture_down(&f);
}
END_TEST

static Suite *rpc_suite(void)
{
    Suite *s = suite_create("rpc");
    TCase *tc = ag_test_tcase("parsers");
    tcase_add_test(tc, http_parse);
    tcase_add_test(tc, ws_frames);
    tcase_add_test(tc, query_language);
    tcase_add_test(tc, params_rules);
    tcase_add_loop_test(tc, indexer_search, 0, 2);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("server");
    tcase_add_test(tc, methods_info);
    tcase_add_test(tc, methods_blocks);
    tcase_add_test(tc, methods_txs);
    tcase_add_test(tc, errors_and_batches);
    tcase_add_test(tc, broadcast_commit_edges);
    tcase_add_test(tc, connection_limit);
    tcase_add_test(tc, websocket_subscriptions);
    tcase_add_test(tc, slow_reader);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(rpc_suite)
