/*
 * ABCI: framing, codec, the kvstore application, and every method through
 * each transport — the local client, and the socket client against the
 * libuv server over a Unix socket and over TCP — checked field by field;
 * the server against hostile peers; the client against broken servers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "abci/addr.h"
#include "abci/client.h"
#include "abci/codec.h"
#include "abci/frame.h"
#include "abci/kvstore.h"
#include "abci/server.h"
#include "crypto/hash.h"
#include "lib/log.h"
#include "lib/varint.h"
#include "tests/harness/ag_test.h"

/* ---- helpers ---- */

enum { T_LOCAL, T_UNIX, T_TCP, T_COUNT };
static const char *const transport_name[] = {"local", "unix", "tcp"};

typedef struct rig {
    abci_kvstore *kv;
    abci_server *srv;
    abci_client *cli;
    abci_arena *arena;
    char dir[64];
    char addr[160];
} rig;

static void make_tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/agora-abci-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rig_up_opts(rig *r, int transport, const abci_kvstore_opts *kv_opts,
                        const abci_server_opts *srv_opts)
{
    memset(r, 0, sizeof *r);
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    ck_assert_int_eq(abci_kvstore_new(&r->kv, kv_opts), AG_OK);
    ck_assert_int_eq(abci_arena_new(&r->arena, 0), AG_OK);
    abci_app app = abci_kvstore_app(r->kv);
    if (transport == T_LOCAL) {
        ck_assert_int_eq(abci_local_new(&r->cli, &app, NULL), AG_OK);
        return;
    }
    ck_assert_int_eq(abci_server_new(&r->srv, &app, srv_opts), AG_OK);
    if (transport == T_UNIX) {
        make_tmpdir(r->dir, sizeof r->dir);
        snprintf(r->addr, sizeof r->addr, "unix://%s/app.sock", r->dir);
    } else {
        snprintf(r->addr, sizeof r->addr, "tcp://127.0.0.1:0");
    }
    ck_assert_msg(abci_server_listen(r->srv, r->addr) == AG_OK, "%s", ag_err_detail());
    snprintf(r->addr, sizeof r->addr, "%s", abci_server_address(r->srv));
    ck_assert_int_eq(abci_server_start(r->srv), AG_OK);
    abci_socket_opts o;
    abci_socket_opts_default(&o);
    o.io_timeout_ms = 10000;
    ck_assert_msg(abci_socket_new(&r->cli, r->addr, &o) == AG_OK, "%s", ag_err_detail());
}

static void rig_up(rig *r, int transport)
{
    abci_kvstore_opts kv;
    abci_kvstore_opts_default(&kv);
    kv.snapshot_interval = 1;
    kv.chunk_size = 7;
    rig_up_opts(r, transport, &kv, NULL);
}

static void rig_down(rig *r)
{
    abci_client_free(r->cli);
    abci_server_free(r->srv);
    abci_kvstore_free(r->kv);
    abci_arena_free(r->arena);
    if (r->dir[0])
        rmdir(r->dir);
}

static ProtobufCBinaryData bytes_of(const char *s)
{
    return (ProtobufCBinaryData){strlen(s), (uint8_t *)(uintptr_t)s};
}

static void assert_bytes(ProtobufCBinaryData b, const void *want, size_t n)
{
    ck_assert_uint_eq(b.len, n);
    if (n)
        ck_assert_mem_eq(b.data, want, n);
}

/* The app hash the kvstore header specifies, computed here independently. */
static void expected_hash(uint8_t out[32], const char *const *pairs, size_t n)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(pairs[i], '=');
        size_t kl = (size_t)(eq - pairs[i]), vl = strlen(eq + 1);
        ag_buf_append_uvarint(&b, kl);
        ag_buf_append(&b, pairs[i], kl);
        ag_buf_append_uvarint(&b, vl);
        ag_buf_append(&b, eq + 1, vl);
    }
    crypto_sha256(out, b.data, b.len);
    ag_buf_free(&b);
}

static abci_resp_query *query(rig *r, const char *key, int64_t height)
{
    abci_req_query q = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    q.data = bytes_of(key);
    q.height = height;
    abci_resp_query *resp;
    ck_assert_msg(abci_client_query(r->cli, r->arena, &q, &resp) == AG_OK, "%s", ag_err_detail());
    return resp;
}

static void finalize_commit(rig *r, int64_t height, const char *const *txs, size_t n,
                            uint8_t app_hash[32])
{
    ProtobufCBinaryData tx[16];
    for (size_t i = 0; i < n; i++)
        tx[i] = bytes_of(txs[i]);
    abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
    fb.height = height;
    fb.txs = tx;
    fb.n_txs = n;
    abci_resp_finalize_block *fr;
    ck_assert_msg(abci_client_finalize_block(r->cli, r->arena, &fb, &fr) == AG_OK, "%s",
                  ag_err_detail());
    ck_assert_uint_eq(fr->n_tx_results, n);
    if (app_hash) {
        ck_assert_uint_eq(fr->app_hash.len, 32);
        memcpy(app_hash, fr->app_hash.data, 32);
    }
    abci_req_commit c = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
    abci_resp_commit *cr;
    ck_assert_msg(abci_client_commit(r->cli, r->arena, &c, &cr) == AG_OK, "%s", ag_err_detail());
}

/* ---- framing ---- */

START_TEST(frame_decode_cases)
{
    ag_slice body;
    size_t used;
    const uint8_t ok[] = {0x03, 'a', 'b', 'c', 0x01};
    ck_assert_int_eq(abci_frame_decode(ok, sizeof ok, 10, &body, &used), AG_OK);
    ck_assert_uint_eq(used, 4);
    ck_assert_uint_eq(body.len, 3);
    ck_assert_mem_eq(body.ptr, "abc", 3);
    const uint8_t empty[] = {0x00};
    ck_assert_int_eq(abci_frame_decode(empty, 1, 10, &body, &used), AG_OK);
    ck_assert_uint_eq(used, 1);
    ck_assert_uint_eq(body.len, 0);
    /* body incomplete: how much the whole frame needs is reported */
    ck_assert_int_eq(abci_frame_decode(ok, 3, 10, &body, &used), AG_ERR_TRUNCATED);
    ck_assert_uint_eq(used, 4);
    ck_assert_int_eq(abci_frame_decode(ok, 0, 10, &body, &used), AG_ERR_TRUNCATED);
    /* prefix incomplete */
    const uint8_t part[] = {0x80, 0x80};
    ck_assert_int_eq(abci_frame_decode(part, 2, 1 << 30, &body, &used), AG_ERR_TRUNCATED);
    ck_assert_uint_eq(used, 0);
    /* eleven continuation bytes: never valid */
    uint8_t longv[11];
    memset(longv, 0xff, sizeof longv);
    ck_assert_int_eq(abci_frame_decode(longv, sizeof longv, SIZE_MAX, &body, &used), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "longer than 10 bytes"));
    /* a length over the cap is refused before any body byte arrives */
    const uint8_t big[] = {0x80, 0x80, 0x80, 0x01}; /* 2 MiB */
    ck_assert_int_eq(abci_frame_decode(big, sizeof big, 1 << 20, &body, &used), AG_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "2097152"));
}
END_TEST

