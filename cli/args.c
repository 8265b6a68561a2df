/* args.c — argv into positionals and options. */
#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options that never take a value. */
static const char *const switches[] = {"yes",  "dry-run",    "prove", "address", "pubkey",
                                       "help", "auto-award", "force", "recover", NULL};

static bool is_switch(const char *name, size_t len)
{
    for (size_t i = 0; switches[i]; i++)
        if (strlen(switches[i]) == len && !strncmp(switches[i], name, len))
            return true;
    return false;
}

ag_err cli_args_parse(cli_args *a, int argc, const char *const *argv)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (strncmp(s, "--", 2) != 0 || s[2] == '\0' || s[2] == '-') {
            if (a->n_pos == CLI_ARGS_MAX)
                return ag_err_set(AG_ERR_INVALID_ARG, "too many arguments");
            a->pos[a->n_pos++] = s;
            continue;
        }
        if (a->n_opt == CLI_ARGS_MAX)
            return ag_err_set(AG_ERR_INVALID_ARG, "too many options");
        cli_opt *o = &a->opt[a->n_opt++];
        o->name = s + 2;
        const char *eq = strchr(o->name, '=');
        o->name_len = eq ? (size_t)(eq - o->name) : strlen(o->name);
        if (eq)
            o->value = eq + 1;
        else if (is_switch(o->name, o->name_len))
            o->value = "";
        else if (i + 1 < argc)
            o->value = argv[++i];
        else
            return ag_err_set(AG_ERR_INVALID_ARG, "option --%s needs a value", o->name);
    }
    return AG_OK;
}

const char *cli_args_get(cli_args *a, const char *name)
{
    const char *v = NULL;
    size_t len = strlen(name);
    for (int i = 0; i < a->n_opt; i++)
        if (a->opt[i].name_len == len && !strncmp(a->opt[i].name, name, len)) {
            a->opt[i].used = true;
            v = a->opt[i].value;
        }
    return v;
}

bool cli_args_has(cli_args *a, const char *name)
{
    return cli_args_get(a, name) != NULL;
}

size_t cli_args_all(cli_args *a, const char *name, const char **out, size_t max, ag_err *err)
{
    size_t n = 0, len = strlen(name);
    *err = AG_OK;
    for (int i = 0; i < a->n_opt; i++) {
        if (a->opt[i].name_len != len || strncmp(a->opt[i].name, name, len) != 0)
            continue;
        a->opt[i].used = true;
        if (n == max) {
            *err = ag_err_set(AG_ERR_TOO_LARGE, "at most %zu --%s options", max, name);
            return n;
        }
        out[n++] = a->opt[i].value;
    }
    return n;
}

ag_err cli_args_unused(const cli_args *a)
{
    for (int i = 0; i < a->n_opt; i++)
        if (!a->opt[i].used)
            return ag_err_set(AG_ERR_INVALID_ARG, "unknown option --%.*s for this command",
                              (int)a->opt[i].name_len, a->opt[i].name);
    return AG_OK;
}

static ag_err parse_u64(const char *s, const char *what, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return ag_err_set(AG_ERR_INVALID_ARG, "%s: \"%s\" is not a number", what, s ? s : "");
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return ag_err_set(AG_ERR_INVALID_ARG, "%s: \"%s\" is not a 64-bit number", what, s);
    *out = v;
    return AG_OK;
}

ag_err cli_args_u64(cli_args *a, const char *name, uint64_t def, uint64_t *out)
{
    const char *v = cli_args_get(a, name);
    *out = def;
    if (!v)
        return AG_OK;
    char what[64];
    snprintf(what, sizeof what, "--%s", name);
    return parse_u64(v, what, out);
}

ag_err cli_parse_id(const char *s, const char *what, uint64_t *out)
{
    ag_err err = parse_u64(s, what, out);
    if (!err && *out == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "%s must be > 0", what);
    return err;
}
