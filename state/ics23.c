/* ics23.c — CommitmentProof encoding (protobuf-c code generated from
 * proto/cosmos/ics23/v1/proofs.proto) and verification under the SMT spec. */
#include "state/ics23.h"

#include <stdlib.h>
#include <string.h>

#include "cosmos/ics23/v1/proofs.pb-c.h"
#include "lib/pb.h"
#include "state/store.h"

typedef Cosmos__Ics23__V1__CommitmentProof CommitmentProof;
typedef Cosmos__Ics23__V1__ExistenceProof ExistenceProof;
typedef Cosmos__Ics23__V1__NonExistenceProof NonExistenceProof;
typedef Cosmos__Ics23__V1__LeafOp LeafOp;
typedef Cosmos__Ics23__V1__InnerOp InnerOp;

#define HASH_SHA256   COSMOS__ICS23__V1__HASH_OP__SHA256
#define LENGTH_NONE   COSMOS__ICS23__V1__LENGTH_OP__NO_PREFIX
#define SMT_MAX_DEPTH 256

/* ---- encoding ---- */

typedef struct exist_storage {
    ExistenceProof proof;
    LeafOp leaf;
    uint8_t leaf_prefix;
    InnerOp *ops;
    InnerOp **path;
    uint8_t (*pre)[33];
} exist_storage;

static ag_err exist_build(exist_storage *st, const state_ics23_exist *e)
{
    memset(st, 0, sizeof *st);
    if (e->nsteps > SMT_MAX_DEPTH)
        return ag_err_set(AG_ERR_INTERNAL, "ics23: path of %u steps", e->nsteps);
    cosmos__ics23__v1__existence_proof__init(&st->proof);
    cosmos__ics23__v1__leaf_op__init(&st->leaf);
    st->leaf.hash = HASH_SHA256;
    st->leaf.prehash_key = HASH_SHA256;
    st->leaf.prehash_value = HASH_SHA256;
    st->leaf.length = LENGTH_NONE;
    st->leaf_prefix = 0x00;
    st->leaf.prefix = (ProtobufCBinaryData){1, &st->leaf_prefix};
    st->proof.key = (ProtobufCBinaryData){e->klen, (uint8_t *)(uintptr_t)e->key};
    st->proof.value = (ProtobufCBinaryData){e->vlen, (uint8_t *)(uintptr_t)e->value};
    st->proof.leaf = &st->leaf;
    size_t n = e->nsteps ? e->nsteps : 1;
    st->ops = calloc(n, sizeof *st->ops);
    st->path = calloc(n, sizeof *st->path);
    st->pre = calloc(n, sizeof *st->pre);
    if (!st->ops || !st->path || !st->pre)
        return ag_err_set(AG_ERR_NOMEM, "ics23: proof of %u steps", e->nsteps);
    /* ICS23 paths run from the leaf up; our steps run from the root down. */
    for (unsigned i = 0; i < e->nsteps; i++) {
        const state_smt_step *step = &e->steps[e->nsteps - 1 - i];
        InnerOp *op = &st->ops[i];
        cosmos__ics23__v1__inner_op__init(op);
        op->hash = HASH_SHA256;
        st->pre[i][0] = 0x01;
        if (step->right) { /* sibling on the left: prefix = 0x01 || sibling */
            memcpy(st->pre[i] + 1, step->sibling.b, 32);
            op->prefix = (ProtobufCBinaryData){33, st->pre[i]};
        } else { /* sibling on the right: prefix = 0x01, suffix = sibling */
            op->prefix = (ProtobufCBinaryData){1, st->pre[i]};
            op->suffix = (ProtobufCBinaryData){32, (uint8_t *)(uintptr_t)step->sibling.b};
        }
        st->path[i] = op;
    }
    st->proof.n_path = e->nsteps;
    st->proof.path = st->path;
    return AG_OK;
}

static void exist_free(exist_storage *st)
{
    free(st->ops);
    free(st->path);
    free(st->pre);
}