START_TEST(frame_append_roundtrip)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    abci_req_echo e = TENDERMINT__ABCI__REQUEST_ECHO__INIT;
    char msg[300];
    memset(msg, 'x', sizeof msg - 1);
    msg[sizeof msg - 1] = 0;
    e.message = msg;
    abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
    req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_ECHO;
    req.echo = &e;
    ck_assert_int_eq(abci_frame_append(&b, &req.base, ABCI_FRAME_MAX), AG_OK);
    ck_assert_int_eq(abci_frame_append(&b, &req.base, ABCI_FRAME_MAX), AG_OK);
    /* 299 bytes of message + 3 of tags/lengths inside, 303 bytes packed: 2-byte prefix */
    ag_slice body;
    size_t used, off = 0;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(abci_frame_decode(b.data + off, b.len - off, ABCI_FRAME_MAX, &body, &used),
                         AG_OK);
        ck_assert_uint_eq(used, 2 + body.len);
        abci_arena *a;
        abci_arena_new(&a, 0);
        abci_request *back;
        ck_assert_int_eq(abci_request_decode(a, body.ptr, body.len, &back), AG_OK);
        ck_assert_int_eq(back->value_case, TENDERMINT__ABCI__REQUEST__VALUE_ECHO);
        ck_assert_str_eq(back->echo->message, msg);
        abci_arena_free(a);
        off += used;
    }
    ck_assert_uint_eq(off, b.len);
    /* a message over the cap is not appended */
    size_t len = b.len;
    ck_assert_int_eq(abci_frame_append(&b, &req.base, 100), AG_ERR_TOO_LARGE);
    ck_assert_uint_eq(b.len, len);
    ag_buf_free(&b);
}
END_TEST

/* ---- codec ---- */

START_TEST(codec_rejects)
{
    abci_arena *a;
    ck_assert_int_eq(abci_arena_new(&a, 0), AG_OK);
    abci_request *req;
    /* Request field 9 (DeliverTx before ABCI 2.0) is not a request any more */
    const uint8_t deliver_tx[] = {0x4a, 0x02, 0x0a, 0x00};
    ck_assert_int_eq(abci_request_decode(a, deliver_tx, sizeof deliver_tx, &req),
                     AG_ERR_UNSUPPORTED);
    ck_assert_ptr_null(req);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "field 9"));
    const uint8_t field99[] = {0x98, 0x06, 0x01}; /* field 99, varint 1 */
    ck_assert_int_eq(abci_request_decode(a, field99, sizeof field99, &req), AG_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "field 99"));
    ck_assert_int_eq(abci_request_decode(a, (const uint8_t *)"", 0, &req), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "empty Request"));
    const uint8_t garbage[] = {0x0a, 0x05, 0x0a}; /* echo of 5 bytes, 1 present */
    ck_assert_int_eq(abci_request_decode(a, garbage, sizeof garbage, &req), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "tendermint.abci.Request"));
    /* field number 0 (a non-minimal key encoding protobuf-c would accept) */
    const uint8_t field0[] = {0x92, 0x00, 0x00, 0x80, 0x00, 0x00};
    ck_assert_int_eq(abci_request_decode(a, field0, sizeof field0, &req), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "field number 0"));
    abci_response *resp;
    const uint8_t resp_field5[] = {0x2a, 0x00}; /* SetOption response, retired */
    ck_assert_int_eq(abci_response_decode(a, resp_field5, sizeof resp_field5, &resp),
                     AG_ERR_UNSUPPORTED);
    abci_arena_free(a);
}
END_TEST

START_TEST(codec_decode_budget)
{
    /* FinalizeBlock with 300,000 empty txs: 600 kB on the wire, but 4.8 MB of
     * protobuf-c structures: over the decode budget (1 MiB + 4 per byte). */
    size_t n = 300000;
    ag_buf inner, outer;
    ag_buf_init(&inner, 0);
    ag_buf_init(&outer, 0);
    for (size_t i = 0; i < n; i++) {
        ag_buf_append_byte(&inner, 0x0a);
        ag_buf_append_byte(&inner, 0x00);
    }
    ag_buf_append_byte(&outer, 0xa2); /* field 20, length-delimited: 0xa2 0x01 */
    ag_buf_append_byte(&outer, 0x01);
    ag_buf_append_uvarint(&outer, inner.len);
    ag_buf_append(&outer, inner.data, inner.len);
    abci_arena *a;
    ck_assert_int_eq(abci_arena_new(&a, 0), AG_OK);
    abci_request *req;
    ck_assert_int_eq(abci_request_decode(a, outer.data, outer.len, &req), AG_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "needs more than"));
    /* The same block with 10,000 txs of 40 bytes decodes. */
    abci_arena_reset(a);
    ag_buf_reset(&inner);
    ag_buf_reset(&outer);
    for (size_t i = 0; i < 10000; i++) {
        ag_buf_append_byte(&inner, 0x0a);
        ag_buf_append_byte(&inner, 40);
        for (int k = 0; k < 40; k++)
            ag_buf_append_byte(&inner, 'k');
    }
    ag_buf_append_byte(&outer, 0xa2);
    ag_buf_append_byte(&outer, 0x01);
    ag_buf_append_uvarint(&outer, inner.len);
    ag_buf_append(&outer, inner.data, inner.len);
    ck_assert_msg(abci_request_decode(a, outer.data, outer.len, &req) == AG_OK, "%s",
                  ag_err_detail());
    ck_assert_uint_eq(req->finalize_block->n_txs, 10000);
    ag_buf_free(&inner);
    ag_buf_free(&outer);
    abci_arena_free(a);
}
END_TEST

START_TEST(codec_names_and_exceptions)
{
    ck_assert_str_eq(abci_request_name(TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX), "CheckTx");
    ck_assert_str_eq(abci_request_name(TENDERMINT__ABCI__REQUEST__VALUE__NOT_SET), "none");
    ck_assert_str_eq(abci_request_name(9), "unknown");
    ck_assert_str_eq(abci_response_name(TENDERMINT__ABCI__RESPONSE__VALUE_EXCEPTION), "Exception");
    ck_assert_int_eq(abci_response_case_for(TENDERMINT__ABCI__REQUEST__VALUE_FINALIZE_BLOCK),
                     TENDERMINT__ABCI__RESPONSE__VALUE_FINALIZE_BLOCK);
    ck_assert_int_eq(abci_response_case_for(TENDERMINT__ABCI__REQUEST__VALUE_FLUSH),
                     TENDERMINT__ABCI__RESPONSE__VALUE_FLUSH);
    ck_assert_int_eq(abci_response_case_for(4), TENDERMINT__ABCI__RESPONSE__VALUE__NOT_SET);
    abci_arena *a;
    abci_arena_new(&a, 0);
    abci_response resp;
    ag_err_set(AG_ERR_NOT_FOUND, "no such thing");
    abci_exception_fill(a, &resp, "Query", AG_ERR_NOT_FOUND);
    ck_assert_int_eq(resp.value_case, TENDERMINT__ABCI__RESPONSE__VALUE_EXCEPTION);
    ck_assert_str_eq(resp.exception->error, "AG_ERR_NOT_FOUND: Query: no such thing");
    ck_assert_int_eq(abci_exception_error("Query", resp.exception->error), AG_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "Query failed in the application"));
    ck_assert_int_eq(abci_exception_error("Info", "panic: runtime error"), AG_ERR_STATE);
    ck_assert_int_eq(abci_exception_error("Info", "AG_ERR_IOx: not ours"), AG_ERR_STATE);
    abci_arena_free(a);
}
END_TEST

START_TEST(arena_budget)
{
    abci_arena *a;
    ck_assert_int_eq(abci_arena_new(&a, 1000), AG_OK);
    uint8_t *p = abci_arena_alloc(a, 100);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    ck_assert_ptr_null(abci_arena_alloc(a, 2000));
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "1000 bytes"));
    abci_arena_limit(a, 50);
    ck_assert_ptr_null(abci_arena_alloc(a, 100));
    ck_assert_ptr_nonnull(abci_arena_alloc(a, 40));
    abci_arena_unlimit(a);
    ck_assert_ptr_nonnull(abci_arena_alloc(a, 100));
    abci_arena_reset(a);
    ck_assert_uint_eq(abci_arena_used(a), 0);
    ck_assert_str_eq(abci_arena_printf(a, "%d-%s", 7, "x"), "7-x");
    abci_arena_free(a);
    /* big allocations in an uncapped arena, reused across resets */
    ck_assert_int_eq(abci_arena_new(&a, 0), AG_OK);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++) {
            uint8_t *q = abci_arena_alloc(a, (size_t)(i * 997 + 1));
            ck_assert_ptr_nonnull(q);
            q[i * 997] = 1;
        }
        uint8_t *huge = abci_arena_alloc(a, (size_t)4 << 20);
        ck_assert_ptr_nonnull(huge);
        huge[(4 << 20) - 1] = 1;
        abci_arena_reset(a);
    }
    ck_assert_ptr_null(abci_arena_alloc(a, SIZE_MAX - 3));
    abci_arena_free(a);
}
END_TEST

