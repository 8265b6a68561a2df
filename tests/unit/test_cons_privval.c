/* The validator signer: FilePV file formats, load errors, every signing rule
 * (file-backed and in-memory), atomic state saves (crash before the rename,
 * SIGKILL at random), the start check against recent commits. */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "consensus/privval.h"
#include "crypto/address.h"
#include "lib/log.h"
#include "tests/harness/ag_test.h"

static const char *CHAIN = "agora-test";

static void test_key(crypto_privkey *k, uint64_t stream)
{
    ag_rng r;
    ag_test_rng(&r, stream);
    uint8_t b[32];
    do
        ag_rng_fill(&r, b, sizeof b);
    while (crypto_privkey_from_bytes(k, b, sizeof b) != AG_OK);
}

static void paths(const char *dir, char *key, char *state)
{
    snprintf(key, 128, "%s/priv_validator_key.json", dir);
    snprintf(state, 128, "%s/priv_validator_state.json", dir);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
    close(fd);
}

static cons_block_id block_id(uint8_t tag)
{
    cons_block_id id = {0};
    id.hash.len = 32;
    memset(id.hash.b, tag, 32);
    id.parts.total = 1;
    id.parts.hash.len = 32;
    memset(id.parts.hash.b, tag ^ 0xff, 32);
    return id;
}

static cons_vote vote(cons_msg_type type, int64_t h, int32_t r, uint8_t tag, int64_t secs)
{
    cons_vote v = {0};
    v.type = type;
    v.height = h;
    v.round = r;
    if (tag)
        v.block_id = block_id(tag);
    v.timestamp = (cons_timestamp){secs, 0};
    return v;
}

