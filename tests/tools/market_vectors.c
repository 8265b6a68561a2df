/*
 * market_vectors — Agora's market message decoders driven by a client we did
 * not write (tests/integration/test_market_msg_compat.sh: protobufjs encodes
 * messages from proto/agora/market/v1/ with text fields declared `string`).
 *
 *   market_vectors decode   reads lines "TYPE_URL HEX"; writes one JSON line
 *                           per input: {ok:true, signer, ...fields} or
 *                           {ok:false, error, detail}
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "market/msg.h"

static json_t *coin_json(const market_coin *c)
{
    char amount[MARKET_AMOUNT_STR_MAX];
    market_amount_format(amount, c->amount);
    return json_pack("{s:s,s:s}", "denom", c->denom, "amount", amount);
}

static json_t *attrs_json(const market_attributes *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->n; i++)
        json_array_append_new(arr,
                              json_pack("{s:s,s:s}", "key", a->a[i].key, "value", a->a[i].value));
    return arr;
}

static json_t *resources_json(const market_resources *r)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I}", "cpu_millis", (json_int_t)r->cpu_millis,
                     "memory_bytes", (json_int_t)r->memory_bytes, "storage_bytes",
                     (json_int_t)r->storage_bytes, "gpus", (json_int_t)r->gpus, "endpoints",
                     (json_int_t)r->endpoints);
}

static json_t *decoded_json(const market_msg *m)
{
    crypto_address signer;
    char addr[CRYPTO_ADDRESS_STR_MAX];
    m->type->signer(m->value, &signer);
    if (crypto_address_to_bech32(addr, sizeof addr, AGORA_BECH32_PREFIX, &signer))
        return NULL;
    json_t *o = json_pack("{s:b,s:s}", "ok", 1, "signer", addr);
    const market_msg_create_order *ord = market_msg_as_create_order(m);
    const market_msg_offer *off = market_msg_as_offer(m);
    const market_msg_ref *ref = market_msg_as_ref(m);
    const market_msg_deposit *dep = market_msg_as_deposit(m);
    const market_msg_create_bid *bid = market_msg_as_create_bid(m);
    const market_msg_close_lease *cl = market_msg_as_close_lease(m);
    if (ord) {
        json_object_set_new(o, "services", json_integer((json_int_t)ord->summary.n_services));
        json_object_set_new(o, "total", resources_json(&ord->summary.total));
        json_object_set_new(o, "gpu_attributes", attrs_json(&ord->summary.gpu_attributes));
        json_object_set_new(o, "placement", attrs_json(&ord->placement));
        json_object_set_new(o, "max_price", coin_json(&ord->max_price));
        json_object_set_new(o, "deposit", coin_json(&ord->deposit));
        json_object_set_new(o, "auction_blocks", json_integer((json_int_t)ord->auction_blocks));
        json_object_set_new(o, "auto_award", json_boolean(ord->auto_award));
        char *hex = malloc(2 * ord->workload_len + 1);
        ag_hex_encode(hex, ord->workload, ord->workload_len, false);
        json_object_set_new(o, "workload", json_string(hex));
        free(hex);
    } else if (off) {
        json_object_set_new(o, "offer_id", json_integer((json_int_t)off->offer_id));
        json_object_set_new(o, "host_uri", json_string(off->spec.host_uri));
        json_object_set_new(o, "attributes", attrs_json(&off->spec.attributes));
        json_object_set_new(o, "capacity", resources_json(&off->spec.capacity));
        json_object_set_new(o, "gpu_attributes", attrs_json(&off->spec.gpu_attributes));
        char s[5][MARKET_AMOUNT_STR_MAX];
        market_amount_format(s[0], off->spec.floor.cpu);
        market_amount_format(s[1], off->spec.floor.memory);
        market_amount_format(s[2], off->spec.floor.storage);
        market_amount_format(s[3], off->spec.floor.gpu);
        market_amount_format(s[4], off->spec.floor.endpoint);
        json_object_set_new(o, "floor_prices",
                            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "denom", off->spec.floor.denom,
                                      "cpu", s[0], "memory", s[1], "storage", s[2], "gpu", s[3],
                                      "endpoint", s[4]));
    } else if (ref) {
        json_object_set_new(o, "id", json_integer((json_int_t)ref->id));
    } else if (dep) {
        json_object_set_new(o, "id", json_integer((json_int_t)dep->id));
        json_object_set_new(o, "amount", coin_json(&dep->amount));
    } else if (bid) {
        json_object_set_new(o, "order_id", json_integer((json_int_t)bid->order_id));
        json_object_set_new(o, "offer_id", json_integer((json_int_t)bid->offer_id));
        json_object_set_new(o, "price", coin_json(&bid->price));
        json_object_set_new(o, "deposit", coin_json(&bid->deposit));
    } else if (cl) {
        json_object_set_new(o, "id", json_integer((json_int_t)cl->lease_id));
        json_object_set_new(o, "reason", json_string(cl->reason));
    }
    return o;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "decode") != 0) {
        fprintf(stderr, "usage: market_vectors decode < lines\n");
        return 2;
    }
    static char line[2 * MARKET_MSG_MAX_BYTES + 1024];
    static uint8_t bytes[MARKET_MSG_MAX_BYTES + 1];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *sp = strchr(line, ' ');
        if (!sp) {
            fprintf(stderr, "market_vectors: bad line\n");
            return 1;
        }
        *sp = '\0';
        const char *hex = sp + 1;
        size_t len = 0;
        json_t *out;
        const market_msg_type *t = market_msg_type_find((const uint8_t *)line, strlen(line));
        ag_err err =
            t ? ag_hex_decode(bytes, sizeof bytes, &len, hex, strlen(hex)) : AG_ERR_UNSUPPORTED;
        market_msg m = {t, NULL};
        if (!err)
            err = t->decode(&m.value, bytes, len);
        if (err) {
            out = json_pack("{s:b,s:s,s:s}", "ok", 0, "error", ag_err_name(err), "detail",
                            t ? ag_err_detail() : "unknown type URL");
        } else {
            out = decoded_json(&m);
            t->free_msg(m.value);
            if (!out)
                return 1;
        }
        char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
        puts(s);
        free(s);
        json_decref(out);
    }
    return 0;
}
