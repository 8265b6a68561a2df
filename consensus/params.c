/* params.c — consensus parameters: defaults, CometBFT's validation rules, the hash. */
#include "consensus/params.h"

#include <string.h>

#include "consensus/limits.h"
#include "lib/pb.h"

#define NS_PER_SECOND 1000000000LL

void cons_params_default(cons_params *p)
{
    memset(p, 0, sizeof *p);
    p->block_max_bytes = 22020096; /* 21 MiB */
    p->block_max_gas = -1;
    p->evidence_max_age_num_blocks = 100000;
    p->evidence_max_age_ns = 48LL * 3600LL * NS_PER_SECOND;
    p->evidence_max_bytes = 1048576;
    p->n_pub_key_types = 1;
    strcpy(p->pub_key_types[0], "secp256k1");
    p->version_app = 0;
    p->vote_extensions_enable_height = 0;
}

int64_t cons_params_max_block_bytes(const cons_params *p)
{
    return p->block_max_bytes == -1 ? (int64_t)CONS_BLOCK_SIZE_MAX : p->block_max_bytes;
}

ag_err cons_params_validate(const cons_params *p)
{
    if (p->block_max_bytes == 0 || p->block_max_bytes < -1 ||
        p->block_max_bytes > (int64_t)CONS_BLOCK_SIZE_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "consensus params: block.max_bytes %lld must be -1 or in 1..%u",
                          (long long)p->block_max_bytes, CONS_BLOCK_SIZE_MAX);
    if (p->block_max_gas < -1)
        return ag_err_set(AG_ERR_INVALID_ARG, "consensus params: block.max_gas %lld below -1",
                          (long long)p->block_max_gas);
    if (p->evidence_max_age_num_blocks <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "consensus params: evidence.max_age_num_blocks must be positive");
    if (p->evidence_max_age_ns <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "consensus params: evidence.max_age_duration must be positive");
    if (p->evidence_max_bytes < 0 || p->evidence_max_bytes > cons_params_max_block_bytes(p))
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "consensus params: evidence.max_bytes %lld outside 0..block max bytes",
                          (long long)p->evidence_max_bytes);
    if (p->vote_extensions_enable_height < 0)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "consensus params: abci.vote_extensions_enable_height is negative");
    if (p->n_pub_key_types == 0 || p->n_pub_key_types > CONS_PARAMS_KEY_TYPES_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "consensus params: validator.pub_key_types needs 1..%d entries",
                          CONS_PARAMS_KEY_TYPES_MAX);
    for (uint32_t i = 0; i < p->n_pub_key_types; i++) {
        const char *t = p->pub_key_types[i];
        if (strnlen(t, CONS_PARAMS_KEY_TYPE_LEN) == CONS_PARAMS_KEY_TYPE_LEN)
            return ag_err_set(AG_ERR_INVALID_ARG, "consensus params: key type %u too long", i);
        if (strcmp(t, "secp256k1") != 0)
            return ag_err_set(AG_ERR_UNSUPPORTED,
                              "consensus params: validator key type \"%s\": Agora validators "
                              "use secp256k1 only",
                              t);
    }
    return AG_OK;
}

ag_err cons_params_hash(crypto_hash *out, const cons_params *p)
{
    Tendermint__Types__HashedParams hp = TENDERMINT__TYPES__HASHED_PARAMS__INIT;
    hp.block_max_bytes = p->block_max_bytes;
    hp.block_max_gas = p->block_max_gas;
    uint8_t bytes[32];
    ag_buf b;
    ag_buf_init(&b, sizeof bytes);
    ag_err err = ag_pb_append(&b, &hp.base);
    if (err == AG_OK)
        crypto_sha256(out->b, b.data, b.len);
    ag_buf_free(&b);
    return err;
}

void cons_params_to_pb(Tendermint__Types__ConsensusParams *pb, cons_params_pb_storage *s,
                       const cons_params *p)
{
    tendermint__types__consensus_params__init(pb);
    tendermint__types__block_params__init(&s->block);
    s->block.max_bytes = p->block_max_bytes;
    s->block.max_gas = p->block_max_gas;
    tendermint__types__evidence_params__init(&s->evidence);
    google__protobuf__duration__init(&s->max_age);
    s->max_age.seconds = p->evidence_max_age_ns / NS_PER_SECOND;
    s->max_age.nanos = (int32_t)(p->evidence_max_age_ns % NS_PER_SECOND);
    s->evidence.max_age_num_blocks = p->evidence_max_age_num_blocks;
    s->evidence.max_age_duration = &s->max_age;
    s->evidence.max_bytes = p->evidence_max_bytes;
    tendermint__types__validator_params__init(&s->validator);
    uint32_t n = p->n_pub_key_types <= CONS_PARAMS_KEY_TYPES_MAX ? p->n_pub_key_types : 0;
    for (uint32_t i = 0; i < n; i++)
        s->key_types[i] = (char *)(uintptr_t)p->pub_key_types[i];
    s->validator.n_pub_key_types = n;
    s->validator.pub_key_types = s->key_types;
    tendermint__types__version_params__init(&s->version);
    s->version.app = p->version_app;
    tendermint__types__abciparams__init(&s->abci);
    s->abci.vote_extensions_enable_height = p->vote_extensions_enable_height;
    pb->block = &s->block;
    pb->evidence = &s->evidence;
    pb->validator = &s->validator;
    pb->version = &s->version;
    pb->abci = &s->abci;
}

