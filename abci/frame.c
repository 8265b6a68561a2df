/* frame.c — varint length-prefixed frames. */
#include "abci/frame.h"

#include "lib/varint.h"

ag_err abci_frame_decode(const uint8_t *in, size_t len, size_t max, ag_slice *body, size_t *used)
{
    *body = (ag_slice){NULL, 0};
    *used = 0;
    uint64_t n;
    size_t plen;
    ag_err err = ag_uvarint_decode(in, len, &n, &plen);
    if (err == AG_ERR_TRUNCATED)
        return ag_err_set(AG_ERR_TRUNCATED, "abci frame: length prefix incomplete (%zu bytes)",
                          len);
    if (err)
        return ag_err_set(AG_ERR_DECODE,
                          "abci frame: length prefix longer than 10 bytes or over 64 bits");
    if (n > max)
        return ag_err_set(AG_ERR_TOO_LARGE, "abci frame: %llu bytes announced, limit %zu",
                          (unsigned long long)n, max);
    if (n > len - plen) {
        *used = plen + (size_t)n;
        return ag_err_set(AG_ERR_TRUNCATED, "abci frame: %zu of %llu body bytes", len - plen,
                          (unsigned long long)n);
    }
    *body = (ag_slice){in + plen, (size_t)n};
    *used = plen + (size_t)n;
    return AG_OK;
}

ag_err abci_frame_append(ag_buf *out, const ProtobufCMessage *msg, size_t max)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (n > max)
        return ag_err_set(AG_ERR_TOO_LARGE, "abci frame: %s of %zu bytes, limit %zu",
                          msg->descriptor->short_name, n, max);
    uint8_t prefix[AG_UVARINT_MAX];
    size_t plen = ag_uvarint_encode(prefix, n);
    ag_err err = ag_buf_reserve(out, plen + n);
    if (err)
        return err;
    ag_buf_append(out, prefix, plen);
    size_t packed = protobuf_c_message_pack(msg, out->data + out->len);
    if (packed != n) {
        out->len -= plen;
        return ag_err_set(AG_ERR_INTERNAL, "abci frame: packed %zu bytes, sized %zu", packed, n);
    }
    out->len += n;
    return AG_OK;
}
