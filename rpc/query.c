/* The event query language (query.h). */
#include "rpc/query.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '/';
}

static void skip_ws(const char *in, size_t len, size_t *i)
{
    while (*i < len && (in[*i] == ' ' || in[*i] == '\t' || in[*i] == '\n' || in[*i] == '\r'))
        (*i)++;
}

static bool word_at(const char *in, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    if (len - i < n || memcmp(in + i, w, n) != 0)
        return false;
    return i + n == len || !is_key_char(in[i + n]);
}

/* Parse a number as the query language writes it; false if not one. */
static bool parse_number(const char *s, size_t len, bool *is_int, int64_t *ival, double *num)
{
    if (len == 0 || len > 40)
        return false;
    size_t i = 0;
    if (s[0] == '-')
        i = 1;
    size_t digits = 0, frac = 0;
    bool dot = false;
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (dot)
                frac++;
            else
                digits++;
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    if (digits == 0 || (dot && frac == 0))
        return false;
    char tmp[48];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    *num = strtod(tmp, NULL);
    *is_int = !dot;
    *ival = 0;
    if (!dot) {
        errno = 0;
        long long v = strtoll(tmp, NULL, 10);
        if (errno == ERANGE)
            *is_int = false;
        else
            *ival = v;
    }
    return true;
}

ag_err rpc_query_parse(rpc_query *q, const char *in, size_t len)
{
    memset(q, 0, sizeof *q);
    if (len > RPC_QUERY_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "query: over %u bytes", RPC_QUERY_MAX);
    if (memchr(in, 0, len))
        return ag_err_set(AG_ERR_DECODE, "query: NUL byte");
    memcpy(q->text, in, len);
    size_t i = 0;
    for (;;) {
        skip_ws(in, len, &i);
        if (q->n == RPC_QUERY_CONDITIONS)
            return ag_err_set(AG_ERR_TOO_LARGE, "query: more than %u conditions",
                              RPC_QUERY_CONDITIONS);
        rpc_query_cond *c = &q->conds[q->n];
        size_t ks = i;
        while (i < len && is_key_char(in[i]))
            i++;
        if (i == ks)
            return ag_err_set(AG_ERR_DECODE, "query: expected a key at %zu", ks);
        if (i - ks > RPC_QUERY_KEY_MAX)
            return ag_err_set(AG_ERR_TOO_LARGE, "query: key over %d bytes", RPC_QUERY_KEY_MAX);
        memcpy(c->key, in + ks, i - ks);
        c->key[i - ks] = 0;
        skip_ws(in, len, &i);
        if (i >= len)
            return ag_err_set(AG_ERR_DECODE, "query: expected an operator at %zu", i);
        if (word_at(in, len, i, "EXISTS")) {
            c->op = RPC_OP_EXISTS;
            i += 6;
        } else {
            if (word_at(in, len, i, "CONTAINS")) {
                c->op = RPC_OP_CONTAINS;
                i += 8;
            } else if (in[i] == '=') {
                c->op = RPC_OP_EQ;
                i++;
            } else if (in[i] == '<' || in[i] == '>') {
                bool lt = in[i] == '<';
                i++;
                bool eq = i < len && in[i] == '=';
                if (eq)
                    i++;
                c->op = lt ? (eq ? RPC_OP_LE : RPC_OP_LT) : (eq ? RPC_OP_GE : RPC_OP_GT);
            } else {
                return ag_err_set(AG_ERR_DECODE, "query: unknown operator at %zu", i);
            }
            skip_ws(in, len, &i);
            if (i >= len)
                return ag_err_set(AG_ERR_DECODE, "query: expected an operand at %zu", i);
            if (in[i] == '\'') {
                size_t s = ++i;
                while (i < len && in[i] != '\'')
                    i++;
                if (i >= len)
                    return ag_err_set(AG_ERR_DECODE, "query: unterminated string at %zu", s - 1);
                if (i - s > RPC_QUERY_STR_MAX)
                    return ag_err_set(AG_ERR_TOO_LARGE, "query: string over %d bytes",
                                      RPC_QUERY_STR_MAX);
                memcpy(c->str, in + s, i - s);
                c->str_len = i - s;
                i++;
                if (c->op != RPC_OP_EQ && c->op != RPC_OP_CONTAINS)
                    return ag_err_set(AG_ERR_DECODE,
                                      "query: strings compare only with = and CONTAINS (%s)",
                                      c->key);
            } else if (word_at(in, len, i, "TIME") || word_at(in, len, i, "DATE")) {
                return ag_err_set(AG_ERR_UNSUPPORTED, "query: TIME and DATE are not supported");
            } else {
                size_t s = i;
                while (i < len && (in[i] == '-' || in[i] == '.' || (in[i] >= '0' && in[i] <= '9')))
                    i++;
                if (!parse_number(in + s, i - s, &c->num_is_int, &c->ival, &c->num))
                    return ag_err_set(AG_ERR_DECODE, "query: bad operand at %zu", s);
                if (c->op == RPC_OP_CONTAINS)
                    return ag_err_set(AG_ERR_DECODE, "query: CONTAINS takes a string");
                c->is_num = true;
                memcpy(c->str, in + s, i - s);
                c->str_len = i - s;
            }
        }
        q->n++;
        skip_ws(in, len, &i);
        if (i == len)
            break;
        if (word_at(in, len, i, "AND")) {
            i += 3;
            continue;
        }
        if (word_at(in, len, i, "OR"))
            return ag_err_set(AG_ERR_UNSUPPORTED, "query: OR is not supported");
        return ag_err_set(AG_ERR_DECODE, "query: expected AND at %zu", i);
    }
    return AG_OK;
}

