/*
 * tx_encode.h — build and sign Cosmos SDK transactions (SIGN_MODE_DIRECT,
 * single secp256k1 signers), the way CosmJS does: TxBody and AuthInfo are
 * encoded once, and those exact bytes are signed and sent in a TxRaw.
 *
 * For the CLI, test tools and tests. The encoder writes what it is given
 * (message values are opaque bytes); market_tx_decode is the gate that
 * validates.
 */
#ifndef AGORA_STATE_TX_ENCODE_H
#define AGORA_STATE_TX_ENCODE_H

#include "state/tx.h"

/* A message packed in an Any: type URL (NUL-terminated) and encoded value. */
typedef struct market_any {
    const char *type_url;
    ag_slice value;
} market_any;

/* Everything a tx holds except its signatures. All pointers borrowed for the call. */
typedef struct market_tx_draft {
    const market_any *msgs;
    size_t n_msgs;
    const char *memo; /* NULL or NUL-terminated */
    uint64_t timeout_height;
    const market_fee *fee;        /* required */
    const crypto_pubkey *pubkeys; /* one per signer */
    const uint64_t *sequences;    /* one per signer */
    size_t n_signers;
} market_tx_draft;

/* Append the TxBody / AuthInfo encoding of d to out (sign mode DIRECT for
 * every signer). AG_ERR_INVALID_ARG: a missing fee or more items than the
 * decoder's limits; AG_ERR_TOO_LARGE past out's cap. */
ag_err market_tx_encode_body(ag_buf *out, const market_tx_draft *d);
ag_err market_tx_encode_auth_info(ag_buf *out, const market_tx_draft *d);

/* Append TxRaw{body, auth_info, sigs[0..n_sigs)} to out. */
ag_err market_tx_encode_raw(ag_buf *out, ag_slice body, ag_slice auth_info, const crypto_sig *sigs,
                            size_t n_sigs);

/*
 * Encode d, sign it with keys[i] for account_numbers[i] (i < d->n_signers)
 * on chain_id, and append the TxRaw to out. keys[i] must belong to
 * d->pubkeys[i] (AG_ERR_INVALID_ARG otherwise).
 */
ag_err market_tx_sign(ag_buf *out, const market_tx_draft *d, const crypto_privkey *keys,
                      const uint64_t *account_numbers, const char *chain_id);

#endif
