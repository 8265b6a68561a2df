/* err.c — message table, per-thread detail, and every dependency's error conversion. */
#include "lib/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <uv.h>

static const struct {
    const char *name;
    const char *msg;
} err_table[] = {
    [AG_OK] = {"AG_OK", "success"},
    [AG_ERR_NOMEM] = {"AG_ERR_NOMEM", "out of memory"},
    [AG_ERR_TOO_LARGE] = {"AG_ERR_TOO_LARGE", "too large"},
    [AG_ERR_DECODE] = {"AG_ERR_DECODE", "malformed encoding"},
    [AG_ERR_TRUNCATED] = {"AG_ERR_TRUNCATED", "truncated input"},
    [AG_ERR_LENGTH] = {"AG_ERR_LENGTH", "wrong length"},
    [AG_ERR_CHECKSUM] = {"AG_ERR_CHECKSUM", "checksum mismatch"},
    [AG_ERR_MIXED_CASE] = {"AG_ERR_MIXED_CASE", "mixed upper and lower case"},
    [AG_ERR_PREFIX] = {"AG_ERR_PREFIX", "unexpected address prefix"},
    [AG_ERR_OVERFLOW] = {"AG_ERR_OVERFLOW", "integer overflow"},
    [AG_ERR_BAD_PRIVKEY] = {"AG_ERR_BAD_PRIVKEY", "invalid private key"},
    [AG_ERR_BAD_PUBKEY] = {"AG_ERR_BAD_PUBKEY", "invalid public key"},
    [AG_ERR_BAD_SIG] = {"AG_ERR_BAD_SIG", "malformed signature"},
    [AG_ERR_HIGH_S] = {"AG_ERR_HIGH_S", "non-canonical signature (high S)"},
    [AG_ERR_VERIFY] = {"AG_ERR_VERIFY", "signature verification failed"},
    [AG_ERR_CRYPTO] = {"AG_ERR_CRYPTO", "cryptographic library failure"},
    [AG_ERR_INVALID_ARG] = {"AG_ERR_INVALID_ARG", "invalid argument"},
    [AG_ERR_STATE] = {"AG_ERR_STATE", "invalid state for this operation"},
    [AG_ERR_UNSUPPORTED] = {"AG_ERR_UNSUPPORTED", "not supported"},
    [AG_ERR_NOT_FOUND] = {"AG_ERR_NOT_FOUND", "not found"},
    [AG_ERR_EXISTS] = {"AG_ERR_EXISTS", "already exists"},
    [AG_ERR_IO] = {"AG_ERR_IO", "input/output error"},
    [AG_ERR_NOSPACE] = {"AG_ERR_NOSPACE", "no space left on device"},
    [AG_ERR_PERMISSION] = {"AG_ERR_PERMISSION", "permission denied"},
    [AG_ERR_AGAIN] = {"AG_ERR_AGAIN", "resource temporarily unavailable"},
    [AG_ERR_TIMEOUT] = {"AG_ERR_TIMEOUT", "timed out"},
    [AG_ERR_CLOSED] = {"AG_ERR_CLOSED", "closed"},
    [AG_ERR_CONN_REFUSED] = {"AG_ERR_CONN_REFUSED", "connection refused or reset"},
    [AG_ERR_ADDR_IN_USE] = {"AG_ERR_ADDR_IN_USE", "address already in use"},
    [AG_ERR_CORRUPT] = {"AG_ERR_CORRUPT", "data corruption detected"},
    [AG_ERR_INTERNAL] = {"AG_ERR_INTERNAL", "internal error"},
};

_Static_assert(sizeof err_table / sizeof err_table[0] == AG_ERR__COUNT,
               "every ag_err code needs a table entry");

static _Thread_local char err_detail[AG_ERR_DETAIL_MAX];

const char *ag_strerror(ag_err err)
{
    if ((unsigned)err >= AG_ERR__COUNT || !err_table[err].msg)
        return "unknown error";
    return err_table[err].msg;
}

const char *ag_err_name(ag_err err)
{
    if ((unsigned)err >= AG_ERR__COUNT || !err_table[err].name)
        return "AG_ERR_UNKNOWN";
    return err_table[err].name;
}

ag_err ag_err_set(ag_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_detail, sizeof err_detail, fmt, ap);
    va_end(ap);
    return err;
}

const char *ag_err_detail(void)
{
    return err_detail;
}

void ag_err_clear(void)
{
    err_detail[0] = '\0';
}

static ag_err classify_errno(int e)
{
    switch (e) {
    case 0:
        return AG_OK;
    case ENOMEM:
        return AG_ERR_NOMEM;
    case ENOENT:
        return AG_ERR_NOT_FOUND;
    case EEXIST:
        return AG_ERR_EXISTS;
    case EACCES:
    case EPERM:
    case EROFS:
        return AG_ERR_PERMISSION;
    case ENOSPC:
    case EDQUOT:
        return AG_ERR_NOSPACE;
    case EAGAIN:
    case EBUSY:
    case EINTR:
        return AG_ERR_AGAIN;
    case ETIMEDOUT:
        return AG_ERR_TIMEOUT;
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case EHOSTUNREACH:
    case ENETUNREACH:
        return AG_ERR_CONN_REFUSED;
    case EPIPE:
    case ENOTCONN:
    case ESHUTDOWN:
        return AG_ERR_CLOSED;
    case EADDRINUSE:
        return AG_ERR_ADDR_IN_USE;
    case EINVAL:
    case EBADF:
        return AG_ERR_INVALID_ARG;
    case EMSGSIZE:
    case EFBIG:
    case ENAMETOOLONG:
    case E2BIG:
        return AG_ERR_TOO_LARGE;
    case EOVERFLOW:
        return AG_ERR_OVERFLOW;
    case ENOSYS:
    case ENOTSUP:
        return AG_ERR_UNSUPPORTED;
    default:
        return AG_ERR_IO;
    }
}

