/* CometBFT JSON encoders (encode.h). */
#include "rpc/encode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/params.h"
#include "genesis/json.h"
#include "lib/base64.h"
#include "lib/hex.h"
#include "lib/rfc3339.h"

json_t *rpc_json_i64(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, v);
    return json_string(s);
}

json_t *rpc_json_u64(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, v);
    return json_string(s);
}

json_t *rpc_json_hex(const uint8_t *b, size_t len)
{
    char *s = malloc(2 * len + 1);
    if (!s)
        return NULL;
    ag_hex_encode(s, b, len, true);
    json_t *j = json_stringn(s, 2 * len);
    free(s);
    return j;
}

json_t *rpc_json_b64(const uint8_t *b, size_t len)
{
    if (len == 0)
        return json_null();
    size_t n = ag_base64_encoded_len(len);
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    ag_base64_encode(s, b, len);
    json_t *j = json_stringn(s, n);
    free(s);
    return j;
}

json_t *rpc_json_hash(const cons_hash *h)
{
    return rpc_json_hex(h->b, h->len);
}

json_t *rpc_json_time(const cons_timestamp *t)
{
    char s[AG_RFC3339_MAX];
    if (ag_rfc3339_format(s, t->seconds, t->nanos) != AG_OK)
        return json_string("0001-01-01T00:00:00Z");
    return json_string(s);
}

json_t *rpc_json_pubkey(const crypto_pubkey *pub)
{
    return genesis_json_pubkey(pub);
}

json_t *rpc_json_block_id(const cons_block_id *id)
{
    return json_pack("{s:o, s:{s:i, s:o}}", "hash", rpc_json_hash(&id->hash), "parts", "total",
                     (json_int_t)id->parts.total, "hash", rpc_json_hash(&id->parts.hash));
}

json_t *rpc_json_header(const cons_header *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "version",
                        json_pack("{s:o, s:o}", "block", rpc_json_u64(h->version.block), "app",
                                  rpc_json_u64(h->version.app)));
    json_object_set_new(o, "chain_id", json_string(h->chain_id));
    json_object_set_new(o, "height", rpc_json_i64(h->height));
    json_object_set_new(o, "time", rpc_json_time(&h->time));
    json_object_set_new(o, "last_block_id", rpc_json_block_id(&h->last_block_id));
    json_object_set_new(o, "last_commit_hash", rpc_json_hash(&h->last_commit_hash));
    json_object_set_new(o, "data_hash", rpc_json_hash(&h->data_hash));
    json_object_set_new(o, "validators_hash", rpc_json_hash(&h->validators_hash));
    json_object_set_new(o, "next_validators_hash", rpc_json_hash(&h->next_validators_hash));
    json_object_set_new(o, "consensus_hash", rpc_json_hash(&h->consensus_hash));
    json_object_set_new(o, "app_hash", rpc_json_hex(h->app_hash.b, h->app_hash.len));
    json_object_set_new(o, "last_results_hash", rpc_json_hash(&h->last_results_hash));
    json_object_set_new(o, "evidence_hash", rpc_json_hash(&h->evidence_hash));
    json_object_set_new(o, "proposer_address",
                        rpc_json_hex(h->proposer_address.b, CRYPTO_ADDRESS_LEN));
    return o;
}

static json_t *commit_sig(const cons_commit_sig *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "block_id_flag", json_integer(s->flag));
    json_object_set_new(o, "validator_address",
                        s->has_address ? rpc_json_hex(s->validator_address.b, CRYPTO_ADDRESS_LEN)
                                       : json_string(""));
    json_object_set_new(o, "timestamp", rpc_json_time(&s->timestamp));
    json_object_set_new(o, "signature", rpc_json_b64(s->signature.b, s->signature.len));
    return o;
}

