/*
 * vote.h — CometBFT v0.38 votes: the message, its sign bytes, its signature.
 *
 * Sign bytes (what a validator signs) are the uvarint length-prefixed
 * tendermint.types.CanonicalVote: type, height and round as sfixed64, the
 * block id (omitted for a nil vote), the timestamp (always present) and the
 * chain id last. The extension sign bytes are the length-prefixed
 * CanonicalVoteExtension {extension, height, round, chain_id}. A secp256k1
 * validator signs SHA-256 of the sign bytes (crypto_sign), as CometBFT's
 * secp256k1 PrivKey.Sign does, with a 64-byte low-S r||s signature.
 *
 * cons_vote owns its extension (heap memory, freed by cons_vote_clear); every
 * other field is a value. A zero-initialised cons_vote is valid and empty.
 */
#ifndef AGORA_CONSENSUS_VOTE_H
#define AGORA_CONSENSUS_VOTE_H

#include "consensus/types.h"
#include "lib/buf.h"

typedef struct cons_vote {
    cons_msg_type type;
    int64_t height;
    int32_t round;
    cons_block_id block_id; /* zero for a vote for nil */
    cons_timestamp timestamp;
    crypto_address validator_address;
    int32_t validator_index;
    cons_sig signature;
    uint8_t *extension; /* owned; NULL when extension_len == 0 */
    size_t extension_len;
    cons_sig extension_signature;
} cons_vote;

/* Free the extension and zero the vote. */
void cons_vote_clear(cons_vote *v);

/* Replace v's extension by a copy of ext[0..len). AG_ERR_TOO_LARGE over
 * CONS_VOTE_EXTENSION_MAX, AG_ERR_NOMEM; v is unchanged on error. */
ag_err cons_vote_set_extension(cons_vote *v, const uint8_t *ext, size_t len);

/* Deep copy into *dst (which must be cleared or zero). AG_ERR_NOMEM. */
ag_err cons_vote_copy(cons_vote *dst, const cons_vote *src);

/* Append VoteSignBytes(chain_id, v) / VoteExtensionSignBytes to out.
 * AG_ERR_INVALID_ARG if chain_id is longer than CONS_CHAIN_ID_MAX. */
ag_err cons_vote_sign_bytes(ag_buf *out, const char *chain_id, const cons_vote *v);
ag_err cons_vote_extension_sign_bytes(ag_buf *out, const char *chain_id, const cons_vote *v);

/* CometBFT's Vote.ValidateBasic: a prevote or precommit at height > 0,
 * round >= 0, a zero or complete block id, index >= 0, a signature; an
 * extension or its signature only on a precommit for a block, and an
 * extension only with its signature. AG_ERR_DECODE naming the rule. */
ag_err cons_vote_validate_basic(const cons_vote *v);

/* Sign v (and, when `extension` is true and v is a precommit for a block,
 * its extension) with key, setting validator_address from key's public key.
 * AG_ERR_INVALID_ARG for a bad chain id, the crypto_sign errors. */
ag_err cons_vote_sign(cons_vote *v, const char *chain_id, const crypto_privkey *key,
                      bool extension);

/* AG_OK if v is signed by pub: validator_address must be pub's address
 * (AG_ERR_VERIFY otherwise) and the signature must verify over the sign
 * bytes (AG_ERR_VERIFY, AG_ERR_BAD_SIG, AG_ERR_HIGH_S). */
ag_err cons_vote_verify(const cons_vote *v, const char *chain_id, const crypto_pubkey *pub);
/* The same for the extension signature. */
ag_err cons_vote_verify_extension(const cons_vote *v, const char *chain_id,
                                  const crypto_pubkey *pub);

/* tendermint.types.Vote. The decoder takes at most CONS_VOTE_ENCODED_MAX
 * bytes and checks every length (address 20 bytes, hashes 0/32, signatures
 * 0/64, extension up to CONS_VOTE_EXTENSION_MAX, a valid timestamp, a type
 * that fits the enum) but not the rules of cons_vote_validate_basic.
 * *out (which must be cleared or zero) is zero on error; the caller frees a
 * decoded vote with cons_vote_clear. */
ag_err cons_vote_encode(ag_buf *out, const cons_vote *v);
ag_err cons_vote_decode(cons_vote *out, const uint8_t *in, size_t len);

#endif