/* Copy the groups present in pb over *p (no validation). */
static ag_err apply_pb(cons_params *p, const Tendermint__Types__ConsensusParams *pb)
{
    if (pb->block) {
        p->block_max_bytes = pb->block->max_bytes;
        p->block_max_gas = pb->block->max_gas;
    }
    if (pb->evidence) {
        p->evidence_max_age_num_blocks = pb->evidence->max_age_num_blocks;
        p->evidence_max_bytes = pb->evidence->max_bytes;
        const Google__Protobuf__Duration *d = pb->evidence->max_age_duration;
        int64_t ns = 0;
        if (d) {
            if (d->nanos < 0 || d->nanos >= NS_PER_SECOND || d->seconds < 0 ||
                d->seconds > INT64_MAX / NS_PER_SECOND - 1)
                return ag_err_set(AG_ERR_INVALID_ARG,
                                  "consensus params: evidence.max_age_duration out of range");
            ns = d->seconds * NS_PER_SECOND + d->nanos;
        }
        p->evidence_max_age_ns = ns;
    }
    if (pb->validator) {
        if (pb->validator->n_pub_key_types > CONS_PARAMS_KEY_TYPES_MAX)
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "consensus params: more than %d validator key types",
                              CONS_PARAMS_KEY_TYPES_MAX);
        memset(p->pub_key_types, 0, sizeof p->pub_key_types);
        p->n_pub_key_types = (uint32_t)pb->validator->n_pub_key_types;
        for (size_t i = 0; i < pb->validator->n_pub_key_types; i++) {
            const char *t = pb->validator->pub_key_types[i];
            size_t len = t ? strlen(t) : 0;
            if (len >= CONS_PARAMS_KEY_TYPE_LEN)
                return ag_err_set(AG_ERR_INVALID_ARG, "consensus params: key type too long");
            memcpy(p->pub_key_types[i], t, len);
        }
    }
    if (pb->version)
        p->version_app = pb->version->app;
    if (pb->abci)
        p->vote_extensions_enable_height = pb->abci->vote_extensions_enable_height;
    return AG_OK;
}

ag_err cons_params_update(cons_params *p, const Tendermint__Types__ConsensusParams *upd,
                          int64_t current_height)
{
    cons_params next = *p;
    ag_err err = apply_pb(&next, upd);
    if (err != AG_OK)
        return err;
    if (upd->abci && next.vote_extensions_enable_height != p->vote_extensions_enable_height) {
        if (p->vote_extensions_enable_height != 0 &&
            current_height >= p->vote_extensions_enable_height)
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "consensus params: vote extensions already enabled at height %lld",
                              (long long)p->vote_extensions_enable_height);
        if (next.vote_extensions_enable_height != 0 &&
            next.vote_extensions_enable_height <= current_height)
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "consensus params: vote extensions enable height %lld is not "
                              "after the current height %lld",
                              (long long)next.vote_extensions_enable_height,
                              (long long)current_height);
    }
    err = cons_params_validate(&next);
    if (err != AG_OK)
        return err;
    *p = next;
    return AG_OK;
}

ag_err cons_params_encode(ag_buf *out, const cons_params *p)
{
    Tendermint__Types__ConsensusParams pb;
    cons_params_pb_storage s;
    cons_params_to_pb(&pb, &s, p);
    return ag_pb_append(out, &pb.base);
}

ag_err cons_params_decode(cons_params *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_PARAMS_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "consensus params: %zu bytes (max %u)", len,
                          CONS_PARAMS_ENCODED_MAX);
    Tendermint__Types__ConsensusParams *pb =
        tendermint__types__consensus_params__unpack(NULL, len, in);
    if (!pb)
        return ag_err_set(AG_ERR_DECODE, "consensus params: malformed protobuf");
    cons_params p;
    memset(&p, 0, sizeof p);
    ag_err err = apply_pb(&p, pb);
    tendermint__types__consensus_params__free_unpacked(pb, NULL);
    if (err == AG_OK)
        err = cons_params_validate(&p);
    if (err == AG_OK)
        *out = p;
    return err;
}
