/* test_node_testnet.c — `agorad testnet`: the homes of a local network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus/privval.h"
#include "crypto/address.h"
#include "genesis/genesis.h"
#include "node/cli.h"
#include "node/home.h"
#include "node/node_key.h"
#include "tests/harness/ag_test.h"

#define TN 3

static int run(const char *const *args)
{
    char *argv[16];
    int argc = 0;
    for (; args[argc] && argc < 15; argc++)
        argv[argc] = strdup(args[argc]);
    argv[argc] = NULL;
    int rc = node_cmd_testnet(argc, argv);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 1 << 16);
    ck_assert_uint_gt(fread(buf, 1, (1 << 16) - 1, f), 0);
    fclose(f);
    return buf;
}

START_TEST(testnet_homes_form_one_network)
{
    char dir[64], out[128];
    ag_test_mkdtemp(dir, "node_testnet");
    snprintf(out, sizeof out, "%s/net", dir);
    const char *args[] = {"--validators", "3",     "--output", out,          "--app", "kvstore",
                          "--base-port",  "45000", "--fast",   "--chain-id", "tn-1",  NULL};
    ck_assert_int_eq(run(args), 0);

    node_home h[TN];
    node_key keys[TN];
    char *genesis0 = NULL;
    for (int i = 0; i < TN; i++) {
        char home[160];
        snprintf(home, sizeof home, "%s/node%d", out, i);
        ck_assert_msg(node_home_load(&h[i], home) == AG_OK, "%s", ag_err_detail());
        const node_config *c = &h[i].cfg;
        ck_assert_int_eq(c->timeouts, NODE_TIMEOUTS_FAST);
        ck_assert_str_eq(c->abci_app, "builtin:kvstore");
        ck_assert(!c->p2p_pex);
        ck_assert(c->p2p_allow_loopback_duplicate_ip);
        char want[64];
        snprintf(want, sizeof want, "tcp://127.0.0.1:%d", 45000 + 10 * i);
        ck_assert_str_eq(c->p2p_laddr, want);
        snprintf(want, sizeof want, "tcp://127.0.0.1:%d", 45000 + 10 * i + 1);
        ck_assert_str_eq(c->rpc_laddr, want);
        ck_assert_uint_eq(c->n_persistent_peers, TN - 1);
        ck_assert_int_eq(node_key_load(&keys[i], h[i].node_key_file), AG_OK);
        /* One genesis, byte for byte. */
        char *g = slurp(h[i].genesis_file);
        if (!genesis0)
            genesis0 = g;
        else {
            ck_assert_str_eq(g, genesis0);
            free(g);
        }
    }
    free(genesis0);

    genesis_doc doc;
    ck_assert_int_eq(genesis_doc_load(&doc, h[0].genesis_file), AG_OK);
    ck_assert_str_eq(doc.chain_id, "tn-1");
    ck_assert_uint_eq(doc.n_validators, TN);
    for (int i = 0; i < TN; i++) {
        ck_assert_int_eq(doc.validators[i].power, 10);
        /* Node i's own validator key is genesis validator i. */
        cons_privval *pv;
        ck_assert_int_eq(cons_privval_load(&pv, h[i].privval_key_file, h[i].privval_state_file),
                         AG_OK);
        ck_assert(crypto_address_equal(&doc.validators[i].address, cons_privval_address(pv)));
        cons_privval_free(pv);
        /* Peers: every other node's ID and P2P port, never itself. */
        for (int j = 0, k = 0; j < TN; j++) {
            if (j == i)
                continue;
            char peer[128];
            snprintf(peer, sizeof peer, "%s@127.0.0.1:%d", keys[j].id, 45000 + 10 * j);
            ck_assert_str_eq(h[i].cfg.persistent_peers[k++], peer);
            ck_assert_str_ne(keys[i].id, keys[j].id);
        }
    }
    genesis_doc_free(&doc);
    for (int i = 0; i < TN; i++)
        node_key_wipe(&keys[i]);

    /* An existing network is refused, its keys untouched. */
    char *before = slurp(h[1].privval_key_file);
    ck_assert_int_eq(run(args), 1);
    char *after = slurp(h[1].privval_key_file);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    ag_test_rmdir(dir);
}
END_TEST

/* --full-nodes: homes with the same genesis whose keys are not in it; a full
 * node dials every other node, the validators dial only validators. */
