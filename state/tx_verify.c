/* tx_verify.c — SIGN_MODE_DIRECT sign bytes and signature checks. */
#include <string.h>

#include "lib/pb.h"
#include "cosmos/tx/v1beta1/tx.pb-c.h"
#include "state/tx_internal.h"

ag_err market_sign_doc_encode(ag_buf *out, ag_slice body_bytes, ag_slice auth_info_bytes,
                              const char *chain_id, uint64_t account_number)
{
    size_t id_len = chain_id ? strnlen(chain_id, MARKET_CHAIN_ID_MAX + 1) : 0;
    if (id_len == 0 || id_len > MARKET_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "SignDoc: chain id must be 1..%d bytes",
                          MARKET_CHAIN_ID_MAX);
    Cosmos__Tx__V1beta1__SignDoc doc = COSMOS__TX__V1BETA1__SIGN_DOC__INIT;
    doc.body_bytes.data = (uint8_t *)(uintptr_t)body_bytes.ptr;
    doc.body_bytes.len = body_bytes.len;
    doc.auth_info_bytes.data = (uint8_t *)(uintptr_t)auth_info_bytes.ptr;
    doc.auth_info_bytes.len = auth_info_bytes.len;
    doc.chain_id.data = (uint8_t *)(uintptr_t)chain_id;
    doc.chain_id.len = id_len;
    doc.account_number = account_number;
    return ag_pb_append(out, &doc.base);
}

ag_err market_tx_sign_bytes(const market_tx *tx, ag_buf *out, const char *chain_id,
                            uint64_t account_number)
{
    return market_sign_doc_encode(out, market_tx_body_bytes(tx), market_tx_auth_info_bytes(tx),
                                  chain_id, account_number);
}

ag_err market_tx_verify_signer(const market_tx *tx, size_t i, const char *chain_id,
                               uint64_t account_number, uint64_t expected_sequence)
{
    if (i >= tx->n_signers)
        return ag_err_set(AG_ERR_INVALID_ARG, "tx: no signer %zu (%zu signers)", i, tx->n_signers);
    const market_signer *s = &tx->signers[i];
    if (s->sequence != expected_sequence)
        return ag_err_set(AG_ERR_STATE, "tx: signer %zu sequence %llu, account expects %llu", i,
                          (unsigned long long)s->sequence, (unsigned long long)expected_sequence);
    ag_buf doc;
    ag_buf_init(&doc, MARKET_TX_MAX_BYTES + 128);
    ag_err err = market_tx_sign_bytes(tx, &doc, chain_id, account_number);
    if (!err)
        err = crypto_verify(&s->pubkey, doc.data, doc.len, s->signature.b, CRYPTO_SIG_LEN);
    ag_buf_free(&doc);
    if (err == AG_ERR_VERIFY)
        return ag_err_set(AG_ERR_VERIFY,
                          "tx: signature %zu does not verify for chain id %s, account number "
                          "%llu",
                          i, chain_id, (unsigned long long)account_number);
    if (err == AG_ERR_HIGH_S)
        return ag_err_set(AG_ERR_HIGH_S, "tx: signature %zu has a high S (malleable)", i);
    return err;
}

ag_err market_tx_verify(const market_tx *tx, const char *chain_id, const uint64_t *account_numbers,
                        const uint64_t *sequences, size_t n)
{
    if (n != tx->n_signers)
        return ag_err_set(AG_ERR_INVALID_ARG, "tx: %zu account numbers for %zu signers", n,
                          tx->n_signers);
    for (size_t i = 0; i < n; i++) {
        ag_err err = market_tx_verify_signer(tx, i, chain_id, account_numbers[i], sequences[i]);
        if (err)
            return err;
    }
    return AG_OK;
}
