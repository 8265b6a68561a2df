/*
 * proposal.h — CometBFT v0.38 block proposals: the message and its sign bytes.
 *
 * Sign bytes are the uvarint length-prefixed CanonicalProposal: type (always
 * SIGNED_MSG_TYPE_PROPOSAL), height and round as sfixed64, pol_round as
 * int64, the block id (omitted when zero), the timestamp and the chain id.
 * cons_proposal is a plain value: copy it with `=`.
 */
#ifndef AGORA_CONSENSUS_PROPOSAL_H
#define AGORA_CONSENSUS_PROPOSAL_H

#include "consensus/types.h"
#include "lib/buf.h"

typedef struct cons_proposal {
    cons_msg_type type; /* CONS_MSG_PROPOSAL */
    int64_t height;
    int32_t round;
    int32_t pol_round; /* -1 when there is no proof-of-lock round */
    cons_block_id block_id;
    cons_timestamp timestamp;
    cons_sig signature;
} cons_proposal;

/* Append ProposalSignBytes(chain_id, p). AG_ERR_INVALID_ARG for a chain id
 * over CONS_CHAIN_ID_MAX. */
ag_err cons_proposal_sign_bytes(ag_buf *out, const char *chain_id, const cons_proposal *p);

/* CometBFT's Proposal.ValidateBasic: type PROPOSAL, height >= 0, round >= 0,
 * pol_round >= -1, a complete block id, a signature (whether pol_round is
 * below round is the consensus engine's check, as in CometBFT).
 * AG_ERR_DECODE naming the rule. */
ag_err cons_proposal_validate_basic(const cons_proposal *p);

/* Sign p with key (sets p->signature); the crypto_sign errors. */
ag_err cons_proposal_sign(cons_proposal *p, const char *chain_id, const crypto_privkey *key);
/* AG_OK if p->signature verifies under pub; AG_ERR_VERIFY otherwise. */
ag_err cons_proposal_verify(const cons_proposal *p, const char *chain_id, const crypto_pubkey *pub);

/* tendermint.types.Proposal. The decoder takes at most CONS_PROPOSAL_ENCODED_MAX
 * bytes and checks lengths and the timestamp, not cons_proposal_validate_basic;
 * *out is zeroed on error. */
ag_err cons_proposal_encode(ag_buf *out, const cons_proposal *p);
ag_err cons_proposal_decode(cons_proposal *out, const uint8_t *in, size_t len);

#endif
