/*
 * p2p_rig.h — test helpers shared by the p2p test binaries: nodes (a switch
 * with a recording test reactor) on one libuv loop, a loop runner with a
 * deadline, a raw TCP client and a man-in-the-middle proxy that can corrupt,
 * replay or stall the byte stream. Included by tests/unit/test_p2p*.c (linked into every unit
 * binary, as all of tests/sim/).
 */
#ifndef AGORA_TESTS_SIM_P2P_RIG_H
#define AGORA_TESTS_SIM_P2P_RIG_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/buf.h"
#include "lib/env.h"
#include "node/node_key.h"
#include "p2p/addrbook.h"
#include "p2p/pex.h"
#include "p2p/switch.h"

#define T_CH_A 0x20 /* priority 5 */
#define T_CH_B 0x22 /* priority 10 */
#define T_CH_C 0x30 /* priority 1 */

typedef struct trx {
    int added, removed;
    uint64_t msgs[256], bytes[256];
    uint64_t hash[256]; /* order-sensitive digest of each channel's messages */
    ag_err last_removed_reason;
} trx;

typedef struct tnode {
    node_key key;
    p2p_switch *sw;
    trx rx;
    int slot;
    bool closed;
    size_t recv_max;       /* channel message limit (default 1 MiB) */
    uint8_t extra_channel; /* non-zero: the test reactor serves it too */
    /* PEX: set pex_opts (and book_path, or NULL for memory) before tnode_up */
    const p2p_pex_opts *pex_opts;
    const char *book_path;
    p2p_addrbook *book;
    p2p_pex *pex;
} tnode;

void rig_init(uv_loop_t *loop, ag_env_sim *env);
void rig_default_opts(p2p_switch_opts *o);
/* Bring a node up listening on 127.0.0.1:port (0: any); key generated
 * unless keep_key. */
void tnode_up(tnode *n, uv_loop_t *loop, const ag_env *env, const p2p_switch_opts *o,
              bool keep_key);
void tnode_close(tnode *n, uv_loop_t *loop);
/* "id@127.0.0.1:port" of n. */
void tnode_addr(const tnode *n, char *out, size_t cap);
uint16_t tnode_port(const tnode *n);
void tnode_dial(tnode *from, const tnode *to);

/* Run the loop until pred(ctx) or ms elapse; returns pred's last value. */
bool run_until(uv_loop_t *loop, bool (*pred)(void *), void *ctx, uint64_t ms);
void run_for(uv_loop_t *loop, uint64_t ms);
/* Close everything left and check the loop is empty. */
void rig_finish(uv_loop_t *loop);

/* A raw client that writes `len` bytes after connecting and keeps the
 * socket open until raw_close. */
typedef struct rawc {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uint8_t data[4096];
    size_t len;
    bool connected, eof;
} rawc;
void rawc_start(rawc *r, uv_loop_t *loop, uint16_t port, const uint8_t *data, size_t len);
void rawc_close(rawc *r);

enum { PX_PASS, PX_FLIP, PX_REPLAY, PX_STALL };
typedef struct proxy {
    uv_loop_t *loop;
    uv_tcp_t lis, a, b;
    uv_connect_t creq;
    int mode;
    uint16_t port, target;
    uint64_t ab; /* bytes seen from a to b */
    ag_buf pend; /* a->b bytes before b connected */
    uint8_t saved[2048];
    bool have_a, b_up, closing;
} proxy;
void proxy_start(proxy *p, uv_loop_t *loop, uint16_t target_port, int mode);
void proxy_close(proxy *p);

#endif
