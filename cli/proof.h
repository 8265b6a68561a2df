/*
 * proof.h — `--prove`: read a raw store key with its ICS23 proof
 * (abci_query /store/main/key, prove=true) and check the proof against the
 * app hash of the header of the next block (a query at height h reads the
 * state whose root header h+1 carries; market/README.md).
 *
 * What this does not do: check that header's commit signatures. The app
 * hash is taken from the same node; verifying it against the validator set
 * is the light client's work (`agora light`, issue #9).
 *
 * Errors: the RPC errors; AG_ERR_DECODE (no or malformed proof, app hash
 * not 32 bytes); AG_ERR_VERIFY (the proof does not prove the value, or
 * the absence, under the app hash); AG_ERR_TIMEOUT (header h+1 did not
 * appear within 10 s).
 */
#ifndef AGORA_CLI_PROOF_H
#define AGORA_CLI_PROOF_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"

typedef struct cli_proven {
    bool exists;       /* membership (value set) or non-membership */
    int64_t height;    /* the state's height */
    char app_hash[65]; /* upper-case hex of header height+1's app hash */
} cli_proven;

/* Read key[0..klen) at height (0: latest), verified; the value goes to value. */
ag_err cli_prove_key(const char *node, const uint8_t *key, size_t klen, int64_t height,
                     ag_buf *value, cli_proven *out);

#endif
