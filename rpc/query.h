/*
 * query.h — CometBFT's event query language (the subset Agora serves), for
 * subscriptions, tx_search and block_search.
 *
 *   query      = condition { "AND" condition }
 *   condition  = key op operand | key "EXISTS"
 *   key        = [A-Za-z0-9_.-]+      e.g. tm.event, tx.height, transfer.sender
 *   op         = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS"
 *   operand    = 'string' | number    (a number: optional '-', digits, optional
 *                                      '.' digits)
 * Strings take '=' and CONTAINS; numbers take every comparison. TIME and
 * DATE operands and OR are not supported (AG_ERR_UNSUPPORTED). At most
 * RPC_QUERY_CONDITIONS conditions and RPC_QUERY_MAX bytes.
 *
 * Events are flattened, as CometBFT does, into composite keys
 * "<event type>.<attribute key>" with their values (rpc_events); a
 * condition holds if ANY value of its key satisfies it (a number operand
 * against a value that is not a number never matches).
 */
#ifndef AGORA_RPC_QUERY_H
#define AGORA_RPC_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "rpc/limits.h"

#define RPC_QUERY_KEY_MAX 128
#define RPC_QUERY_STR_MAX 256

typedef enum rpc_query_op {
    RPC_OP_EQ = 1,
    RPC_OP_LT,
    RPC_OP_LE,
    RPC_OP_GT,
    RPC_OP_GE,
    RPC_OP_CONTAINS,
    RPC_OP_EXISTS,
} rpc_query_op;

typedef struct rpc_query_cond {
    char key[RPC_QUERY_KEY_MAX + 1];
    rpc_query_op op;
    bool is_num;                     /* operand is a number */
    bool num_is_int;                 /* ...without a fraction */
    int64_t ival;                    /* the number when num_is_int */
    double num;                      /* the number */
    char str[RPC_QUERY_STR_MAX + 1]; /* the operand as written (string without quotes) */
    size_t str_len;
} rpc_query_cond;

typedef struct rpc_query {
    rpc_query_cond conds[RPC_QUERY_CONDITIONS];
    size_t n;
    char text[RPC_QUERY_MAX + 1]; /* the query as given (for event results) */
} rpc_query;

/* Parse in[0..len). AG_ERR_DECODE with the position in the detail,
 * AG_ERR_TOO_LARGE over the limits, AG_ERR_UNSUPPORTED (OR, TIME, DATE). */
ag_err rpc_query_parse(rpc_query *q, const char *in, size_t len);

/* Flattened events: composite key -> value pairs, owned. */
typedef struct rpc_event_attr {
    char *key; /* "type.attr" */
    char *value;
} rpc_event_attr;

typedef struct rpc_events {
    rpc_event_attr *a;
    size_t n, cap;
} rpc_events;

/* Add key (type "." attr when attr != NULL) and value; copies both. */
ag_err rpc_events_add(rpc_events *ev, const char *type, const char *attr, const char *value,
                      size_t value_len);
void rpc_events_free(rpc_events *ev);

/* Does one condition / the whole query hold for ev? */
bool rpc_query_cond_match(const rpc_query_cond *c, const rpc_events *ev);
bool rpc_query_match(const rpc_query *q, const rpc_events *ev);

/* Does value satisfy c (value of its key)? */
bool rpc_query_value_match(const rpc_query_cond *c, const char *value, size_t len);

#endif
