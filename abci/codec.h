/*
 * codec.h — Request/Response messages as bytes, their names, and how an
 * application error travels as a ResponseException.
 */
#ifndef AGORA_ABCI_CODEC_H
#define AGORA_ABCI_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abci/types.h"

/*
 * Decode one Request body (a frame without its prefix) into `arena`, where
 * decoding may allocate at most ABCI_DECODE_BASE + ABCI_DECODE_PER_BYTE*len
 * bytes. *out is valid until the arena is reset.
 * AG_ERR_DECODE: malformed protobuf, or no request in it.
 * AG_ERR_UNSUPPORTED: a request type this protocol version does not have
 *   (an unknown or retired oneof field such as DeliverTx = 9); the detail
 *   names the field number.
 * AG_ERR_TOO_LARGE: decoding would exceed the memory budget.
 * *out is NULL on error.
 */
ag_err abci_request_decode(abci_arena *arena, const uint8_t *in, size_t len, abci_request **out);

/* The same for a Response body (exceptions decode successfully). */
ag_err abci_response_decode(abci_arena *arena, const uint8_t *in, size_t len, abci_response **out);

/* "CheckTx" for TENDERMINT__ABCI__REQUEST__VALUE_CHECK_TX; "none" when
 * NOT_SET; "unknown" for anything else. Static strings. */
const char *abci_request_name(Tendermint__Abci__Request__ValueCase c);
const char *abci_response_name(Tendermint__Abci__Response__ValueCase c);

/* The response case that answers request case `c` (NOT_SET for NOT_SET or an
 * unknown value). */
Tendermint__Abci__Response__ValueCase
abci_response_case_for(Tendermint__Abci__Request__ValueCase c);

/*
 * Fill `resp` with a ResponseException for `err` and the thread's error
 * detail, allocated in `arena`: "AG_ERR_STATE: kvstore: FinalizeBlock at
 * height 5, expected 3". AG_ERR_NOMEM/AG_ERR_TOO_LARGE from the arena (a
 * static text is used then, so resp is always set).
 */
void abci_exception_fill(abci_arena *arena, abci_response *resp, const char *method, ag_err err);

/*
 * The ag_err an exception text stands for: the code named at its start when
 * it came from an Agora server, AG_ERR_STATE otherwise (foreign apps send
 * free text). Sets the detail "abci: <method> failed in the application:
 * <text>" and returns the code.
 */
ag_err abci_exception_error(const char *method, const char *text);

#endif