json_t *rpc_json_commit(const cons_commit *c)
{
    json_t *sigs = json_array();
    for (size_t i = 0; i < c->n_sigs; i++)
        json_array_append_new(sigs, commit_sig(&c->sigs[i]));
    return json_pack("{s:o, s:i, s:o, s:o}", "height", rpc_json_i64(c->height), "round",
                     (json_int_t)c->round, "block_id", rpc_json_block_id(&c->block_id),
                     "signatures", sigs);
}

static json_t *vote_json(const cons_vote *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_integer(v->type));
    json_object_set_new(o, "height", rpc_json_i64(v->height));
    json_object_set_new(o, "round", json_integer(v->round));
    json_object_set_new(o, "block_id", rpc_json_block_id(&v->block_id));
    json_object_set_new(o, "timestamp", rpc_json_time(&v->timestamp));
    json_object_set_new(o, "validator_address",
                        rpc_json_hex(v->validator_address.b, CRYPTO_ADDRESS_LEN));
    json_object_set_new(o, "validator_index", json_integer(v->validator_index));
    json_object_set_new(o, "signature", rpc_json_b64(v->signature.b, v->signature.len));
    json_object_set_new(o, "extension", rpc_json_b64(v->extension, v->extension_len));
    json_object_set_new(o, "extension_signature",
                        rpc_json_b64(v->extension_signature.b, v->extension_signature.len));
    return o;
}

/* LightClientAttackEvidence as CometBFT's amino JSON names it. */
static json_t *light_attack_json(const cons_evidence *e)
{
    const cons_light_attack *a = e->lca;
    json_t *byz = json_array();
    for (size_t i = 0; i < a->n_byzantine; i++)
        json_array_append_new(byz, rpc_json_validator(&a->byzantine[i]));
    json_t *vals = json_array();
    for (size_t i = 0; i < a->vals.n; i++)
        json_array_append_new(vals, rpc_json_validator(&a->vals.vals[i]));
    json_t *lb =
        json_pack("{s:{s:o, s:o}, s:{s:o}}", "signed_header", "header", rpc_json_header(&a->header),
                  "commit", rpc_json_commit(&a->commit), "validator_set", "validators", vals);
    json_t *v =
        json_pack("{s:o, s:o, s:o, s:o, s:o}", "conflicting_block", lb, "common_height",
                  rpc_json_i64(a->common_height), "byzantine_validators", byz, "total_voting_power",
                  rpc_json_i64(e->total_voting_power), "timestamp", rpc_json_time(&e->timestamp));
    return json_pack("{s:s, s:o}", "type", "tendermint/LightClientAttackEvidence", "value", v);
}

static json_t *evidence_json(const cons_evidence *e)
{
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK)
        return light_attack_json(e);
    json_t *v = json_object();
    json_object_set_new(v, "vote_a", vote_json(&e->vote_a));
    json_object_set_new(v, "vote_b", vote_json(&e->vote_b));
    json_object_set_new(v, "TotalVotingPower", rpc_json_i64(e->total_voting_power));
    json_object_set_new(v, "ValidatorPower", rpc_json_i64(e->validator_power));
    json_object_set_new(v, "Timestamp", rpc_json_time(&e->timestamp));
    return json_pack("{s:s, s:o}", "type", "tendermint/DuplicateVoteEvidence", "value", v);
}

json_t *rpc_json_block(const cons_block *b)
{
    json_t *txs = json_array();
    for (size_t i = 0; i < b->n_txs; i++) {
        json_t *t = rpc_json_b64(b->txs[i].ptr, b->txs[i].len);
        json_array_append_new(txs, json_is_null(t) ? (json_decref(t), json_string("")) : t);
    }
    json_t *ev = json_array();
    for (size_t i = 0; i < b->n_evidence; i++)
        json_array_append_new(ev, evidence_json(&b->evidence[i]));
    json_t *o = json_object();
    json_object_set_new(o, "header", rpc_json_header(&b->header));
    json_object_set_new(o, "data", json_pack("{s:o}", "txs", txs));
    json_object_set_new(o, "evidence", json_pack("{s:o}", "evidence", ev));
    json_object_set_new(o, "last_commit",
                        b->has_last_commit ? rpc_json_commit(&b->last_commit) : json_null());
    return o;
}

