/*
 * record_key.h — the store key of a market record (offer, order, bid,
 * lease) by id, for `--prove`. market/market_keys.h and market/keys.h
 * cannot share a translation unit (both name their own limits), so the
 * market's layout is reached through this one function.
 */
#ifndef AGORA_CLI_RECORD_KEY_H
#define AGORA_CLI_RECORD_KEY_H
#include <stddef.h>
#include <stdint.h>

#define CLI_RECORD_KEY_MAX 64

typedef enum cli_record_kind {
    CLI_RECORD_OFFER,
    CLI_RECORD_ORDER,
    CLI_RECORD_BID,
    CLI_RECORD_LEASE,
} cli_record_kind;

/* The key into out (room for CLI_RECORD_KEY_MAX); returns its length. */
size_t cli_record_key(uint8_t out[CLI_RECORD_KEY_MAX], cli_record_kind kind, uint64_t id);

#endif
