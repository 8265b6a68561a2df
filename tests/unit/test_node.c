/* node/: the libuv host, the option helpers, the home layout, app selection. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus/block_store.h"
#include "consensus/engine_internal.h"
#include "consensus/privval.h"
#include "consensus/wal.h"
#include "crypto/address.h"
#include "genesis/genesis.h"
#include "node/app.h"
#include "node/cli.h"
#include "node/home.h"
#include "node/host.h"
#include "tests/harness/ag_test.h"

/* ---- host timers ---- */

typedef struct fired {
    node_host *host;
    uint64_t tokens[64];
    size_t n;
    uint64_t stop_after; /* stop the loop once this many fired */
} fired;

static void on_fire(void *ctx, uint64_t token)
{
    fired *f = ctx;
    ck_assert_uint_lt(f->n, 64);
    f->tokens[f->n++] = token;
    if (f->n == f->stop_after)
        node_host_stop(f->host);
}

START_TEST(host_timers_fire_in_deadline_order)
{
    fired f = {0};
    ck_assert_int_eq(node_host_new(&f.host, NULL, NULL), AG_OK);
    f.stop_after = 4;
    ck_assert_int_eq(node_host_timer(f.host, 30, on_fire, &f, 3), AG_OK);
    ck_assert_int_eq(node_host_timer(f.host, 1, on_fire, &f, 1), AG_OK);
    ck_assert_int_eq(node_host_timer(f.host, 60, on_fire, &f, 4), AG_OK);
    ck_assert_int_eq(node_host_timer(f.host, 10, on_fire, &f, 2), AG_OK);
    ck_assert_uint_eq(node_host_pending_timers(f.host), 4);
    uint64_t t0 = node_host_now_ms(f.host);
    node_host_run(f.host);
    ck_assert_uint_eq(f.n, 4);
    for (uint64_t i = 0; i < 4; i++)
        ck_assert_uint_eq(f.tokens[i], i + 1);
    ck_assert_uint_eq(node_host_pending_timers(f.host), 0);
    ck_assert_uint_ge(node_host_now_ms(f.host) - t0, 59);
    ck_assert_int_eq(node_host_signal(f.host), 0);
    node_host_free(f.host);
}
END_TEST

/* A timer callback that starts the next timer, as the engine does. */
static void on_chain(void *ctx, uint64_t token)
{
    fired *f = ctx;
    f->tokens[f->n++] = token;
    if (token < 10)
        ck_assert_int_eq(node_host_timer(f->host, 0, on_chain, f, token + 1), AG_OK);
    else
        node_host_stop(f->host);
}

START_TEST(host_timer_from_callback_and_free_with_pending)
{
    fired f = {0};
    ck_assert_int_eq(node_host_new(&f.host, NULL, NULL), AG_OK);
    ck_assert_int_eq(node_host_timer(f.host, 0, on_chain, &f, 1), AG_OK);
    /* Still pending when the host is freed: closed, not leaked (ASan/valgrind). */
    ck_assert_int_eq(node_host_timer(f.host, 100000, on_fire, &f, 99), AG_OK);
    node_host_run(f.host);
    ck_assert_uint_eq(f.n, 10);
    ck_assert_uint_eq(node_host_pending_timers(f.host), 1);
    node_host_free(f.host);
}
END_TEST

static void on_sig(void *ctx, int signo)
{
    *(int *)ctx = signo;
}

START_TEST(host_stops_on_sigterm)
{
    int got = 0;
    node_host *h;
    ck_assert_int_eq(node_host_new(&h, on_sig, &got), AG_OK);
    /* A timer far away keeps the loop alive; the signal must end it. */
    ck_assert_int_eq(node_host_timer(h, 100000, on_fire, NULL, 1), AG_OK);
    ck_assert_int_eq(raise(SIGTERM), 0);
    node_host_run(h);
    ck_assert_int_eq(got, SIGTERM);
    ck_assert_int_eq(node_host_signal(h), SIGTERM);
    node_host_free(h);
}
END_TEST

/* ---- options ---- */