json_t *rpc_json_block_meta(const cons_block_meta *m)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "block_id", rpc_json_block_id(&m->block_id),
                     "block_size", rpc_json_i64(m->block_size), "header",
                     rpc_json_header(&m->header), "num_txs", rpc_json_i64(m->num_txs));
}

json_t *rpc_json_validator(const cons_validator *v)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "address",
                     rpc_json_hex(v->address.b, CRYPTO_ADDRESS_LEN), "pub_key",
                     rpc_json_pubkey(&v->pub_key), "voting_power", rpc_json_i64(v->voting_power),
                     "proposer_priority", rpc_json_i64(v->proposer_priority));
}

json_t *rpc_json_params(const struct cons_params *p)
{
    json_t *kt = json_array();
    for (uint32_t i = 0; i < p->n_pub_key_types && i < CONS_PARAMS_KEY_TYPES_MAX; i++)
        json_array_append_new(kt, json_string(p->pub_key_types[i]));
    return json_pack(
        "{s:{s:o, s:o}, s:{s:o, s:o, s:o}, s:{s:o}, s:{s:o}, s:{s:o}}", "block", "max_bytes",
        rpc_json_i64(p->block_max_bytes), "max_gas", rpc_json_i64(p->block_max_gas), "evidence",
        "max_age_num_blocks", rpc_json_i64(p->evidence_max_age_num_blocks), "max_age_duration",
        rpc_json_i64(p->evidence_max_age_ns), "max_bytes", rpc_json_i64(p->evidence_max_bytes),
        "validator", "pub_key_types", kt, "version", "app", rpc_json_u64(p->version_app), "abci",
        "vote_extensions_enable_height", rpc_json_i64(p->vote_extensions_enable_height));
}

json_t *rpc_json_params_encoded(const uint8_t *enc, size_t len)
{
    cons_params p;
    if (cons_params_decode(&p, enc, len) != AG_OK)
        return NULL;
    return rpc_json_params(&p);
}

static json_t *str_or_empty(const char *s)
{
    return json_string(s ? s : "");
}

json_t *rpc_json_events(Tendermint__Abci__Event *const *ev, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *attrs = json_array();
        for (size_t j = 0; j < ev[i]->n_attributes; j++) {
            const Tendermint__Abci__EventAttribute *x = ev[i]->attributes[j];
            json_array_append_new(attrs,
                                  json_pack("{s:o, s:o, s:b}", "key", str_or_empty(x->key), "value",
                                            str_or_empty(x->value), "index", (int)x->index));
        }
        json_array_append_new(
            a, json_pack("{s:o, s:o}", "type", str_or_empty(ev[i]->type), "attributes", attrs));
    }
    return a;
}

json_t *rpc_json_exec_tx_result(const Tendermint__Abci__ExecTxResult *r)
{
    static const Tendermint__Abci__ExecTxResult empty = TENDERMINT__ABCI__EXEC_TX_RESULT__INIT;
    if (!r)
        r = &empty;
    json_t *o = json_object();
    json_object_set_new(o, "code", json_integer(r->code));
    json_object_set_new(o, "data", rpc_json_b64(r->data.data, r->data.len));
    json_object_set_new(o, "log", str_or_empty(r->log));
    json_object_set_new(o, "info", str_or_empty(r->info));
    json_object_set_new(o, "gas_wanted", rpc_json_i64(r->gas_wanted));
    json_object_set_new(o, "gas_used", rpc_json_i64(r->gas_used));
    json_object_set_new(o, "events", rpc_json_events(r->events, r->n_events));
    json_object_set_new(o, "codespace", str_or_empty(r->codespace));
    return o;
}

