/* genesis/, node/config, node/node_key, lib/rfc3339, consensus/params: the node's files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "consensus/params.h"
#include "genesis/genesis.h"
#include "genesis/json.h"
#include "lib/hex.h"
#include "lib/rfc3339.h"
#include "node/config.h"
#include "node/node_key.h"
#include "tests/harness/ag_test.h"

/* ---- RFC 3339 ---- */

START_TEST(rfc3339_vectors)
{
    static const struct {
        int64_t s;
        int32_t ns;
        const char *text;
    } v[] = {
        {0, 0, "1970-01-01T00:00:00Z"},
        {-62135596800LL, 0, "0001-01-01T00:00:00Z"},
        {253402300799LL, 999999999, "9999-12-31T23:59:59.999999999Z"},
        {951782400, 0, "2000-02-29T00:00:00Z"},
        {1546300800, 500000000, "2019-01-01T00:00:00.5Z"},
        {1546300800, 1, "2019-01-01T00:00:00.000000001Z"},
        {-1, 0, "1969-12-31T23:59:59Z"},
        {1795478400, 120000000, "2026-11-24T00:00:00.12Z"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[AG_RFC3339_MAX];
        ck_assert_int_eq(ag_rfc3339_format(out, v[i].s, v[i].ns), AG_OK);
        ck_assert_str_eq(out, v[i].text);
        int64_t s;
        int32_t ns;
        ck_assert_int_eq(ag_rfc3339_parse(v[i].text, strlen(v[i].text), &s, &ns), AG_OK);
        ck_assert_int_eq(s, v[i].s);
        ck_assert_int_eq(ns, v[i].ns);
    }
    int64_t s;
    int32_t ns;
    /* Offsets are converted to UTC; lower-case t/z are RFC 3339. */
    ck_assert_int_eq(ag_rfc3339_parse("1970-01-01T01:00:00+01:00", 25, &s, &ns), AG_OK);
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(ag_rfc3339_parse("1969-12-31t19:00:00.25-05:00", 28, &s, &ns), AG_OK);
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(ns, 250000000);
    ck_assert_int_eq(ag_rfc3339_parse("1970-01-01t00:00:00z", 20, &s, &ns), AG_OK);
    char out[AG_RFC3339_MAX];
    ck_assert_int_eq(ag_rfc3339_format(out, 253402300800LL, 0), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(ag_rfc3339_format(out, 0, 1000000000), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(ag_rfc3339_format(out, 0, -1), AG_ERR_INVALID_ARG);
}
END_TEST

START_TEST(rfc3339_rejects)
{
    static const char *bad[] = {
        "",
        "2019-01-01",
        "2019-01-01T00:00:00",  /* no zone */
        "2019-02-29T00:00:00Z", /* not a leap year */
        "1900-02-29T00:00:00Z", /* century rule */
        "2019-13-01T00:00:00Z",
        "2019-00-01T00:00:00Z",
        "2019-04-31T00:00:00Z",
        "2019-01-01T24:00:00Z",
        "2019-01-01T00:60:00Z",
        "2019-01-01T00:00:60Z", /* no leap seconds, like Go */
        "2019-01-01T00:00:00.Z",
        "2019-01-01T00:00:00.1234567890Z",
        "2019-01-01T00:00:00Zjunk",
        "2019-01-01T00:00:00+1:00",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+00:01", /* before year 1 in UTC */
        "9999-12-31T23:59:59-00:01", /* after year 9999 in UTC */
        "+019-01-01T00:00:00Z",
        "2019-01-01 00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t s = 7;
        int32_t ns = 7;
        ck_assert_msg(ag_rfc3339_parse(bad[i], strlen(bad[i]), &s, &ns) == AG_ERR_DECODE, "%s",
                      bad[i]);
        ck_assert_int_eq(s, 0);
        ck_assert_int_eq(ns, 0);
    }
}
END_TEST

START_TEST(rfc3339_round_trip_random)
{
    ag_rng rng;
    ag_test_rng(&rng, 1);
    uint64_t iters = ag_test_iters(20000, 2000000);
    const uint64_t span = 253402300799ULL + 62135596800ULL + 1;
    for (uint64_t i = 0; i < iters; i++) {
        int64_t s = (int64_t)ag_rng_below(&rng, span) - 62135596800LL;
        int32_t ns = (int32_t)ag_rng_below(&rng, 1000000000);
        if (i % 3 == 0)
            ns = 0;
        char out[AG_RFC3339_MAX];
        ck_assert_int_eq(ag_rfc3339_format(out, s, ns), AG_OK);
        int64_t s2;
        int32_t ns2;
        ck_assert_int_eq(ag_rfc3339_parse(out, strlen(out), &s2, &ns2), AG_OK);
        ck_assert_int_eq(s2, s);
        ck_assert_int_eq(ns2, ns);
    }
}
END_TEST

/* ---- consensus params ---- */

START_TEST(params_default_hash_matches_cometbft)
{
    cons_params p;
    cons_params_default(&p);
    ck_assert_int_eq(cons_params_validate(&p), AG_OK);
    crypto_hash h;
    ck_assert_int_eq(cons_params_hash(&h, &p), AG_OK);
    /* The consensus_hash of every CometBFT chain on default block params
     * (tendermint-rs test hash_matches_go; seen in public block headers). */
    uint8_t want[32];
    ag_test_unhex(want, 32, "048091bc7ddc283f77bfbf91d73c44da58c3df8a9cbc867405d8b7f3daada22f");
    ck_assert_mem_eq(h.b, want, 32);
}
END_TEST

START_TEST(params_validate_and_codec)
{
    cons_params p, q;
    cons_params_default(&p);
    ag_buf b;
    ag_buf_init(&b, 1024);
    ck_assert_int_eq(cons_params_encode(&b, &p), AG_OK);
    ck_assert_int_eq(cons_params_decode(&q, b.data, b.len), AG_OK);
    ck_assert_mem_eq(&p, &q, sizeof p);
    ag_buf_free(&b);

    q = p;
    q.block_max_bytes = 0;
    ck_assert_int_eq(cons_params_validate(&q), AG_ERR_INVALID_ARG);
    q.block_max_bytes = -1;
    ck_assert_int_eq(cons_params_validate(&q), AG_OK);
    ck_assert_int_eq(cons_params_max_block_bytes(&q), 100 * 1024 * 1024);
    q.block_max_bytes = -2;
    ck_assert_int_eq(cons_params_validate(&q), AG_ERR_INVALID_ARG);
    q = p;
    q.block_max_gas = -2;
    ck_assert_int_eq(cons_params_validate(&q), AG_ERR_INVALID_ARG);
    q = p;
    q.evidence_max_bytes = p.block_max_bytes + 1;
    ck_assert_int_eq(cons_params_validate(&q), AG_ERR_INVALID_ARG);
    q = p;
    q.evidence_max_age_ns = 0;
    ck_assert_int_eq(cons_params_validate(&q), AG_ERR_INVALID_ARG);
    q = p;
    strcpy(q.pub_key_types[0], "ed25519");
    ck_assert_int_eq(cons_params_validate(&q), AG_ERR_UNSUPPORTED);
    q = p;
    q.n_pub_key_types = 0;
    ck_assert_int_eq(cons_params_validate(&q), AG_ERR_INVALID_ARG);

    uint8_t junk[600] = {0};
    ck_assert_int_eq(cons_params_decode(&q, junk, sizeof junk), AG_ERR_TOO_LARGE);
    ck_assert_int_eq(cons_params_decode(&q, (const uint8_t *)"\xff\xff", 2), AG_ERR_DECODE);
}
END_TEST

START_TEST(params_update_rules)
{
    cons_params p;
    cons_params_default(&p);
    Tendermint__Types__ConsensusParams upd = TENDERMINT__TYPES__CONSENSUS_PARAMS__INIT;
    Tendermint__Types__BlockParams block = TENDERMINT__TYPES__BLOCK_PARAMS__INIT;
    block.max_bytes = 1 << 20;
    block.max_gas = 5000000;
    upd.block = &block;
    ck_assert_int_eq(cons_params_update(&p, &upd, 10), AG_OK);
    ck_assert_int_eq(p.block_max_bytes, 1 << 20);
    ck_assert_int_eq(p.evidence_max_age_num_blocks, 100000); /* untouched group */
    /* An invalid update leaves the params as they were. */
    block.max_bytes = 0;
    ck_assert_int_eq(cons_params_update(&p, &upd, 10), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(p.block_max_bytes, 1 << 20);
    /* Vote extensions: enable in the future, then no moving them once passed. */
    Tendermint__Types__ConsensusParams upd2 = TENDERMINT__TYPES__CONSENSUS_PARAMS__INIT;
    Tendermint__Types__ABCIParams abci = TENDERMINT__TYPES__ABCIPARAMS__INIT;
    upd2.abci = &abci;
    abci.vote_extensions_enable_height = 10;
    ck_assert_int_eq(cons_params_update(&p, &upd2, 10), AG_ERR_INVALID_ARG);
    abci.vote_extensions_enable_height = 12;
    ck_assert_int_eq(cons_params_update(&p, &upd2, 10), AG_OK);
    abci.vote_extensions_enable_height = 0;
    ck_assert_int_eq(cons_params_update(&p, &upd2, 12), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_params_update(&p, &upd2, 11), AG_OK);
}
END_TEST

/* ---- genesis ---- */

#define GENESIS_FMT                                                                                \
    "{\n"                                                                                          \
    "  \"genesis_time\": \"2026-11-24T12:00:00.5Z\",\n"                                            \
    "  \"chain_id\": \"agora-test\",\n"                                                            \
    "  \"initial_height\": \"1\",\n"                                                               \
    "  \"consensus_params\": {\n"                                                                  \
    "    \"block\": {\"max_bytes\": \"4194304\", \"max_gas\": \"-1\"},\n"                          \
    "    \"evidence\": {\"max_age_num_blocks\": \"100000\", \"max_age_duration\": "                \
    "\"172800000000000\", \"max_bytes\": \"1048576\"},\n"                                          \
    "    \"validator\": {\"pub_key_types\": [\"secp256k1\"]},\n"                                   \
    "    \"version\": {\"app\": \"0\"},\n"                                                         \
    "    \"abci\": {\"vote_extensions_enable_height\": \"0\"}\n"                                   \
    "  },\n"                                                                                       \
    "  \"validators\": [%s],\n"                                                                    \
    "  \"app_hash\": \"\",\n"                                                                      \
    "  \"app_state\": {\"accounts\": [], \"params\": {\"x\": \"1\"}}\n"                            \
    "}\n"

static void make_validator_json(char *out, size_t cap, const crypto_pubkey *pub, const char *power,
                                bool good_address)
{
    crypto_address a;
    crypto_address_from_pubkey(&a, pub);
    char hex[41];
    crypto_address_to_hex(hex, &a);
    if (!good_address)
        hex[0] = hex[0] == 'A' ? 'B' : 'A';
    json_t *pk = genesis_json_pubkey(pub);
    char *pks = json_dumps(pk, JSON_COMPACT);
    snprintf(out, cap, "{\"address\": \"%s\", \"pub_key\": %s, \"power\": \"%s\", \"name\": \"v\"}",
             hex, pks, power);
    free(pks);
    json_decref(pk);
}

static ag_err parse_with(genesis_doc *doc, const char *validators)
{
    char text[4096];
    snprintf(text, sizeof text, GENESIS_FMT, validators);
    return genesis_doc_parse(doc, text, strlen(text));
}

START_TEST(genesis_parse_save_load)
{
    crypto_privkey k;
    crypto_pubkey pub;
    ck_assert_int_eq(crypto_privkey_generate(&k), AG_OK);
    ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &k), AG_OK);
    char v[512];
    make_validator_json(v, sizeof v, &pub, "10", true);
    genesis_doc doc;
    ck_assert_int_eq(parse_with(&doc, v), AG_OK);
    ck_assert_str_eq(doc.chain_id, "agora-test");
    ck_assert_int_eq(doc.initial_height, 1);
    ck_assert_int_eq(doc.time_nanos, 500000000);
    ck_assert_int_eq(doc.params.block_max_bytes, 4194304);
    ck_assert_uint_eq(doc.n_validators, 1);
    ck_assert_int_eq(doc.validators[0].power, 10);
    ck_assert_str_eq(doc.app_state, "{\"accounts\":[],\"params\":{\"x\":\"1\"}}");

    cons_valset vs;
    ck_assert_int_eq(genesis_doc_valset(&doc, &vs), AG_OK);
    ck_assert_uint_eq(vs.n, 1);
    ck_assert_int_eq(vs.total_power, 10);
    cons_valset_free(&vs);

    char dir[64], path[128];
    ag_test_mkdtemp(dir, "genesis");
    snprintf(path, sizeof path, "%s/genesis.json", dir);
    ck_assert_int_eq(genesis_doc_save(&doc, path), AG_OK);
    genesis_doc again;
    ck_assert_int_eq(genesis_doc_load(&again, path), AG_OK);
    ck_assert_str_eq(again.chain_id, doc.chain_id);
    ck_assert_int_eq(again.time_seconds, doc.time_seconds);
    ck_assert_int_eq(again.time_nanos, doc.time_nanos);
    ck_assert_mem_eq(&again.params, &doc.params, sizeof doc.params);
    ck_assert_mem_eq(again.validators, doc.validators, sizeof *doc.validators);
    ck_assert_str_eq(again.app_state, doc.app_state);
    char *a = NULL, *b = NULL;
    ck_assert_int_eq(genesis_doc_to_json(&doc, &a), AG_OK);
    ck_assert_int_eq(genesis_doc_to_json(&again, &b), AG_OK);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    genesis_doc_free(&again);
    genesis_doc_free(&doc);
    ck_assert_int_eq(genesis_doc_load(&again, "/nonexistent/genesis.json"), AG_ERR_NOT_FOUND);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(genesis_rejects)
{
    crypto_privkey k;
    crypto_pubkey pub;
    ck_assert_int_eq(crypto_privkey_generate(&k), AG_OK);
    ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &k), AG_OK);
    genesis_doc doc;
    char v[1300];
    make_validator_json(v, sizeof v, &pub, "10", false);
    ck_assert_int_eq(parse_with(&doc, v), AG_ERR_DECODE); /* address not the key's */
    ck_assert_ptr_null(doc.app_state);
    make_validator_json(v, sizeof v, &pub, "0", true);
    ck_assert_int_eq(parse_with(&doc, v), AG_ERR_DECODE); /* zero power */
    make_validator_json(v, sizeof v, &pub, "ten", true);
    ck_assert_int_eq(parse_with(&doc, v), AG_ERR_DECODE);
    char one[600];
    make_validator_json(one, sizeof one, &pub, "10", true);
    snprintf(v, sizeof v, "%s, %s", one, one);
    ck_assert_int_eq(parse_with(&doc, v), AG_ERR_EXISTS); /* the same key twice */
    ck_assert_int_eq(parse_with(&doc, "{\"pub_key\": {\"type\": \"tendermint/PubKeyEd25519\", "
                                      "\"value\": \"AAAA\"}, \"power\": \"1\"}"),
                     AG_ERR_UNSUPPORTED);

    static const char *bad_docs[] = {
        "[]",
        "{\"chain_id\": \"x\"}",                        /* no genesis_time */
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\"}", /* no chain_id */
        "{\"genesis_time\": \"2026-01-01T00:00:00\", \"chain_id\": \"x\"}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"\"}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": "
        "\"123456789012345678901234567890123456789012345678901\"}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"initial_height\": "
        "\"-1\"}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"initial_height\": "
        "\"01\"}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"app_state\": []}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"app_hash\": \"zz\"}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"chain_id\": \"y\"}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"consensus_params\": "
        "{\"block\": {\"max_bytes\": \"0\", \"max_gas\": \"-1\"}}}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"consensus_params\": "
        "{\"validator\": {\"pub_key_types\": [\"ed25519\"]}}}",
        "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\", \"validators\": {}}",
    };
    for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
        ag_err err = genesis_doc_parse(&doc, bad_docs[i], strlen(bad_docs[i]));
        ck_assert_msg(err != AG_OK, "accepted: %s", bad_docs[i]);
        ck_assert_msg(ag_err_detail()[0] != '\0', "no detail for %s", bad_docs[i]);
    }
    /* The minimal document: defaults for everything optional. */
    const char *minimal = "{\"genesis_time\": \"2026-01-01T00:00:00Z\", \"chain_id\": \"x\"}";
    ck_assert_int_eq(genesis_doc_parse(&doc, minimal, strlen(minimal)), AG_OK);
    ck_assert_int_eq(doc.initial_height, 1);
    ck_assert_str_eq(doc.app_state, "{}");
    ck_assert_uint_eq(doc.n_validators, 0);
    cons_valset vs;
    ck_assert_int_eq(genesis_doc_valset(&doc, &vs), AG_ERR_STATE);
    genesis_doc_free(&doc);
}
END_TEST

