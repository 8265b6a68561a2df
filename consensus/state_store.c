/* state_store.c — consensus state, validator sets, params and FinalizeBlock
 * responses per height on a state_kv (see state_store.h). */
#include "consensus/state_store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agora/consensus/store.pb-c.h"
#include "consensus/pb.h"

/* A validator set is also stored whole at every multiple of this height, so
 * loading one never needs more proposer-priority increments than this
 * (CometBFT's valSetCheckpointInterval). */
#define VALSET_CHECKPOINT 100000
#define KEY_LEN           13 /* "ss/X/" + 8 */

struct cons_state_store {
    state_kv *kv;
    bool sync;
};

static const uint8_t STATE_KEY[] = "ss/state";

static void make_key(uint8_t k[KEY_LEN], char kind, int64_t h)
{
    memcpy(k, "ss/X/", 5);
    k[3] = (uint8_t)kind;
    for (int i = 0; i < 8; i++)
        k[5 + i] = (uint8_t)((uint64_t)h >> (56 - 8 * i));
}

static int64_t key_height(const uint8_t *k)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | k[5 + i];
    return (int64_t)v;
}

/* ---- cons_state ---- */

void cons_state_clear(cons_state *st)
{
    cons_valset_free(&st->next_validators);
    cons_valset_free(&st->validators);
    cons_valset_free(&st->last_validators);
    free(st->consensus_params);
    memset(st, 0, sizeof *st);
}

ag_err cons_state_set_params(cons_state *st, const uint8_t *params, size_t len)
{
    if (len > CONS_STATE_PARAMS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "state: consensus params of %zu bytes (max %u)", len,
                          CONS_STATE_PARAMS_MAX);
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return ag_err_set(AG_ERR_NOMEM, "state: params");
        memcpy(copy, params, len);
    }
    free(st->consensus_params);
    st->consensus_params = copy;
    st->consensus_params_len = len;
    return AG_OK;
}

static ag_err copy_set(cons_valset *dst, const cons_valset *src)
{
    memset(dst, 0, sizeof *dst);
    return src->n ? cons_valset_copy(dst, src) : AG_OK;
}

ag_err cons_state_copy(cons_state *dst, const cons_state *src)
{
    *dst = *src;
    dst->consensus_params = NULL;
    dst->consensus_params_len = 0;
    memset(&dst->next_validators, 0, sizeof dst->next_validators);
    memset(&dst->validators, 0, sizeof dst->validators);
    memset(&dst->last_validators, 0, sizeof dst->last_validators);
    ag_err e = copy_set(&dst->next_validators, &src->next_validators);
    if (e == AG_OK)
        e = copy_set(&dst->validators, &src->validators);
    if (e == AG_OK)
        e = copy_set(&dst->last_validators, &src->last_validators);
    if (e == AG_OK)
        e = cons_state_set_params(dst, src->consensus_params, src->consensus_params_len);
    if (e != AG_OK)
        cons_state_clear(dst);
    return e;
}

static ag_err encode_set(ag_buf *b, ProtobufCBinaryData *field, const cons_valset *vs)
{
    if (vs->n == 0)
        return AG_OK;
    ag_err e = cons_valset_encode(b, vs);
    if (e == AG_OK)
        *field = cons_pb_bytes(b->data, b->len);
    return e;
}

ag_err cons_state_encode(ag_buf *out, const cons_state *st)
{
    if (strlen(st->chain_id) > CONS_CHAIN_ID_MAX || strlen(st->software) > CONS_SOFTWARE_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "state: chain id or software version too long");
    Agora__Consensus__State m = AGORA__CONSENSUS__STATE__INIT;
    Agora__Consensus__Version ver = AGORA__CONSENSUS__VERSION__INIT;
    Tendermint__Version__Consensus cv = TENDERMINT__VERSION__CONSENSUS__INIT;
    Tendermint__Types__BlockID bid;
    Tendermint__Types__PartSetHeader psh;
    Google__Protobuf__Timestamp ts;
    cv.block = st->version.block;
    cv.app = st->version.app;
    ver.consensus = &cv;
    ver.software = (char *)(uintptr_t)st->software;
    m.version = &ver;
    m.chain_id = (char *)(uintptr_t)st->chain_id;
    m.initial_height = st->initial_height;
    m.last_block_height = st->last_block_height;
    cons_pb_block_id_from(&bid, &psh, &st->last_block_id);
    m.last_block_id = &bid;
    cons_pb_timestamp_from(&ts, &st->last_block_time);
    m.last_block_time = &ts;
    m.last_height_validators_changed = st->last_height_validators_changed;
    m.consensus_params = cons_pb_bytes(st->consensus_params, st->consensus_params_len);
    m.last_height_consensus_params_changed = st->last_height_consensus_params_changed;
    m.last_results_hash = cons_pb_bytes(st->last_results_hash.b, st->last_results_hash.len);
    m.app_hash = cons_pb_bytes(st->app_hash.b, st->app_hash.len);
    ag_buf sets[3];
    for (int i = 0; i < 3; i++)
        ag_buf_init(&sets[i], 0);
    ag_err e = encode_set(&sets[0], &m.next_validators, &st->next_validators);
    if (e == AG_OK)
        e = encode_set(&sets[1], &m.validators, &st->validators);
    if (e == AG_OK)
        e = encode_set(&sets[2], &m.last_validators, &st->last_validators);
    if (e == AG_OK)
        e = ag_pb_append(out, &m.base);
    for (int i = 0; i < 3; i++)
        ag_buf_free(&sets[i]);
    return e;
}

