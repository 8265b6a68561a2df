/*
 * buf.h — growable byte buffers with a hard size cap, and borrowed slices.
 *
 * Every buffer that holds input from outside has a cap, so a hostile peer can
 * never make one grow without bound: an append past `max` fails with
 * AG_ERR_TOO_LARGE and leaves the buffer unchanged.
 *
 * Ownership: the buffer owns `data`; ag_buf_free releases it (ag_buf_free_secret
 * wipes it first). A zero-initialised ag_buf is valid and empty with no cap
 * other than AG_BUF_MAX_DEFAULT.
 */
#ifndef AGORA_LIB_BUF_H
#define AGORA_LIB_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* The cap of a buffer initialised with max == 0: 256 MiB. */
#define AG_BUF_MAX_DEFAULT ((size_t)256 << 20)

typedef struct ag_slice {
    const uint8_t *ptr;
    size_t len;
} ag_slice;

typedef struct ag_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = AG_BUF_MAX_DEFAULT */
} ag_buf;

/* An empty buffer that may grow to `max` bytes (0: AG_BUF_MAX_DEFAULT). */
void ag_buf_init(ag_buf *b, size_t max);

/* Make room for `extra` more bytes. AG_ERR_TOO_LARGE past the cap, AG_ERR_NOMEM. */
ag_err ag_buf_reserve(ag_buf *b, size_t extra);

ag_err ag_buf_append(ag_buf *b, const void *data, size_t len);
ag_err ag_buf_append_byte(ag_buf *b, uint8_t byte);
/* Protobuf unsigned varint (1..10 bytes). */
ag_err ag_buf_append_uvarint(ag_buf *b, uint64_t v);

/* Drop the first n bytes (n <= len), keeping the rest. */
void ag_buf_consume(ag_buf *b, size_t n);

/* Length to zero; memory kept for reuse. */
void ag_buf_reset(ag_buf *b);

static inline ag_slice ag_buf_slice(const ag_buf *b)
{
    return (ag_slice){b->data, b->len};
}

/* Hand the bytes to the caller, who frees them with free(); the buffer is
 * left empty. Returns NULL for an empty buffer. */
uint8_t *ag_buf_steal(ag_buf *b, size_t *len);

void ag_buf_free(ag_buf *b);
/* Wipe the whole allocation, then free (for key material). */
void ag_buf_free_secret(ag_buf *b);

#endif
