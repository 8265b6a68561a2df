/*
 * p2p sealed frames and the connection's stream parser.
 *
 * 1. The input cut into P2P_FRAME_SEALED pieces is opened under a fixed
 *    key: a success advances the counter by one and yields at most
 *    P2P_FRAME_DATA_MAX bytes; a failure leaves the counter where it was.
 * 2. The input as plaintext: split into frames, sealed, opened, joined:
 *    the same bytes come back; one flipped bit in any frame fails it.
 * 3. The input as the decrypted stream: varint-delimited packets are read
 *    as the connection reads them; every decoded packet re-encodes to a
 *    packet that decodes to the same value.
 */
#include <string.h>

#include "lib/buf.h"
#include "p2p/packet.h"
#include "p2p/secret_conn.h"
#include "tests/fuzz/fuzz.h"

static void keys(p2p_secret *a, p2p_secret *b)
{
    uint8_t k1[32], k2[32];
    for (int i = 0; i < 32; i++) {
        k1[i] = (uint8_t)i;
        k2[i] = (uint8_t)(0x80 + i);
    }
    FUZZ_ASSERT(p2p_secret_init(a, k1, k2) == AG_OK);
    FUZZ_ASSERT(p2p_secret_init(b, k2, k1) == AG_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    p2p_secret a, b;
    uint8_t out[P2P_FRAME_DATA_MAX], f[P2P_FRAME_SEALED];
    size_t n;

    /* 1 */
    keys(&a, &b);
    for (size_t off = 0; off + P2P_FRAME_SEALED <= size; off += P2P_FRAME_SEALED) {
        uint64_t before = b.recv.counter;
        ag_err err = p2p_secret_open(&b, out, &n, data + off);
        if (err == AG_OK) /* only a frame really sealed under the key (a seed) */
            FUZZ_ASSERT(n <= P2P_FRAME_DATA_MAX && b.recv.counter == before + 1);
        else
            FUZZ_ASSERT(n == 0 && b.recv.counter == before);
    }
    p2p_secret_free(&a);
    p2p_secret_free(&b);

    /* 2 */
    keys(&a, &b);
    size_t off = 0;
    unsigned k = 0;
    do {
        size_t len = size - off > P2P_FRAME_DATA_MAX ? P2P_FRAME_DATA_MAX : size - off;
        FUZZ_ASSERT(p2p_secret_seal(&a, f, data + off, len) == AG_OK);
        uint8_t bad[P2P_FRAME_SEALED];
        memcpy(bad, f, sizeof bad);
        bad[(k * 131u + len) % sizeof bad] ^= (uint8_t)(1u << (k % 8));
        FUZZ_ASSERT(p2p_secret_open(&b, out, &n, bad) == AG_ERR_VERIFY);
        FUZZ_ASSERT(p2p_secret_open(&b, out, &n, f) == AG_OK);
        FUZZ_ASSERT(n == len && (len == 0 || memcmp(out, data + off, len) == 0));
        off += len;
        k++;
    } while (off < size);
    p2p_secret_free(&a);
    p2p_secret_free(&b);

    /* 3 */
    off = 0;
    while (off < size) {
        size_t len, used;
        ag_err err = p2p_prefix_read(data + off, size - off, P2P_PACKET_MAX, &len, &used);
        if (err)
            break;
        if (size - off - used < len)
            break;
        p2p_packet p, q;
        if (p2p_packet_decode(&p, data + off + used, len) == AG_OK) {
            ag_buf enc;
            ag_buf_init(&enc, 0);
            FUZZ_ASSERT(p2p_packet_append(&enc, p.type, p.channel, p.eof, p.data, p.len) == AG_OK);
            size_t l2, u2;
            FUZZ_ASSERT(p2p_prefix_read(enc.data, enc.len, P2P_PACKET_MAX, &l2, &u2) == AG_OK);
            FUZZ_ASSERT(u2 + l2 == enc.len);
            FUZZ_ASSERT(p2p_packet_decode(&q, enc.data + u2, l2) == AG_OK);
            FUZZ_ASSERT(q.type == p.type && q.len == p.len && memcmp(q.data, p.data, p.len) == 0);
            if (p.type == P2P_PKT_MSG)
                FUZZ_ASSERT(q.channel == p.channel && q.eof == p.eof);
            ag_buf_free(&enc);
        }
        off += used + len;
    }
    return 0;
}
