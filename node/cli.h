/*
 * cli.h — the subcommands of `agorad` (one file each: cmd_<name>.c) and the
 * small helpers they share for options and the home directory.
 *
 * Every node_cmd_* takes the arguments after the command name and returns
 * the process exit status: 0 on success, 1 for a failure at run time (the
 * message is logged or printed), 2 for a usage error.
 */
#ifndef AGORA_NODE_CLI_H
#define AGORA_NODE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

#define NODE_VERSION "0.1.0-dev"
/* CometBFT's protocol versions this node speaks. */
#define NODE_ABCI_VERSION "2.0.0" /* ABCI of CometBFT v0.38 */

int node_cmd_app(int argc, char **argv);
int node_cmd_init(int argc, char **argv);
int node_cmd_start(int argc, char **argv);
int node_cmd_testnet(int argc, char **argv);
int node_cmd_show_node_id(int argc, char **argv);
int node_cmd_show_validator(int argc, char **argv);
int node_cmd_inspect(int argc, char **argv);
int node_cmd_feed(int argc, char **argv);

/* The full help text of agorad. */
void node_usage(FILE *out);

/*
 * Match argv[*i] against option `name` taking a value ("--home DIR" or
 * "--home=DIR"). Returns 1 and sets *value (advancing *i past a separate
 * value) on a match, 0 if argv[*i] is another option, -1 (with a message on
 * stderr naming `cmd`) when the value is missing.
 */
int node_cli_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                   const char **value);

/*
 * node_cli_value for a repeatable option: on a match the value is appended
 * to list (*count entries of at most max) and 1 is returned; 0 if argv[*i]
 * is another option; -1 (with a message on stderr naming `cmd`) when the
 * value is missing or the option is given more than max times.
 */
int node_cli_values(const char *cmd, int argc, char **argv, int *i, const char *name,
                    const char **list, size_t *count, size_t max);

/* True when argv[i] is the flag `name` (no value). */
bool node_cli_flag(const char *arg, const char *name);

/* The home directory when --home is not given: $AGORA_HOME, else
 * $HOME/.agora (written into out). AG_ERR_NOT_FOUND if neither is set. */
ag_err node_cli_default_home(char *out, size_t cap);

/* Parse a decimal int64 >= min. AG_ERR_DECODE naming `what`. */
ag_err node_cli_parse_i64(const char *s, int64_t min, const char *what, int64_t *out);

#endif
