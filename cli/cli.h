/*
 * cli.h — what the commands of `agora` share: the options every command
 * takes, the keyring location, and how failures are reported.
 *
 *   --home DIR               else $AGORA_HOME, else ~/.agora; keys live in DIR/keyring
 *   --keyring-backend file|test   file (default): encrypted; test: unencrypted, 0600
 *   --passphrase-file FILE   the key passphrase (first line); else the terminal asks
 *   --node URL               the node's RPC (default http://127.0.0.1:26657)
 *   --output text|json
 *
 * Each cli_cmd_* takes the words after its name and returns the process
 * exit status: 0 success, 1 failure (message on stderr), 2 usage error.
 */
#ifndef AGORA_CLI_CLI_H
#define AGORA_CLI_CLI_H
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "cli/args.h"
#include "cli/keyring.h"
#include "crypto/keys.h"

#define CLI_VERSION "0.1.0-dev"

typedef struct cli_ctx {
    char home[CLI_PATH_MAX];
    char keyring[CLI_PATH_MAX];
    cli_keyring_backend backend;
    const char *passphrase_file;
    const char *node;
    bool json;
} cli_ctx;

/* Read the common options from a (marking them used). */
ag_err cli_ctx_init(cli_ctx *ctx, cli_args *a);

int cli_cmd_keys(cli_ctx *ctx, cli_args *a);
int cli_cmd_tx(cli_ctx *ctx, cli_args *a);
int cli_cmd_query(cli_ctx *ctx, cli_args *a);
int cli_cmd_light(cli_ctx *ctx, cli_args *a);
void cli_usage(FILE *out);

/* Print "Error: <detail or strerror>" to stderr; returns 1. */
int cli_fail(ag_err err);
/* Print a usage error; returns 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open key `name_or_address`, asking for its passphrase if it is encrypted. */
ag_err cli_unlock_key(const cli_ctx *ctx, const char *name_or_address, crypto_privkey *key,
                      cli_key_info *info);

/* An agora1... address, or the address of key `who` in the keyring; its
 * bech32 form into bech (cap bytes). AG_ERR_NOT_FOUND naming `who`. */
ag_err cli_resolve_address(const cli_ctx *ctx, const char *who, crypto_address *addr, char *bech,
                           size_t cap);

/* Print j (JSON mode: compact on one line; takes the reference). */
void cli_print_json(json_t *j);

#endif
