/* events.c — collecting ABCI events. */
#include "market/events.h"

#include <stdlib.h>
#include <string.h>

void market_events_init(market_events *e)
{
    memset(e, 0, sizeof *e);
    ag_buf_init(&e->text, 0);
}

void market_events_free(market_events *e)
{
    free(e->ev);
    free(e->attr);
    ag_buf_free(&e->text);
    memset(e, 0, sizeof *e);
}

void market_events_reset(market_events *e)
{
    e->n_ev = e->n_attr = 0;
    ag_buf_reset(&e->text);
}

market_events_mark market_events_mark_get(const market_events *e)
{
    return (market_events_mark){e->n_ev, e->n_attr, e->text.len};
}

void market_events_truncate(market_events *e, market_events_mark m)
{
    e->n_ev = m.n_ev;
    e->n_attr = m.n_attr;
    e->text.len = m.text_len;
}

static ag_err add_text(market_events *e, const char *s, size_t *off)
{
    *off = e->text.len;
    return ag_buf_append(&e->text, s, strlen(s) + 1);
}

static ag_err grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return AG_OK;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return ag_err_set(AG_ERR_NOMEM, "events: %zu entries", c);
    *p = q;
    *cap = c;
    return AG_OK;
}

ag_err market_event_begin(market_events *e, const char *type)
{
    ag_err err = grow((void **)&e->ev, &e->cap_ev, e->n_ev + 1, sizeof *e->ev);
    size_t off = 0;
    if (!err)
        err = add_text(e, type, &off);
    if (err)
        return err;
    e->ev[e->n_ev++] = (market_event){.type = off, .first = e->n_attr, .n = 0};
    return AG_OK;
}

ag_err market_event_attr_add(market_events *e, const char *key, const char *value)
{
    if (!e->n_ev)
        return ag_err_set(AG_ERR_INVALID_ARG, "events: attribute without an event");
    ag_err err = grow((void **)&e->attr, &e->cap_attr, e->n_attr + 1, sizeof *e->attr);
    market_event_attr a;
    if (!err)
        err = add_text(e, key, &a.key);
    if (!err)
        err = add_text(e, value, &a.value);
    if (err)
        return err;
    e->attr[e->n_attr++] = a;
    e->ev[e->n_ev - 1].n++;
    return AG_OK;
}

ag_err market_event_add(market_events *e, const char *type, size_t n, const char *const *kv)
{
    ag_err err = market_event_begin(e, type);
    for (size_t i = 0; !err && i < n; i++)
        err = market_event_attr_add(e, kv[2 * i], kv[2 * i + 1]);
    return err;
}

/* Responses must not point into application state: copy into the arena. */
static char *dup(abci_arena *a, const char *s)
{
    return abci_arena_strndup(a, s, strlen(s));
}

ag_err market_events_to_abci(const market_events *e, size_t from, abci_arena *a,
                             Tendermint__Abci__Event ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (from >= e->n_ev)
        return AG_OK;
    size_t n = e->n_ev - from;
    Tendermint__Abci__Event **arr = abci_arena_alloc(a, n * sizeof *arr);
    if (!arr)
        return ag_err_set(AG_ERR_NOMEM, "events: arena");
    const char *text = (const char *)e->text.data;
    for (size_t i = 0; i < n; i++) {
        const market_event *ev = &e->ev[from + i];
        Tendermint__Abci__Event *x = abci_arena_alloc(a, sizeof *x);
        Tendermint__Abci__EventAttribute **attrs =
            ev->n ? abci_arena_alloc(a, ev->n * sizeof *attrs) : NULL;
        if (!x || (ev->n && !attrs))
            return ag_err_set(AG_ERR_NOMEM, "events: arena");
        tendermint__abci__event__init(x);
        if (!(x->type = dup(a, text + ev->type)))
            return ag_err_set(AG_ERR_NOMEM, "events: arena");
        for (size_t k = 0; k < ev->n; k++) {
            Tendermint__Abci__EventAttribute *at = abci_arena_alloc(a, sizeof *at);
            if (!at)
                return ag_err_set(AG_ERR_NOMEM, "events: arena");
            tendermint__abci__event_attribute__init(at);
            at->key = dup(a, text + e->attr[ev->first + k].key);
            at->value = dup(a, text + e->attr[ev->first + k].value);
            if (!at->key || !at->value)
                return ag_err_set(AG_ERR_NOMEM, "events: arena");
            at->index = 1;
            attrs[k] = at;
        }
        x->attributes = attrs;
        x->n_attributes = ev->n;
        arr[i] = x;
    }
    *out = arr;
    *n_out = n;
    return AG_OK;
}