START_TEST(addr_parse_cases)
{
    abci_addr a;
    ck_assert_int_eq(abci_addr_parse(&a, "tcp://127.0.0.1:26658"), AG_OK);
    ck_assert_int_eq(a.kind, ABCI_ADDR_TCP);
    ck_assert_str_eq(a.host, "127.0.0.1");
    ck_assert_uint_eq(a.port, 26658);
    ck_assert_int_eq(abci_addr_parse(&a, "tcp://[::1]:80"), AG_OK);
    ck_assert_str_eq(a.host, "::1");
    ck_assert_int_eq(abci_addr_parse(&a, "localhost:1"), AG_OK);
    ck_assert_str_eq(a.host, "localhost");
    ck_assert_int_eq(abci_addr_parse(&a, "unix:///run/app.sock"), AG_OK);
    ck_assert_int_eq(a.kind, ABCI_ADDR_UNIX);
    ck_assert_str_eq(a.path, "/run/app.sock");
    const char *bad[] = {"",           "tcp://",     "tcp://host",  "tcp://:80", "tcp://h:99999",
                         "tcp://h:-1", "tcp://h:8x", "http://h:80", "unix://",   "tcp://[::1]80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(abci_addr_parse(&a, bad[i]) == AG_ERR_DECODE, "accepted '%s'", bad[i]);
    char longpath[200] = "unix:///";
    memset(longpath + 8, 'p', 150);
    longpath[158] = 0;
    ck_assert_int_eq(abci_addr_parse(&a, longpath), AG_ERR_TOO_LARGE);
}
END_TEST

/* ---- every method, through every transport ---- */

START_TEST(methods_field_by_field)
{
    rig r;
    rig_up(&r, _i);
    abci_client *c = r.cli;
    abci_arena *a = r.arena;

    /* Echo (answered by the layer) */
    abci_req_echo echo = TENDERMINT__ABCI__REQUEST_ECHO__INIT;
    echo.message = abci_str("hello, agora");
    abci_resp_echo *er;
    ck_assert_int_eq(abci_client_echo(c, a, &echo, &er), AG_OK);
    ck_assert_str_eq(er->message, "hello, agora");

    /* Flush on its own */
    ck_assert_int_eq(abci_client_flush(c), AG_OK);

    /* Info on a fresh app */
    abci_req_info info = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    info.version = abci_str("0.38.0");
    info.block_version = 11;
    info.p2p_version = 8;
    info.abci_version = abci_str("2.0.0");
    abci_resp_info *ir;
    ck_assert_int_eq(abci_client_info(c, a, &info, &ir), AG_OK);
    ck_assert_str_eq(ir->data, "{\"size\":0}");
    ck_assert_str_eq(ir->version, "1.0.0");
    ck_assert_uint_eq(ir->app_version, ABCI_KV_APP_VERSION);
    ck_assert_int_eq(ir->last_block_height, 0);
    ck_assert_uint_eq(ir->last_block_app_hash.len, 0);

    /* InitChain with a genesis state */
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    ts.seconds = 1700000000;
    ts.nanos = 5;
    abci_req_init_chain ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    ic.time = &ts;
    ic.chain_id = abci_str("agora-test");
    ic.initial_height = 1;
    ic.app_state_bytes = bytes_of("b=2\n\na=1\n");
    abci_resp_init_chain *icr;
    ck_assert_msg(abci_client_init_chain(c, a, &ic, &icr) == AG_OK, "%s", ag_err_detail());
    uint8_t want[32];
    const char *genesis[] = {"a=1", "b=2"};
    expected_hash(want, genesis, 2);
    assert_bytes(icr->app_hash, want, 32);
    ck_assert_uint_eq(icr->n_validators, 0);
    ck_assert_ptr_null(icr->consensus_params);

    /* a malformed genesis line is an application error, code preserved over sockets */
    abci_req_init_chain bad_ic = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
    bad_ic.app_state_bytes = bytes_of("a=1\nnoequals\n");
    ck_assert_int_eq(abci_client_init_chain(c, a, &bad_ic, &icr), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "line 2"));
    ck_assert_ptr_null(icr);
    /* the failed InitChain changed nothing */
    ck_assert_msg(abci_client_init_chain(c, a, &ic, &icr) == AG_OK, "%s", ag_err_detail());
    assert_bytes(icr->app_hash, want, 32);

    /* CheckTx: valid, each rejection */
    struct {
        const char *tx;
        uint32_t code;
    } checks[] = {{"k=v", ABCI_KV_OK},
                  {"k=", ABCI_KV_OK},
                  {"k=a=b", ABCI_KV_OK},
                  {"novalue", ABCI_KV_CODE_BAD_FORMAT},
                  {"=v", ABCI_KV_CODE_BAD_FORMAT},
                  {"", ABCI_KV_CODE_BAD_FORMAT}};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
        ct.tx = bytes_of(checks[i].tx);
        ct.type =
            i % 2 ? TENDERMINT__ABCI__CHECK_TX_TYPE__RECHECK : TENDERMINT__ABCI__CHECK_TX_TYPE__NEW;
        abci_resp_check_tx *cr;
        ck_assert_int_eq(abci_client_check_tx(c, a, &ct, &cr), AG_OK);
        ck_assert_msg(cr->code == checks[i].code, "tx '%s': code %u", checks[i].tx, cr->code);
        ck_assert_int_eq(cr->gas_wanted, 1);
        if (checks[i].code)
            ck_assert_ptr_nonnull(strstr(cr->log, "key=value"));
    }
    static uint8_t big[ABCI_KV_TX_MAX + 1];
    memset(big, 'x', sizeof big);
    big[0] = 'k';
    big[1] = '=';
    abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
    ct.tx = (ProtobufCBinaryData){sizeof big, big};
    abci_resp_check_tx *ctr;
    ck_assert_int_eq(abci_client_check_tx(c, a, &ct, &ctr), AG_OK);
    ck_assert_uint_eq(ctr->code, ABCI_KV_CODE_TOO_LARGE);

    /* Query the genesis state */
    abci_resp_query *qr = query(&r, "a", 0);
    ck_assert_uint_eq(qr->code, ABCI_KV_OK);
    assert_bytes(qr->key, "a", 1);
    assert_bytes(qr->value, "1", 1);
    ck_assert_str_eq(qr->log, "exists");
    ck_assert_int_eq(qr->height, 0);
    qr = query(&r, "zz", 0);
    ck_assert_uint_eq(qr->code, ABCI_KV_CODE_NOT_FOUND);
    ck_assert_uint_eq(qr->value.len, 0);
    qr = query(&r, "a", 7);
    ck_assert_uint_eq(qr->code, ABCI_KV_CODE_BAD_HEIGHT);
    abci_req_query pq = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    pq.data = bytes_of("a");
    pq.prove = true;
    ck_assert_int_eq(abci_client_query(c, a, &pq, &qr), AG_OK);
    ck_assert_uint_eq(qr->code, ABCI_KV_CODE_NO_PROOF);
    ck_assert_ptr_null(qr->proof_ops);
    abci_req_query kq = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    kq.path = abci_str("/key/b");
    ck_assert_int_eq(abci_client_query(c, a, &kq, &qr), AG_OK);
    ck_assert_uint_eq(qr->code, ABCI_KV_OK);
    assert_bytes(qr->value, "2", 1);
    kq.path = abci_str("/nonsense");
    ck_assert_int_eq(abci_client_query(c, a, &kq, &qr), AG_OK);
    ck_assert_uint_eq(qr->code, ABCI_KV_CODE_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(qr->log, "unknown query path"));

    /* PrepareProposal drops malformed txs and stays within max_tx_bytes */
    ProtobufCBinaryData ptx[] = {bytes_of("x=1"), bytes_of("broken"), bytes_of("y=22"),
                                 bytes_of("z=333")};
    abci_req_prepare_proposal pp = TENDERMINT__ABCI__REQUEST_PREPARE_PROPOSAL__INIT;
    pp.txs = ptx;
    pp.n_txs = 4;
    pp.max_tx_bytes = 5 + 6; /* x=1 costs 1+1+3, y=22 costs 1+1+4 */
    pp.height = 1;
    pp.time = &ts;
    abci_resp_prepare_proposal *ppr;
    ck_assert_int_eq(abci_client_prepare_proposal(c, a, &pp, &ppr), AG_OK);
    ck_assert_uint_eq(ppr->n_txs, 2);
    assert_bytes(ppr->txs[0], "x=1", 3);
    assert_bytes(ppr->txs[1], "y=22", 4);
    pp.max_tx_bytes = 1 << 20;
    ck_assert_int_eq(abci_client_prepare_proposal(c, a, &pp, &ppr), AG_OK);
    ck_assert_uint_eq(ppr->n_txs, 3);
    assert_bytes(ppr->txs[2], "z=333", 5);

    /* ProcessProposal */
    abci_req_process_proposal prp = TENDERMINT__ABCI__REQUEST_PROCESS_PROPOSAL__INIT;
    prp.txs = ptx;
    prp.n_txs = 1;
    prp.height = 1;
    abci_resp_process_proposal *prr;
    ck_assert_int_eq(abci_client_process_proposal(c, a, &prp, &prr), AG_OK);
    ck_assert_int_eq(prr->status,
                     TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__ACCEPT);
    prp.n_txs = 2;
    ck_assert_int_eq(abci_client_process_proposal(c, a, &prp, &prr), AG_OK);
    ck_assert_int_eq(prr->status,
                     TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__REJECT);

    /* ExtendVote / VerifyVoteExtension */
    abci_req_extend_vote ev = TENDERMINT__ABCI__REQUEST_EXTEND_VOTE__INIT;
    ev.height = 1;
    ev.hash = bytes_of("blockhash");
    abci_resp_extend_vote *evr;
    ck_assert_int_eq(abci_client_extend_vote(c, a, &ev, &evr), AG_OK);
    assert_bytes(evr->vote_extension, "kvstore:1", 9);
    abci_req_verify_vote_extension vv = TENDERMINT__ABCI__REQUEST_VERIFY_VOTE_EXTENSION__INIT;
    vv.height = 1;
    vv.validator_address = bytes_of("01234567890123456789");
    vv.vote_extension = bytes_of("kvstore:1");
    abci_resp_verify_vote_extension *vvr;
    ck_assert_int_eq(abci_client_verify_vote_extension(c, a, &vv, &vvr), AG_OK);
    ck_assert_int_eq(vvr->status,
                     TENDERMINT__ABCI__RESPONSE_VERIFY_VOTE_EXTENSION__VERIFY_STATUS__ACCEPT);
    vv.vote_extension = bytes_of("kvstore:2");
    ck_assert_int_eq(abci_client_verify_vote_extension(c, a, &vv, &vvr), AG_OK);
    ck_assert_int_eq(vvr->status,
                     TENDERMINT__ABCI__RESPONSE_VERIFY_VOTE_EXTENSION__VERIFY_STATUS__REJECT);

    /* FinalizeBlock: results per tx, events, the app hash */
    ProtobufCBinaryData ftx[] = {bytes_of("c=3"), bytes_of("bad"), bytes_of("a=10")};
    abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
    fb.txs = ftx;
    fb.n_txs = 3;
    fb.height = 1;
    fb.time = &ts;
    fb.hash = bytes_of("h1");
    abci_resp_finalize_block *fr;
    ck_assert_msg(abci_client_finalize_block(c, a, &fb, &fr) == AG_OK, "%s", ag_err_detail());
    ck_assert_uint_eq(fr->n_tx_results, 3);
    ck_assert_uint_eq(fr->tx_results[0]->code, ABCI_KV_OK);
    ck_assert_int_eq(fr->tx_results[0]->gas_used, 1);
    ck_assert_uint_eq(fr->tx_results[0]->n_events, 1);
    Tendermint__Abci__Event *event = fr->tx_results[0]->events[0];
    ck_assert_str_eq(event->type, "kv");
    ck_assert_uint_eq(event->n_attributes, 2);
    ck_assert_str_eq(event->attributes[0]->key, "key");
    ck_assert_str_eq(event->attributes[0]->value, "c");
    ck_assert(event->attributes[0]->index);
    ck_assert_str_eq(event->attributes[1]->value, "3");
    ck_assert(!event->attributes[1]->index);
    ck_assert_uint_eq(fr->tx_results[1]->code, ABCI_KV_CODE_BAD_FORMAT);
    ck_assert_uint_eq(fr->tx_results[1]->n_events, 0);
    ck_assert_uint_eq(fr->tx_results[2]->code, ABCI_KV_OK);
    ck_assert_uint_eq(fr->n_validator_updates, 0);
    const char *after1[] = {"a=10", "b=2", "c=3"};
    expected_hash(want, after1, 3);
    assert_bytes(fr->app_hash, want, 32);

    /* Before Commit, queries see the committed state */
    qr = query(&r, "a", 0);
    assert_bytes(qr->value, "1", 1);

    abci_req_commit cm = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
    abci_resp_commit *cmr;
    ck_assert_int_eq(abci_client_commit(c, a, &cm, &cmr), AG_OK);
    ck_assert_int_eq(cmr->retain_height, 0);
    qr = query(&r, "a", 1);
    ck_assert_uint_eq(qr->code, ABCI_KV_OK);
    assert_bytes(qr->value, "10", 2);
    ck_assert_int_eq(qr->height, 1);

    ck_assert_int_eq(abci_client_info(c, a, &info, &ir), AG_OK);
    ck_assert_int_eq(ir->last_block_height, 1);
    assert_bytes(ir->last_block_app_hash, want, 32);
    ck_assert_str_eq(ir->data, "{\"size\":3}");

    /* Application errors: same code through every transport, connection kept */
    fb.height = 5;
    ck_assert_int_eq(abci_client_finalize_block(c, a, &fb, &fr), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "expected 2"));
    ck_assert_int_eq(abci_client_commit(c, a, &cm, &cmr), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "Commit without a FinalizeBlock"));
    ck_assert_int_eq(abci_client_init_chain(c, a, &ic, &icr), AG_ERR_STATE);
    ck_assert_int_eq(abci_client_echo(c, a, &echo, &er), AG_OK);

    /* Snapshots: one per height (interval 1), 7-byte chunks */
    abci_req_list_snapshots ls = TENDERMINT__ABCI__REQUEST_LIST_SNAPSHOTS__INIT;
    abci_resp_list_snapshots *lsr;
    ck_assert_int_eq(abci_client_list_snapshots(c, a, &ls, &lsr), AG_OK);
    ck_assert_uint_eq(lsr->n_snapshots, 1);
    ck_assert_uint_eq(lsr->snapshots[0]->height, 1);
    ck_assert_uint_eq(lsr->snapshots[0]->format, ABCI_KV_SNAPSHOT_FORMAT);
    /* state encoding: 3 pairs: (1+1+1+2) + (1+1+1+1) + (1+1+1+1) = 13 bytes -> 2 chunks */
    ck_assert_uint_eq(lsr->snapshots[0]->chunks, 2);
    assert_bytes(lsr->snapshots[0]->hash, want, 32);
    abci_req_load_snapshot_chunk lc = TENDERMINT__ABCI__REQUEST_LOAD_SNAPSHOT_CHUNK__INIT;
    lc.height = 1;
    lc.format = 1;
    lc.chunk = 1;
    abci_resp_load_snapshot_chunk *lcr;
    ck_assert_int_eq(abci_client_load_snapshot_chunk(c, a, &lc, &lcr), AG_OK);
    const uint8_t tail[] = {1, 'b', 1, '2', 1, 'c', 1, '3'};
    ck_assert_uint_eq(lcr->chunk.len, 6);
    ck_assert_mem_eq(lcr->chunk.data, tail + 2, 6);
    lc.chunk = 2;
    ck_assert_int_eq(abci_client_load_snapshot_chunk(c, a, &lc, &lcr), AG_OK);
    ck_assert_uint_eq(lcr->chunk.len, 0);

    /* OfferSnapshot / ApplySnapshotChunk on an app that already has state */
    abci_req_offer_snapshot os = TENDERMINT__ABCI__REQUEST_OFFER_SNAPSHOT__INIT;
    os.snapshot = lsr->snapshots[0];
    os.app_hash = lsr->snapshots[0]->hash;
    abci_resp_offer_snapshot *osr;
    ck_assert_int_eq(abci_client_offer_snapshot(c, a, &os, &osr), AG_OK);
    ck_assert_int_eq(osr->result, TENDERMINT__ABCI__RESPONSE_OFFER_SNAPSHOT__RESULT__ABORT);
    abci_req_apply_snapshot_chunk ac = TENDERMINT__ABCI__REQUEST_APPLY_SNAPSHOT_CHUNK__INIT;
    abci_resp_apply_snapshot_chunk *acr;
    ck_assert_int_eq(abci_client_apply_snapshot_chunk(c, a, &ac, &acr), AG_OK);
    ck_assert_int_eq(acr->result, TENDERMINT__ABCI__RESPONSE_APPLY_SNAPSHOT_CHUNK__RESULT__ABORT);

    rig_down(&r);
}
END_TEST

