/* arena.c — chunked bump allocation; big requests get a chunk of their own. */
#include "abci/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN ((size_t)16 << 10)
#define CHUNK_MAX ((size_t)1 << 20)
#define ALIGN     alignof(max_align_t)

typedef struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char mem[];
} chunk;

struct abci_arena {
    ProtobufCAllocator pb; /* first, so the allocator's data is the arena */
    chunk *head;           /* current chunk; older ones follow */
    size_t used;           /* bytes handed out since reset */
    size_t max;            /* own cap (SIZE_MAX: none) */
    size_t limit;          /* current cap: min(max, used-at-limit + more) */
    size_t next_size;      /* size of the next standard chunk */
};

static void *pb_alloc(void *data, size_t size)
{
    return abci_arena_alloc(data, size);
}

static void pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

ag_err abci_arena_new(abci_arena **out, size_t max)
{
    *out = NULL;
    abci_arena *a = calloc(1, sizeof *a);
    if (!a)
        return ag_err_set(AG_ERR_NOMEM, "abci: arena");
    a->pb.alloc = pb_alloc;
    a->pb.free = pb_free;
    a->pb.allocator_data = a;
    a->max = max ? max : SIZE_MAX;
    a->limit = a->max;
    a->next_size = CHUNK_MIN;
    *out = a;
    return AG_OK;
}

void abci_arena_free(abci_arena *a)
{
    if (!a)
        return;
    for (chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void abci_arena_reset(abci_arena *a)
{
    /* Keep the oldest chunk for the next call unless it is an oversized one. */
    chunk *keep = NULL;
    for (chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        if (!n && c->size <= CHUNK_MAX) {
            keep = c;
            break;
        }
        free(c);
    }
    if (keep)
        keep->used = 0;
    a->head = keep;
    a->used = 0;
    a->limit = a->max;
}

static chunk *new_chunk(abci_arena *a, size_t need)
{
    int oversized = need > a->next_size;
    size_t size = oversized ? need : a->next_size;
    chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    if (!oversized && a->next_size < CHUNK_MAX)
        a->next_size *= 2;
    if (oversized && a->head) {
        /* An oversized chunk goes behind the current one, which keeps serving. */
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return c;
}

void *abci_arena_alloc(abci_arena *a, size_t n)
{
    size_t rounded = n > SIZE_MAX / 2 ? SIZE_MAX : n ? (n + ALIGN - 1) & ~(ALIGN - 1) : ALIGN;
    if (rounded == SIZE_MAX || a->used > a->limit || rounded > a->limit - a->used) {
        ag_err_set(AG_ERR_TOO_LARGE, "abci: message needs more than %zu bytes of memory", a->limit);
        return NULL;
    }
    chunk *c = a->head;
    if (!c || c->size - c->used < rounded) {
        c = new_chunk(a, rounded);
        if (!c) {
            ag_err_set(AG_ERR_NOMEM, "abci: arena chunk of %zu bytes", rounded);
            return NULL;
        }
    }
    void *p = c->mem + c->used;
    c->used += rounded;
    a->used += rounded;
    memset(p, 0, n);
    return p;
}

void *abci_arena_dup(abci_arena *a, const void *p, size_t n)
{
    void *q = abci_arena_alloc(a, n);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *abci_arena_strndup(abci_arena *a, const char *p, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *q = abci_arena_alloc(a, n + 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *abci_arena_printf(abci_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = abci_arena_alloc(a, (size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

size_t abci_arena_used(const abci_arena *a)
{
    return a->used;
}

void abci_arena_limit(abci_arena *a, size_t more)
{
    size_t lim = a->used + more < a->used ? SIZE_MAX : a->used + more;
    a->limit = lim < a->max ? lim : a->max;
}

void abci_arena_unlimit(abci_arena *a)
{
    a->limit = a->max;
}

ProtobufCAllocator *abci_arena_protobuf(abci_arena *a)
{
    return &a->pb;
}