ag_err ag_err_from_errno(int errnum, const char *what)
{
    ag_err err = classify_errno(errnum);
    if (err == AG_OK)
        return AG_OK;
    char buf[128];
    /* GNU strerror_r returns the message pointer (which may not be buf). */
    const char *msg = strerror_r(errnum, buf, sizeof buf);
    return ag_err_set(err, "%s: %s", what ? what : "system call", msg);
}

ag_err ag_err_from_uv(int uv_status, const char *what)
{
    if (uv_status >= 0)
        return AG_OK;
    /* On Unix libuv's codes are negated errno values (UV_EOF is libuv's own). */
    ag_err err = uv_status == UV_EOF ? AG_ERR_CLOSED : classify_errno(-uv_status);
    if (err == AG_OK)
        err = AG_ERR_IO;
    return ag_err_set(err, "%s: %s", what ? what : "libuv", uv_strerror(uv_status));
}

ag_err ag_err_from_nng(int nng_errnum, const char *what)
{
    if (nng_errnum == 0)
        return AG_OK;
    ag_err err;
    if (nng_errnum & NNG_ESYSERR) {
        err = classify_errno(nng_errnum & ~NNG_ESYSERR);
    } else {
        switch (nng_errnum) {
        case NNG_ENOMEM:
            err = AG_ERR_NOMEM;
            break;
        case NNG_ETIMEDOUT:
            err = AG_ERR_TIMEOUT;
            break;
        case NNG_ECLOSED:
        case NNG_ECONNSHUT:
        case NNG_ECANCELED:
            err = AG_ERR_CLOSED;
            break;
        case NNG_ECONNREFUSED:
        case NNG_ECONNRESET:
        case NNG_ECONNABORTED:
        case NNG_EUNREACHABLE:
            err = AG_ERR_CONN_REFUSED;
            break;
        case NNG_EADDRINUSE:
            err = AG_ERR_ADDR_IN_USE;
            break;
        case NNG_EAGAIN:
        case NNG_EBUSY:
            err = AG_ERR_AGAIN;
            break;
        case NNG_ENOENT:
            err = AG_ERR_NOT_FOUND;
            break;
        case NNG_EEXIST:
            err = AG_ERR_EXISTS;
            break;
        case NNG_EPERM:
            err = AG_ERR_PERMISSION;
            break;
        case NNG_ENOSPC:
            err = AG_ERR_NOSPACE;
            break;
        case NNG_EMSGSIZE:
            err = AG_ERR_TOO_LARGE;
            break;
        case NNG_EPROTO:
        case NNG_ECRYPTO:
        case NNG_EPEERAUTH:
            err = AG_ERR_DECODE;
            break;
        case NNG_ENOTSUP:
            err = AG_ERR_UNSUPPORTED;
            break;
        case NNG_EINVAL:
        case NNG_EADDRINVAL:
            err = AG_ERR_INVALID_ARG;
            break;
        case NNG_ESTATE:
            err = AG_ERR_STATE;
            break;
        default:
            err = AG_ERR_IO;
            break;
        }
    }
    if (err == AG_OK)
        err = AG_ERR_IO;
    return ag_err_set(err, "%s: %s", what ? what : "nng", nng_strerror(nng_errnum));
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

ag_err ag_err_from_rocksdb(char *errmsg, const char *what)
{
    if (!errmsg)
        return AG_OK;
    ag_err err;
    /* RocksDB's C API only gives Status::ToString(); its prefixes are stable. */
    if (has_prefix(errmsg, "NotFound"))
        err = AG_ERR_NOT_FOUND;
    else if (has_prefix(errmsg, "Corruption"))
        err = AG_ERR_CORRUPT;
    else if (has_prefix(errmsg, "Invalid argument"))
        err = AG_ERR_INVALID_ARG;
    else if (has_prefix(errmsg, "Not implemented"))
        err = AG_ERR_UNSUPPORTED;
    else if (has_prefix(errmsg, "Resource busy") || has_prefix(errmsg, "Operation aborted") ||
             has_prefix(errmsg, "Result incomplete") || has_prefix(errmsg, "Try again"))
        err = AG_ERR_AGAIN;
    else if (has_prefix(errmsg, "Operation timed out"))
        err = AG_ERR_TIMEOUT;
    else if (has_prefix(errmsg, "IO error") &&
             (strstr(errmsg, "No space") || strstr(errmsg, "space limit")))
        err = AG_ERR_NOSPACE;
    else if (has_prefix(errmsg, "IO error") && strstr(errmsg, "lock"))
        err = AG_ERR_AGAIN; /* another process holds the DB lock */
    else
        err = AG_ERR_IO;
    ag_err_set(err, "%s: rocksdb: %s", what ? what : "store", errmsg);
    free(errmsg);
    return err;
}

ag_err ag_err_from_protobuf_c(const char *type_name)
{
    return ag_err_set(AG_ERR_DECODE, "protobuf: malformed %s", type_name ? type_name : "message");
}