/* State sync: snapshots listed and loaded through the transport under test,
 * offered and applied to a fresh app through a local client. */
START_TEST(snapshot_restore)
{
    rig r;
    rig_up(&r, _i);
    const char *b1[] = {"alpha=1", "beta=2", "gamma=3"};
    const char *b2[] = {"beta=20", "delta=4"};
    finalize_commit(&r, 1, b1, 3, NULL);
    uint8_t hash2[32];
    finalize_commit(&r, 2, b2, 2, hash2);

    abci_kvstore *fresh;
    abci_kvstore_opts o;
    abci_kvstore_opts_default(&o);
    ck_assert_int_eq(abci_kvstore_new(&fresh, &o), AG_OK);
    abci_app app = abci_kvstore_app(fresh);
    abci_client *dst;
    ck_assert_int_eq(abci_local_new(&dst, &app, NULL), AG_OK);
    abci_arena *a2;
    abci_arena_new(&a2, 0);

    abci_req_list_snapshots ls = TENDERMINT__ABCI__REQUEST_LIST_SNAPSHOTS__INIT;
    abci_resp_list_snapshots *lsr;
    ck_assert_int_eq(abci_client_list_snapshots(r.cli, r.arena, &ls, &lsr), AG_OK);
    ck_assert_uint_eq(lsr->n_snapshots, 2); /* keep 2 */
    Tendermint__Abci__Snapshot *snap = lsr->snapshots[1];
    ck_assert_uint_eq(snap->height, 2);
    assert_bytes(snap->hash, hash2, 32);
    ck_assert_uint_gt(snap->chunks, 3);

    /* a wrong app hash, a wrong format: refused */
    abci_req_offer_snapshot os = TENDERMINT__ABCI__REQUEST_OFFER_SNAPSHOT__INIT;
    os.snapshot = snap;
    os.app_hash = lsr->snapshots[0]->hash;
    abci_resp_offer_snapshot *osr;
    ck_assert_int_eq(abci_client_offer_snapshot(dst, a2, &os, &osr), AG_OK);
    ck_assert_int_eq(osr->result, TENDERMINT__ABCI__RESPONSE_OFFER_SNAPSHOT__RESULT__REJECT);
    snap->format = 2;
    os.app_hash = snap->hash;
    ck_assert_int_eq(abci_client_offer_snapshot(dst, a2, &os, &osr), AG_OK);
    ck_assert_int_eq(osr->result, TENDERMINT__ABCI__RESPONSE_OFFER_SNAPSHOT__RESULT__REJECT_FORMAT);
    snap->format = 1;

    /* a corrupted chunk: the last chunk's hash check rejects the snapshot */
    for (int corrupt = 1; corrupt >= 0; corrupt--) {
        ck_assert_int_eq(abci_client_offer_snapshot(dst, a2, &os, &osr), AG_OK);
        ck_assert_int_eq(osr->result, TENDERMINT__ABCI__RESPONSE_OFFER_SNAPSHOT__RESULT__ACCEPT);
        for (uint32_t i = 0; i < snap->chunks; i++) {
            abci_req_load_snapshot_chunk lc = TENDERMINT__ABCI__REQUEST_LOAD_SNAPSHOT_CHUNK__INIT;
            lc.height = snap->height;
            lc.format = snap->format;
            lc.chunk = i;
            abci_resp_load_snapshot_chunk *lcr;
            ck_assert_int_eq(abci_client_load_snapshot_chunk(r.cli, r.arena, &lc, &lcr), AG_OK);
            ck_assert_uint_gt(lcr->chunk.len, 0);
            if (corrupt && i == 1)
                lcr->chunk.data[0] ^= 1;
            abci_req_apply_snapshot_chunk ac = TENDERMINT__ABCI__REQUEST_APPLY_SNAPSHOT_CHUNK__INIT;
            ac.index = i;
            ac.chunk = lcr->chunk;
            ac.sender = abci_str("peer1");
            abci_resp_apply_snapshot_chunk *acr;
            ck_assert_int_eq(abci_client_apply_snapshot_chunk(dst, a2, &ac, &acr), AG_OK);
            int want = TENDERMINT__ABCI__RESPONSE_APPLY_SNAPSHOT_CHUNK__RESULT__ACCEPT;
            if (corrupt && i == snap->chunks - 1)
                want = TENDERMINT__ABCI__RESPONSE_APPLY_SNAPSHOT_CHUNK__RESULT__REJECT_SNAPSHOT;
            ck_assert_int_eq(acr->result, want);
        }
    }
    abci_req_info info = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    abci_resp_info *ir;
    ck_assert_int_eq(abci_client_info(dst, a2, &info, &ir), AG_OK);
    ck_assert_int_eq(ir->last_block_height, 2);
    assert_bytes(ir->last_block_app_hash, hash2, 32);
    ck_assert_str_eq(ir->data, "{\"size\":4}");
    abci_req_query q = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
    q.data = bytes_of("beta");
    abci_resp_query *qr;
    ck_assert_int_eq(abci_client_query(dst, a2, &q, &qr), AG_OK);
    assert_bytes(qr->value, "20", 2);
    /* the restored app goes on at height 3 with the same hashes as the source */
    const char *b3[] = {"epsilon=5"};
    uint8_t h_src[32], h_dst[32];
    finalize_commit(&r, 3, b3, 1, h_src);
    rig tmp = {.cli = dst, .arena = a2};
    finalize_commit(&tmp, 3, b3, 1, h_dst);
    ck_assert_mem_eq(h_src, h_dst, 32);

    abci_client_free(dst);
    abci_kvstore_free(fresh);
    abci_arena_free(a2);
    rig_down(&r);
}
END_TEST

