/*
 * evidence.h — CometBFT v0.38 duplicate-vote evidence and the evidence pool.
 *
 * A DuplicateVoteEvidence proves that one validator signed two different
 * votes (different block ids) for the same height, round and type. Its
 * encoding is tendermint.types.DuplicateVoteEvidence (proto/tendermint/types/
 * evidence.proto); in a block it is wrapped in Evidence{duplicate_vote_evidence
 * = 1} inside EvidenceList{evidence = 1}.
 *
 *   Bytes()            the DuplicateVoteEvidence encoding (cons_evidence_encode)
 *   Hash()             SHA256(Bytes())
 *   EvidenceList.Hash  Merkle root over Bytes() of each evidence, in block order
 *                      (Header.evidence_hash)
 *
 * vote_a is the vote whose BlockID.Key() (hash bytes followed by the
 * PartSetHeader encoding) sorts first, byte-wise; ValidateBasic refuses any
 * other order.
 *
 * A LightClientAttackEvidence (Evidence{light_client_attack_evidence = 2})
 * proves that validators signed a block conflicting with this chain: a
 * conflicting LightBlock (SignedHeader + ValidatorSet), the common height
 * (the last height the light client trusted on both chains), the byzantine
 * validators, total power and time at the common height (evidence_lca.c):
 *
 *   Bytes()            the LightClientAttackEvidence encoding (its list leaf)
 *   Hash()             SHA256(conflicting header hash || varint(common_height))
 *                      (CometBFT's LightClientAttackEvidence.Hash, zig-zag
 *                      varint as Go's binary.PutVarint)
 *   Height()           common_height;  Time() timestamp
 *
 * Verification (VerifyLightClientAttack) needs the node's signed header at
 * the common height and at the conflicting height, so the pool state has a
 * signed_header_at lookup; without one the pool refuses this kind
 * (AG_ERR_UNSUPPORTED).
 *
 * Ownership: cons_evidence owns its two votes (their extensions) or its
 * light attack; cons_evidence_clear frees them. The pool copies everything it keeps.
 * Determinism: no function reads the clock; the pool's time and height come
 * from the caller (cons_evidence_state), its order is (height, hash).
 */
#ifndef AGORA_CONSENSUS_EVIDENCE_H
#define AGORA_CONSENSUS_EVIDENCE_H

#include "consensus/commit.h"
#include "consensus/header.h"
#include "consensus/limits.h"
#include "consensus/types.h"
#include "consensus/validator_set.h"
#include "consensus/vote.h"
#include "lib/buf.h"
#include "tendermint/abci/types.pb-c.h"

/* Largest encoded DuplicateVoteEvidence (or Evidence wrapping one): two votes
 * with the largest extensions, the powers and the timestamp. */
#define CONS_EVIDENCE_ENCODED_MAX (2u * (CONS_VOTE_ENCODED_MAX + 8u) + 64u)

/* Largest encoded LightClientAttackEvidence: a header, a commit and a
 * validator set of CONS_VALIDATORS_MAX, as many byzantine validators. */
#define CONS_LCA_ENCODED_MAX                                                                       \
    (CONS_HEADER_ENCODED_MAX + CONS_COMMIT_ENCODED_MAX + CONS_VALSET_ENCODED_MAX +                 \
     (CONS_VALIDATOR_ENCODED_MAX + 4u) * CONS_VALIDATORS_MAX + 128u)
/* Largest Evidence wrapper of either kind. */
#define CONS_EVIDENCE_WRAPPED_MAX (CONS_LCA_ENCODED_MAX + 16u)

typedef enum cons_evidence_kind {
    CONS_EVIDENCE_DUPLICATE_VOTE = 0, /* the zero value: vote_a, vote_b */
    CONS_EVIDENCE_LIGHT_ATTACK = 1,   /* lca */
} cons_evidence_kind;

/* LightClientAttackEvidence's own fields (the shared ones, total power and
 * timestamp, are in cons_evidence). */
typedef struct cons_light_attack {
    cons_header header; /* conflicting_block.signed_header */
    cons_commit commit; /* owned */
    cons_valset vals;   /* conflicting_block.validator_set, owned */
    int64_t common_height;
    cons_validator *byzantine; /* owned: n_byzantine entries */
    size_t n_byzantine;
} cons_light_attack;

