/*
 * metrics.h — the node's Prometheus metrics: values, histograms and their
 * text exposition (format 0.0.4), served at /metrics by metrics_server.h.
 *
 * Every value is measured in the node layer (runtime.c, rpc_backend.c) with
 * the wall clock of this process; nothing here reaches consensus or the
 * state machine. node_metrics is shared between the loop thread (updates)
 * and the metrics server's thread (render): both go through its mutex.
 *
 * Names follow CometBFT's, with the namespace "agora" and a chain_id label:
 *   agora_consensus_height                      gauge    height of the last committed block
 *   agora_consensus_rounds                      gauge    its commit round
 *   agora_consensus_block_interval_seconds      histogram time between two commits
 *   agora_consensus_num_txs                     gauge    txs of the last block
 *   agora_consensus_total_txs                   counter  txs committed since start
 *   agora_consensus_block_txs                   histogram txs per block
 *   agora_consensus_commit_latency_seconds      histogram block saved -> height ended
 *   agora_mempool_size, agora_mempool_size_bytes gauge   at the last commit
 *   agora_p2p_peers                             gauge    at the last commit
 *   agora_abci_method_timing_seconds{method="finalize_block"|"commit"|"check_tx"}
 *                                               histogram ABCI call durations
 *   agora_feed_sent_messages_total, agora_feed_dropped_messages_total,
 *   agora_feed_requests_total                   counters  the event feed
 */
#ifndef AGORA_NODE_METRICS_H
#define AGORA_NODE_METRICS_H

#include <pthread.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define NODE_HIST_BUCKETS 14

typedef struct node_histogram {
    const double *bounds;                   /* NODE_HIST_BUCKETS upper bounds, ascending */
    uint64_t counts[NODE_HIST_BUCKETS + 1]; /* per bucket (not cumulative); last: +Inf */
    uint64_t count;
    double sum;
} node_histogram;

/* Seconds: 1 ms .. 60 s. */
extern const double node_metrics_seconds_bounds[NODE_HIST_BUCKETS];
/* Counts: 0 .. 10000. */
extern const double node_metrics_count_bounds[NODE_HIST_BUCKETS];

void node_histogram_observe(node_histogram *h, double v);

typedef struct node_metrics_values {
    int64_t height;
    int32_t round;
    uint64_t num_txs, total_txs;
    uint64_t mempool_size, mempool_bytes, peers;
    node_histogram block_interval, block_txs, commit_latency;
    node_histogram finalize_block, commit, check_tx;
    uint64_t feed_sent, feed_dropped, feed_requests;
} node_metrics_values;

typedef struct node_metrics {
    pthread_mutex_t mu;
    char chain_id[64];
    node_metrics_values v;
} node_metrics;

/* Zero values with their buckets; chain_id copied (cut at 63 bytes). */
void node_metrics_init(node_metrics *m, const char *chain_id);
void node_metrics_destroy(node_metrics *m);

/* The exposition text of v appended to out (label values escaped).
 * AG_ERR_TOO_LARGE past out's cap. */
ag_err node_metrics_render(const node_metrics_values *v, const char *chain_id, ag_buf *out);

/* Render a consistent copy taken under m's mutex. */
ag_err node_metrics_render_locked(node_metrics *m, ag_buf *out);

#endif