static ag_err decode_set(cons_valset *vs, const ProtobufCBinaryData *f, const char *name)
{
    memset(vs, 0, sizeof *vs);
    if (f->len == 0)
        return AG_OK;
    ag_err e = cons_valset_decode(vs, f->data, f->len);
    return e == AG_OK ? AG_OK : cons_pb_err_prefix(e, name);
}

ag_err cons_state_decode(cons_state *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_STATE_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "state: record of %zu bytes", len);
    Agora__Consensus__State *m = agora__consensus__state__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.consensus.State");
    ag_err e = AG_OK;
    if (m->version) {
        if (m->version->consensus) {
            out->version.block = m->version->consensus->block;
            out->version.app = m->version->consensus->app;
        }
        if (strlen(m->version->software) > CONS_SOFTWARE_MAX) {
            e = ag_err_set(AG_ERR_DECODE, "state: software version too long");
            goto out;
        }
        strcpy(out->software, m->version->software);
    }
    if (strlen(m->chain_id) > CONS_CHAIN_ID_MAX) {
        e = ag_err_set(AG_ERR_DECODE, "state: chain id too long");
        goto out;
    }
    strcpy(out->chain_id, m->chain_id);
    if (m->initial_height < 0 || m->last_block_height < 0 ||
        m->last_height_validators_changed < 0 || m->last_height_consensus_params_changed < 0) {
        e = ag_err_set(AG_ERR_DECODE, "state: negative height");
        goto out;
    }
    out->initial_height = m->initial_height;
    out->last_block_height = m->last_block_height;
    out->last_height_validators_changed = m->last_height_validators_changed;
    out->last_height_consensus_params_changed = m->last_height_consensus_params_changed;
    if ((e = cons_pb_block_id_to(&out->last_block_id, m->last_block_id, "last_block_id")) != AG_OK)
        goto out;
    out->last_block_time = CONS_TIME_ZERO;
    if (m->last_block_time && (e = cons_pb_timestamp_to(&out->last_block_time, m->last_block_time,
                                                        "last_block_time")) != AG_OK)
        goto out;
    if ((e = cons_pb_hash_to(&out->last_results_hash, &m->last_results_hash,
                             "last_results_hash")) != AG_OK)
        goto out;
    if (m->app_hash.len > CONS_APP_HASH_MAX) {
        e = ag_err_set(AG_ERR_TOO_LARGE, "state: app hash of %zu bytes", m->app_hash.len);
        goto out;
    }
    out->app_hash.len = (uint8_t)m->app_hash.len;
    if (m->app_hash.len)
        memcpy(out->app_hash.b, m->app_hash.data, m->app_hash.len);
    if ((e = cons_state_set_params(out, m->consensus_params.data, m->consensus_params.len)) !=
        AG_OK)
        goto out;
    if ((e = decode_set(&out->next_validators, &m->next_validators, "next_validators")) != AG_OK)
        goto out;
    if ((e = decode_set(&out->validators, &m->validators, "validators")) != AG_OK)
        goto out;
    e = decode_set(&out->last_validators, &m->last_validators, "last_validators");
out:
    agora__consensus__state__free_unpacked(m, NULL);
    if (e != AG_OK)
        cons_state_clear(out);
    return e;
}

/* ---- the store ---- */

ag_err cons_state_store_open(cons_state_store **out, state_kv *kv, bool sync)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ag_err_set(AG_ERR_NOMEM, "state store");
    (*out)->kv = kv;
    (*out)->sync = sync;
    return AG_OK;
}

