/*
 * record_view.h — proven store values as the CLI shows them. A verified
 * raw read (`agora query --prove`, `agora light query`) returns the bytes
 * the market stores (market/keys.h, market/market_keys.h); these turn them
 * into the same JSON the ordinary queries print, so both paths decode in
 * one place.
 *
 * Errors: AG_ERR_DECODE naming the record when the bytes are not what the
 * market writes; AG_ERR_NOMEM. Returned JSON objects are new references.
 */
#ifndef AGORA_CLI_RECORD_VIEW_H
#define AGORA_CLI_RECORD_VIEW_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/chain.h"
#include "cli/record_key.h"

/* An account record: account_number u64 BE, sequence u64 BE, flag, pubkey(33). */
ag_err cli_view_account_decode(const uint8_t *v, size_t len, cli_account *out);
/* {"address", "account_number", "sequence", "pub_key"} as `agora query account` prints. */
json_t *cli_view_account_json(const char *bech, const cli_account *acc);
/* {"address", "balance": {"denom", "amount"}}: a 16-byte big-endian amount,
 * or 0 when len is 0 (an absent balance key). */
ag_err cli_view_balance_json(const char *bech, const char *denom, const uint8_t *v, size_t len,
                             json_t **out);
/* A market record (Offer, Order, Bid, Lease protobuf) as JSON. */
ag_err cli_view_record_json(cli_record_kind kind, const uint8_t *v, size_t len, json_t **out);
/* "offer", "order", "bid", "lease". */
const char *cli_view_record_name(cli_record_kind kind);

#endif