ag_err state_ics23_encode_existence(ag_buf *out, const state_ics23_exist *e)
{
    exist_storage st;
    ag_err err = exist_build(&st, e);
    if (!err) {
        CommitmentProof cp = COSMOS__ICS23__V1__COMMITMENT_PROOF__INIT;
        cp.proof_case = COSMOS__ICS23__V1__COMMITMENT_PROOF__PROOF_EXIST;
        cp.exist = &st.proof;
        err = ag_pb_append(out, &cp.base);
    }
    exist_free(&st);
    return err;
}

ag_err state_ics23_encode_nonexistence(ag_buf *out, const uint8_t *key, size_t klen,
                                       const state_ics23_exist *left,
                                       const state_ics23_exist *right)
{
    exist_storage l, r;
    memset(&l, 0, sizeof l);
    memset(&r, 0, sizeof r);
    ag_err err = AG_OK;
    if (!left && !right)
        return ag_err_set(AG_ERR_INVALID_ARG, "ics23: non-existence needs a neighbour");
    if (left)
        err = exist_build(&l, left);
    if (!err && right)
        err = exist_build(&r, right);
    if (!err) {
        NonExistenceProof ne = COSMOS__ICS23__V1__NON_EXISTENCE_PROOF__INIT;
        ne.key = (ProtobufCBinaryData){klen, (uint8_t *)(uintptr_t)key};
        ne.left = left ? &l.proof : NULL;
        ne.right = right ? &r.proof : NULL;
        CommitmentProof cp = COSMOS__ICS23__V1__COMMITMENT_PROOF__INIT;
        cp.proof_case = COSMOS__ICS23__V1__COMMITMENT_PROOF__PROOF_NONEXIST;
        cp.nonexist = &ne;
        err = ag_pb_append(out, &cp.base);
    }
    exist_free(&l);
    exist_free(&r);
    return err;
}

/* ---- verification ---- */

typedef enum { STEP_LEFT = 0, STEP_RIGHT = 1, STEP_BAD = -1 } step_order;

/* Which child an inner op puts its input in, by its padding (SMT spec:
 * left = prefix 0x01 and a 32-byte suffix; right = prefix 0x01||sibling). */
static step_order step_of(const InnerOp *op)
{
    if (op->prefix.len == 1 && op->suffix.len == 32 && op->prefix.data[0] == 0x01)
        return STEP_LEFT;
    if (op->prefix.len == 33 && op->suffix.len == 0 && op->prefix.data[0] == 0x01)
        return STEP_RIGHT;
    return STEP_BAD;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static ag_err verify_exist(const ExistenceProof *p, const crypto_hash *root, const char *which)
{
    const LeafOp *leaf = p->leaf;
    if (!leaf)
        return ag_err_set(AG_ERR_VERIFY, "ics23: %s proof has no leaf op", which);
    if (leaf->hash != HASH_SHA256 || leaf->prehash_key != HASH_SHA256 ||
        leaf->prehash_value != HASH_SHA256 || leaf->length != LENGTH_NONE)
        return ag_err_set(AG_ERR_VERIFY, "ics23: %s leaf op does not match the SMT spec", which);
    if (leaf->prefix.len != 1 || leaf->prefix.data[0] != 0x00)
        return ag_err_set(AG_ERR_VERIFY, "ics23: %s leaf prefix is not exactly 0x00", which);
    if (p->key.len == 0 || p->value.len == 0)
        return ag_err_set(AG_ERR_VERIFY, "ics23: %s proof has an empty key or value", which);
    if (p->n_path > SMT_MAX_DEPTH)
        return ag_err_set(AG_ERR_VERIFY, "ics23: %s path of %zu steps exceeds %d", which, p->n_path,
                          SMT_MAX_DEPTH);
    uint8_t buf[65];
    crypto_hash h;
    buf[0] = 0x00;
    crypto_sha256(buf + 1, p->key.data, p->key.len);
    crypto_sha256(buf + 33, p->value.data, p->value.len);
    crypto_sha256(h.b, buf, 65);
    for (size_t i = 0; i < p->n_path; i++) {
        const InnerOp *op = p->path[i];
        if (op->hash != HASH_SHA256)
            return ag_err_set(AG_ERR_VERIFY, "ics23: %s step %zu uses another hash", which, i);
        step_order o = step_of(op);
        if (o == STEP_BAD)
            return ag_err_set(AG_ERR_VERIFY, "ics23: %s step %zu is not a left or right step",
                              which, i);
        buf[0] = 0x01;
        if (o == STEP_LEFT) {
            memcpy(buf + 1, h.b, 32);
            memcpy(buf + 33, op->suffix.data, 32);
        } else {
            memcpy(buf + 1, op->prefix.data + 1, 32);
            memcpy(buf + 33, h.b, 32);
        }
        crypto_sha256(h.b, buf, 65);
    }
    if (memcmp(h.b, root->b, 32) != 0)
        return ag_err_set(AG_ERR_VERIFY, "ics23: %s proof computes another root", which);
    return AG_OK;
}

/* Every step keeps to the right, or its right sibling is empty (and vice versa). */
static bool is_rightmost(InnerOp *const *path, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        step_order o = step_of(path[i]);
        if (o == STEP_RIGHT)
            continue;
        if (o == STEP_LEFT && all_zero(path[i]->suffix.data, 32))
            continue;
        return false;
    }
    return true;
}