START_TEST(testnet_full_nodes_are_not_validators)
{
    char dir[64], out[128];
    ag_test_mkdtemp(dir, "node_testnet_full");
    snprintf(out, sizeof out, "%s/net", dir);
    const char *args[] = {"--validators", "2",       "--full-nodes", "2",     "--output", out,
                          "--app",        "kvstore", "--base-port",  "46000", NULL};
    ck_assert_int_eq(run(args), 0);
    enum { V = 2, ALL = 4 };
    node_home h[ALL];
    node_key keys[ALL];
    for (int i = 0; i < ALL; i++) {
        char home[160];
        snprintf(home, sizeof home, "%s/node%d", out, i);
        ck_assert_msg(node_home_load(&h[i], home) == AG_OK, "%s", ag_err_detail());
        ck_assert_int_eq(node_key_load(&keys[i], h[i].node_key_file), AG_OK);
    }
    char *genesis0 = slurp(h[0].genesis_file);
    genesis_doc doc;
    ck_assert_int_eq(genesis_doc_load(&doc, h[0].genesis_file), AG_OK);
    ck_assert_uint_eq(doc.n_validators, V);
    for (int i = 0; i < ALL; i++) {
        char *g = slurp(h[i].genesis_file);
        ck_assert_str_eq(g, genesis0);
        free(g);
        cons_privval *pv;
        ck_assert_int_eq(cons_privval_load(&pv, h[i].privval_key_file, h[i].privval_state_file),
                         AG_OK);
        bool in_set = false;
        for (size_t v = 0; v < doc.n_validators; v++)
            in_set |= crypto_address_equal(&doc.validators[v].address, cons_privval_address(pv));
        cons_privval_free(pv);
        ck_assert_int_eq(in_set, i < V);
        const node_config *c = &h[i].cfg;
        ck_assert_uint_eq(c->n_persistent_peers, i < V ? V - 1 : ALL - 1);
        for (size_t k = 0; k < c->n_persistent_peers; k++) {
            bool names_full = false;
            for (int j = V; j < ALL; j++)
                names_full |= strncmp(c->persistent_peers[k], keys[j].id, NODE_ID_LEN) == 0;
            ck_assert(!(i < V && names_full));
            ck_assert(strncmp(c->persistent_peers[k], keys[i].id, NODE_ID_LEN) != 0);
        }
    }
    genesis_doc_free(&doc);
    free(genesis0);
    for (int i = 0; i < ALL; i++)
        node_key_wipe(&keys[i]);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(testnet_usage_errors)
{
    char dir[64], out[128];
    ag_test_mkdtemp(dir, "node_testnet_bad");
    snprintf(out, sizeof out, "%s/net", dir);
    const char *no_n[] = {"--output", out, NULL};
    const char *no_out[] = {"--validators", "2", NULL};
    const char *zero[] = {"--validators", "0", "--output", out, NULL};
    const char *many[] = {"--validators", "65", "--output", out, NULL};
    const char *ports[] = {"--validators", "4", "--output", out, "--base-port", "65520", NULL};
    const char *low[] = {"--validators", "4", "--output", out, "--base-port", "80", NULL};
    const char *app[] = {"--validators", "2", "--output", out, "--app", "x", NULL};
    const char *chain[] = {"--validators", "2", "--output", out, "--chain-id", "", NULL};
    const char *bogus[] = {"--validators", "2", "--output", out, "--bogus", NULL};
    const char *full_many[] = {"--validators", "60", "--full-nodes", "5", "--output", out, NULL};
    const char *full_neg[] = {"--validators", "2", "--full-nodes", "-1", "--output", out, NULL};
    const char *full_ports[] = {
        "--validators", "2", "--full-nodes", "2", "--output", out, "--base-port", "65510", NULL};
    const char *const *bad[] = {no_n, no_out, zero,  many,      ports,    low,
                                app,  chain,  bogus, full_many, full_neg, full_ports};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(run(bad[i]), 2);
        ck_assert_int_ne(access(out, F_OK), 0); /* nothing written */
    }
    ag_test_rmdir(dir);
}
END_TEST

static Suite *testnet_suite(void)
{
    Suite *s = suite_create("node_testnet");
    TCase *tc = ag_test_tcase("testnet");
    tcase_add_test(tc, testnet_homes_form_one_network);
    tcase_add_test(tc, testnet_full_nodes_are_not_validators);
    tcase_add_test(tc, testnet_usage_errors);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(testnet_suite)
