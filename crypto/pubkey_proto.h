/*
 * pubkey_proto.h — public keys in their protobuf envelopes:
 *   tendermint.crypto.PublicKey { secp256k1 = 2 }   (validator sets, CometBFT)
 *   cosmos.crypto.secp256k1.PubKey { key = 1 }      (transaction signer infos)
 *
 * Encoders append to a buffer; decoders take bytes from the network and
 * return the validated key (a point on the curve) or an error:
 * AG_ERR_DECODE (malformed protobuf), AG_ERR_UNSUPPORTED (an ed25519 key),
 * and the crypto_pubkey_parse errors.
 */
#ifndef AGORA_CRYPTO_PUBKEY_PROTO_H
#define AGORA_CRYPTO_PUBKEY_PROTO_H

#include "crypto/keys.h"
#include "lib/buf.h"

#define CRYPTO_COSMOS_PUBKEY_TYPE_URL "/cosmos.crypto.secp256k1.PubKey"

ag_err crypto_pubkey_encode_tendermint(ag_buf *out, const crypto_pubkey *pub);
ag_err crypto_pubkey_decode_tendermint(crypto_pubkey *out, const uint8_t *in, size_t len);

ag_err crypto_pubkey_encode_cosmos(ag_buf *out, const crypto_pubkey *pub);
ag_err crypto_pubkey_decode_cosmos(crypto_pubkey *out, const uint8_t *in, size_t len);

#endif
