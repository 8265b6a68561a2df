/* `agora light` pieces that need no node: durations and trust levels as
 * typed on the command line, repeatable options, and the config file
 * (round trip; a damaged or hostile file refused naming its field). The
 * commands themselves run against a real chain in
 * tests/integration/test_cli_light.sh. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/keyring.h"
#include "cli/light_config.h"
#include "tests/harness/ag_test.h"

START_TEST(durations)
{
    static const struct {
        const char *in;
        int64_t ns;
    } ok[] = {{"336h", 336LL * 3600 * 1000000000},
              {"14d", 14LL * 86400 * 1000000000},
              {"10s", 10LL * 1000000000},
              {"1h30m", 5400LL * 1000000000},
              {"500ms", 500000000},
              {"7us", 7000},
              {"1ns", 1},
              {"9223372036854775807ns", INT64_MAX}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t ns = -1;
        ck_assert_msg(cli_parse_duration(ok[i].in, &ns) == AG_OK, "%s", ok[i].in);
        ck_assert_int_eq(ns, ok[i].ns);
    }
    static const char *const bad[] = {"",
                                      "10",
                                      "h",
                                      "10x",
                                      "-1s",
                                      "1.5h",
                                      "0s",
                                      "1 h",
                                      "10sm",
                                      "s10",
                                      "3000000000000d",
                                      "9223372036854775808ns",
                                      "106751d23h47m16s854ms775us808ns"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ns = 1;
        ck_assert_msg(cli_parse_duration(bad[i], &ns) == AG_ERR_INVALID_ARG, "%s", bad[i]);
        ck_assert_int_eq(ns, 0);
    }
}
END_TEST

START_TEST(trust_levels)
{
    light_trust_level l;
    ck_assert_int_eq(cli_parse_trust_level("1/3", &l), AG_OK);
    ck_assert(l.num == 1 && l.den == 3);
    ck_assert_int_eq(cli_parse_trust_level("2/3", &l), AG_OK);
    ck_assert(l.num == 2 && l.den == 3);
    static const char *const bad[] = {"",     "1",     "1/",           "/3",
                                      "0/3",  "1/0",   "1/3x",         "-1/3",
                                      " 1/3", "1/3/4", "4294967297/1", "1/18446744073709551617"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cli_parse_trust_level(bad[i], &l) == AG_ERR_INVALID_ARG, "%s", bad[i]);
}
END_TEST

START_TEST(repeatable_options)
{
    cli_args a;
    const char *argv[] = {"light",  "init", "--witness", "http://a", "--witness=http://b",
                          "--force"};
    ck_assert_int_eq(cli_args_parse(&a, 6, argv), AG_OK);
    const char *w[2];
    ag_err err;
    ck_assert_uint_eq(cli_args_all(&a, "witness", w, 2, &err), 2);
    ck_assert_int_eq(err, AG_OK);
    ck_assert_str_eq(w[0], "http://a");
    ck_assert_str_eq(w[1], "http://b");
    ck_assert_uint_eq(cli_args_all(&a, "witness", w, 1, &err), 1);
    ck_assert_int_eq(err, AG_ERR_TOO_LARGE);
    ck_assert_int_eq(cli_args_unused(&a), AG_ERR_INVALID_ARG); /* --force not read */
    ck_assert(cli_args_has(&a, "force"));
    ck_assert_int_eq(cli_args_unused(&a), AG_OK);
}
END_TEST

/* Rewrite one field of the config file (NULL value: delete it). */
static void set_field(const char *home, const char *field, json_t *value)
{
    char path[CLI_PATH_MAX];
    ck_assert_int_eq(cli_light_config_path(path, sizeof path, home), AG_OK);
    json_error_t e;
    json_t *o = json_load_file(path, 0, &e);
    ck_assert_ptr_nonnull(o);
    if (value)
        json_object_set_new(o, field, value);
    else
        json_object_del(o, field);
    ck_assert_int_eq(json_dump_file(o, path, 0), 0);
    json_decref(o);
}