void cons_state_store_close(cons_state_store *ss)
{
    free(ss);
}

static ag_err get(cons_state_store *ss, const uint8_t *k, size_t kl, ag_buf *v)
{
    return ss->kv->ops->get(ss->kv, STATE_CF_META, k, kl, v);
}

ag_err cons_state_store_load(cons_state_store *ss, cons_state *out)
{
    memset(out, 0, sizeof *out);
    ag_buf v;
    ag_buf_init(&v, CONS_STATE_ENCODED_MAX);
    ag_err e = get(ss, STATE_KEY, sizeof STATE_KEY - 1, &v);
    if (e == AG_ERR_NOT_FOUND)
        e = ag_err_set(AG_ERR_NOT_FOUND, "state store: no state saved yet");
    else if (e == AG_OK && cons_state_decode(out, v.data, v.len) != AG_OK)
        e = ag_err_set(AG_ERR_CORRUPT, "state store: stored state does not decode: %s",
                       ag_err_detail());
    ag_buf_free(&v);
    return e;
}

/* An info record (validators or params): value present only when given. */
static ag_err put_info(state_kv_batch *b, state_kv *kv, char kind, int64_t h, int64_t changed,
                       const uint8_t *val, size_t vlen)
{
    ag_buf enc;
    ag_buf_init(&enc, 0);
    ag_err e;
    if (kind == 'V') {
        Agora__Consensus__ValidatorsInfo m = AGORA__CONSENSUS__VALIDATORS_INFO__INIT;
        m.validator_set = cons_pb_bytes(val, vlen);
        m.last_height_changed = changed;
        e = ag_pb_append(&enc, &m.base);
    } else {
        Agora__Consensus__ConsensusParamsInfo m = AGORA__CONSENSUS__CONSENSUS_PARAMS_INFO__INIT;
        m.consensus_params = cons_pb_bytes(val, vlen);
        m.last_height_changed = changed;
        e = ag_pb_append(&enc, &m.base);
    }
    uint8_t k[KEY_LEN];
    make_key(k, kind, h);
    if (e == AG_OK)
        e = kv->ops->put(b, STATE_CF_META, k, KEY_LEN, enc.data, enc.len);
    ag_buf_free(&enc);
    return e;
}

static ag_err put_validators(state_kv_batch *b, state_kv *kv, int64_t h, int64_t changed,
                             const cons_valset *vs)
{
    if (changed > h || changed <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "state store: validators of %" PRId64 " changed at %" PRId64, h, changed);
    if (vs->n == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "state store: empty validator set for %" PRId64, h);
    if (h != changed && h % VALSET_CHECKPOINT != 0)
        return put_info(b, kv, 'V', h, changed, NULL, 0);
    ag_buf enc;
    ag_buf_init(&enc, 0);
    ag_err e = cons_valset_encode(&enc, vs);
    if (e == AG_OK)
        e = put_info(b, kv, 'V', h, changed, enc.data, enc.len);
    ag_buf_free(&enc);
    return e;
}

ag_err cons_state_store_save(cons_state_store *ss, const cons_state *st)
{
    if (st->initial_height < 1 ||
        (st->last_block_height && st->last_block_height < st->initial_height))
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "state store: initial height %" PRId64 ", last block %" PRId64,
                          st->initial_height, st->last_block_height);
    int64_t next = st->last_block_height + 1;
    if (st->last_block_height == 0)
        next = st->initial_height;
    if (st->last_height_consensus_params_changed > next ||
        st->last_height_consensus_params_changed <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "state store: params of %" PRId64 " changed at %" PRId64, next,
                          st->last_height_consensus_params_changed);
    ag_buf enc;
    ag_buf_init(&enc, 0);
    state_kv_batch *b = NULL;
    ag_err e = cons_state_encode(&enc, st);
    if (e == AG_OK)
        e = ss->kv->ops->batch_new(ss->kv, &b);
    if (e == AG_OK && st->last_block_height == 0)
        e = put_validators(b, ss->kv, next, next, &st->validators);
    if (e == AG_OK)
        e = put_validators(b, ss->kv, next + 1, st->last_height_validators_changed,
                           &st->next_validators);
    if (e == AG_OK) {
        bool here = st->last_height_consensus_params_changed == next;
        e = put_info(b, ss->kv, 'P', next, st->last_height_consensus_params_changed,
                     here ? st->consensus_params : NULL, here ? st->consensus_params_len : 0);
    }
    if (e == AG_OK)
        e = ss->kv->ops->put(b, STATE_CF_META, STATE_KEY, sizeof STATE_KEY - 1, enc.data, enc.len);
    if (e == AG_OK)
        e = ss->kv->ops->write(ss->kv, b, ss->sync);
    if (b)
        ss->kv->ops->batch_free(b);
    ag_buf_free(&enc);
    return e;
}

