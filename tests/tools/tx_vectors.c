/*
 * tx_vectors — Agora's transaction decoder and signer, driven by tools we did
 * not write (tests/integration/test_tx_compat.sh with CosmJS) and by the fuzz
 * seed generator.
 *
 *   tx_vectors verify     reads JSON lines {tx (hex), chain_id, account_numbers[],
 *                         sequences[]}; decodes and verifies each tx and writes one JSON
 *                         line per input: {ok, hash, signers[], msgs[], memo, timeout_height,
 *                         gas_limit, fee[]} or {ok:false, error, detail}
 *   tx_vectors sign       writes JSON lines of txs signed here: {tx, chain_id,
 *                         account_numbers[], sequences[], privkeys[], signers[], from, to,
 *                         amount[], memo, hash}
 *   tx_vectors corpus DIR writes signed txs as fuzz seeds for fuzz_tx_decode
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "state/tx.h"
#include "state/tx_encode.h"

#define LINE_MAX_BYTES (2 * MARKET_TX_MAX_BYTES + 4096)

static void die(const char *what)
{
    fprintf(stderr, "tx_vectors: %s: %s\n", what, ag_err_detail());
    exit(1);
}

static json_t *coins_json(const market_coin *coins, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char amount[MARKET_AMOUNT_STR_MAX];
        market_amount_format(amount, coins[i].amount);
        json_array_append_new(arr,
                              json_pack("{s:s,s:s}", "denom", coins[i].denom, "amount", amount));
    }
    return arr;
}

static json_t *address_json(const crypto_address *a)
{
    char s[CRYPTO_ADDRESS_STR_MAX];
    if (crypto_address_to_bech32(s, sizeof s, AGORA_BECH32_PREFIX, a))
        die("bech32");
    return json_string(s);
}

static json_t *verify_one(const json_t *in)
{
    const char *hex = json_string_value(json_object_get(in, "tx"));
    const char *chain_id = json_string_value(json_object_get(in, "chain_id"));
    const json_t *accs = json_object_get(in, "account_numbers");
    const json_t *seqs = json_object_get(in, "sequences");
    if (!hex || !chain_id || !json_is_array(accs) || !json_is_array(seqs))
        return json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "usage", "detail", "bad input line");
    size_t hex_len = strlen(hex);
    uint8_t *bytes = malloc(hex_len / 2 + 1);
    size_t len;
    market_tx *tx = NULL;
    ag_err err = ag_hex_decode(bytes, hex_len / 2 + 1, &len, hex, hex_len);
    if (!err)
        err = market_tx_decode(&tx, bytes, len);
    free(bytes);
    if (!err) {
        uint64_t an[MARKET_TX_MAX_SIGNERS], sn[MARKET_TX_MAX_SIGNERS];
        size_t n = json_array_size(accs);
        if (n > MARKET_TX_MAX_SIGNERS || json_array_size(seqs) != n) {
            err = ag_err_set(AG_ERR_INVALID_ARG, "account_numbers/sequences lengths");
        } else {
            for (size_t i = 0; i < n; i++) {
                an[i] = (uint64_t)json_integer_value(json_array_get(accs, i));
                sn[i] = (uint64_t)json_integer_value(json_array_get(seqs, i));
            }
            err = market_tx_verify(tx, chain_id, an, sn, n);
        }
    }
    if (err) {
        market_tx_free(tx);
        return json_pack("{s:b,s:s,s:s}", "ok", 0, "error", ag_err_name(err), "detail",
                         ag_err_detail());
    }
    char hash[2 * MARKET_TX_HASH_LEN + 1];
    market_tx_hash_hex(tx, hash);
    json_t *signers = json_array();
    for (size_t i = 0; i < market_tx_signer_count(tx); i++)
        json_array_append_new(signers, address_json(&market_tx_signer(tx, i)->address));
    json_t *msgs = json_array();
    for (size_t i = 0; i < market_tx_msg_count(tx); i++) {
        const market_msg *m = market_tx_msg(tx, i);
        const market_msg_send *s = market_msg_as_send(m);
        if (s)
            json_array_append_new(msgs,
                                  json_pack("{s:s,s:o,s:o,s:o}", "type", m->type->type_url, "from",
                                            address_json(&s->from), "to", address_json(&s->to),
                                            "amount", coins_json(s->amount, s->n_amount)));
        else
            json_array_append_new(msgs, json_pack("{s:s}", "type", m->type->type_url));
    }
    const market_fee *fee = market_tx_fee(tx);
    char gas[24], timeout[24];
    snprintf(gas, sizeof gas, "%llu", (unsigned long long)fee->gas_limit);
    snprintf(timeout, sizeof timeout, "%llu", (unsigned long long)market_tx_timeout_height(tx));
    json_t *out =
        json_pack("{s:b,s:s,s:o,s:o,s:s,s:s,s:s,s:o}", "ok", 1, "hash", hash, "signers", signers,
                  "msgs", msgs, "memo", market_tx_memo(tx, NULL), "timeout_height", timeout,
                  "gas_limit", gas, "fee", coins_json(fee->amount, fee->n_amount));
    market_tx_free(tx);
    return out;
}

static int verify_lines(void)
{
    char *line = malloc(LINE_MAX_BYTES);
    int n = 0;
    while (fgets(line, LINE_MAX_BYTES, stdin)) {
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        json_error_t jerr;
        json_t *in = json_loads(line, 0, &jerr);
        if (!in) {
            fprintf(stderr, "tx_vectors: line %d: %s\n", n + 1, jerr.text);
            return 1;
        }
        json_t *out = verify_one(in);
        char *s = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
        puts(s);
        free(s);
        json_decref(out);
        json_decref(in);
        n++;
    }
    free(line);
    return 0;
}

/* ---- signing ------------------------------------------------------------ */