/* ---- pipelining ---- */

typedef struct {
    size_t n;
    uint32_t codes[4000];
    ag_err errs[4000];
} cb_log;

static void record(void *user, ag_err err, const abci_response *resp)
{
    cb_log *log = user;
    ck_assert_uint_lt(log->n, 4000);
    log->errs[log->n] = err;
    log->codes[log->n] = err ? 999 : resp->check_tx->code;
    if (!err)
        ck_assert_int_eq(resp->value_case, TENDERMINT__ABCI__RESPONSE__VALUE_CHECK_TX);
    log->n++;
}

START_TEST(pipelined_check_tx)
{
    rig r;
    rig_up(&r, _i);
    ag_rng rng;
    ag_test_rng(&rng, 40 + (uint64_t)_i);
    static cb_log log;
    static uint32_t want[3000];
    memset(&log, 0, sizeof log);
    for (size_t i = 0; i < 3000; i++) {
        bool valid = ag_rng_below(&rng, 3) != 0;
        char tx[32];
        snprintf(tx, sizeof tx, valid ? "key%zu=v" : "key%zu", i);
        want[i] = valid ? ABCI_KV_OK : ABCI_KV_CODE_BAD_FORMAT;
        abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
        ct.tx = bytes_of(tx);
        abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
        req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX;
        req.check_tx = &ct;
        ck_assert_int_eq(abci_client_send(r.cli, &req, record, &log), AG_OK);
    }
    ck_assert_int_eq(abci_client_flush(r.cli), AG_OK);
    ck_assert_uint_eq(log.n, 3000);
    for (size_t i = 0; i < 3000; i++) {
        ck_assert_int_eq(log.errs[i], AG_OK);
        ck_assert_msg(log.codes[i] == want[i], "response %zu out of order", i);
    }
    if (r.srv) {
        abci_server_stats st;
        abci_server_stats_get(r.srv, &st);
        /* 3000 CheckTx and at least 3 Flushes (auto every 1024, and ours) */
        ck_assert_uint_ge(st.requests, 3003);
        ck_assert_uint_eq(st.protocol_errors, 0);
    }
    rig_down(&r);
}
END_TEST

