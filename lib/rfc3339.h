/*
 * rfc3339.h — RFC 3339 timestamps as CometBFT writes them in JSON
 * (genesis_time, block times in RPC): Go's time.RFC3339Nano in UTC.
 *
 * A time is (seconds since the Unix epoch, nanoseconds in [0, 1e9)), the
 * fields of google.protobuf.Timestamp. Years 0001..9999 only: what Go's
 * time package and the protobuf Timestamp can carry.
 */
#ifndef AGORA_LIB_RFC3339_H
#define AGORA_LIB_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" and a NUL fit in this many bytes. */
#define AG_RFC3339_MAX 31

/*
 * Format as Go's RFC3339Nano in UTC: the fraction has its trailing zeros
 * removed and is omitted when zero ("2019-01-01T00:00:00Z",
 * "2019-01-01T00:00:00.5Z"). AG_ERR_INVALID_ARG (and "" in out) for a time
 * outside years 1..9999 or nanos outside [0, 1e9).
 */
ag_err ag_rfc3339_format(char out[AG_RFC3339_MAX], int64_t seconds, int32_t nanos);

/*
 * Parse an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS", an optional fraction
 * of 1..9 digits, then "Z" or a "+hh:mm"/"-hh:mm" offset (converted to UTC).
 * 'T' and 'Z' may be lower case (RFC 3339 allows it). Fields are range
 * checked (month days, leap years; no leap seconds, like Go). AG_ERR_DECODE
 * with the reason in the detail; outputs are zero on error.
 */
ag_err ag_rfc3339_parse(const char *in, size_t len, int64_t *seconds, int32_t *nanos);

#endif
