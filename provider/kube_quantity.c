/*
 * kube_quantity.c — Kubernetes quantity parsing (see kube_quantity.h).
 *
 * The number is held as mantissa * 10^dexp * 2^bexp with a 128-bit integer
 * mantissa (up to 38 integer digits, fraction digits while there are fewer
 * than 19 significant ones, which covers every quantity a node reports
 * exactly); the positive factors are multiplied in with
 * overflow checks, then the negative power of ten is divided out, which
 * floors. Integer digits that do not fit the mantissa make the value too
 * large; fraction digits beyond it are dropped, which floors.
 */
#include "provider/kube_quantity.h"

#include <stdbool.h>
#include <string.h>

#define MANTISSA_DIGITS_MAX 38 /* 10^38 - 1 fits in 128 bits */
/* Significant digits once a fraction starts: leaves room in 128 bits for
 * the x1000 scale and a binary suffix (2^60) before the division. */
#define FRACTION_DIGITS_MAX 19

__extension__ typedef unsigned __int128 wide;
#define DEXP_LIMIT 64 /* beyond this nothing fits, or everything floors to 0 */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The suffix after the number: sets *dexp_add / *bexp; false if unknown. */
static bool suffix(const char *p, int *dexp_add, int *bexp)
{
    static const struct {
        const char *s;
        int dexp, bexp;
    } table[] = {
        {"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
        {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
        {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (!strcmp(p, table[i].s)) {
            *dexp_add = table[i].dexp;
            *bexp = table[i].bexp;
            return true;
        }
    }
    /* Exponent form: e or E then an optionally signed integer. */
    if (p[0] != 'e' && p[0] != 'E')
        return false;
    p++;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!is_digit(*p))
        return false;
    int e = 0;
    for (; is_digit(*p); p++) {
        e = e * 10 + (*p - '0');
        if (e > 1000)
            return false; /* absurd; the length bound already keeps this small */
    }
    if (*p)
        return false;
    *dexp_add = neg ? -e : e;
    *bexp = 0;
    return true;
}

static bool mul_checked(wide *v, uint64_t by)
{
    return !__builtin_mul_overflow(*v, by, v);
}

ag_err provider_quantity_parse(const char *s, uint64_t scale, uint64_t *out)
{
    if (!s || !out || scale == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "quantity: null input or zero scale");
    size_t len = strnlen(s, PROVIDER_QUANTITY_MAX_LEN + 1);
    if (len == 0 || len > PROVIDER_QUANTITY_MAX_LEN)
        return ag_err_set(AG_ERR_DECODE, "quantity: empty or longer than %d characters",
                          PROVIDER_QUANTITY_MAX_LEN);
    const char *p = s;
    if (*p == '-')
        return ag_err_set(AG_ERR_DECODE, "quantity \"%s\": negative", s);
    if (*p == '+')
        p++;
    wide mant = 0;
    int digits = 0, dexp = 0;
    bool any = false, point = false;
    for (;; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (!is_digit(*p))
            break;
        any = true;
        if (mant == 0 && *p == '0') {
            if (point)
                dexp--; /* leading zeros of a fraction only shift */
            continue;
        }
        if (digits < (point ? FRACTION_DIGITS_MAX : MANTISSA_DIGITS_MAX)) {
            mant = mant * 10 + (wide)(*p - '0');
            digits++;
            if (point)
                dexp--;
        } else if (!point) {
            return ag_err_set(AG_ERR_OVERFLOW, "quantity \"%s\": too many digits", s);
        } /* fraction digits beyond the precision kept are dropped: floors */
    }
    if (!any)
        return ag_err_set(AG_ERR_DECODE, "quantity \"%s\": no digits", s);
    int dexp_add, bexp;
    if (!suffix(p, &dexp_add, &bexp))
        return ag_err_set(AG_ERR_DECODE, "quantity \"%s\": unknown suffix \"%s\"", s, p);
    dexp += dexp_add;
    if (mant == 0) {
        *out = 0;
        return AG_OK;
    }
    if (dexp > DEXP_LIMIT)
        return ag_err_set(AG_ERR_OVERFLOW, "quantity \"%s\": too large", s);
    if (dexp < -DEXP_LIMIT) {
        *out = 0; /* floors to nothing */
        return AG_OK;
    }
    wide v = mant;
    bool ok = mul_checked(&v, scale);
    for (int i = 0; ok && i < bexp; i++)
        ok = mul_checked(&v, 2);
    for (int i = 0; ok && i < dexp; i++)
        ok = mul_checked(&v, 10);
    for (int i = 0; ok && i < -dexp && v; i++)
        v /= 10;
    if (!ok || v > UINT64_MAX)
        return ag_err_set(AG_ERR_OVERFLOW, "quantity \"%s\" (x%llu) does not fit in 64 bits", s,
                          (unsigned long long)scale);
    *out = (uint64_t)v;
    return AG_OK;
}
