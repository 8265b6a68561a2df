/* The genesis document and params of the RPC test chain (rpc_chain.c),
 * apart because genesis.h and state_store.h cannot share a file. */
#include <stdlib.h>
#include <string.h>

#include "consensus/params.h"
#include "genesis/genesis.h"

void *tchain_genesis_new(const char *chain_id, int64_t time, const crypto_pubkey *pub);
void tchain_genesis_free(void *g);
const genesis_doc *tchain_genesis_doc(void *g);
void tchain_params(uint8_t *out, size_t cap, size_t *len, crypto_hash *hash);

void *tchain_genesis_new(const char *chain_id, int64_t time, const crypto_pubkey *pub)
{
    genesis_doc *g = calloc(1, sizeof *g);
    if (!g || genesis_doc_init(g) != AG_OK) {
        free(g);
        return NULL;
    }
    strcpy(g->chain_id, chain_id);
    g->time_seconds = time;
    g->initial_height = 1;
    if (genesis_doc_add_validator(g, pub, 10, "val0") != AG_OK) {
        genesis_doc_free(g);
        free(g);
        return NULL;
    }
    return g;
}

void tchain_genesis_free(void *g)
{
    if (!g)
        return;
    genesis_doc_free(g);
    free(g);
}

const genesis_doc *tchain_genesis_doc(void *g)
{
    return g;
}

void tchain_params(uint8_t *out, size_t cap, size_t *len, crypto_hash *hash)
{
    cons_params p;
    cons_params_default(&p);
    ag_buf b;
    ag_buf_init(&b, 0);
    cons_params_encode(&b, &p);
    *len = b.len <= cap ? b.len : 0;
    memcpy(out, b.data, *len);
    ag_buf_free(&b);
    cons_params_hash(hash, &p);
}
