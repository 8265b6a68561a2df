/* engine_exec.c — the engine's application side: ABCI requests, CometBFT's
 * validateBlock, the state transition after a block (updateState), the
 * decide path and the startup handshake. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/engine_internal.h"
#include "consensus/merkle.h"
#include "lib/log.h"

/* CometBFT's block overheads (types/block.go) for MaxDataBytes. */
#define ENG_MAX_HEADER_BYTES     626
#define ENG_MAX_OVERHEAD_BLOCK   11
#define ENG_MAX_COMMIT_OVERHEAD  94
#define ENG_MAX_COMMIT_SIG_BYTES 109
#define ENG_TIME_IOTA_MS         1

/* ---- small conversions ---- */

static void ts_to_pb(Google__Protobuf__Timestamp *pb, cons_timestamp t)
{
    google__protobuf__timestamp__init(pb);
    pb->seconds = t.seconds;
    pb->nanos = t.nanos;
}

static ProtobufCBinaryData bin(const void *p, size_t len)
{
    return (ProtobufCBinaryData){len, (uint8_t *)(uintptr_t)p};
}

static ag_err nomem(const char *what)
{
    return ag_err_set(AG_ERR_NOMEM, "engine: %s", what);
}

static void hash_of(cons_hash *out, const crypto_hash *h)
{
    cons_hash_set(out, h->b);
}

/* ---- state from genesis ---- */

ag_err cons_eng_state_from_genesis(cons_engine *e, cons_state *st)
{
    const genesis_doc *g = e->genesis;
    memset(st, 0, sizeof *st);
    st->version.block = CONS_BLOCK_PROTOCOL;
    st->version.app = g->params.version_app;
    snprintf(st->software, sizeof st->software, "agora");
    snprintf(st->chain_id, sizeof st->chain_id, "%s", g->chain_id);
    st->initial_height = g->initial_height;
    st->last_block_height = 0;
    st->last_block_time = (cons_timestamp){g->time_seconds, g->time_nanos};
    ag_err err = AG_OK;
    if (g->n_validators > 0) {
        err = genesis_doc_valset(g, &st->validators);
        if (err == AG_OK)
            err = cons_valset_copy(&st->next_validators, &st->validators);
        if (err == AG_OK)
            err = cons_valset_increment(&st->next_validators, 1);
    }
    st->last_height_validators_changed = g->initial_height;
    ag_buf pb;
    ag_buf_init(&pb, 0);
    if (err == AG_OK)
        err = cons_params_encode(&pb, &g->params);
    if (err == AG_OK)
        err = cons_state_set_params(st, pb.data, pb.len);
    ag_buf_free(&pb);
    st->last_height_consensus_params_changed = g->initial_height;
    crypto_hash empty;
    if (err == AG_OK)
        err = cons_merkle_root(&empty, NULL, 0);
    if (err == AG_OK)
        hash_of(&st->last_results_hash, &empty);
    st->app_hash.len = (uint8_t)g->app_hash_len;
    memcpy(st->app_hash.b, g->app_hash, g->app_hash_len);
    if (err != AG_OK)
        cons_state_clear(st);
    return err;
}

ag_err cons_eng_load_params(cons_engine *e)
{
    ag_err err = cons_params_decode(&e->params, e->st.consensus_params, e->st.consensus_params_len);
    if (err != AG_OK)
        return ag_err_set(AG_ERR_CORRUPT, "engine: stored consensus params: %s", ag_err_detail());
    return AG_OK;
}

/* ---- the evidence pool's view ---- */

static ag_err ev_valset_at(void *ctx, int64_t height, const cons_valset **out)
{
    cons_engine *e = ctx;
    cons_valset_free(&e->ev_vs);
    ag_err err = cons_state_store_load_validators(e->a.state_store, height, &e->ev_vs);
    if (err != AG_OK)
        return err;
    *out = &e->ev_vs;
    return AG_OK;
}

static ag_err ev_block_time_at(void *ctx, int64_t height, cons_timestamp *out)
{
    cons_engine *e = ctx;
    cons_block_meta m;
    ag_err err = cons_block_store_load_meta(e->a.block_store, height, &m);
    if (err != AG_OK)
        return err;
    *out = m.header.time;
    return AG_OK;
}

static ag_err ev_signed_header_at(void *ctx, int64_t height, cons_header *h, cons_commit *c)
{
    cons_engine *e = ctx;
    cons_block_meta m;
    ag_err err = cons_block_store_load_meta(e->a.block_store, height, &m);
    if (err != AG_OK)
        return err;
    *h = m.header;
    /* the canonical commit (in block height+1), else the one this node saw */
    err = cons_block_store_load_commit(e->a.block_store, height, c);
    if (err == AG_ERR_NOT_FOUND)
        err = cons_block_store_load_seen_commit(e->a.block_store, height, c);
    return err;
}

void cons_eng_evidence_state(cons_engine *e, cons_evidence_state *out)
{
    *out = (cons_evidence_state){
        .chain_id = e->st.chain_id,
        .last_height = e->st.last_block_height,
        .last_time = e->st.last_block_time,
        .max_age_blocks = e->params.evidence_max_age_num_blocks,
        .max_age_ns = e->params.evidence_max_age_ns,
        .valset_at = ev_valset_at,
        .block_time_at = ev_block_time_at,
        .signed_header_at = ev_signed_header_at,
        .ctx = e,
    };
}

/* ---- commits ---- */

typedef struct wtime {
    cons_timestamp t;
    int64_t w;
} wtime;

static int wtime_cmp(const void *a, const void *b)
{
    return cons_eng_ts_cmp(((const wtime *)a)->t, ((const wtime *)b)->t);
}

ag_err cons_eng_median_time(const cons_commit *c, const cons_valset *vals, cons_timestamp *out)
{
    if (c->n_sigs != vals->n)
        return ag_err_set(AG_ERR_VERIFY, "engine: commit of %zu signatures for %zu validators",
                          c->n_sigs, vals->n);
    wtime *w = calloc(c->n_sigs ? c->n_sigs : 1, sizeof *w);
    if (w == NULL)
        return nomem("median time");
    size_t n = 0;
    int64_t total = 0;
    for (size_t i = 0; i < c->n_sigs; i++) {
        if (c->sigs[i].flag == CONS_BLOCK_ID_FLAG_ABSENT)
            continue;
        w[n].t = c->sigs[i].timestamp;
        w[n].w = vals->vals[i].voting_power;
        total += w[n].w;
        n++;
    }
    /* A stable order: qsort is not stable, so equal times keep any order,
     * which does not change the result (equal values). */
    qsort(w, n, sizeof *w, wtime_cmp);
    int64_t median = total / 2;
    *out = CONS_TIME_ZERO;
    for (size_t i = 0; i < n; i++) {
        if (median <= w[i].w) {
            *out = w[i].t;
            break;
        }
        median -= w[i].w;
    }
    free(w);
    return AG_OK;
}

