/*
 * evidence.h — the wire form of a light-client attack: CometBFT v0.38's
 * tendermint.types.Evidence{light_client_attack_evidence = 2} holding a
 * LightClientAttackEvidence {conflicting_block (LightBlock: SignedHeader +
 * ValidatorSet), common_height, byzantine_validators, total_voting_power,
 * timestamp}, as a node's broadcast_evidence takes it.
 *
 * light_rpc_broadcast_evidence (rpc_client.h) sends it to a node's
 * broadcast_evidence; Agora's evidence pool verifies it
 * (consensus/evidence_lca.h) and commits it in a block.
 */
#ifndef AGORA_LIGHT_EVIDENCE_H
#define AGORA_LIGHT_EVIDENCE_H

#include "lib/buf.h"
#include "light/provider.h"

/* Append the Evidence wrapper of a to out. AG_ERR_NOMEM, AG_ERR_TOO_LARGE
 * (out's cap), the consensus encoders' errors. */
ag_err light_attack_encode(ag_buf *out, const light_attack *a);

#endif
