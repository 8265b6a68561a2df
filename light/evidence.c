/* LightClientAttackEvidence encoding (evidence.h), composed from the
 * consensus types' own encoders. */
#include "light/evidence.h"

#include "crypto/pubkey_proto.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static ag_err put_varint(ag_buf *b, uint32_t field, uint64_t v)
{
    if (v == 0)
        return AG_OK; /* proto3 omits zero */
    ag_err e = ag_buf_append_uvarint(b, (uint64_t)field << 3 | WIRE_VARINT);
    return e ? e : ag_buf_append_uvarint(b, v);
}

static ag_err put_bytes(ag_buf *b, uint32_t field, const uint8_t *p, size_t n)
{
    ag_err e = ag_buf_append_uvarint(b, (uint64_t)field << 3 | WIRE_LEN);
    if (!e)
        e = ag_buf_append_uvarint(b, n);
    return e ? e : ag_buf_append(b, p, n);
}

/* field = the message `inner` (moved out: inner is reset). */
static ag_err put_msg(ag_buf *b, uint32_t field, ag_buf *inner)
{
    ag_err e = put_bytes(b, field, inner->data, inner->len);
    ag_buf_reset(inner);
    return e;
}

static ag_err validator(ag_buf *out, const cons_validator *v)
{
    ag_buf pk;
    ag_buf_init(&pk, 0);
    ag_err e = put_bytes(out, 1, v->address.b, CRYPTO_ADDRESS_LEN);
    if (!e)
        e = crypto_pubkey_encode_tendermint(&pk, &v->pub_key);
    if (!e)
        e = put_msg(out, 2, &pk);
    if (!e)
        e = put_varint(out, 3, (uint64_t)v->voting_power);
    if (!e)
        e = put_varint(out, 4, (uint64_t)v->proposer_priority);
    ag_buf_free(&pk);
    return e;
}

ag_err light_attack_encode(ag_buf *out, const light_attack *a)
{
    ag_buf part, sh, lb, ev, ts;
    ag_buf_init(&part, 0);
    ag_buf_init(&sh, 0);
    ag_buf_init(&lb, 0);
    ag_buf_init(&ev, 0);
    ag_buf_init(&ts, 0);
    /* SignedHeader {header = 1, commit = 2} */
    ag_err e = cons_header_encode(&part, &a->conflicting.header);
    if (!e)
        e = put_msg(&sh, 1, &part);
    if (!e)
        e = cons_commit_encode(&part, &a->conflicting.commit);
    if (!e)
        e = put_msg(&sh, 2, &part);
    /* LightBlock {signed_header = 1, validator_set = 2} */
    if (!e)
        e = put_msg(&lb, 1, &sh);
    if (!e)
        e = cons_valset_encode(&part, &a->conflicting.vals);
    if (!e)
        e = put_msg(&lb, 2, &part);
    /* LightClientAttackEvidence */
    if (!e)
        e = put_msg(&ev, 1, &lb);
    if (!e)
        e = put_varint(&ev, 2, (uint64_t)a->common_height);
    for (size_t i = 0; !e && i < a->n_byzantine; i++) {
        e = validator(&part, &a->byzantine[i]);
        if (!e)
            e = put_msg(&ev, 3, &part);
    }
    if (!e)
        e = put_varint(&ev, 4, (uint64_t)a->total_voting_power);
    if (!e)
        e = put_varint(&ts, 1, (uint64_t)a->timestamp.seconds);
    if (!e)
        e = put_varint(&ts, 2, (uint64_t)a->timestamp.nanos);
    if (!e)
        e = put_msg(&ev, 5, &ts);
    /* Evidence {light_client_attack_evidence = 2} */
    if (!e)
        e = put_msg(out, 2, &ev);
    ag_buf_free(&part);
    ag_buf_free(&sh);
    ag_buf_free(&lb);
    ag_buf_free(&ev);
    ag_buf_free(&ts);
    return e;
}
