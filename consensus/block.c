/* block.c — Block codec, validation, hash, parts and construction. */
#include "consensus/block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/pb.h"
#include "consensus/wire.h"

void cons_block_clear(cons_block *b)
{
    free(b->txs);
    free(b->tx_data);
    cons_evidence_list_free(b->evidence, b->n_evidence);
    cons_commit_clear(&b->last_commit);
    memset(b, 0, sizeof *b);
}

/* Copy txs into one buffer owned by b. */
static ag_err set_txs(cons_block *b, const ag_slice *txs, size_t n)
{
    if (n > CONS_BLOCK_TXS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "block: %zu txs (max %u)", n, CONS_BLOCK_TXS_MAX);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (txs[i].len > CONS_BLOCK_SIZE_MAX - total)
            return ag_err_set(AG_ERR_TOO_LARGE, "block: txs over %u bytes", CONS_BLOCK_SIZE_MAX);
        total += txs[i].len;
    }
    b->txs = calloc(n ? n : 1, sizeof *b->txs);
    b->tx_data = malloc(total ? total : 1);
    if (!b->txs || !b->tx_data)
        return ag_err_set(AG_ERR_NOMEM, "block: %zu txs of %zu bytes", n, total);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (txs[i].len)
            memcpy(b->tx_data + off, txs[i].ptr, txs[i].len);
        b->txs[i] = (ag_slice){b->tx_data + off, txs[i].len};
        off += txs[i].len;
    }
    b->n_txs = n;
    return AG_OK;
}

static ag_err copy_commit(cons_commit *dst, const cons_commit *src)
{
    ag_err err = cons_commit_alloc(dst, src->n_sigs);
    if (err)
        return err;
    dst->height = src->height;
    dst->round = src->round;
    dst->block_id = src->block_id;
    if (src->n_sigs)
        memcpy(dst->sigs, src->sigs, src->n_sigs * sizeof *src->sigs);
    return AG_OK;
}

ag_err cons_block_make(cons_block *out, const cons_header *header, const ag_slice *txs,
                       size_t n_txs, const cons_evidence *ev, size_t n_ev,
                       const cons_commit *last_commit)
{
    memset(out, 0, sizeof *out);
    if (n_ev > CONS_BLOCK_EVIDENCE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "block: %zu evidence (max %u)", n_ev,
                          CONS_BLOCK_EVIDENCE_MAX);
    cons_block b = {0};
    b.header = *header;
    ag_err err = set_txs(&b, txs, n_txs);
    if (!err && n_ev) {
        b.evidence = calloc(n_ev, sizeof *b.evidence);
        if (!b.evidence)
            err = ag_err_set(AG_ERR_NOMEM, "block: %zu evidence", n_ev);
        for (size_t i = 0; !err && i < n_ev; i++) {
            err = cons_evidence_copy(&b.evidence[i], &ev[i]);
            if (!err)
                b.n_evidence = i + 1;
        }
    }
    if (!err) {
        err = copy_commit(&b.last_commit, last_commit);
        b.has_last_commit = !err;
    }
    crypto_hash h;
    if (!err)
        err = cons_data_hash(&h, b.txs, b.n_txs);
    if (!err) {
        cons_hash_set(&b.header.data_hash, h.b);
        err = cons_evidence_list_hash(&h, b.evidence, b.n_evidence);
    }
    if (!err) {
        cons_hash_set(&b.header.evidence_hash, h.b);
        err = cons_commit_hash(&h, &b.last_commit);
    }
    if (err) {
        cons_block_clear(&b);
        return err;
    }
    cons_hash_set(&b.header.last_commit_hash, h.b);
    *out = b;
    return AG_OK;
}

/* ---- validation ---- */

static ag_err header_validate_basic(const cons_header *h)
{
    if (h->version.block != CONS_BLOCK_PROTOCOL)
        return ag_err_set(AG_ERR_DECODE, "header: block protocol %llu (want %d)",
                          (unsigned long long)h->version.block, CONS_BLOCK_PROTOCOL);
    if (strnlen(h->chain_id, sizeof h->chain_id) > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_DECODE, "header: chain id too long");
    if (h->height <= 0)
        return ag_err_set(AG_ERR_DECODE, "header: %s height", h->height < 0 ? "negative" : "zero");
    ag_err err = cons_block_id_validate(&h->last_block_id);
    if (err)
        return cons_pb_err_prefix(err, "header: last block id");
    /* hashes are 0 or 32 bytes and the proposer address 20 by construction */
    return AG_OK;
}

static ag_err commit_validate_basic(const cons_commit *c)
{
    if (c->height < 0)
        return ag_err_set(AG_ERR_DECODE, "last commit: negative height");
    if (c->round < 0)
        return ag_err_set(AG_ERR_DECODE, "last commit: negative round");
    if (c->height >= 1) {
        if (cons_block_id_is_zero(&c->block_id))
            return ag_err_set(AG_ERR_DECODE, "last commit: commit for a nil block");
        if (!c->n_sigs)
            return ag_err_set(AG_ERR_DECODE, "last commit: no signatures");
        for (size_t i = 0; i < c->n_sigs; i++) {
            ag_err err = cons_commit_sig_validate_basic(&c->sigs[i]);
            if (err) {
                char prefix[48];
                snprintf(prefix, sizeof prefix, "last commit: signature %zu", i);
                return cons_pb_err_prefix(err, prefix);
            }
        }
    }
    return AG_OK;
}

