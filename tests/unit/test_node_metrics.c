/* The [feed]/[instrumentation] config keys, the Prometheus text of node/metrics.c (exact samples,
 * cumulative buckets, label escaping, every line of the exposition grammar) and the /metrics
 * listener (200, 404, 400 for garbage) over a real socket. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/config.h"
#include "node/metrics.h"
#include "node/metrics_server.h"
#include "tests/harness/ag_test.h"

static char *render(node_metrics *m)
{
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_int_eq(node_metrics_render_locked(m, &b), AG_OK);
    ck_assert_int_eq(ag_buf_append_byte(&b, 0), AG_OK);
    return (char *)b.data;
}

static void has_line(const char *text, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "\n%s\n", line);
    if (!strstr(text, want))
        ck_abort_msg("missing line: %s", line);
}

START_TEST(text_format_samples)
{
    node_metrics m;
    node_metrics_init(&m, "test-chain");
    m.v.height = 42;
    m.v.round = 1;
    m.v.total_txs = 7;
    m.v.mempool_size = 3;
    m.v.mempool_bytes = 99;
    m.v.peers = 2;
    node_histogram_observe(&m.v.block_interval, 0.004);  /* bucket le=0.005 */
    node_histogram_observe(&m.v.block_interval, 0.3);    /* le=0.5 */
    node_histogram_observe(&m.v.block_interval, 1000.0); /* +Inf only */
    node_histogram_observe(&m.v.check_tx, 0.001);        /* le=0.001 exactly */
    node_histogram_observe(&m.v.block_txs, 0);
    char *t = render(&m);
    has_line(t, "# TYPE agora_consensus_height gauge");
    has_line(t, "agora_consensus_height{chain_id=\"test-chain\"} 42");
    has_line(t, "agora_consensus_rounds{chain_id=\"test-chain\"} 1");
    has_line(t, "agora_consensus_total_txs{chain_id=\"test-chain\"} 7");
    has_line(t, "agora_mempool_size{chain_id=\"test-chain\"} 3");
    has_line(t, "agora_mempool_size_bytes{chain_id=\"test-chain\"} 99");
    has_line(t, "agora_p2p_peers{chain_id=\"test-chain\"} 2");
    has_line(t, "# TYPE agora_consensus_block_interval_seconds histogram");
    /* cumulative buckets */
    has_line(
        t,
        "agora_consensus_block_interval_seconds_bucket{chain_id=\"test-chain\",le=\"0.0025\"} 0");
    has_line(
        t, "agora_consensus_block_interval_seconds_bucket{chain_id=\"test-chain\",le=\"0.005\"} 1");
    has_line(
        t, "agora_consensus_block_interval_seconds_bucket{chain_id=\"test-chain\",le=\"0.25\"} 1");
    has_line(t,
             "agora_consensus_block_interval_seconds_bucket{chain_id=\"test-chain\",le=\"0.5\"} 2");
    has_line(t,
             "agora_consensus_block_interval_seconds_bucket{chain_id=\"test-chain\",le=\"60\"} 2");
    has_line(
        t, "agora_consensus_block_interval_seconds_bucket{chain_id=\"test-chain\",le=\"+Inf\"} 3");
    has_line(t, "agora_consensus_block_interval_seconds_count{chain_id=\"test-chain\"} 3");
    has_line(t, "agora_consensus_block_interval_seconds_sum{chain_id=\"test-chain\"} 1000.304");
    has_line(t,
             "agora_abci_method_timing_seconds_bucket{method=\"check_tx\",chain_id=\"test-chain\","
             "le=\"0.001\"} 1");
    has_line(t, "agora_abci_method_timing_seconds_count{method=\"finalize_block\",chain_id=\"test-"
                "chain\"} 0");
    has_line(t, "agora_consensus_block_txs_bucket{chain_id=\"test-chain\",le=\"0\"} 1");
    /* one TYPE line per metric family, even with three label sets */
    const char *type = "# TYPE agora_abci_method_timing_seconds histogram";
    char *first = strstr(t, type);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, type));
    /* every line: a comment, or name{labels} value */
    regex_t re;
    ck_assert_int_eq(
        regcomp(&re,
                "^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|"
                "[a-zA-Z_:][a-zA-Z0-9_:]*\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\} "
                "([-+0-9.eE]+|[+]Inf|NaN))$",
                REG_EXTENDED | REG_NOSUB),
        0);
    ck_assert(t[strlen(t) - 1] == '\n');
    int lines = 0;
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"), lines++)
        if (regexec(&re, line, 0, NULL, 0) != 0)
            ck_abort_msg("not exposition format: %s", line);
    ck_assert_int_gt(lines, 100);
    ck_assert_int_ne(regexec(&re, "agora_x{chain_id=\"a\"}", 0, NULL, 0),
                     0); /* the regex can fail */
    regfree(&re);
    free(t);
    node_metrics_destroy(&m);
}
END_TEST