START_TEST(cli_values)
{
    char a0[] = "--home", a1[] = "/x", a2[] = "--chain-id=abc", a3[] = "--moniker", a4[] = "--fast",
         a5[] = "--home";
    char *argv[] = {a0, a1, a2, a3, a4, a5};
    int argc = 6, i = 0;
    const char *v = NULL;
    ck_assert_int_eq(node_cli_value("t", argc, argv, &i, "--home", &v), 1);
    ck_assert_str_eq(v, "/x");
    ck_assert_int_eq(i, 1);
    i = 2;
    ck_assert_int_eq(node_cli_value("t", argc, argv, &i, "--chain", &v), 0);
    ck_assert_int_eq(node_cli_value("t", argc, argv, &i, "--chain-id", &v), 1);
    ck_assert_str_eq(v, "abc");
    ck_assert_int_eq(i, 2);
    i = 3; /* a value that looks like a flag is still the value */
    ck_assert_int_eq(node_cli_value("t", argc, argv, &i, "--moniker", &v), 1);
    ck_assert_str_eq(v, "--fast");
    i = 5; /* missing value at the end */
    ck_assert_int_eq(node_cli_value("t", argc, argv, &i, "--home", &v), -1);
    ck_assert(node_cli_flag("--fast", "--fast"));
    ck_assert(!node_cli_flag("--faster", "--fast"));

    int64_t n;
    ck_assert_int_eq(node_cli_parse_i64("42", 1, "h", &n), AG_OK);
    ck_assert_int_eq(n, 42);
    ck_assert_int_eq(node_cli_parse_i64("0", 1, "h", &n), AG_ERR_DECODE);
    ck_assert_int_eq(node_cli_parse_i64("4x", 1, "h", &n), AG_ERR_DECODE);
    ck_assert_int_eq(node_cli_parse_i64("", 1, "h", &n), AG_ERR_DECODE);
    ck_assert_int_eq(node_cli_parse_i64("99999999999999999999", 1, "h", &n), AG_ERR_DECODE);
}
END_TEST

/* ---- home and app ---- */

