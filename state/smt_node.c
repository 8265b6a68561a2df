/* smt_node.c — node hashing, record encoding and record keys. */
#include <string.h>

#include "lib/varint.h"
#include "state/smt.h"

void state_smt_leaf_hash(crypto_hash *out, const crypto_hash *key_hash,
                         const crypto_hash *value_hash)
{
    uint8_t buf[65];
    buf[0] = 0x00;
    memcpy(buf + 1, key_hash->b, 32);
    memcpy(buf + 33, value_hash->b, 32);
    crypto_sha256(out->b, buf, sizeof buf);
}

void state_smt_inner_hash(crypto_hash *out, const crypto_hash *left, const crypto_hash *right)
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, left->b, 32);
    memcpy(buf + 33, right->b, 32);
    crypto_sha256(out->b, buf, sizeof buf);
}

static state_smt_entry combine(const state_smt_entry *a, const state_smt_entry *b)
{
    state_smt_entry e;
    if (a->kind == SMT_EMPTY && b->kind != SMT_CHILD)
        return *b; /* empty+empty = empty; empty+leaf lifts the leaf */
    if (b->kind == SMT_EMPTY && a->kind == SMT_LEAF)
        return *a;
    e.kind = SMT_CHILD;
    state_smt_inner_hash(&e.hash, &a->hash, &b->hash);
    return e;
}

void state_smt_node_hash(const state_smt_node *n, state_smt_entry *out, state_smt_levels *levels)
{
    state_smt_levels local;
    state_smt_levels *L = levels ? levels : &local;
    for (int i = 0; i < 16; i++) {
        const state_smt_slot *s = &n->slot[i];
        L->e[4][i].kind = s->kind;
        if (s->kind == SMT_EMPTY)
            memset(L->e[4][i].hash.b, 0, 32);
        else
            L->e[4][i].hash = s->hash;
    }
    for (int k = 3; k >= 0; k--)
        for (int i = 0; i < (1 << k); i++)
            L->e[k][i] = combine(&L->e[k + 1][2 * i], &L->e[k + 1][2 * i + 1]);
    *out = L->e[0][0];
}

ag_err state_smt_node_encode(const state_smt_node *n, ag_buf *out)
{
    uint8_t buf[STATE_SMT_NODE_MAX];
    uint16_t present = 0, leaves = 0;
    size_t p = 4;
    for (int i = 0; i < 16; i++) {
        const state_smt_slot *s = &n->slot[i];
        if (s->kind == SMT_EMPTY)
            continue;
        present |= (uint16_t)(1u << i);
        if (s->kind == SMT_LEAF) {
            leaves |= (uint16_t)(1u << i);
            memcpy(buf + p, s->key_hash.b, 32);
            p += 32;
        }
        memcpy(buf + p, s->hash.b, 32);
        p += 32;
        p += ag_uvarint_encode(buf + p, s->version);
    }
    buf[0] = (uint8_t)present;
    buf[1] = (uint8_t)(present >> 8);
    buf[2] = (uint8_t)leaves;
    buf[3] = (uint8_t)(leaves >> 8);
    return ag_buf_append(out, buf, p);
}

ag_err state_smt_node_decode(state_smt_node *n, const uint8_t *in, size_t len)
{
    memset(n, 0, sizeof *n);
    if (len < 4 || len > STATE_SMT_NODE_MAX)
        return ag_err_set(AG_ERR_CORRUPT, "tree node: record of %zu bytes", len);
    uint16_t present = (uint16_t)(in[0] | in[1] << 8), leaves = (uint16_t)(in[2] | in[3] << 8);
    if (leaves & ~present)
        return ag_err_set(AG_ERR_CORRUPT, "tree node: leaf flags outside present slots");
    size_t p = 4;
    for (int i = 0; i < 16; i++) {
        if (!(present >> i & 1))
            continue;
        state_smt_slot *s = &n->slot[i];
        bool leaf = leaves >> i & 1;
        size_t need = leaf ? 64 : 32;
        if (len - p < need)
            return ag_err_set(AG_ERR_CORRUPT, "tree node: truncated slot %d", i);
        if (leaf) {
            memcpy(s->key_hash.b, in + p, 32);
            p += 32;
        }
        memcpy(s->hash.b, in + p, 32);
        p += 32;
        size_t used;
        if (ag_uvarint_decode(in + p, len - p, &s->version, &used) != AG_OK || s->version == 0)
            return ag_err_set(AG_ERR_CORRUPT, "tree node: bad version in slot %d", i);
        p += used;
        s->kind = leaf ? SMT_LEAF : SMT_CHILD;
    }
    if (p != len)
        return ag_err_set(AG_ERR_CORRUPT, "tree node: %zu trailing bytes", len - p);
    return AG_OK;
}

void state_smt_be64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t state_smt_get_be64(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

size_t state_smt_node_key(uint8_t out[STATE_SMT_NODE_KEY_MAX], uint64_t version,
                          const crypto_hash *h, unsigned depth)
{
    state_smt_be64(out, version);
    out[8] = (uint8_t)depth;
    size_t nbytes = (depth + 1) / 2;
    memcpy(out + 9, h->b, nbytes);
    if (depth % 2)
        out[9 + nbytes - 1] &= 0xf0;
    return 9 + nbytes;
}

void state_smt_leaf_key(uint8_t out[40], uint64_t version, const crypto_hash *key_hash)
{
    state_smt_be64(out, version);
    memcpy(out + 8, key_hash->b, 32);
}