static bool is_leftmost(InnerOp *const *path, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        step_order o = step_of(path[i]);
        if (o == STEP_LEFT)
            continue;
        if (o == STEP_RIGHT && all_zero(path[i]->prefix.data + 1, 32))
            continue;
        return false;
    }
    return true;
}

static bool same_op(const InnerOp *a, const InnerOp *b)
{
    return a->prefix.len == b->prefix.len && a->suffix.len == b->suffix.len &&
           memcmp(a->prefix.data, b->prefix.data, a->prefix.len) == 0 &&
           (a->suffix.len == 0 || memcmp(a->suffix.data, b->suffix.data, a->suffix.len) == 0);
}

/* The paths meet at a node where left goes left and right goes right, and
 * below it left is the right-most leaf and right the left-most. */
static bool are_neighbors(const ExistenceProof *l, const ExistenceProof *r)
{
    size_t nl = l->n_path, nr = r->n_path;
    while (nl && nr && same_op(l->path[nl - 1], r->path[nr - 1])) {
        nl--;
        nr--;
    }
    if (!nl || !nr)
        return false;
    if (step_of(l->path[nl - 1]) != STEP_LEFT || step_of(r->path[nr - 1]) != STEP_RIGHT)
        return false;
    return is_rightmost(l->path, nl - 1) && is_leftmost(r->path, nr - 1);
}

static bool exist_has_unknown(const ExistenceProof *p)
{
    if (!p)
        return false;
    if (p->base.n_unknown_fields || (p->leaf && p->leaf->base.n_unknown_fields))
        return true;
    for (size_t i = 0; i < p->n_path; i++)
        if (p->path[i]->base.n_unknown_fields)
            return true;
    return false;
}

/* Proofs are decoded strictly: a field this spec does not define means the
 * bytes are not a proof we produced or any reference verifier would. */
static bool has_unknown(const CommitmentProof *cp)
{
    if (cp->base.n_unknown_fields)
        return true;
    if (cp->proof_case == COSMOS__ICS23__V1__COMMITMENT_PROOF__PROOF_EXIST)
        return exist_has_unknown(cp->exist);
    if (cp->proof_case == COSMOS__ICS23__V1__COMMITMENT_PROOF__PROOF_NONEXIST)
        return cp->nonexist->base.n_unknown_fields || exist_has_unknown(cp->nonexist->left) ||
               exist_has_unknown(cp->nonexist->right);
    return false;
}

