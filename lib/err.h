/*
 * err.h — the one error type of the whole project.
 *
 * Every fallible function returns an ag_err: AG_OK (0) on success, a code
 * from the table below otherwise. Codes say *what kind* of failure happened
 * (so callers can branch on them); the optional per-thread detail string says
 * *which* input or call failed (so operators can act on the log line).
 *
 * Errors of the libraries we depend on (errno, libuv, NNG, RocksDB,
 * protobuf-c) are converted here and nowhere else.
 *
 * The three failure channels (after libsecp256k1):
 *   - bad input from outside      -> an ag_err return value, never a crash;
 *   - API misuse by our own code  -> AG_ERR_INVALID_ARG (and an assert in
 *                                    test builds where it cannot be hostile);
 *   - broken internal invariants  -> AG_ERR_INTERNAL.
 */
#ifndef AGORA_LIB_ERR_H
#define AGORA_LIB_ERR_H

#include <stddef.h>

typedef enum ag_err {
    AG_OK = 0,
    /* resources */
    AG_ERR_NOMEM,     /* allocation failed */
    AG_ERR_TOO_LARGE, /* input or output exceeds a named limit or buffer */
    /* malformed input */
    AG_ERR_DECODE,     /* malformed encoding (bad character, bad structure) */
    AG_ERR_TRUNCATED,  /* input ends before the encoding does (more bytes may fix it) */
    AG_ERR_LENGTH,     /* well-formed, but of the wrong length for its type */
    AG_ERR_CHECKSUM,   /* checksum mismatch */
    AG_ERR_MIXED_CASE, /* bech32 string mixing upper and lower case */
    AG_ERR_PREFIX,     /* bech32 human-readable prefix is not the expected one */
    AG_ERR_OVERFLOW,   /* integer arithmetic or a count would overflow */
    /* cryptography */
    AG_ERR_BAD_PRIVKEY, /* private key is zero or not below the curve order */
    AG_ERR_BAD_PUBKEY,  /* public key bytes are not a valid curve point encoding */
    AG_ERR_BAD_SIG,     /* signature bytes are not a valid encoding (r or s out of range) */
    AG_ERR_HIGH_S,      /* signature is malleable (s above half the order): refused */
    AG_ERR_VERIFY,      /* signature is well-formed but does not verify */
    AG_ERR_CRYPTO,      /* the crypto library itself failed (RNG, context) */
    /* API use and state */
    AG_ERR_INVALID_ARG, /* a caller broke the function's contract */
    AG_ERR_STATE,       /* call not valid in the object's current state */
    AG_ERR_UNSUPPORTED, /* valid request for something this build does not do */
    AG_ERR_NOT_FOUND,   /* no such key, file or object */
    AG_ERR_EXISTS,      /* already exists */
    /* I/O and the operating system */
    AG_ERR_IO,           /* read/write/fsync failed */
    AG_ERR_NOSPACE,      /* disk full */
    AG_ERR_PERMISSION,   /* permission denied */
    AG_ERR_AGAIN,        /* try again (would block, busy) */
    AG_ERR_TIMEOUT,      /* operation timed out */
    AG_ERR_CLOSED,       /* connection or object closed */
    AG_ERR_CONN_REFUSED, /* connection refused or reset */
    AG_ERR_ADDR_IN_USE,  /* address already in use */
    AG_ERR_CORRUPT,      /* stored data failed an integrity check */
    AG_ERR_INTERNAL,     /* an invariant of our own code is broken: a bug */
    AG_ERR__COUNT        /* number of codes; not an error */
} ag_err;

/* Short, stable, lower-case description of a code ("malformed encoding").
 * Never NULL; unknown values give "unknown error". */
const char *ag_strerror(ag_err err);

/* Stable identifier of a code ("AG_ERR_DECODE"), for logs and tests. */
const char *ag_err_name(ag_err err);

/*
 * Per-thread detail of the most recent failure, set by the function that
 * detected it: "bech32: invalid character 'b' at position 7".
 *
 * ag_err_set formats the detail and returns `err` so a failure reads
 *     return ag_err_set(AG_ERR_DECODE, "hex: odd length %zu", len);
 * The detail is truncated to AG_ERR_DETAIL_MAX-1 bytes.
 */
#define AG_ERR_DETAIL_MAX 256
ag_err ag_err_set(ag_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The detail of the last ag_err_set on this thread, or "" if none.
 * Borrowed: valid until the next ag_err_set/ag_err_clear on this thread. */
const char *ag_err_detail(void);
void ag_err_clear(void);

/* ---- conversions from the dependencies' error channels (only here) ---- */

/* errno value -> code; the detail records `what` and strerror. */
ag_err ag_err_from_errno(int errnum, const char *what);

/* libuv status (negative) -> code; the detail records `what` and uv_strerror. */
ag_err ag_err_from_uv(int uv_status, const char *what);

/* NNG error number -> code; the detail records `what` and nng_strerror. */
ag_err ag_err_from_nng(int nng_errnum, const char *what);

/* RocksDB error string (the errptr of the C API). Takes ownership of
 * `errmsg` and frees it; NULL means success and returns AG_OK.
 * Classified by RocksDB's status prefix ("Corruption:", "IO error:" ...). */
ag_err ag_err_from_rocksdb(char *errmsg, const char *what);

/* protobuf-c unpack returned NULL for a message of type `type_name`
 * (protobuf-c gives no reason; malformed input is by far the usual one). */
ag_err ag_err_from_protobuf_c(const char *type_name);

#endif