ag_err cons_eng_verify_commit(const char *chain_id, const cons_valset *vals,
                              const cons_block_id *block_id, int64_t height, const cons_commit *c)
{
    if (c->height != height)
        return ag_err_set(AG_ERR_VERIFY, "commit: height %" PRId64 ", expected %" PRId64, c->height,
                          height);
    if (!cons_block_id_equal(&c->block_id, block_id))
        return ag_err_set(AG_ERR_VERIFY, "commit: for another block id");
    if (c->n_sigs != vals->n)
        return ag_err_set(AG_ERR_VERIFY, "commit: %zu signatures for %zu validators", c->n_sigs,
                          vals->n);
    int64_t tally = 0;
    for (size_t i = 0; i < c->n_sigs; i++) {
        const cons_commit_sig *s = &c->sigs[i];
        if (s->flag == CONS_BLOCK_ID_FLAG_ABSENT)
            continue;
        if (cons_commit_sig_validate_basic(s) != AG_OK)
            return ag_err_set(AG_ERR_VERIFY, "commit: signature %zu: %s", i, ag_err_detail());
        if (memcmp(s->validator_address.b, vals->vals[i].address.b, CRYPTO_ADDRESS_LEN) != 0)
            return ag_err_set(AG_ERR_VERIFY, "commit: signature %zu is not validator %zu's", i, i);
        cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                       .height = c->height,
                       .round = c->round,
                       .timestamp = s->timestamp,
                       .validator_address = s->validator_address,
                       .validator_index = (int32_t)i,
                       .signature = s->signature};
        if (s->flag == CONS_BLOCK_ID_FLAG_COMMIT)
            v.block_id = c->block_id;
        if (cons_vote_verify(&v, chain_id, &vals->vals[i].pub_key) != AG_OK)
            return ag_err_set(AG_ERR_VERIFY, "commit: signature %zu does not verify", i);
        if (s->flag == CONS_BLOCK_ID_FLAG_COMMIT)
            tally += vals->vals[i].voting_power;
    }
    if (tally <= vals->total_power * 2 / 3 || tally * 3 <= vals->total_power * 2)
        return ag_err_set(AG_ERR_VERIFY,
                          "commit: %" PRId64 " of %" PRId64 " voting power is not more than 2/3",
                          tally, vals->total_power);
    return AG_OK;
}

/* ---- ABCI request pieces (allocated in arena) ---- */

static ag_err commit_info(abci_arena *a, const cons_commit *c, const cons_valset *vals,
                          Tendermint__Abci__CommitInfo **out)
{
    Tendermint__Abci__CommitInfo *ci = abci_arena_alloc(a, sizeof *ci);
    if (ci == NULL)
        return nomem("commit info");
    tendermint__abci__commit_info__init(ci);
    *out = ci;
    if (c == NULL || c->n_sigs == 0)
        return AG_OK;
    if (c->n_sigs != vals->n)
        return ag_err_set(AG_ERR_INTERNAL, "engine: last commit has %zu signatures for %zu",
                          c->n_sigs, vals->n);
    ci->round = c->round;
    ci->votes = abci_arena_alloc(a, c->n_sigs * sizeof *ci->votes);
    if (ci->votes == NULL)
        return nomem("commit info");
    for (size_t i = 0; i < c->n_sigs; i++) {
        Tendermint__Abci__VoteInfo *vi = abci_arena_alloc(a, sizeof *vi);
        Tendermint__Abci__Validator *v = abci_arena_alloc(a, sizeof *v);
        if (vi == NULL || v == NULL)
            return nomem("commit info");
        tendermint__abci__vote_info__init(vi);
        tendermint__abci__validator__init(v);
        v->address = bin(vals->vals[i].address.b, CRYPTO_ADDRESS_LEN);
        v->power = vals->vals[i].voting_power;
        vi->validator = v;
        vi->block_id_flag = (Tendermint__Types__BlockIDFlag)c->sigs[i].flag;
        ci->votes[ci->n_votes++] = vi;
    }
    return AG_OK;
}

static ag_err misbehavior(abci_arena *a, const cons_block *b, Tendermint__Abci__Misbehavior ***out,
                          size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t total = 0;
    for (size_t i = 0; i < b->n_evidence; i++)
        total += cons_evidence_abci_count(&b->evidence[i]);
    if (total == 0)
        return AG_OK;
    Tendermint__Abci__Misbehavior **m = abci_arena_alloc(a, total * sizeof *m);
    if (m == NULL)
        return nomem("misbehavior");
    size_t k = 0;
    for (size_t i = 0; i < b->n_evidence; i++) {
        size_t c = cons_evidence_abci_count(&b->evidence[i]);
        for (size_t j = 0; j < c; j++, k++) {
            m[k] = abci_arena_alloc(a, sizeof *m[k]);
            Tendermint__Abci__Validator *v = abci_arena_alloc(a, sizeof *v);
            Google__Protobuf__Timestamp *ts = abci_arena_alloc(a, sizeof *ts);
            if (m[k] == NULL || v == NULL || ts == NULL)
                return nomem("misbehavior");
            cons_evidence_to_abci(m[k], v, ts, &b->evidence[i], j);
        }
    }
    *out = m;
    *n = total;
    return AG_OK;
}

static ProtobufCBinaryData *txs_pb(abci_arena *a, const ag_slice *txs, size_t n)
{
    ProtobufCBinaryData *t = abci_arena_alloc(a, (n ? n : 1) * sizeof *t);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        t[i] = bin(txs[i].ptr, txs[i].len);
    return t;
}

/* The last commit of block b as the app sees it (validators of height-1). */
static ag_err last_commit_info(cons_engine *e, abci_arena *a, const cons_block *b,
                               const cons_valset *last_vals, Tendermint__Abci__CommitInfo **out)
{
    if (b->header.height <= e->st.initial_height || !b->has_last_commit)
        return commit_info(a, NULL, NULL, out);
    return commit_info(a, &b->last_commit, last_vals, out);
}

/* ---- validateBlock ---- */

static bool hash_eq(const cons_hash *a, const crypto_hash *b)
{
    return a->len == CONS_HASH_LEN && memcmp(a->b, b->b, CONS_HASH_LEN) == 0;
}

