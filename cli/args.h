/*
 * args.h — the command line of `agora`: positional words and --options.
 *
 * "--name value" and "--name=value" both work; the switches listed in
 * args.c (--yes, --dry-run, --prove, ...) take no value. Each command says
 * which options it accepts (cli_args_allow), so a typo is an error rather
 * than a silently ignored flag. Borrowed: the strings point into argv.
 */
#ifndef AGORA_CLI_ARGS_H
#define AGORA_CLI_ARGS_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/err.h"

#define CLI_ARGS_MAX 48

typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    size_t name_len;
    const char *value; /* "" for a switch */
    bool used;
} cli_opt;

typedef struct cli_args {
    const char *pos[CLI_ARGS_MAX];
    int n_pos;
    cli_opt opt[CLI_ARGS_MAX];
    int n_opt;
} cli_args;

/* Split argv; AG_ERR_INVALID_ARG (message in the detail) for a missing
 * value or too many words. */
ag_err cli_args_parse(cli_args *a, int argc, const char *const *argv);
/* The value of --name (the last one given), or NULL. Marks it used. */
const char *cli_args_get(cli_args *a, const char *name);
bool cli_args_has(cli_args *a, const char *name);
/* Every value of a repeatable --name, in order, into out (at most max; the
 * count is returned, AG_ERR_TOO_LARGE in *err when there are more). Marks
 * them used. */
size_t cli_args_all(cli_args *a, const char *name, const char **out, size_t max, ag_err *err);
/* AG_ERR_INVALID_ARG naming the first option not marked used. */
ag_err cli_args_unused(const cli_args *a);
/* Parse --name as an unsigned decimal (def when absent). */
ag_err cli_args_u64(cli_args *a, const char *name, uint64_t def, uint64_t *out);
/* Parse a positional as an unsigned decimal > 0 named `what`. */
ag_err cli_parse_id(const char *s, const char *what, uint64_t *out);

#endif
