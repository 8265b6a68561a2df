/* light_config.c — `agora light` trust options and witnesses on disk. */
#include "cli/light_config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/keyring.h"
#include "lib/hex.h"

#define CONFIG_VERSION 1

static ag_err join(char *out, size_t cap, const char *home, const char *tail)
{
    int n = snprintf(out, cap, "%s/light%s", home, tail);
    return n < 0 || (size_t)n >= cap ? ag_err_set(AG_ERR_TOO_LARGE, "home path too long") : AG_OK;
}

ag_err cli_light_dir(char *out, size_t cap, const char *home)
{
    return join(out, cap, home, "");
}

ag_err cli_light_config_path(char *out, size_t cap, const char *home)
{
    return join(out, cap, home, "/config.json");
}

ag_err cli_light_store_path(char *out, size_t cap, const char *home)
{
    return join(out, cap, home, "/store");
}

ag_err cli_parse_duration(const char *s, int64_t *ns)
{
    static const struct {
        const char *unit;
        int64_t ns;
    } units[] = {{"ns", 1},
                 {"us", 1000},
                 {"ms", 1000000},
                 {"s", 1000000000},
                 {"m", 60LL * 1000000000},
                 {"h", 3600LL * 1000000000},
                 {"d", 86400LL * 1000000000}};
    const char *p = s;
    int64_t total = 0;
    *ns = 0;
    if (!s || !*s)
        return ag_err_set(AG_ERR_INVALID_ARG, "empty duration");
    while (*p) {
        if (*p < '0' || *p > '9')
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "duration \"%s\": expected a number (e.g. 336h, 14d, 10s)", s);
        uint64_t v = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (v > (uint64_t)INT64_MAX / 10)
                return ag_err_set(AG_ERR_INVALID_ARG, "duration \"%s\" too long", s);
            v = v * 10 + (uint64_t)(*p - '0');
        }
        size_t ulen = strspn(p, "nsumhd");
        size_t u = 0;
        while (u < sizeof units / sizeof units[0] &&
               (strlen(units[u].unit) != ulen || strncmp(units[u].unit, p, ulen) != 0))
            u++;
        if (u == sizeof units / sizeof units[0])
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "duration \"%s\": unit must be one of ns us ms s m h d", s);
        p += ulen;
        if (v > (uint64_t)(INT64_MAX / units[u].ns) || total > INT64_MAX - (int64_t)v * units[u].ns)
            return ag_err_set(AG_ERR_INVALID_ARG, "duration \"%s\" too long", s);
        total += (int64_t)v * units[u].ns;
    }
    if (total <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "duration \"%s\" must be positive", s);
    *ns = total;
    return AG_OK;
}

ag_err cli_parse_trust_level(const char *s, light_trust_level *out)
{
    unsigned long long num, den;
    int used = 0;
    if (!s || strspn(s, "0123456789/") != strlen(s) ||
        sscanf(s, "%llu/%llu%n", &num, &den, &used) != 2 || (size_t)used != strlen(s) || num == 0 ||
        den == 0 || num > (1ULL << 32) || den > (1ULL << 32))
        return ag_err_set(AG_ERR_INVALID_ARG, "trust level \"%s\": expected N/D such as 1/3",
                          s ? s : "");
    *out = (light_trust_level){num, den};
    return AG_OK;
}

static bool get_i64(json_t *o, const char *name, int64_t min, int64_t *out)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < min)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