ag_err cons_eng_validate_block(cons_engine *e, const cons_block *b)
{
    const cons_state *st = &e->st;
    const cons_header *h = &b->header;
    ag_err err = cons_block_validate_basic(b);
    if (err != AG_OK)
        return ag_err_set(AG_ERR_VERIFY, "block: %s", ag_err_detail());
    if (h->version.block != st->version.block || h->version.app != st->version.app)
        return ag_err_set(AG_ERR_VERIFY,
                          "block: version %" PRIu64 "/%" PRIu64 ", expected %" PRIu64 "/%" PRIu64,
                          h->version.block, h->version.app, st->version.block, st->version.app);
    if (strcmp(h->chain_id, st->chain_id) != 0)
        return ag_err_set(AG_ERR_VERIFY, "block: chain id %s, expected %s", h->chain_id,
                          st->chain_id);
    int64_t want_h = st->last_block_height ? st->last_block_height + 1 : st->initial_height;
    if (h->height != want_h)
        return ag_err_set(AG_ERR_VERIFY, "block: height %" PRId64 ", expected %" PRId64, h->height,
                          want_h);
    if (!cons_block_id_equal(&h->last_block_id, &st->last_block_id))
        return ag_err_set(AG_ERR_VERIFY, "block: wrong last block id");
    if (h->app_hash.len != st->app_hash.len ||
        memcmp(h->app_hash.b, st->app_hash.b, st->app_hash.len) != 0)
        return ag_err_set(AG_ERR_VERIFY, "block: wrong app hash");
    crypto_hash x;
    if ((err = cons_params_hash(&x, &e->params)) != AG_OK)
        return err;
    if (!hash_eq(&h->consensus_hash, &x))
        return ag_err_set(AG_ERR_VERIFY, "block: wrong consensus hash");
    if (!cons_hash_equal(&h->last_results_hash, &st->last_results_hash))
        return ag_err_set(AG_ERR_VERIFY, "block: wrong last results hash");
    if ((err = cons_valset_hash(&x, &st->validators)) != AG_OK)
        return err;
    if (!hash_eq(&h->validators_hash, &x))
        return ag_err_set(AG_ERR_VERIFY, "block: wrong validators hash");
    if ((err = cons_valset_hash(&x, &st->next_validators)) != AG_OK)
        return err;
    if (!hash_eq(&h->next_validators_hash, &x))
        return ag_err_set(AG_ERR_VERIFY, "block: wrong next validators hash");
    if (h->height == st->initial_height) {
        if (b->has_last_commit && b->last_commit.n_sigs != 0)
            return ag_err_set(AG_ERR_VERIFY, "block: the initial block has a last commit");
        if (cons_eng_ts_cmp(h->time, st->last_block_time) != 0)
            return ag_err_set(AG_ERR_VERIFY, "block: time is not the genesis time");
    } else {
        if (!b->has_last_commit)
            return ag_err_set(AG_ERR_VERIFY, "block: no last commit");
        err = cons_eng_verify_commit(st->chain_id, &st->last_validators, &st->last_block_id,
                                     h->height - 1, &b->last_commit);
        if (err != AG_OK)
            return ag_err_set(AG_ERR_VERIFY, "block: last %s", ag_err_detail());
        if (cons_eng_ts_cmp(h->time, st->last_block_time) <= 0)
            return ag_err_set(AG_ERR_VERIFY, "block: time not after the last block's");
        cons_timestamp med;
        if ((err = cons_eng_median_time(&b->last_commit, &st->last_validators, &med)) != AG_OK)
            return err;
        if (cons_eng_ts_cmp(h->time, med) != 0)
            return ag_err_set(AG_ERR_VERIFY, "block: time is not the median time of its commit");
    }
    if (cons_valset_index_of(&st->validators, &h->proposer_address) < 0)
        return ag_err_set(AG_ERR_VERIFY, "block: proposer is not a validator");
    if (b->n_evidence > 0 && (err = cons_evpool_check_block(e->ev, b->evidence, b->n_evidence)))
        return ag_err_set(AG_ERR_VERIFY, "block: evidence: %s", ag_err_detail());
    return AG_OK;
}

ag_err cons_eng_process_proposal(cons_engine *e, const cons_block *b, bool *accept)
{
    *accept = false;
    abci_arena *a = e->arena_misc;
    abci_arena_reset(a);
    abci_req_process_proposal req;
    tendermint__abci__request_process_proposal__init(&req);
    Google__Protobuf__Timestamp ts;
    ts_to_pb(&ts, b->header.time);
    crypto_hash bh;
    ag_err err = cons_block_hash(&bh, b);
    if (err == AG_OK)
        err = last_commit_info(e, a, b, &e->st.last_validators, &req.proposed_last_commit);
    if (err == AG_OK)
        err = misbehavior(a, b, &req.misbehavior, &req.n_misbehavior);
    if (err != AG_OK)
        return err;
    req.txs = txs_pb(a, b->txs, b->n_txs);
    if (req.txs == NULL)
        return nomem("ProcessProposal");
    req.n_txs = b->n_txs;
    req.hash = bin(bh.b, sizeof bh.b);
    req.height = b->header.height;
    req.time = &ts;
    req.next_validators_hash =
        bin(b->header.next_validators_hash.b, b->header.next_validators_hash.len);
    req.proposer_address = bin(b->header.proposer_address.b, CRYPTO_ADDRESS_LEN);
    abci_resp_process_proposal *resp = NULL;
    err = abci_client_process_proposal(e->a.consensus_conn, a, &req, &resp);
    if (err != AG_OK)
        return err;
    *accept = resp->status == TENDERMINT__ABCI__RESPONSE_PROCESS_PROPOSAL__PROPOSAL_STATUS__ACCEPT;
    return AG_OK;
}

/* ---- building a proposal ---- */

static size_t txs_proto_size(const ag_slice *txs, size_t n)
{
    size_t s = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = txs[i].len, v = 1;
        while (l >= 0x80) {
            l >>= 7;
            v++;
        }
        s += 1 + v + txs[i].len;
    }
    return s;
}