typedef struct vector {
    const char *chain_id;
    const char *memo;
    uint64_t timeout_height;
    uint8_t key_seeds[2]; /* private key = 32 copies of the byte */
    size_t n_signers;
    uint64_t account_numbers[2];
    uint64_t sequences[2];
    const char *amount; /* decimal, up to 2^128 - 1 */
    const char *fee;    /* NULL: empty fee */
} vector;

static const vector vectors[] = {
    {"agora-devnet-1", "from Agora's C signer", 0, {0x11}, 1, {7}, {3}, "1000000", "2500"},
    {"agora-devnet-1",
     "",
     777,
     {0x22},
     1,
     {0},
     {0},
     "340282366920938463463374607431768211455",
     NULL},
    {"agora-1", "two signers \xe2\x9c\x93", 0, {0x33, 0x44}, 2, {12, 99}, {1, 2}, "42", "1"},
};

static void build(ag_buf *out, const vector *v, json_t *line)
{
    crypto_privkey keys[2];
    crypto_pubkey pubs[2];
    crypto_address addrs[2];
    json_t *privs = json_array(), *signers = json_array();
    for (size_t i = 0; i < v->n_signers; i++) {
        uint8_t b[32];
        memset(b, v->key_seeds[i], sizeof b);
        char hex[65];
        if (crypto_privkey_from_bytes(&keys[i], b, 32) ||
            crypto_pubkey_from_privkey(&pubs[i], &keys[i]))
            die("key");
        crypto_address_from_pubkey(&addrs[i], &pubs[i]);
        ag_hex_encode(hex, b, 32, false);
        json_array_append_new(privs, json_string(hex));
        json_array_append_new(signers, address_json(&addrs[i]));
    }
    /* one MsgSend per signer: signer i pays signer (i+1) mod n, or a fixed
     * recipient when alone */
    market_msg_send sends[2];
    ag_buf values[2] = {{0}, {0}};
    market_any msgs[2];
    crypto_address fixed_to = {{0}};
    memset(fixed_to.b, 0x5a, sizeof fixed_to.b);
    for (size_t i = 0; i < v->n_signers; i++) {
        memset(&sends[i], 0, sizeof sends[i]);
        sends[i].from = addrs[i];
        sends[i].to = v->n_signers == 1 ? fixed_to : addrs[(i + 1) % v->n_signers];
        sends[i].n_amount = 1;
        strcpy(sends[i].amount[0].denom, "uagora");
        if (market_amount_parse(&sends[i].amount[0].amount, v->amount, strlen(v->amount)) ||
            market_msg_send_encode(&values[i], &sends[i]))
            die("MsgSend");
        msgs[i] = (market_any){MARKET_MSG_SEND_TYPE_URL, ag_buf_slice(&values[i])};
    }
    market_fee fee = {.gas_limit = 200000};
    if (v->fee) {
        fee.n_amount = 1;
        strcpy(fee.amount[0].denom, "uagora");
        if (market_amount_parse(&fee.amount[0].amount, v->fee, strlen(v->fee)))
            die("fee");
    }
    market_tx_draft d = {.msgs = msgs,
                         .n_msgs = v->n_signers,
                         .memo = v->memo,
                         .timeout_height = v->timeout_height,
                         .fee = &fee,
                         .pubkeys = pubs,
                         .sequences = v->sequences,
                         .n_signers = v->n_signers};
    if (market_tx_sign(out, &d, keys, v->account_numbers, v->chain_id))
        die("sign");
    if (line) {
        char *hex = malloc(2 * out->len + 1);
        ag_hex_encode(hex, out->data, out->len, false);
        json_t *accs = json_array(), *seqs = json_array();
        for (size_t i = 0; i < v->n_signers; i++) {
            json_array_append_new(accs, json_integer((json_int_t)v->account_numbers[i]));
            json_array_append_new(seqs, json_integer((json_int_t)v->sequences[i]));
        }
        json_object_set_new(line, "tx", json_string(hex));
        json_object_set_new(line, "chain_id", json_string(v->chain_id));
        json_object_set_new(line, "account_numbers", accs);
        json_object_set_new(line, "sequences", seqs);
        json_object_set_new(line, "privkeys", privs);
        json_object_set_new(line, "signers", signers);
        json_object_set_new(line, "amount", json_string(v->amount));
        json_object_set_new(line, "memo", json_string(v->memo));
        free(hex);
    } else {
        json_decref(privs);
        json_decref(signers);
    }
    for (size_t i = 0; i < v->n_signers; i++)
        ag_buf_free(&values[i]);
}

static int sign_lines(void)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        ag_buf out = {0};
        json_t *line = json_object();
        build(&out, &vectors[i], line);
        char *s = json_dumps(line, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(line);
        ag_buf_free(&out);
    }
    return 0;
}

static int corpus(const char *dir)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        ag_buf out = {0};
        build(&out, &vectors[i], NULL);
        char path[4096];
        snprintf(path, sizeof path, "%s/agora_signed_%zu", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f)) {
            fprintf(stderr, "tx_vectors: cannot write %s\n", path);
            return 1;
        }
        ag_buf_free(&out);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "verify"))
        return verify_lines();
    if (argc == 2 && !strcmp(argv[1], "sign"))
        return sign_lines();
    if (argc == 3 && !strcmp(argv[1], "corpus"))
        return corpus(argv[2]);
    fprintf(stderr, "usage: tx_vectors verify | sign | corpus DIR\n");
    return 2;
}
