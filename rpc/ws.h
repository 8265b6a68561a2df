/*
 * ws.h — WebSocket (RFC 6455) framing for the /websocket endpoint.
 *
 * The server side only: client frames must be masked, server frames are not.
 * Control frames (ping, pong, close) are at most 125 bytes and unfragmented;
 * a data message may be fragmented and is bounded by the caller's limit.
 */
#ifndef AGORA_RPC_WS_H
#define AGORA_RPC_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

enum {
    RPC_WS_CONT = 0x0,
    RPC_WS_TEXT = 0x1,
    RPC_WS_BINARY = 0x2,
    RPC_WS_CLOSE = 0x8,
    RPC_WS_PING = 0x9,
    RPC_WS_PONG = 0xA,
};

typedef struct rpc_ws_frame {
    bool fin;
    uint8_t opcode;
    uint8_t *payload; /* points into the input, unmasked in place */
    size_t len;
    size_t total; /* bytes of the frame (header and payload) */
} rpc_ws_frame;

/*
 * Parse one client frame from in[0..len) and unmask its payload in place.
 * AG_ERR_TRUNCATED: more bytes needed. AG_ERR_DECODE: reserved bits, an
 * unknown opcode, an unmasked frame, a fragmented or long control frame, a
 * non-minimal length. AG_ERR_TOO_LARGE: payload over max. *f zero unless AG_OK.
 */
ag_err rpc_ws_parse(rpc_ws_frame *f, uint8_t *in, size_t len, size_t max);

/* Append one unmasked, final server frame. */
ag_err rpc_ws_frame_append(ag_buf *out, uint8_t opcode, const void *payload, size_t len);

/* Sec-WebSocket-Accept for a client's key: base64(SHA-1(key || GUID)),
 * written NUL-terminated into out (29 bytes). AG_ERR_DECODE for a key that is
 * not 24 base64 characters (16 bytes). */
#define RPC_WS_ACCEPT_LEN 29
ag_err rpc_ws_accept_key(char out[RPC_WS_ACCEPT_LEN], const uint8_t *key, size_t key_len);

#endif
