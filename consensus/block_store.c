/* block_store.c — committed blocks on a state_kv (see block_store.h). */
#include "consensus/block_store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agora/consensus/store.pb-c.h"
#include "consensus/pb.h"

#define KEY_MAX 48
/* A BlockMeta: block id, three varints and a header. */
#define META_ENCODED_MAX (CONS_HEADER_ENCODED_MAX + 256u)

struct cons_block_store {
    state_kv *kv;
    bool sync;
    int64_t base, height;
};

static size_t put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
    return 8;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* prefix + optional height + optional u32 */
static size_t make_key(uint8_t *k, const char *prefix, int64_t h, bool with_h, int64_t idx)
{
    size_t n = strlen(prefix);
    memcpy(k, prefix, n);
    if (with_h)
        n += put_be64(k + n, (uint64_t)h);
    if (idx >= 0) {
        uint32_t i = (uint32_t)idx;
        k[n++] = (uint8_t)(i >> 24);
        k[n++] = (uint8_t)(i >> 16);
        k[n++] = (uint8_t)(i >> 8);
        k[n++] = (uint8_t)i;
    }
    return n;
}

static const uint8_t STATE_KEY[] = "bs/state";

static ag_err kv_get(cons_block_store *bs, const uint8_t *key, size_t klen, ag_buf *val)
{
    return bs->kv->ops->get(bs->kv, STATE_CF_META, key, klen, val);
}

ag_err cons_block_store_open(cons_block_store **out, state_kv *kv,
                             const cons_block_store_options *opts)
{
    *out = NULL;
    cons_block_store *bs = calloc(1, sizeof *bs);
    if (!bs)
        return ag_err_set(AG_ERR_NOMEM, "block store");
    bs->kv = kv;
    bs->sync = opts ? opts->sync : true;
    ag_buf v;
    ag_buf_init(&v, 1024);
    ag_err e = kv_get(bs, STATE_KEY, sizeof STATE_KEY - 1, &v);
    if (e == AG_OK) {
        Agora__Consensus__BlockStoreState *s =
            agora__consensus__block_store_state__unpack(NULL, v.len, v.data);
        if (!s || s->base_height < 0 || s->height < s->base_height ||
            (s->base_height == 0) != (s->height == 0)) {
            e = ag_err_set(AG_ERR_CORRUPT, "block store: bad bs/state record");
        } else {
            bs->base = s->base_height;
            bs->height = s->height;
        }
        if (s)
            agora__consensus__block_store_state__free_unpacked(s, NULL);
    } else if (e == AG_ERR_NOT_FOUND) {
        e = AG_OK;
    }
    ag_buf_free(&v);
    if (e != AG_OK) {
        free(bs);
        return e;
    }
    *out = bs;
    return AG_OK;
}

void cons_block_store_close(cons_block_store *bs)
{
    free(bs);
}

int64_t cons_block_store_base(const cons_block_store *bs)
{
    return bs->base;
}

int64_t cons_block_store_height(const cons_block_store *bs)
{
    return bs->height;
}

static ag_err put_state(state_kv_batch *b, state_kv *kv, int64_t base, int64_t height)
{
    Agora__Consensus__BlockStoreState s = AGORA__CONSENSUS__BLOCK_STORE_STATE__INIT;
    s.base_height = base;
    s.height = height;
    uint8_t buf[32];
    size_t n = agora__consensus__block_store_state__pack(&s, buf);
    return kv->ops->put(b, STATE_CF_META, STATE_KEY, sizeof STATE_KEY - 1, buf, n);
}

static ag_err put_commit(state_kv_batch *b, state_kv *kv, const char *prefix, const cons_commit *c)
{
    ag_buf enc;
    ag_buf_init(&enc, 0);
    uint8_t k[KEY_MAX];
    size_t kl = make_key(k, prefix, c->height, true, -1);
    ag_err e = cons_commit_encode(&enc, c);
    if (e == AG_OK)
        e = kv->ops->put(b, STATE_CF_META, k, kl, enc.data, enc.len);
    ag_buf_free(&enc);
    return e;
}

