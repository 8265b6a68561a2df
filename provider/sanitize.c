/*
 * sanitize.c — see sanitize.h. Every rule is a whitelist: anything not
 * explicitly allowed is replaced (names) or refused (images, env names).
 */
#include "provider/sanitize.h"

#include <stdio.h>
#include <string.h>

#include "crypto/hash.h"

static bool is_lower_alnum(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(uint8_t c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool bytes_are_dns_label(const uint8_t *in, size_t len, size_t max)
{
    if (len == 0 || len > max || !is_lower_alnum(in[0]) || !is_lower_alnum(in[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_lower_alnum(in[i]) && in[i] != '-')
            return false;
    return true;
}

bool provider_is_dns_label(const char *s)
{
    return s && bytes_are_dns_label((const uint8_t *)s, strlen(s), PROVIDER_DNS_LABEL_MAX);
}

static void hash_hex(char *out, size_t digits, const uint8_t *in, size_t len)
{
    uint8_t h[CRYPTO_SHA256_LEN];
    crypto_sha256(h, in, len);
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < digits; i++)
        out[i] = hx[(h[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    out[digits] = '\0';
}

void provider_dns_label(char *out, size_t max, const uint8_t *in, size_t len)
{
    if (max > PROVIDER_DNS_LABEL_MAX)
        max = PROVIDER_DNS_LABEL_MAX;
    if (bytes_are_dns_label(in, len, max)) {
        memcpy(out, in, len);
        out[len] = '\0';
        return;
    }
    /* "x-" + body + "-" + 8 hex: the prefix makes the result distinct from
     * every input that was valid as is. */
    char suffix[9];
    hash_hex(suffix, 8, in, len);
    size_t room = max - 2 - 1 - 8;
    size_t n = 0;
    char body[PROVIDER_NAME_CAP];
    for (size_t i = 0; i < len && n < room; i++) {
        uint8_t c = in[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        body[n++] = is_lower_alnum(c) ? (char)c : '-';
    }
    /* no leading/trailing or doubled '-' from replaced runs */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (body[i] == '-' && (w == 0 || body[w - 1] == '-'))
            continue;
        body[w++] = body[i];
    }
    while (w > 0 && body[w - 1] == '-')
        w--;
    body[w] = '\0';
    /* w <= room, so "x-" + body + "-" + 8 hex fits in max */
    size_t o = 0;
    out[o++] = 'x';
    out[o++] = '-';
    memcpy(out + o, body, w);
    o += w;
    if (w)
        out[o++] = '-';
    memcpy(out + o, suffix, 9);
}

void provider_label_value(char out[PROVIDER_NAME_CAP], const uint8_t *in, size_t len)
{
    bool ok = len <= PROVIDER_DNS_LABEL_MAX;
    if (ok && len > 0) {
        ok = is_alnum(in[0]) && is_alnum(in[len - 1]);
        for (size_t i = 0; ok && i < len; i++)
            ok = is_alnum(in[i]) || in[i] == '-' || in[i] == '_' || in[i] == '.';
    }
    if (ok) {
        memcpy(out, in, len);
        out[len] = '\0';
        return;
    }
    out[0] = 'h';
    out[1] = '-';
    hash_hex(out + 2, 16, in, len);
}

bool provider_image_ok(const uint8_t *in, size_t len, char *why, size_t cap)
{
    if (len == 0 || len > 256) {
        snprintf(why, cap, "image reference length %zu not in 1..256", len);
        return false;
    }
    if (!is_alnum(in[0]) || !is_alnum(in[len - 1])) {
        snprintf(why, cap, "image reference must start and end with a letter or digit");
        return false;
    }
    int ats = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        if (!is_alnum(c) && c != '.' && c != '_' && c != '/' && c != ':' && c != '@' && c != '-') {
            snprintf(why, cap, "image reference has a forbidden byte 0x%02x at %zu", c, i);
            return false;
        }
        if (c == '@')
            ats++;
        if (i > 0 && (c == '/' || c == '.') && in[i - 1] == c) {
            snprintf(why, cap, "image reference has an empty path component at %zu", i);
            return false;
        }
    }
    if (ats > 1) {
        snprintf(why, cap, "image reference has more than one '@'");
        return false;
    }
    return true;
}

bool provider_env_name_ok(const uint8_t *in, size_t len)
{
    if (len == 0 || len > 128)
        return false;
    if (!(is_alnum(in[0]) || in[0] == '_') || (in[0] >= '0' && in[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(in[i]) && in[i] != '_')
            return false;
    return true;
}

bool provider_utf8_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= len)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += n + 1;
    }
    return true;
}
