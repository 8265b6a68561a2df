/* The CLI keyring: encrypted round trip, wrong passphrase, tampered files,
 * file modes, the test backend, names, duplicates, list and delete; and
 * the argument parser. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/bip32.h"
#include "cli/keyring.h"
#include "tests/harness/ag_test.h"

static const char mnemonic[] = "abandon abandon abandon abandon abandon abandon abandon abandon "
                               "abandon abandon abandon about";

static void key_of(crypto_privkey *k, uint64_t stream)
{
    ag_rng rng;
    ag_test_rng(&rng, stream);
    uint8_t b[32];
    do
        ag_rng_fill(&rng, b, sizeof b);
    while (crypto_privkey_from_bytes(k, b, sizeof b) != AG_OK);
}

/* Rewrite one string field of a key file. */
static void set_field(const char *file, const char *field, const char *value)
{
    json_error_t e;
    json_t *o = json_load_file(file, 0, &e);
    ck_assert_ptr_nonnull(o);
    json_object_set_new(o, field, json_string(value));
    ck_assert_int_eq(json_dump_file(o, file, 0), 0);
    json_decref(o);
}

START_TEST(encrypted_roundtrip_and_refusals)
{
    char dir[64], ring[128], file[160];
    ag_test_mkdtemp(dir, "keyring");
    snprintf(ring, sizeof ring, "%s/home/keyring", dir);
    crypto_privkey key, back;
    ck_assert_int_eq(cli_hd_privkey(&key, mnemonic, NULL, NULL), AG_OK);
    cli_key_info info;
    ck_assert_msg(cli_keyring_save(ring, CLI_KEYRING_FILE, "alice", &key, "pw1", CLI_HD_PATH_COSMOS,
                                   &info) == AG_OK,
                  "%s", ag_err_detail());
    ck_assert_str_eq(info.address, "agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7");
    ck_assert(info.encrypted);
    struct stat st;
    snprintf(file, sizeof file, "%s/alice.json", ring);
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(stat(ring, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0700);
    /* the private key does not appear in the file */
    FILE *f = fopen(file, "r");
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    ck_assert_ptr_null(strstr(text, "privkey"));

    ck_assert_int_eq(cli_keyring_load(ring, CLI_KEYRING_FILE, "alice", "pw1", &back), AG_OK);
    ck_assert_mem_eq(back.b, key.b, 32);
    ck_assert_int_eq(cli_keyring_load(ring, CLI_KEYRING_FILE, "alice", "pw2", &back),
                     AG_ERR_VERIFY);
    ck_assert_int_eq(cli_keyring_load(ring, CLI_KEYRING_FILE, "alice", NULL, &back),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cli_keyring_load(ring, CLI_KEYRING_FILE, "bob", "pw1", &back),
                     AG_ERR_NOT_FOUND);
    /* same name, same address: refused */
    ck_assert_int_eq(cli_keyring_save(ring, CLI_KEYRING_FILE, "alice2", &key, "x", NULL, NULL),
                     AG_ERR_EXISTS);
    crypto_privkey other;
    key_of(&other, 1);
    ck_assert_int_eq(cli_keyring_save(ring, CLI_KEYRING_FILE, "alice", &other, "x", NULL, NULL),
                     AG_ERR_EXISTS);
    ck_assert_int_eq(cli_keyring_save(ring, CLI_KEYRING_FILE, "carol", &other, "", NULL, NULL),
                     AG_ERR_INVALID_ARG);

    /* a changed ciphertext byte fails the tag */
    json_error_t e;
    json_t *o = json_load_file(file, 0, &e);
    char ct[128];
    snprintf(ct, sizeof ct, "%s", json_string_value(json_object_get(o, "ciphertext")));
    json_decref(o);
    char bad[128];
    snprintf(bad, sizeof bad, "%s", ct);
    bad[3] = bad[3] == 'A' ? 'B' : 'A';
    set_field(file, "ciphertext", bad);
    ck_assert_int_eq(cli_keyring_load(ring, CLI_KEYRING_FILE, "alice", "pw1", &back),
                     AG_ERR_VERIFY);
    set_field(file, "ciphertext", ct);
    ck_assert_int_eq(cli_keyring_load(ring, CLI_KEYRING_FILE, "alice", "pw1", &back), AG_OK);
    /* another address (with its pubkey kept) is refused before decryption */
    set_field(file, "address", "agora1snp4qv7vv2x9cky8mu3mzkmwdxmcz40rphuwfc");
    ck_assert_int_eq(cli_keyring_info(ring, "alice", &info), AG_ERR_CORRUPT);
    ck_assert_int_eq(cli_keyring_delete(ring, "alice"), AG_OK);
    ck_assert_int_eq(cli_keyring_delete(ring, "alice"), AG_ERR_NOT_FOUND);
    crypto_privkey_wipe(&key);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(test_backend_list_and_names)
{
    char dir[64];
    ag_test_mkdtemp(dir, "keyring");
    crypto_privkey k[3], back;
    const char *names[3] = {"zed", "amy", "mid-1.x_y"};
    for (int i = 0; i < 3; i++) {
        key_of(&k[i], (uint64_t)i + 10);
        ck_assert_int_eq(cli_keyring_save(dir, CLI_KEYRING_TEST, names[i], &k[i], NULL, NULL, NULL),
                         AG_OK);
    }
    cli_key_info *all;
    size_t n;
    ck_assert_int_eq(cli_keyring_list(dir, &all, &n), AG_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(all[0].name, "amy");
    ck_assert_str_eq(all[2].name, "zed");
    ck_assert(!all[0].encrypted);
    cli_key_info found;
    ck_assert_int_eq(cli_keyring_find(dir, all[1].address, &found), AG_OK);
    ck_assert_str_eq(found.name, all[1].name);
    free(all);
    ck_assert_int_eq(cli_keyring_load(dir, CLI_KEYRING_TEST, "amy", NULL, &back), AG_OK);
    ck_assert_mem_eq(back.b, k[1].b, 32);
    /* an unencrypted key does not open through the file backend */
    ck_assert_int_eq(cli_keyring_load(dir, CLI_KEYRING_FILE, "amy", "x", &back),
                     AG_ERR_UNSUPPORTED);
    const char *bad[] = {
        "",    ".hidden", "a/b",
        "a b", "../x",    "0123456789012345678901234567890123456789012345678901234567890123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cli_keyring_check_name(bad[i]) == AG_ERR_INVALID_ARG, "accepted \"%s\"",
                      bad[i]);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(args_parse)
{
    const char *argv[] = {"tx",    "bank", "send", "--home=/h", "a", "--yes",
                          "--gas", "100",  "b",    "--",        "-x"};
    cli_args a;
    ck_assert_int_eq(cli_args_parse(&a, 11, argv), AG_OK);
    ck_assert_int_eq(a.n_pos, 7);
    ck_assert_str_eq(a.pos[3], "a");
    ck_assert_str_eq(a.pos[5], "--");
    ck_assert_str_eq(cli_args_get(&a, "home"), "/h");
    ck_assert(cli_args_has(&a, "yes"));
    ck_assert_int_eq(cli_args_unused(&a), AG_ERR_INVALID_ARG); /* --gas not read yet */
    uint64_t gas;
    ck_assert_int_eq(cli_args_u64(&a, "gas", 0, &gas), AG_OK);
    ck_assert_uint_eq(gas, 100);
    ck_assert_int_eq(cli_args_unused(&a), AG_OK);
    const char *missing[] = {"--node"};
    ck_assert_int_eq(cli_args_parse(&a, 1, missing), AG_ERR_INVALID_ARG);
    const char *badnum[] = {"--gas", "12x"};
    ck_assert_int_eq(cli_args_parse(&a, 2, badnum), AG_OK);
    ck_assert_int_eq(cli_args_u64(&a, "gas", 0, &gas), AG_ERR_INVALID_ARG);
    uint64_t id;
    ck_assert_int_eq(cli_parse_id("0", "ID", &id), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cli_parse_id("18446744073709551616", "ID", &id), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cli_parse_id("7", "ID", &id), AG_OK);
}
END_TEST

static Suite *cli_keyring_suite(void)
{
    Suite *s = suite_create("cli_keyring");
    TCase *tc = ag_test_tcase("keyring");
    tcase_add_test(tc, encrypted_roundtrip_and_refusals);
    tcase_add_test(tc, test_backend_list_and_names);
    tcase_add_test(tc, args_parse);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cli_keyring_suite)