static ag_err save_checks(cons_block_store *bs, const cons_header *header,
                          const cons_part_set *parts, const cons_block_id *id,
                          const cons_commit *last_commit, const cons_commit *seen)
{
    int64_t h = header->height;
    if (h <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "block store: height %" PRId64, h);
    if (bs->height && h != bs->height + 1)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "block store: block %" PRId64
                          " does not follow the stored height %" PRId64,
                          h, bs->height);
    if (!cons_part_set_is_complete(parts))
        return ag_err_set(AG_ERR_STATE, "block store: block %" PRId64 " has missing parts", h);
    if (!seen || seen->height != h || !cons_block_id_equal(&seen->block_id, id))
        return ag_err_set(AG_ERR_INVALID_ARG, "block store: seen commit is not for block %" PRId64,
                          h);
    if (bs->height && !last_commit)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "block store: block %" PRId64 " needs its last commit", h);
    if (last_commit) {
        if (last_commit->height != h - 1)
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "block store: last commit of block %" PRId64
                              " is for height %" PRId64,
                              h, last_commit->height);
        if (!cons_block_id_equal(&last_commit->block_id, &header->last_block_id))
            return ag_err_set(
                AG_ERR_INVALID_ARG,
                "block store: last commit of block %" PRId64 " is not for its last block id", h);
    }
    return AG_OK;
}

ag_err cons_block_store_save(cons_block_store *bs, const cons_header *header,
                             const cons_part_set *parts, int64_t num_txs,
                             const cons_commit *last_commit, const cons_commit *seen_commit)
{
    crypto_hash hh;
    ag_err e = cons_header_hash(&hh, header);
    if (e != AG_OK)
        return e;
    cons_block_id id = {0};
    cons_hash_set(&id.hash, hh.b);
    id.parts = parts->header;
    if ((e = save_checks(bs, header, parts, &id, last_commit, seen_commit)) != AG_OK)
        return e;
    int64_t h = header->height;
    ag_buf hdr, enc;
    ag_buf_init(&hdr, 0);
    ag_buf_init(&enc, 0);
    state_kv_batch *b = NULL;
    if ((e = cons_header_encode(&hdr, header)) != AG_OK)
        goto out;
    Agora__Consensus__BlockMeta m = AGORA__CONSENSUS__BLOCK_META__INIT;
    Tendermint__Types__BlockID pbid;
    Tendermint__Types__PartSetHeader psh;
    cons_pb_block_id_from(&pbid, &psh, &id);
    m.block_id = &pbid;
    m.block_size = (int64_t)parts->byte_size;
    m.header = cons_pb_bytes(hdr.data, hdr.len);
    m.num_txs = num_txs;
    if ((e = ag_pb_append(&enc, &m.base)) != AG_OK)
        goto out;
    if ((e = bs->kv->ops->batch_new(bs->kv, &b)) != AG_OK)
        goto out;
    uint8_t k[KEY_MAX];
    size_t kl = make_key(k, "bs/H/", h, true, -1);
    if ((e = bs->kv->ops->put(b, STATE_CF_META, k, kl, enc.data, enc.len)) != AG_OK)
        goto out;
    for (uint32_t i = 0; i < parts->header.total; i++) {
        ag_buf_reset(&enc);
        if ((e = cons_part_encode(&enc, cons_part_set_get(parts, i))) != AG_OK)
            goto out;
        kl = make_key(k, "bs/P/", h, true, i);
        if ((e = bs->kv->ops->put(b, STATE_CF_META, k, kl, enc.data, enc.len)) != AG_OK)
            goto out;
    }
    if (last_commit && (e = put_commit(b, bs->kv, "bs/C/", last_commit)) != AG_OK)
        goto out;
    if ((e = put_commit(b, bs->kv, "bs/SC/", seen_commit)) != AG_OK)
        goto out;
    if (bs->height) {
        kl = make_key(k, "bs/SC/", bs->height, true, -1);
        if ((e = bs->kv->ops->del(b, STATE_CF_META, k, kl)) != AG_OK)
            goto out;
    }
    uint8_t hv[8];
    put_be64(hv, (uint64_t)h);
    memcpy(k, "bs/BH/", 6);
    memcpy(k + 6, hh.b, 32);
    if ((e = bs->kv->ops->put(b, STATE_CF_META, k, 38, hv, 8)) != AG_OK)
        goto out;
    int64_t base = bs->base ? bs->base : h;
    if ((e = put_state(b, bs->kv, base, h)) != AG_OK)
        goto out;
    if ((e = bs->kv->ops->write(bs->kv, b, bs->sync)) != AG_OK)
        goto out;
    bs->base = base;
    bs->height = h;
out:
    if (b)
        bs->kv->ops->batch_free(b);
    ag_buf_free(&hdr);
    ag_buf_free(&enc);
    return e;
}

static ag_err in_range(const cons_block_store *bs, int64_t h)
{
    if (bs->height == 0 || h < bs->base || h > bs->height)
        return ag_err_set(AG_ERR_NOT_FOUND,
                          "block store: height %" PRId64 " not stored (base %" PRId64
                          ", height %" PRId64 ")",
                          h, bs->base, bs->height);
    return AG_OK;
}

