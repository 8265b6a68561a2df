/* tx_internal.h — the market_tx object, shared by tx_decode.c and tx_verify.c only. */
#ifndef AGORA_STATE_TX_INTERNAL_H
#define AGORA_STATE_TX_INTERNAL_H

#include "cosmos/tx/v1beta1/tx.pb-c.h"
#include "state/tx.h"

struct market_tx {
    Cosmos__Tx__V1beta1__TxRaw *raw; /* owns the body and auth info bytes */
    uint8_t hash[MARKET_TX_HASH_LEN];
    market_msg msgs[MARKET_TX_MAX_MSGS];
    size_t n_msgs;
    char memo[MARKET_TX_MAX_MEMO + 1];
    size_t memo_len;
    uint64_t timeout_height;
    market_fee fee;
    market_signer signers[MARKET_TX_MAX_SIGNERS];
    size_t n_signers;
};

#endif
