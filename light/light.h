/*
 * light.h — the light client library, one include for its users (the
 * `agora light` CLI, the provider module, other chains' relayers).
 *
 * Typical use:
 *
 *   light_rpc *rpc;                        // a full node (untrusted)
 *   light_rpc_new(&rpc, &(light_rpc_opts){.url = "http://127.0.0.1:26657"});
 *   light_provider primary = light_rpc_provider(rpc);
 *   light_client_opts o = {.chain_id = "agora-1", .primary = primary,
 *                          .store_dir = "~/.agora-light", .trust = {
 *                              .height = H, .hash = HASH,   // from a source you trust
 *                              .trusting_period_ns = 14 days, .max_clock_drift_ns = 10 s}};
 *   light_client *lc;
 *   light_client_new(&lc, &o, now, &why);
 *   light_client_verify_to(lc, 0, now, &block, &why);   // skip to the node's tip
 *   light_verify_query(lc, LIGHT_STORE_PATH, key, klen, 0, now, &res, &why);
 *
 * `now` is always the caller's (verification is pure); every refusal is
 * AG_ERR_VERIFY with a light_fail reason (light_fail_name) and a detail.
 *
 *   block.h       light blocks (signed header + validator set)
 *   decode.h      CometBFT JSON-RPC responses -> consensus types
 *   rpc_client.h  a full node over HTTP (libcurl), as a provider
 *   provider.h    where blocks and state come from; attack reports
 *   evidence.h    an attack's LightClientAttackEvidence encoding
 *   verify.h      the verification rules (adjacent, non-adjacent, bisection)
 *   store.h       the trusted store
 *   client.h      trust root, primary, witnesses, updates
 *   query.h       verified state (ICS23 proofs against a verified app hash)
 */
#ifndef AGORA_LIGHT_LIGHT_H
#define AGORA_LIGHT_LIGHT_H

#include "light/block.h"
#include "light/client.h"
#include "light/decode.h"
#include "light/evidence.h"
#include "light/limits.h"
#include "light/provider.h"
#include "light/query.h"
#include "light/rpc_client.h"
#include "light/store.h"
#include "light/verify.h"

#endif
