/*
 * gossip_msg.c — codecs of the gossip reactors' messages (gossip.h,
 * proto/agora/p2p/gossip.proto). Embedded consensus messages travel as bytes
 * and are decoded by the consensus codecs with their own bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "agora/p2p/gossip.pb-c.h"
#include "lib/pb.h"
#include "p2p/gossip.h"

#define BIN(p, n) ((ProtobufCBinaryData){(n), (uint8_t *)(uintptr_t)(p)})

/* ---- consensus ---- */

void p2p_cons_msg_clear(p2p_cons_msg *m)
{
    free(m->vote_bits);
    cons_part_clear(&m->part);
    cons_vote_clear(&m->vote);
    ag_buf_free(&m->block);
    cons_commit_clear(&m->commit);
    memset(m, 0, sizeof *m);
}

static ag_err bad(const char *what)
{
    return ag_err_set(AG_ERR_DECODE, "gossip: %s", what);
}

static ag_err hash_to(cons_hash *h, const ProtobufCBinaryData *pb)
{
    if (pb->len != 0 && pb->len != CONS_HASH_LEN)
        return bad("block id hash of neither 0 nor 32 bytes");
    h->len = (uint8_t)pb->len;
    if (pb->len)
        memcpy(h->b, pb->data, pb->len);
    return AG_OK;
}

/* An absent BlockID is the zero (nil) id, as in Go. */
static ag_err block_id_to(cons_block_id *id, const Agora__P2p__BlockID *pb)
{
    memset(id, 0, sizeof *id);
    if (!pb)
        return AG_OK;
    ag_err err = hash_to(&id->hash, &pb->hash);
    if (err == AG_OK && pb->part_set_header) {
        id->parts.total = pb->part_set_header->total;
        err = hash_to(&id->parts.hash, &pb->part_set_header->hash);
    }
    if (err == AG_OK && cons_block_id_validate(id) != AG_OK)
        err = bad("block id out of range");
    return err;
}

/* The vote type, height and round shared by VoteSetMaj23 and VoteSetBits. */
static ag_err vote_set_head(p2p_cons_msg *out, int64_t h, int32_t r, int32_t type)
{
    if (h < 0 || r < 0 || (type != CONS_MSG_PREVOTE && type != CONS_MSG_PRECOMMIT))
        return bad("VoteSetMaj23/VoteSetBits out of range");
    out->height = h;
    out->round = r;
    out->type = type;
    return AG_OK;
}

static ag_err bits_to(p2p_cons_msg *out, const Agora__P2p__BitArray *pb)
{
    int64_t n = pb ? pb->bits : 0;
    if (n < 0 || n > CONS_VALIDATORS_MAX)
        return bad("VoteSetBits: bit array length out of range");
    size_t words = ((size_t)n + 63) / 64;
    if ((pb ? pb->n_elems : 0) != words)
        return bad("VoteSetBits: bit array words do not match its length");
    out->n_bits = (uint32_t)n;
    out->vote_bits = calloc(P2P_CONS_VOTE_BITS_BYTES, 1);
    if (!out->vote_bits)
        return ag_err_set(AG_ERR_NOMEM, "gossip: vote bits");
    for (uint32_t i = 0; i < out->n_bits; i++)
        if (pb->elems[i / 64] >> (i % 64) & 1)
            out->vote_bits[i / 8] |= (uint8_t)(1u << (i % 8));
    return AG_OK;
}

