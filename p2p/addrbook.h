/*
 * addrbook.h — the addresses of nodes we know: where each came from, when it
 * was last seen, tried and connected, and whether it is marked bad. Bounded
 * (a full book evicts its least useful entry), persisted as JSON with an
 * atomic replace, and sampled at random (randomness from the env) for PEX
 * replies and for choosing whom to dial.
 *
 * File (p2p_addrbook_save): {"version": 1, "addrs": [{"addr": "id@host:port",
 * "src": "<node id or empty>", "last_seen": s, "last_attempt": s,
 * "last_success": s, "attempts": n, "bad_until": s}, ...]} with Unix seconds
 * from the env's wall clock.
 */
#ifndef AGORA_P2P_ADDRBOOK_H
#define AGORA_P2P_ADDRBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/env.h"
#include "lib/err.h"
#include "p2p/netaddr.h"

#define P2P_ADDRBOOK_MAX       10000 /* hard cap on max_entries */
#define P2P_ADDRBOOK_FILE_MAX  ((size_t)4 << 20)
#define P2P_ADDRBOOK_FAILS_BAD 3   /* failed dials in a row that mark an entry bad */
#define P2P_ADDRBOOK_BAD_SECS  600 /* how long such an entry stays bad */

typedef struct p2p_addr_entry {
    p2p_netaddr addr;
    char src[NODE_ID_LEN + 1];
    uint64_t last_seen, last_attempt, last_success, bad_until; /* Unix seconds */
    uint32_t attempts; /* failed dials since the last success */
} p2p_addr_entry;

typedef struct p2p_addrbook p2p_addrbook;

/* An empty book of at most max_entries (<= P2P_ADDRBOOK_MAX). path may be
 * NULL (memory only); otherwise the file is loaded if it exists (AG_ERR_DECODE
 * or AG_ERR_CORRUPT for a malformed file, whose entries are not used). env is
 * borrowed until free. Caller frees with p2p_addrbook_free. */
ag_err p2p_addrbook_new(p2p_addrbook **out, const char *path, size_t max_entries,
                        const ag_env *env);
void p2p_addrbook_free(p2p_addrbook *ab);
/* Our own ID: never added. */
void p2p_addrbook_set_self(p2p_addrbook *ab, const char *self_id);

/* Add or refresh (last_seen) an address with an ID. AG_ERR_INVALID_ARG for
 * no ID or our own, AG_ERR_UNSUPPORTED for a host that is not an IP literal.
 * A full book evicts the entry with the most failures, then the oldest seen. */
ag_err p2p_addrbook_add(p2p_addrbook *ab, const p2p_netaddr *addr, const char *src);
void p2p_addrbook_remove(p2p_addrbook *ab, const char *id);
/* Dial bookkeeping. */
void p2p_addrbook_mark_attempt(p2p_addrbook *ab, const char *id);
void p2p_addrbook_mark_good(p2p_addrbook *ab, const char *id);
void p2p_addrbook_mark_failed(p2p_addrbook *ab, const char *id);
void p2p_addrbook_mark_bad(p2p_addrbook *ab, const char *id, uint64_t secs);
bool p2p_addrbook_is_bad(const p2p_addrbook *ab, const char *id);

size_t p2p_addrbook_size(const p2p_addrbook *ab);
/* The entry of id, or NULL (borrowed until the next change). */
const p2p_addr_entry *p2p_addrbook_get(const p2p_addrbook *ab, const char *id);

/* Up to cap good entries chosen uniformly at random (no repeats), skipping
 * those for which skip(ctx, id) is true (skip may be NULL). Returns how many. */
size_t p2p_addrbook_sample(p2p_addrbook *ab, p2p_netaddr *out, size_t cap,
                           bool (*skip)(void *ctx, const char *id), void *ctx);

/* Write the book to its file atomically (no-op for a memory book). */
ag_err p2p_addrbook_save(const p2p_addrbook *ab);

#endif