static ag_err decode_meta(cons_block_meta *meta, const ag_buf *v, int64_t h)
{
    memset(meta, 0, sizeof *meta);
    if (v->len > META_ENCODED_MAX)
        return ag_err_set(AG_ERR_CORRUPT, "block store: meta of %" PRId64 " too large", h);
    Agora__Consensus__BlockMeta *m = agora__consensus__block_meta__unpack(NULL, v->len, v->data);
    if (!m)
        return ag_err_set(AG_ERR_CORRUPT, "block store: meta of %" PRId64 " does not decode", h);
    ag_err e = cons_pb_block_id_to(&meta->block_id, m->block_id, "block_id");
    if (e == AG_OK)
        e = cons_header_decode(&meta->header, m->header.data, m->header.len);
    meta->block_size = m->block_size;
    meta->num_txs = m->num_txs;
    agora__consensus__block_meta__free_unpacked(m, NULL);
    if (e == AG_OK && meta->header.height != h)
        e = AG_ERR_DECODE;
    if (e != AG_OK) {
        memset(meta, 0, sizeof *meta);
        return ag_err_set(AG_ERR_CORRUPT, "block store: meta of %" PRId64 " is invalid", h);
    }
    return AG_OK;
}

ag_err cons_block_store_load_meta(cons_block_store *bs, int64_t height, cons_block_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    ag_err e = in_range(bs, height);
    if (e != AG_OK)
        return e;
    uint8_t k[KEY_MAX];
    size_t kl = make_key(k, "bs/H/", height, true, -1);
    ag_buf v;
    ag_buf_init(&v, META_ENCODED_MAX + 1);
    e = kv_get(bs, k, kl, &v);
    if (e == AG_ERR_NOT_FOUND)
        e = ag_err_set(AG_ERR_CORRUPT, "block store: meta of %" PRId64 " missing", height);
    else if (e == AG_ERR_TOO_LARGE)
        e = ag_err_set(AG_ERR_CORRUPT, "block store: meta of %" PRId64 " too large", height);
    if (e == AG_OK)
        e = decode_meta(meta, &v, height);
    ag_buf_free(&v);
    return e;
}

ag_err cons_block_store_load_meta_by_hash(cons_block_store *bs, const crypto_hash *hash,
                                          cons_block_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    uint8_t k[KEY_MAX];
    memcpy(k, "bs/BH/", 6);
    memcpy(k + 6, hash->b, 32);
    ag_buf v;
    ag_buf_init(&v, 64);
    ag_err e = kv_get(bs, k, 38, &v);
    if (e == AG_OK && v.len != 8)
        e = ag_err_set(AG_ERR_CORRUPT, "block store: bad hash index entry");
    int64_t h = e == AG_OK ? (int64_t)get_be64(v.data) : 0;
    ag_buf_free(&v);
    if (e == AG_ERR_NOT_FOUND)
        return ag_err_set(AG_ERR_NOT_FOUND, "block store: no block with that hash");
    if (e != AG_OK)
        return e;
    if ((e = cons_block_store_load_meta(bs, h, meta)) != AG_OK)
        return e;
    if (memcmp(meta->block_id.hash.b, hash->b, 32) != 0) {
        memset(meta, 0, sizeof *meta);
        return ag_err_set(AG_ERR_CORRUPT, "block store: hash index points at another block");
    }
    return AG_OK;
}

ag_err cons_block_store_load_part(cons_block_store *bs, int64_t height, uint32_t index, ag_buf *out)
{
    ag_err e = in_range(bs, height);
    if (e != AG_OK)
        return e;
    uint8_t k[KEY_MAX];
    size_t kl = make_key(k, "bs/P/", height, true, index);
    e = kv_get(bs, k, kl, out);
    if (e == AG_ERR_NOT_FOUND)
        return ag_err_set(AG_ERR_NOT_FOUND, "block store: no part %u of block %" PRId64, index,
                          height);
    return e;
}