START_TEST(home_paths_and_load)
{
    char dir[64];
    ag_test_mkdtemp(dir, "node_home");
    node_home h;
    ck_assert_int_eq(node_home_load(&h, dir), AG_ERR_NOT_FOUND);
    ck_assert(strstr(ag_err_detail(), "agorad init") != NULL);

    memset(&h, 0, sizeof h);
    snprintf(h.dir, sizeof h.dir, "%s", dir);
    node_config_default(&h.cfg);
    strcpy(h.cfg.privval_state_file, "/abs/state.json");
    ck_assert_int_eq(node_home_resolve(&h), AG_OK);
    char want[256];
    snprintf(want, sizeof want, "%s/data/cs.wal", dir);
    ck_assert_str_eq(h.wal_dir, want);
    snprintf(want, sizeof want, "%s/config/genesis.json", dir);
    ck_assert_str_eq(h.genesis_file, want);
    ck_assert_str_eq(h.privval_state_file, "/abs/state.json");

    /* A config file with one key: the rest are defaults. */
    char path[256];
    snprintf(path, sizeof path, "%s/config", dir);
    ck_assert_int_eq(node_mkdirs(path, 0700), AG_OK);
    ck_assert_int_eq(node_mkdirs(path, 0700), AG_OK); /* exists: fine */
    snprintf(path, sizeof path, "%s/config/config.ini", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("[abci]\napp = builtin:kvstore\n[node]\ndata_dir = elsewhere\n", f);
    fclose(f);
    ck_assert_int_eq(node_home_load(&h, dir), AG_OK);
    ck_assert_str_eq(h.cfg.abci_app, "builtin:kvstore");
    ck_assert_str_eq(h.cfg.log_level, "info");
    snprintf(want, sizeof want, "%s/elsewhere/blockstore.db", dir);
    ck_assert_str_eq(h.blockstore_db, want);

    f = fopen(path, "w");
    fputs("[abci]\napp = builtin:nothing\n", f);
    fclose(f);
    ck_assert_int_eq(node_home_load(&h, dir), AG_ERR_INVALID_ARG);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(app_kinds_and_kvstore_clients)
{
    node_app_kind k;
    ck_assert_int_eq(node_app_kind_parse("builtin:kvstore", &k), AG_OK);
    ck_assert_int_eq(k, NODE_APP_KVSTORE);
    ck_assert_int_eq(node_app_kind_parse("builtin:market", &k), AG_OK);
    ck_assert_int_eq(k, NODE_APP_MARKET);
    ck_assert_int_eq(node_app_kind_parse("unix:///tmp/app.sock", &k), AG_OK);
    ck_assert_int_eq(k, NODE_APP_SOCKET);
    ck_assert_int_eq(node_app_kind_parse("builtin:", &k), AG_ERR_INVALID_ARG);
    char *state;
    ck_assert_int_eq(node_app_genesis_state(NODE_APP_KVSTORE, NULL, 0, &state), AG_OK);
    ck_assert_str_eq(state, "{}");
    free(state);
    /* --account: bank balances in the market's genesis, refused for the kvstore */
    const char *accs[] = {"agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7=1000",
                          "agora1snp4qv7vv2x9cky8mu3mzkmwdxmcz40rphuwfc=25uatom"};
    ck_assert_int_eq(node_app_genesis_state(NODE_APP_MARKET, accs, 2, &state), AG_OK);
    ck_assert_str_eq(state, "{\"bank\":{\"balances\":[{\"address\":"
                            "\"agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7\",\"coins\":[{"
                            "\"denom\":\"uagora\",\"amount\":\"1000\"}]},{\"address\":"
                            "\"agora1snp4qv7vv2x9cky8mu3mzkmwdxmcz40rphuwfc\",\"coins\":[{"
                            "\"denom\":\"uatom\",\"amount\":\"25\"}]}]}}");
    free(state);
    ck_assert_int_eq(node_app_genesis_state(NODE_APP_KVSTORE, accs, 1, &state), AG_ERR_INVALID_ARG);
    const char *bad[][2] = {{accs[0], accs[0]},
                            {"agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7=0", NULL},
                            {"agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7", NULL},
                            {"cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4=5", NULL},
                            {"agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7=-5", NULL},
                            {"agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7=5u", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        state = NULL;
        ck_assert_msg(node_app_genesis_state(NODE_APP_MARKET, bad[i], bad[i][1] ? 2 : 1, &state) ==
                          AG_ERR_INVALID_ARG,
                      "accepted %s", bad[i][0]);
        ck_assert_ptr_null(state);
    }

    node_home h;
    memset(&h, 0, sizeof h);
    node_config_default(&h.cfg);
    strcpy(h.cfg.abci_app, "builtin:kvstore");
    node_app *app;
    ck_assert_int_eq(node_app_open(&app, &h), AG_OK);
    abci_arena *arena;
    ck_assert_int_eq(abci_arena_new(&arena, 0), AG_OK);
    abci_req_info req;
    tendermint__abci__request_info__init(&req);
    abci_resp_info *resp;
    for (int c = 0; c < NODE_APP__CONNS; c++) {
        ck_assert_int_eq(abci_client_info(node_app_client(app, c), arena, &req, &resp), AG_OK);
        ck_assert_int_eq(resp->last_block_height, 0);
    }
    abci_arena_free(arena);
    node_app_close(app);

    /* Nothing listens there: a clear connect error, nothing leaked. */
    strcpy(h.cfg.abci_app, "unix:///nonexistent/agora-test.sock");
    ck_assert_int_ne(node_app_open(&app, &h), AG_OK);
    ck_assert_ptr_null(app);
}
END_TEST

/* ---- inspect signatures on a chain signed by the home's own key ---- */

#define SIG_CHAIN "inspect-test"

typedef struct signed_chain {
    char home[64];
    char hist[128];
    cons_block_id ids[8];
    cons_header headers[8];
    cons_commit commits[8];
    ag_buf data[8];
    int n;
} signed_chain;

static int run_cmd(int (*cmd)(int, char **), const char *a, const char *b, const char *c,
                   const char *d, const char *e)
{
    char *argv[6];
    const char *in[5] = {a, b, c, d, e};
    int argc = 0;
    for (int i = 0; i < 5 && in[i]; i++)
        argv[argc++] = strdup(in[i]);
    argv[argc] = NULL;
    int rc = cmd(argc, argv);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

static void snapshot(const signed_chain *sc, const cons_privval_state *st, int seq)
{
    char *json, path[256];
    ck_assert_int_eq(cons_privval_state_to_json(&json, st), AG_OK);
    snprintf(path, sizeof path, "%s/%05d.json", sc->hist, seq);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(json, f);
    fclose(f);
    free(json);
}

/* A home from `agorad init`, n blocks whose commits carry the home
 * validator's real precommits (signed through its signer, which updates the
 * state file), a snapshot of the signer state after each signature. */
static void make_signed_chain(signed_chain *sc, int n)
{
    memset(sc, 0, sizeof *sc);
    sc->n = n;
    ag_test_mkdtemp(sc->home, "node_inspect");
    char home[128];
    snprintf(home, sizeof home, "%s/h", sc->home);
    snprintf(sc->hist, sizeof sc->hist, "%s/hist", sc->home);
    ck_assert_int_eq(node_mkdirs(sc->hist, 0700), AG_OK);
    ck_assert_int_eq(
        run_cmd(node_cmd_init, "--home", home, "--chain-id=" SIG_CHAIN, "--app", "kvstore"), 0);
    node_home h;
    ck_assert_int_eq(node_home_load(&h, home), AG_OK);
    cons_privval *pv;
    ck_assert_int_eq(cons_privval_load(&pv, h.privval_key_file, h.privval_state_file), AG_OK);
    state_kv *kv;
    state_kv_rocksdb_options o = {.create_if_missing = true, .block_cache_bytes = 1 << 20};
    ck_assert_int_eq(state_kv_open_rocksdb(&kv, h.blockstore_db, &o), AG_OK);
    cons_block_store *bs;
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    for (int i = 0; i < n; i++) {
        cons_header *hd = &sc->headers[i];
        hd->version.block = CONS_BLOCK_PROTOCOL;
        strcpy(hd->chain_id, SIG_CHAIN);
        hd->height = i + 1;
        hd->time = (cons_timestamp){1700000000 + i, 0};
        if (i)
            hd->last_block_id = sc->ids[i - 1];
        uint8_t hb[32];
        memset(hb, 7, sizeof hb);
        cons_hash_set(&hd->validators_hash, hb);
        hd->app_hash.len = 32;
        memset(hd->app_hash.b, i, 32);
        ag_buf_init(&sc->data[i], 0);
        ck_assert_int_eq(ag_buf_append(&sc->data[i], "block", 5), AG_OK);
        ck_assert_int_eq(ag_buf_append_byte(&sc->data[i], (uint8_t)i), AG_OK);
        cons_part_set ps;
        ck_assert_int_eq(cons_part_set_from_data(&ps, sc->data[i].data, sc->data[i].len), AG_OK);
        sc->ids[i].parts = ps.header;
        crypto_hash hh;
        ck_assert_int_eq(cons_header_hash(&hh, hd), AG_OK);
        cons_hash_set(&sc->ids[i].hash, hh.b);

        cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                       .height = i + 1,
                       .round = i % 2,
                       .block_id = sc->ids[i],
                       .timestamp = {1700000000 + i, 5}};
        v.validator_address = *cons_privval_address(pv);
        ck_assert_int_eq(cons_privval_sign_vote(pv, SIG_CHAIN, &v, false), AG_OK);
        snapshot(sc, cons_privval_last_state(pv), i + 1);
        cons_commit *c = &sc->commits[i];
        ck_assert_int_eq(cons_commit_alloc(c, 1), AG_OK);
        c->height = v.height;
        c->round = v.round;
        c->block_id = v.block_id;
        c->sigs[0] = (cons_commit_sig){CONS_BLOCK_ID_FLAG_COMMIT, true, v.validator_address,
                                       v.timestamp, v.signature};
        ck_assert_int_eq(cons_block_store_save(bs, hd, &ps, 0, i ? &sc->commits[i - 1] : NULL, c),
                         AG_OK);
        cons_part_set_free(&ps);
    }
    cons_block_store_close(bs);
    state_kv_close(kv);
    cons_privval_free(pv);
}

static void free_signed_chain(signed_chain *sc)
{
    for (int i = 0; i < sc->n; i++) {
        cons_commit_clear(&sc->commits[i]);
        ag_buf_free(&sc->data[i]);
    }
    ag_test_rmdir(sc->home);
}

START_TEST(inspect_signatures_accepts_own_chain)
{
    signed_chain sc;
    make_signed_chain(&sc, 5);
    char home[128];
    snprintf(home, sizeof home, "%s/h", sc.home);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, NULL, NULL), 0);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, "--history", sc.hist),
                     0);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "blocks", "--home", home, "--from=2", NULL), 0);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "blocks", "--home", home, "--from", "x"), 2);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "nothing", "--home", home, NULL, NULL), 2);
    free_signed_chain(&sc);
}
END_TEST

