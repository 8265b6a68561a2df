/*
 * evidence_lca.h — LightClientAttackEvidence internals behind evidence.h's
 * cons_evidence_* calls (which dispatch on cons_evidence.kind). Callers
 * outside consensus/ use evidence.h.
 *
 * Ownership: a cons_light_attack is heap-allocated and owned by its
 * cons_evidence (cons_lca_free). Errors: AG_ERR_DECODE for a malformed
 * evidence (ValidateBasic), AG_ERR_VERIFY naming the failed rule of
 * VerifyLightClientAttack, AG_ERR_NOMEM.
 */
#ifndef AGORA_CONSENSUS_EVIDENCE_LCA_H
#define AGORA_CONSENSUS_EVIDENCE_LCA_H

#include "consensus/evidence.h"

void cons_lca_free(cons_light_attack *a);
/* Deep copy; *dst is NULL on error. AG_ERR_NOMEM. */
ag_err cons_lca_copy(cons_light_attack **dst, const cons_light_attack *src);

/* Bytes(): the LightClientAttackEvidence encoding of e (kind LIGHT_ATTACK). */
ag_err cons_lca_encode(ag_buf *out, const cons_evidence *e);
/* Decode at most CONS_LCA_ENCODED_MAX bytes into *out (kind LIGHT_ATTACK);
 * *out is zero on error. Does not run cons_lca_validate_basic. */
ag_err cons_lca_decode(cons_evidence *out, const uint8_t *in, size_t len);
/* CometBFT's Hash(): SHA256(header hash[0..31) || 0 || zig-zag varint of
 * common_height). AG_ERR_INVALID_ARG if the header has no hash. */
ag_err cons_lca_hash(crypto_hash *out, const cons_evidence *e);

/* ValidateBasic: positive total power and common height, common height not
 * above the conflicting height, and a well-formed conflicting LightBlock
 * (commit for this header, validator set matching validators_hash). */
ag_err cons_lca_validate_basic(const cons_evidence *e);

/* ConflictingHeaderIsInvalid: a derived field (validators, next validators,
 * consensus, app or last results hash) differs from trusted's. */
bool cons_lca_header_is_invalid(const cons_light_attack *a, const cons_header *trusted);

/* GetByzantineValidators, sorted by power (descending) then address: the
 * common-height validators who signed a lunatic header; those who signed
 * both commits of an equivocation (same round); none for amnesia. *out
 * (caller frees) holds *n entries. AG_ERR_NOMEM. */
ag_err cons_lca_byzantine(const cons_light_attack *a, const cons_valset *common_vals,
                          const cons_header *trusted, const cons_commit *trusted_commit,
                          cons_validator **out, size_t *n);

/* VerifyLightClientAttack + validateABCIEvidence. common: this chain's
 * header at common_height, common_vals its validator set; trusted (and
 * trusted_commit): this chain's header at the conflicting height (or its
 * latest one for a forward lunatic attack). */
ag_err cons_lca_verify(const cons_evidence *e, const char *chain_id, const cons_header *common,
                       const cons_valset *common_vals, const cons_header *trusted,
                       const cons_commit *trusted_commit);

/* Number of ABCI Misbehavior entries (one per byzantine validator). */
size_t cons_lca_abci_count(const cons_evidence *e);

#endif
