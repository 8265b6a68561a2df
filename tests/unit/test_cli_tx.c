/* The CLI's pure parts: fees from gas prices, coins, YAML workloads, and
 * protobuf-c messages as JSON (oneofs, bytes, 64-bit integers, enums). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/types.pb-c.h"
#include "cli/pb_json.h"
#include "cli/tx_run.h"
#include "cli/workload.h"
#include "cosmos/tx/v1beta1/tx.pb-c.h"
#include "tests/harness/ag_test.h"

static char *amount_str(market_u128 v)
{
    static char s[MARKET_AMOUNT_STR_MAX];
    market_amount_format(s, v);
    return s;
}

START_TEST(fees_from_gas_prices)
{
    market_coin c;
    ck_assert_int_eq(cli_fee_from_price(&c, "0.025uagora", 200000), AG_OK);
    ck_assert_str_eq(amount_str(c.amount), "5000");
    ck_assert_str_eq(c.denom, "uagora");
    ck_assert_int_eq(cli_fee_from_price(&c, "0.0251uagora", 3), AG_OK); /* 0.0753 rounds up */
    ck_assert_str_eq(amount_str(c.amount), "1");
    ck_assert_int_eq(cli_fee_from_price(&c, "2uatom", 7), AG_OK);
    ck_assert_str_eq(amount_str(c.amount), "14");
    ck_assert_int_eq(cli_fee_from_price(&c, "0uagora", 7), AG_OK);
    ck_assert_str_eq(amount_str(c.amount), "0");
    /* the largest price and gas stay exact in 128 bits */
    ck_assert_int_eq(
        cli_fee_from_price(&c, "999999999999999999.999999999999999999uagora", (uint64_t)INT64_MAX),
        AG_OK);
    ck_assert_str_eq(amount_str(c.amount), "9223372036854775806999999999999999991");
    const char *bad[] = {"uagora",
                         "0.025",
                         "1.uagora x",
                         "0.0000000000000000001uagora",
                         "1000000000000000000uagora",
                         "-1uagora",
                         "1 uagora"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cli_fee_from_price(&c, bad[i], 1) == AG_ERR_INVALID_ARG, "accepted %s",
                      bad[i]);
    ck_assert_int_eq(cli_parse_coin(&c, "5000uagora", "x"), AG_OK);
    ck_assert_str_eq(amount_str(c.amount), "5000");
    const char *badc[] = {"0uagora", "uagora", "5", "05uagora", "5u", "5 uagora", "-5uagora"};
    for (size_t i = 0; i < sizeof badc / sizeof badc[0]; i++)
        ck_assert_msg(cli_parse_coin(&c, badc[i], "x") == AG_ERR_INVALID_ARG, "accepted %s",
                      badc[i]);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(yaml_workloads)
{
    char dir[64], file[128];
    ag_test_mkdtemp(dir, "workload");
    snprintf(file, sizeof file, "%s/w.yaml", dir);
    write_file(file, "services:\n"
                     "  web:\n"
                     "    image: nginx:1.25\n"
                     "    command: [nginx, -g, \"daemon off;\"]\n"
                     "    env: {LOG_LEVEL: info}\n"
                     "    replicas: 3\n"
                     "    ports:\n"
                     "      - {port: 80, expose: load-balancer}\n"
                     "      - {port: 53, protocol: udp, expose: node-port}\n"
                     "    resources: {cpu: 500m, memory: 512Mi, storage: 1G}\n"
                     "  gpu-job:\n"
                     "    image: trainer\n"
                     "    env: [A=1, B=x=y]\n"
                     "    resources: {cpu: \"1.5\", memory: 2Gi, gpu: 2, gpu_attributes: {vendor: "
                     "nvidia}}\n"
                     "placement: {region: eu, tier: gold}\n"
                     "pricing: {max_price: 100uagora, deposit: 5000000uagora, auction_blocks: 42, "
                     "auto_award: true}\n");
    cli_workload w;
    ck_assert_msg(cli_workload_load(&w, file) == AG_OK, "%s", ag_err_detail());
    ck_assert_uint_eq(w.summary.n_services, 2);
    ck_assert_uint_eq(w.summary.total.cpu_millis, 3 * 500 + 1500);
    ck_assert_uint_eq(w.summary.total.memory_bytes, 3 * (512ull << 20) + (2ull << 30));
    ck_assert_uint_eq(w.summary.total.storage_bytes, 3 * 1000000000ull);
    ck_assert_uint_eq(w.summary.total.gpus, 2);
    ck_assert_uint_eq(w.summary.total.endpoints, 3 * 2);
    ck_assert_uint_eq(w.placement.n, 2);
    ck_assert_str_eq(w.placement.a[1].key, "tier");
    ck_assert(w.has_max_price && w.has_deposit && w.has_auction_blocks && w.auto_award);
    ck_assert_uint_eq(w.auction_blocks, 42);
    /* the canonical encoding decodes back with the same services */
    Agora__Market__V1__Workload *back =
        agora__market__v1__workload__unpack(NULL, w.canon.len, w.canon.data);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(back->n_services, 2);
    ck_assert_uint_eq(back->services[0]->n_command + back->services[1]->n_command, 3);
    agora__market__v1__workload__free_unpacked(back, NULL);
    cli_workload_free(&w);

    struct {
        const char *text, *want;
    } bad[] = {
        {"services:\n  web:\n    image: x\n    resources: {cpu: 1, memory: 1Gi, disk: 3}\n",
         "line 4: resources.disk: unknown key"},
        {"services: [\n", "line 2"},
        {"services:\n  web:\n    resources: {cpu: 1, memory: 1Gi}\n", "image is required"},
        {"services:\n  web:\n    image: x\n    resources: {cpu: 1m5, memory: 1Gi}\n", "cpu"},
        {"services:\n  web:\n    image: x\n    resources: {cpu: 1, memory: 1Xi}\n", "unknown unit"},
        {"services:\n  web:\n    image: x\n    replicas: 100000\n    resources: {cpu: 1, memory: "
         "1Gi}\n",
         "replicas"},
        {"services:\n  web:\n    image: x\n    ports: [{port: 80, expose: magic}]\n    resources: "
         "{cpu: 1, memory: 1Gi}\n",
         "expose"},
        {"services:\n  Web_1:\n    image: x\n    resources: {cpu: 1, memory: 1Gi}\n", "workload:"},
        {"services:\n  web:\n    image: x\n    resources: {memory: 1Gi}\n", "workload:"},
        {"other: 1\n", "unknown key"},
        {"", "empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(file, bad[i].text);
        ck_assert_msg(cli_workload_load(&w, file) != AG_OK, "accepted case %zu", i);
        ck_assert_msg(strstr(ag_err_detail(), bad[i].want) != NULL, "case %zu: %s", i,
                      ag_err_detail());
    }
    /* a file past the size limit */
    char *big = malloc(CLI_WORKLOAD_FILE_MAX + 10);
    memset(big, '#', CLI_WORKLOAD_FILE_MAX + 9);
    big[CLI_WORKLOAD_FILE_MAX + 9] = '\0';
    write_file(file, big);
    free(big);
    ck_assert_int_eq(cli_workload_load(&w, file), AG_ERR_TOO_LARGE);
    snprintf(file, sizeof file, "%s/missing.yaml", dir);
    ck_assert_int_eq(cli_workload_load(&w, file), AG_ERR_NOT_FOUND);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(pb_json_shapes)
{
    /* a oneof: only the selected member appears */
    Cosmos__Tx__V1beta1__ModeInfo__Single single = COSMOS__TX__V1BETA1__MODE_INFO__SINGLE__INIT;
    single.mode = COSMOS__TX__SIGNING__V1BETA1__SIGN_MODE__SIGN_MODE_DIRECT;
    Cosmos__Tx__V1beta1__ModeInfo mi = COSMOS__TX__V1BETA1__MODE_INFO__INIT;
    mi.sum_case = COSMOS__TX__V1BETA1__MODE_INFO__SUM_SINGLE;
    mi.single = &single;
    json_t *j = cli_pb_to_json(&mi.base);
    char *s = json_dumps(j, JSON_COMPACT);
    ck_assert_str_eq(s, "{\"single\":{\"mode\":\"SIGN_MODE_DIRECT\"}}");
    free(s);
    json_decref(j);
    /* bytes: printable as text, others as base64; uint64 as a string; repeated */
    Agora__Market__V1__Attribute at = AGORA__MARKET__V1__ATTRIBUTE__INIT, *ats[1] = {&at};
    at.key = (ProtobufCBinaryData){6, (uint8_t *)(uintptr_t) "region"};
    at.value = (ProtobufCBinaryData){2, (uint8_t *)(uintptr_t) "\x01\xff"};
    Agora__Market__V1__Resources r = AGORA__MARKET__V1__RESOURCES__INIT;
    r.cpu_millis = UINT64_MAX;
    r.n_gpu_attributes = 1;
    r.gpu_attributes = ats;
    j = cli_pb_to_json(&r.base);
    s = json_dumps(j, JSON_COMPACT);
    ck_assert_str_eq(s, "{\"cpu_millis\":\"18446744073709551615\",\"memory_bytes\":\"0\","
                        "\"storage_bytes\":\"0\",\"gpus\":\"0\",\"endpoints\":\"0\","
                        "\"gpu_attributes\":[{\"key\":\"region\",\"value\":\"Af8=\"}]}");
    free(s);
    /* and as text */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cli_print_text(f, j, 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "cpu_millis: 18446744073709551615\n"));
    ck_assert_ptr_nonnull(strstr(text, "gpu_attributes:\n  -\n    key: region\n    value: Af8=\n"));
    free(text);
    json_decref(j);
}
END_TEST

static Suite *cli_tx_suite(void)
{
    Suite *s = suite_create("cli_tx");
    TCase *tc = ag_test_tcase("tx");
    tcase_add_test(tc, fees_from_gas_prices);
    tcase_add_test(tc, yaml_workloads);
    tcase_add_test(tc, pb_json_shapes);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cli_tx_suite)