ag_err cons_eng_build_block(cons_engine *e, int64_t height, cons_block *out)
{
    const cons_state *st = &e->st;
    ag_err err;
    cons_commit last = {0};
    if (height > st->initial_height) {
        err = cons_block_store_load_seen_commit(e->a.block_store, height - 1, &last);
        if (err != AG_OK)
            return err;
    }
    cons_evidence *evs = NULL;
    size_t n_ev = 0;
    int64_t ev_bytes = 0;
    cons_mempool_txs txs = {0};
    ag_slice *ptxs = NULL;
    size_t n_ptxs = 0;
    abci_arena *a = e->arena_misc;
    abci_arena_reset(a);
    err = cons_evpool_reap(e->ev, e->params.evidence_max_bytes, &evs, &n_ev, &ev_bytes);
    if (err != AG_OK)
        goto out;
    int64_t max_bytes = cons_params_max_block_bytes(&e->params);
    int64_t max_data =
        max_bytes - ENG_MAX_OVERHEAD_BLOCK - ENG_MAX_HEADER_BYTES -
        (ENG_MAX_COMMIT_OVERHEAD + ENG_MAX_COMMIT_SIG_BYTES * (int64_t)st->validators.n) - ev_bytes;
    if (max_data < 0) {
        err = ag_err_set(AG_ERR_STATE, "engine: block max bytes %" PRId64 " leave no room for txs",
                         max_bytes);
        goto out;
    }
    /* CheckTx answers still in flight (socket client) first */
    if (cons_mempool_flush_app_conn(e->mp) != AG_OK)
        ag_log_warn("engine", "mempool connection: %s", ag_err_detail());
    err = cons_mempool_reap(e->mp, e->params.block_max_bytes == -1 ? -1 : max_data,
                            e->params.block_max_gas, &txs);
    if (err != AG_OK)
        goto out;
    cons_header h;
    memset(&h, 0, sizeof h);
    h.version = st->version;
    snprintf(h.chain_id, sizeof h.chain_id, "%s", st->chain_id);
    h.height = height;
    if (height == st->initial_height)
        h.time = st->last_block_time;
    else if ((err = cons_eng_median_time(&last, &st->last_validators, &h.time)) != AG_OK)
        goto out;
    h.last_block_id = st->last_block_id;
    crypto_hash x;
    if ((err = cons_valset_hash(&x, &st->validators)) != AG_OK)
        goto out;
    hash_of(&h.validators_hash, &x);
    if ((err = cons_valset_hash(&x, &st->next_validators)) != AG_OK)
        goto out;
    hash_of(&h.next_validators_hash, &x);
    if ((err = cons_params_hash(&x, &e->params)) != AG_OK)
        goto out;
    hash_of(&h.consensus_hash, &x);
    h.app_hash = st->app_hash;
    h.last_results_hash = st->last_results_hash;
    h.proposer_address = *cons_privval_address(e->a.signer);

    /* PrepareProposal */
    abci_req_prepare_proposal req;
    tendermint__abci__request_prepare_proposal__init(&req);
    Google__Protobuf__Timestamp ts;
    ts_to_pb(&ts, h.time);
    Tendermint__Abci__ExtendedCommitInfo eci;
    tendermint__abci__extended_commit_info__init(&eci);
    if (height > st->initial_height) {
        Tendermint__Abci__CommitInfo *ci;
        if ((err = commit_info(a, &last, &st->last_validators, &ci)) != AG_OK)
            goto out;
        eci.round = ci->round;
        eci.votes = abci_arena_alloc(a, (ci->n_votes ? ci->n_votes : 1) * sizeof *eci.votes);
        if (eci.votes == NULL) {
            err = nomem("PrepareProposal");
            goto out;
        }
        for (size_t i = 0; i < ci->n_votes; i++) {
            Tendermint__Abci__ExtendedVoteInfo *ev = abci_arena_alloc(a, sizeof *ev);
            if (ev == NULL) {
                err = nomem("PrepareProposal");
                goto out;
            }
            tendermint__abci__extended_vote_info__init(ev);
            ev->validator = ci->votes[i]->validator;
            ev->block_id_flag = ci->votes[i]->block_id_flag;
            eci.votes[eci.n_votes++] = ev;
        }
    }
    cons_block tmp = {.n_evidence = n_ev, .evidence = evs};
    if ((err = misbehavior(a, &tmp, &req.misbehavior, &req.n_misbehavior)) != AG_OK)
        goto out;
    req.max_tx_bytes = max_data;
    req.txs = txs_pb(a, txs.txs, txs.n);
    if (req.txs == NULL) {
        err = nomem("PrepareProposal");
        goto out;
    }
    req.n_txs = txs.n;
    req.local_last_commit = &eci;
    req.height = height;
    req.time = &ts;
    req.next_validators_hash = bin(h.next_validators_hash.b, CONS_HASH_LEN);
    req.proposer_address = bin(h.proposer_address.b, CRYPTO_ADDRESS_LEN);
    abci_resp_prepare_proposal *resp = NULL;
    if ((err = abci_client_prepare_proposal(e->a.consensus_conn, a, &req, &resp)) != AG_OK)
        goto out;
    n_ptxs = resp->n_txs;
    ptxs = calloc(n_ptxs ? n_ptxs : 1, sizeof *ptxs);
    if (ptxs == NULL) {
        err = nomem("PrepareProposal");
        goto out;
    }
    for (size_t i = 0; i < n_ptxs; i++)
        ptxs[i] = (ag_slice){resp->txs[i].data, resp->txs[i].len};
    if ((int64_t)txs_proto_size(ptxs, n_ptxs) > max_data) {
        err = ag_err_set(AG_ERR_TOO_LARGE,
                         "engine: PrepareProposal returned %zu bytes of txs, the limit is %" PRId64,
                         txs_proto_size(ptxs, n_ptxs), max_data);
        goto out;
    }
    cons_commit empty = {0};
    err = cons_block_make(out, &h, ptxs, n_ptxs, evs, n_ev,
                          height > st->initial_height ? &last : &empty);
out:
    free(ptxs);
    cons_mempool_txs_free(&txs);
    cons_evidence_list_free(evs, n_ev);
    cons_commit_clear(&last);
    return err;
}

/* ---- conflicting votes ---- */

void cons_eng_add_evidence(cons_engine *e, const cons_vote *a, const cons_vote *b)
{
    if (a->height != e->st.last_block_height)
        return;
    cons_evidence ev = {0};
    ag_err err = cons_evidence_new(&ev, a, b, e->st.last_block_time, &e->st.last_validators);
    if (err == AG_OK)
        err = cons_evpool_add(e->ev, &ev);
    if (err != AG_OK && err != AG_ERR_EXISTS)
        ag_log_warn("engine", "evidence of height %" PRId64 " not kept: %s", a->height,
                    ag_err_detail());
    cons_evidence_clear(&ev);
}

/* ---- executing a block ---- */

static ag_err finalize_block(cons_engine *e, const cons_block *b, const cons_valset *last_vals,
                             abci_resp_finalize_block **resp)
{
    abci_arena *a = e->arena_exec;
    abci_arena_reset(a);
    abci_req_finalize_block req;
    tendermint__abci__request_finalize_block__init(&req);
    Google__Protobuf__Timestamp ts;
    ts_to_pb(&ts, b->header.time);
    crypto_hash bh;
    ag_err err = cons_block_hash(&bh, b);
    if (err == AG_OK)
        err = last_commit_info(e, a, b, last_vals, &req.decided_last_commit);
    if (err == AG_OK)
        err = misbehavior(a, b, &req.misbehavior, &req.n_misbehavior);
    if (err != AG_OK)
        return err;
    req.txs = txs_pb(a, b->txs, b->n_txs);
    if (req.txs == NULL)
        return nomem("FinalizeBlock");
    req.n_txs = b->n_txs;
    req.hash = bin(bh.b, sizeof bh.b);
    req.height = b->header.height;
    req.time = &ts;
    req.next_validators_hash =
        bin(b->header.next_validators_hash.b, b->header.next_validators_hash.len);
    req.proposer_address = bin(b->header.proposer_address.b, CRYPTO_ADDRESS_LEN);
    err = abci_client_finalize_block(e->a.consensus_conn, a, &req, resp);
    if (err != AG_OK)
        return ag_err_set(err, "engine: FinalizeBlock %" PRId64 ": %s", b->header.height,
                          ag_err_detail());
    if ((*resp)->n_tx_results != b->n_txs)
        return ag_err_set(AG_ERR_VERIFY,
                          "engine: FinalizeBlock %" PRId64 " returned %zu results for %zu txs",
                          b->header.height, (*resp)->n_tx_results, b->n_txs);
    if ((*resp)->app_hash.len > CONS_APP_HASH_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "engine: app hash of %zu bytes", (*resp)->app_hash.len);
    return AG_OK;
}

