/*
 * kvstore.h — the example key-value application, to test ABCI and consensus
 * independently of the market (after CometBFT's kvstore).
 *
 * Transactions are "key=value" (split at the first '='; the key non-empty,
 * the value may be empty or contain '='). Queries look a key up in the last
 * committed state: RequestQuery.data is the key (path "" or "/store"), or
 * the path is "/key/<key>".
 *
 * The app hash is SHA-256 of the state's canonical encoding: for every pair
 * in ascending byte order of keys, uvarint(len key) key uvarint(len value)
 * value. The same encoding, cut into chunks, is the state-sync snapshot
 * (format 1), so a restored snapshot is checked against the app hash the
 * light client verified. State lives in memory only.
 *
 * InitChain's app_state_bytes are "key=value" lines (the initial pairs);
 * "{}" (an empty genesis.json app_state) is an empty initial state.
 *
 * Vote extensions: ExtendVote answers "kvstore:<height>", and
 * VerifyVoteExtension accepts exactly that for the vote's height.
 */
#ifndef AGORA_ABCI_KVSTORE_H
#define AGORA_ABCI_KVSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "abci/types.h"
#include "lib/buf.h"

/* CheckTx / ExecTxResult / Query codes (0 is success). */
enum {
    ABCI_KV_OK = 0,
    ABCI_KV_CODE_BAD_FORMAT = 1, /* no '=' or an empty key */
    ABCI_KV_CODE_TOO_LARGE = 2,  /* tx over ABCI_KV_TX_MAX */
    ABCI_KV_CODE_NOT_FOUND = 3,  /* query: no such key */
    ABCI_KV_CODE_BAD_HEIGHT = 4, /* query: only the last committed height is kept */
    ABCI_KV_CODE_NO_PROOF = 5,   /* query: proofs are not implemented by this example */
};

#define ABCI_KV_TX_MAX          ((size_t)64 << 10)  /* largest accepted tx */
#define ABCI_KV_STATE_MAX       ((size_t)256 << 20) /* largest snapshot it restores */
#define ABCI_KV_CHUNKS_MAX      65536u              /* most chunks in an offered snapshot */
#define ABCI_KV_SNAPSHOT_FORMAT 1u
#define ABCI_KV_APP_VERSION     1u

typedef struct abci_kvstore_opts {
    uint64_t snapshot_interval; /* take a snapshot at heights divisible by it; 0: never */
    uint32_t snapshot_keep;     /* most recent snapshots kept (at least 1 when enabled) */
    size_t chunk_size;          /* snapshot chunk bytes (1 .. 16 MiB) */
} abci_kvstore_opts;

/* Defaults: a snapshot every 10 heights, 2 kept, 64 KiB chunks. */
void abci_kvstore_opts_default(abci_kvstore_opts *opts);

typedef struct abci_kvstore abci_kvstore;

/* A fresh empty store (height 0). opts NULL: defaults. Caller frees with
 * abci_kvstore_free. AG_ERR_NOMEM, AG_ERR_INVALID_ARG (bad chunk size). */
ag_err abci_kvstore_new(abci_kvstore **out, const abci_kvstore_opts *opts);
void abci_kvstore_free(abci_kvstore *kv);

/* The store as an ABCI application; ctx is borrowed until abci_kvstore_free. */
abci_app abci_kvstore_app(abci_kvstore *kv);

/*
 * Split a tx into key and value (slices borrowed from tx). Returns the
 * CheckTx code: ABCI_KV_OK, ABCI_KV_CODE_BAD_FORMAT or ABCI_KV_CODE_TOO_LARGE.
 */
uint32_t abci_kvstore_parse_tx(const uint8_t *tx, size_t len, ag_slice *key, ag_slice *value);

#endif