/* Four connections, as CometBFT opens them, on four threads at once. */
typedef struct {
    const char *addr;
    int role;
    int64_t heights;
    ag_err err;
    char detail[256];
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    abci_client *c;
    abci_arena *a;
    abci_socket_opts o;
    abci_socket_opts_default(&o);
    o.io_timeout_ms = 10000;
    abci_arena_new(&a, 0);
    w->err = abci_socket_new(&c, w->addr, &o);
    for (int64_t h = 1; !w->err && h <= w->heights; h++) {
        abci_arena_reset(a);
        if (w->role == 0) { /* consensus */
            char tx[32];
            snprintf(tx, sizeof tx, "h%lld=x", (long long)h);
            ProtobufCBinaryData t = bytes_of(tx);
            abci_req_finalize_block fb = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
            fb.height = h;
            fb.txs = &t;
            fb.n_txs = 1;
            abci_resp_finalize_block *fr;
            abci_req_commit cm = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
            abci_resp_commit *cr;
            w->err = abci_client_finalize_block(c, a, &fb, &fr);
            if (!w->err)
                w->err = abci_client_commit(c, a, &cm, &cr);
        } else if (w->role == 1) { /* mempool */
            abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
            ct.tx = bytes_of("m=1");
            abci_resp_check_tx *cr;
            w->err = abci_client_check_tx(c, a, &ct, &cr);
            if (!w->err && cr->code != 0)
                w->err = AG_ERR_INTERNAL;
        } else if (w->role == 2) { /* query */
            abci_req_query q = TENDERMINT__ABCI__REQUEST_QUERY__INIT;
            q.data = bytes_of("h1");
            abci_resp_query *qr;
            w->err = abci_client_query(c, a, &q, &qr);
        } else { /* snapshot */
            abci_req_list_snapshots ls = TENDERMINT__ABCI__REQUEST_LIST_SNAPSHOTS__INIT;
            abci_resp_list_snapshots *lr;
            w->err = abci_client_list_snapshots(c, a, &ls, &lr);
        }
    }
    if (w->err)
        snprintf(w->detail, sizeof w->detail, "%s", ag_err_detail());
    if (!w->err)
        abci_client_free(c);
    abci_arena_free(a);
    return NULL;
}

START_TEST(four_connections_concurrently)
{
    rig r;
    rig_up(&r, T_UNIX + _i);
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){.addr = r.addr, .role = i, .heights = i == 0 ? 60 : 300};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(w[i].err == AG_OK, "role %d: %s", i, w[i].detail);
    }
    abci_req_info info = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    abci_resp_info *ir;
    ck_assert_int_eq(abci_client_info(r.cli, r.arena, &info, &ir), AG_OK);
    ck_assert_int_eq(ir->last_block_height, 60);
    ck_assert_str_eq(ir->data, "{\"size\":60}");
    rig_down(&r);
}
END_TEST

/* ---- hostile peers against the server ---- */

static int dial_unix(const char *addr)
{
    abci_addr a;
    ck_assert_int_eq(abci_addr_parse(&a, addr), AG_OK);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%s", a.path);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&un, sizeof un), 0);
    return fd;
}

static void send_raw(int fd, const void *p, size_t n)
{
    ck_assert_int_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read one response frame: 1 and *out set; 0 at EOF; -1 on timeout. */
static int read_response(int fd, ag_buf *in, abci_arena *a, abci_response **out, int timeout_ms)
{
    for (;;) {
        ag_slice body;
        size_t used;
        ag_err err = abci_frame_decode(in->data, in->len, ABCI_FRAME_MAX, &body, &used);
        if (err == AG_OK) {
            ck_assert_int_eq(abci_response_decode(a, body.ptr, body.len, out), AG_OK);
            ag_buf_consume(in, used);
            return 1;
        }
        ck_assert_int_eq(err, AG_ERR_TRUNCATED);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) == 0)
            return -1;
        uint8_t buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return 0;
        ag_buf_append(in, buf, (size_t)n);
    }
}

static void frame_of(ag_buf *out, const abci_request *req)
{
    ck_assert_int_eq(abci_frame_append(out, &req->base, ABCI_FRAME_MAX), AG_OK);
}

static void echo_frame(ag_buf *out, const char *msg)
{
    abci_req_echo e = TENDERMINT__ABCI__REQUEST_ECHO__INIT;
    e.message = (char *)(uintptr_t)msg;
    abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
    req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_ECHO;
    req.echo = &e;
    frame_of(out, &req);
}

static void flush_frame(ag_buf *out)
{
    abci_req_flush f = TENDERMINT__ABCI__REQUEST_FLUSH__INIT;
    abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
    req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_FLUSH;
    req.flush = &f;
    frame_of(out, &req);
}

/* After a bad peer, the server still answers a good one. */
static void assert_still_serving(rig *r)
{
    abci_req_echo e = TENDERMINT__ABCI__REQUEST_ECHO__INIT;
    e.message = abci_str("still here");
    abci_resp_echo *er;
    ck_assert_msg(abci_client_echo(r->cli, r->arena, &e, &er) == AG_OK, "%s", ag_err_detail());
    ck_assert_str_eq(er->message, "still here");
}

static void expect_exception_then_close(int fd, const char *needle)
{
    ag_buf in;
    ag_buf_init(&in, 0);
    abci_arena *a;
    abci_arena_new(&a, 0);
    abci_response *resp;
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 1);
    ck_assert_int_eq(resp->value_case, TENDERMINT__ABCI__RESPONSE__VALUE_EXCEPTION);
    ck_assert_msg(strstr(resp->exception->error, needle), "exception '%s' lacks '%s'",
                  resp->exception->error, needle);
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 0);
    ag_buf_free(&in);
    abci_arena_free(a);
    close(fd);
}