START_TEST(privval_files_round_trip)
{
    char dir[64], kp[128], sp[128];
    ag_test_mkdtemp(dir, "pv");
    paths(dir, kp, sp);
    crypto_privkey k;
    test_key(&k, 1);
    ck_assert_int_eq(cons_privval_create_files(kp, sp, &k), AG_OK);
    ck_assert_int_eq(cons_privval_create_files(kp, sp, &k), AG_ERR_EXISTS);
    struct stat st;
    ck_assert_int_eq(stat(kp, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    /* the exact CometBFT shapes */
    json_error_t je;
    json_t *kj = json_load_file(kp, 0, &je);
    ck_assert_ptr_nonnull(kj);
    crypto_pubkey pub;
    crypto_pubkey_from_privkey(&pub, &k);
    crypto_address addr;
    crypto_address_from_pubkey(&addr, &pub);
    char hex[41];
    crypto_address_to_hex(hex, &addr);
    for (char *c = hex; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    ck_assert_str_eq(json_string_value(json_object_get(kj, "address")), hex);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(kj, "pub_key"), "type")),
                     "tendermint/PubKeySecp256k1");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(kj, "priv_key"), "type")),
                     "tendermint/PrivKeySecp256k1");
    json_decref(kj);
    json_t *sj = json_load_file(sp, 0, &je);
    ck_assert_str_eq(json_string_value(json_object_get(sj, "height")), "0");
    ck_assert_int_eq(json_integer_value(json_object_get(sj, "round")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(sj, "step")), 0);
    ck_assert_ptr_null(json_object_get(sj, "signature"));
    json_decref(sj);

    cons_privval *pv;
    ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_OK);
    ck_assert_mem_eq(cons_privval_pubkey(pv)->b, pub.b, 33);
    cons_vote v = vote(CONS_MSG_PREVOTE, 5, 1, 7, 1000);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &v, false), AG_OK);
    ck_assert_int_eq(cons_vote_verify(&(cons_vote){.type = v.type,
                                                   .height = 5,
                                                   .round = 1,
                                                   .block_id = v.block_id,
                                                   .timestamp = v.timestamp,
                                                   .validator_address = addr,
                                                   .signature = v.signature},
                                      CHAIN, &pub),
                     AG_OK);
    cons_privval_state saved = *cons_privval_last_state(pv);
    cons_privval_free(pv);
    sj = json_load_file(sp, 0, &je);
    ck_assert_str_eq(json_string_value(json_object_get(sj, "height")), "5");
    ck_assert_int_eq(json_integer_value(json_object_get(sj, "round")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(sj, "step")), 2);
    ck_assert_ptr_nonnull(json_object_get(sj, "signbytes"));
    json_decref(sj);
    /* reload: same state, regression still refused, same vote re-served */
    ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_OK);
    const cons_privval_state *ls = cons_privval_last_state(pv);
    ck_assert_int_eq(ls->height, 5);
    ck_assert_uint_eq(ls->sign_bytes_len, saved.sign_bytes_len);
    ck_assert_mem_eq(ls->sign_bytes, saved.sign_bytes, saved.sign_bytes_len);
    ck_assert_mem_eq(ls->signature.b, saved.signature.b, 64);
    cons_vote old = vote(CONS_MSG_PREVOTE, 4, 0, 7, 1000);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &old, false), AG_ERR_STATE);
    cons_vote again = vote(CONS_MSG_PREVOTE, 5, 1, 7, 1000);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &again, false), AG_OK);
    ck_assert_mem_eq(again.signature.b, saved.signature.b, 64);
    cons_privval_free(pv);

    /* generated key */
    char kp2[160];
    snprintf(kp2, sizeof kp2, "%s/gen_key.json", dir);
    ck_assert_int_eq(cons_privval_create_files(kp2, sp, NULL), AG_OK);
    ck_assert_int_eq(cons_privval_load(&pv, kp2, sp), AG_OK);
    ck_assert_int_eq(cons_privval_last_state(pv)->height, 5); /* state file kept */
    cons_privval_free(pv);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(privval_load_errors)
{
    ag_log_setup(AG_LOG_ERROR, AG_LOG_TEXT, NULL);
    char dir[64], kp[128], sp[128];
    ag_test_mkdtemp(dir, "pverr");
    paths(dir, kp, sp);
    crypto_privkey k;
    test_key(&k, 2);
    ck_assert_int_eq(cons_privval_create_files(kp, sp, &k), AG_OK);
    cons_privval *pv;
    ck_assert_int_eq(chmod(kp, 0644), 0);
    ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_ERR_PERMISSION);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "chmod 600"));
    ck_assert_int_eq(chmod(kp, 0600), 0);
    ck_assert_int_eq(chmod(sp, 0644), 0); /* state: a warning only */
    ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_OK);
    cons_privval_free(pv);

    char *good;
    ck_assert_int_eq(cons_privval_key_to_json(&good, &k), AG_OK);
    crypto_privkey k2;
    crypto_pubkey p2;
    ck_assert_int_eq(cons_privval_key_from_json(&k2, &p2, good, strlen(good)), AG_OK);
    ck_assert_mem_eq(k2.b, k.b, 32);
    struct {
        const char *from, *to;
        const char *detail;
    } cases[] = {
        {"tendermint/PubKeySecp256k1", "tendermint/PubKeyEd25519", "pub_key type"},
        {"tendermint/PrivKeySecp256k1", "tendermint/PrivKeyEd25519", "priv_key type"},
        {"\"address\": \"", "\"address\": \"00", "address"},
        {"\"address\"", "\"addr\"", "\"address\" missing"},
        {"}", ",}", "bad JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char bad[4096];
        const char *at = strstr(good, cases[i].from);
        ck_assert_ptr_nonnull(at);
        size_t pre = (size_t)(at - good);
        snprintf(bad, sizeof bad, "%.*s%s%s", (int)pre, good, cases[i].to,
                 at + strlen(cases[i].from));
        if (i == 2) /* keep 40 digits: drop the last two */
            memmove(strstr(bad, "\",\n") - 2, strstr(bad, "\",\n"),
                    strlen(strstr(bad, "\",\n")) + 1);
        ck_assert_int_eq(cons_privval_key_from_json(&k2, &p2, bad, strlen(bad)), AG_ERR_DECODE);
        ck_assert_msg(strstr(ag_err_detail(), cases[i].detail), "case %zu: %s", i, ag_err_detail());
        write_file(kp, bad, 0600);
        ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_ERR_DECODE);
        ck_assert_ptr_null(pv);
    }
    ck_assert_int_eq(cons_privval_key_from_json(&k2, &p2, "[1]", 3), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "not a JSON object"));
    /* the key of another validator under this address */
    crypto_privkey other;
    test_key(&other, 3);
    char *oj;
    ck_assert_int_eq(cons_privval_key_to_json(&oj, &other), AG_OK);
    char mixed[4096];
    const char *gp = strstr(good, "\"priv_key\""), *op = strstr(oj, "\"priv_key\"");
    snprintf(mixed, sizeof mixed, "%.*s%s", (int)(gp - good), good, op);
    ck_assert_int_eq(cons_privval_key_from_json(&k2, &p2, mixed, strlen(mixed)), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "pub_key is not priv_key"));
    free(oj);
    free(good);

    /* state files */
    cons_privval_state st;
    const char *bad_states[] = {
        "{\"height\": 5, \"round\": 0, \"step\": 0}",
        "{\"height\": \"-5\", \"round\": 0, \"step\": 0}",
        "{\"height\": \"05\", \"round\": 0, \"step\": 0}",
        "{\"height\": \"99999999999999999999\", \"round\": 0, \"step\": 0}",
        "{\"height\": \"5\", \"round\": -1, \"step\": 0}",
        "{\"height\": \"5\", \"round\": 0, \"step\": 4}",
        "{\"height\": \"5\", \"round\": 0, \"step\": 2, \"signbytes\": \"AB\"}",
        "{\"height\": \"5\", \"round\": 0, \"step\": 2, \"signature\": \"AAAA\", \"signbytes\": "
        "\"AB\"}",
        "{\"height\": \"5\", \"height\": \"6\", \"round\": 0, \"step\": 0}",
    };
    for (size_t i = 0; i < sizeof bad_states / sizeof bad_states[0]; i++)
        ck_assert_msg(cons_privval_state_from_json(&st, bad_states[i], strlen(bad_states[i])) ==
                          AG_ERR_DECODE,
                      "state %zu accepted", i);
    const char *ok = "{\"height\": \"9223372036854775807\", \"round\": 3, \"step\": 1}";
    ck_assert_int_eq(cons_privval_state_from_json(&st, ok, strlen(ok)), AG_OK);
    ck_assert_int_eq(st.height, INT64_MAX);
    ag_test_rmdir(dir);
}
END_TEST

