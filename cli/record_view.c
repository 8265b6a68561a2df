/* record_view.c — proven store bytes into the queries' JSON. */
#include "cli/record_view.h"

#include <inttypes.h>
#include <stdio.h>

#include "agora/market/v1/state.pb-c.h"
#include "cli/pb_json.h"
#include "lib/base64.h"
#include "market/keys.h"
#include "state/coin.h"

ag_err cli_view_account_decode(const uint8_t *v, size_t len, cli_account *out)
{
    *out = (cli_account){0};
    if (len < 17 || (v[16] == 1 && len != 17 + 33) || (v[16] != 1 && len != 17))
        return ag_err_set(AG_ERR_DECODE, "proven account record of %zu bytes", len);
    out->exists = true;
    out->account_number = market_get_u64(v);
    out->sequence = market_get_u64(v + 8);
    out->has_pubkey = v[16] == 1;
    if (out->has_pubkey && crypto_pubkey_parse(&out->pubkey, v + 17, 33) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "proven account record: bad public key");
    return AG_OK;
}

json_t *cli_view_account_json(const char *bech, const cli_account *acc)
{
    char num[24], seq[24], pk[64] = "";
    snprintf(num, sizeof num, "%" PRIu64, acc->account_number);
    snprintf(seq, sizeof seq, "%" PRIu64, acc->sequence);
    if (acc->has_pubkey)
        ag_base64_encode(pk, acc->pubkey.b, sizeof acc->pubkey.b);
    return json_pack("{s:s, s:s, s:s, s:s}", "address", bech, "account_number", num, "sequence",
                     seq, "pub_key", pk);
}

ag_err cli_view_balance_json(const char *bech, const char *denom, const uint8_t *v, size_t len,
                             json_t **out)
{
    *out = NULL;
    if (len != 0 && len != 16)
        return ag_err_set(AG_ERR_DECODE, "proven balance of %zu bytes (16 expected)", len);
    market_u128 amt = 0;
    for (size_t i = 0; i < len; i++)
        amt = amt << 8 | v[i];
    char s[MARKET_AMOUNT_STR_MAX];
    market_amount_format(s, amt);
    *out =
        json_pack("{s:s, s:{s:s, s:s}}", "address", bech, "balance", "denom", denom, "amount", s);
    return *out ? AG_OK : ag_err_set(AG_ERR_NOMEM, "balance");
}

static const ProtobufCMessageDescriptor *const record_desc[] = {
    &agora__market__v1__offer__descriptor,
    &agora__market__v1__order__descriptor,
    &agora__market__v1__bid__descriptor,
    &agora__market__v1__lease__descriptor,
};

const char *cli_view_record_name(cli_record_kind kind)
{
    static const char *const names[] = {"offer", "order", "bid", "lease"};
    return names[kind];
}

ag_err cli_view_record_json(cli_record_kind kind, const uint8_t *v, size_t len, json_t **out)
{
    *out = NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(record_desc[kind], NULL, len, v);
    if (!m)
        return ag_err_set(AG_ERR_DECODE, "proven record is not a %s", record_desc[kind]->name);
    *out = cli_pb_to_json(m);
    protobuf_c_message_free_unpacked(m, NULL);
    return *out ? AG_OK : ag_err_set(AG_ERR_NOMEM, "record");
}