static void wait_protocol_errors(rig *r, uint64_t n)
{
    abci_server_stats st;
    for (int i = 0; i < 500; i++) {
        abci_server_stats_get(r->srv, &st);
        if (st.protocol_errors >= n)
            break;
        usleep(10000);
    }
    ck_assert_uint_eq(st.protocol_errors, n);
}

START_TEST(server_rejects_bad_frames)
{
    abci_kvstore_opts kv;
    abci_kvstore_opts_default(&kv);
    abci_server_opts so = {.frame_max = 1 << 20, .unflushed_count_max = 100};
    rig r;
    rig_up_opts(&r, T_UNIX, &kv, &so);
    uint64_t errors = 0;

    /* a varint of eleven bytes */
    int fd = dial_unix(r.addr);
    uint8_t longv[11];
    memset(longv, 0x80, sizeof longv);
    send_raw(fd, longv, sizeof longv);
    expect_exception_then_close(fd, "longer than 10 bytes");
    wait_protocol_errors(&r, ++errors);
    assert_still_serving(&r);

    /* a length over the cap (2 MiB > 1 MiB): refused without waiting for the body */
    fd = dial_unix(r.addr);
    const uint8_t big[] = {0x80, 0x80, 0x80, 0x01};
    send_raw(fd, big, sizeof big);
    expect_exception_then_close(fd, "limit 1048576");
    wait_protocol_errors(&r, ++errors);

    /* bytes that are not a Request */
    fd = dial_unix(r.addr);
    const uint8_t junk[] = {0x03, 0x0a, 0x05, 0x0a};
    send_raw(fd, junk, sizeof junk);
    expect_exception_then_close(fd, "malformed tendermint.abci.Request");
    wait_protocol_errors(&r, ++errors);

    /* an unknown oneof field: DeliverTx (9), retired in ABCI 2.0 */
    fd = dial_unix(r.addr);
    const uint8_t deliver[] = {0x02, 0x4a, 0x00};
    send_raw(fd, deliver, sizeof deliver);
    expect_exception_then_close(fd, "field 9");
    wait_protocol_errors(&r, ++errors);

    /* valid requests first: answered before the exception at the bad one? No:
     * unflushed answers are dropped, the exception comes first. */
    fd = dial_unix(r.addr);
    ag_buf b;
    ag_buf_init(&b, 0);
    echo_frame(&b, "one");
    ag_buf_append(&b, deliver, sizeof deliver);
    send_raw(fd, b.data, b.len);
    expect_exception_then_close(fd, "unknown request type");
    wait_protocol_errors(&r, ++errors);

    /* a peer that closes in the middle of a frame */
    fd = dial_unix(r.addr);
    const uint8_t half[] = {0x10, 0x0a, 0x03};
    send_raw(fd, half, sizeof half);
    shutdown(fd, SHUT_WR);
    ag_buf in;
    ag_buf_init(&in, 0);
    abci_arena *a;
    abci_arena_new(&a, 0);
    abci_response *resp;
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 0);
    close(fd);
    wait_protocol_errors(&r, ++errors);

    /* a peer that never sends Flush: closed after 100 buffered responses */
    fd = dial_unix(r.addr);
    ag_buf_reset(&b);
    for (int i = 0; i < 101; i++)
        echo_frame(&b, "no flush");
    send_raw(fd, b.data, b.len);
    expect_exception_then_close(fd, "without a Flush");
    wait_protocol_errors(&r, ++errors);
    assert_still_serving(&r);

    abci_server_stats st;
    abci_server_stats_get(r.srv, &st);
    ck_assert_uint_eq(st.conns_open, 1); /* the good client only */
    ag_buf_free(&b);
    ag_buf_free(&in);
    abci_arena_free(a);
    rig_down(&r);
}
END_TEST

START_TEST(server_flush_is_a_barrier)
{
    rig r;
    rig_up(&r, T_UNIX);
    int fd = dial_unix(r.addr);
    ag_buf b, in;
    ag_buf_init(&b, 0);
    ag_buf_init(&in, 0);
    abci_arena *a;
    abci_arena_new(&a, 0);
    abci_response *resp;
    echo_frame(&b, "first");
    echo_frame(&b, "second");
    send_raw(fd, b.data, b.len);
    /* answered, but held until Flush */
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 200), -1);
    ck_assert_uint_eq(in.len, 0);
    ag_buf_reset(&b);
    flush_frame(&b);
    send_raw(fd, b.data, b.len);
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 1);
    ck_assert_str_eq(resp->echo->message, "first");
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 1);
    ck_assert_str_eq(resp->echo->message, "second");
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 1);
    ck_assert_int_eq(resp->value_case, TENDERMINT__ABCI__RESPONSE__VALUE_FLUSH);
    /* byte by byte: frames split across reads still work */
    ag_buf_reset(&b);
    echo_frame(&b, "dribble");
    flush_frame(&b);
    for (size_t i = 0; i < b.len; i++)
        send_raw(fd, b.data + i, 1);
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 1);
    ck_assert_str_eq(resp->echo->message, "dribble");
    ck_assert_int_eq(read_response(fd, &in, a, &resp, 5000), 1);
    ck_assert_int_eq(resp->value_case, TENDERMINT__ABCI__RESPONSE__VALUE_FLUSH);
    close(fd);
    ag_buf_free(&b);
    ag_buf_free(&in);
    abci_arena_free(a);
    rig_down(&r);
}
END_TEST

START_TEST(server_connection_cap)
{
    abci_kvstore_opts kv;
    abci_kvstore_opts_default(&kv);
    abci_server_opts so = {.conns_max = 2};
    rig r;
    rig_up_opts(&r, T_UNIX, &kv, &so); /* the rig's client is connection 1 */
    int second = dial_unix(r.addr);
    int third = dial_unix(r.addr);
    char c;
    struct pollfd p = {.fd = third, .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    ck_assert_int_eq(recv(third, &c, 1, 0), 0); /* closed by the server */
    abci_server_stats st;
    abci_server_stats_get(r.srv, &st);
    ck_assert_uint_eq(st.conns_refused, 1);
    assert_still_serving(&r);
    close(second);
    close(third);
    rig_down(&r);
}
END_TEST

/* ---- broken servers against the client ---- */

typedef struct {
    int lfd;
    int mode; /* 0: answer Info to anything; 1: read, never answer */
} fake_server;

static void *fake_main(void *arg)
{
    fake_server *f = arg;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    uint8_t buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0 && f->mode == 0) {
        ag_buf out;
        ag_buf_init(&out, 0);
        abci_resp_info info = TENDERMINT__ABCI__RESPONSE_INFO__INIT;
        abci_response resp = TENDERMINT__ABCI__RESPONSE__INIT;
        resp.value_case = TENDERMINT__ABCI__RESPONSE__VALUE_INFO;
        resp.info = &info;
        abci_frame_append(&out, &resp.base, ABCI_FRAME_MAX);
        send(fd, out.data, out.len, MSG_NOSIGNAL);
        ag_buf_free(&out);
    }
    while (recv(fd, buf, sizeof buf, 0) > 0)
        ;
    close(fd);
    return NULL;
}

static void fake_listen(fake_server *f, char *addr, size_t n, char *dir)
{
    make_tmpdir(dir, 64);
    f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%s/fake.sock", dir);
    ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&un, sizeof un), 0);
    ck_assert_int_eq(listen(f->lfd, 4), 0);
    snprintf(addr, n, "unix://%s", un.sun_path);
}

