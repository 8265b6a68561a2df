/* prompt.c — passphrase files and the terminal with echo off. */
#include "cli/prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lib/wipe.h"

ag_err cli_read_stream(char *out, size_t cap, FILE *f)
{
    size_t len = fread(out, 1, cap - 1, f);
    if (ferror(f))
        return ag_err_from_errno(errno ? errno : EIO, "read");
    if (len == cap - 1 && fgetc(f) != EOF) {
        ag_wipe(out, cap);
        return ag_err_set(AG_ERR_TOO_LARGE, "input longer than %zu bytes", cap - 1);
    }
    out[len] = '\0';
    return AG_OK;
}

static void chomp(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

static ag_err read_tty(FILE *tty, char *out, size_t cap, const char *prompt)
{
    fprintf(tty, "%s", prompt);
    fflush(tty);
    struct termios old, quiet;
    bool restore = tcgetattr(fileno(tty), &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    char *got = fgets(out, (int)cap, tty);
    if (restore)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fprintf(tty, "\n");
    if (!got)
        return ag_err_set(AG_ERR_IO, "no passphrase read from the terminal");
    if (!strchr(out, '\n') && strlen(out) == cap - 1)
        return ag_err_set(AG_ERR_TOO_LARGE, "passphrase longer than %zu bytes", cap - 2);
    chomp(out);
    return AG_OK;
}

ag_err cli_read_passphrase(char *out, size_t cap, const char *file, const char *prompt,
                           bool confirm)
{
    ag_err err;
    if (file) {
        FILE *f = fopen(file, "re");
        if (!f)
            return ag_err_from_errno(errno, file);
        err = cli_read_stream(out, cap, f);
        fclose(f);
        if (!err)
            chomp(out);
        return err;
    }
    FILE *tty = fopen("/dev/tty", "r+e");
    if (!tty)
        return ag_err_set(AG_ERR_NOT_FOUND,
                          "no terminal to ask for a passphrase: pass --passphrase-file FILE");
    err = read_tty(tty, out, cap, prompt);
    if (!err && confirm) {
        char again[CLI_PASSPHRASE_MAX + 2];
        err = read_tty(tty, again, sizeof again, "Repeat the passphrase: ");
        if (!err && strcmp(again, out) != 0)
            err = ag_err_set(AG_ERR_VERIFY, "the passphrases differ");
        ag_wipe(again, sizeof again);
    }
    fclose(tty);
    if (err)
        ag_wipe(out, cap);
    return err;
}
