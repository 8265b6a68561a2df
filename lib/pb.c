#include "lib/pb.h"

#include "lib/varint.h"

ag_err ag_pb_append(ag_buf *out, const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    ag_err err = ag_buf_reserve(out, n);
    if (err)
        return err;
    out->len += protobuf_c_message_pack(msg, out->data + out->len);
    return AG_OK;
}

ag_err ag_pb_append_delimited(ag_buf *out, const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    ag_err err = ag_buf_reserve(out, n + AG_UVARINT_MAX);
    if (err)
        return err;
    out->len += ag_uvarint_encode(out->data + out->len, n);
    out->len += protobuf_c_message_pack(msg, out->data + out->len);
    return AG_OK;
}