START_TEST(inspect_signatures_catches_conflicts)
{
    signed_chain sc;
    make_signed_chain(&sc, 4);
    char home[128];
    snprintf(home, sizeof home, "%s/h", sc.home);
    node_home h;
    ck_assert_int_eq(node_home_load(&h, home), AG_OK);
    cons_privval *pv;
    ck_assert_int_eq(cons_privval_load(&pv, h.privval_key_file, h.privval_state_file), AG_OK);

    /* A second precommit at height 3, round 0 for another block, signed by
     * the same key from a fresh (memory) signer as a node that lost its
     * state file would: the snapshot conflicts with the stored commit. */
    crypto_privkey key;
    char *json = NULL;
    FILE *f = fopen(h.privval_key_file, "r");
    ck_assert_ptr_nonnull(f);
    char buf[2048];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    crypto_pubkey pub;
    ck_assert_int_eq(cons_privval_key_from_json(&key, &pub, buf, len), AG_OK);
    cons_privval *mem;
    ck_assert_int_eq(cons_privval_new_memory(&mem, &key, NULL), AG_OK);
    cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                   .height = 3,
                   .round = 0,
                   .block_id = sc.ids[1],
                   .timestamp = {1700000100, 0}};
    v.validator_address = *cons_privval_address(pv);
    ck_assert_int_eq(cons_privval_sign_vote(mem, SIG_CHAIN, &v, false), AG_OK);
    snapshot(&sc, cons_privval_last_state(mem), 90);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, "--history", sc.hist),
                     1);

    /* A state that went backwards (the 90th snapshot is below the 4th... and
     * the conflict above): remove it, add a regression alone. */
    char path[256];
    snprintf(path, sizeof path, "%s/00090.json", sc.hist);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, "--history", sc.hist),
                     0);
    cons_privval_state low = *cons_privval_last_state(pv);
    low.height = 2;
    snapshot(&sc, &low, 91);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, "--history", sc.hist),
                     1);
    snprintf(path, sizeof path, "%s/00091.json", sc.hist);
    ck_assert_int_eq(remove(path), 0);

    /* A commit signature that does not verify. */
    state_kv *kv;
    state_kv_rocksdb_options o = {.block_cache_bytes = 1 << 20};
    ck_assert_int_eq(state_kv_open_rocksdb(&kv, h.blockstore_db, &o), AG_OK);
    cons_block_store *bs;
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    cons_header hd = sc.headers[3];
    hd.height = 5;
    hd.last_block_id = sc.ids[3];
    cons_part_set ps;
    ck_assert_int_eq(cons_part_set_from_data(&ps, (const uint8_t *)"x", 1), AG_OK);
    crypto_hash hh;
    ck_assert_int_eq(cons_header_hash(&hh, &hd), AG_OK);
    cons_commit seen = {0};
    ck_assert_int_eq(cons_commit_alloc(&seen, 1), AG_OK);
    seen.height = 5;
    cons_hash_set(&seen.block_id.hash, hh.b);
    seen.block_id.parts = ps.header;
    seen.sigs[0] = sc.commits[3].sigs[0]; /* height 4's signature */
    ck_assert_int_eq(cons_block_store_save(bs, &hd, &ps, 0, &sc.commits[3], &seen), AG_OK);
    cons_part_set_free(&ps);
    cons_commit_clear(&seen);
    cons_block_store_close(bs);
    state_kv_close(kv);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, NULL, NULL), 1);

    free(json);
    crypto_privkey_wipe(&key);
    cons_privval_free(mem);
    cons_privval_free(pv);
    free_signed_chain(&sc);
}
END_TEST