static ag_err app_commit(cons_engine *e, int64_t *retain)
{
    abci_req_commit req;
    tendermint__abci__request_commit__init(&req);
    abci_resp_commit *resp = NULL;
    ag_err err = abci_client_commit(e->a.consensus_conn, e->arena_exec, &req, &resp);
    if (err != AG_OK)
        return ag_err_set(err, "engine: Commit: %s", ag_err_detail());
    *retain = resp->retain_height;
    return AG_OK;
}

/* Merkle root of deterministic ExecTxResult encodings (code, data,
 * gas_wanted, gas_used). */
static ag_err results_hash(const abci_resp_finalize_block *r, cons_hash *out)
{
    ag_slice *items = calloc(r->n_tx_results ? r->n_tx_results : 1, sizeof *items);
    uint8_t **bufs = calloc(r->n_tx_results ? r->n_tx_results : 1, sizeof *bufs);
    ag_err err = AG_OK;
    if (items == NULL || bufs == NULL)
        err = nomem("results hash");
    for (size_t i = 0; err == AG_OK && i < r->n_tx_results; i++) {
        Tendermint__Abci__ExecTxResult d;
        tendermint__abci__exec_tx_result__init(&d);
        d.code = r->tx_results[i]->code;
        d.data = r->tx_results[i]->data;
        d.gas_wanted = r->tx_results[i]->gas_wanted;
        d.gas_used = r->tx_results[i]->gas_used;
        size_t n = tendermint__abci__exec_tx_result__get_packed_size(&d);
        bufs[i] = malloc(n ? n : 1);
        if (bufs[i] == NULL) {
            err = nomem("results hash");
            break;
        }
        tendermint__abci__exec_tx_result__pack(&d, bufs[i]);
        items[i] = (ag_slice){bufs[i], n};
    }
    crypto_hash h;
    if (err == AG_OK)
        err = cons_merkle_root(&h, items, r->n_tx_results);
    if (err == AG_OK)
        hash_of(out, &h);
    for (size_t i = 0; bufs != NULL && i < r->n_tx_results; i++)
        free(bufs[i]);
    free(bufs);
    free(items);
    return err;
}

/* updateState: the state after block b (id) with FinalizeBlock's response. */
static ag_err update_state(cons_engine *e, cons_state *out, const cons_block *b,
                           const cons_block_id *id, const abci_resp_finalize_block *r)
{
    const cons_state *st = &e->st;
    memset(out, 0, sizeof *out);
    out->version = st->version;
    memcpy(out->software, st->software, sizeof out->software);
    memcpy(out->chain_id, st->chain_id, sizeof out->chain_id);
    out->initial_height = st->initial_height;
    out->last_block_height = b->header.height;
    out->last_block_id = *id;
    out->last_block_time = b->header.time;
    out->last_height_validators_changed = st->last_height_validators_changed;
    out->last_height_consensus_params_changed = st->last_height_consensus_params_changed;
    ag_err err = cons_valset_copy(&out->last_validators, &st->validators);
    if (err == AG_OK)
        err = cons_valset_copy(&out->validators, &st->next_validators);
    if (err == AG_OK)
        err = cons_valset_copy(&out->next_validators, &st->next_validators);
    if (err == AG_OK && r->n_validator_updates > 0) {
        cons_validator *ch = calloc(r->n_validator_updates, sizeof *ch);
        if (ch == NULL)
            err = nomem("validator updates");
        for (size_t i = 0; err == AG_OK && i < r->n_validator_updates; i++) {
            const Tendermint__Abci__ValidatorUpdate *u = r->validator_updates[i];
            crypto_pubkey pk;
            if (u->pub_key == NULL ||
                u->pub_key->sum_case != TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1 ||
                crypto_pubkey_parse(&pk, u->pub_key->secp256k1.data, u->pub_key->secp256k1.len) !=
                    AG_OK) {
                err = ag_err_set(AG_ERR_VERIFY,
                                 "engine: validator update %zu: not a secp256k1 public key", i);
                break;
            }
            cons_validator_init(&ch[i], &pk, u->power);
        }
        if (err == AG_OK &&
            (err = cons_valset_update(&out->next_validators, ch, r->n_validator_updates)) != AG_OK)
            err = ag_err_set(err, "engine: validator updates of block %" PRId64 ": %s",
                             b->header.height, ag_err_detail());
        free(ch);
        out->last_height_validators_changed = b->header.height + 2;
    }
    if (err == AG_OK)
        err = cons_valset_increment(&out->next_validators, 1);
    cons_params p = e->params;
    if (err == AG_OK && r->consensus_param_updates != NULL) {
        if ((err = cons_params_update(&p, r->consensus_param_updates, b->header.height)) != AG_OK)
            err = ag_err_set(err, "engine: consensus params update of block %" PRId64 ": %s",
                             b->header.height, ag_err_detail());
        out->last_height_consensus_params_changed = b->header.height + 1;
        out->version.app = p.version_app;
    }
    ag_buf pb;
    ag_buf_init(&pb, 0);
    if (err == AG_OK)
        err = cons_params_encode(&pb, &p);
    if (err == AG_OK)
        err = cons_state_set_params(out, pb.data, pb.len);
    ag_buf_free(&pb);
    if (err == AG_OK)
        err = results_hash(r, &out->last_results_hash);
    out->app_hash.len = (uint8_t)r->app_hash.len;
    if (r->app_hash.len)
        memcpy(out->app_hash.b, r->app_hash.data, r->app_hash.len);
    if (err != AG_OK)
        cons_state_clear(out);
    return err;
}

/* Replace e->st by *next (moved) and reload the params. */
static ag_err adopt_state(cons_engine *e, cons_state *next)
{
    cons_state_clear(&e->st);
    e->st = *next;
    memset(next, 0, sizeof *next);
    return cons_eng_load_params(e);
}

static ag_err encode_response(const abci_resp_finalize_block *r, ag_buf *out)
{
    size_t n = tendermint__abci__response_finalize_block__get_packed_size(r);
    if (n > CONS_FINALIZE_RESPONSE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "engine: FinalizeBlock response of %zu bytes", n);
    ag_err err = ag_buf_reserve(out, n);
    if (err != AG_OK)
        return err;
    tendermint__abci__response_finalize_block__pack(r, out->data + out->len);
    out->len += n;
    return AG_OK;
}

static ag_err prune(cons_engine *e, int64_t retain)
{
    if (retain <= 0 || retain <= cons_block_store_base(e->a.block_store))
        return AG_OK;
    if (retain > e->st.last_block_height)
        retain = e->st.last_block_height;
    ag_err err = cons_block_store_prune(e->a.block_store, retain, NULL);
    if (err == AG_OK)
        err = cons_state_store_prune(e->a.state_store, retain);
    return err;
}

