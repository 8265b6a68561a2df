/* rfc3339.c — RFC 3339 timestamps, proleptic Gregorian calendar in integers. */
#include "lib/rfc3339.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SECONDS_PER_DAY 86400LL
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
#define MIN_SECONDS (-62135596800LL)
#define MAX_SECONDS 253402300799LL

/* Days since 1970-01-01 of a civil date (y, m 1..12, d 1..31): the
 * era-based computation (400-year cycles of 146097 days), exact for all
 * years in range, no floating point. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

ag_err ag_rfc3339_format(char out[AG_RFC3339_MAX], int64_t seconds, int32_t nanos)
{
    out[0] = '\0';
    if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos >= 1000000000)
        return ag_err_set(AG_ERR_INVALID_ARG, "time %lld.%09d outside years 1..9999",
                          (long long)seconds, (int)nanos);
    int64_t days = seconds / SECONDS_PER_DAY, rem = seconds % SECONDS_PER_DAY;
    if (rem < 0) {
        rem += SECONDS_PER_DAY;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int n = snprintf(out, AG_RFC3339_MAX, "%04d-%02d-%02dT%02d:%02d:%02d", (int)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    if (nanos > 0) {
        char frac[10];
        snprintf(frac, sizeof frac, "%09d", (int)nanos);
        size_t fl = 9;
        while (frac[fl - 1] == '0')
            fl--;
        out[n++] = '.';
        memcpy(out + n, frac, fl);
        n += (int)fl;
    }
    out[n++] = 'Z';
    out[n] = '\0';
    return AG_OK;
}

/* Read exactly `digits` decimal digits at in[*pos]. */
static bool read_num(const char *in, size_t len, size_t *pos, int digits, int *out)
{
    if (*pos + (size_t)digits > len)
        return false;
    int v = 0;
    for (int i = 0; i < digits; i++) {
        char c = in[*pos + (size_t)i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *pos += (size_t)digits;
    *out = v;
    return true;
}

static bool expect(const char *in, size_t len, size_t *pos, char c)
{
    if (*pos >= len || (in[*pos] != c && in[*pos] != (c | 0x20)))
        return false;
    (*pos)++;
    return true;
}

static ag_err parse_fail(int64_t *seconds, int32_t *nanos, const char *why)
{
    *seconds = 0;
    *nanos = 0;
    return ag_err_set(AG_ERR_DECODE, "RFC 3339 time: %s", why);
}

ag_err ag_rfc3339_parse(const char *in, size_t len, int64_t *seconds, int32_t *nanos)
{
    size_t pos = 0;
    int y, mo, d, h, mi, s;
    if (!read_num(in, len, &pos, 4, &y) || !expect(in, len, &pos, '-') ||
        !read_num(in, len, &pos, 2, &mo) || !expect(in, len, &pos, '-') ||
        !read_num(in, len, &pos, 2, &d) || !expect(in, len, &pos, 'T') ||
        !read_num(in, len, &pos, 2, &h) || !expect(in, len, &pos, ':') ||
        !read_num(in, len, &pos, 2, &mi) || !expect(in, len, &pos, ':') ||
        !read_num(in, len, &pos, 2, &s))
        return parse_fail(seconds, nanos, "expected YYYY-MM-DDTHH:MM:SS");
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        s > 59)
        return parse_fail(seconds, nanos, "date or time field out of range");
    int32_t ns = 0;
    if (pos < len && in[pos] == '.') {
        pos++;
        int digits = 0;
        while (pos < len && in[pos] >= '0' && in[pos] <= '9') {
            if (++digits > 9)
                return parse_fail(seconds, nanos, "more than 9 fraction digits");
            ns = ns * 10 + (in[pos++] - '0');
        }
        if (digits == 0)
            return parse_fail(seconds, nanos, "empty fraction");
        for (int i = digits; i < 9; i++)
            ns *= 10;
    }
    int64_t offset = 0;
    if (pos < len && (in[pos] == 'Z' || in[pos] == 'z')) {
        pos++;
    } else if (pos < len && (in[pos] == '+' || in[pos] == '-')) {
        int sign = in[pos++] == '-' ? -1 : 1, oh, om;
        if (!read_num(in, len, &pos, 2, &oh) || !expect(in, len, &pos, ':') ||
            !read_num(in, len, &pos, 2, &om) || oh > 23 || om > 59)
            return parse_fail(seconds, nanos, "bad zone offset");
        offset = sign * (oh * 3600LL + om * 60LL);
    } else {
        return parse_fail(seconds, nanos, "missing zone (Z or +hh:mm)");
    }
    if (pos != len)
        return parse_fail(seconds, nanos, "trailing characters");
    int64_t t = days_from_civil(y, mo, d) * SECONDS_PER_DAY + h * 3600LL + mi * 60LL + s - offset;
    if (t < MIN_SECONDS || t > MAX_SECONDS)
        return parse_fail(seconds, nanos, "outside years 1..9999 in UTC");
    *seconds = t;
    *nanos = ns;
    return AG_OK;
}