/* Two own precommits at one height/round for different blocks in the WAL,
 * signed by two signers holding the same key: the WAL scan must see it. */
START_TEST(inspect_signatures_scans_the_wal)
{
    signed_chain sc;
    make_signed_chain(&sc, 3);
    char home[128];
    snprintf(home, sizeof home, "%s/h", sc.home);
    node_home h;
    ck_assert_int_eq(node_home_load(&h, home), AG_OK);
    FILE *f = fopen(h.privval_key_file, "r");
    ck_assert_ptr_nonnull(f);
    char buf[2048];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    crypto_privkey key;
    crypto_pubkey pub;
    ck_assert_int_eq(cons_privval_key_from_json(&key, &pub, buf, len), AG_OK);

    cons_wal *wal;
    ck_assert_int_eq(cons_wal_open(&wal, h.wal_dir, NULL), AG_OK);
    cons_privval *a, *b;
    ck_assert_int_eq(cons_privval_new_memory(&a, &key, NULL), AG_OK);
    ck_assert_int_eq(cons_privval_new_memory(&b, &key, NULL), AG_OK);
    for (int i = 0; i < 2; i++) {
        cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                       .height = 7,
                       .round = 1,
                       .block_id = sc.ids[i],
                       .timestamp = {1700000200, 0}};
        crypto_address_from_pubkey(&v.validator_address, &pub);
        ck_assert_int_eq(cons_privval_sign_vote(i ? b : a, SIG_CHAIN, &v, false), AG_OK);
        ag_buf rec;
        ag_buf_init(&rec, 0);
        ck_assert_int_eq(cons_vote_encode(&rec, &v), AG_OK);
        /* The first one twice: a message logged again is not a conflict. */
        ck_assert_int_eq(cons_wal_write_sync(wal, ENG_REC_VOTE, rec.data, rec.len), AG_OK);
        if (i == 0) {
            ck_assert_int_eq(cons_wal_write_sync(wal, ENG_REC_VOTE, rec.data, rec.len), AG_OK);
            cons_wal_close(wal);
            ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, NULL, NULL),
                             0);
            ck_assert_int_eq(cons_wal_open(&wal, h.wal_dir, NULL), AG_OK);
        }
        ag_buf_free(&rec);
    }
    cons_wal_close(wal);
    ck_assert_int_eq(run_cmd(node_cmd_inspect, "signatures", "--home", home, NULL, NULL), 1);
    crypto_privkey_wipe(&key);
    cons_privval_free(a);
    cons_privval_free(b);
    free_signed_chain(&sc);
}
END_TEST