/* Read the info record of `kind` at h: its change height and value (if any). */
static ag_err load_info(cons_state_store *ss, char kind, int64_t h, int64_t *changed, ag_buf *val)
{
    uint8_t k[KEY_LEN];
    make_key(k, kind, h);
    ag_buf v;
    ag_buf_init(&v, kind == 'V' ? CONS_VALSET_ENCODED_MAX + 64 : CONS_STATE_PARAMS_MAX + 64);
    ag_err e = get(ss, k, KEY_LEN, &v);
    if (e == AG_ERR_NOT_FOUND) {
        ag_buf_free(&v);
        return ag_err_set(AG_ERR_NOT_FOUND, "state store: no %s for height %" PRId64,
                          kind == 'V' ? "validators" : "consensus params", h);
    }
    if (e == AG_OK) {
        ProtobufCBinaryData d;
        if (kind == 'V') {
            Agora__Consensus__ValidatorsInfo *m =
                agora__consensus__validators_info__unpack(NULL, v.len, v.data);
            if (m) {
                *changed = m->last_height_changed;
                d = m->validator_set;
                e = ag_buf_append(val, d.data, d.len);
                agora__consensus__validators_info__free_unpacked(m, NULL);
            } else {
                e = AG_ERR_DECODE;
            }
        } else {
            Agora__Consensus__ConsensusParamsInfo *m =
                agora__consensus__consensus_params_info__unpack(NULL, v.len, v.data);
            if (m) {
                *changed = m->last_height_changed;
                d = m->consensus_params;
                e = ag_buf_append(val, d.data, d.len);
                agora__consensus__consensus_params_info__free_unpacked(m, NULL);
            } else {
                e = AG_ERR_DECODE;
            }
        }
        if (e == AG_OK && (*changed <= 0 || *changed > h))
            e = AG_ERR_DECODE;
    }
    ag_buf_free(&v);
    if (e != AG_OK && e != AG_ERR_NOMEM)
        e = ag_err_set(AG_ERR_CORRUPT, "state store: bad %s record at %" PRId64,
                       kind == 'V' ? "validators" : "params", h);
    return e;
}

/* The height whose record holds the value for h, given h's change height. */
static int64_t valset_source(int64_t h, int64_t changed)
{
    int64_t cp = h - h % VALSET_CHECKPOINT;
    return cp > changed ? cp : changed;
}

ag_err cons_state_store_load_validators(cons_state_store *ss, int64_t height, cons_valset *out)
{
    memset(out, 0, sizeof *out);
    ag_buf val;
    ag_buf_init(&val, 0);
    int64_t changed, src = height;
    ag_err e = load_info(ss, 'V', height, &changed, &val);
    if (e == AG_OK && val.len == 0) {
        src = valset_source(height, changed);
        int64_t c2;
        e = load_info(ss, 'V', src, &c2, &val);
        if (e == AG_ERR_NOT_FOUND || (e == AG_OK && val.len == 0))
            e = ag_err_set(AG_ERR_CORRUPT,
                           "state store: validators of %" PRId64 " point at %" PRId64
                           ", which has no set",
                           height, src);
    }
    if (e == AG_OK && cons_valset_decode(out, val.data, val.len) != AG_OK)
        e = ag_err_set(AG_ERR_CORRUPT, "state store: validator set at %" PRId64 ": %s", src,
                       ag_err_detail());
    ag_buf_free(&val);
    if (e == AG_OK && height > src)
        e = cons_valset_increment(out, (int32_t)(height - src));
    if (e != AG_OK)
        cons_valset_free(out);
    return e;
}

ag_err cons_state_store_load_params(cons_state_store *ss, int64_t height, ag_buf *out)
{
    int64_t changed;
    ag_buf val;
    ag_buf_init(&val, 0);
    ag_err e = load_info(ss, 'P', height, &changed, &val);
    if (e == AG_OK && changed != height) {
        int64_t c2;
        ag_buf_reset(&val);
        e = load_info(ss, 'P', changed, &c2, &val);
        if (e == AG_ERR_NOT_FOUND)
            e = ag_err_set(AG_ERR_CORRUPT,
                           "state store: params of %" PRId64 " point at missing %" PRId64, height,
                           changed);
    }
    if (e == AG_OK)
        e = ag_buf_append(out, val.data, val.len);
    ag_buf_free(&val);
    return e;
}