static ag_err decode(json_t *j, cli_light_config *c)
{
    memset(c, 0, sizeof *c);
    const char *chain = json_string_value(json_object_get(j, "chain_id"));
    const char *hash = json_string_value(json_object_get(j, "trust_hash"));
    const char *level = json_string_value(json_object_get(j, "trust_level"));
    json_t *w = json_object_get(j, "witnesses");
    int64_t version = 0;
    if (!get_i64(j, "version", 1, &version) || version != CONFIG_VERSION)
        return ag_err_set(AG_ERR_DECODE, "version: expected %d", CONFIG_VERSION);
    if (!chain || !*chain || strlen(chain) > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_DECODE, "chain_id: 1 to %d characters", CONS_CHAIN_ID_MAX);
    snprintf(c->chain_id, sizeof c->chain_id, "%s", chain);
    if (!get_i64(j, "trust_height", 1, &c->trust.height))
        return ag_err_set(AG_ERR_DECODE, "trust_height: a positive integer");
    if (!hash || strlen(hash) != 64 || ag_hex_decode_exact(c->trust.hash.b, 32, hash) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "trust_hash: 64 hex digits");
    if (!get_i64(j, "trusting_period_ns", 1, &c->trust.trusting_period_ns))
        return ag_err_set(AG_ERR_DECODE, "trusting_period_ns: a positive integer");
    if (!get_i64(j, "max_clock_drift_ns", 0, &c->trust.max_clock_drift_ns))
        return ag_err_set(AG_ERR_DECODE, "max_clock_drift_ns: an integer >= 0");
    if (cli_parse_trust_level(level, &c->trust.level))
        return ag_err_set(AG_ERR_DECODE, "trust_level: N/D such as 1/3");
    if (w && (!json_is_array(w) || json_array_size(w) > LIGHT_WITNESSES_MAX))
        return ag_err_set(AG_ERR_DECODE, "witnesses: an array of at most %d URLs",
                          LIGHT_WITNESSES_MAX);
    for (size_t i = 0; i < json_array_size(w); i++) {
        const char *u = json_string_value(json_array_get(w, i));
        if (!u || !*u || strlen(u) >= LIGHT_URL_MAX)
            return ag_err_set(AG_ERR_DECODE, "witnesses[%zu]: a URL under %d bytes", i,
                              LIGHT_URL_MAX);
        snprintf(c->witnesses[c->n_witnesses++], LIGHT_URL_MAX, "%s", u);
    }
    return AG_OK;
}

ag_err cli_light_config_load(const char *home, cli_light_config *out)
{
    char path[CLI_PATH_MAX];
    ag_err err = cli_light_config_path(path, sizeof path, home);
    if (err)
        return err;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return ag_err_set(AG_ERR_NOT_FOUND,
                              "no light client in %s: run `agora light init --trust-height H "
                              "--trust-hash HASH` first",
                              home);
        return ag_err_from_errno(errno, path);
    }
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > CLI_LIGHT_CONFIG_MAX)
        return ag_err_set(AG_ERR_DECODE, "%s: not a file of at most %zu bytes", path,
                          CLI_LIGHT_CONFIG_MAX);
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return ag_err_set(AG_ERR_DECODE, "%s: line %d: %s", path, je.line, je.text);
    err = json_is_object(j) ? decode(j, out) : ag_err_set(AG_ERR_DECODE, "not an object");
    json_decref(j);
    if (err) {
        char why[256]; /* the detail buffer is rewritten by ag_err_set */
        snprintf(why, sizeof why, "%s", ag_err_detail());
        return ag_err_set(err, "%s: %s", path, why);
    }
    return AG_OK;
}

ag_err cli_light_config_save(const char *home, const cli_light_config *c)
{
    char dir[CLI_PATH_MAX], path[CLI_PATH_MAX], tmp[CLI_PATH_MAX + 8];
    ag_err err = cli_light_dir(dir, sizeof dir, home);
    if (!err)
        err = cli_light_config_path(path, sizeof path, home);
    if (!err)
        err = cli_make_dirs(dir);
    if (err)
        return err;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    char hash[65], level[48];
    ag_hex_encode(hash, c->trust.hash.b, 32, true);
    light_trust_level lv = c->trust.level.den ? c->trust.level : LIGHT_TRUST_LEVEL_DEFAULT;
    snprintf(level, sizeof level, "%" PRIu64 "/%" PRIu64, lv.num, lv.den);
    json_t *w = json_array();
    for (size_t i = 0; i < c->n_witnesses; i++)
        json_array_append_new(w, json_string(c->witnesses[i]));
    json_t *j = json_pack(
        "{s:i, s:s, s:I, s:s, s:I, s:s, s:I, s:o}", "version", CONFIG_VERSION, "chain_id",
        c->chain_id, "trust_height", (json_int_t)c->trust.height, "trust_hash", hash,
        "trusting_period_ns", (json_int_t)c->trust.trusting_period_ns, "trust_level", level,
        "max_clock_drift_ns", (json_int_t)c->trust.max_clock_drift_ns, "witnesses", w);
    char *text = j ? json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!text)
        return ag_err_set(AG_ERR_NOMEM, "light config");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    if (fd < 0)
        err = ag_err_from_errno(errno, tmp);
    else if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0)
        err = ag_err_from_errno(errno, tmp);
    if (fd >= 0 && close(fd) != 0 && !err)
        err = ag_err_from_errno(errno, tmp);
    if (!err && rename(tmp, path) != 0)
        err = ag_err_from_errno(errno, path);
    if (err)
        unlink(tmp);
    free(text);
    return err;
}
