/*
 * arena.h — a bump allocator with a budget, for ABCI messages.
 *
 * Every ABCI call allocates its decoded request and its response in one
 * arena and drops them together with abci_arena_reset: no per-field frees,
 * no leaks on error paths, and one cap on what a single message may cost.
 * The arena is also a ProtobufCAllocator, so protobuf-c decodes straight
 * into it (abci_arena_protobuf) under a temporary budget (abci_arena_limit).
 *
 * Memory handed out stays valid until the next abci_arena_reset or
 * abci_arena_free. An arena is used by one thread at a time.
 */
#ifndef AGORA_ABCI_ARENA_H
#define AGORA_ABCI_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "lib/err.h"

typedef struct abci_arena abci_arena;

/* A new empty arena whose allocations may total `max` bytes (0: no cap other
 * than memory). Caller frees with abci_arena_free. AG_ERR_NOMEM. */
ag_err abci_arena_new(abci_arena **out, size_t max);

/* Frees every chunk and the arena itself; NULL is a no-op. */
void abci_arena_free(abci_arena *a);

/* Drops everything allocated so far (keeping the first chunk for reuse) and
 * lifts any abci_arena_limit. */
void abci_arena_reset(abci_arena *a);

/* `n` bytes aligned for any type, zeroed. NULL (with ag_err_set detail:
 * AG_ERR_TOO_LARGE past the budget, AG_ERR_NOMEM) on failure. n == 0 gives a
 * valid unique pointer. */
void *abci_arena_alloc(abci_arena *a, size_t n);

/* A copy of p[0..n) in the arena (NULL on failure, as abci_arena_alloc). */
void *abci_arena_dup(abci_arena *a, const void *p, size_t n);

/* A NUL-terminated copy of p[0..n) (p need not be terminated). */
char *abci_arena_strndup(abci_arena *a, const char *p, size_t n);

/* printf into the arena; NULL on failure. */
char *abci_arena_printf(abci_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes handed out since the last reset. */
size_t abci_arena_used(const abci_arena *a);

/* Allow at most `more` further bytes until the next reset or the next call
 * (min with the arena's own cap). Used to bound protobuf-c decoding. */
void abci_arena_limit(abci_arena *a, size_t more);

/* Lift a limit set by abci_arena_limit, back to the arena's own cap. */
void abci_arena_unlimit(abci_arena *a);

/* The arena as a protobuf-c allocator (free is a no-op: memory goes at reset).
 * Borrowed until abci_arena_free. */
ProtobufCAllocator *abci_arena_protobuf(abci_arena *a);

#endif