/* ---- config ---- */

START_TEST(config_defaults_round_trip)
{
    node_config a, b;
    node_config_default(&a);
    ck_assert_int_eq(node_config_validate(&a), AG_OK);
    strcpy(a.persistent_peers[0], "0123456789abcdef0123456789abcdef01234567@127.0.0.1:26656");
    strcpy(a.persistent_peers[1], "1123456789abcdef0123456789abcdef01234567@127.0.0.1:26666");
    a.n_persistent_peers = 2;
    a.timeouts = NODE_TIMEOUTS_FAST;
    a.mempool_recheck = false;
    a.retain_blocks = 1000;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(node_config_write(&a, f), AG_OK);
    fclose(f);
    node_config_default(&b);
    ck_assert_int_eq(node_config_parse(&b, text, "config.ini"), AG_OK);
    ck_assert_mem_eq(&a, &b, sizeof a);
    free(text);
}
END_TEST

/* agorad start --set: one key over the file's values, the file's rules. */
START_TEST(config_set_overrides)
{
    node_config c;
    node_config_default(&c);
    ck_assert_int_eq(node_config_set(&c, "node.moniker=from-flag"), AG_OK);
    ck_assert_str_eq(c.moniker, "from-flag");
    ck_assert_int_eq(node_config_set(&c, "mempool.max_txs=123"), AG_OK);
    ck_assert_uint_eq(c.mempool_max_txs, 123);
    static const char *bad[] = {
        "moniker=x",           /* no section */
        "node.moniker",        /* no value */
        ".moniker=x",          /* empty section */
        "node.=x",             /* empty key */
        "node.monikr=x",       /* unknown key */
        "mempool.max_txs=-1",  /* the file's number rules */
        "node.log_level=loud", /* validation */
        "node]\n[abci.app=x",  /* no smuggled sections */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        node_config d;
        node_config_default(&d);
        ck_assert_msg(node_config_set(&d, bad[i]) != AG_OK, "accepted: %s", bad[i]);
    }
}
END_TEST