static ag_err cons_unpacked(p2p_cons_msg *out, const Agora__P2p__ConsensusMessage *m)
{
    switch (m->sum_case) {
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_NEW_ROUND_STEP: {
        const Agora__P2p__NewRoundStep *s = m->new_round_step;
        if (s->height < 0 || s->round < 0 || s->step < CONS_STEP_PROPOSE ||
            s->step > CONS_STEP_COMMIT)
            return bad("NewRoundStep out of range");
        out->kind = P2P_CONS_NEW_ROUND_STEP;
        out->height = s->height;
        out->round = s->round;
        out->step = s->step;
        return AG_OK;
    }
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_PROPOSAL:
        out->kind = P2P_CONS_PROPOSAL;
        if (cons_proposal_decode(&out->proposal, m->proposal->proposal.data,
                                 m->proposal->proposal.len) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "gossip: proposal: %s", ag_err_detail());
        return AG_OK;
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_BLOCK_PART: {
        const Agora__P2p__BlockPartMsg *b = m->block_part;
        if (b->height < 0 || b->round < 0)
            return bad("BlockPart out of range");
        out->kind = P2P_CONS_BLOCK_PART;
        out->height = b->height;
        out->round = b->round;
        if (cons_part_decode(&out->part, b->part.data, b->part.len) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "gossip: block part: %s", ag_err_detail());
        return AG_OK;
    }
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_VOTE:
        out->kind = P2P_CONS_VOTE;
        if (m->vote->vote.len > CONS_VOTE_ENCODED_MAX ||
            cons_vote_decode(&out->vote, m->vote->vote.data, m->vote->vote.len) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "gossip: vote: %s", ag_err_detail());
        return AG_OK;
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_HAS_VOTE: {
        const Agora__P2p__HasVote *h = m->has_vote;
        if (h->height < 0 || h->round < 0 || h->index < 0 || h->index >= CONS_VALIDATORS_MAX ||
            (h->type != CONS_MSG_PREVOTE && h->type != CONS_MSG_PRECOMMIT))
            return bad("HasVote out of range");
        out->kind = P2P_CONS_HAS_VOTE;
        out->height = h->height;
        out->round = h->round;
        out->type = h->type;
        out->index = h->index;
        return AG_OK;
    }
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_VOTE_SET_MAJ23: {
        const Agora__P2p__VoteSetMaj23 *v = m->vote_set_maj23;
        out->kind = P2P_CONS_VOTE_SET_MAJ23;
        ag_err err = vote_set_head(out, v->height, v->round, v->type);
        return err ? err : block_id_to(&out->block_id, v->block_id);
    }
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_VOTE_SET_BITS: {
        const Agora__P2p__VoteSetBits *v = m->vote_set_bits;
        out->kind = P2P_CONS_VOTE_SET_BITS;
        ag_err err = vote_set_head(out, v->height, v->round, v->type);
        if (err == AG_OK)
            err = block_id_to(&out->block_id, v->block_id);
        return err ? err : bits_to(out, v->votes);
    }
    case AGORA__P2P__CONSENSUS_MESSAGE__SUM_CATCHUP: {
        const Agora__P2p__CatchupCommit *c = m->catchup;
        out->kind = P2P_CONS_CATCHUP;
        if (c->block.len == 0)
            return bad("catch-up without a block");
        if (cons_commit_decode(&out->commit, c->commit.data, c->commit.len) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "gossip: catch-up commit: %s", ag_err_detail());
        ag_buf_init(&out->block, P2P_CONS_DATA_MSG_MAX);
        return ag_buf_append(&out->block, c->block.data, c->block.len);
    }
    default:
        return bad("consensus message of no known kind");
    }
}

ag_err p2p_cons_msg_decode(p2p_cons_msg *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > P2P_CONS_DATA_MSG_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "gossip: consensus message of %zu bytes", len);
    Agora__P2p__ConsensusMessage *m = agora__p2p__consensus_message__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.p2p.ConsensusMessage");
    ag_err err = cons_unpacked(out, m);
    agora__p2p__consensus_message__free_unpacked(m, NULL);
    if (err != AG_OK)
        p2p_cons_msg_clear(out);
    return err;
}