static ag_err decode(const uint8_t *proof, size_t len, CommitmentProof **out)
{
    if (len > STATE_PROOF_MAX)
        return ag_err_set(AG_ERR_DECODE, "ics23: proof of %zu bytes exceeds %d", len,
                          STATE_PROOF_MAX);
    *out = cosmos__ics23__v1__commitment_proof__unpack(NULL, len, proof);
    if (!*out)
        return ag_err_from_protobuf_c("cosmos.ics23.v1.CommitmentProof");
    if (has_unknown(*out)) {
        cosmos__ics23__v1__commitment_proof__free_unpacked(*out, NULL);
        return ag_err_set(AG_ERR_DECODE, "ics23: proof holds fields the spec does not define "
                                         "(batch and compressed proofs are not accepted)");
    }
    return AG_OK;
}

ag_err state_ics23_verify_membership(const crypto_hash *root, const uint8_t *proof, size_t len,
                                     const uint8_t *key, size_t klen, const uint8_t *value,
                                     size_t vlen)
{
    CommitmentProof *cp;
    ag_err err = decode(proof, len, &cp);
    if (err)
        return err;
    const ExistenceProof *p =
        cp->proof_case == COSMOS__ICS23__V1__COMMITMENT_PROOF__PROOF_EXIST ? cp->exist : NULL;
    if (!p)
        err = ag_err_set(AG_ERR_VERIFY, "ics23: not an existence proof");
    else if (p->key.len != klen || (klen && memcmp(p->key.data, key, klen) != 0))
        err = ag_err_set(AG_ERR_VERIFY, "ics23: proof is for another key");
    else if (p->value.len != vlen || (vlen && memcmp(p->value.data, value, vlen) != 0))
        err = ag_err_set(AG_ERR_VERIFY, "ics23: proof is for another value");
    else
        err = verify_exist(p, root, "existence");
    cosmos__ics23__v1__commitment_proof__free_unpacked(cp, NULL);
    return err;
}

ag_err state_ics23_verify_nonmembership(const crypto_hash *root, const uint8_t *proof, size_t len,
                                        const uint8_t *key, size_t klen)
{
    CommitmentProof *cp;
    ag_err err = decode(proof, len, &cp);
    if (err)
        return err;
    const NonExistenceProof *p =
        cp->proof_case == COSMOS__ICS23__V1__COMMITMENT_PROOF__PROOF_NONEXIST ? cp->nonexist : NULL;
    crypto_hash kh, lh, rh;
    crypto_sha256(kh.b, key, klen);
    if (!p)
        err = ag_err_set(AG_ERR_VERIFY, "ics23: not a non-existence proof");
    else if (klen == 0)
        err = ag_err_set(AG_ERR_VERIFY, "ics23: empty key");
    else if (!p->left && !p->right)
        err = ag_err_set(AG_ERR_VERIFY, "ics23: non-existence proof has no neighbour");
    /* The reference verifier ignores this field; a proof naming another key is refused. */
    else if (p->key.len && (p->key.len != klen || memcmp(p->key.data, key, klen) != 0))
        err = ag_err_set(AG_ERR_VERIFY, "ics23: non-existence proof is for another key");
    if (!err && p->left)
        err = verify_exist(p->left, root, "left neighbour");
    if (!err && p->right)
        err = verify_exist(p->right, root, "right neighbour");
    if (!err && p->left) {
        crypto_sha256(lh.b, p->left->key.data, p->left->key.len);
        if (memcmp(kh.b, lh.b, 32) <= 0)
            err = ag_err_set(AG_ERR_VERIFY, "ics23: key is not right of the left neighbour");
    }
    if (!err && p->right) {
        crypto_sha256(rh.b, p->right->key.data, p->right->key.len);
        if (memcmp(kh.b, rh.b, 32) >= 0)
            err = ag_err_set(AG_ERR_VERIFY, "ics23: key is not left of the right neighbour");
    }
    if (!err) {
        bool ok = !p->left    ? is_leftmost(p->right->path, p->right->n_path)
                  : !p->right ? is_rightmost(p->left->path, p->left->n_path)
                              : are_neighbors(p->left, p->right);
        if (!ok)
            err = ag_err_set(AG_ERR_VERIFY, "ics23: the neighbours are not adjacent");
    }
    cosmos__ics23__v1__commitment_proof__free_unpacked(cp, NULL);
    return err;
}
