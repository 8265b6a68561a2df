/*
 * The gossip reactors' message decoders (p2p/gossip.h) fed the raw input:
 * ConsensusMessage, BlockSyncMessage, MempoolMessage and EvidenceList.
 * Whatever decodes is within its limits and re-encodes to bytes that decode
 * to the same kind and fields.
 */
#include <string.h>

#include "lib/buf.h"
#include "p2p/gossip.h"
#include "tests/fuzz/fuzz.h"

static size_t n_txs;

static void count_tx(void *ctx, const uint8_t *tx, size_t len)
{
    (void)ctx;
    (void)tx;
    FUZZ_ASSERT(len > 0);
    n_txs++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    p2p_cons_msg m, back;
    if (p2p_cons_msg_decode(&m, data, size) == AG_OK) {
        ag_buf b;
        ag_buf_init(&b, 0);
        ag_err err = AG_OK;
        switch (m.kind) {
        case P2P_CONS_NEW_ROUND_STEP:
            FUZZ_ASSERT(m.step >= CONS_STEP_PROPOSE && m.step <= CONS_STEP_COMMIT);
            err = p2p_cons_encode_round_step(&b, m.height, m.round, (cons_step)m.step);
            break;
        case P2P_CONS_HAS_VOTE:
            FUZZ_ASSERT(m.index >= 0 && m.index < CONS_VALIDATORS_MAX);
            err = p2p_cons_encode_has_vote(&b, m.height, m.round, m.type, m.index);
            break;
        case P2P_CONS_PROPOSAL:
            err = p2p_cons_encode_proposal(&b, &m.proposal);
            break;
        case P2P_CONS_BLOCK_PART:
            err = p2p_cons_encode_part(&b, m.height, m.round, &m.part);
            break;
        case P2P_CONS_VOTE:
            err = p2p_cons_encode_vote(&b, &m.vote);
            break;
        case P2P_CONS_VOTE_SET_MAJ23:
            err = p2p_cons_encode_vote_set_maj23(&b, m.height, m.round, m.type, &m.block_id);
            break;
        case P2P_CONS_VOTE_SET_BITS:
            FUZZ_ASSERT(m.n_bits <= CONS_VALIDATORS_MAX && m.vote_bits);
            err = p2p_cons_encode_vote_set_bits(&b, m.height, m.round, m.type, &m.block_id,
                                                m.vote_bits, m.n_bits);
            break;
        case P2P_CONS_CATCHUP:
            FUZZ_ASSERT(m.block.len > 0);
            err = p2p_cons_encode_catchup(&b, m.block.data, m.block.len, &m.commit);
            break;
        }
        FUZZ_ASSERT(err == AG_OK);
        FUZZ_ASSERT(p2p_cons_msg_decode(&back, b.data, b.len) == AG_OK);
        FUZZ_ASSERT(back.kind == m.kind && back.height == m.height && back.round == m.round);
        if (m.kind == P2P_CONS_VOTE_SET_MAJ23 || m.kind == P2P_CONS_VOTE_SET_BITS)
            FUZZ_ASSERT(back.type == m.type && cons_block_id_equal(&back.block_id, &m.block_id));
        if (m.kind == P2P_CONS_VOTE_SET_BITS)
            FUZZ_ASSERT(back.n_bits == m.n_bits &&
                        memcmp(back.vote_bits, m.vote_bits, P2P_CONS_VOTE_BITS_BYTES) == 0);
        p2p_cons_msg_clear(&back);
        ag_buf_free(&b);
        p2p_cons_msg_clear(&m);
    }

    p2p_sync_msg s, s2;
    if (p2p_sync_msg_decode(&s, data, size) == AG_OK) {
        ag_buf b;
        ag_buf_init(&b, 0);
        ag_err err = AG_OK;
        switch (s.kind) {
        case P2P_SYNC_BLOCK_REQUEST:
            err = p2p_sync_encode_request(&b, s.height);
            break;
        case P2P_SYNC_NO_BLOCK:
            err = p2p_sync_encode_no_block(&b, s.height);
            break;
        case P2P_SYNC_BLOCK:
            err = p2p_sync_encode_block(&b, s.block.data, s.block.len, &s.commit);
            break;
        case P2P_SYNC_STATUS_REQUEST:
            err = p2p_sync_encode_status_request(&b);
            break;
        case P2P_SYNC_STATUS:
            FUZZ_ASSERT(s.base <= s.height);
            err = p2p_sync_encode_status(&b, s.base, s.height);
            break;
        }
        FUZZ_ASSERT(err == AG_OK);
        FUZZ_ASSERT(p2p_sync_msg_decode(&s2, b.data, b.len) == AG_OK);
        FUZZ_ASSERT(s2.kind == s.kind && s2.height == s.height && s2.base == s.base);
        p2p_sync_msg_clear(&s2);
        ag_buf_free(&b);
        p2p_sync_msg_clear(&s);
    }

    n_txs = 0;
    if (p2p_txs_decode(data, size, count_tx, NULL) == AG_OK)
        FUZZ_ASSERT(n_txs > 0 && n_txs <= P2P_TXS_PER_MSG_MAX);

    cons_evidence *ev;
    size_t n;
    if (p2p_evidence_decode(data, size, &ev, &n) == AG_OK) {
        FUZZ_ASSERT(n > 0 && n <= P2P_EVIDENCE_PER_MSG);
        ag_buf b;
        ag_buf_init(&b, 0);
        FUZZ_ASSERT(p2p_evidence_encode(&b, ev, n) == AG_OK);
        cons_evidence *ev2;
        size_t n2;
        FUZZ_ASSERT(p2p_evidence_decode(b.data, b.len, &ev2, &n2) == AG_OK && n2 == n);
        cons_evidence_list_free(ev2, n2);
        ag_buf_free(&b);
        cons_evidence_list_free(ev, n);
    }
    return 0;
}
