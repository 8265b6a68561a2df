/*
 * tx.h — Cosmos SDK transactions (cosmos.tx.v1beta1.TxRaw) as the market's
 * ante handler sees them: decoded, validated, and checked in
 * SIGN_MODE_DIRECT.
 *
 * market_tx_decode accepts only what Agora executes, and refuses everything
 * else with its own code and a detail naming the field:
 *   - size and counts are checked on the wire before the parts they bound are
 *     parsed (tx_limits.h): AG_ERR_TOO_LARGE; ModeInfo.Multi, the one
 *     recursive message, is refused on the wire before protobuf-c would
 *     recurse into it (a deep nesting would overflow the stack);
 *   - malformed protobuf, unknown fields, a TxRaw not in canonical encoding
 *     (trailing bytes, repeated or out-of-order fields), no messages, no fee,
 *     no public key, a memo with a NUL or invalid UTF-8, signature count not
 *     equal to signer count: AG_ERR_DECODE; a signature not 64 bytes: AG_ERR_LENGTH;
 *   - what Agora does not do: a message type URL not in the registry (msg.h),
 *     keys other than /cosmos.crypto.secp256k1.PubKey, sign modes other than
 *     DIRECT, multisig, tips, fee payer/granter, extension options, unordered
 *     txs: AG_ERR_UNSUPPORTED;
 *   - coins and addresses: the coin.h and msg.h errors;
 *   - signer infos whose addresses are not exactly the messages' signers (in
 *     order of first appearance, without repeats): AG_ERR_VERIFY.
 * Decoding is deterministic and does not verify signatures: that needs the
 * chain id and each signer's account number, which come from state.
 */
#ifndef AGORA_STATE_TX_H
#define AGORA_STATE_TX_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/address.h"
#include "crypto/keys.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "state/coin.h"
#include "state/msg.h"
#include "state/tx_limits.h"

#define MARKET_TX_HASH_LEN 32

typedef struct market_tx market_tx;

typedef struct market_fee {
    market_coin amount[MARKET_TX_MAX_FEE_COINS]; /* valid coin list; may be empty */
    size_t n_amount;
    uint64_t gas_limit; /* <= MARKET_TX_MAX_GAS */
} market_fee;

typedef struct market_signer {
    crypto_pubkey pubkey;   /* from SignerInfo.public_key, a valid point */
    crypto_address address; /* derived from pubkey */
    uint64_t sequence;      /* SignerInfo.sequence: what the account's sequence must be */
    crypto_sig signature;   /* TxRaw.signatures[i], 64 bytes, not yet verified */
} market_signer;

/*
 * Decode and validate the TxRaw in[0..len). On AG_OK *out is a new tx
 * (caller frees with market_tx_free); on failure *out is NULL. The input is
 * copied: it may be freed once this returns.
 */
ag_err market_tx_decode(market_tx **out, const uint8_t *in, size_t len);

void market_tx_free(market_tx *tx);

/* SHA-256 of the TxRaw bytes: CometBFT's tx hash. */
void market_tx_hash(const market_tx *tx, uint8_t out[MARKET_TX_HASH_LEN]);
/* The same as 64 upper-case hex characters and a NUL (how CometBFT shows it). */
void market_tx_hash_hex(const market_tx *tx, char out[2 * MARKET_TX_HASH_LEN + 1]);

/* Messages, in order (at least one). Borrowed until market_tx_free. */
size_t market_tx_msg_count(const market_tx *tx);
const market_msg *market_tx_msg(const market_tx *tx, size_t i);

/* The memo (valid UTF-8 without NUL, NUL-terminated, <= MARKET_TX_MAX_MEMO
 * bytes); its length to *len if len is not NULL. Borrowed until market_tx_free. */
const char *market_tx_memo(const market_tx *tx, size_t *len);

/* TxBody.timeout_height (0: none). */
uint64_t market_tx_timeout_height(const market_tx *tx);

/* The fee and gas limit. Borrowed until market_tx_free. */
const market_fee *market_tx_fee(const market_tx *tx);

/* Signers, in SignerInfo order (at least one); signer i signs
 * TxRaw.signatures[i]. Borrowed until market_tx_free. */
size_t market_tx_signer_count(const market_tx *tx);
const market_signer *market_tx_signer(const market_tx *tx, size_t i);

/* The exact TxBody and AuthInfo bytes the signatures cover. Borrowed until market_tx_free. */
ag_slice market_tx_body_bytes(const market_tx *tx);
ag_slice market_tx_auth_info_bytes(const market_tx *tx);

/*
 * Append the SIGN_MODE_DIRECT sign bytes, the encoding of
 * SignDoc{body_bytes, auth_info_bytes, chain_id, account_number}, to out.
 * chain_id: NUL-terminated, 1..MARKET_CHAIN_ID_MAX bytes (AG_ERR_INVALID_ARG
 * otherwise). AG_ERR_TOO_LARGE past out's cap.
 */
ag_err market_sign_doc_encode(ag_buf *out, ag_slice body_bytes, ag_slice auth_info_bytes,
                              const char *chain_id, uint64_t account_number);

/* market_sign_doc_encode with this tx's body and auth info bytes. */
ag_err market_tx_sign_bytes(const market_tx *tx, ag_buf *out, const char *chain_id,
                            uint64_t account_number);

/*
 * Check signer i: its SignerInfo.sequence must equal expected_sequence (the
 * account's current sequence; AG_ERR_STATE otherwise), and its signature must
 * be a low-S signature by its key over SHA-256 of the sign bytes for
 * (chain_id, account_number): AG_ERR_HIGH_S, AG_ERR_BAD_SIG, AG_ERR_VERIFY.
 * A wrong chain id or account number shows as AG_ERR_VERIFY.
 * AG_ERR_INVALID_ARG: i out of range or a bad chain_id.
 */
ag_err market_tx_verify_signer(const market_tx *tx, size_t i, const char *chain_id,
                               uint64_t account_number, uint64_t expected_sequence);

/* market_tx_verify_signer for every signer; account_numbers[i] and
 * sequences[i] belong to signer i; n must equal market_tx_signer_count. */
ag_err market_tx_verify(const market_tx *tx, const char *chain_id, const uint64_t *account_numbers,
                        const uint64_t *sequences, size_t n);

#endif