/* Every rule, once for a file-backed and once for an in-memory signer. */
static void check_rules(cons_privval *pv)
{
    /* prevote at 10/0 */
    cons_vote v = vote(CONS_MSG_PREVOTE, 10, 0, 1, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &v, false), AG_OK);
    cons_sig first = v.signature;
    /* identical: the stored signature */
    cons_vote same = vote(CONS_MSG_PREVOTE, 10, 0, 1, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &same, false), AG_OK);
    ck_assert_mem_eq(same.signature.b, first.b, 64);
    /* only the timestamp differs: stored signature and stored timestamp */
    cons_vote later = vote(CONS_MSG_PREVOTE, 10, 0, 1, 777);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &later, false), AG_OK);
    ck_assert_mem_eq(later.signature.b, first.b, 64);
    ck_assert_int_eq(later.timestamp.seconds, 500);
    /* a different block at the same H/R/S: conflict */
    cons_vote other = vote(CONS_MSG_PREVOTE, 10, 0, 2, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &other, false), AG_ERR_EXISTS);
    ck_assert_uint_eq(other.signature.len, 0);
    cons_vote nil = vote(CONS_MSG_PREVOTE, 10, 0, 0, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &nil, false), AG_ERR_EXISTS);
    /* another chain id is other data too */
    cons_vote chain = vote(CONS_MSG_PREVOTE, 10, 0, 1, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, "other-chain", &chain, false), AG_ERR_EXISTS);
    /* precommit at 10/0: a step up */
    cons_vote pc = vote(CONS_MSG_PRECOMMIT, 10, 0, 1, 501);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &pc, false), AG_OK);
    ck_assert_mem_ne(pc.signature.b, first.b, 64);
    /* step regression: the prevote again, a proposal at 10/0 */
    cons_vote back = vote(CONS_MSG_PREVOTE, 10, 0, 1, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &back, false), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "step regression"));
    cons_proposal p = {.type = CONS_MSG_PROPOSAL,
                       .height = 10,
                       .round = 0,
                       .pol_round = -1,
                       .block_id = block_id(1),
                       .timestamp = {499, 0}};
    ck_assert_int_eq(cons_privval_sign_proposal(pv, CHAIN, &p), AG_ERR_STATE);
    /* round 2: propose, then regression to round 1 */
    p.round = 2;
    ck_assert_int_eq(cons_privval_sign_proposal(pv, CHAIN, &p), AG_OK);
    cons_sig psig = p.signature;
    cons_proposal p2 = p;
    p2.signature = (cons_sig){0};
    p2.timestamp.seconds = 1234;
    ck_assert_int_eq(cons_privval_sign_proposal(pv, CHAIN, &p2), AG_OK);
    ck_assert_mem_eq(p2.signature.b, psig.b, 64);
    ck_assert_int_eq(p2.timestamp.seconds, 499);
    cons_proposal p3 = p;
    p3.pol_round = 1;
    ck_assert_int_eq(cons_privval_sign_proposal(pv, CHAIN, &p3), AG_ERR_EXISTS);
    cons_vote r1 = vote(CONS_MSG_PRECOMMIT, 10, 1, 1, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &r1, false), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "round regression"));
    /* height regression */
    cons_vote h9 = vote(CONS_MSG_PRECOMMIT, 9, 5, 1, 500);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &h9, false), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "height regression"));
    /* a new height; extension signing on a precommit for a block */
    cons_vote ext = vote(CONS_MSG_PRECOMMIT, 11, 0, 3, 600);
    ck_assert_int_eq(cons_vote_set_extension(&ext, (const uint8_t *)"ext", 3), AG_OK);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &ext, true), AG_OK);
    ck_assert_uint_eq(ext.extension_signature.len, 64);
    ck_assert_int_eq(
        cons_vote_verify_extension(&(cons_vote){.type = ext.type,
                                                .height = 11,
                                                .round = 0,
                                                .extension = ext.extension,
                                                .extension_len = 3,
                                                .extension_signature = ext.extension_signature},
                                   CHAIN, cons_privval_pubkey(pv)),
        AG_OK);
    cons_vote_clear(&ext);
    cons_vote bad_ext = vote(CONS_MSG_PREVOTE, 12, 0, 3, 600);
    ck_assert_int_eq(cons_vote_set_extension(&bad_ext, (const uint8_t *)"ext", 3), AG_OK);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &bad_ext, true), AG_ERR_INVALID_ARG);
    cons_vote_clear(&bad_ext);
    cons_vote unknown = vote(CONS_MSG_PROPOSAL, 12, 0, 3, 600);
    ck_assert_int_eq(cons_privval_sign_vote(pv, CHAIN, &unknown, false), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_privval_last_state(pv)->height, 11);
    ck_assert_int_eq(cons_privval_last_state(pv)->step, CONS_PRIVVAL_STEP_PRECOMMIT);
}