json_t *rpc_json_check_tx(const abci_resp_check_tx *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_integer(r->code));
    json_object_set_new(o, "data", rpc_json_b64(r->data.data, r->data.len));
    json_object_set_new(o, "log", str_or_empty(r->log));
    json_object_set_new(o, "info", str_or_empty(r->info));
    json_object_set_new(o, "gas_wanted", rpc_json_i64(r->gas_wanted));
    json_object_set_new(o, "gas_used", rpc_json_i64(r->gas_used));
    json_object_set_new(o, "events", rpc_json_events(r->events, r->n_events));
    json_object_set_new(o, "codespace", str_or_empty(r->codespace));
    return o;
}

json_t *rpc_json_validator_update(const Tendermint__Abci__ValidatorUpdate *u)
{
    json_t *pk = json_null();
    if (u->pub_key) {
        const Tendermint__Crypto__PublicKey *k = u->pub_key;
        if (k->sum_case == TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1)
            pk = json_pack("{s:s, s:o}", "type", "tendermint/PubKeySecp256k1", "value",
                           rpc_json_b64(k->secp256k1.data, k->secp256k1.len));
        else if (k->sum_case == TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_ED25519)
            pk = json_pack("{s:s, s:o}", "type", "tendermint/PubKeyEd25519", "value",
                           rpc_json_b64(k->ed25519.data, k->ed25519.len));
    }
    return json_pack("{s:o, s:o}", "pub_key", pk, "power", rpc_json_i64(u->power));
}

static json_t *params_update(const Tendermint__Types__ConsensusParams *p)
{
    if (!p)
        return json_null();
    json_t *o = json_object();
    if (p->block)
        json_object_set_new(o, "block",
                            json_pack("{s:o, s:o}", "max_bytes", rpc_json_i64(p->block->max_bytes),
                                      "max_gas", rpc_json_i64(p->block->max_gas)));
    if (p->evidence) {
        int64_t ns = 0;
        if (p->evidence->max_age_duration)
            ns = p->evidence->max_age_duration->seconds * 1000000000 +
                 p->evidence->max_age_duration->nanos;
        json_object_set_new(o, "evidence",
                            json_pack("{s:o, s:o, s:o}", "max_age_num_blocks",
                                      rpc_json_i64(p->evidence->max_age_num_blocks),
                                      "max_age_duration", rpc_json_i64(ns), "max_bytes",
                                      rpc_json_i64(p->evidence->max_bytes)));
    }
    if (p->validator) {
        json_t *kt = json_array();
        for (size_t i = 0; i < p->validator->n_pub_key_types; i++)
            json_array_append_new(kt, str_or_empty(p->validator->pub_key_types[i]));
        json_object_set_new(o, "validator", json_pack("{s:o}", "pub_key_types", kt));
    }
    if (p->version)
        json_object_set_new(o, "version", json_pack("{s:o}", "app", rpc_json_u64(p->version->app)));
    if (p->abci)
        json_object_set_new(o, "abci",
                            json_pack("{s:o}", "vote_extensions_enable_height",
                                      rpc_json_i64(p->abci->vote_extensions_enable_height)));
    return o;
}

json_t *rpc_json_finalize(const abci_resp_finalize_block *r)
{
    json_t *txs = json_array();
    for (size_t i = 0; i < r->n_tx_results; i++)
        json_array_append_new(txs, rpc_json_exec_tx_result(r->tx_results[i]));
    json_t *vu = json_array();
    for (size_t i = 0; i < r->n_validator_updates; i++)
        json_array_append_new(vu, rpc_json_validator_update(r->validator_updates[i]));
    json_t *o = json_object();
    json_object_set_new(o, "events", rpc_json_events(r->events, r->n_events));
    json_object_set_new(o, "tx_results", txs);
    json_object_set_new(o, "validator_updates", vu);
    json_object_set_new(o, "consensus_param_updates", params_update(r->consensus_param_updates));
    json_object_set_new(o, "app_hash", rpc_json_b64(r->app_hash.data, r->app_hash.len));
    return o;
}
