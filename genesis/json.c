/* json.c — CometBFT's JSON shapes with jansson; atomic file writes. */
#include "genesis/json.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base64.h"
#include "lib/wipe.h"

static ag_err missing(const char *key, bool required)
{
    return required ? ag_err_set(AG_ERR_DECODE, "JSON: \"%s\" is missing", key) : AG_OK;
}

static ag_err parse_int64(const char *s, int64_t *out)
{
    /* Decimal only: optional '-', 1..19 digits, no leading zeros, no '+'/space. */
    const char *p = s;
    bool neg = *p == '-';
    if (neg)
        p++;
    size_t n = strlen(p);
    if (n == 0 || n > 19 || (n > 1 && p[0] == '0'))
        return AG_ERR_DECODE;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return AG_ERR_DECODE;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return AG_ERR_DECODE;
    if (neg && v == 0)
        return AG_ERR_DECODE; /* "-0" */
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return AG_OK;
}

ag_err genesis_json_get_int64(const json_t *obj, const char *key, bool required, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return missing(key, required);
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return AG_OK;
    }
    int64_t x;
    if (!json_is_string(v) || parse_int64(json_string_value(v), &x) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "JSON: \"%s\" must be a decimal int64 string", key);
    *out = x;
    return AG_OK;
}

ag_err genesis_json_get_uint(const json_t *obj, const char *key, bool required, uint64_t max,
                             uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return missing(key, required);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return ag_err_set(AG_ERR_DECODE, "JSON: \"%s\" must be an integer in 0..%" PRIu64, key,
                          max);
    *out = (uint64_t)json_integer_value(v);
    return AG_OK;
}

ag_err genesis_json_get_string(const json_t *obj, const char *key, bool required, char *out,
                               size_t max_len)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return missing(key, required);
    if (!json_is_string(v))
        return ag_err_set(AG_ERR_DECODE, "JSON: \"%s\" must be a string", key);
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len > max_len)
        return ag_err_set(AG_ERR_TOO_LARGE, "JSON: \"%s\" is %zu bytes (max %zu)", key, len,
                          max_len);
    if (memchr(s, '\0', len))
        return ag_err_set(AG_ERR_DECODE, "JSON: \"%s\" contains a NUL character", key);
    memcpy(out, s, len);
    out[len] = '\0';
    return AG_OK;
}

/* Decode {"type": type, "value": base64} of exactly `len` bytes into out. */
static ag_err get_typed_bytes(const json_t *obj, const char *key, const char *type, uint8_t *out,
                              size_t len)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || !json_is_object(v))
        return ag_err_set(AG_ERR_DECODE, "JSON: \"%s\" must be an object {type, value}", key);
    const char *t = json_string_value(json_object_get(v, "type"));
    const char *val = json_string_value(json_object_get(v, "value"));
    if (!t || !val)
        return ag_err_set(AG_ERR_DECODE, "JSON: \"%s\" needs string \"type\" and \"value\"", key);
    if (strcmp(t, type) != 0)
        return ag_err_set(AG_ERR_UNSUPPORTED, "JSON: \"%s\" has key type \"%s\" (expected %s)", key,
                          t, type);
    uint8_t buf[64];
    size_t n = 0;
    ag_err err = ag_base64_decode(buf, sizeof buf, &n, val, strlen(val));
    if (err == AG_OK && n != len)
        err = ag_err_set(AG_ERR_LENGTH, "JSON: \"%s\" value is %zu bytes (expected %zu)", key, n,
                         len);
    else if (err != AG_OK)
        err = ag_err_set(err, "JSON: \"%s\" value is not valid base64", key);
    if (err == AG_OK)
        memcpy(out, buf, len);
    ag_wipe(buf, sizeof buf);
    return err;
}

