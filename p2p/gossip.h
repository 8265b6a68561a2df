/*
 * gossip.h — the reactors that connect a consensus engine (consensus/engine.h)
 * to its peers over the switch: consensus gossip (round steps, proposals,
 * block parts, votes, has-vote, catch-up commits), mempool tx flooding,
 * evidence broadcast and block sync. See p2p/README.md, "Gossip reactors".
 *
 * Wiring (a few lines in a node):
 *   p2p_gossip_new(&g, sw, &opts);            before p2p_switch_start
 *   p2p_gossip_engine_io(g, &host_io, &io);   io for cons_engine_args
 *   cons_engine_new(&e, &args);  p2p_gossip_attach(g, e);  cons_engine_start(e);
 *   ... p2p_switch_close(sw, ...), then (in on_closed) p2p_gossip_free(g),
 *   then cons_engine_free(e).
 * The hooks returned by p2p_gossip_engine_io gossip what the engine emits and
 * then call the host's own hooks (schedule_timer, committed, ...).
 *
 * Threads: everything runs on the switch's loop thread. The engine is called
 * only from reactor callbacks (receive, tick), never from the io hooks.
 */
#ifndef AGORA_P2P_GOSSIP_H
#define AGORA_P2P_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/commit.h"
#include "consensus/engine.h"
#include "consensus/evidence.h"
#include "consensus/limits.h"
#include "consensus/part_set.h"
#include "consensus/proposal.h"
#include "consensus/vote.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "p2p/switch.h"

/* ---- limits of what is accepted from peers ---- */
#define P2P_CONS_STATE_MSG_MAX 256u /* NewRoundStep, HasVote, VoteSetMaj23 */
/* VoteSetBits: a bit array of up to CONS_VALIDATORS_MAX bits, fixed fields */
#define P2P_CONS_VOTE_BITS_MSG_MAX (((size_t)CONS_VALIDATORS_MAX + 63) / 64 * 10 + 256)
#define P2P_CONS_VOTE_BITS_BYTES   (((size_t)CONS_VALIDATORS_MAX + 7) / 8)
#define P2P_CONS_VOTE_MSG_MAX      (CONS_VOTE_ENCODED_MAX + 16u) /* one vote */
#define P2P_CONS_DATA_MSG_MAX      ((size_t)16 << 20)            /* part, proposal, catch-up */
#define P2P_SYNC_MSG_MAX           ((size_t)16 << 20)            /* block + commit */
#define P2P_TXS_MSG_MAX            ((size_t)4 << 20)             /* one Txs message */
#define P2P_TXS_PER_MSG_MAX        1000u                         /* txs in one message */
#define P2P_EVIDENCE_MSG_MAX       ((size_t)1 << 20)             /* one EvidenceList */
#define P2P_EVIDENCE_PER_MSG       16u                           /* evidence in one list */

/* ---- message codecs (the reactors' wire; proto/agora/p2p/gossip.proto) ---- */

typedef enum p2p_cons_kind {
    P2P_CONS_NEW_ROUND_STEP = 1,
    P2P_CONS_PROPOSAL = 3,
    P2P_CONS_BLOCK_PART = 5,
    P2P_CONS_VOTE = 6,
    P2P_CONS_HAS_VOTE = 7,
    P2P_CONS_VOTE_SET_MAJ23 = 8,
    P2P_CONS_VOTE_SET_BITS = 9,
    P2P_CONS_CATCHUP = 20,
} p2p_cons_kind;

/* A decoded consensus message; the fields of its kind are set. Owns part,
 * vote, block and commit: p2p_cons_msg_clear. */
typedef struct p2p_cons_msg {
    p2p_cons_kind kind;
    int64_t height; /* NewRoundStep, BlockPart, HasVote, VoteSetMaj23/Bits */
    int32_t round;
    uint32_t step;          /* NewRoundStep: cons_step */
    int32_t type;           /* HasVote, VoteSetMaj23/Bits: CONS_MSG_PREVOTE / CONS_MSG_PRECOMMIT */
    int32_t index;          /* HasVote: validator index */
    cons_block_id block_id; /* VoteSetMaj23/Bits (zero: nil) */
    uint32_t n_bits;        /* VoteSetBits: bits of vote_bits (<= CONS_VALIDATORS_MAX) */
    uint8_t *vote_bits;     /* VoteSetBits: bit i = byte i / 8, bit i % 8 (owned) */
    cons_proposal proposal;
    cons_part part;
    cons_vote vote;
    ag_buf block; /* Catchup: the encoded block */
    cons_commit commit;
} p2p_cons_msg;

