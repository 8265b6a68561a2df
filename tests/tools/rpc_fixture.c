/* rpc_fixture — an RPC server over a real in-memory chain, for the
 * integration tests that point unmodified clients (CosmJS) at Agora.
 *
 *   rpc_fixture [PORT]     (default 0: any free port)
 *
 * Builds a chain of 3 blocks with kvstore txs (alpha=1, beta=2, gamma=3),
 * starts the server on 127.0.0.1:PORT, prints {"port": N} on stdout, then
 * commits a block every 300 ms with whatever the mempool holds, until its
 * stdin closes (or 120 s pass). Linked with tests/harness/rpc_chain.c. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc/server.h"
#include "tests/harness/rpc_chain.h"

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    tchain *c;
    if (tchain_new(&c, 1) != AG_OK) {
        fprintf(stderr, "rpc_fixture: chain: %s\n", ag_err_detail());
        return 1;
    }
    rpc_backend be = tchain_backend(c);
    rpc_server_opts o;
    rpc_server_opts_default(&o);
    char laddr[64];
    snprintf(laddr, sizeof laddr, "tcp://127.0.0.1:%d", port);
    o.laddr = laddr;
    o.index_kv = tchain_index_kv(c);
    rpc_server *s;
    if (rpc_server_start(&s, &be, &o) != AG_OK) {
        fprintf(stderr, "rpc_fixture: server: %s\n", ag_err_detail());
        tchain_free(c);
        return 1;
    }
    tchain_set_server(c, s);
    static const char *txs[] = {"alpha=1", "beta=2", "gamma=3"};
    for (int i = 0; i < 3; i++) {
        ag_slice t = {(const uint8_t *)txs[i], strlen(txs[i])};
        if (tchain_add_block(c, &t, 1) != AG_OK) {
            fprintf(stderr, "rpc_fixture: block: %s\n", ag_err_detail());
            return 1;
        }
    }
    rpc_server_sync(s);
    printf("{\"port\": %d}\n", rpc_server_port(s));
    fflush(stdout);
    for (int i = 0; i < 400; i++) {
        struct pollfd p = {0, POLLIN, 0};
        if (poll(&p, 1, 300) > 0) {
            char b[64];
            if (read(0, b, sizeof b) <= 0)
                break;
        }
        if (tchain_add_block(c, NULL, 0) != AG_OK) {
            fprintf(stderr, "rpc_fixture: block: %s\n", ag_err_detail());
            break;
        }
    }
    tchain_set_server(c, NULL);
    rpc_server_free(s);
    tchain_free(c);
    return 0;
}
