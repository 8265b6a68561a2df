/* cmd_keys.c — `agora keys add|import|list|show|delete`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/bip32.h"
#include "cli/bip39.h"
#include "cli/cli.h"
#include "cli/prompt.h"
#include "lib/base64.h"
#include "lib/wipe.h"

static json_t *info_json(const cli_key_info *k)
{
    char pk[64];
    ag_base64_encode(pk, k->pubkey.b, sizeof k->pubkey.b);
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", k->name, "address", k->address, "pubkey",
                     pk, "path", k->path, "encrypted", k->encrypted);
}

static void print_info(const cli_ctx *ctx, const cli_key_info *k, const char *mnemonic)
{
    if (ctx->json) {
        json_t *j = info_json(k);
        if (mnemonic)
            json_object_set_new(j, "mnemonic", json_string(mnemonic));
        cli_print_json(j);
        return;
    }
    char pk[64];
    ag_base64_encode(pk, k->pubkey.b, sizeof k->pubkey.b);
    printf("name: %s\naddress: %s\npubkey: %s\npath: %s\nencrypted: %s\n", k->name, k->address, pk,
           k->path[0] ? k->path : "(raw key)", k->encrypted ? "yes" : "no (test keyring)");
    if (mnemonic)
        printf("\n**Write this mnemonic down and keep it safe: it is the only way to recover "
               "the key.**\n\n%s\n",
               mnemonic);
}

/* Save the key of mnemonic under name, asking for a new passphrase. */
static int save_mnemonic(const cli_ctx *ctx, const char *name, const char *mnemonic,
                         const char *path, bool show_mnemonic)
{
    crypto_privkey key;
    ag_err err = cli_hd_privkey(&key, mnemonic, NULL, path);
    char pass[CLI_PASSPHRASE_MAX + 2] = "";
    if (!err && ctx->backend == CLI_KEYRING_FILE)
        err = cli_read_passphrase(pass, sizeof pass, ctx->passphrase_file,
                                  "Passphrase to encrypt the key: ", true);
    cli_key_info info;
    if (!err)
        err = cli_keyring_save(ctx->keyring, ctx->backend, name, &key, pass,
                               path ? path : CLI_HD_PATH_COSMOS, &info);
    ag_wipe(pass, sizeof pass);
    crypto_privkey_wipe(&key);
    if (err)
        return cli_fail(err);
    print_info(ctx, &info, show_mnemonic ? mnemonic : NULL);
    return 0;
}

static int keys_add(cli_ctx *ctx, cli_args *a, const char *name, bool import)
{
    const char *path = cli_args_get(a, "hd-path");
    uint64_t words;
    ag_err err = cli_args_u64(a, "words", 24, &words);
    if (!err)
        err = cli_args_unused(a);
    if (!err)
        err = cli_keyring_check_name(name);
    if (!err && path) {
        uint32_t idx[CLI_BIP32_MAX_DEPTH];
        size_t n;
        err = cli_bip32_parse_path(idx, &n, path);
    }
    if (err)
        return cli_usage_error("%s", ag_err_detail());
    cli_key_info existing;
    if (cli_keyring_info(ctx->keyring, name, &existing) == AG_OK)
        return cli_fail(
            ag_err_set(AG_ERR_EXISTS, "a key named \"%s\" exists (%s)", name, existing.address));
    char mnemonic[CLI_BIP39_MNEMONIC_MAX], typed[1024];
    if (import) {
        if (isatty(STDIN_FILENO))
            fprintf(stderr, "Enter the mnemonic, then Ctrl-D:\n");
        err = cli_read_stream(typed, sizeof typed, stdin);
        if (!err)
            err = cli_bip39_normalize(mnemonic, sizeof mnemonic, typed);
        ag_wipe(typed, sizeof typed);
        if (!err)
            err = cli_bip39_check(mnemonic, NULL, NULL);
    } else {
        err = cli_bip39_generate(mnemonic, sizeof mnemonic, (size_t)words);
    }
    int rc = err ? cli_fail(err) : save_mnemonic(ctx, name, mnemonic, path, !import);
    ag_wipe(mnemonic, sizeof mnemonic);
    return rc;
}

static int keys_list(cli_ctx *ctx, cli_args *a)
{
    ag_err err = cli_args_unused(a);
    if (err)
        return cli_usage_error("%s", ag_err_detail());
    cli_key_info *all;
    size_t n;
    if ((err = cli_keyring_list(ctx->keyring, &all, &n)))
        return cli_fail(err);
    if (ctx->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, info_json(&all[i]));
        cli_print_json(arr);
    } else if (n == 0) {
        printf("no keys in %s (add one with `agora keys add NAME`)\n", ctx->keyring);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-20s %s%s\n", all[i].name, all[i].address,
                   all[i].encrypted ? "" : "  (unencrypted)");
    }
    free(all);
    return 0;
}

static int keys_show(cli_ctx *ctx, cli_args *a, const char *who)
{
    bool addr = cli_args_has(a, "address"), pub = cli_args_has(a, "pubkey");
    ag_err err = cli_args_unused(a);
    if (err)
        return cli_usage_error("%s", ag_err_detail());
    cli_key_info k;
    if ((err = cli_keyring_find(ctx->keyring, who, &k)))
        return cli_fail(err);
    char pk[64];
    ag_base64_encode(pk, k.pubkey.b, sizeof k.pubkey.b);
    if (addr)
        printf("%s\n", k.address);
    if (pub)
        printf("%s\n", pk);
    if (!addr && !pub)
        print_info(ctx, &k, NULL);
    return 0;
}

static int keys_delete(cli_ctx *ctx, cli_args *a, const char *name)
{
    bool yes = cli_args_has(a, "yes");
    ag_err err = cli_args_unused(a);
    if (err)
        return cli_usage_error("%s", ag_err_detail());
    cli_key_info k;
    if ((err = cli_keyring_info(ctx->keyring, name, &k)))
        return cli_fail(err);
    if (!yes) {
        if (!isatty(STDIN_FILENO))
            return cli_usage_error("deleting \"%s\" needs --yes when stdin is not a terminal",
                                   name);
        fprintf(stderr,
                "Delete key \"%s\" (%s)? It cannot be undone without its mnemonic. "
                "[y/N] ",
                name, k.address);
        char answer[8] = "";
        if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
            fprintf(stderr, "not deleted\n");
            return 1;
        }
    }
    if ((err = cli_keyring_delete(ctx->keyring, name)))
        return cli_fail(err);
    if (!ctx->json)
        printf("deleted key \"%s\" (%s)\n", name, k.address);
    else
        cli_print_json(json_pack("{s:s, s:s}", "deleted", name, "address", k.address));
    return 0;
}

int cli_cmd_keys(cli_ctx *ctx, cli_args *a)
{
    if (a->n_pos < 2)
        return cli_usage_error("keys: add|import|list|show|delete");
    const char *sub = a->pos[1];
    if (!strcmp(sub, "list"))
        return a->n_pos == 2 ? keys_list(ctx, a) : cli_usage_error("keys list takes no names");
    if (a->n_pos != 3)
        return cli_usage_error("keys %s NAME", sub);
    if (!strcmp(sub, "add"))
        return keys_add(ctx, a, a->pos[2], false);
    if (!strcmp(sub, "import"))
        return keys_add(ctx, a, a->pos[2], true);
    if (!strcmp(sub, "show"))
        return keys_show(ctx, a, a->pos[2]);
    if (!strcmp(sub, "delete"))
        return keys_delete(ctx, a, a->pos[2]);
    return cli_usage_error("keys: unknown command \"%s\"", sub);
}
