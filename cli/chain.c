/* chain.c — chain id, accounts and tx inclusion over the node's RPC. */
#include "cli/chain.h"

#include <string.h>
#include <time.h>

#include "cli/rpc_client.h"
#include "cosmos/auth/v1beta1/auth.pb-c.h"
#include "cosmos/auth/v1beta1/query.pb-c.h"
#include "cosmos/crypto/secp256k1/keys.pb-c.h"
#include "lib/pb.h"
#include "market/module.h"

ag_err cli_chain_id(const char *node, char *out, size_t cap)
{
    json_t *st;
    ag_err err = cli_rpc_call(node, "status", NULL, &st);
    if (err)
        return err;
    const char *id =
        json_string_value(json_object_get(json_object_get(st, "node_info"), "network"));
    if (!id || !*id || strlen(id) >= cap || strlen(id) > MARKET_CHAIN_ID_MAX)
        err = ag_err_set(AG_ERR_DECODE, "status: no usable node_info.network (pass --chain-id)");
    else
        snprintf(out, cap, "%s", id);
    json_decref(st);
    return err;
}

ag_err cli_account_get(const char *node, const char *address, int64_t height, cli_account *out)
{
    memset(out, 0, sizeof *out);
    Cosmos__Auth__V1beta1__QueryAccountRequest q =
        COSMOS__AUTH__V1BETA1__QUERY_ACCOUNT_REQUEST__INIT;
    q.address = (ProtobufCBinaryData){strlen(address), (uint8_t *)(uintptr_t)address};
    ag_buf req, val;
    ag_buf_init(&req, 1024);
    ag_buf_init(&val, 1 << 16);
    json_t *resp = NULL;
    ag_err err = ag_pb_append(&req, &q.base);
    if (!err)
        err = cli_rpc_abci_query(node, "/cosmos.auth.v1beta1.Query/Account", ag_buf_slice(&req),
                                 height, false, &resp);
    uint64_t code = 0;
    if (!err)
        err = cli_json_u64(json_object_get(resp, "code"), &code);
    if (!err && code == MARKET_CODE_NOT_FOUND) {
        json_decref(resp);
        ag_buf_free(&req);
        ag_buf_free(&val);
        return AG_OK;
    }
    if (!err && code != 0)
        err = ag_err_set(AG_ERR_STATE, "account query: code %llu: %s", (unsigned long long)code,
                         json_string_value(json_object_get(resp, "log")));
    if (!err)
        err = cli_rpc_response_value(resp, &val);
    Cosmos__Auth__V1beta1__QueryAccountResponse *r =
        err ? NULL : cosmos__auth__v1beta1__query_account_response__unpack(NULL, val.len, val.data);
    if (!err && (!r || !r->account))
        err = ag_err_set(AG_ERR_DECODE, "account query: malformed QueryAccountResponse");
    Cosmos__Auth__V1beta1__BaseAccount *acc =
        err ? NULL
            : cosmos__auth__v1beta1__base_account__unpack(NULL, r->account->value.len,
                                                          r->account->value.data);
    if (!err && !acc)
        err = ag_err_set(AG_ERR_DECODE, "account query: malformed BaseAccount");
    if (!err) {
        out->exists = true;
        out->account_number = acc->account_number;
        out->sequence = acc->sequence;
        if (acc->pub_key) {
            Cosmos__Crypto__Secp256k1__PubKey *pk = cosmos__crypto__secp256k1__pub_key__unpack(
                NULL, acc->pub_key->value.len, acc->pub_key->value.data);
            if (pk && crypto_pubkey_parse(&out->pubkey, pk->key.data, pk->key.len) == AG_OK)
                out->has_pubkey = true;
            if (pk)
                cosmos__crypto__secp256k1__pub_key__free_unpacked(pk, NULL);
        }
    }
    if (acc)
        cosmos__auth__v1beta1__base_account__free_unpacked(acc, NULL);
    if (r)
        cosmos__auth__v1beta1__query_account_response__free_unpacked(r, NULL);
    json_decref(resp);
    ag_buf_free(&req);
    ag_buf_free(&val);
    return err;
}

ag_err cli_tx_wait(const char *node, const char *hash_hex, uint64_t timeout_ms, json_t **result)
{
    *result = NULL;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        json_t *r;
        ag_err err =
            cli_rpc_call(node, "tx", json_pack("{s:s, s:b}", "hash", hash_hex, "prove", 0), &r);
        if (!err) {
            *result = r;
            return AG_OK;
        }
        /* "not found" is the only answer worth waiting through. */
        if (err != AG_ERR_STATE || !strstr(ag_err_detail(), "not found"))
            return err;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t ms = (uint64_t)(now.tv_sec - start.tv_sec) * 1000 +
                      (uint64_t)((now.tv_nsec - start.tv_nsec) / 1000000);
        if (ms >= timeout_ms)
            return ag_err_set(AG_ERR_TIMEOUT,
                              "tx %s not in a block after %llu ms: it may still be in the "
                              "mempool (check later with `agora query tx %s`)",
                              hash_hex, (unsigned long long)timeout_ms, hash_hex);
        nanosleep(&(struct timespec){0, 250 * 1000 * 1000}, NULL);
    }
}
