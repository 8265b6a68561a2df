/*
 * tx_limits.h — every size and count cap of Cosmos transaction decoding, in
 * one place. Each is checked before the bytes it bounds are parsed, so a
 * hostile transaction costs at most a bounded amount of work and memory.
 */
#ifndef AGORA_STATE_TX_LIMITS_H
#define AGORA_STATE_TX_LIMITS_H

#include <stdint.h>

/* A whole TxRaw: CometBFT's default mempool max_tx_bytes (1 MiB). */
#define MARKET_TX_MAX_BYTES ((size_t)1 << 20)
/* Memo bytes: the Cosmos SDK default (auth param max_memo_characters). */
#define MARKET_TX_MAX_MEMO 256
/* Messages in one TxBody. */
#define MARKET_TX_MAX_MSGS 32
/* Signer infos and signatures in one tx: the SDK default (tx_sig_limit). */
#define MARKET_TX_MAX_SIGNERS 7
/* Coins in a fee. */
#define MARKET_TX_MAX_FEE_COINS 8
/* Coins in one message's coin list (MsgSend.amount). */
#define MARKET_MAX_COINS 16
/* Gas a tx may ask for: the SDK's MaxGasWanted (2^63 - 1). */
#define MARKET_TX_MAX_GAS ((uint64_t)INT64_MAX)
/* Any.type_url bytes ("/agora.market.v1.MsgCreateOrder" is 31). */
#define MARKET_TYPE_URL_MAX 128
/* Chain ids: CometBFT's MaxChainIDLen. */
#define MARKET_CHAIN_ID_MAX 50
/* An address string in a message ("agora1" + 32 + 6 = 44 characters for 20 bytes). */
#define MARKET_ADDRESS_STR_MAX 90
/* Denominations: the SDK's [a-zA-Z][a-zA-Z0-9/:._-]{2,127}. */
#define MARKET_DENOM_MIN 3
#define MARKET_DENOM_MAX 128
/* Amounts: decimal digits of 2^128 - 1 (Agora's amounts are unsigned 128-bit). */
#define MARKET_AMOUNT_MAX_DIGITS 39
/* A cosmos.crypto.secp256k1.PubKey inside its Any value. */
#define MARKET_PUBKEY_PROTO_MAX 64

#endif