START_TEST(config_rejects)
{
    static const char *bad[] = {
        "[node]\nmonikr = x\n", /* a typo is an error, not a default */
        "[nodes]\nmoniker = x\n",
        "[mempool]\nmax_txs = -1\n",
        "[mempool]\nmax_txs = 12abc\n",
        "[mempool]\nmax_txs = 99999999999\n",
        "[mempool]\nmax_txs = 0\n",
        "[mempool]\nrecheck = yes\n",
        "[consensus]\ntimeouts = slow\n",
        "[node]\nlog_level = loud\n",
        "[abci]\napp = http://x\n",
        "[p2p]\npersistent_peer = nothex@127.0.0.1:1\n",
        "[p2p]\npersistent_peer = 0123456789abcdef0123456789abcdef01234567@127.0.0.1\n",
        "[p2p]\npersistent_peer = 0123456789abcdef0123456789abcdef01234567@h:70000\n",
        "[rpc]\nladdr = 127.0.0.1:26657\n",
        "[tx_index]\nindexer = psql\n",
        "not a section line\n",
        "[node]\nmoniker =;n\n", /* would be written back as a comment */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        node_config c, before;
        node_config_default(&c);
        before = c;
        ck_assert_msg(node_config_parse(&c, bad[i], "t.ini") != AG_OK, "accepted: %s", bad[i]);
        ck_assert_mem_eq(&c, &before, sizeof c); /* untouched on error */
    }
    char longline[300];
    memset(longline, 'a', sizeof longline);
    memcpy(longline, "[node]\nmoniker = ", 17);
    longline[sizeof longline - 1] = '\0';
    node_config c;
    node_config_default(&c);
    ck_assert_int_eq(node_config_parse(&c, longline, "t.ini"), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "longer than"));
    ck_assert_int_eq(node_config_parse(&c, "", "empty.ini"), AG_OK);
    ck_assert_str_eq(c.tx_indexer, "kv");
    ck_assert_int_eq(node_config_parse(&c, "[tx_index]\nindexer = null\n", "t.ini"), AG_OK);
    ck_assert_str_eq(c.tx_indexer, "null");
    char out[64];
    ck_assert_int_eq(node_config_path(out, sizeof out, "/home/a", "data"), AG_OK);
    ck_assert_str_eq(out, "/home/a/data");
    ck_assert_int_eq(node_config_path(out, sizeof out, "/home/a", "/var/x"), AG_OK);
    ck_assert_str_eq(out, "/var/x");
}
END_TEST