START_TEST(privval_rules_file)
{
    char dir[64], kp[128], sp[128];
    ag_test_mkdtemp(dir, "pvrules");
    paths(dir, kp, sp);
    crypto_privkey k;
    test_key(&k, 4);
    ck_assert_int_eq(cons_privval_create_files(kp, sp, &k), AG_OK);
    cons_privval *pv;
    ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_OK);
    check_rules(pv);
    cons_privval_free(pv);
    ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_OK);
    ck_assert_int_eq(cons_privval_last_state(pv)->height, 11);
    cons_privval_free(pv);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(privval_rules_memory)
{
    crypto_privkey k;
    test_key(&k, 5);
    cons_privval *pv;
    ck_assert_int_eq(cons_privval_new_memory(&pv, &k, NULL), AG_OK);
    check_rules(pv);
    /* a memory signer started from a state refuses what it forbids */
    cons_privval *pv2;
    ck_assert_int_eq(cons_privval_new_memory(&pv2, &k, cons_privval_last_state(pv)), AG_OK);
    cons_vote v = vote(CONS_MSG_PREVOTE, 11, 0, 1, 1);
    ck_assert_int_eq(cons_privval_sign_vote(pv2, CHAIN, &v, false), AG_ERR_STATE);
    cons_privval_free(pv2);
    cons_privval_free(pv);
}
END_TEST

static void exit_before_rename(void *ctx)
{
    (void)ctx;
    _exit(0);
}

/* A crash between the temp file and the rename leaves the old state; the
 * signature was never handed out. */
