/*
 * prompt.h — passphrases and mnemonics from the user, never from argv.
 *
 * A passphrase comes from --passphrase-file (its first line) or, failing
 * that, from the controlling terminal with echo off. Without either the
 * answer is AG_ERR_NOT_FOUND with advice, so scripts fail instead of
 * hanging. Errors: AG_ERR_TOO_LARGE (longer than the buffer),
 * AG_ERR_VERIFY (the confirmation differs), the errno errors.
 */
#ifndef AGORA_CLI_PROMPT_H
#define AGORA_CLI_PROMPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "lib/err.h"

#define CLI_PASSPHRASE_MAX 256

/* file: NULL or a path. confirm: ask twice on a terminal. out is wiped by
 * the caller (ag_wipe) after use. */
ag_err cli_read_passphrase(char *out, size_t cap, const char *file, const char *prompt,
                           bool confirm);
/* Read all of f (at most cap-1 bytes) into out, NUL-terminated. */
ag_err cli_read_stream(char *out, size_t cap, FILE *f);

#endif
