/*
 * commit.h — CometBFT v0.38 commits: the +2/3 precommits that finalised a
 * block, carried in the next block's last_commit.
 *
 * The commit hash (Header.last_commit_hash) is the simple Merkle root over
 * the tendermint.types.CommitSig encoding of each signature, in validator
 * order. An absent signature carries no address and no signature, and Go's
 * zero time (CONS_TIME_ZERO) as its timestamp.
 *
 * cons_commit owns its signature array (freed by cons_commit_clear).
 */
#ifndef AGORA_CONSENSUS_COMMIT_H
#define AGORA_CONSENSUS_COMMIT_H

#include "consensus/types.h"
#include "lib/buf.h"

typedef struct cons_commit_sig {
    cons_block_id_flag flag;
    bool has_address; /* false only for an absent signature */
    crypto_address validator_address;
    cons_timestamp timestamp;
    cons_sig signature;
} cons_commit_sig;

typedef struct cons_commit {
    int64_t height;
    int32_t round;
    cons_block_id block_id;
    cons_commit_sig *sigs; /* owned; n_sigs entries, one per validator in set order */
    size_t n_sigs;         /* <= CONS_VALIDATORS_MAX */
} cons_commit;

/* An absent CommitSig: flag ABSENT, no address, zero time, no signature. */
cons_commit_sig cons_commit_sig_absent(void);

/* CometBFT's CommitSig.ValidateBasic: a known flag; ABSENT with no address,
 * zero time and no signature; COMMIT/NIL with a 20-byte address and a
 * signature. AG_ERR_DECODE naming the rule. */
ag_err cons_commit_sig_validate_basic(const cons_commit_sig *s);

/* Allocate n absent signatures (replacing any). AG_ERR_TOO_LARGE over
 * CONS_VALIDATORS_MAX, AG_ERR_NOMEM. */
ag_err cons_commit_alloc(cons_commit *c, size_t n);
void cons_commit_clear(cons_commit *c);

/* Commit.Hash. AG_ERR_NOMEM. */
ag_err cons_commit_hash(crypto_hash *out, const cons_commit *c);

/* tendermint.types.Commit. The decoder takes at most CONS_COMMIT_ENCODED_MAX
 * bytes and CONS_VALIDATORS_MAX signatures and checks lengths, flags and
 * timestamps; *out (cleared or zero) is zero on error; free with
 * cons_commit_clear. */
ag_err cons_commit_encode(ag_buf *out, const cons_commit *c);
ag_err cons_commit_decode(cons_commit *out, const uint8_t *in, size_t len);

#endif