START_TEST(client_detects_out_of_order)
{
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    fake_server f = {.mode = 0};
    char addr[128], dir[64];
    fake_listen(&f, addr, sizeof addr, dir);
    pthread_t t;
    pthread_create(&t, NULL, fake_main, &f);
    abci_client *c;
    abci_socket_opts o;
    abci_socket_opts_default(&o);
    o.io_timeout_ms = 5000;
    o.connect_attempts = 1;
    ck_assert_int_eq(abci_socket_new(&c, addr, &o), AG_OK);
    abci_arena *a;
    abci_arena_new(&a, 0);
    abci_req_echo e = TENDERMINT__ABCI__REQUEST_ECHO__INIT;
    e.message = abci_str("x");
    abci_resp_echo *er;
    ck_assert_int_eq(abci_client_echo(c, a, &e, &er), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "answered Info to a Echo request"));
    ck_assert_ptr_null(er);
    pthread_join(t, NULL);
    /* the connection was dropped; the fake server is gone: reconnecting fails clearly */
    close(f.lfd);
    char path[128];
    snprintf(path, sizeof path, "%s/fake.sock", dir);
    unlink(path);
    ck_assert_int_eq(abci_client_echo(c, a, &e, &er), AG_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "cannot reach the application"));
    abci_client_free(c);
    abci_arena_free(a);
    rmdir(dir);
}
END_TEST

START_TEST(client_times_out)
{
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    fake_server f = {.mode = 1};
    char addr[128], dir[64];
    fake_listen(&f, addr, sizeof addr, dir);
    pthread_t t;
    pthread_create(&t, NULL, fake_main, &f);
    abci_client *c;
    abci_socket_opts o;
    abci_socket_opts_default(&o);
    o.io_timeout_ms = 200;
    ck_assert_int_eq(abci_socket_new(&c, addr, &o), AG_OK);
    abci_arena *a;
    abci_arena_new(&a, 0);
    /* an async request pending when the connection times out fails through its callback */
    static cb_log log;
    memset(&log, 0, sizeof log);
    abci_req_check_tx ct = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
    abci_request req = TENDERMINT__ABCI__REQUEST__INIT;
    req.value_case = TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX;
    req.check_tx = &ct;
    ck_assert_int_eq(abci_client_send(c, &req, record, &log), AG_OK);
    abci_req_info info = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    abci_resp_info *ir;
    ck_assert_int_eq(abci_client_info(c, a, &info, &ir), AG_ERR_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "no progress in 200 ms"));
    ck_assert_uint_eq(log.n, 1);
    ck_assert_int_eq(log.errs[0], AG_ERR_TIMEOUT);
    abci_client_free(c); /* closes: the fake server sees EOF */
    pthread_join(t, NULL);
    close(f.lfd);
    char path[128];
    snprintf(path, sizeof path, "%s/fake.sock", dir);
    unlink(path);
    rmdir(dir);
    abci_arena_free(a);
}
END_TEST

START_TEST(client_unreachable_and_reconnect)
{
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    abci_client *c;
    abci_socket_opts o;
    abci_socket_opts_default(&o);
    o.connect_attempts = 3;
    o.connect_interval_ms = 10;
    /* nobody listens on this TCP port (bound, then closed) */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(s, (struct sockaddr *)&sin, sizeof sin);
    socklen_t sl = sizeof sin;
    getsockname(s, (struct sockaddr *)&sin, &sl);
    close(s);
    char addr[64];
    snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", ntohs(sin.sin_port));
    ck_assert_int_eq(abci_socket_new(&c, addr, &o), AG_ERR_CONN_REFUSED);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), addr));
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "3 attempts"));
    ck_assert_int_eq(abci_socket_new(&c, "ftp://x:1", &o), AG_ERR_DECODE);

    /* a server that goes away and comes back on the same socket path */
    rig r;
    rig_up(&r, T_UNIX);
    abci_client *c2;
    ck_assert_int_eq(abci_socket_new(&c2, r.addr, &o), AG_OK);
    abci_req_echo e = TENDERMINT__ABCI__REQUEST_ECHO__INIT;
    e.message = abci_str("before");
    abci_resp_echo *er;
    ck_assert_int_eq(abci_client_echo(c2, r.arena, &e, &er), AG_OK);
    abci_server_free(r.srv);
    r.srv = NULL;
    ck_assert_int_ne(abci_client_echo(c2, r.arena, &e, &er), AG_OK); /* broken or refused */
    abci_app app = abci_kvstore_app(r.kv);
    ck_assert_int_eq(abci_server_new(&r.srv, &app, NULL), AG_OK);
    ck_assert_int_eq(abci_server_listen(r.srv, r.addr), AG_OK);
    ck_assert_int_eq(abci_server_start(r.srv), AG_OK);
    e.message = abci_str("after");
    ck_assert_msg(abci_client_echo(c2, r.arena, &e, &er) == AG_OK, "%s", ag_err_detail());
    ck_assert_str_eq(er->message, "after");
    abci_client_free(c2);
    rig_down(&r);
}
END_TEST

START_TEST(server_listen_errors)
{
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    rig r;
    rig_up(&r, T_UNIX);
    abci_server *other;
    abci_app app = abci_kvstore_app(r.kv);
    ck_assert_int_eq(abci_server_new(&other, &app, NULL), AG_OK);
    ck_assert_int_eq(abci_server_listen(other, r.addr), AG_ERR_ADDR_IN_USE);
    abci_server_free(other);
    /* a regular file is never replaced */
    char path[128];
    snprintf(path, sizeof path, "%s/file", r.dir);
    FILE *fp = fopen(path, "w");
    fclose(fp);
    char addr[160];
    snprintf(addr, sizeof addr, "unix://%s", path);
    ck_assert_int_eq(abci_server_new(&other, &app, NULL), AG_OK);
    ck_assert_int_eq(abci_server_listen(other, addr), AG_ERR_EXISTS);
    abci_server_free(other);
    unlink(path);
    /* a missing callback */
    abci_app_ops ops = {0};
    abci_app broken = {&ops, NULL};
    ck_assert_int_eq(abci_server_new(&other, &broken, NULL), AG_ERR_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "does not implement Info"));
    abci_client *lc;
    ck_assert_int_eq(abci_local_new(&lc, &broken, NULL), AG_ERR_INVALID_ARG);
    rig_down(&r);
}
END_TEST

static Suite *abci_suite(void)
{
    Suite *s = suite_create("abci");
    TCase *tc = ag_test_tcase("codec");
    tcase_add_test(tc, frame_decode_cases);
    tcase_add_test(tc, frame_append_roundtrip);
    tcase_add_test(tc, codec_rejects);
    tcase_add_test(tc, codec_decode_budget);
    tcase_add_test(tc, codec_names_and_exceptions);
    tcase_add_test(tc, arena_budget);
    tcase_add_test(tc, addr_parse_cases);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("methods"); /* loop: 0 local, 1 unix, 2 tcp */
    tcase_add_loop_test(tc, methods_field_by_field, T_LOCAL, T_COUNT);
    tcase_add_loop_test(tc, snapshot_restore, T_LOCAL, T_COUNT);
    tcase_add_loop_test(tc, pipelined_check_tx, T_LOCAL, T_COUNT);
    tcase_add_loop_test(tc, four_connections_concurrently, 0, 2); /* unix, tcp */
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("server");
    tcase_add_test(tc, server_rejects_bad_frames);
    tcase_add_test(tc, server_flush_is_a_barrier);
    tcase_add_test(tc, server_connection_cap);
    tcase_add_test(tc, server_listen_errors);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("client");
    tcase_add_test(tc, client_detects_out_of_order);
    tcase_add_test(tc, client_times_out);
    tcase_add_test(tc, client_unreachable_and_reconnect);
    suite_add_tcase(s, tc);
    (void)transport_name;
    return s;
}

AG_TEST_MAIN(abci_suite)
