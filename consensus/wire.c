/* wire.c — minimal protobuf wire reader/writer (see wire.h). */
#include "consensus/wire.h"

#include "lib/varint.h"

ag_err cons_wire_next(const uint8_t *in, size_t len, size_t *off, cons_wire_field *f, bool *end)
{
    *end = false;
    if (*off >= len) {
        *end = true;
        return AG_OK;
    }
    size_t o = *off, used;
    uint64_t key, v;
    if (ag_uvarint_decode(in + o, len - o, &key, &used) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "protobuf: bad field key at %zu", o);
    o += used;
    if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return ag_err_set(AG_ERR_DECODE, "protobuf: field number %llu at %zu",
                          (unsigned long long)(key >> 3), *off);
    f->no = (uint32_t)(key >> 3);
    f->type = (uint8_t)(key & 7);
    f->value = 0;
    f->bytes = (ag_slice){NULL, 0};
    switch (f->type) {
    case CONS_WIRE_VARINT:
        if (ag_uvarint_decode(in + o, len - o, &v, &used) != AG_OK)
            return ag_err_set(AG_ERR_DECODE, "protobuf: bad varint at %zu", o);
        f->value = v;
        o += used;
        break;
    case CONS_WIRE_FIXED64:
        if (len - o < 8)
            return ag_err_set(AG_ERR_DECODE, "protobuf: truncated fixed64 at %zu", o);
        for (int i = 7; i >= 0; i--)
            f->value = (f->value << 8) | in[o + (size_t)i];
        o += 8;
        break;
    case CONS_WIRE_LEN:
        if (ag_uvarint_decode(in + o, len - o, &v, &used) != AG_OK || v > len - o - used)
            return ag_err_set(AG_ERR_DECODE, "protobuf: bad length at %zu", o);
        o += used;
        f->bytes = (ag_slice){in + o, (size_t)v};
        o += (size_t)v;
        break;
    case CONS_WIRE_FIXED32:
        if (len - o < 4)
            return ag_err_set(AG_ERR_DECODE, "protobuf: truncated fixed32 at %zu", o);
        for (int i = 3; i >= 0; i--)
            f->value = (f->value << 8) | in[o + (size_t)i];
        o += 4;
        break;
    default:
        return ag_err_set(AG_ERR_DECODE, "protobuf: wire type %u at %zu", (unsigned)f->type, *off);
    }
    *off = o;
    return AG_OK;
}

ag_err cons_wire_put_varint(ag_buf *out, uint32_t no, uint64_t v, bool omit_zero)
{
    if (v == 0 && omit_zero)
        return AG_OK;
    size_t mark = out->len;
    ag_err err = ag_buf_append_uvarint(out, ((uint64_t)no << 3) | CONS_WIRE_VARINT);
    if (!err)
        err = ag_buf_append_uvarint(out, v);
    if (err)
        out->len = mark;
    return err;
}

ag_err cons_wire_put_bytes(ag_buf *out, uint32_t no, const void *b, size_t len)
{
    size_t mark = out->len;
    ag_err err = ag_buf_append_uvarint(out, ((uint64_t)no << 3) | CONS_WIRE_LEN);
    if (!err)
        err = ag_buf_append_uvarint(out, len);
    if (!err && len)
        err = ag_buf_append(out, b, len);
    if (err)
        out->len = mark;
    return err;
}
