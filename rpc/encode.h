/*
 * encode.h — CometBFT v0.38's JSON encoding of the RPC result types.
 *
 * The rules (CometBFT's libs/json, "amino JSON"): int64 and uint64 as
 * decimal strings, int32/uint32 as numbers, []byte as base64 (null when
 * empty), HexBytes (hashes, addresses, app hashes in headers) as upper-case
 * hex ("" when empty), times as RFC 3339 with nanoseconds in UTC, public keys
 * as {"type": "tendermint/PubKeySecp256k1", "value": base64}. ABCI results
 * (ExecTxResult, ResponseCheckTx, events) keep their protobuf field names,
 * with event attributes as plain strings (v0.37+).
 *
 * Every function returns a new reference (NULL only when out of memory).
 */
#ifndef AGORA_RPC_ENCODE_H
#define AGORA_RPC_ENCODE_H

#include <jansson.h>
#include <stdint.h>

#include "abci/types.h"
#include "consensus/block.h"
#include "consensus/block_store.h"
#include "consensus/validator_set.h"

json_t *rpc_json_i64(int64_t v);
json_t *rpc_json_u64(uint64_t v);
json_t *rpc_json_hex(const uint8_t *b, size_t len); /* upper case; "" when empty */
json_t *rpc_json_b64(const uint8_t *b, size_t len); /* null when empty */
json_t *rpc_json_hash(const cons_hash *h);
json_t *rpc_json_time(const cons_timestamp *t);
json_t *rpc_json_pubkey(const crypto_pubkey *pub);

json_t *rpc_json_block_id(const cons_block_id *id);
json_t *rpc_json_header(const cons_header *h);
json_t *rpc_json_commit(const cons_commit *c);
json_t *rpc_json_block(const cons_block *b);
json_t *rpc_json_block_meta(const cons_block_meta *m);
json_t *rpc_json_validator(const cons_validator *v);
/* (consensus/params.h is not included here: it and state_store.h define
 * CONS_PARAMS_ENCODED_MAX differently, so one file cannot include both.) */
struct cons_params;
json_t *rpc_json_params(const struct cons_params *p);
/* The same from an encoded tendermint.types.ConsensusParams (the state
 * store's form); NULL if it does not decode (detail set). */
json_t *rpc_json_params_encoded(const uint8_t *enc, size_t len);

json_t *rpc_json_events(Tendermint__Abci__Event *const *ev, size_t n);
json_t *rpc_json_exec_tx_result(const Tendermint__Abci__ExecTxResult *r);
json_t *rpc_json_check_tx(const abci_resp_check_tx *r);
/* ResponseFinalizeBlock as the NewBlock event's result_finalize_block. */
json_t *rpc_json_finalize(const abci_resp_finalize_block *r);
json_t *rpc_json_validator_update(const Tendermint__Abci__ValidatorUpdate *u);

#endif
