/*
 * lg.h — the end-to-end load generator (bench/loadgen): shared types.
 *
 * One run = one scenario against a network of real agorad processes that the
 * load generator creates (`agorad testnet`, accounts funded in genesis),
 * starts, loads and stops. The parts:
 *
 *   lg_net.c     homes, genesis accounts, processes, /proc CPU and RSS, RPC calls
 *   lg_sign.c    keys and signed transactions (pre-signed on every core)
 *   lg_submit.c  pipelined HTTP/1.1 broadcast_tx_{async,sync} connections
 *   lg_watch.c   follows one node's event feed (NNG): commit times, results
 *   lg_market.c  the mixed market workload (scenario 3), driven by tx events
 *   lg_report.c  percentiles and the printed figures
 *   lg_main.c    options and the scenarios
 *
 * Threads: the main thread orchestrates and samples; one submitter thread
 * owns every connection; one watcher thread follows the node's event feed. Shared state is
 * the tx table (lg_run.mu) and atomic counters.
 */
#ifndef AGORA_BENCH_LG_H
#define AGORA_BENCH_LG_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "crypto/address.h"
#include "crypto/keys.h"

#define LG_MAX_NODES 8
#define LG_CHAIN_ID  "agora-loadgen"
#define LG_DENOM     "uagora"

/* A tx's life as the load generator sees it. */
enum {
    LG_TX_NEW = 0,   /* signed, not yet sent */
    LG_TX_SENT,      /* written to a connection, no answer yet */
    LG_TX_ACCEPTED,  /* the RPC answered code 0 */
    LG_TX_REJECTED,  /* the RPC answered an error or a non-zero CheckTx code */
    LG_TX_SKIPPED,   /* not sent: an earlier tx of its account was rejected */
    LG_TX_COMMITTED, /* in a block, code 0 */
    LG_TX_FAILED,    /* in a block, non-zero code */
};

typedef struct lg_tx {
    uint8_t *req; /* the whole HTTP request (owned) */
    uint32_t req_len;
    uint32_t account; /* signer's index */
    uint32_t flow;    /* scenario 3: the flow (tenant/provider pair); else 0 */
    uint8_t step;     /* scenario 3: the flow's step */
    _Atomic uint8_t state;
    uint16_t node;      /* target node */
    uint8_t hash[32];   /* SHA-256 of the tx bytes */
    uint64_t submit_ns; /* monotonic, when written */
    uint64_t commit_ns; /* monotonic, when the watcher saw its first event */
} lg_tx;

/* One observed block. */
typedef struct lg_block {
    int64_t height;
    uint64_t seen_ns; /* monotonic, when the watcher fetched it */
    int64_t time_ns;  /* header time (BFT time), ns since the epoch */
    uint32_t n_txs;   /* all txs in the block */
    uint64_t bytes;   /* sum of tx bytes */
} lg_block;

typedef struct lg_account {
    crypto_privkey key;
    crypto_pubkey pub;
    crypto_address addr;
    char bech[96];
    uint64_t number;
    uint64_t sequence;   /* the next one to sign */
    _Atomic bool broken; /* a tx was rejected: its later pre-signed txs are skipped */
} lg_account;

typedef struct lg_market lg_market;

typedef struct lg_run {
    /* the network */
    int n_nodes;
    char dir[256]; /* temporary homes */
    char agorad[4096];
    int rpc_port[LG_MAX_NODES];
    pid_t pid[LG_MAX_NODES];
    bool keep;                /* keep the homes (--keep) */
    uint64_t block_max_bytes; /* genesis consensus_params.block.max_bytes; 0: testnet's */

    /* accounts */
    lg_account *accts;
    size_t n_accts;

    /* txs: an append-only table (scenario 3 appends while running) */
    pthread_mutex_t mu;
    lg_tx *txs;
    size_t n_txs;
    /* hash -> tx index, open addressing, under mu */
    uint32_t *index;
    size_t index_cap;

    /* per-node FIFO of tx indices to send, under mu */
    uint32_t *queue[LG_MAX_NODES];
    size_t q_head[LG_MAX_NODES], q_tail[LG_MAX_NODES], q_cap[LG_MAX_NODES];

    /* submission */
    bool sync;           /* broadcast_tx_sync (else async) */
    double rate;         /* txs per second offered; 0: closed loop */
    size_t max_inflight; /* closed loop: accepted, not yet committed */
    int conns_per_node;
    _Atomic bool submitting;
    _Atomic bool stop;

    /* counters */
    _Atomic uint64_t n_sent, n_accepted, n_rejected, n_skipped, n_committed, n_failed;
    char first_reject[256]; /* under mu */

    /* blocks seen by the watcher, under mu */
    lg_block *blocks;
    size_t n_blocks, cap_blocks;
    int64_t start_height; /* first height the watcher reads */
    int watch_node;
    char feed_pub[128], feed_rep[128]; /* the watched node's event feed */
    _Atomic uint64_t feed_gaps;        /* catch-ups the feed client needed */

    /* scenario 3 */
    lg_market *market;
} lg_run;