static bool hash_is(const cons_hash *h, const crypto_hash *want)
{
    return h->len == CONS_HASH_LEN && memcmp(h->b, want->b, CONS_HASH_LEN) == 0;
}

ag_err cons_block_validate_basic(const cons_block *b)
{
    ag_err err = header_validate_basic(&b->header);
    if (err)
        return err;
    if (!b->has_last_commit)
        return ag_err_set(AG_ERR_DECODE, "block: no last commit");
    err = commit_validate_basic(&b->last_commit);
    if (err)
        return err;
    crypto_hash h;
    err = cons_commit_hash(&h, &b->last_commit);
    if (err)
        return err;
    if (!hash_is(&b->header.last_commit_hash, &h))
        return ag_err_set(AG_ERR_DECODE, "block: wrong header last_commit_hash");
    err = cons_data_hash(&h, b->txs, b->n_txs);
    if (err)
        return err;
    if (!hash_is(&b->header.data_hash, &h))
        return ag_err_set(AG_ERR_DECODE, "block: wrong header data_hash");
    for (size_t i = 0; i < b->n_evidence; i++) {
        err = cons_evidence_validate_basic(&b->evidence[i]);
        if (err) {
            char prefix[48];
            snprintf(prefix, sizeof prefix, "block: evidence #%zu", i);
            return cons_pb_err_prefix(err, prefix);
        }
    }
    err = cons_evidence_list_hash(&h, b->evidence, b->n_evidence);
    if (err)
        return err;
    if (!hash_is(&b->header.evidence_hash, &h))
        return ag_err_set(AG_ERR_DECODE, "block: wrong header evidence_hash");
    return AG_OK;
}

ag_err cons_block_hash(crypto_hash *out, const cons_block *b)
{
    return cons_header_hash(out, &b->header);
}

/* ---- encoding ---- */

ag_err cons_block_encode(ag_buf *out, const cons_block *b)
{
    size_t mark = out->len;
    ag_buf tmp, item;
    ag_buf_init(&tmp, CONS_BLOCK_SIZE_MAX);
    ag_buf_init(&item, CONS_EVIDENCE_WRAPPED_MAX);
    ag_err err = cons_header_encode(&tmp, &b->header);
    if (!err)
        err = cons_wire_put_bytes(out, 1, tmp.data, tmp.len);
    ag_buf_reset(&tmp);
    for (size_t i = 0; !err && i < b->n_txs; i++)
        err = cons_wire_put_bytes(&tmp, 1, b->txs[i].ptr, b->txs[i].len);
    if (!err)
        err = cons_wire_put_bytes(out, 2, tmp.data, tmp.len);
    ag_buf_reset(&tmp);
    for (size_t i = 0; !err && i < b->n_evidence; i++) {
        ag_buf_reset(&item);
        err = cons_evidence_encode_wrapped(&item, &b->evidence[i]);
        if (!err)
            err = cons_wire_put_bytes(&tmp, 1, item.data, item.len);
    }
    if (!err)
        err = cons_wire_put_bytes(out, 3, tmp.data, tmp.len);
    ag_buf_reset(&tmp);
    if (!err && b->has_last_commit) {
        err = cons_commit_encode(&tmp, &b->last_commit);
        if (!err)
            err = cons_wire_put_bytes(out, 4, tmp.data, tmp.len);
    }
    ag_buf_free(&tmp);
    ag_buf_free(&item);
    if (err)
        out->len = mark;
    return err;
}

/* Data: count the txs first, then copy them. */
static ag_err decode_data(cons_block *b, const uint8_t *in, size_t len)
{
    size_t n = 0, off = 0;
    for (;;) {
        cons_wire_field f;
        bool end;
        ag_err err = cons_wire_next(in, len, &off, &f, &end);
        if (err)
            return cons_pb_err_prefix(err, "Block.data");
        if (end)
            break;
        if (f.no == 1) {
            if (f.type != CONS_WIRE_LEN)
                return ag_err_set(AG_ERR_DECODE, "Block.data.txs: wire type %u", f.type);
            if (++n > CONS_BLOCK_TXS_MAX)
                return ag_err_set(AG_ERR_TOO_LARGE, "Block.data: over %u txs", CONS_BLOCK_TXS_MAX);
        }
    }
    ag_slice *txs = calloc(n ? n : 1, sizeof *txs);
    if (!txs)
        return ag_err_set(AG_ERR_NOMEM, "Block.data: %zu txs", n);
    size_t k = 0;
    off = 0;
    for (;;) {
        cons_wire_field f;
        bool end;
        (void)cons_wire_next(in, len, &off, &f, &end); /* checked above */
        if (end)
            break;
        if (f.no == 1)
            txs[k++] = f.bytes;
    }
    ag_err err = set_txs(b, txs, n);
    free(txs);
    return err;
}

