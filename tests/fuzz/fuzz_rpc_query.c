/* The event query language: whatever parses is rebuilt in canonical form
 * and parses again to the same conditions; matching against an event set
 * built from the query's own operands never crashes. */
#include <stdio.h>
#include <string.h>

#include "rpc/query.h"
#include "tests/fuzz/fuzz.h"

static const char *op_str(rpc_query_op op)
{
    switch (op) {
    case RPC_OP_EQ:
        return "=";
    case RPC_OP_LT:
        return "<";
    case RPC_OP_LE:
        return "<=";
    case RPC_OP_GT:
        return ">";
    case RPC_OP_GE:
        return ">=";
    case RPC_OP_CONTAINS:
        return "CONTAINS";
    default:
        return "EXISTS";
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rpc_query q, again;
    if (rpc_query_parse(&q, (const char *)data, size) != AG_OK)
        return 0;
    FUZZ_ASSERT(q.n >= 1 && q.n <= RPC_QUERY_CONDITIONS);
    char text[RPC_QUERY_CONDITIONS * (RPC_QUERY_KEY_MAX + RPC_QUERY_STR_MAX + 24)];
    size_t len = 0;
    for (size_t i = 0; i < q.n; i++) {
        const rpc_query_cond *c = &q.conds[i];
        int n;
        if (c->op == RPC_OP_EXISTS)
            n = snprintf(text + len, sizeof text - len, "%s%s EXISTS", i ? " AND " : "", c->key);
        else if (c->is_num)
            n = snprintf(text + len, sizeof text - len, "%s%s %s %.*s", i ? " AND " : "", c->key,
                         op_str(c->op), (int)c->str_len, c->str);
        else
            n = snprintf(text + len, sizeof text - len, "%s%s %s '%.*s'", i ? " AND " : "", c->key,
                         op_str(c->op), (int)c->str_len, c->str);
        FUZZ_ASSERT(n > 0 && (size_t)n < sizeof text - len);
        len += (size_t)n;
    }
    if (len <= RPC_QUERY_MAX) {
        FUZZ_ASSERT(rpc_query_parse(&again, text, len) == AG_OK);
        FUZZ_ASSERT(again.n == q.n);
        for (size_t i = 0; i < q.n; i++) {
            FUZZ_ASSERT(strcmp(again.conds[i].key, q.conds[i].key) == 0);
            FUZZ_ASSERT(again.conds[i].op == q.conds[i].op);
            FUZZ_ASSERT(again.conds[i].is_num == q.conds[i].is_num);
            FUZZ_ASSERT(again.conds[i].str_len == q.conds[i].str_len);
        }
    }
    rpc_events ev = {0};
    for (size_t i = 0; i < q.n; i++) {
        const char *dot = strchr(q.conds[i].key, '.');
        if (!dot)
            continue;
        char type[RPC_QUERY_KEY_MAX + 1];
        memcpy(type, q.conds[i].key, (size_t)(dot - q.conds[i].key));
        type[dot - q.conds[i].key] = 0;
        rpc_events_add(&ev, type, dot + 1, q.conds[i].str, q.conds[i].str_len);
    }
    (void)rpc_query_match(&q, &ev);
    rpc_events_free(&ev);
    return 0;
}