ag_err p2p_cons_encode_round_step(ag_buf *out, int64_t h, int32_t r, cons_step s)
{
    Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
    Agora__P2p__NewRoundStep x = AGORA__P2P__NEW_ROUND_STEP__INIT;
    x.height = h;
    x.round = r;
    x.step = (uint32_t)s;
    x.last_commit_round = -1;
    m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_NEW_ROUND_STEP;
    m.new_round_step = &x;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_cons_encode_proposal(ag_buf *out, const cons_proposal *p)
{
    ag_buf inner;
    ag_buf_init(&inner, 0);
    ag_err err = cons_proposal_encode(&inner, p);
    if (err == AG_OK) {
        Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
        Agora__P2p__ProposalMsg x = AGORA__P2P__PROPOSAL_MSG__INIT;
        x.proposal = BIN(inner.data, inner.len);
        m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_PROPOSAL;
        m.proposal = &x;
        err = ag_pb_append(out, &m.base);
    }
    ag_buf_free(&inner);
    return err;
}

ag_err p2p_cons_encode_part(ag_buf *out, int64_t h, int32_t r, const cons_part *part)
{
    ag_buf inner;
    ag_buf_init(&inner, 0);
    ag_err err = cons_part_encode(&inner, part);
    if (err == AG_OK) {
        Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
        Agora__P2p__BlockPartMsg x = AGORA__P2P__BLOCK_PART_MSG__INIT;
        x.height = h;
        x.round = r;
        x.part = BIN(inner.data, inner.len);
        m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_BLOCK_PART;
        m.block_part = &x;
        err = ag_pb_append(out, &m.base);
    }
    ag_buf_free(&inner);
    return err;
}

ag_err p2p_cons_encode_vote(ag_buf *out, const cons_vote *v)
{
    ag_buf inner;
    ag_buf_init(&inner, 0);
    ag_err err = cons_vote_encode(&inner, v);
    if (err == AG_OK) {
        Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
        Agora__P2p__VoteMsg x = AGORA__P2P__VOTE_MSG__INIT;
        x.vote = BIN(inner.data, inner.len);
        m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_VOTE;
        m.vote = &x;
        err = ag_pb_append(out, &m.base);
    }
    ag_buf_free(&inner);
    return err;
}

ag_err p2p_cons_encode_has_vote(ag_buf *out, int64_t h, int32_t r, int32_t type, int32_t index)
{
    Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
    Agora__P2p__HasVote x = AGORA__P2P__HAS_VOTE__INIT;
    x.height = h;
    x.round = r;
    x.type = type;
    x.index = index;
    m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_HAS_VOTE;
    m.has_vote = &x;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_cons_encode_catchup(ag_buf *out, const uint8_t *block, size_t len,
                               const cons_commit *commit)
{
    ag_buf inner;
    ag_buf_init(&inner, 0);
    ag_err err = cons_commit_encode(&inner, commit);
    if (err == AG_OK) {
        Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
        Agora__P2p__CatchupCommit x = AGORA__P2P__CATCHUP_COMMIT__INIT;
        x.block = BIN(block, len);
        x.commit = BIN(inner.data, inner.len);
        m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_CATCHUP;
        m.catchup = &x;
        err = ag_pb_append(out, &m.base);
    }
    ag_buf_free(&inner);
    return err;
}

/* ---- block sync ---- */

void p2p_sync_msg_clear(p2p_sync_msg *m)
{
    ag_buf_free(&m->block);
    cons_commit_clear(&m->commit);
    memset(m, 0, sizeof *m);
}

static ag_err sync_unpacked(p2p_sync_msg *out, const Agora__P2p__BlockSyncMessage *m)
{
    switch (m->sum_case) {
    case AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_BLOCK_REQUEST:
        out->kind = P2P_SYNC_BLOCK_REQUEST;
        out->height = m->block_request->height;
        return out->height < 1 ? bad("block request below height 1") : AG_OK;
    case AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_NO_BLOCK_RESPONSE:
        out->kind = P2P_SYNC_NO_BLOCK;
        out->height = m->no_block_response->height;
        return out->height < 1 ? bad("no-block response below height 1") : AG_OK;
    case AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_BLOCK_RESPONSE: {
        const Agora__P2p__BlockResponse *b = m->block_response;
        out->kind = P2P_SYNC_BLOCK;
        if (b->block.len == 0)
            return bad("block response without a block");
        if (cons_commit_decode(&out->commit, b->commit.data, b->commit.len) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "gossip: block response commit: %s", ag_err_detail());
        if (out->commit.height < 1)
            return bad("block response commit below height 1");
        out->height = out->commit.height;
        ag_buf_init(&out->block, P2P_SYNC_MSG_MAX);
        return ag_buf_append(&out->block, b->block.data, b->block.len);
    }
    case AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_STATUS_REQUEST:
        out->kind = P2P_SYNC_STATUS_REQUEST;
        return AG_OK;
    case AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_STATUS_RESPONSE:
        out->kind = P2P_SYNC_STATUS;
        out->height = m->status_response->height;
        out->base = m->status_response->base_height;
        if (out->height < 0 || out->base < 0 || out->base > out->height)
            return bad("status out of range");
        return AG_OK;
    default:
        return bad("block sync message of no known kind");
    }
}

ag_err p2p_sync_msg_decode(p2p_sync_msg *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > P2P_SYNC_MSG_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "gossip: block sync message of %zu bytes", len);
    Agora__P2p__BlockSyncMessage *m = agora__p2p__block_sync_message__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.p2p.BlockSyncMessage");
    ag_err err = sync_unpacked(out, m);
    agora__p2p__block_sync_message__free_unpacked(m, NULL);
    if (err != AG_OK)
        p2p_sync_msg_clear(out);
    return err;
}

ag_err p2p_sync_encode_request(ag_buf *out, int64_t h)
{
    Agora__P2p__BlockSyncMessage m = AGORA__P2P__BLOCK_SYNC_MESSAGE__INIT;
    Agora__P2p__BlockRequest x = AGORA__P2P__BLOCK_REQUEST__INIT;
    x.height = h;
    m.sum_case = AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_BLOCK_REQUEST;
    m.block_request = &x;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_sync_encode_no_block(ag_buf *out, int64_t h)
{
    Agora__P2p__BlockSyncMessage m = AGORA__P2P__BLOCK_SYNC_MESSAGE__INIT;
    Agora__P2p__NoBlockResponse x = AGORA__P2P__NO_BLOCK_RESPONSE__INIT;
    x.height = h;
    m.sum_case = AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_NO_BLOCK_RESPONSE;
    m.no_block_response = &x;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_sync_encode_block(ag_buf *out, const uint8_t *block, size_t len,
                             const cons_commit *commit)
{
    ag_buf inner;
    ag_buf_init(&inner, 0);
    ag_err err = cons_commit_encode(&inner, commit);
    if (err == AG_OK) {
        Agora__P2p__BlockSyncMessage m = AGORA__P2P__BLOCK_SYNC_MESSAGE__INIT;
        Agora__P2p__BlockResponse x = AGORA__P2P__BLOCK_RESPONSE__INIT;
        x.block = BIN(block, len);
        x.commit = BIN(inner.data, inner.len);
        m.sum_case = AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_BLOCK_RESPONSE;
        m.block_response = &x;
        err = ag_pb_append(out, &m.base);
    }
    ag_buf_free(&inner);
    return err;
}

ag_err p2p_sync_encode_status_request(ag_buf *out)
{
    Agora__P2p__BlockSyncMessage m = AGORA__P2P__BLOCK_SYNC_MESSAGE__INIT;
    Agora__P2p__StatusRequest x = AGORA__P2P__STATUS_REQUEST__INIT;
    m.sum_case = AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_STATUS_REQUEST;
    m.status_request = &x;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_sync_encode_status(ag_buf *out, int64_t base, int64_t height)
{
    Agora__P2p__BlockSyncMessage m = AGORA__P2P__BLOCK_SYNC_MESSAGE__INIT;
    Agora__P2p__StatusResponse x = AGORA__P2P__STATUS_RESPONSE__INIT;
    x.height = height;
    x.base_height = base;
    m.sum_case = AGORA__P2P__BLOCK_SYNC_MESSAGE__SUM_STATUS_RESPONSE;
    m.status_response = &x;
    return ag_pb_append(out, &m.base);
}

/* ---- mempool ---- */

ag_err p2p_txs_decode(const uint8_t *in, size_t len,
                      void (*each)(void *ctx, const uint8_t *tx, size_t len), void *ctx)
{
    if (len > P2P_TXS_MSG_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "gossip: txs message of %zu bytes", len);
    Agora__P2p__MempoolMessage *m = agora__p2p__mempool_message__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.p2p.MempoolMessage");
    ag_err err = AG_OK;
    if (m->sum_case != AGORA__P2P__MEMPOOL_MESSAGE__SUM_TXS)
        err = bad("mempool message of no known kind");
    else if (m->txs->n_txs == 0)
        err = bad("txs message without txs");
    else if (m->txs->n_txs > P2P_TXS_PER_MSG_MAX)
        err = ag_err_set(AG_ERR_TOO_LARGE, "gossip: %zu txs in one message > %u", m->txs->n_txs,
                         P2P_TXS_PER_MSG_MAX);
    for (size_t i = 0; err == AG_OK && i < m->txs->n_txs; i++)
        if (m->txs->txs[i].len == 0)
            err = bad("empty tx");
    for (size_t i = 0; err == AG_OK && each && i < m->txs->n_txs; i++)
        each(ctx, m->txs->txs[i].data, m->txs->txs[i].len);
    agora__p2p__mempool_message__free_unpacked(m, NULL);
    return err;
}

ag_err p2p_txs_encode(ag_buf *out, const ag_slice *txs, size_t n)
{
    ProtobufCBinaryData *b = calloc(n ? n : 1, sizeof *b);
    if (!b)
        return ag_err_set(AG_ERR_NOMEM, "gossip: txs message");
    for (size_t i = 0; i < n; i++)
        b[i] = BIN(txs[i].ptr, txs[i].len);
    Agora__P2p__MempoolMessage m = AGORA__P2P__MEMPOOL_MESSAGE__INIT;
    Agora__P2p__Txs x = AGORA__P2P__TXS__INIT;
    x.n_txs = n;
    x.txs = b;
    m.sum_case = AGORA__P2P__MEMPOOL_MESSAGE__SUM_TXS;
    m.txs = &x;
    ag_err err = ag_pb_append(out, &m.base);
    free(b);
    return err;
}

/* ---- evidence ---- */

ag_err p2p_evidence_decode(const uint8_t *in, size_t len, cons_evidence **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (len > P2P_EVIDENCE_MSG_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "gossip: evidence message of %zu bytes", len);
    Agora__P2p__EvidenceList *m = agora__p2p__evidence_list__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.p2p.EvidenceList");
    ag_err err = AG_OK;
    cons_evidence *ev = NULL;
    size_t k = 0;
    if (m->n_evidence == 0)
        err = bad("evidence list without evidence");
    else if (m->n_evidence > P2P_EVIDENCE_PER_MSG)
        err = ag_err_set(AG_ERR_TOO_LARGE, "gossip: %zu evidence in one message > %u",
                         m->n_evidence, P2P_EVIDENCE_PER_MSG);
    else if (!(ev = calloc(m->n_evidence, sizeof *ev)))
        err = ag_err_set(AG_ERR_NOMEM, "gossip: evidence list");
    for (; err == AG_OK && k < m->n_evidence; k++)
        if (cons_evidence_decode_wrapped(&ev[k], m->evidence[k].data, m->evidence[k].len) != AG_OK)
            err = ag_err_set(AG_ERR_DECODE, "gossip: evidence %zu: %s", k, ag_err_detail());
    agora__p2p__evidence_list__free_unpacked(m, NULL);
    if (err != AG_OK) {
        if (ev)
            cons_evidence_list_free(ev, k);
        return err;
    }
    *out = ev;
    *n = k;
    return AG_OK;
}

ag_err p2p_evidence_encode(ag_buf *out, const cons_evidence *ev, size_t n)
{
    if (n == 0 || n > P2P_EVIDENCE_PER_MSG)
        return ag_err_set(AG_ERR_INVALID_ARG, "gossip: %zu evidence in one list", n);
    ag_buf enc[P2P_EVIDENCE_PER_MSG];
    ProtobufCBinaryData b[P2P_EVIDENCE_PER_MSG];
    ag_err err = AG_OK;
    size_t k = 0;
    for (; err == AG_OK && k < n; k++) {
        ag_buf_init(&enc[k], 0);
        err = cons_evidence_encode_wrapped(&enc[k], &ev[k]);
        b[k] = BIN(enc[k].data, enc[k].len);
    }
    if (err == AG_OK) {
        Agora__P2p__EvidenceList m = AGORA__P2P__EVIDENCE_LIST__INIT;
        m.n_evidence = n;
        m.evidence = b;
        err = ag_pb_append(out, &m.base);
    }
    for (size_t i = 0; i < k; i++)
        ag_buf_free(&enc[i]);
    return err;
}

/* pb and psh borrow from id. */
static void block_id_from(Agora__P2p__BlockID *pb, Agora__P2p__PartSetHeader *psh,
                          const cons_block_id *id)
{
    agora__p2p__block_id__init(pb);
    agora__p2p__part_set_header__init(psh);
    pb->hash = BIN(id->hash.b, id->hash.len);
    psh->total = id->parts.total;
    psh->hash = BIN(id->parts.hash.b, id->parts.hash.len);
    pb->part_set_header = psh;
}

ag_err p2p_cons_encode_vote_set_maj23(ag_buf *out, int64_t h, int32_t r, int32_t type,
                                      const cons_block_id *id)
{
    Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
    Agora__P2p__VoteSetMaj23 x = AGORA__P2P__VOTE_SET_MAJ23__INIT;
    Agora__P2p__BlockID bid;
    Agora__P2p__PartSetHeader psh;
    block_id_from(&bid, &psh, id);
    x.height = h;
    x.round = r;
    x.type = type;
    x.block_id = &bid;
    m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_VOTE_SET_MAJ23;
    m.vote_set_maj23 = &x;
    return ag_pb_append(out, &m.base);
}

ag_err p2p_cons_encode_vote_set_bits(ag_buf *out, int64_t h, int32_t r, int32_t type,
                                     const cons_block_id *id, const uint8_t *bits, uint32_t n_bits)
{
    if (n_bits > CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "gossip: %u vote bits", n_bits);
    size_t words = ((size_t)n_bits + 63) / 64;
    uint64_t *elems = calloc(words ? words : 1, sizeof *elems);
    if (!elems)
        return ag_err_set(AG_ERR_NOMEM, "gossip: vote bits");
    for (uint32_t i = 0; i < n_bits; i++)
        if (bits[i / 8] >> (i % 8) & 1)
            elems[i / 64] |= (uint64_t)1 << (i % 64);
    Agora__P2p__ConsensusMessage m = AGORA__P2P__CONSENSUS_MESSAGE__INIT;
    Agora__P2p__VoteSetBits x = AGORA__P2P__VOTE_SET_BITS__INIT;
    Agora__P2p__BitArray ba = AGORA__P2P__BIT_ARRAY__INIT;
    Agora__P2p__BlockID bid;
    Agora__P2p__PartSetHeader psh;
    block_id_from(&bid, &psh, id);
    ba.bits = n_bits;
    ba.n_elems = words;
    ba.elems = elems;
    x.height = h;
    x.round = r;
    x.type = type;
    x.block_id = &bid;
    x.votes = &ba;
    m.sum_case = AGORA__P2P__CONSENSUS_MESSAGE__SUM_VOTE_SET_BITS;
    m.vote_set_bits = &x;
    ag_err err = ag_pb_append(out, &m.base);
    free(elems);
    return err;
}
