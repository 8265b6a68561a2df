/* cli.c — option helpers shared by the agorad subcommands. */
#include "node/cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int node_cli_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                   const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "agorad %s: %s needs a value (see agorad help)\n", cmd, name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int node_cli_values(const char *cmd, int argc, char **argv, int *i, const char *name,
                    const char **list, size_t *count, size_t max)
{
    const char *v = NULL;
    int r = node_cli_value(cmd, argc, argv, i, name, &v);
    if (r <= 0)
        return r;
    if (*count == max) {
        fprintf(stderr, "agorad %s: more than %zu %s options\n", cmd, max, name);
        return -1;
    }
    list[(*count)++] = v;
    return 1;
}

bool node_cli_flag(const char *arg, const char *name)
{
    return strcmp(arg, name) == 0;
}

ag_err node_cli_default_home(char *out, size_t cap)
{
    const char *env = getenv("AGORA_HOME");
    int n;
    if (env && *env) {
        n = snprintf(out, cap, "%s", env);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return ag_err_set(AG_ERR_NOT_FOUND, "no --home given and neither AGORA_HOME nor HOME "
                                                "is set");
        n = snprintf(out, cap, "%s/.agora", home);
    }
    if (n < 0 || (size_t)n >= cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "home directory path too long");
    return AG_OK;
}

ag_err node_cli_parse_i64(const char *s, int64_t min, const char *what, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < min)
        return ag_err_set(AG_ERR_DECODE, "%s \"%s\": expected a whole number >= %lld", what, s,
                          (long long)min);
    *out = v;
    return AG_OK;
}