ag_err cons_eng_commit_block(cons_engine *e, const cons_block *b, const cons_part_set *parts,
                             const cons_block_id *id, const cons_commit *seen)
{
    int64_t H = b->header.height;
    ag_err err;
    /* 1: the block and its seen commit */
    if (cons_block_store_height(e->a.block_store) < H) {
        bool first = cons_block_store_height(e->a.block_store) == 0;
        err = cons_block_store_save(e->a.block_store, &b->header, parts, (int64_t)b->n_txs,
                                    first ? NULL : &b->last_commit, seen);
        if (err != AG_OK)
            return err;
    }
    if (cons_eng_fault(e, CONS_ENGINE_AT_BLOCK_SAVED, H))
        return AG_ERR_CLOSED;
    /* 2: FinalizeBlock */
    abci_resp_finalize_block *resp = NULL;
    if ((err = finalize_block(e, b, &e->st.last_validators, &resp)) != AG_OK)
        return err;
    if (cons_eng_fault(e, CONS_ENGINE_AT_FINALIZED, H))
        return AG_ERR_CLOSED;
    /* 3: its response */
    ag_buf enc;
    ag_buf_init(&enc, 0);
    err = encode_response(resp, &enc);
    if (err == AG_OK)
        err = cons_state_store_save_finalize_response(e->a.state_store, H, enc.data, enc.len);
    if (err != AG_OK)
        goto out;
    if (cons_eng_fault(e, CONS_ENGINE_AT_RESPONSE_SAVED, H)) {
        err = AG_ERR_CLOSED;
        goto out;
    }
    /* the new state (computed before Commit, saved after it) */
    cons_state next;
    if ((err = update_state(e, &next, b, id, resp)) != AG_OK)
        goto out;
    /* 4: Commit */
    int64_t retain = 0;
    if ((err = app_commit(e, &retain)) != AG_OK) {
        cons_state_clear(&next);
        goto out;
    }
    if (cons_eng_fault(e, CONS_ENGINE_AT_APP_COMMITTED, H)) {
        cons_state_clear(&next);
        err = AG_ERR_CLOSED;
        goto out;
    }
    /* 5: the state */
    if ((err = cons_state_store_save(e->a.state_store, &next)) != AG_OK) {
        cons_state_clear(&next);
        goto out;
    }
    if ((err = adopt_state(e, &next)) != AG_OK)
        goto out;
    e->last_header_app_hash = b->header.app_hash;
    if (cons_eng_fault(e, CONS_ENGINE_AT_STATE_SAVED, H)) {
        err = AG_ERR_CLOSED;
        goto out;
    }
    /* 6: prune */
    if ((err = prune(e, retain)) != AG_OK)
        goto out;
    /* 7: mempool and evidence pool */
    uint32_t *codes = calloc(b->n_txs ? b->n_txs : 1, sizeof *codes);
    if (codes == NULL) {
        err = nomem("mempool update");
        goto out;
    }
    for (size_t i = 0; i < b->n_txs; i++)
        codes[i] = resp->tx_results[i]->code;
    e->txs_available = false;
    if (cons_mempool_flush_app_conn(e->mp) != AG_OK)
        ag_log_warn("engine", "mempool connection: %s", ag_err_detail());
    err = cons_mempool_update(e->mp, H, b->txs, codes, b->n_txs);
    free(codes);
    if (err != AG_OK)
        ag_log_warn("engine", "mempool update at %" PRId64 ": %s", H, ag_err_detail());
    if (cons_mempool_size(e->mp) > 0)
        e->txs_available = true;
    cons_evidence_state es;
    cons_eng_evidence_state(e, &es);
    if ((err = cons_evpool_update(e->ev, &es, b->evidence, b->n_evidence)) != AG_OK)
        goto out;
    for (size_t i = 0; i < e->n_conflicts; i++) {
        eng_conflict *c = &e->conflicts[i];
        if (c->a.height == H)
            cons_eng_add_evidence(e, &c->a, &c->b);
        cons_vote_clear(&c->a);
        cons_vote_clear(&c->b);
    }
    e->n_conflicts = 0;
    /* 8: end of height in the WAL */
    if (cons_wal_last_height(e->a.wal) < H && (err = cons_wal_end_height(e->a.wal, H)) != AG_OK)
        goto out;
    if (cons_eng_fault(e, CONS_ENGINE_AT_HEIGHT_ENDED, H)) {
        err = AG_ERR_CLOSED;
        goto out;
    }
    /* segments before the marker of H are not needed any more */
    size_t removed = 0;
    if (cons_wal_prune(e->a.wal, H + 1, &removed) != AG_OK)
        ag_log_warn("engine", "WAL prune at %" PRId64 ": %s", H, ag_err_detail());
    /* 9: tell the host */
    if (e->a.io.committed != NULL) {
        cons_engine_committed c = {.height = H,
                                   .block = b,
                                   .block_id = id,
                                   .commit = seen,
                                   .finalize = resp,
                                   .finalize_bytes = enc.data,
                                   .finalize_len = enc.len,
                                   .state = &e->st};
        e->a.io.committed(e->a.io.ctx, &c);
    }
    ag_log_debug("engine", "committed %" PRId64 " (%zu txs)", H, b->n_txs);
out:
    ag_buf_free(&enc);
    return err;
}

/* ---- startup ---- */

static ag_err load_stored_block(cons_engine *e, int64_t h, cons_block *b)
{
    ag_buf raw;
    ag_buf_init(&raw, 0);
    ag_err err = cons_block_store_load_block(e->a.block_store, h, &raw);
    if (err == AG_OK && (err = cons_block_decode(b, raw.data, raw.len)) != AG_OK)
        err =
            ag_err_set(AG_ERR_CORRUPT, "engine: stored block %" PRId64 ": %s", h, ag_err_detail());
    ag_buf_free(&raw);
    return err;
}