START_TEST(init_refuses_an_existing_home)
{
    char dir[64], home[128], path[NODE_PATH_MAX + 8];
    ag_test_mkdtemp(dir, "node_init");
    snprintf(home, sizeof home, "%s/h", dir);
    ck_assert_int_eq(run_cmd(node_cmd_init, "--home", home, "--app", "kvstore", "--fast"), 0);
    node_home h;
    ck_assert_int_eq(node_home_load(&h, home), AG_OK);
    ck_assert_int_eq(h.cfg.timeouts, NODE_TIMEOUTS_FAST);
    ck_assert_str_eq(h.cfg.abci_app, "builtin:kvstore");
    genesis_doc doc;
    ck_assert_int_eq(genesis_doc_load(&doc, h.genesis_file), AG_OK);
    ck_assert_str_eq(doc.chain_id, "agora-local");
    ck_assert_uint_eq(doc.n_validators, 1);
    ck_assert_int_eq(doc.validators[0].power, 10);
    ck_assert_str_eq(doc.app_state, "{}");
    cons_privval *pv;
    ck_assert_int_eq(cons_privval_load(&pv, h.privval_key_file, h.privval_state_file), AG_OK);
    ck_assert(crypto_address_equal(&doc.validators[0].address, cons_privval_address(pv)));
    cons_privval_free(pv);
    genesis_doc_free(&doc);

    /* Existing home: refused, keys untouched; --force makes a new chain. */
    FILE *f = fopen(h.privval_key_file, "r");
    char before[1024] = {0}, after[1024] = {0};
    ck_assert_uint_gt(fread(before, 1, sizeof before - 1, f), 0);
    fclose(f);
    ck_assert_int_eq(run_cmd(node_cmd_init, "--home", home, NULL, NULL, NULL), 1);
    f = fopen(h.privval_key_file, "r");
    ck_assert_uint_gt(fread(after, 1, sizeof after - 1, f), 0);
    fclose(f);
    ck_assert_str_eq(before, after);
    /* Data written by a node (a store directory) is erased by --force too. */
    snprintf(path, sizeof path, "%s/x", h.blockstore_db);
    ck_assert_int_eq(node_mkdirs(path, 0700), AG_OK);
    ck_assert_int_eq(run_cmd(node_cmd_init, "--home", home, "--force", "--chain-id", "c2"), 0);
    ck_assert_int_ne(access(h.blockstore_db, F_OK), 0);
    f = fopen(h.privval_key_file, "r");
    memset(after, 0, sizeof after);
    ck_assert_uint_gt(fread(after, 1, sizeof after - 1, f), 0);
    fclose(f);
    ck_assert_str_ne(before, after);

    /* Usage errors. */
    ck_assert_int_eq(run_cmd(node_cmd_init, "--home", home, "--app", "nothing", NULL), 2);
    ck_assert_int_eq(run_cmd(node_cmd_init, "--home", home, "--chain-id", "", NULL), 2);
    ck_assert_int_eq(run_cmd(node_cmd_init, "--home", home, "--bogus", NULL, NULL), 2);
    ck_assert_int_eq(run_cmd(node_cmd_init, "--home", NULL, NULL, NULL, NULL), 2);
    ag_test_rmdir(dir);
}
END_TEST