void p2p_cons_msg_clear(p2p_cons_msg *m);
/* Decode with bounds: AG_ERR_TOO_LARGE over P2P_CONS_DATA_MSG_MAX, AG_ERR_DECODE
 * for a malformed message, an unknown kind, a negative height/round or index, a
 * step out of range, a vote type that is not a vote, a block id with a hash of
 * neither 0 nor 32 bytes or too many parts, a bit array of more than
 * CONS_VALIDATORS_MAX bits or whose words do not match its length, or an
 * embedded message that does not decode (the
 * consensus codecs' errors are reported as AG_ERR_DECODE). *out is cleared on
 * error. */
ag_err p2p_cons_msg_decode(p2p_cons_msg *out, const uint8_t *in, size_t len);

ag_err p2p_cons_encode_round_step(ag_buf *out, int64_t h, int32_t r, cons_step s);
ag_err p2p_cons_encode_proposal(ag_buf *out, const cons_proposal *p);
ag_err p2p_cons_encode_part(ag_buf *out, int64_t h, int32_t r, const cons_part *part);
ag_err p2p_cons_encode_vote(ag_buf *out, const cons_vote *v);
ag_err p2p_cons_encode_has_vote(ag_buf *out, int64_t h, int32_t r, int32_t type, int32_t index);
ag_err p2p_cons_encode_catchup(ag_buf *out, const uint8_t *block, size_t len,
                               const cons_commit *commit);
ag_err p2p_cons_encode_vote_set_maj23(ag_buf *out, int64_t h, int32_t r, int32_t type,
                                      const cons_block_id *id);
/* bits: n_bits bits (bit i = bits[i / 8] >> (i % 8) & 1); AG_ERR_TOO_LARGE
 * past CONS_VALIDATORS_MAX. */
ag_err p2p_cons_encode_vote_set_bits(ag_buf *out, int64_t h, int32_t r, int32_t type,
                                     const cons_block_id *id, const uint8_t *bits, uint32_t n_bits);

typedef enum p2p_sync_kind {
    P2P_SYNC_BLOCK_REQUEST = 1,
    P2P_SYNC_NO_BLOCK = 2,
    P2P_SYNC_BLOCK = 3,
    P2P_SYNC_STATUS_REQUEST = 4,
    P2P_SYNC_STATUS = 5,
} p2p_sync_kind;

/* A decoded block sync message. Owns block and commit: p2p_sync_msg_clear. */
typedef struct p2p_sync_msg {
    p2p_sync_kind kind;
    int64_t height; /* request, no-block, status */
    int64_t base;   /* status */
    ag_buf block;   /* block response: the encoded block (decoded by the engine) */
    cons_commit commit;
} p2p_sync_msg;

void p2p_sync_msg_clear(p2p_sync_msg *m);
/* AG_ERR_TOO_LARGE over P2P_SYNC_MSG_MAX; AG_ERR_DECODE for a malformed message,
 * negative heights, base > height, an empty block or a commit that does not
 * decode. *out is cleared on error. */
ag_err p2p_sync_msg_decode(p2p_sync_msg *out, const uint8_t *in, size_t len);
ag_err p2p_sync_encode_request(ag_buf *out, int64_t h);
ag_err p2p_sync_encode_no_block(ag_buf *out, int64_t h);
ag_err p2p_sync_encode_block(ag_buf *out, const uint8_t *block, size_t len,
                             const cons_commit *commit);
ag_err p2p_sync_encode_status_request(ag_buf *out);
ag_err p2p_sync_encode_status(ag_buf *out, int64_t base, int64_t height);

