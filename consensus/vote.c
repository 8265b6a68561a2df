/* vote.c — Vote codec, canonical sign bytes, signing and verification. */
#include "consensus/vote.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/pb.h"
#include "tendermint/types/canonical.pb-c.h"

void cons_vote_clear(cons_vote *v)
{
    free(v->extension);
    memset(v, 0, sizeof *v);
}

ag_err cons_vote_set_extension(cons_vote *v, const uint8_t *ext, size_t len)
{
    if (len > CONS_VOTE_EXTENSION_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "vote extension: %zu bytes (max %u)", len,
                          CONS_VOTE_EXTENSION_MAX);
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return ag_err_set(AG_ERR_NOMEM, "vote extension: %zu bytes", len);
        memcpy(copy, ext, len);
    }
    free(v->extension);
    v->extension = copy;
    v->extension_len = len;
    return AG_OK;
}

ag_err cons_vote_copy(cons_vote *dst, const cons_vote *src)
{
    *dst = *src;
    dst->extension = NULL;
    dst->extension_len = 0;
    ag_err err = cons_vote_set_extension(dst, src->extension, src->extension_len);
    if (err)
        memset(dst, 0, sizeof *dst);
    return err;
}

static ag_err check_chain_id(const char *chain_id)
{
    if (strnlen(chain_id, CONS_CHAIN_ID_MAX + 1) > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "chain id over %d bytes", CONS_CHAIN_ID_MAX);
    return AG_OK;
}

ag_err cons_vote_sign_bytes(ag_buf *out, const char *chain_id, const cons_vote *v)
{
    ag_err err = check_chain_id(chain_id);
    if (err)
        return err;
    Tendermint__Types__CanonicalVote cv = TENDERMINT__TYPES__CANONICAL_VOTE__INIT;
    cv.type = (Tendermint__Types__SignedMsgType)v->type;
    cv.height = v->height;
    cv.round = v->round;
    Tendermint__Types__CanonicalBlockID bid = TENDERMINT__TYPES__CANONICAL_BLOCK_ID__INIT;
    Tendermint__Types__CanonicalPartSetHeader psh =
        TENDERMINT__TYPES__CANONICAL_PART_SET_HEADER__INIT;
    if (!cons_block_id_is_zero(&v->block_id)) {
        bid.hash = cons_pb_bytes(v->block_id.hash.b, v->block_id.hash.len);
        psh.total = v->block_id.parts.total;
        psh.hash = cons_pb_bytes(v->block_id.parts.hash.b, v->block_id.parts.hash.len);
        bid.part_set_header = &psh;
        cv.block_id = &bid;
    }
    Google__Protobuf__Timestamp ts;
    cons_pb_timestamp_from(&ts, &v->timestamp);
    cv.timestamp = &ts;
    cv.chain_id = (char *)(uintptr_t)chain_id; /* packing only reads it */
    return ag_pb_append_delimited(out, &cv.base);
}

ag_err cons_vote_extension_sign_bytes(ag_buf *out, const char *chain_id, const cons_vote *v)
{
    ag_err err = check_chain_id(chain_id);
    if (err)
        return err;
    Tendermint__Types__CanonicalVoteExtension ce =
        TENDERMINT__TYPES__CANONICAL_VOTE_EXTENSION__INIT;
    ce.extension = cons_pb_bytes(v->extension, v->extension_len);
    ce.height = v->height;
    ce.round = v->round;
    ce.chain_id = (char *)(uintptr_t)chain_id;
    return ag_pb_append_delimited(out, &ce.base);
}

ag_err cons_vote_validate_basic(const cons_vote *v)
{
    if (!cons_msg_type_is_vote(v->type))
        return ag_err_set(AG_ERR_DECODE, "vote: type %d is not a vote", (int)v->type);
    if (v->height <= 0)
        return ag_err_set(AG_ERR_DECODE, "vote: height %lld", (long long)v->height);
    if (v->round < 0)
        return ag_err_set(AG_ERR_DECODE, "vote: round %d", (int)v->round);
    if (cons_block_id_validate(&v->block_id) != AG_OK)
        return cons_pb_err_prefix(AG_ERR_DECODE, "vote");
    if (!cons_block_id_is_zero(&v->block_id) && !cons_block_id_is_complete(&v->block_id))
        return ag_err_set(AG_ERR_DECODE, "vote: block id neither zero nor complete");
    if (v->validator_index < 0)
        return ag_err_set(AG_ERR_DECODE, "vote: validator index %d", (int)v->validator_index);
    if (v->signature.len == 0)
        return ag_err_set(AG_ERR_DECODE, "vote: signature is missing");
    if (v->type == CONS_MSG_PRECOMMIT && !cons_block_id_is_zero(&v->block_id)) {
        if (v->extension_len && !v->extension_signature.len)
            return ag_err_set(AG_ERR_DECODE, "vote: extension without its signature");
    } else if (v->extension_len || v->extension_signature.len) {
        return ag_err_set(AG_ERR_DECODE,
                          "vote: extension on a vote that is not a precommit for a block");
    }
    return AG_OK;
}

static ag_err sign_over(cons_sig *out, const crypto_privkey *key, const ag_buf *msg)
{
    crypto_sig sig;
    ag_err err = crypto_sign(&sig, key, msg->data, msg->len);
    if (err)
        return err;
    out->len = CRYPTO_SIG_LEN;
    memcpy(out->b, sig.b, CRYPTO_SIG_LEN);
    return AG_OK;
}