static ag_err init_chain(cons_engine *e, bool apply)
{
    const genesis_doc *g = e->genesis;
    abci_arena *a = e->arena_misc;
    abci_arena_reset(a);
    abci_req_init_chain req;
    tendermint__abci__request_init_chain__init(&req);
    Google__Protobuf__Timestamp ts;
    ts_to_pb(&ts, (cons_timestamp){g->time_seconds, g->time_nanos});
    Tendermint__Types__ConsensusParams cp;
    cons_params_pb_storage cps;
    cons_params_to_pb(&cp, &cps, &g->params);
    req.time = &ts;
    req.chain_id = abci_str(g->chain_id);
    req.consensus_params = &cp;
    req.initial_height = g->initial_height;
    req.app_state_bytes = bin(g->app_state, strlen(g->app_state));
    req.validators =
        abci_arena_alloc(a, (g->n_validators ? g->n_validators : 1) * sizeof *req.validators);
    if (req.validators == NULL)
        return nomem("InitChain");
    for (size_t i = 0; i < g->n_validators; i++) {
        Tendermint__Abci__ValidatorUpdate *u = abci_arena_alloc(a, sizeof *u);
        Tendermint__Crypto__PublicKey *pk = abci_arena_alloc(a, sizeof *pk);
        if (u == NULL || pk == NULL)
            return nomem("InitChain");
        tendermint__abci__validator_update__init(u);
        tendermint__crypto__public_key__init(pk);
        pk->sum_case = TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1;
        pk->secp256k1 = bin(g->validators[i].pub_key.b, CRYPTO_PUBKEY_LEN);
        u->pub_key = pk;
        u->power = g->validators[i].power;
        req.validators[req.n_validators++] = u;
    }
    abci_resp_init_chain *resp = NULL;
    ag_err err = abci_client_init_chain(e->a.consensus_conn, a, &req, &resp);
    if (err != AG_OK)
        return ag_err_set(err, "engine: InitChain: %s", ag_err_detail());
    if (!apply)
        return AG_OK;
    cons_state *st = &e->st;
    if (resp->app_hash.len > CONS_APP_HASH_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "engine: InitChain app hash of %zu bytes",
                          resp->app_hash.len);
    if (resp->app_hash.len > 0) {
        st->app_hash.len = (uint8_t)resp->app_hash.len;
        memcpy(st->app_hash.b, resp->app_hash.data, resp->app_hash.len);
    }
    if (resp->n_validators > 0) {
        cons_validator *vs = calloc(resp->n_validators, sizeof *vs);
        if (vs == NULL)
            return nomem("InitChain");
        for (size_t i = 0; i < resp->n_validators; i++) {
            const Tendermint__Abci__ValidatorUpdate *u = resp->validators[i];
            crypto_pubkey pk;
            if (u->pub_key == NULL ||
                u->pub_key->sum_case != TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1 ||
                crypto_pubkey_parse(&pk, u->pub_key->secp256k1.data, u->pub_key->secp256k1.len) !=
                    AG_OK) {
                free(vs);
                return ag_err_set(AG_ERR_VERIFY, "engine: InitChain validator %zu: bad key", i);
            }
            cons_validator_init(&vs[i], &pk, u->power);
        }
        cons_valset_free(&st->validators);
        cons_valset_free(&st->next_validators);
        err = cons_valset_new(&st->validators, vs, resp->n_validators);
        free(vs);
        if (err == AG_OK)
            err = cons_valset_copy(&st->next_validators, &st->validators);
        if (err == AG_OK)
            err = cons_valset_increment(&st->next_validators, 1);
        if (err != AG_OK)
            return ag_err_set(err, "engine: InitChain validators: %s", ag_err_detail());
    } else if (g->n_validators == 0) {
        return ag_err_set(AG_ERR_STATE,
                          "engine: no validators in genesis and none returned by InitChain");
    }
    if (resp->consensus_params != NULL) {
        cons_params p = g->params;
        if ((err = cons_params_update(&p, resp->consensus_params, 0)) != AG_OK)
            return ag_err_set(err, "engine: InitChain consensus params: %s", ag_err_detail());
        ag_buf pb;
        ag_buf_init(&pb, 0);
        err = cons_params_encode(&pb, &p);
        if (err == AG_OK)
            err = cons_state_set_params(st, pb.data, pb.len);
        ag_buf_free(&pb);
        st->version.app = p.version_app;
        if (err != AG_OK)
            return err;
    }
    return cons_eng_load_params(e);
}

static bool app_hash_eq(const cons_app_hash *a, const uint8_t *b, size_t len)
{
    return a->len == len && memcmp(a->b, b, len) == 0;
}

/* Execute stored block h on the app only (FinalizeBlock + Commit), checking
 * the resulting app hash against `want`. */
static ag_err replay_app_only(cons_engine *e, int64_t h, const cons_app_hash *want)
{
    cons_block b = {0};
    cons_valset last = {0};
    ag_err err = load_stored_block(e, h, &b);
    if (err == AG_OK && h > e->st.initial_height)
        err = cons_state_store_load_validators(e->a.state_store, h - 1, &last);
    abci_resp_finalize_block *resp = NULL;
    if (err == AG_OK)
        err = finalize_block(e, &b, &last, &resp);
    if (err == AG_OK && !app_hash_eq(want, resp->app_hash.data, resp->app_hash.len))
        err = ag_err_set(AG_ERR_VERIFY,
                         "engine: handshake: replaying block %" PRId64
                         " gave an app hash that differs from the stored chain (the app is not "
                         "deterministic, or its data belongs to another chain)",
                         h);
    int64_t retain;
    if (err == AG_OK)
        err = app_commit(e, &retain);
    cons_block_clear(&b);
    cons_valset_free(&last);
    return err;
}

/* The block above the state: with the app behind it, execute it for real;
 * with the app already past it (crash between Commit and the state save),
 * rebuild the state from the saved FinalizeBlock response. */
static ag_err replay_last_block(cons_engine *e, int64_t h, bool app_has_it)
{
    cons_block b = {0};
    cons_block_meta meta;
    ag_err err = load_stored_block(e, h, &b);
    if (err == AG_OK)
        err = cons_block_store_load_meta(e->a.block_store, h, &meta);
    if (err != AG_OK) {
        cons_block_clear(&b);
        return err;
    }
    abci_resp_finalize_block *resp = NULL;
    Tendermint__Abci__ResponseFinalizeBlock *unpacked = NULL;
    ag_buf enc;
    ag_buf_init(&enc, CONS_FINALIZE_RESPONSE_MAX);
    if (app_has_it) {
        err = cons_state_store_load_finalize_response(e->a.state_store, h, &enc);
        if (err == AG_OK) {
            unpacked = tendermint__abci__response_finalize_block__unpack(NULL, enc.len, enc.data);
            if (unpacked == NULL)
                err =
                    ag_err_set(AG_ERR_CORRUPT, "engine: stored FinalizeBlock response %" PRId64, h);
            resp = unpacked;
        } else if (err == AG_ERR_NOT_FOUND) {
            err = ag_err_set(AG_ERR_STATE,
                             "engine: handshake: the app committed block %" PRId64
                             " but its FinalizeBlock response was not saved",
                             h);
        }
    } else {
        err = finalize_block(e, &b, &e->st.last_validators, &resp);
        if (err == AG_OK)
            err = encode_response(resp, &enc);
        if (err == AG_OK)
            err = cons_state_store_save_finalize_response(e->a.state_store, h, enc.data, enc.len);
    }
    cons_state next;
    if (err == AG_OK)
        err = update_state(e, &next, &b, &meta.block_id, resp);
    int64_t retain = 0;
    if (err == AG_OK && !app_has_it && (err = app_commit(e, &retain)) != AG_OK)
        cons_state_clear(&next);
    if (err == AG_OK && (err = cons_state_store_save(e->a.state_store, &next)) != AG_OK)
        cons_state_clear(&next);
    if (err == AG_OK)
        err = adopt_state(e, &next);
    if (err == AG_OK)
        e->last_header_app_hash = b.header.app_hash;
    if (unpacked != NULL)
        tendermint__abci__response_finalize_block__free_unpacked(unpacked, NULL);
    ag_buf_free(&enc);
    cons_block_clear(&b);
    return err;
}

