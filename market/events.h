/*
 * events.h — ABCI events collected while a tx or block runs.
 *
 * Events are appended to a list; a failed tx truncates the list back to a
 * mark taken before its messages ran, so only the events of what persisted
 * are reported. market_events_to_abci copies a range into an arena for a
 * response. Strings are copied; values must be valid UTF-8 without NUL
 * (protobuf strings): callers pass addresses, numbers and coin strings.
 */
#ifndef AGORA_MARKET_EVENTS_H
#define AGORA_MARKET_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "abci/types.h"
#include "lib/buf.h"
#include "lib/err.h"

typedef struct market_event {
    size_t type;     /* offset in text */
    size_t first, n; /* attributes [first, first + n) */
} market_event;

typedef struct market_event_attr {
    size_t key, value; /* offsets in text */
} market_event_attr;

typedef struct market_events {
    market_event *ev;
    size_t n_ev, cap_ev;
    market_event_attr *attr;
    size_t n_attr, cap_attr;
    ag_buf text; /* NUL-terminated strings */
} market_events;

typedef struct market_events_mark {
    size_t n_ev, n_attr, text_len;
} market_events_mark;

void market_events_init(market_events *e);
void market_events_free(market_events *e);
void market_events_reset(market_events *e);
market_events_mark market_events_mark_get(const market_events *e);
void market_events_truncate(market_events *e, market_events_mark m);

/* Start an event of `type`; attributes added next belong to it. */
ag_err market_event_begin(market_events *e, const char *type);
/* Add an attribute to the last event (indexed for CometBFT's tx search). */
ag_err market_event_attr_add(market_events *e, const char *key, const char *value);
/* An event with n key/value pairs (kv[2i] key, kv[2i+1] value). */
ag_err market_event_add(market_events *e, const char *type, size_t n, const char *const *kv);

/* Copy events [from, e->n_ev) into the arena as a CometBFT event array. */
ag_err market_events_to_abci(const market_events *e, size_t from, abci_arena *a,
                             Tendermint__Abci__Event ***out, size_t *n_out);

#endif
