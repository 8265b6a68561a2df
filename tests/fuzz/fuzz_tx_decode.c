/* Cosmos TxRaw decoding: whatever decodes is canonical (re-encodes to the same
 * bytes), hashes to SHA-256 of its bytes, re-encodes its MsgSends to equal
 * values, and goes through sign-bytes and verification without crashing. */
#include <string.h>

#include "crypto/hash.h"
#include "state/tx.h"
#include "state/tx_encode.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    market_tx *tx;
    if (market_tx_decode(&tx, data, size) != AG_OK)
        return 0;
    size_t n = market_tx_signer_count(tx);
    FUZZ_ASSERT(n >= 1 && n <= MARKET_TX_MAX_SIGNERS);
    FUZZ_ASSERT(market_tx_msg_count(tx) >= 1 && market_tx_msg_count(tx) <= MARKET_TX_MAX_MSGS);

    crypto_sig sigs[MARKET_TX_MAX_SIGNERS];
    for (size_t i = 0; i < n; i++)
        sigs[i] = market_tx_signer(tx, i)->signature;
    ag_buf re;
    ag_buf_init(&re, MARKET_TX_MAX_BYTES);
    FUZZ_ASSERT(market_tx_encode_raw(&re, market_tx_body_bytes(tx), market_tx_auth_info_bytes(tx),
                                     sigs, n) == AG_OK);
    FUZZ_ASSERT(re.len == size && memcmp(re.data, data, size) == 0);
    ag_buf_free(&re);

    uint8_t h[MARKET_TX_HASH_LEN], want[MARKET_TX_HASH_LEN];
    market_tx_hash(tx, h);
    crypto_sha256(want, data, size);
    FUZZ_ASSERT(memcmp(h, want, sizeof h) == 0);

    for (size_t i = 0; i < market_tx_msg_count(tx); i++) {
        const market_msg_send *s = market_msg_as_send(market_tx_msg(tx, i));
        if (!s)
            continue; /* a market message: fuzz_market_msg checks those */
        ag_buf enc;
        ag_buf_init(&enc, 4096);
        market_msg_send back;
        FUZZ_ASSERT(market_msg_send_encode(&enc, s) == AG_OK);
        FUZZ_ASSERT(market_msg_send_decode(&back, enc.data, enc.len) == AG_OK);
        FUZZ_ASSERT(memcmp(&back, s, sizeof back) == 0);
        ag_buf_free(&enc);
    }
    size_t memo_len;
    const char *memo = market_tx_memo(tx, &memo_len);
    FUZZ_ASSERT(memo_len <= MARKET_TX_MAX_MEMO && strlen(memo) == memo_len);

    /* Verification is deterministic and never crashes; fuzzed txs almost
     * never carry a valid signature for this context. */
    ag_err a = market_tx_verify_signer(tx, 0, "agora-fuzz", 0, market_tx_signer(tx, 0)->sequence);
    ag_err b = market_tx_verify_signer(tx, 0, "agora-fuzz", 0, market_tx_signer(tx, 0)->sequence);
    FUZZ_ASSERT(a == b);
    market_tx_free(tx);
    return 0;
}
