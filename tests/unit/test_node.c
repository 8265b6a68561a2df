/* node/: the libuv host, the option helpers, the home layout, app selection. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    ck_assert_int_eq(node_app_genesis_state(NODE_APP_KVSTORE, &state), AG_OK);
    ck_assert_str_eq(state, "{}");
    free(state);

    node_home h;
    memset(&h, 0, sizeof h);
    node_config_default(&h.cfg);
    strcpy(h.cfg.abci_app, "builtin:kvstore");
    node_app *app;
    ck_assert_int_eq(node_app_open(&app, &h), AG_OK);
    abci_arena *arena;
    ck_assert_int_eq(abci_arena_new(&arena, 0), AG_OK);
    abci_req_info req = TENDERMINT__ABCI__REQUEST_INFO__INIT;
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

static Suite *node_suite(void)
{
    Suite *s = suite_create("node");
    TCase *tc = ag_test_tcase("host");
    tcase_add_test(tc, host_timers_fire_in_deadline_order);
    tcase_add_test(tc, host_timer_from_callback_and_free_with_pending);
    tcase_add_test(tc, host_stops_on_sigterm);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("cli");
    tcase_add_test(tc, cli_values);
    tcase_add_test(tc, home_paths_and_load);
    tcase_add_test(tc, app_kinds_and_kvstore_clients);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(node_suite)
