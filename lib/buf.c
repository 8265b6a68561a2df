/* buf.c — capped growable buffers. */
#include "lib/buf.h"

#include <stdlib.h>
#include <string.h>

#include "lib/varint.h"
#include "lib/wipe.h"

static size_t buf_max(const ag_buf *b)
{
    return b->max ? b->max : AG_BUF_MAX_DEFAULT;
}

void ag_buf_init(ag_buf *b, size_t max)
{
    *b = (ag_buf){.max = max};
}

ag_err ag_buf_reserve(ag_buf *b, size_t extra)
{
    size_t max = buf_max(b);
    if (extra > max || b->len > max - extra)
        return ag_err_set(AG_ERR_TOO_LARGE, "buffer: %zu + %zu bytes exceeds the cap of %zu",
                          b->len, extra, max);
    size_t need = b->len + extra;
    if (need <= b->cap)
        return AG_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > max / 2 ? max : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "buffer: cannot grow to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return AG_OK;
}

ag_err ag_buf_append(ag_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return AG_OK;
    ag_err err = ag_buf_reserve(b, len);
    if (err)
        return err;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return AG_OK;
}

ag_err ag_buf_append_byte(ag_buf *b, uint8_t byte)
{
    return ag_buf_append(b, &byte, 1);
}

ag_err ag_buf_append_uvarint(ag_buf *b, uint64_t v)
{
    uint8_t tmp[AG_UVARINT_MAX];
    return ag_buf_append(b, tmp, ag_uvarint_encode(tmp, v));
}

void ag_buf_consume(ag_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void ag_buf_reset(ag_buf *b)
{
    b->len = 0;
}

uint8_t *ag_buf_steal(ag_buf *b, size_t *len)
{
    uint8_t *p = b->len ? b->data : NULL;
    if (len)
        *len = b->len;
    if (!p)
        free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void ag_buf_free(ag_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void ag_buf_free_secret(ag_buf *b)
{
    if (b->data)
        ag_wipe(b->data, b->cap);
    ag_buf_free(b);
}
