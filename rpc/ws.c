/* WebSocket framing (ws.h). */
#include "rpc/ws.h"

#include <openssl/sha.h>
#include <string.h>

#include "lib/base64.h"

ag_err rpc_ws_parse(rpc_ws_frame *f, uint8_t *in, size_t len, size_t max)
{
    memset(f, 0, sizeof *f);
    if (len < 2)
        return AG_ERR_TRUNCATED;
    uint8_t b0 = in[0], b1 = in[1];
    if (b0 & 0x70)
        return ag_err_set(AG_ERR_DECODE, "websocket: reserved bits set");
    uint8_t op = b0 & 0x0f;
    bool fin = (b0 & 0x80) != 0;
    bool control = (op & 0x8) != 0;
    if (op != RPC_WS_CONT && op != RPC_WS_TEXT && op != RPC_WS_BINARY && op != RPC_WS_CLOSE &&
        op != RPC_WS_PING && op != RPC_WS_PONG)
        return ag_err_set(AG_ERR_DECODE, "websocket: unknown opcode %u", op);
    if (!(b1 & 0x80))
        return ag_err_set(AG_ERR_DECODE, "websocket: client frame not masked");
    uint64_t plen = b1 & 0x7f;
    size_t pos = 2;
    if (plen == 126) {
        if (len < 4)
            return AG_ERR_TRUNCATED;
        plen = ((uint64_t)in[2] << 8) | in[3];
        if (plen < 126)
            return ag_err_set(AG_ERR_DECODE, "websocket: non-minimal length");
        pos = 4;
    } else if (plen == 127) {
        if (len < 10)
            return AG_ERR_TRUNCATED;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = (plen << 8) | in[2 + i];
        if (plen < 65536 || (plen >> 63))
            return ag_err_set(AG_ERR_DECODE, "websocket: bad 64-bit length");
        pos = 10;
    }
    if (control && (!fin || plen > 125))
        return ag_err_set(AG_ERR_DECODE, "websocket: bad control frame");
    if (plen > max)
        return ag_err_set(AG_ERR_TOO_LARGE, "websocket: frame of %llu bytes over %zu",
                          (unsigned long long)plen, max);
    if (len - pos < 4 || len - pos - 4 < plen)
        return AG_ERR_TRUNCATED;
    const uint8_t *mask = in + pos;
    pos += 4;
    for (size_t i = 0; i < plen; i++)
        in[pos + i] ^= mask[i & 3];
    f->fin = fin;
    f->opcode = op;
    f->payload = in + pos;
    f->len = (size_t)plen;
    f->total = pos + (size_t)plen;
    return AG_OK;
}

ag_err rpc_ws_frame_append(ag_buf *out, uint8_t opcode, const void *payload, size_t len)
{
    uint8_t h[10];
    size_t hl;
    h[0] = (uint8_t)(0x80 | (opcode & 0x0f));
    if (len < 126) {
        h[1] = (uint8_t)len;
        hl = 2;
    } else if (len < 65536) {
        h[1] = 126;
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        hl = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
        hl = 10;
    }
    ag_err e = ag_buf_reserve(out, hl + len);
    if (e != AG_OK)
        return e;
    ag_buf_append(out, h, hl);
    if (len)
        ag_buf_append(out, payload, len);
    return AG_OK;
}

ag_err rpc_ws_accept_key(char out[RPC_WS_ACCEPT_LEN], const uint8_t *key, size_t key_len)
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    out[0] = 0;
    uint8_t raw[24];
    size_t rl;
    if (key_len != 24 ||
        ag_base64_decode(raw, sizeof raw, &rl, (const char *)key, key_len) != AG_OK || rl != 16)
        return ag_err_set(AG_ERR_DECODE, "websocket: Sec-WebSocket-Key is not 16 bytes in base64");
    uint8_t buf[24 + sizeof guid];
    memcpy(buf, key, 24);
    memcpy(buf + 24, guid, sizeof guid - 1);
    uint8_t d[SHA_DIGEST_LENGTH];
    SHA1(buf, 24 + sizeof guid - 1, d);
    ag_base64_encode(out, d, sizeof d);
    return AG_OK;
}
