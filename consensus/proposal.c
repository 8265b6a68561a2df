/* proposal.c — Proposal codec, canonical sign bytes, signing. */
#include "consensus/proposal.h"

#include <string.h>

#include "consensus/pb.h"
#include "tendermint/types/canonical.pb-c.h"

ag_err cons_proposal_sign_bytes(ag_buf *out, const char *chain_id, const cons_proposal *p)
{
    if (strnlen(chain_id, CONS_CHAIN_ID_MAX + 1) > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "chain id over %d bytes", CONS_CHAIN_ID_MAX);
    Tendermint__Types__CanonicalProposal cp = TENDERMINT__TYPES__CANONICAL_PROPOSAL__INIT;
    cp.type = TENDERMINT__TYPES__SIGNED_MSG_TYPE__SIGNED_MSG_TYPE_PROPOSAL;
    cp.height = p->height;
    cp.round = p->round;
    cp.pol_round = p->pol_round;
    Tendermint__Types__CanonicalBlockID bid = TENDERMINT__TYPES__CANONICAL_BLOCK_ID__INIT;
    Tendermint__Types__CanonicalPartSetHeader psh =
        TENDERMINT__TYPES__CANONICAL_PART_SET_HEADER__INIT;
    if (!cons_block_id_is_zero(&p->block_id)) {
        bid.hash = cons_pb_bytes(p->block_id.hash.b, p->block_id.hash.len);
        psh.total = p->block_id.parts.total;
        psh.hash = cons_pb_bytes(p->block_id.parts.hash.b, p->block_id.parts.hash.len);
        bid.part_set_header = &psh;
        cp.block_id = &bid;
    }
    Google__Protobuf__Timestamp ts;
    cons_pb_timestamp_from(&ts, &p->timestamp);
    cp.timestamp = &ts;
    cp.chain_id = (char *)(uintptr_t)chain_id; /* packing only reads it */
    return ag_pb_append_delimited(out, &cp.base);
}

ag_err cons_proposal_validate_basic(const cons_proposal *p)
{
    if (p->type != CONS_MSG_PROPOSAL)
        return ag_err_set(AG_ERR_DECODE, "proposal: type %d", (int)p->type);
    if (p->height < 0)
        return ag_err_set(AG_ERR_DECODE, "proposal: height %lld", (long long)p->height);
    if (p->round < 0)
        return ag_err_set(AG_ERR_DECODE, "proposal: round %d", (int)p->round);
    if (p->pol_round < -1)
        return ag_err_set(AG_ERR_DECODE, "proposal: pol round %d in round %d", (int)p->pol_round,
                          (int)p->round);
    if (cons_block_id_validate(&p->block_id) != AG_OK || !cons_block_id_is_complete(&p->block_id))
        return ag_err_set(AG_ERR_DECODE, "proposal: block id is not complete");
    if (p->signature.len == 0)
        return ag_err_set(AG_ERR_DECODE, "proposal: signature is missing");
    return AG_OK;
}

ag_err cons_proposal_sign(cons_proposal *p, const char *chain_id, const crypto_privkey *key)
{
    ag_buf msg;
    ag_buf_init(&msg, 0);
    ag_err err = cons_proposal_sign_bytes(&msg, chain_id, p);
    crypto_sig sig;
    if (!err)
        err = crypto_sign(&sig, key, msg.data, msg.len);
    if (!err) {
        p->signature.len = CRYPTO_SIG_LEN;
        memcpy(p->signature.b, sig.b, CRYPTO_SIG_LEN);
    }
    ag_buf_free(&msg);
    return err;
}

ag_err cons_proposal_verify(const cons_proposal *p, const char *chain_id, const crypto_pubkey *pub)
{
    if (p->signature.len != CRYPTO_SIG_LEN)
        return ag_err_set(AG_ERR_VERIFY, "proposal: no signature");
    ag_buf msg;
    ag_buf_init(&msg, 0);
    ag_err err = cons_proposal_sign_bytes(&msg, chain_id, p);
    if (!err)
        err = crypto_verify(pub, msg.data, msg.len, p->signature.b, p->signature.len);
    ag_buf_free(&msg);
    return err;
}

ag_err cons_proposal_encode(ag_buf *out, const cons_proposal *p)
{
    Tendermint__Types__Proposal pb = TENDERMINT__TYPES__PROPOSAL__INIT;
    pb.type = (Tendermint__Types__SignedMsgType)p->type;
    pb.height = p->height;
    pb.round = p->round;
    pb.pol_round = p->pol_round;
    Tendermint__Types__BlockID bid;
    Tendermint__Types__PartSetHeader psh;
    cons_pb_block_id_from(&bid, &psh, &p->block_id);
    pb.block_id = &bid;
    Google__Protobuf__Timestamp ts;
    cons_pb_timestamp_from(&ts, &p->timestamp);
    pb.timestamp = &ts;
    pb.signature = cons_pb_bytes(p->signature.b, p->signature.len);
    return ag_pb_append(out, &pb.base);
}

static ag_err proposal_from_pb(cons_proposal *p, const Tendermint__Types__Proposal *pb)
{
    int type = (int)pb->type;
    if (type != CONS_MSG_UNKNOWN && type != CONS_MSG_PREVOTE && type != CONS_MSG_PRECOMMIT &&
        type != CONS_MSG_PROPOSAL)
        return ag_err_set(AG_ERR_DECODE, "Proposal.type: unknown message type %d", type);
    p->type = (cons_msg_type)type;
    p->height = pb->height;
    p->round = pb->round;
    p->pol_round = pb->pol_round;
    ag_err err = cons_pb_block_id_to(&p->block_id, pb->block_id, "Proposal.block_id");
    if (!err)
        err = cons_pb_timestamp_to(&p->timestamp, pb->timestamp, "Proposal.timestamp");
    if (!err)
        err = cons_pb_sig_to(&p->signature, &pb->signature, "Proposal.signature");
    return err;
}

ag_err cons_proposal_decode(cons_proposal *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_PROPOSAL_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Proposal: %zu bytes (max %u)", len,
                          CONS_PROPOSAL_ENCODED_MAX);
    Tendermint__Types__Proposal *pb = tendermint__types__proposal__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.types.Proposal");
    ag_err err = proposal_from_pb(out, pb);
    tendermint__types__proposal__free_unpacked(pb, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}