bool rpc_query_value_match(const rpc_query_cond *c, const char *value, size_t len)
{
    if (c->op == RPC_OP_EXISTS)
        return true;
    if (c->op == RPC_OP_CONTAINS) {
        if (c->str_len == 0)
            return true;
        if (len < c->str_len)
            return false;
        for (size_t i = 0; i + c->str_len <= len; i++)
            if (memcmp(value + i, c->str, c->str_len) == 0)
                return true;
        return false;
    }
    if (!c->is_num)
        return c->op == RPC_OP_EQ && len == c->str_len && memcmp(value, c->str, len) == 0;
    bool vi;
    int64_t vint;
    double vnum;
    if (!parse_number(value, len, &vi, &vint, &vnum))
        return false;
    int cmp;
    if (vi && c->num_is_int)
        cmp = vint < c->ival ? -1 : vint > c->ival;
    else
        cmp = vnum < c->num ? -1 : vnum > c->num;
    switch (c->op) {
    case RPC_OP_EQ:
        return cmp == 0;
    case RPC_OP_LT:
        return cmp < 0;
    case RPC_OP_LE:
        return cmp <= 0;
    case RPC_OP_GT:
        return cmp > 0;
    case RPC_OP_GE:
        return cmp >= 0;
    default:
        return false;
    }
}

bool rpc_query_cond_match(const rpc_query_cond *c, const rpc_events *ev)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->a[i].key, c->key) == 0 &&
            rpc_query_value_match(c, ev->a[i].value, strlen(ev->a[i].value)))
            return true;
    return false;
}

bool rpc_query_match(const rpc_query *q, const rpc_events *ev)
{
    for (size_t i = 0; i < q->n; i++)
        if (!rpc_query_cond_match(&q->conds[i], ev))
            return false;
    return true;
}

ag_err rpc_events_add(rpc_events *ev, const char *type, const char *attr, const char *value,
                      size_t value_len)
{
    if (ev->n == ev->cap) {
        size_t nc = ev->cap ? ev->cap * 2 : 16;
        rpc_event_attr *na = realloc(ev->a, nc * sizeof *na);
        if (!na)
            return ag_err_set(AG_ERR_NOMEM, "events: out of memory");
        ev->a = na;
        ev->cap = nc;
    }
    size_t tl = strlen(type), al = attr ? strlen(attr) : 0;
    char *k = malloc(tl + al + 2);
    char *v = malloc(value_len + 1);
    if (!k || !v) {
        free(k);
        free(v);
        return ag_err_set(AG_ERR_NOMEM, "events: out of memory");
    }
    memcpy(k, type, tl);
    if (attr) {
        k[tl] = '.';
        memcpy(k + tl + 1, attr, al);
        k[tl + 1 + al] = 0;
    } else {
        k[tl] = 0;
    }
    /* a value with an embedded NUL is cut there: attribute values are strings */
    memcpy(v, value, value_len);
    v[value_len] = 0;
    ev->a[ev->n++] = (rpc_event_attr){k, v};
    return AG_OK;
}

void rpc_events_free(rpc_events *ev)
{
    for (size_t i = 0; i < ev->n; i++) {
        free(ev->a[i].key);
        free(ev->a[i].value);
    }
    free(ev->a);
    memset(ev, 0, sizeof *ev);
}