/* ---- node key ---- */

START_TEST(node_key_files)
{
    char dir[64], path[128];
    ag_test_mkdtemp(dir, "nodekey");
    snprintf(path, sizeof path, "%s/node_key.json", dir);
    node_key k, l;
    ck_assert_int_eq(node_key_generate(&k), AG_OK);
    ck_assert_uint_eq(strlen(k.id), NODE_ID_LEN);
    ck_assert_int_eq(node_key_save(&k, path), AG_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(node_key_load(&l, path), AG_OK);
    ck_assert_str_eq(l.id, k.id);
    ck_assert_mem_eq(l.priv.b, k.priv.b, CRYPTO_PRIVKEY_LEN);
    for (int i = 0; i < NODE_ID_LEN; i++)
        ck_assert(k.id[i] >= '0' && (k.id[i] <= '9' || (k.id[i] >= 'a' && k.id[i] <= 'f')));
    FILE *f = fopen(path, "w");
    fputs("{\"priv_key\": {\"type\": \"tendermint/PrivKeyEd25519\", \"value\": \"AA==\"}}", f);
    fclose(f);
    ck_assert_int_eq(node_key_load(&l, path), AG_ERR_UNSUPPORTED);
    node_key_wipe(&k);
    node_key_wipe(&l);
    ag_test_rmdir(dir);
}
END_TEST

static Suite *genesis_suite(void)
{
    Suite *s = suite_create("genesis");
    TCase *tc = ag_test_tcase("rfc3339");
    tcase_add_test(tc, rfc3339_vectors);
    tcase_add_test(tc, rfc3339_rejects);
    tcase_add_test(tc, rfc3339_round_trip_random);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("params");
    tcase_add_test(tc, params_default_hash_matches_cometbft);
    tcase_add_test(tc, params_validate_and_codec);
    tcase_add_test(tc, params_update_rules);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("genesis");
    tcase_add_test(tc, genesis_parse_save_load);
    tcase_add_test(tc, genesis_rejects);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("config");
    tcase_add_test(tc, config_defaults_round_trip);
    tcase_add_test(tc, config_rejects);
    tcase_add_test(tc, config_set_overrides);
    tcase_add_test(tc, node_key_files);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(genesis_suite)