ag_err cons_state_store_save_finalize_response(cons_state_store *ss, int64_t height,
                                               const uint8_t *resp, size_t len)
{
    if (height <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "state store: height %" PRId64, height);
    if (len > CONS_FINALIZE_RESPONSE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "state store: FinalizeBlock response of %zu bytes",
                          len);
    uint8_t k[KEY_LEN];
    make_key(k, 'R', height);
    state_kv_batch *b;
    ag_err e = ss->kv->ops->batch_new(ss->kv, &b);
    if (e != AG_OK)
        return e;
    e = ss->kv->ops->put(b, STATE_CF_META, k, KEY_LEN, resp, len);
    if (e == AG_OK)
        e = ss->kv->ops->write(ss->kv, b, ss->sync);
    ss->kv->ops->batch_free(b);
    return e;
}

ag_err cons_state_store_load_finalize_response(cons_state_store *ss, int64_t height, ag_buf *out)
{
    uint8_t k[KEY_LEN];
    make_key(k, 'R', height);
    ag_err e = get(ss, k, KEY_LEN, out);
    if (e == AG_ERR_NOT_FOUND)
        return ag_err_set(AG_ERR_NOT_FOUND, "state store: no FinalizeBlock response for %" PRId64,
                          height);
    return e;
}

/* Delete keys of `kind` below `below`, except the one at `keep`. */
static ag_err prune_kind(cons_state_store *ss, char kind, int64_t below, int64_t keep)
{
    const state_kv_ops *ops = ss->kv->ops;
    for (;;) {
        state_kv_iter *it;
        ag_err e = ops->iter_new(ss->kv, STATE_CF_META, &it);
        if (e != AG_OK)
            return e;
        uint8_t start[KEY_LEN];
        make_key(start, kind, 0);
        ops->iter_seek(it, start, KEY_LEN);
        state_kv_batch *b = NULL;
        if ((e = ops->batch_new(ss->kv, &b)) != AG_OK) {
            ops->iter_free(it);
            return e;
        }
        unsigned n = 0;
        bool more = false;
        for (; ops->iter_valid(it); ops->iter_next(it)) {
            const uint8_t *k, *v;
            size_t kl, vl;
            ops->iter_entry(it, &k, &kl, &v, &vl);
            if (kl != KEY_LEN || memcmp(k, start, 5) != 0)
                break;
            int64_t h = key_height(k);
            if (h >= below)
                break;
            if (h == keep)
                continue;
            if (n == CONS_STATE_STORE_PRUNE_BATCH) {
                more = true;
                break;
            }
            if ((e = ops->del(b, STATE_CF_META, k, kl)) != AG_OK)
                break;
            n++;
        }
        if (e == AG_OK)
            e = ops->iter_status(it);
        ops->iter_free(it);
        if (e == AG_OK && n)
            e = ops->write(ss->kv, b, ss->sync);
        ops->batch_free(b);
        if (e != AG_OK || !more)
            return e;
    }
}

ag_err cons_state_store_prune(cons_state_store *ss, int64_t retain_height)
{
    cons_state st;
    ag_err e = cons_state_store_load(ss, &st);
    if (e != AG_OK)
        return e;
    int64_t last = st.last_block_height;
    cons_state_clear(&st);
    if (retain_height > last)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "state store: retain height %" PRId64 " above the last block %" PRId64,
                          retain_height, last);
    if (retain_height <= 0)
        return AG_OK;
    /* what heights >= retain_height still point to */
    int64_t vchanged, pchanged, keep_v = -1, keep_p;
    ag_buf val;
    ag_buf_init(&val, 0);
    e = load_info(ss, 'V', retain_height, &vchanged, &val);
    if (e == AG_OK && val.len == 0)
        keep_v = valset_source(retain_height, vchanged);
    ag_buf_reset(&val);
    if (e == AG_OK)
        e = load_info(ss, 'P', retain_height, &pchanged, &val);
    ag_buf_free(&val);
    if (e != AG_OK)
        return e;
    keep_p = pchanged;
    if ((e = prune_kind(ss, 'V', retain_height, keep_v)) != AG_OK)
        return e;
    if ((e = prune_kind(ss, 'P', retain_height, keep_p)) != AG_OK)
        return e;
    return prune_kind(ss, 'R', retain_height, -1);
}