/* Txs: calls each(ctx, tx, len) for every tx (borrowed for the call) after the
 * whole message checked out: AG_ERR_TOO_LARGE over P2P_TXS_MSG_MAX or
 * P2P_TXS_PER_MSG_MAX txs, AG_ERR_DECODE for a malformed message, no txs or an
 * empty tx. */
ag_err p2p_txs_decode(const uint8_t *in, size_t len,
                      void (*each)(void *ctx, const uint8_t *tx, size_t len), void *ctx);
ag_err p2p_txs_encode(ag_buf *out, const ag_slice *txs, size_t n);

/* EvidenceList: *out gets *n decoded evidence (caller frees with
 * cons_evidence_list_free). AG_ERR_TOO_LARGE over P2P_EVIDENCE_MSG_MAX or
 * P2P_EVIDENCE_PER_MSG items; AG_ERR_DECODE otherwise. */
ag_err p2p_evidence_decode(const uint8_t *in, size_t len, cons_evidence **out, size_t *n);
ag_err p2p_evidence_encode(ag_buf *out, const cons_evidence *ev, size_t n);

/* ---- the reactors ---- */

typedef struct p2p_gossip p2p_gossip;

typedef struct p2p_gossip_opts {
    /* consensus */
    uint32_t cons_msgs_per_tick; /* messages sent to one peer per tick (default 32) */
    uint64_t catchup_resend_ms;  /* resend a catch-up commit to a peer still behind (1000) */
    uint64_t maj23_interval_ms;  /* VoteSetMaj23 to peers at our height (default 2000) */
    /* mempool */
    uint32_t txs_per_tick;   /* txs sent to one peer per tick (default 500) */
    uint32_t txs_recv_per_s; /* txs accepted from one peer per second; more is spam (5000) */
    uint32_t tx_seen_max;    /* tx hashes remembered per peer (default 20000) */
    /* evidence */
    uint64_t evidence_resend_ms; /* evidence broadcast interval (default 2000) */
    /* block sync */
    uint64_t status_interval_ms; /* status broadcast (default 2000) */
    uint32_t sync_window;        /* heights requested ahead of ours (default 64) */
    uint32_t sync_per_peer;      /* requests in flight per peer (default 8) */
    uint64_t sync_timeout_ms;    /* a request not answered in time is reassigned (10000) */
} p2p_gossip_opts;

void p2p_gossip_opts_default(p2p_gossip_opts *o);

typedef struct p2p_gossip_stats {
    uint64_t proposals_sent, parts_sent, votes_sent, has_votes_sent, round_steps_sent;
    uint64_t catchups_sent, catchups_applied;
    uint64_t maj23_sent, vote_bits_sent, vote_bits_recv;
    uint64_t cons_recv, cons_bad; /* consensus messages received / reported */
    uint64_t txs_sent, txs_recv, txs_admitted;
    uint64_t evidence_sent, evidence_recv, evidence_added;
    uint64_t blocks_requested, blocks_served, blocks_synced, sync_bad, sync_timeouts;
} p2p_gossip_stats;

/* Register the consensus, mempool, evidence and block sync reactors with sw
 * (before p2p_switch_start; AG_ERR_STATE after, the switch's errors). sw is
 * borrowed until p2p_gossip_free. Caller frees with p2p_gossip_free. */
ag_err p2p_gossip_new(p2p_gossip **out, p2p_switch *sw, const p2p_gossip_opts *opts);
/* The io to give the engine: each hook gossips and then calls host's hook of
 * the same name (if set). host is copied. */
void p2p_gossip_engine_io(p2p_gossip *g, const cons_engine_io *host, cons_engine_io *out);
/* The engine the reactors feed (after cons_engine_new, before
 * cons_engine_start). Borrowed until p2p_gossip_free or another attach; NULL
 * detaches (received messages are then dropped). */
void p2p_gossip_attach(p2p_gossip *g, cons_engine *e);
/* True while block sync is fetching blocks (some peer is more than one
 * height ahead). */
bool p2p_gossip_syncing(const p2p_gossip *g);
const p2p_gossip_stats *p2p_gossip_get_stats(const p2p_gossip *g);
/* After the switch is closed (every peer_removed has run). NULL: no-op. */
void p2p_gossip_free(p2p_gossip *g);

#endif