ag_err cons_vote_sign(cons_vote *v, const char *chain_id, const crypto_privkey *key, bool extension)
{
    crypto_pubkey pub;
    ag_err err = crypto_pubkey_from_privkey(&pub, key);
    if (err)
        return err;
    crypto_address_from_pubkey(&v->validator_address, &pub);
    ag_buf msg;
    ag_buf_init(&msg, 0);
    err = cons_vote_sign_bytes(&msg, chain_id, v);
    if (!err)
        err = sign_over(&v->signature, key, &msg);
    if (!err && extension && v->type == CONS_MSG_PRECOMMIT &&
        !cons_block_id_is_zero(&v->block_id)) {
        ag_buf_reset(&msg);
        err = cons_vote_extension_sign_bytes(&msg, chain_id, v);
        if (!err)
            err = sign_over(&v->extension_signature, key, &msg);
    }
    ag_buf_free(&msg);
    return err;
}

static ag_err verify_over(const crypto_pubkey *pub, const ag_buf *msg, const cons_sig *sig,
                          const char *what)
{
    if (sig->len != CRYPTO_SIG_LEN)
        return ag_err_set(AG_ERR_VERIFY, "%s: no signature", what);
    return crypto_verify(pub, msg->data, msg->len, sig->b, sig->len);
}

ag_err cons_vote_verify(const cons_vote *v, const char *chain_id, const crypto_pubkey *pub)
{
    crypto_address addr;
    crypto_address_from_pubkey(&addr, pub);
    if (!crypto_address_equal(&addr, &v->validator_address))
        return ag_err_set(AG_ERR_VERIFY, "vote: validator address is not the key's address");
    ag_buf msg;
    ag_buf_init(&msg, 0);
    ag_err err = cons_vote_sign_bytes(&msg, chain_id, v);
    if (!err)
        err = verify_over(pub, &msg, &v->signature, "vote");
    ag_buf_free(&msg);
    return err;
}

ag_err cons_vote_verify_extension(const cons_vote *v, const char *chain_id,
                                  const crypto_pubkey *pub)
{
    ag_buf msg;
    ag_buf_init(&msg, 0);
    ag_err err = cons_vote_extension_sign_bytes(&msg, chain_id, v);
    if (!err)
        err = verify_over(pub, &msg, &v->extension_signature, "vote extension");
    ag_buf_free(&msg);
    return err;
}

ag_err cons_vote_encode(ag_buf *out, const cons_vote *v)
{
    Tendermint__Types__Vote pb = TENDERMINT__TYPES__VOTE__INIT;
    pb.type = (Tendermint__Types__SignedMsgType)v->type;
    pb.height = v->height;
    pb.round = v->round;
    Tendermint__Types__BlockID bid;
    Tendermint__Types__PartSetHeader psh;
    cons_pb_block_id_from(&bid, &psh, &v->block_id);
    pb.block_id = &bid;
    Google__Protobuf__Timestamp ts;
    cons_pb_timestamp_from(&ts, &v->timestamp);
    pb.timestamp = &ts;
    pb.validator_address = cons_pb_bytes(v->validator_address.b, CRYPTO_ADDRESS_LEN);
    pb.validator_index = v->validator_index;
    pb.signature = cons_pb_bytes(v->signature.b, v->signature.len);
    pb.extension = cons_pb_bytes(v->extension, v->extension_len);
    pb.extension_signature = cons_pb_bytes(v->extension_signature.b, v->extension_signature.len);
    return ag_pb_append(out, &pb.base);
}

/* SignedMsgType is an open enum on the wire; only the four named values are
 * accepted (a value outside int32 or the enum is refused). */
static ag_err msg_type_to(cons_msg_type *out, int value, const char *field)
{
    switch (value) {
    case CONS_MSG_UNKNOWN:
    case CONS_MSG_PREVOTE:
    case CONS_MSG_PRECOMMIT:
    case CONS_MSG_PROPOSAL:
        *out = (cons_msg_type)value;
        return AG_OK;
    default:
        return ag_err_set(AG_ERR_DECODE, "%s: unknown message type %d", field, value);
    }
}

static ag_err vote_from_pb(cons_vote *v, const Tendermint__Types__Vote *pb)
{
    ag_err err = msg_type_to(&v->type, (int)pb->type, "Vote.type");
    if (err)
        return err;
    v->height = pb->height;
    v->round = pb->round;
    err = cons_pb_block_id_to(&v->block_id, pb->block_id, "Vote.block_id");
    if (!err)
        err = cons_pb_timestamp_to(&v->timestamp, pb->timestamp, "Vote.timestamp");
    if (!err)
        err = cons_pb_sig_to(&v->signature, &pb->signature, "Vote.signature");
    if (!err)
        err = cons_pb_sig_to(&v->extension_signature, &pb->extension_signature,
                             "Vote.extension_signature");
    if (err)
        return err;
    if (pb->validator_address.len != CRYPTO_ADDRESS_LEN)
        return ag_err_set(AG_ERR_LENGTH, "Vote.validator_address: %zu bytes (want 20)",
                          pb->validator_address.len);
    memcpy(v->validator_address.b, pb->validator_address.data, CRYPTO_ADDRESS_LEN);
    v->validator_index = pb->validator_index;
    return cons_vote_set_extension(v, pb->extension.data, pb->extension.len);
}

ag_err cons_vote_decode(cons_vote *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONS_VOTE_ENCODED_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "Vote: %zu bytes (max %u)", len, CONS_VOTE_ENCODED_MAX);
    Tendermint__Types__Vote *pb = tendermint__types__vote__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.types.Vote");
    ag_err err = vote_from_pb(out, pb);
    tendermint__types__vote__free_unpacked(pb, NULL);
    if (err)
        cons_vote_clear(out);
    return err;
}