typedef struct cons_evidence {
    cons_evidence_kind kind;
    cons_light_attack *lca; /* owned; set for CONS_EVIDENCE_LIGHT_ATTACK only */
    cons_vote vote_a;
    cons_vote vote_b;
    int64_t total_voting_power; /* of the validator set at the evidence height */
    int64_t validator_power;    /* of the offending validator there (duplicate vote) */
    cons_timestamp timestamp;   /* time of the block at the evidence height */
} cons_evidence;

void cons_evidence_clear(cons_evidence *e);
/* Deep copy into *dst (cleared or zero). AG_ERR_NOMEM. */
ag_err cons_evidence_copy(cons_evidence *dst, const cons_evidence *src);

/* Compare BlockID.Key() of a and b: <0, 0, >0. */
int cons_block_id_key_cmp(const cons_block_id *a, const cons_block_id *b);

/* NewDuplicateVoteEvidence: order the votes by block id key, take the
 * powers from vs (the set of the votes' height) and the block time.
 * AG_ERR_INVALID_ARG if the validator of v1 is not in vs; AG_ERR_NOMEM.
 * The votes are copied; *out (cleared or zero) is zero on error. */
ag_err cons_evidence_new(cons_evidence *out, const cons_vote *v1, const cons_vote *v2,
                         cons_timestamp block_time, const cons_valset *vs);

/* Height of the evidence: vote_a's, or a light attack's common height. */
int64_t cons_evidence_height(const cons_evidence *e);

/* ValidateBasic. DuplicateVoteEvidence: both votes pass
 * cons_vote_validate_basic and are in block id key order.
 * LightClientAttackEvidence: see cons_lca_validate_basic (evidence_lca.h).
 * AG_ERR_DECODE. */
ag_err cons_evidence_validate_basic(const cons_evidence *e);

/* VerifyDuplicateVote against vs, the validator set at the evidence height:
 * the validator is in vs, same height/round/type and address, different
 * block ids, powers equal to vs's, both signatures valid over chain_id.
 * AG_ERR_VERIFY naming the failed rule (or the signature error).
 * AG_ERR_INVALID_ARG for a light attack (cons_evpool_verify checks those). */
ag_err cons_evidence_verify(const cons_evidence *e, const char *chain_id, const cons_valset *vs);

/* Bytes() (the DuplicateVoteEvidence or LightClientAttackEvidence encoding,
 * by kind) and the Evidence wrapper. cons_evidence_decode takes a
 * DuplicateVoteEvidence of at most CONS_EVIDENCE_ENCODED_MAX bytes;
 * cons_evidence_decode_wrapped either kind (at most CONS_EVIDENCE_WRAPPED_MAX
 * bytes, a light attack at most CONS_LCA_ENCODED_MAX), AG_ERR_DECODE for an
 * empty Evidence. They check lengths, wire types and timestamps but do not
 * run cons_evidence_validate_basic. *out (cleared or zero) is zero on error. */
ag_err cons_evidence_encode(ag_buf *out, const cons_evidence *e);
ag_err cons_evidence_decode(cons_evidence *out, const uint8_t *in, size_t len);
ag_err cons_evidence_encode_wrapped(ag_buf *out, const cons_evidence *e);
ag_err cons_evidence_decode_wrapped(cons_evidence *out, const uint8_t *in, size_t len);

/* Hash(): SHA256(Bytes()) for duplicate votes, CometBFT's header-based hash
 * for a light attack (see the top of this file). AG_ERR_NOMEM. */
ag_err cons_evidence_hash(crypto_hash *out, const cons_evidence *e);
/* EvidenceList.Hash over ev[0..n). AG_ERR_NOMEM. */
ag_err cons_evidence_list_hash(crypto_hash *out, const cons_evidence *ev, size_t n);
/* Encoded size of the Evidence wrapper (what counts against max bytes). */
size_t cons_evidence_wrapped_size(const cons_evidence *e);

/* ABCI Misbehavior entries for FinalizeBlock (Evidence.ABCI()): one of
 * type DUPLICATE_VOTE for a duplicate vote; one of type LIGHT_CLIENT_ATTACK
 * per byzantine validator (height = the common height) for a light attack,
 * none for an amnesia attack. cons_evidence_to_abci fills entry i < count:
 * validator {address, power}, height, time, total power. pb borrows from e
 * and from the caller's storage val and ts. */
size_t cons_evidence_abci_count(const cons_evidence *e);
void cons_evidence_to_abci(Tendermint__Abci__Misbehavior *pb, Tendermint__Abci__Validator *val,
                           Google__Protobuf__Timestamp *ts, const cons_evidence *e, size_t i);

/* ---- the pool ---- */