/* ---- the host's lock (node/rpc_backend.h's node mutex) ---- */

typedef struct locked {
    node_host *host;
    pthread_mutex_t mu;
    atomic_int other_inside; /* the other thread holds mu */
    atomic_int stop;
    atomic_long other_turns; /* times the other thread got mu */
    int fired;
    int held_in_callback; /* callbacks that found mu held */
    int overlapped;       /* callbacks that ran while the other thread held it */
} locked;

static void *other_thread(void *arg)
{
    locked *l = arg;
    while (!atomic_load(&l->stop)) {
        pthread_mutex_lock(&l->mu);
        atomic_store(&l->other_inside, 1);
        usleep(200);
        atomic_store(&l->other_inside, 0);
        pthread_mutex_unlock(&l->mu);
        atomic_fetch_add(&l->other_turns, 1);
        usleep(100);
    }
    return NULL;
}

static void on_locked_timer(void *ctx, uint64_t token)
{
    locked *l = ctx;
    l->fired++;
    if (pthread_mutex_trylock(&l->mu) == EBUSY)
        l->held_in_callback++;
    else
        pthread_mutex_unlock(&l->mu);
    if (atomic_load(&l->other_inside))
        l->overlapped++;
    if (token < 100)
        ck_assert_int_eq(node_host_timer(l->host, 1, on_locked_timer, l, token + 1), AG_OK);
    else
        node_host_stop(l->host);
}

START_TEST(host_lock_is_held_by_callbacks_and_released_while_waiting)
{
    locked l = {0};
    pthread_mutex_init(&l.mu, NULL);
    ck_assert_int_eq(node_host_new(&l.host, NULL, NULL), AG_OK);
    node_host_set_lock(l.host, &l.mu);
    ck_assert_int_eq(node_host_timer(l.host, 1, on_locked_timer, &l, 1), AG_OK);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, other_thread, &l), 0);
    node_host_run(l.host);
    atomic_store(&l.stop, 1);
    pthread_join(th, NULL);
    ck_assert_int_eq(l.fired, 100);
    ck_assert_int_eq(l.held_in_callback, 100); /* every callback ran holding it */
    ck_assert_int_eq(l.overlapped, 0);         /* never while the other thread had it */
    /* The loop let go while waiting for its 1 ms timers (~100 ms in all). */
    ck_assert_int_ge(atomic_load(&l.other_turns), 10);
    /* Released when the loop returns. */
    ck_assert_int_eq(pthread_mutex_trylock(&l.mu), 0);
    pthread_mutex_unlock(&l.mu);
    node_host_free(l.host);
    pthread_mutex_destroy(&l.mu);
}
END_TEST

static Suite *node_suite(void)
{
    Suite *s = suite_create("node");
    TCase *tc = ag_test_tcase("host");
    tcase_add_test(tc, host_timers_fire_in_deadline_order);
    tcase_add_test(tc, host_timer_from_callback_and_free_with_pending);
    tcase_add_test(tc, host_lock_is_held_by_callbacks_and_released_while_waiting);
    tcase_add_test(tc, host_stops_on_sigterm);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("cli");
    tcase_add_test(tc, cli_values);
    tcase_add_test(tc, home_paths_and_load);
    tcase_add_test(tc, app_kinds_and_kvstore_clients);
    tcase_add_test(tc, init_refuses_an_existing_home);
    tcase_add_test(tc, inspect_signatures_accepts_own_chain);
    tcase_add_test(tc, inspect_signatures_catches_conflicts);
    tcase_add_test(tc, inspect_signatures_scans_the_wal);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(node_suite)