/* ---- lg_net.c ---- */
uint64_t lg_now_ns(void);
void lg_sleep_ms(double ms);
_Noreturn void lg_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `agorad testnet` homes for n validators in run->dir, app market, fast
 * profile, base port; then every home's genesis gets run->accts. */
void lg_net_create(lg_run *run, int base_port);
void lg_net_start(lg_run *run, const char *const *sets, size_t n_sets);
void lg_net_wait_height(lg_run *run, int node, int64_t height, double timeout_s);
void lg_net_stop(lg_run *run);
void lg_net_cleanup(lg_run *run);
/* Per-process CPU ticks (user+sys) and resident set (current, peak) in KiB. */
typedef struct lg_proc {
    uint64_t cpu_ticks;
    uint64_t rss_kib, hwm_kib;
} lg_proc;
bool lg_proc_read(pid_t pid, lg_proc *out);
/* A JSON-RPC GET of http://127.0.0.1:port/<path> on a reused curl handle.
 * Returns the "result" (caller decrefs) or NULL (error in *err when given). */
typedef struct lg_http lg_http;
lg_http *lg_http_new(void);
void lg_http_free(lg_http *h);
json_t *lg_rpc_get(lg_http *h, int port, const char *path);

/* ---- lg_sign.c ---- */
/* Deterministic keys from the seed (account i: SHA-256(seed || i)), addresses,
 * account numbers first_number + i; on `threads` threads. */
void lg_accounts_make(lg_run *run, size_t n, uint64_t seed, uint64_t first_number, int threads);
/* Signed tx bytes (TxRaw) of one message by account a at its current
 * sequence (which then advances); malloc'd, *len set. */
uint8_t *lg_sign_msg(lg_account *a, const char *type_url, const uint8_t *val, size_t val_len,
                     uint64_t gas, size_t *len);
/* The HTTP request carrying tx (broadcast_tx_sync or _async); malloc'd. */
uint8_t *lg_http_request(const uint8_t *tx, size_t tx_len, bool sync, uint32_t *len);
/* Pre-sign `rounds` bank sends per account (round r: every account's
 * sequence r to the next account) on `threads` threads, appended to run->txs
 * in round order and queued to node (account % n_nodes). */
void lg_presign_bank(lg_run *run, size_t rounds, int threads);

/* ---- lg_submit.c / tx table ---- */
/* Append a tx (req owned by the table) and queue it; returns its index. */
uint32_t lg_tx_add(lg_run *run, uint8_t *req, uint32_t req_len, const uint8_t hash[32],
                   uint32_t account, uint32_t flow, uint8_t step, int node);
lg_tx *lg_tx_at(lg_run *run, uint32_t i); /* stable pointer */
/* The tx with this hash, or -1. Under run->mu. */
long lg_tx_find_locked(lg_run *run, const uint8_t hash[32]);
void lg_submit_start(lg_run *run, pthread_t *tid);

/* ---- lg_watch.c ---- */
void lg_watch_start(lg_run *run, pthread_t *tid);

/* ---- lg_market.c ---- */
/* Scenario 3: n_flows tenant/provider pairs (accounts 2i and 2i+1). Setup
 * sends the providers' offers and waits for them; start seeds every flow. */
void lg_market_setup(lg_run *run, size_t n_flows);
void lg_market_start(lg_run *run);
/* The watcher's hooks: an event of committed tx i; then the tx's end
 * (ok: its "message" event was seen, so its messages ran). */
void lg_market_on_event(lg_run *run, uint32_t i, const char *type, size_t n_attrs,
                        const char *const *keys, const char *const *values);
void lg_market_on_tx(lg_run *run, uint32_t i, bool ok);
/* Block metas (header time, size, txs) of the blocks seen in [t0, t1). */
void lg_watch_fill_blocks(lg_run *run, uint64_t t0, uint64_t t1);
/* Rejected at submission: the flow stops. */
void lg_market_on_reject(lg_run *run, uint32_t i);
void lg_market_report(lg_run *run);

/* ---- lg_report.c ---- */
double lg_percentile(double *v, size_t n, double p); /* sorts v */

#endif
