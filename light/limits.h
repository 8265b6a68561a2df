/*
 * limits.h — every size and count limit of the light client, in one place.
 *
 * Responses come from untrusted full nodes: each limit is checked before
 * anything is decoded.
 */
#ifndef AGORA_LIGHT_LIMITS_H
#define AGORA_LIGHT_LIMITS_H

#include "consensus/limits.h"

/* Bytes of one JSON-RPC response body. The largest response the light client
 * asks for is a /commit of CONS_VALIDATORS_MAX signatures (about 250 bytes of
 * JSON each) or a /validators page of 100 validators; 8 MiB leaves room. */
#define LIGHT_RESPONSE_MAX (8u * 1024u * 1024u)
/* Default per-request timeout of the RPC client. */
#define LIGHT_TIMEOUT_MS_DEFAULT 10000L
/* Validators per /validators page asked for (CometBFT's maximum per_page). */
#define LIGHT_VALIDATORS_PER_PAGE 100
/* Bytes of a URL given to the RPC client. */
#define LIGHT_URL_MAX 512
/* Bytes of an ABCI query path, key, value and proof. */
#define LIGHT_QUERY_PATH_MAX  256
#define LIGHT_QUERY_KEY_MAX   4096
#define LIGHT_QUERY_VALUE_MAX (4u * 1024u * 1024u)
#define LIGHT_QUERY_PROOF_MAX (64u * 1024u)
/* Witnesses of one client. */
#define LIGHT_WITNESSES_MAX 16
/* Bisection depth: each step halves the distance, so 64 levels cover int64. */
#define LIGHT_BISECTION_DEPTH_MAX 64
/* Bytes of one stored light block file: the largest header, commit and
 * validator set encodings, their length prefixes, the magic and checksum. */
#define LIGHT_STORE_FILE_MAX                                                                       \
    (CONS_HEADER_ENCODED_MAX + CONS_COMMIT_ENCODED_MAX + CONS_VALSET_ENCODED_MAX + 64u)

#endif