/* The chain state the pool checks against, updated after every commit. */
typedef struct cons_evidence_state {
    const char *chain_id;     /* borrowed until the next set_state/update */
    int64_t last_height;      /* last committed block */
    cons_timestamp last_time; /* its time */
    int64_t max_age_blocks;   /* ConsensusParams.evidence.max_age_num_blocks */
    int64_t max_age_ns;       /* ConsensusParams.evidence.max_age_duration */
    /* Validator set at `height` (borrowed until the call returns):
     * AG_ERR_NOT_FOUND if unknown. */
    ag_err (*valset_at)(void *ctx, int64_t height, const cons_valset **out);
    /* Time of the block at `height`: AG_ERR_NOT_FOUND if unknown. */
    ag_err (*block_time_at)(void *ctx, int64_t height, cons_timestamp *out);
    /* This chain's header at `height` and the commit for it (*c is zero on
     * entry, the caller frees it with cons_commit_clear): AG_ERR_NOT_FOUND
     * if unknown. NULL: light client attack evidence is refused
     * (AG_ERR_UNSUPPORTED). */
    ag_err (*signed_header_at)(void *ctx, int64_t height, cons_header *h, cons_commit *c);
    void *ctx; /* borrowed like chain_id */
} cons_evidence_state;

/* Expired when BOTH the age in blocks exceeds max_age_blocks AND the age in
 * time exceeds max_age_ns (CometBFT's rule). */
bool cons_evidence_is_expired(const cons_evidence_state *st, int64_t height, cons_timestamp time);

typedef struct cons_evpool cons_evpool;

/* A pool keeping at most max_count pending evidence of max_bytes encoded
 * bytes in total. Caller frees with cons_evpool_free. AG_ERR_NOMEM,
 * AG_ERR_INVALID_ARG for zero caps. st is copied (see its borrows). */
ag_err cons_evpool_new(cons_evpool **out, const cons_evidence_state *st, size_t max_count,
                       size_t max_bytes);
void cons_evpool_free(cons_evpool *p);

/* AddEvidence: validate_basic (AG_ERR_DECODE), AG_ERR_EXISTS if already
 * pending or committed, the checks of cons_evpool_verify, then AG_ERR_AGAIN
 * if the count or byte cap would be exceeded (the pool is full: try after
 * the next commit). e is copied. */
ag_err cons_evpool_add(cons_evpool *p, const cons_evidence *e);

/* The pool's verify: the block at the evidence height exists and its time
 * equals the evidence timestamp, the evidence is not expired
 * (AG_ERR_STATE "expired"), and cons_evidence_verify against the set of its
 * height — or, for a light attack, cons_lca_verify against this chain's
 * signed headers at the common and conflicting heights and the common
 * height's set. AG_ERR_NOT_FOUND from the lookups. */
ag_err cons_evpool_verify(const cons_evpool *p, const cons_evidence *e);

/* PendingEvidence(max_bytes): copies of pending evidence in (height, hash)
 * order, stopping at the first that would take the total wrapped size over
 * max_bytes (max_bytes < 0: no limit). *out is an array of *n (caller frees
 * with cons_evidence_list_free); *bytes is their total size. AG_ERR_NOMEM. */
ag_err cons_evpool_reap(const cons_evpool *p, int64_t max_bytes, cons_evidence **out, size_t *n,
                        int64_t *bytes);
void cons_evidence_list_free(cons_evidence *ev, size_t n);

/* CheckEvidence for a received block: every evidence not already pending is
 * not committed (AG_ERR_EXISTS), passes validate_basic and cons_evpool_verify
 * (it is then added to the pending set when there is room); no two share a
 * hash (AG_ERR_DECODE "duplicate evidence"). */
ag_err cons_evpool_check_block(cons_evpool *p, const cons_evidence *ev, size_t n);

/* Update after committing a block with evidence ev[0..n): the new state
 * (copied), those evidence marked committed and removed from pending, then
 * expired pending and committed entries pruned. AG_ERR_NOMEM (the pool stays
 * consistent: the committed marks that fitted are kept). */
ag_err cons_evpool_update(cons_evpool *p, const cons_evidence_state *st, const cons_evidence *ev,
                          size_t n);

size_t cons_evpool_size(const cons_evpool *p);  /* pending count */
size_t cons_evpool_bytes(const cons_evpool *p); /* pending wrapped bytes */
bool cons_evpool_is_pending(const cons_evpool *p, const crypto_hash *hash);
bool cons_evpool_is_committed(const cons_evpool *p, const crypto_hash *hash);

#endif