ag_err cons_eng_handshake(cons_engine *e)
{
    ag_err err = cons_state_store_load(e->a.state_store, &e->st);
    bool fresh = false;
    if (err == AG_ERR_NOT_FOUND) {
        if ((err = cons_eng_state_from_genesis(e, &e->st)) != AG_OK)
            return err;
        fresh = true;
    } else if (err != AG_OK) {
        return err;
    }
    if (strcmp(e->st.chain_id, e->genesis->chain_id) != 0)
        return ag_err_set(AG_ERR_STATE, "engine: stored state is of chain %s, genesis of %s",
                          e->st.chain_id, e->genesis->chain_id);
    if (e->st.consensus_params_len && (err = cons_eng_load_params(e)) != AG_OK)
        return err;

    /* Info */
    abci_arena_reset(e->arena_misc);
    abci_req_info ireq;
    tendermint__abci__request_info__init(&ireq);
    ireq.version = abci_str("agora");
    ireq.block_version = CONS_BLOCK_PROTOCOL;
    ireq.abci_version = abci_str("2.0.0");
    abci_resp_info *info = NULL;
    if ((err = abci_client_info(e->a.consensus_conn, e->arena_misc, &ireq, &info)) != AG_OK)
        return ag_err_set(err, "engine: handshake: Info: %s", ag_err_detail());
    int64_t app_h = info->last_block_height;
    cons_app_hash app_hash = {0};
    if (info->last_block_app_hash.len > CONS_APP_HASH_MAX)
        return ag_err_set(AG_ERR_VERIFY, "engine: handshake: app hash of %zu bytes",
                          info->last_block_app_hash.len);
    app_hash.len = (uint8_t)info->last_block_app_hash.len;
    if (app_hash.len > 0)
        memcpy(app_hash.b, info->last_block_app_hash.data, app_hash.len);

    int64_t store_h = cons_block_store_height(e->a.block_store);
    int64_t state_h = e->st.last_block_height;
    ag_log_info("engine",
                "handshake: app at %" PRId64 ", block store at %" PRId64 ", state at %" PRId64,
                app_h, store_h, state_h);
    if (app_h < 0)
        return ag_err_set(AG_ERR_VERIFY, "engine: handshake: app reports height %" PRId64, app_h);
    if (app_h == 0) {
        if ((err = init_chain(e, state_h == 0)) != AG_OK)
            return err;
        if (state_h == 0 && (err = cons_state_store_save(e->a.state_store, &e->st)) != AG_OK)
            return err;
        fresh = false;
    }
    (void)fresh;
    if (app_h > store_h)
        return ag_err_set(AG_ERR_STATE,
                          "engine: handshake: the app is at height %" PRId64
                          ", ahead of the block store at %" PRId64
                          " (the app's data is not this node's: restore the block store or reset "
                          "the app)",
                          app_h, store_h);
    if (store_h < state_h || store_h > state_h + 1)
        return ag_err_set(AG_ERR_CORRUPT,
                          "engine: handshake: block store at %" PRId64 " and state at %" PRId64
                          " do not fit (the block store may be at most one block ahead)",
                          store_h, state_h);
    if (app_h > 0 && app_h < cons_block_store_base(e->a.block_store) - 1)
        return ag_err_set(AG_ERR_STATE,
                          "engine: handshake: the app is at %" PRId64
                          " but the block store was pruned to %" PRId64,
                          app_h, cons_block_store_base(e->a.block_store));
    if (app_h == 0 && store_h > 0 && cons_block_store_base(e->a.block_store) > e->st.initial_height)
        return ag_err_set(AG_ERR_STATE,
                          "engine: handshake: the app is empty and the block store was pruned to "
                          "%" PRId64 ": cannot replay from genesis",
                          cons_block_store_base(e->a.block_store));
    /* app-only replay of the blocks the state already covers */
    int64_t first = app_h > 0 ? app_h + 1 : e->st.initial_height;
    for (int64_t h = first; h <= state_h; h++) {
        cons_app_hash want;
        if (h < store_h) {
            cons_block_meta m;
            if ((err = cons_block_store_load_meta(e->a.block_store, h + 1, &m)) != AG_OK)
                return err;
            want = m.header.app_hash;
        } else {
            want = e->st.app_hash;
        }
        if ((err = replay_app_only(e, h, &want)) != AG_OK)
            return err;
        app_h = h;
        app_hash = want;
    }
    if (store_h == state_h + 1) {
        bool app_has_it = app_h == store_h;
        if ((err = replay_last_block(e, store_h, app_has_it)) != AG_OK)
            return err;
        if (app_has_it && !app_hash_eq(&e->st.app_hash, app_hash.b, app_hash.len))
            return ag_err_set(AG_ERR_VERIFY,
                              "engine: handshake: the app's hash at %" PRId64
                              " differs from the one its FinalizeBlock returned",
                              store_h);
    } else if (app_h == state_h && state_h > 0 &&
               !app_hash_eq(&e->st.app_hash, app_hash.b, app_hash.len)) {
        return ag_err_set(AG_ERR_VERIFY,
                          "engine: handshake: the app's hash at %" PRId64
                          " differs from the stored state's",
                          app_h);
    }
    if (e->st.last_block_height > 0) {
        cons_block_meta m;
        if ((err = cons_block_store_load_meta(e->a.block_store, e->st.last_block_height, &m)) !=
            AG_OK)
            return err;
        e->last_header_app_hash = m.header.app_hash;
    }
    return AG_OK;
}

ag_err cons_eng_double_sign_check(cons_engine *e)
{
    int64_t n = e->cfg.double_sign_check_height;
    int64_t top = cons_block_store_height(e->a.block_store);
    if (n <= 0 || e->a.signer == NULL || top == 0)
        return AG_OK;
    int64_t lo = top - n + 1;
    if (lo < cons_block_store_base(e->a.block_store))
        lo = cons_block_store_base(e->a.block_store);
    size_t cnt = (size_t)(top - lo + 1);
    cons_commit *cs = calloc(cnt, sizeof *cs);
    cons_valset *vs = calloc(cnt, sizeof *vs);
    ag_err err = (cs && vs) ? AG_OK : nomem("double-sign check");
    for (size_t i = 0; err == AG_OK && i < cnt; i++) {
        int64_t h = lo + (int64_t)i;
        err = h == top ? cons_block_store_load_seen_commit(e->a.block_store, h, &cs[i])
                       : cons_block_store_load_commit(e->a.block_store, h, &cs[i]);
        if (err == AG_OK)
            err = cons_state_store_load_validators(e->a.state_store, h, &vs[i]);
    }
    if (err == AG_OK) {
        err = cons_privval_check_commits(e->a.signer, cs, vs, cnt);
        if (err == AG_ERR_EXISTS)
            err = ag_err_set(AG_ERR_EXISTS,
                             "engine: this validator signed within the last %" PRId64
                             " blocks (double_sign_check_height): another node may be running "
                             "with this key",
                             n);
    }
    for (size_t i = 0; i < cnt; i++) {
        if (cs)
            cons_commit_clear(&cs[i]);
        if (vs)
            cons_valset_free(&vs[i]);
    }
    free(cs);
    free(vs);
    return err;
}
