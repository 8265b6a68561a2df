/*
 * evidence.h — the wire form of a light-client attack: CometBFT v0.38's
 * tendermint.types.Evidence{light_client_attack_evidence = 2} holding a
 * LightClientAttackEvidence {conflicting_block (LightBlock: SignedHeader +
 * ValidatorSet), common_height, byzantine_validators, total_voting_power,
 * timestamp}, as a node's broadcast_evidence takes it.
 *
 * Agora's nodes do not take it yet (no broadcast_evidence; the evidence pool
 * refuses this kind, consensus/evidence.h): the encoding is here so the
 * report can be handed to any CometBFT-compatible node or kept as proof.
 */
#ifndef AGORA_LIGHT_EVIDENCE_H
#define AGORA_LIGHT_EVIDENCE_H

#include "lib/buf.h"
#include "light/provider.h"

/* Append the Evidence wrapper of a to out. AG_ERR_NOMEM, AG_ERR_TOO_LARGE
 * (out's cap), the consensus encoders' errors. */
ag_err light_attack_encode(ag_buf *out, const light_attack *a);

#endif
