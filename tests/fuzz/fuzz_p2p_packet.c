/*
 * p2p message decoders fed the raw input: Packet, NodeInfo and PexMessage.
 * Whatever decodes stays within its limits and re-encodes to bytes that
 * decode to the same value.
 */
#include <string.h>

#include "lib/buf.h"
#include "p2p/packet.h"
#include "p2p/pex.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    p2p_packet p;
    if (p2p_packet_decode(&p, data, size) == AG_OK)
        FUZZ_ASSERT(p.len <= P2P_PACKET_DATA_MAX && size <= P2P_PACKET_MAX);

    p2p_node_info ni, back;
    if (p2p_node_info_decode(&ni, data, size) == AG_OK) {
        FUZZ_ASSERT(strlen(ni.id) == NODE_ID_LEN && ni.n_channels <= P2P_CHANNELS_MAX);
        ag_buf b;
        ag_buf_init(&b, 0);
        FUZZ_ASSERT(p2p_node_info_append(&b, &ni) == AG_OK);
        size_t n, used;
        FUZZ_ASSERT(p2p_prefix_read(b.data, b.len, P2P_NODE_INFO_MAX, &n, &used) == AG_OK);
        FUZZ_ASSERT(p2p_node_info_decode(&back, b.data + used, n) == AG_OK);
        FUZZ_ASSERT(memcmp(&back, &ni, sizeof ni) == 0);
        ag_buf_free(&b);
    }

    static p2p_netaddr addrs[P2P_PEX_ADDRS_MAX], again[P2P_PEX_ADDRS_MAX];
    bool req, req2;
    size_t n, n2;
    if (p2p_pex_decode(data, size, &req, addrs, &n) == AG_OK) {
        FUZZ_ASSERT(n <= P2P_PEX_ADDRS_MAX);
        ag_buf b;
        ag_buf_init(&b, 0);
        FUZZ_ASSERT((req ? p2p_pex_encode_request(&b) : p2p_pex_encode_addrs(&b, addrs, n)) ==
                    AG_OK);
        FUZZ_ASSERT(p2p_pex_decode(b.data, b.len, &req2, again, &n2) == AG_OK);
        FUZZ_ASSERT(req2 == req && n2 == n);
        for (size_t i = 0; i < n; i++)
            FUZZ_ASSERT(p2p_netaddr_equal(&addrs[i], &again[i]));
        ag_buf_free(&b);
    }
    return 0;
}