ag_err genesis_json_get_pubkey(const json_t *obj, const char *key, crypto_pubkey *out)
{
    uint8_t raw[CRYPTO_PUBKEY_LEN];
    ag_err err = get_typed_bytes(obj, key, GENESIS_PUBKEY_TYPE_SECP256K1, raw, CRYPTO_PUBKEY_LEN);
    if (err != AG_OK)
        return err;
    crypto_pubkey pub;
    err = crypto_pubkey_parse(&pub, raw, sizeof raw);
    if (err != AG_OK)
        return ag_err_set(err, "JSON: \"%s\" is not a valid secp256k1 public key", key);
    *out = pub;
    return AG_OK;
}

ag_err genesis_json_get_privkey(const json_t *obj, const char *key, crypto_privkey *out)
{
    uint8_t raw[CRYPTO_PRIVKEY_LEN];
    ag_err err = get_typed_bytes(obj, key, GENESIS_PRIVKEY_TYPE_SECP256K1, raw, CRYPTO_PRIVKEY_LEN);
    if (err == AG_OK) {
        err = crypto_privkey_from_bytes(out, raw, sizeof raw);
        if (err != AG_OK)
            err = ag_err_set(err, "JSON: \"%s\" is not a valid secp256k1 private key", key);
    }
    ag_wipe(raw, sizeof raw);
    return err;
}

static json_t *typed_bytes(const char *type, const uint8_t *b, size_t len)
{
    char text[96]; /* base64 of up to 64 bytes is 88 characters */
    ag_base64_encode(text, b, len);
    json_t *o = json_pack("{s:s, s:s}", "type", type, "value", text);
    ag_wipe(text, sizeof text);
    return o;
}

json_t *genesis_json_pubkey(const crypto_pubkey *pub)
{
    return typed_bytes(GENESIS_PUBKEY_TYPE_SECP256K1, pub->b, CRYPTO_PUBKEY_LEN);
}

json_t *genesis_json_int64(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, v);
    return json_string(s);
}

ag_err genesis_json_load_file(json_t **out, const char *path, size_t max_bytes)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ag_err_from_errno(errno, path);
    ag_err err = AG_OK;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        err = ag_err_from_errno(errno, path);
    } else if ((uint64_t)st.st_size > max_bytes) {
        err = ag_err_set(AG_ERR_TOO_LARGE, "%s: %lld bytes (max %zu)", path, (long long)st.st_size,
                         max_bytes);
    } else {
        json_error_t je;
        json_t *j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
        if (!j)
            err = ag_err_set(AG_ERR_DECODE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        *out = j;
    }
    fclose(f);
    return err;
}

ag_err genesis_json_save_text(const char *text, size_t len, const char *path, unsigned mode)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return ag_err_set(AG_ERR_INVALID_ARG, "path too long: %s", path);
    ag_err err = AG_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return ag_err_from_errno(errno, tmp);
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = ag_err_from_errno(errno, tmp);
            break;
        }
        off += (size_t)n;
    }
    if (err == AG_OK && fsync(fd) != 0)
        err = ag_err_from_errno(errno, tmp);
    if (close(fd) != 0 && err == AG_OK)
        err = ag_err_from_errno(errno, tmp);
    if (err == AG_OK && rename(tmp, path) != 0)
        err = ag_err_from_errno(errno, path);
    if (err != AG_OK) {
        unlink(tmp);
        return err;
    }
    /* The rename is durable only once the directory entry is. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return ag_err_from_errno(errno, "open of the directory for fsync");
    if (fsync(dfd) != 0)
        err = ag_err_from_errno(errno, "fsync of the directory");
    close(dfd);
    return err;
}

ag_err genesis_json_save_file(const json_t *json, const char *path, unsigned mode)
{
    char *text = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return ag_err_set(AG_ERR_NOMEM, "JSON encoding of %s", path);
    size_t len = strlen(text);
    char *full = realloc(text, len + 2);
    if (!full) {
        free(text);
        return ag_err_set(AG_ERR_NOMEM, "JSON encoding of %s", path);
    }
    full[len] = '\n';
    full[len + 1] = '\0';
    ag_err err = genesis_json_save_text(full, len + 1, path, mode);
    free(full);
    return err;
}