START_TEST(privval_atomic_save)
{
    char dir[64], kp[128], sp[128];
    ag_test_mkdtemp(dir, "pvatom");
    paths(dir, kp, sp);
    crypto_privkey k;
    test_key(&k, 6);
    ck_assert_int_eq(cons_privval_create_files(kp, sp, &k), AG_OK);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        cons_privval *pv;
        if (cons_privval_load(&pv, kp, sp) != AG_OK)
            _exit(2);
        cons_vote v = vote(CONS_MSG_PREVOTE, 3, 0, 1, 1);
        if (cons_privval_sign_vote(pv, CHAIN, &v, false) != AG_OK)
            _exit(3);
        cons_privval_set_save_hook(pv, exit_before_rename, NULL);
        v = vote(CONS_MSG_PRECOMMIT, 3, 0, 1, 1);
        (void)cons_privval_sign_vote(pv, CHAIN, &v, false);
        /* not reached: the hook exits; a signature here would be a bug */
        if (write(p[1], v.signature.b, 64) != 64)
            _exit(5);
        _exit(4);
    }
    close(p[1]);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    uint8_t leaked[64];
    ck_assert_int_eq(read(p[0], leaked, sizeof leaked), 0);
    close(p[0]);
    cons_privval *pv;
    ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_OK);
    ck_assert_int_eq(cons_privval_last_state(pv)->height, 3);
    ck_assert_int_eq(cons_privval_last_state(pv)->step, CONS_PRIVVAL_STEP_PREVOTE);
    cons_privval_free(pv);

    /* SIGKILL at random moments of a signing loop: the file always parses
     * and is never behind what the child reported as signed. */
    ag_rng rng;
    ag_test_rng(&rng, 66);
    int64_t reported = 3;
    unsigned rounds = (unsigned)ag_test_iters(10, 60);
    for (unsigned r = 0; r < rounds; r++) {
        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        if (pid == 0) {
            close(p[0]);
            cons_privval *c;
            if (cons_privval_load(&c, kp, sp) != AG_OK)
                _exit(2);
            for (int64_t h = cons_privval_last_state(c)->height + 1;; h++) {
                cons_vote v = vote(CONS_MSG_PREVOTE, h, 0, 1, 1);
                if (cons_privval_sign_vote(c, CHAIN, &v, false) != AG_OK)
                    _exit(3);
                if (write(p[1], &h, sizeof h) != sizeof h)
                    _exit(4);
            }
        }
        close(p[1]);
        struct timespec ts = {0, (long)(1000000 + ag_rng_below(&rng, 20000000))};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ck_assert(WIFSIGNALED(status));
        int64_t h;
        while (read(p[0], &h, sizeof h) == sizeof h)
            reported = h;
        close(p[0]);
        ck_assert_int_eq(cons_privval_load(&pv, kp, sp), AG_OK);
        ck_assert_int_ge(cons_privval_last_state(pv)->height, reported);
        cons_privval_free(pv);
    }
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(privval_start_check)
{
    crypto_privkey k, o;
    test_key(&k, 7);
    test_key(&o, 8);
    cons_privval *pv;
    ck_assert_int_eq(cons_privval_new_memory(&pv, &k, NULL), AG_OK);
    crypto_pubkey opub;
    crypto_pubkey_from_privkey(&opub, &o);
    cons_validator vals[2];
    cons_validator_init(&vals[0], cons_privval_pubkey(pv), 10);
    cons_validator_init(&vals[1], &opub, 10);
    cons_valset set;
    ck_assert_int_eq(cons_valset_new(&set, vals, 2), AG_OK);
    long mine = cons_valset_index_of(&set, cons_privval_address(pv));
    ck_assert_int_ge(mine, 0);
    cons_commit c[2] = {0};
    cons_valset sets[2] = {set, set};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(cons_commit_alloc(&c[i], 2), AG_OK);
        c[i].height = 20 + i;
        cons_commit_sig *s = &c[i].sigs[1 - mine];
        s->flag = CONS_BLOCK_ID_FLAG_COMMIT;
        s->has_address = true;
        s->validator_address = set.vals[1 - mine].address;
        s->signature.len = 64;
    }
    ck_assert_int_eq(cons_privval_check_commits(pv, c, sets, 2), AG_OK);
    ck_assert_int_eq(cons_privval_check_commits(pv, c, NULL, 2), AG_OK);
    cons_commit_sig *s = &c[1].sigs[mine];
    s->flag = CONS_BLOCK_ID_FLAG_NIL;
    s->has_address = true;
    s->validator_address = *cons_privval_address(pv);
    s->signature.len = 64;
    ck_assert_int_eq(cons_privval_check_commits(pv, c, sets, 2), AG_ERR_EXISTS);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "height 21"));
    ck_assert_int_eq(cons_privval_check_commits(pv, c, NULL, 2), AG_ERR_EXISTS);
    ck_assert_int_eq(cons_privval_check_commits(pv, c, sets, 1), AG_OK);
    cons_commit_clear(&c[0]);
    cons_commit_clear(&c[1]);
    cons_valset_free(&set);
    cons_privval_free(pv);
}
END_TEST

static Suite *privval_suite(void)
{
    Suite *s = suite_create("cons_privval");
    TCase *tc = ag_test_tcase("privval");
    tcase_add_test(tc, privval_files_round_trip);
    tcase_add_test(tc, privval_load_errors);
    tcase_add_test(tc, privval_rules_file);
    tcase_add_test(tc, privval_rules_memory);
    tcase_add_test(tc, privval_atomic_save);
    tcase_add_test(tc, privval_start_check);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(privval_suite)
