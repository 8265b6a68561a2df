/* ctx.c — common options, key unlocking and error reporting. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/prompt.h"
#include "lib/wipe.h"
#include "cli/rpc_client.h"

ag_err cli_ctx_init(cli_ctx *ctx, cli_args *a)
{
    memset(ctx, 0, sizeof *ctx);
    const char *home = cli_args_get(a, "home");
    const char *env = getenv("AGORA_HOME"), *user = getenv("HOME");
    int n;
    if (home && *home)
        n = snprintf(ctx->home, sizeof ctx->home, "%s", home);
    else if (env && *env)
        n = snprintf(ctx->home, sizeof ctx->home, "%s", env);
    else if (user && *user)
        n = snprintf(ctx->home, sizeof ctx->home, "%s/.agora", user);
    else
        return ag_err_set(AG_ERR_NOT_FOUND, "no home directory: pass --home or set AGORA_HOME");
    if (n < 0 || (size_t)n >= sizeof ctx->home ||
        (size_t)snprintf(ctx->keyring, sizeof ctx->keyring, "%s/keyring", ctx->home) >=
            sizeof ctx->keyring)
        return ag_err_set(AG_ERR_TOO_LARGE, "home path too long");
    const char *backend = cli_args_get(a, "keyring-backend");
    if (!backend || !strcmp(backend, "file"))
        ctx->backend = CLI_KEYRING_FILE;
    else if (!strcmp(backend, "test"))
        ctx->backend = CLI_KEYRING_TEST;
    else
        return ag_err_set(AG_ERR_INVALID_ARG, "--keyring-backend: \"%s\" (file or test)", backend);
    ctx->passphrase_file = cli_args_get(a, "passphrase-file");
    ctx->node = cli_args_get(a, "node");
    if (!ctx->node)
        ctx->node = CLI_DEFAULT_NODE;
    const char *out = cli_args_get(a, "output");
    if (out && strcmp(out, "json") && strcmp(out, "text"))
        return ag_err_set(AG_ERR_INVALID_ARG, "--output: \"%s\" (text or json)", out);
    ctx->json = out && !strcmp(out, "json");
    return AG_OK;
}

ag_err cli_resolve_address(const cli_ctx *ctx, const char *who, crypto_address *addr, char *bech,
                           size_t cap)
{
    if (crypto_address_from_bech32(addr, AGORA_BECH32_PREFIX, who) != AG_OK) {
        cli_key_info k;
        ag_err err = cli_keyring_find(ctx->keyring, who, &k);
        if (err)
            return ag_err_set(err, "\"%s\" is neither an agora1... address nor a key name", who);
        *addr = k.addr;
    }
    return crypto_address_to_bech32(bech, cap, AGORA_BECH32_PREFIX, addr);
}

int cli_fail(ag_err err)
{
    const char *d = ag_err_detail();
    fprintf(stderr, "Error: %s\n", *d ? d : ag_strerror(err));
    return 1;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "Error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see `agora help`)\n");
    va_end(ap);
    return 2;
}

ag_err cli_unlock_key(const cli_ctx *ctx, const char *who, crypto_privkey *key, cli_key_info *info)
{
    ag_err err = cli_keyring_find(ctx->keyring, who, info);
    if (err)
        return err;
    char pass[CLI_PASSPHRASE_MAX + 2] = "";
    if (info->encrypted) {
        char prompt[CLI_KEY_NAME_MAX + 40];
        snprintf(prompt, sizeof prompt, "Passphrase for key \"%s\": ", info->name);
        err = cli_read_passphrase(pass, sizeof pass, ctx->passphrase_file, prompt, false);
    }
    if (!err)
        err = cli_keyring_load(ctx->keyring, ctx->backend, info->name, pass, key);
    ag_wipe(pass, sizeof pass);
    return err;
}

void cli_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(j);
}