START_TEST(label_values_are_escaped)
{
    node_metrics m;
    node_metrics_init(&m, "a\"b\\c\nd");
    char *t = render(&m);
    has_line(t, "agora_consensus_height{chain_id=\"a\\\"b\\\\c\\nd\"} 0");
    free(t);
    node_metrics_destroy(&m);
}
END_TEST

/* One request on a fresh connection; the whole answer. */
static char *http(int port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    ssize_t n;
    while ((n = recv(fd, out + len, cap - 1 - len, 0)) > 0)
        len += (size_t)n;
    out[len] = 0;
    close(fd);
    return out;
}

START_TEST(server_answers_metrics_only)
{
    node_metrics m;
    node_metrics_init(&m, "srv");
    m.v.height = 5;
    node_metrics_server *s;
    ck_assert_int_eq(node_metrics_server_start(&s, "tcp://127.0.0.1:0", &m), AG_OK);
    int port = node_metrics_server_port(s);
    ck_assert_int_gt(port, 0);
    char *r = http(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 200"));
    ck_assert_ptr_nonnull(strstr(r, "text/plain; version=0.0.4"));
    ck_assert_ptr_nonnull(strstr(r, "\nagora_consensus_height{chain_id=\"srv\"} 5\n"));
    free(r);
    pthread_mutex_lock(&m.mu);
    m.v.height = 6;
    pthread_mutex_unlock(&m.mu);
    r = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
    ck_assert_ptr_nonnull(strstr(r, "\nagora_consensus_height{chain_id=\"srv\"} 6\n"));
    free(r);
    r = http(port, "GET /status HTTP/1.1\r\n\r\n");
    ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 404"));
    free(r);
    r = http(port, "\x01\x02garbage\r\n\r\n");
    ck_assert_ptr_nonnull(strstr(r, " 400 "));
    free(r);
    node_metrics_server_free(s);
    ck_assert_int_eq(node_metrics_server_start(&s, "127.0.0.1:0", &m), AG_ERR_INVALID_ARG);
    node_metrics_destroy(&m);
}
END_TEST

/* The operator keys: [feed] and [instrumentation] parse and validate; the
 * old section names are unknown (a typo must not become a default). */
START_TEST(config_keys)
{
    node_config c;
    node_config_default(&c);
    ck_assert(!c.prometheus);
    ck_assert_str_eq(c.metrics_laddr, "tcp://127.0.0.1:26660");
    ck_assert_str_eq(c.events_pub_url, "");
    const char *ok = "[feed]\npub_listen = tcp://127.0.0.1:26670\nrep_listen = ipc:///tmp/x\n"
                     "[instrumentation]\nprometheus = true\n"
                     "prometheus_listen_addr = tcp://0.0.0.0:9100\n";
    ck_assert_int_eq(node_config_parse(&c, ok, "t"), AG_OK);
    ck_assert(c.prometheus);
    ck_assert_str_eq(c.events_pub_url, "tcp://127.0.0.1:26670");
    ck_assert_str_eq(c.events_rep_url, "ipc:///tmp/x");
    ck_assert_str_eq(c.metrics_laddr, "tcp://0.0.0.0:9100");
    node_config_default(&c);
    ck_assert_int_eq(node_config_parse(&c, "[feed]\npub_listen = 127.0.0.1:1\n", "t"),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(node_config_parse(&c,
                                       "[instrumentation]\nprometheus = true\n"
                                       "prometheus_listen_addr = :26660\n",
                                       "t"),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(node_config_parse(&c, "[events]\npub_url = tcp://127.0.0.1:1\n", "t"),
                     AG_ERR_DECODE);
    ck_assert_int_eq(node_config_parse(&c, "[metrics]\nladdr = tcp://127.0.0.1:1\n", "t"),
                     AG_ERR_DECODE);
    /* what init writes reads back the same */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    node_config_default(&c);
    ck_assert_int_eq(node_config_write(&c, f), AG_OK);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "\n[feed]\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n[instrumentation]\n"));
    node_config back;
    node_config_default(&back);
    back.prometheus = true;
    ck_assert_int_eq(node_config_parse(&back, text, "written"), AG_OK);
    ck_assert(!back.prometheus);
    free(text);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("node_metrics");
    TCase *tc = ag_test_tcase("metrics");
    tcase_add_test(tc, text_format_samples);
    tcase_add_test(tc, label_values_are_escaped);
    tcase_add_test(tc, server_answers_metrics_only);
    tcase_add_test(tc, config_keys);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(metrics_suite)