ag_err cons_block_store_load_block(cons_block_store *bs, int64_t height, ag_buf *out)
{
    cons_block_meta meta;
    ag_err e = cons_block_store_load_meta(bs, height, &meta);
    if (e != AG_OK)
        return e;
    cons_part_set ps;
    if ((e = cons_part_set_init(&ps, &meta.block_id.parts)) != AG_OK)
        return ag_err_set(AG_ERR_CORRUPT, "block store: part set header of %" PRId64, height);
    ag_buf enc;
    ag_buf_init(&enc, CONS_PART_ENCODED_MAX);
    for (uint32_t i = 0; e == AG_OK && i < meta.block_id.parts.total; i++) {
        ag_buf_reset(&enc);
        cons_part part = {0};
        bool added;
        e = cons_block_store_load_part(bs, height, i, &enc);
        if (e == AG_ERR_NOT_FOUND || e == AG_ERR_TOO_LARGE)
            e = ag_err_set(AG_ERR_CORRUPT, "block store: part %u of %" PRId64 " missing", i,
                           height);
        if (e == AG_OK && (cons_part_decode(&part, enc.data, enc.len) != AG_OK ||
                           cons_part_set_add(&ps, &part, &added) != AG_OK || !added))
            e = ag_err_set(AG_ERR_CORRUPT, "block store: part %u of %" PRId64 " is invalid", i,
                           height);
        cons_part_clear(&part);
    }
    if (e == AG_OK)
        e = cons_part_set_assemble(&ps, out);
    ag_buf_free(&enc);
    cons_part_set_free(&ps);
    return e;
}

static ag_err load_commit(cons_block_store *bs, const char *prefix, int64_t height,
                          cons_commit *out)
{
    uint8_t k[KEY_MAX];
    size_t kl = make_key(k, prefix, height, true, -1);
    ag_buf v;
    ag_buf_init(&v, CONS_COMMIT_ENCODED_MAX);
    ag_err e = kv_get(bs, k, kl, &v);
    if (e == AG_ERR_NOT_FOUND)
        e = ag_err_set(AG_ERR_NOT_FOUND, "block store: no %s for height %" PRId64,
                       prefix[3] == 'S' ? "seen commit" : "commit", height);
    if (e == AG_OK && (cons_commit_decode(out, v.data, v.len) != AG_OK || out->height != height))
        e = ag_err_set(AG_ERR_CORRUPT, "block store: commit for %" PRId64 " is invalid", height);
    ag_buf_free(&v);
    if (e != AG_OK)
        cons_commit_clear(out);
    return e;
}

ag_err cons_block_store_load_commit(cons_block_store *bs, int64_t height, cons_commit *out)
{
    ag_err e = in_range(bs, height);
    if (e != AG_OK)
        return e;
    return load_commit(bs, "bs/C/", height, out);
}

ag_err cons_block_store_load_seen_commit(cons_block_store *bs, int64_t height, cons_commit *out)
{
    return load_commit(bs, "bs/SC/", height, out);
}

/* Delete every key of height h (meta, parts, commits, hash index). */
static ag_err delete_height(cons_block_store *bs, state_kv_batch *b, int64_t h)
{
    cons_block_meta meta;
    ag_err e = cons_block_store_load_meta(bs, h, &meta);
    if (e != AG_OK)
        return e;
    uint8_t k[KEY_MAX];
    size_t kl = make_key(k, "bs/H/", h, true, -1);
    const state_kv_ops *ops = bs->kv->ops;
    if ((e = ops->del(b, STATE_CF_META, k, kl)) != AG_OK)
        return e;
    for (uint32_t i = 0; i < meta.block_id.parts.total; i++) {
        kl = make_key(k, "bs/P/", h, true, i);
        if ((e = ops->del(b, STATE_CF_META, k, kl)) != AG_OK)
            return e;
    }
    kl = make_key(k, "bs/C/", h, true, -1);
    if ((e = ops->del(b, STATE_CF_META, k, kl)) != AG_OK)
        return e;
    memcpy(k, "bs/BH/", 6);
    memcpy(k + 6, meta.block_id.hash.b, 32);
    return ops->del(b, STATE_CF_META, k, 38);
}

ag_err cons_block_store_prune(cons_block_store *bs, int64_t retain_height, uint64_t *pruned)
{
    if (pruned)
        *pruned = 0;
    if (retain_height > bs->height)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "block store: retain height %" PRId64 " above the height %" PRId64,
                          retain_height, bs->height);
    while (bs->base < retain_height) {
        int64_t stop = retain_height;
        if (stop - bs->base > CONS_BLOCK_STORE_PRUNE_BATCH)
            stop = bs->base + CONS_BLOCK_STORE_PRUNE_BATCH;
        state_kv_batch *b;
        ag_err e = bs->kv->ops->batch_new(bs->kv, &b);
        if (e != AG_OK)
            return e;
        for (int64_t h = bs->base; e == AG_OK && h < stop; h++)
            e = delete_height(bs, b, h);
        if (e == AG_OK)
            e = put_state(b, bs->kv, stop, bs->height);
        if (e == AG_OK)
            e = bs->kv->ops->write(bs->kv, b, bs->sync);
        bs->kv->ops->batch_free(b);
        if (e != AG_OK)
            return e;
        if (pruned)
            *pruned += (uint64_t)(stop - bs->base);
        bs->base = stop;
    }
    return AG_OK;
}
