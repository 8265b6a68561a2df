/* Node information methods: health, status, net_info, genesis. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genesis/genesis.h"
#include "rpc/encode.h"
#include "rpc/methods.h"
#include "rpc/server_impl.h"

void rpc_m_health(rpc_call *c, const rpc_args *a)
{
    rpc_call_result(c, json_object());
}

static json_t *node_info_json(const rpc_node_info *n)
{
    json_t *pv = json_pack("{s:o, s:o, s:o}", "p2p", rpc_json_u64(n->p2p_version), "block",
                           rpc_json_u64(n->block_version), "app", rpc_json_u64(n->app_version));
    return json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "protocol_version", pv,
                     "id", n->id, "listen_addr", n->listen_addr, "network", n->network, "version",
                     n->version, "channels", n->channels, "moniker", n->moniker, "other",
                     "tx_index", n->tx_index, "rpc_address", n->rpc_address);
}

void rpc_m_status(rpc_call *c, const rpc_args *a)
{
    const rpc_backend *be = &c->srv->be;
    rpc_node_info ni;
    memset(&ni, 0, sizeof ni);
    be->ops->node_info(be->ctx, &ni);
    rpc_sync_info si;
    memset(&si, 0, sizeof si);
    ag_err e = be->ops->sync_info(be->ctx, &si);
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    rpc_validator_info vi;
    memset(&vi, 0, sizeof vi);
    be->ops->validator_info(be->ctx, &vi);
    json_t *sync = json_object();
    json_object_set_new(sync, "latest_block_hash", rpc_json_hash(&si.latest_block_hash));
    json_object_set_new(sync, "latest_app_hash",
                        rpc_json_hex(si.latest_app_hash.b, si.latest_app_hash.len));
    json_object_set_new(sync, "latest_block_height", rpc_json_i64(si.latest_block_height));
    json_object_set_new(sync, "latest_block_time", rpc_json_time(&si.latest_block_time));
    json_object_set_new(sync, "earliest_block_hash", rpc_json_hash(&si.earliest_block_hash));
    json_object_set_new(sync, "earliest_app_hash",
                        rpc_json_hex(si.earliest_app_hash.b, si.earliest_app_hash.len));
    json_object_set_new(sync, "earliest_block_height", rpc_json_i64(si.earliest_block_height));
    json_object_set_new(sync, "earliest_block_time", rpc_json_time(&si.earliest_block_time));
    json_object_set_new(sync, "catching_up", json_boolean(si.catching_up));
    json_t *val = json_pack(
        "{s:o, s:o, s:o}", "address", rpc_json_hex(vi.address.b, CRYPTO_ADDRESS_LEN), "pub_key",
        rpc_json_pubkey(&vi.pub_key), "voting_power", rpc_json_i64(vi.voting_power));
    rpc_call_result(c, json_pack("{s:o, s:o, s:o}", "node_info", node_info_json(&ni), "sync_info",
                                 sync, "validator_info", val));
}

#define PEERS_MAX 1000

void rpc_m_net_info(rpc_call *c, const rpc_args *a)
{
    const rpc_backend *be = &c->srv->be;
    rpc_peer *peers = calloc(PEERS_MAX, sizeof *peers);
    if (!peers) {
        rpc_call_error(c, RPC_CODE_INTERNAL, "out of memory");
        return;
    }
    size_t n = 0;
    bool listening = false;
    ag_err e = be->ops->net_info(be->ctx, peers, PEERS_MAX, &n, &listening);
    if (e) {
        free(peers);
        rpc_call_fail(c, e);
        return;
    }
    rpc_node_info self;
    memset(&self, 0, sizeof self);
    be->ops->node_info(be->ctx, &self);
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < PEERS_MAX; i++)
        json_array_append_new(arr, json_pack("{s:o, s:b, s:{}, s:s}", "node_info",
                                             node_info_json(&peers[i].node_info), "is_outbound",
                                             peers[i].is_outbound, "connection_status", "remote_ip",
                                             peers[i].remote_ip));
    free(peers);
    json_t *listeners = json_array();
    if (listening)
        json_array_append_new(listeners, json_sprintf("Listener(@%s)", self.listen_addr));
    rpc_call_result(c, json_pack("{s:b, s:o, s:o, s:o}", "listening", listening, "listeners",
                                 listeners, "n_peers", rpc_json_i64((int64_t)n), "peers", arr));
}

void rpc_m_genesis(rpc_call *c, const rpc_args *a)
{
    const rpc_backend *be = &c->srv->be;
    const genesis_doc *g = be->ops->genesis(be->ctx);
    char *text = NULL;
    ag_err e = g ? genesis_doc_to_json(g, &text) : ag_err_set(AG_ERR_NOT_FOUND, "no genesis");
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    if (!doc) {
        rpc_call_error(c, RPC_CODE_INTERNAL, "genesis does not encode");
        return;
    }
    rpc_call_result(c, json_pack("{s:o}", "genesis", doc));
}

/* CometBFT serves the genesis in 16 MiB chunks of its JSON, base64. */
#define GENESIS_CHUNK (16u << 20)

void rpc_m_genesis_chunked(rpc_call *c, const rpc_args *a)
{
    const rpc_backend *be = &c->srv->be;
    const genesis_doc *g = be->ops->genesis(be->ctx);
    char *text = NULL;
    ag_err e = g ? genesis_doc_to_json(g, &text) : ag_err_set(AG_ERR_NOT_FOUND, "no genesis");
    if (e) {
        rpc_call_fail(c, e);
        return;
    }
    size_t len = strlen(text);
    size_t total = len ? (len + GENESIS_CHUNK - 1) / GENESIS_CHUNK : 1;
    int64_t id = a->v[0].present ? a->v[0].i : 0;
    if (id < 0 || (uint64_t)id >= total) {
        free(text);
        char d[96];
        snprintf(d, sizeof d, "there are %zu chunks, %lld is invalid", total - 1, (long long)id);
        rpc_call_error(c, RPC_CODE_INTERNAL, d);
        return;
    }
    size_t off = (size_t)id * GENESIS_CHUNK;
    size_t n = len - off < GENESIS_CHUNK ? len - off : GENESIS_CHUNK;
    json_t *data = rpc_json_b64((const uint8_t *)text + off, n);
    free(text);
    rpc_call_result(c, json_pack("{s:o, s:o, s:o}", "chunk", rpc_json_i64(id), "total",
                                 rpc_json_i64((int64_t)total), "data", data));
}
