/*
 * pex.h — the peer-exchange reactor (channel P2P_CH_PEX).
 *
 * Messages (PexMessage in proto/agora/p2p/p2p.proto): PexRequest asks for
 * addresses; PexAddrs answers with at most P2P_PEX_ADDRS_MAX of them, a
 * uniform random sample of the good entries of our address book.
 *
 *   - on a new outbound peer: mark it good and ask it for addresses;
 *   - on a new inbound peer: remember the listen address it announced;
 *   - a request arriving sooner than min_request_interval_ms after the
 *     previous one from the same peer is reported (P2P_BAD_SPAM; the first
 *     request of a connection is always answered); PexAddrs
 *     nobody asked for, or with too many or malformed entries, is reported
 *     (P2P_BAD_INVALID_MSG);
 *   - every ensure_interval_ms: while below the switch's outbound limit,
 *     dial random book entries not connected yet; if none are left, dial a
 *     seed and ask it; re-ask a connected peer when the book is small,
 *     never one asked less than min_request_interval_ms ago (the request
 *     on connect counts: the first pass runs at the first tick);
 *   - seed mode: answer requests, then hang up after seed_disconnect_ms.
 *
 * The book is saved every save_interval_ms and when the reactor is freed.
 */
#ifndef AGORA_P2P_PEX_H
#define AGORA_P2P_PEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "p2p/addrbook.h"
#include "p2p/switch.h"

#define P2P_PEX_SEEDS_MAX 16

typedef struct p2p_pex_opts {
    bool seed_mode;
    const char *const *seeds; /* "id@host:port", copied */
    size_t n_seeds;
    uint64_t ensure_interval_ms;      /* default 30000 */
    uint64_t min_request_interval_ms; /* default 10000 */
    uint64_t seed_disconnect_ms;      /* default 3000 */
    uint64_t save_interval_ms;        /* default 120000 */
    size_t book_small;                /* re-ask peers below this many entries (default 100) */
} p2p_pex_opts;

void p2p_pex_opts_default(p2p_pex_opts *o);

typedef struct p2p_pex p2p_pex;

/* Create the reactor and register it with sw (before p2p_switch_start).
 * book and sw are borrowed until p2p_pex_free, which is called after the
 * switch has closed. AG_ERR_DECODE for a malformed seed address. */
ag_err p2p_pex_new(p2p_pex **out, p2p_switch *sw, p2p_addrbook *book, const p2p_pex_opts *opts);
void p2p_pex_free(p2p_pex *pex);

/* Codec of PexMessage (exposed for the fuzz target and tests). */
ag_err p2p_pex_encode_request(ag_buf *out);
ag_err p2p_pex_encode_addrs(ag_buf *out, const p2p_netaddr *addrs, size_t n);
/* Decode: *is_request, or addrs[0..*n) (out holds P2P_PEX_ADDRS_MAX).
 * AG_ERR_TOO_LARGE (over P2P_PEX_MSG_MAX or P2P_PEX_ADDRS_MAX addresses),
 * AG_ERR_DECODE (malformed, an address without a valid ID or port). */
ag_err p2p_pex_decode(const uint8_t *in, size_t len, bool *is_request, p2p_netaddr *addrs,
                      size_t *n);

#endif
