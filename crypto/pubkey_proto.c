/* pubkey_proto.c — pack/unpack through the protobuf-c code generated from proto/. */
#include "crypto/pubkey_proto.h"

#include "lib/pb.h"

#include <string.h>

#include "cosmos/crypto/secp256k1/keys.pb-c.h"
#include "tendermint/crypto/keys.pb-c.h"

/* Both envelopes are a few bytes around 33: anything larger is hostile. */
#define PUBKEY_PROTO_MAX 64

ag_err crypto_pubkey_encode_tendermint(ag_buf *out, const crypto_pubkey *pub)
{
    crypto_pubkey key = *pub; /* protobuf-c wants a mutable pointer */
    Tendermint__Crypto__PublicKey msg = TENDERMINT__CRYPTO__PUBLIC_KEY__INIT;
    msg.sum_case = TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1;
    msg.secp256k1.data = key.b;
    msg.secp256k1.len = sizeof key.b;
    return ag_pb_append(out, &msg.base);
}

ag_err crypto_pubkey_decode_tendermint(crypto_pubkey *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > PUBKEY_PROTO_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "PublicKey: %zu bytes", len);
    Tendermint__Crypto__PublicKey *msg = tendermint__crypto__public_key__unpack(NULL, len, in);
    if (!msg)
        return ag_err_from_protobuf_c("tendermint.crypto.PublicKey");
    ag_err err;
    if (msg->sum_case == TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1)
        err = crypto_pubkey_parse(out, msg->secp256k1.data, msg->secp256k1.len);
    else if (msg->sum_case == TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_ED25519)
        err = ag_err_set(AG_ERR_UNSUPPORTED, "PublicKey: ed25519 keys are not supported");
    else
        err = ag_err_set(AG_ERR_DECODE, "PublicKey: no key set");
    tendermint__crypto__public_key__free_unpacked(msg, NULL);
    return err;
}

ag_err crypto_pubkey_encode_cosmos(ag_buf *out, const crypto_pubkey *pub)
{
    crypto_pubkey key = *pub; /* protobuf-c wants a mutable pointer */
    Cosmos__Crypto__Secp256k1__PubKey msg = COSMOS__CRYPTO__SECP256K1__PUB_KEY__INIT;
    msg.key.data = key.b;
    msg.key.len = sizeof key.b;
    return ag_pb_append(out, &msg.base);
}

ag_err crypto_pubkey_decode_cosmos(crypto_pubkey *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > PUBKEY_PROTO_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "PubKey: %zu bytes", len);
    Cosmos__Crypto__Secp256k1__PubKey *msg =
        cosmos__crypto__secp256k1__pub_key__unpack(NULL, len, in);
    if (!msg)
        return ag_err_from_protobuf_c("cosmos.crypto.secp256k1.PubKey");
    ag_err err = crypto_pubkey_parse(out, msg->key.data, msg->key.len);
    cosmos__crypto__secp256k1__pub_key__free_unpacked(msg, NULL);
    return err;
}
