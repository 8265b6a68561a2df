/* metrics.c — histograms and the Prometheus text format. */
#include "node/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const double node_metrics_seconds_bounds[NODE_HIST_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60};
const double node_metrics_count_bounds[NODE_HIST_BUCKETS] = {
    0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};

void node_histogram_observe(node_histogram *h, double v)
{
    size_t i = 0;
    while (i < NODE_HIST_BUCKETS && v > h->bounds[i])
        i++;
    h->counts[i]++;
    h->count++;
    h->sum += v;
}

void node_metrics_init(node_metrics *m, const char *chain_id)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    snprintf(m->chain_id, sizeof m->chain_id, "%s", chain_id);
    node_metrics_values *v = &m->v;
    v->block_interval.bounds = node_metrics_seconds_bounds;
    v->commit_latency.bounds = node_metrics_seconds_bounds;
    v->finalize_block.bounds = node_metrics_seconds_bounds;
    v->commit.bounds = node_metrics_seconds_bounds;
    v->check_tx.bounds = node_metrics_seconds_bounds;
    v->block_txs.bounds = node_metrics_count_bounds;
}

void node_metrics_destroy(node_metrics *m)
{
    pthread_mutex_destroy(&m->mu);
}

typedef struct writer {
    ag_buf *out;
    ag_err err;
    char labels[160]; /* chain_id="..." escaped */
} writer;

static void put(writer *w, const char *fmt, ...)
{
    if (w->err)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        w->err = ag_err_set(AG_ERR_TOO_LARGE, "metrics: line too long");
    else
        w->err = ag_buf_append(w->out, line, (size_t)n);
}

static void head(writer *w, const char *name, const char *type, const char *help)
{
    put(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void scalar(writer *w, const char *name, const char *type, const char *help, double v)
{
    head(w, name, type, help);
    put(w, "%s{%s} %.17g\n", name, w->labels, v);
}

/* The samples of one histogram; extra: more labels ("method=\"commit\",") or "". */
static void hist_samples(writer *w, const char *name, const char *extra, const node_histogram *h)
{
    uint64_t cum = 0;
    for (size_t i = 0; i < NODE_HIST_BUCKETS; i++) {
        cum += h->counts[i];
        put(w, "%s_bucket{%s%s,le=\"%g\"} %" PRIu64 "\n", name, extra, w->labels, h->bounds[i],
            cum);
    }
    cum += h->counts[NODE_HIST_BUCKETS];
    put(w, "%s_bucket{%s%s,le=\"+Inf\"} %" PRIu64 "\n", name, extra, w->labels, cum);
    put(w, "%s_sum{%s%s} %.10g\n", name, extra, w->labels, h->sum);
    put(w, "%s_count{%s%s} %" PRIu64 "\n", name, extra, w->labels, h->count);
}

static void histogram(writer *w, const char *name, const char *help, const node_histogram *h)
{
    head(w, name, "histogram", help);
    hist_samples(w, name, "", h);
}

/* Label values escape backslash, double quote and newline. */
static void set_labels(writer *w, const char *chain_id)
{
    char esc[128];
    size_t k = 0;
    for (const char *c = chain_id; *c && k + 2 < sizeof esc; c++) {
        if (*c == '\\' || *c == '"') {
            esc[k++] = '\\';
            esc[k++] = *c;
        } else if (*c == '\n') {
            esc[k++] = '\\';
            esc[k++] = 'n';
        } else {
            esc[k++] = *c;
        }
    }
    esc[k] = '\0';
    snprintf(w->labels, sizeof w->labels, "chain_id=\"%s\"", esc);
}

ag_err node_metrics_render(const node_metrics_values *v, const char *chain_id, ag_buf *out)
{
    writer w = {.out = out};
    set_labels(&w, chain_id);
    scalar(&w, "agora_consensus_height", "gauge", "Height of the last committed block.",
           (double)v->height);
    scalar(&w, "agora_consensus_rounds", "gauge", "Commit round of the last committed block.",
           (double)v->round);
    histogram(&w, "agora_consensus_block_interval_seconds", "Time between two commits.",
              &v->block_interval);
    scalar(&w, "agora_consensus_num_txs", "gauge", "Transactions of the last committed block.",
           (double)v->num_txs);
    scalar(&w, "agora_consensus_total_txs", "counter", "Transactions committed since start.",
           (double)v->total_txs);
    histogram(&w, "agora_consensus_block_txs", "Transactions per committed block.", &v->block_txs);
    histogram(&w, "agora_consensus_commit_latency_seconds",
              "From saving a decided block to the end of its height (FinalizeBlock, Commit, "
              "stores).",
              &v->commit_latency);
    scalar(&w, "agora_mempool_size", "gauge", "Transactions in the mempool (at the last commit).",
           (double)v->mempool_size);
    scalar(&w, "agora_mempool_size_bytes", "gauge",
           "Bytes of the mempool's transactions (at the last commit).", (double)v->mempool_bytes);
    scalar(&w, "agora_p2p_peers", "gauge", "Connected peers (at the last commit).",
           (double)v->peers);
    const char *abci = "agora_abci_method_timing_seconds";
    head(&w, abci, "histogram", "Duration of ABCI calls, by method.");
    hist_samples(&w, abci, "method=\"finalize_block\",", &v->finalize_block);
    hist_samples(&w, abci, "method=\"commit\",", &v->commit);
    hist_samples(&w, abci, "method=\"check_tx\",", &v->check_tx);
    scalar(&w, "agora_feed_sent_messages_total", "counter",
           "Event feed messages handed to the PUB socket.", (double)v->feed_sent);
    scalar(&w, "agora_feed_dropped_messages_total", "counter",
           "Event feed messages dropped (queue full).", (double)v->feed_dropped);
    scalar(&w, "agora_feed_requests_total", "counter", "Event feed catch-up requests answered.",
           (double)v->feed_requests);
    return w.err;
}

ag_err node_metrics_render_locked(node_metrics *m, ag_buf *out)
{
    pthread_mutex_lock(&m->mu);
    node_metrics_values v = m->v;
    pthread_mutex_unlock(&m->mu);
    return node_metrics_render(&v, m->chain_id, out);
}