START_TEST(config_file)
{
    char home[64];
    ag_test_mkdtemp(home, "cli_light");
    cli_light_config c = {0}, got;
    ck_assert_int_eq(cli_light_config_load(home, &got), AG_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "agora light init"));
    snprintf(c.chain_id, sizeof c.chain_id, "agora-1");
    c.trust.height = 42;
    for (int i = 0; i < 32; i++)
        c.trust.hash.b[i] = (uint8_t)(i * 7);
    c.trust.trusting_period_ns = 336LL * 3600 * 1000000000;
    c.trust.max_clock_drift_ns = 0;
    c.trust.level = (light_trust_level){2, 3};
    c.n_witnesses = 2;
    snprintf(c.witnesses[0], LIGHT_URL_MAX, "http://127.0.0.1:1");
    snprintf(c.witnesses[1], LIGHT_URL_MAX, "https://w.example:443");
    ck_assert_int_eq(cli_light_config_save(home, &c), AG_OK);
    ck_assert_int_eq(cli_light_config_load(home, &got), AG_OK);
    ck_assert_str_eq(got.chain_id, "agora-1");
    ck_assert_int_eq(got.trust.height, 42);
    ck_assert_mem_eq(got.trust.hash.b, c.trust.hash.b, 32);
    ck_assert_int_eq(got.trust.trusting_period_ns, c.trust.trusting_period_ns);
    ck_assert_int_eq(got.trust.max_clock_drift_ns, 0);
    ck_assert(got.trust.level.num == 2 && got.trust.level.den == 3);
    ck_assert_uint_eq(got.n_witnesses, 2);
    ck_assert_str_eq(got.witnesses[0], c.witnesses[0]);
    ck_assert_str_eq(got.witnesses[1], c.witnesses[1]);
    char path[CLI_PATH_MAX];
    struct stat st;
    ck_assert_int_eq(cli_light_config_path(path, sizeof path, home), AG_OK);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);

    /* each damaged field refused, naming it */
    static const struct {
        const char *field, *json; /* json NULL: field removed */
    } bad[] = {{"version", "2"},
               {"chain_id", "\"\""},
               {"chain_id", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""},
               {"trust_height", "0"},
               {"trust_height", "\"1\""},
               {"trust_hash", "\"00\""},
               {"trust_hash", NULL},
               {"trusting_period_ns", "-1"},
               {"max_clock_drift_ns", "-1"},
               {"trust_level", "\"1/0\""},
               {"witnesses", "[1]"},
               {"witnesses", "{}"},
               {"witnesses", "[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
                             "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(cli_light_config_save(home, &c), AG_OK);
        json_error_t e;
        set_field(home, bad[i].field, bad[i].json ? json_loads(bad[i].json, 0, &e) : NULL);
        ck_assert_msg(cli_light_config_load(home, &got) == AG_ERR_DECODE, "%s", bad[i].field);
        ck_assert_msg(strstr(ag_err_detail(), bad[i].field), "%s: %s", bad[i].field,
                      ag_err_detail());
    }
    /* not JSON, and too large */
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"version\": 1,", f);
    fclose(f);
    ck_assert_int_eq(cli_light_config_load(home, &got), AG_ERR_DECODE);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i <= CLI_LIGHT_CONFIG_MAX; i++)
        fputc(' ', f);
    fclose(f);
    ck_assert_int_eq(cli_light_config_load(home, &got), AG_ERR_DECODE);
    ag_test_rmdir(home);
}
END_TEST

static Suite *cli_light_suite(void)
{
    Suite *s = suite_create("cli_light");
    TCase *tc = ag_test_tcase("light");
    tcase_add_test(tc, durations);
    tcase_add_test(tc, trust_levels);
    tcase_add_test(tc, repeatable_options);
    tcase_add_test(tc, config_file);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cli_light_suite)