static ag_err decode_evidence_list(cons_block *b, const uint8_t *in, size_t len)
{
    size_t n = 0, off = 0;
    for (;;) {
        cons_wire_field f;
        bool end;
        ag_err err = cons_wire_next(in, len, &off, &f, &end);
        if (err)
            return cons_pb_err_prefix(err, "Block.evidence");
        if (end)
            break;
        if (f.no == 1) {
            if (f.type != CONS_WIRE_LEN)
                return ag_err_set(AG_ERR_DECODE, "Block.evidence: wire type %u", f.type);
            if (++n > CONS_BLOCK_EVIDENCE_MAX)
                return ag_err_set(AG_ERR_TOO_LARGE, "Block.evidence: over %u evidence",
                                  CONS_BLOCK_EVIDENCE_MAX);
        }
    }
    if (!n)
        return AG_OK;
    b->evidence = calloc(n, sizeof *b->evidence);
    if (!b->evidence)
        return ag_err_set(AG_ERR_NOMEM, "Block.evidence: %zu evidence", n);
    off = 0;
    for (;;) {
        cons_wire_field f;
        bool end;
        (void)cons_wire_next(in, len, &off, &f, &end);
        if (end)
            break;
        if (f.no != 1)
            continue;
        ag_err err =
            cons_evidence_decode_wrapped(&b->evidence[b->n_evidence], f.bytes.ptr, f.bytes.len);
        if (err) {
            char prefix[48];
            snprintf(prefix, sizeof prefix, "Block.evidence[%zu]", b->n_evidence);
            return cons_pb_err_prefix(err, prefix);
        }
        b->n_evidence++;
    }
    return AG_OK;
}

ag_err cons_block_decode(cons_block *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_BLOCK_SIZE_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Block: %zu bytes (max %u)", len, CONS_BLOCK_SIZE_MAX);
    ag_slice part[5] = {{NULL, 0}};
    bool seen[5] = {false};
    size_t off = 0;
    for (;;) {
        cons_wire_field f;
        bool end;
        ag_err err = cons_wire_next(in, len, &off, &f, &end);
        if (err)
            return cons_pb_err_prefix(err, "Block");
        if (end)
            break;
        if (f.no < 1 || f.no > 4)
            continue; /* unknown field */
        if (f.type != CONS_WIRE_LEN)
            return ag_err_set(AG_ERR_DECODE, "Block: field %u has wire type %u", f.no, f.type);
        if (seen[f.no])
            return ag_err_set(AG_ERR_DECODE, "Block: field %u repeated", f.no);
        seen[f.no] = true;
        part[f.no] = f.bytes;
    }
    if (!seen[1])
        return ag_err_set(AG_ERR_DECODE, "Block: no header");
    cons_block b = {0};
    ag_err err = cons_header_decode(&b.header, part[1].ptr, part[1].len);
    if (err)
        err = cons_pb_err_prefix(err, "Block.header");
    if (!err)
        err = decode_data(&b, part[2].ptr, part[2].len);
    if (!err)
        err = decode_evidence_list(&b, part[3].ptr, part[3].len);
    if (!err && seen[4]) {
        err = cons_commit_decode(&b.last_commit, part[4].ptr, part[4].len);
        if (err)
            err = cons_pb_err_prefix(err, "Block.last_commit");
        b.has_last_commit = !err;
    }
    if (err) {
        cons_block_clear(&b);
        return err;
    }
    *out = b;
    return AG_OK;
}

/* ---- parts ---- */

ag_err cons_block_make_part_set(cons_part_set *ps, const cons_block *b)
{
    memset(ps, 0, sizeof *ps);
    ag_buf buf;
    ag_buf_init(&buf, CONS_BLOCK_SIZE_MAX);
    ag_err err = cons_block_encode(&buf, b);
    if (!err)
        err = cons_part_set_from_data(ps, buf.data, buf.len);
    ag_buf_free(&buf);
    return err;
}

ag_err cons_block_from_part_set(cons_block *out, const cons_part_set *ps)
{
    memset(out, 0, sizeof *out);
    ag_buf buf;
    ag_buf_init(&buf, CONS_BLOCK_SIZE_MAX);
    ag_err err = cons_part_set_assemble(ps, &buf);
    if (!err)
        err = cons_block_decode(out, buf.data, buf.len);
    ag_buf_free(&buf);
    return err;
}

ag_err cons_block_id_make(cons_block_id *out, const cons_block *b, const cons_part_set *ps)
{
    memset(out, 0, sizeof *out);
    crypto_hash h;
    ag_err err = cons_block_hash(&h, b);
    if (err)
        return err;
    cons_hash_set(&out->hash, h.b);
    out->parts = ps->header;
    return AG_OK;
}
