/* Market types: message decoders (every rejection), record encodings, store
 * keys, and the pure logic of resources, auctions and settlement.
 * All tests are self-consistency and rule tests of our own design (there is
 * no external reference for the agora.market.v1 protocol). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/state.pb-c.h"
#include "agora/market/v1/tx.pb-c.h"
#include "lib/pb.h"
#include "market/auction.h"
#include "market/event_names.h"
#include "market/market_keys.h"
#include "market/msg.h"
#include "market/records.h"
#include "market/resources.h"
#include "market/settle_math.h"
#include "tests/harness/ag_test.h"

/* ---- helpers ------------------------------------------------------------ */

static crypto_address addr_of(uint8_t seed)
{
    crypto_address a;
    for (int i = 0; i < CRYPTO_ADDRESS_LEN; i++)
        a.b[i] = (uint8_t)(seed * 31 + i);
    return a;
}

/* bech32 of addr_of(seed), in one of 4 rotating static buffers. */
static const char *bech(uint8_t seed)
{
    static char bufs[4][CRYPTO_ADDRESS_STR_MAX];
    static int next;
    char *s = bufs[next++ % 4];
    crypto_address a = addr_of(seed);
    ck_assert_int_eq(crypto_address_to_bech32(s, CRYPTO_ADDRESS_STR_MAX, AGORA_BECH32_PREFIX, &a),
                     AG_OK);
    return s;
}

/* A valid bech32 address with the wrong prefix. */
static const char *cosmos_addr(void)
{
    static char s[CRYPTO_ADDRESS_STR_MAX];
    crypto_address a = addr_of(1);
    ck_assert_int_eq(crypto_address_to_bech32(s, sizeof s, "cosmos", &a), AG_OK);
    return s;
}

static ProtobufCBinaryData txt(const char *s)
{
    return (ProtobufCBinaryData){strlen(s), (uint8_t *)(uintptr_t)s};
}

/* Pack a message into a fresh buffer (caller frees). */
static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(*len + 1);
    ck_assert_ptr_nonnull(b);
    protobuf_c_message_pack(m, b);
    return b;
}

static market_u128 u128(const char *s)
{
    market_u128 v;
    ck_assert_int_eq(market_amount_parse(&v, s, strlen(s)), AG_OK);
    return v;
}

/* ---- an order fixture: two services, one with a GPU -------------------- */

typedef struct order_fx {
    Agora__Market__V1__MsgCreateOrder m;
    Agora__Market__V1__Workload w;
    Agora__Market__V1__Service svc[2];
    Agora__Market__V1__Service *svc_p[2];
    Agora__Market__V1__Resources res[2];
    Agora__Market__V1__Port port[2];
    Agora__Market__V1__Port *port_p[2];
    Agora__Market__V1__EnvVar env[2];
    Agora__Market__V1__EnvVar *env_p[2];
    Agora__Market__V1__Attribute gpu[1];
    Agora__Market__V1__Attribute *gpu_p[1];
    Agora__Market__V1__Attribute place[2];
    Agora__Market__V1__Attribute *place_p[2];
    ProtobufCBinaryData args[2];
    Cosmos__Base__V1beta1__Coin max_price, deposit;
} order_fx;

static void order_fx_init(order_fx *f)
{
    memset(f, 0, sizeof *f);
    agora__market__v1__msg_create_order__init(&f->m);
    agora__market__v1__workload__init(&f->w);
    for (int i = 0; i < 2; i++) {
        agora__market__v1__service__init(&f->svc[i]);
        agora__market__v1__resources__init(&f->res[i]);
        agora__market__v1__port__init(&f->port[i]);
        agora__market__v1__env_var__init(&f->env[i]);
        agora__market__v1__attribute__init(&f->place[i]);
        f->svc_p[i] = &f->svc[i];
        f->port_p[i] = &f->port[i];
        f->env_p[i] = &f->env[i];
        f->place_p[i] = &f->place[i];
        f->svc[i].resources = &f->res[i];
    }
    f->svc[0].name = txt("web");
    f->svc[0].image = txt("nginx:1.27");
    f->svc[0].replicas = 3;
    f->res[0].cpu_millis = 500;
    f->res[0].memory_bytes = 1 << 28;
    f->res[0].storage_bytes = 1 << 30;
    f->res[0].endpoints = 1;
    f->port[0].port = 80;
    f->port[0].protocol = AGORA__MARKET__V1__PROTOCOL__PROTOCOL_TCP;
    f->port[0].expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER;
    f->port[1].port = 9090;
    f->port[1].protocol = AGORA__MARKET__V1__PROTOCOL__PROTOCOL_TCP;
    f->port[1].expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP;
    f->svc[0].n_ports = 2;
    f->svc[0].ports = f->port_p;
    f->env[0].name = txt("MODE");
    f->env[0].value = txt("production");
    f->env[1].name = txt("EMPTY");
    f->env[1].value = txt("");
    f->svc[0].n_env = 2;
    f->svc[0].env = f->env_p;
    f->args[0] = txt("--port");
    f->args[1] = txt("80");
    f->svc[0].n_args = 2;
    f->svc[0].args = f->args;

    f->svc[1].name = txt("trainer");
    f->svc[1].image = txt("ghcr.io/acme/train@sha256:abc");
    f->svc[1].replicas = 1;
    f->res[1].cpu_millis = 4000;
    f->res[1].memory_bytes = (uint64_t)16 << 30;
    f->res[1].gpus = 2;
    agora__market__v1__attribute__init(&f->gpu[0]);
    f->gpu[0].key = txt("model");
    f->gpu[0].value = txt("a100");
    f->gpu_p[0] = &f->gpu[0];
    f->res[1].n_gpu_attributes = 1;
    f->res[1].gpu_attributes = f->gpu_p;

    f->w.n_services = 2;
    f->w.services = f->svc_p;
    f->place[0].key = txt("region");
    f->place[0].value = txt("eu-west");
    f->place[1].key = txt("tier");
    f->place[1].value = txt("gold");

    cosmos__base__v1beta1__coin__init(&f->max_price);
    cosmos__base__v1beta1__coin__init(&f->deposit);
    f->max_price.denom = txt("uagora");
    f->max_price.amount = txt("1000");
    f->deposit.denom = txt("uagora");
    f->deposit.amount = txt("5000000");

    f->m.tenant = txt(bech(1));
    f->m.workload = &f->w;
    f->m.n_placement = 2;
    f->m.placement = f->place_p;
    f->m.max_price = &f->max_price;
    f->m.auction_blocks = 10;
    f->m.auto_award = 1;
    f->m.deposit = &f->deposit;
}

static ag_err order_try(order_fx *f, market_msg_create_order *out)
{
    size_t len;
    uint8_t *b = pack(&f->m.base, &len);
    ag_err err = market_msg_create_order_decode(out, b, len);
    free(b);
    return err;
}

START_TEST(order_decodes_and_summarises)
{
    order_fx f;
    order_fx_init(&f);
    market_msg_create_order o;
    ck_assert_int_eq(order_try(&f, &o), AG_OK);
    crypto_address tenant = addr_of(1);
    ck_assert_mem_eq(o.tenant.b, tenant.b, CRYPTO_ADDRESS_LEN);
    ck_assert_uint_eq(o.summary.n_services, 2);
    ck_assert_uint_eq(o.summary.total.cpu_millis, 3 * 500 + 4000);
    ck_assert_uint_eq(o.summary.total.memory_bytes, 3 * ((uint64_t)1 << 28) + ((uint64_t)16 << 30));
    ck_assert_uint_eq(o.summary.total.storage_bytes, 3 * ((uint64_t)1 << 30));
    ck_assert_uint_eq(o.summary.total.gpus, 2);
    ck_assert_uint_eq(o.summary.total.endpoints, 3);
    ck_assert_uint_eq(o.summary.gpu_attributes.n, 1);
    ck_assert_str_eq(o.summary.gpu_attributes.a[0].value, "a100");
    ck_assert_uint_eq(o.placement.n, 2);
    ck_assert_str_eq(o.placement.a[1].key, "tier");
    ck_assert(o.max_price.amount == 1000);
    ck_assert(o.deposit.amount == 5000000);
    ck_assert_uint_eq(o.auction_blocks, 10);
    ck_assert(o.auto_award);
    /* the kept workload is canonical and checks on its own */
    size_t wlen;
    uint8_t *wb = pack(&f.w.base, &wlen);
    ck_assert_uint_eq(o.workload_len, wlen);
    ck_assert_mem_eq(o.workload, wb, wlen);
    market_workload_summary s;
    ag_buf canon;
    ag_buf_init(&canon, 0);
    ck_assert_int_eq(market_workload_check(&s, &canon, o.workload, o.workload_len), AG_OK);
    ck_assert_mem_eq(&s, &o.summary, sizeof s);
    ck_assert_uint_eq(canon.len, wlen);
    ck_assert_mem_eq(canon.data, wb, wlen);
    ag_buf_free(&canon);
    free(wb);
    market_msg_create_order_clear(&o);
    ck_assert_ptr_null(o.workload);
    market_msg_create_order_clear(&o); /* idempotent */
}
END_TEST

/* Each rejection starts from the valid fixture and breaks one thing. */
#define ORDER_REJECT(code, ...)                                                                    \
    do {                                                                                           \
        order_fx f;                                                                                \
        order_fx_init(&f);                                                                         \
        __VA_ARGS__;                                                                               \
        market_msg_create_order o;                                                                 \
        ag_err e_ = order_try(&f, &o);                                                             \
        ck_assert_msg(e_ == (code), "line %d: got %s (%s)", __LINE__, ag_err_name(e_),             \
                      ag_err_detail());                                                            \
        ck_assert_ptr_null(o.workload);                                                            \
        ck_assert_uint_eq(o.summary.n_services, 0);                                                \
    } while (0)

START_TEST(order_rejections)
{
    static ProtobufCBinaryData many[MARKET_MAX_ARGS + 1];
    for (size_t i = 0; i < MARKET_MAX_ARGS + 1; i++)
        many[i] = txt("x");
    /* addresses */
    ORDER_REJECT(AG_ERR_DECODE, f.m.tenant = txt(""));
    ORDER_REJECT(AG_ERR_PREFIX, f.m.tenant = txt(cosmos_addr()));
    ORDER_REJECT(AG_ERR_CHECKSUM, {
        static char bad[CRYPTO_ADDRESS_STR_MAX];
        snprintf(bad, sizeof bad, "%s", bech(1));
        bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'q' ? 'p' : 'q';
        f.m.tenant = txt(bad);
    });
    static uint8_t nul[] = {'a', 0, 'b'};
    ORDER_REJECT(AG_ERR_DECODE, f.m.tenant = ((ProtobufCBinaryData){3, nul}));
    /* workload shape */
    ORDER_REJECT(AG_ERR_DECODE, f.m.workload = NULL);
    ORDER_REJECT(AG_ERR_DECODE, f.w.n_services = 0);
    ORDER_REJECT(AG_ERR_DECODE, f.svc[1].name = txt("web"));  /* duplicate service */
    ORDER_REJECT(AG_ERR_DECODE, f.svc[0].name = txt("Web"));  /* not a DNS label */
    ORDER_REJECT(AG_ERR_DECODE, f.svc[0].name = txt("web-")); /* ends with '-' */
    ORDER_REJECT(AG_ERR_DECODE, f.svc[0].name = txt(""));
    ORDER_REJECT(AG_ERR_TOO_LARGE, f.svc[0].name = txt("a234567890123456789012345678901234567890"
                                                       "123456789012345678901234"));
    ORDER_REJECT(AG_ERR_DECODE, f.svc[0].image = txt(""));
    ORDER_REJECT(AG_ERR_DECODE, f.svc[0].image = txt("nginx latest"));
    ORDER_REJECT(AG_ERR_DECODE, f.args[1] = txt("a\nb"));
    ORDER_REJECT(AG_ERR_TOO_LARGE, {
        f.svc[0].n_args = MARKET_MAX_ARGS + 1;
        f.svc[0].args = many;
    });
    ORDER_REJECT(AG_ERR_DECODE, {
        f.svc[0].n_command = 1;
        f.svc[0].command = &many[0];
        many[0] = txt("");
    });
    many[0] = txt("x");
    /* env */
    ORDER_REJECT(AG_ERR_DECODE, f.env[1].name = txt("MODE")); /* duplicate */
    ORDER_REJECT(AG_ERR_DECODE, f.env[1].name = txt("1ABC"));
    ORDER_REJECT(AG_ERR_DECODE, f.env[1].name = txt(""));
    ORDER_REJECT(AG_ERR_DECODE, f.env[1].value = txt("tab\there"));
    /* ports */
    ORDER_REJECT(AG_ERR_DECODE, f.port[1].port = 0);
    ORDER_REJECT(AG_ERR_DECODE, f.port[1].port = 65536);
    ORDER_REJECT(AG_ERR_DECODE, f.port[1].port = 80); /* same port and protocol */
    ORDER_REJECT(AG_ERR_DECODE, f.port[1].protocol = 0);
    ORDER_REJECT(AG_ERR_DECODE, f.port[1].protocol = 7);
    ORDER_REJECT(AG_ERR_DECODE, f.port[1].expose = 0);
    ORDER_REJECT(AG_ERR_DECODE, f.port[1].expose = 4);
    ORDER_REJECT(AG_ERR_DECODE, /* a second exposed port needs a second endpoint */
                 f.port[1].expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT);
    /* replicas and resources */
    ORDER_REJECT(AG_ERR_DECODE, f.svc[0].replicas = 0);
    ORDER_REJECT(AG_ERR_TOO_LARGE, f.svc[0].replicas = MARKET_MAX_REPLICAS + 1);
    ORDER_REJECT(AG_ERR_DECODE, f.svc[0].resources = NULL);
    ORDER_REJECT(AG_ERR_DECODE, f.res[0].cpu_millis = 0);
    ORDER_REJECT(AG_ERR_DECODE, f.res[0].memory_bytes = 0);
    ORDER_REJECT(AG_ERR_TOO_LARGE, f.res[0].cpu_millis = MARKET_MAX_CPU_MILLIS + 1);
    ORDER_REJECT(AG_ERR_TOO_LARGE, f.res[0].storage_bytes = MARKET_MAX_STORAGE_BYTES + 1);
    ORDER_REJECT(AG_ERR_TOO_LARGE, { /* each replica within limits, the total not */
                                     f.res[0].memory_bytes = MARKET_MAX_MEMORY_BYTES;
    });
    ORDER_REJECT(AG_ERR_DECODE, f.res[0].n_gpu_attributes = 1, f.res[0].gpu_attributes = f.gpu_p);
    ORDER_REJECT(AG_ERR_DECODE,
                 { /* services disagree on the GPU model */
                   static Agora__Market__V1__Attribute other = AGORA__MARKET__V1__ATTRIBUTE__INIT,
                                                       *p = &other;
                   other.key = txt("model");
                   other.value = txt("h100");
                   f.res[0].gpus = 1;
                   f.res[0].n_gpu_attributes = 1;
                   f.res[0].gpu_attributes = &p;
                 });
    /* placement attributes */
    ORDER_REJECT(AG_ERR_DECODE, f.place[1].key = txt("region")); /* duplicate key */
    ORDER_REJECT(AG_ERR_DECODE, f.place[1].key = txt("Region"));
    ORDER_REJECT(AG_ERR_DECODE, f.place[1].key = txt("-x"));
    ORDER_REJECT(AG_ERR_DECODE, f.place[1].value = txt(""));
    ORDER_REJECT(AG_ERR_DECODE, f.place[1].value = txt("a b"));
    ORDER_REJECT(AG_ERR_TOO_LARGE, {
        static char k[MARKET_ATTR_KEY_MAX + 2];
        memset(k, 'k', MARKET_ATTR_KEY_MAX + 1);
        f.place[1].key = txt(k);
    });
    /* prices and deposit */
    ORDER_REJECT(AG_ERR_DECODE, f.m.max_price = NULL);
    ORDER_REJECT(AG_ERR_DECODE, f.max_price.amount = txt("0"));
    ORDER_REJECT(AG_ERR_DECODE, f.max_price.amount = txt("012"));
    ORDER_REJECT(AG_ERR_DECODE, f.max_price.amount = txt("-5"));
    ORDER_REJECT(AG_ERR_OVERFLOW,
                 f.max_price.amount = txt("340282366920938463463374607431768211456"));
    ORDER_REJECT(AG_ERR_TOO_LARGE,
                 f.max_price.amount = txt("0000000000000000000000000000000000000000001"));
    ORDER_REJECT(AG_ERR_LENGTH, f.max_price.denom = txt("ua"));
    ORDER_REJECT(AG_ERR_DECODE, f.m.deposit = NULL);
    ORDER_REJECT(AG_ERR_DECODE, f.deposit.amount = txt("0"));
    ORDER_REJECT(AG_ERR_DECODE, f.deposit.denom = txt("uother"));
    ORDER_REJECT(AG_ERR_DECODE, f.m.auction_blocks = 0);
    ORDER_REJECT(AG_ERR_TOO_LARGE, f.m.auction_blocks = MARKET_AUCTION_BLOCKS_MAX + 1);
}
END_TEST

/* Counts on the wire are refused before protobuf-c parses them; unknown
 * fields at any depth and oversized input are refused. */
START_TEST(order_wire_caps_and_unknown_fields)
{
    order_fx f;
    order_fx_init(&f);
    size_t len;
    uint8_t *b = pack(&f.m.base, &len);
    market_msg_create_order o;

    /* 17 services: append 16 more copies of field 2 (a second workload with
     * services merges into the first) */
    size_t wlen;
    uint8_t *wb = pack(&f.w.base, &wlen); /* 2 services */
    ag_buf big;
    ag_buf_init(&big, 0);
    ck_assert_int_eq(ag_buf_append(&big, b, len), AG_OK);
    for (int i = 0; i < 8; i++) { /* 2 + 16 services in total */
        ck_assert_int_eq(ag_buf_append_byte(&big, 0x12), AG_OK);
        ck_assert_int_eq(ag_buf_append_uvarint(&big, wlen), AG_OK);
        ck_assert_int_eq(ag_buf_append(&big, wb, wlen), AG_OK);
    }
    ck_assert_int_eq(market_msg_create_order_decode(&o, big.data, big.len), AG_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "services"));

    /* an unknown field at top level, and inside a port */
    ag_buf_reset(&big);
    ck_assert_int_eq(ag_buf_append(&big, b, len), AG_OK);
    static const uint8_t unknown[] = {0xf8, 0x01, 0x01}; /* field 31 varint 1 */
    ck_assert_int_eq(ag_buf_append(&big, unknown, sizeof unknown), AG_OK);
    ck_assert_int_eq(market_msg_create_order_decode(&o, big.data, big.len), AG_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "unknown"));
    ag_buf_free(&big);

    f.port[0].base.n_unknown_fields = 0;
    {
        /* a Port with an extra field 9: built by appending to the packed port */
        size_t plen;
        uint8_t *pb = pack(&f.port[0].base, &plen);
        uint8_t pbx[64];
        memcpy(pbx, pb, plen);
        pbx[plen] = 0x48; /* field 9 varint */
        pbx[plen + 1] = 0x01;
        Agora__Market__V1__Port *px = agora__market__v1__port__unpack(NULL, plen + 2, pbx);
        ck_assert_ptr_nonnull(px);
        f.port_p[0] = px;
        ck_assert_int_eq(order_try(&f, &o), AG_ERR_DECODE);
        ck_assert_ptr_nonnull(strstr(ag_err_detail(), "unknown"));
        agora__market__v1__port__free_unpacked(px, NULL);
        free(pb);
    }

    /* oversized */
    uint8_t *huge = calloc(1, MARKET_MSG_MAX_BYTES + 1);
    ck_assert_int_eq(market_msg_create_order_decode(&o, huge, MARKET_MSG_MAX_BYTES + 1),
                     AG_ERR_TOO_LARGE);
    free(huge);
    /* truncated */
    ck_assert_int_ne(market_msg_create_order_decode(&o, b, len - 1), AG_OK);
    ck_assert_ptr_null(o.workload);
    free(wb);
    free(b);

    /* 33 placement attributes */
    order_fx_init(&f);
    static Agora__Market__V1__Attribute many[MARKET_MAX_ATTRIBUTES + 1];
    static Agora__Market__V1__Attribute *many_p[MARKET_MAX_ATTRIBUTES + 1];
    static char keys[MARKET_MAX_ATTRIBUTES + 1][8];
    for (int i = 0; i <= MARKET_MAX_ATTRIBUTES; i++) {
        agora__market__v1__attribute__init(&many[i]);
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        many[i].key = txt(keys[i]);
        many[i].value = txt("v");
        many_p[i] = &many[i];
    }
    f.m.placement = many_p;
    f.m.n_placement = MARKET_MAX_ATTRIBUTES;
    ck_assert_int_eq(order_try(&f, &o), AG_OK);
    market_msg_create_order_clear(&o);
    f.m.n_placement = MARKET_MAX_ATTRIBUTES + 1;
    ck_assert_int_eq(order_try(&f, &o), AG_ERR_TOO_LARGE);

    /* 65 env vars in one service: caught on the wire only as a total across
     * services (16 x 64), then by the per-service cap */
    order_fx_init(&f);
    static Agora__Market__V1__EnvVar env[MARKET_MAX_ENV + 1], *env_p[MARKET_MAX_ENV + 1];
    static char names[MARKET_MAX_ENV + 1][8];
    for (int i = 0; i <= MARKET_MAX_ENV; i++) {
        agora__market__v1__env_var__init(&env[i]);
        snprintf(names[i], sizeof names[i], "V%d", i);
        env[i].name = txt(names[i]);
        env_p[i] = &env[i];
    }
    f.svc[0].env = env_p;
    f.svc[0].n_env = MARKET_MAX_ENV;
    ck_assert_int_eq(order_try(&f, &o), AG_OK);
    market_msg_create_order_clear(&o);
    f.svc[0].n_env = MARKET_MAX_ENV + 1;
    ck_assert_int_eq(order_try(&f, &o), AG_ERR_TOO_LARGE);
}
END_TEST

/* ---- offers ------------------------------------------------------------- */

typedef struct offer_fx {
    Agora__Market__V1__MsgCreateOffer m;
    Agora__Market__V1__Attribute attr[2], *attr_p[2], gpu[1], *gpu_p[1];
    Agora__Market__V1__Resources cap;
    Agora__Market__V1__ResourcePrices prices;
} offer_fx;

static void offer_fx_init(offer_fx *f)
{
    agora__market__v1__msg_create_offer__init(&f->m);
    for (int i = 0; i < 2; i++) {
        agora__market__v1__attribute__init(&f->attr[i]);
        f->attr_p[i] = &f->attr[i];
    }
    agora__market__v1__attribute__init(&f->gpu[0]);
    f->gpu_p[0] = &f->gpu[0];
    f->attr[0].key = txt("region");
    f->attr[0].value = txt("eu-west");
    f->attr[1].key = txt("tier");
    f->attr[1].value = txt("gold");
    f->gpu[0].key = txt("model");
    f->gpu[0].value = txt("a100");
    agora__market__v1__resources__init(&f->cap);
    f->cap.cpu_millis = 64000;
    f->cap.memory_bytes = (uint64_t)256 << 30;
    f->cap.storage_bytes = (uint64_t)4 << 40;
    f->cap.gpus = 8;
    f->cap.endpoints = 32;
    f->cap.n_gpu_attributes = 1;
    f->cap.gpu_attributes = f->gpu_p;
    agora__market__v1__resource_prices__init(&f->prices);
    f->prices.denom = txt("uagora");
    f->prices.cpu = txt("10");
    f->prices.memory = txt("5");
    f->prices.storage = txt("1");
    f->prices.gpu = txt("100");
    f->prices.endpoint = txt("0");
    f->m.provider = txt(bech(2));
    f->m.host_uri = txt("https://provider.example.com:8443");
    f->m.n_attributes = 2;
    f->m.attributes = f->attr_p;
    f->m.capacity = &f->cap;
    f->m.floor_prices = &f->prices;
}

static ag_err offer_try(offer_fx *f, market_msg_offer *out)
{
    size_t len;
    uint8_t *b = pack(&f->m.base, &len);
    ag_err err = market_msg_create_offer_decode(out, b, len);
    free(b);
    return err;
}

#define OFFER_REJECT(code, ...)                                                                    \
    do {                                                                                           \
        offer_fx f;                                                                                \
        offer_fx_init(&f);                                                                         \
        __VA_ARGS__;                                                                               \
        market_msg_offer o;                                                                        \
        ag_err e_ = offer_try(&f, &o);                                                             \
        ck_assert_msg(e_ == (code), "line %d: got %s (%s)", __LINE__, ag_err_name(e_),             \
                      ag_err_detail());                                                            \
        ck_assert_uint_eq(o.spec.attributes.n, 0);                                                 \
    } while (0)

START_TEST(offer_decode_and_rejections)
{
    offer_fx fx;
    offer_fx_init(&fx);
    market_msg_offer ov;
    ck_assert_int_eq(offer_try(&fx, &ov), AG_OK);
    ck_assert_str_eq(ov.spec.host_uri, "https://provider.example.com:8443");
    ck_assert_uint_eq(ov.spec.capacity.gpus, 8);
    ck_assert_str_eq(ov.spec.gpu_attributes.a[0].key, "model");
    ck_assert_str_eq(ov.spec.floor.denom, "uagora");
    ck_assert(ov.spec.floor.gpu == 100 && ov.spec.floor.endpoint == 0);
    ck_assert_uint_eq(ov.offer_id, 0);

    OFFER_REJECT(AG_ERR_DECODE, f.m.host_uri = txt(""));
    OFFER_REJECT(AG_ERR_DECODE, f.m.host_uri = txt("ftp://x"));
    OFFER_REJECT(AG_ERR_DECODE, f.m.host_uri = txt("https://a b"));
    OFFER_REJECT(AG_ERR_DECODE, f.attr[1].key = txt("region"));
    OFFER_REJECT(AG_ERR_DECODE, f.m.capacity = NULL);
    OFFER_REJECT(AG_ERR_DECODE, f.cap.cpu_millis = 0);
    OFFER_REJECT(AG_ERR_DECODE, f.cap.gpus = 0); /* GPU attributes without GPUs */
    OFFER_REJECT(AG_ERR_TOO_LARGE, f.cap.gpus = MARKET_MAX_GPUS + 1);
    OFFER_REJECT(AG_ERR_TOO_LARGE, f.cap.endpoints = MARKET_MAX_ENDPOINTS + 1);
    OFFER_REJECT(AG_ERR_DECODE, f.m.floor_prices = NULL);
    OFFER_REJECT(AG_ERR_DECODE, f.prices.cpu = txt(""));
    OFFER_REJECT(AG_ERR_DECODE, f.prices.memory = txt("1.5"));
    OFFER_REJECT(AG_ERR_OVERFLOW, f.prices.gpu = txt("999999999999999999999999999999999999999"));
    OFFER_REJECT(AG_ERR_LENGTH, f.prices.denom = txt(""));
    OFFER_REJECT(AG_ERR_PREFIX, f.m.provider = txt(cosmos_addr()));

    /* MsgUpdateOffer: same spec plus an id */
    Agora__Market__V1__MsgUpdateOffer u = AGORA__MARKET__V1__MSG_UPDATE_OFFER__INIT;
    u.provider = fx.m.provider;
    u.offer_id = 7;
    u.host_uri = fx.m.host_uri;
    u.n_attributes = fx.m.n_attributes;
    u.attributes = fx.m.attributes;
    u.capacity = fx.m.capacity;
    u.floor_prices = fx.m.floor_prices;
    size_t len;
    uint8_t *b = pack(&u.base, &len);
    market_msg_offer up;
    ck_assert_int_eq(market_msg_update_offer_decode(&up, b, len), AG_OK);
    ck_assert_uint_eq(up.offer_id, 7);
    ck_assert_mem_eq(&up.spec, &ov.spec, sizeof ov.spec);
    free(b);
    u.offer_id = 0;
    b = pack(&u.base, &len);
    ck_assert_int_eq(market_msg_update_offer_decode(&up, b, len), AG_ERR_DECODE);
    free(b);
}
END_TEST

/* ---- the small messages --------------------------------------------------- */

START_TEST(ref_and_deposit_messages)
{
    const market_msg_type *refs[] = {
        &market_msg_deactivate_offer_type, &market_msg_close_order_type,
        &market_msg_withdraw_bid_type,     &market_msg_accept_bid_type,
        &market_msg_withdraw_lease_type,
    };
    Agora__Market__V1__MsgWithdrawBid w = AGORA__MARKET__V1__MSG_WITHDRAW_BID__INIT;
    w.provider = txt(bech(3));
    w.bid_id = 42;
    size_t len;
    uint8_t *b = pack(&w.base, &len);
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        market_msg_ref r;
        ck_assert_int_eq(market_msg_ref_decode(&r, refs[i], b, len), AG_OK);
        ck_assert_uint_eq(r.id, 42);
        crypto_address want = addr_of(3);
        ck_assert_mem_eq(r.signer.b, want.b, CRYPTO_ADDRESS_LEN);
    }
    market_msg_ref r;
    ck_assert_int_eq(market_msg_ref_decode(&r, &market_msg_deposit_order_type, b, len),
                     AG_ERR_INVALID_ARG);
    free(b);
    w.bid_id = 0;
    b = pack(&w.base, &len);
    ck_assert_int_eq(market_msg_ref_decode(&r, &market_msg_withdraw_bid_type, b, len),
                     AG_ERR_DECODE);
    free(b);
    w.bid_id = 1;
    w.provider = txt("agora1");
    b = pack(&w.base, &len);
    ck_assert_int_ne(market_msg_ref_decode(&r, &market_msg_withdraw_bid_type, b, len), AG_OK);
    free(b);
    /* field 3 is unknown to a ref message */
    Agora__Market__V1__MsgDepositOrder d = AGORA__MARKET__V1__MSG_DEPOSIT_ORDER__INIT;
    Cosmos__Base__V1beta1__Coin c = COSMOS__BASE__V1BETA1__COIN__INIT;
    c.denom = txt("uagora");
    c.amount = txt("250");
    d.tenant = txt(bech(4));
    d.order_id = 9;
    d.amount = &c;
    b = pack(&d.base, &len);
    ck_assert_int_eq(market_msg_ref_decode(&r, &market_msg_close_order_type, b, len),
                     AG_ERR_DECODE);
    market_msg_deposit dep;
    ck_assert_int_eq(market_msg_deposit_decode(&dep, &market_msg_deposit_order_type, b, len),
                     AG_OK);
    ck_assert_uint_eq(dep.id, 9);
    ck_assert(dep.amount.amount == 250);
    ck_assert_str_eq(dep.amount.denom, "uagora");
    ck_assert_int_eq(market_msg_deposit_decode(&dep, &market_msg_deposit_lease_type, b, len),
                     AG_OK);
    free(b);
    const char *bad_amounts[] = {"0", "", "1e3", "340282366920938463463374607431768211456"};
    const ag_err bad_codes[] = {AG_ERR_DECODE, AG_ERR_DECODE, AG_ERR_DECODE, AG_ERR_OVERFLOW};
    for (int i = 0; i < 4; i++) {
        c.amount = txt(bad_amounts[i]);
        b = pack(&d.base, &len);
        ck_assert_int_eq(market_msg_deposit_decode(&dep, &market_msg_deposit_order_type, b, len),
                         bad_codes[i]);
        ck_assert_uint_eq(dep.id, 0);
        free(b);
    }
    c.amount = txt("340282366920938463463374607431768211455"); /* 2^128 - 1 */
    b = pack(&d.base, &len);
    ck_assert_int_eq(market_msg_deposit_decode(&dep, &market_msg_deposit_order_type, b, len),
                     AG_OK);
    ck_assert(dep.amount.amount == ~(market_u128)0);
    free(b);
    d.amount = NULL;
    b = pack(&d.base, &len);
    ck_assert_int_eq(market_msg_deposit_decode(&dep, &market_msg_deposit_order_type, b, len),
                     AG_ERR_DECODE);
    free(b);
}
END_TEST

START_TEST(bid_and_close_lease_messages)
{
    Agora__Market__V1__MsgCreateBid m = AGORA__MARKET__V1__MSG_CREATE_BID__INIT;
    Cosmos__Base__V1beta1__Coin price = COSMOS__BASE__V1BETA1__COIN__INIT,
                                dep = COSMOS__BASE__V1BETA1__COIN__INIT;
    price.denom = dep.denom = txt("uagora");
    price.amount = txt("900");
    dep.amount = txt("500000");
    m.provider = txt(bech(2));
    m.order_id = 5;
    m.offer_id = 6;
    m.price = &price;
    m.deposit = &dep;
    size_t len;
    uint8_t *b = pack(&m.base, &len);
    market_msg_create_bid bid;
    ck_assert_int_eq(market_msg_create_bid_decode(&bid, b, len), AG_OK);
    ck_assert(bid.price.amount == 900 && bid.deposit.amount == 500000);
    ck_assert_uint_eq(bid.order_id, 5);
    ck_assert_uint_eq(bid.offer_id, 6);
    free(b);
#define BID_REJECT(code, mutate, undo)                                                             \
    do {                                                                                           \
        mutate;                                                                                    \
        b = pack(&m.base, &len);                                                                   \
        ck_assert_int_eq(market_msg_create_bid_decode(&bid, b, len), code);                        \
        ck_assert_uint_eq(bid.order_id, 0);                                                        \
        free(b);                                                                                   \
        undo;                                                                                      \
    } while (0)
    BID_REJECT(AG_ERR_DECODE, m.order_id = 0, m.order_id = 5);
    BID_REJECT(AG_ERR_DECODE, m.offer_id = 0, m.offer_id = 6);
    BID_REJECT(AG_ERR_DECODE, price.amount = txt("0"), price.amount = txt("900"));
    BID_REJECT(AG_ERR_DECODE, dep.amount = txt("0"), dep.amount = txt("500000"));
    BID_REJECT(AG_ERR_DECODE, m.price = NULL, m.price = &price);
    BID_REJECT(AG_ERR_DECODE, m.provider = txt(""), m.provider = txt(bech(2)));

    Agora__Market__V1__MsgCloseLease c = AGORA__MARKET__V1__MSG_CLOSE_LEASE__INIT;
    c.signer = txt(bech(1));
    c.lease_id = 3;
    c.reason = txt("moving to another region");
    b = pack(&c.base, &len);
    market_msg_close_lease cl;
    ck_assert_int_eq(market_msg_close_lease_decode(&cl, b, len), AG_OK);
    ck_assert_str_eq(cl.reason, "moving to another region");
    free(b);
    c.reason = txt("");
    b = pack(&c.base, &len);
    ck_assert_int_eq(market_msg_close_lease_decode(&cl, b, len), AG_OK);
    ck_assert_str_eq(cl.reason, "");
    free(b);
    c.reason = txt("line\nbreak");
    b = pack(&c.base, &len);
    ck_assert_int_eq(market_msg_close_lease_decode(&cl, b, len), AG_ERR_DECODE);
    free(b);
    static char longr[MARKET_CLOSE_NOTE_MAX + 2];
    memset(longr, 'r', MARKET_CLOSE_NOTE_MAX + 1);
    c.reason = txt(longr);
    b = pack(&c.base, &len);
    ck_assert_int_eq(market_msg_close_lease_decode(&cl, b, len), AG_ERR_TOO_LARGE);
    free(b);
    c.reason = txt("ok");
    c.lease_id = 0;
    b = pack(&c.base, &len);
    ck_assert_int_eq(market_msg_close_lease_decode(&cl, b, len), AG_ERR_DECODE);
    free(b);
}
END_TEST

/* Every market message through the registry: found by URL, decodes, names
 * its signer, frees; the accessors tell the kinds apart. */
START_TEST(registry_entries)
{
    static const char *urls[] = {
        MARKET_MSG_CREATE_OFFER_URL,     MARKET_MSG_UPDATE_OFFER_URL,
        MARKET_MSG_DEACTIVATE_OFFER_URL, MARKET_MSG_CREATE_ORDER_URL,
        MARKET_MSG_DEPOSIT_ORDER_URL,    MARKET_MSG_CLOSE_ORDER_URL,
        MARKET_MSG_CREATE_BID_URL,       MARKET_MSG_WITHDRAW_BID_URL,
        MARKET_MSG_ACCEPT_BID_URL,       MARKET_MSG_WITHDRAW_LEASE_URL,
        MARKET_MSG_DEPOSIT_LEASE_URL,    MARKET_MSG_CLOSE_LEASE_URL,
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        ck_assert_int_eq(market_type_url_validate((const uint8_t *)urls[i], strlen(urls[i])),
                         AG_OK);
        const market_msg_type *t = market_msg_type_find((const uint8_t *)urls[i], strlen(urls[i]));
        ck_assert_msg(t != NULL, "%s not registered", urls[i]);
        ck_assert_str_eq(t->type_url, urls[i]);
        void *v = (void *)1;
        ck_assert_int_ne(t->decode(&v, (const uint8_t *)"", 0), AG_OK); /* empty: no signer */
        ck_assert_ptr_null(v);
    }
    order_fx f;
    order_fx_init(&f);
    size_t len;
    uint8_t *b = pack(&f.m.base, &len);
    const market_msg_type *t = market_msg_type_find((const uint8_t *)MARKET_MSG_CREATE_ORDER_URL,
                                                    strlen(MARKET_MSG_CREATE_ORDER_URL));
    market_msg msg = {t, NULL};
    ck_assert_int_eq(t->decode(&msg.value, b, len), AG_OK);
    crypto_address signer, want = addr_of(1);
    t->signer(msg.value, &signer);
    ck_assert_mem_eq(signer.b, want.b, CRYPTO_ADDRESS_LEN);
    ck_assert_ptr_nonnull(market_msg_as_create_order(&msg));
    ck_assert_ptr_null(market_msg_as_ref(&msg));
    ck_assert_ptr_null(market_msg_as_deposit(&msg));
    ck_assert_ptr_null(market_msg_as_send(&msg));
    t->free_msg(msg.value);
    free(b);

    Agora__Market__V1__MsgAcceptBid a = AGORA__MARKET__V1__MSG_ACCEPT_BID__INIT;
    a.tenant = txt(bech(7));
    a.bid_id = 11;
    b = pack(&a.base, &len);
    t = market_msg_type_find((const uint8_t *)MARKET_MSG_ACCEPT_BID_URL,
                             strlen(MARKET_MSG_ACCEPT_BID_URL));
    msg = (market_msg){t, NULL};
    ck_assert_int_eq(t->decode(&msg.value, b, len), AG_OK);
    want = addr_of(7);
    t->signer(msg.value, &signer);
    ck_assert_mem_eq(signer.b, want.b, CRYPTO_ADDRESS_LEN);
    ck_assert_uint_eq(market_msg_as_ref(&msg)->id, 11);
    ck_assert_ptr_null(market_msg_as_create_order(&msg));
    t->free_msg(msg.value);
    free(b);
}
END_TEST

/* Every seed message: decode, encode, decode again to the same value; the
 * encoders refuse obvious misuse. */
START_TEST(message_encoders_round_trip)
{
    ag_buf e;
    ag_buf_init(&e, 0);
    /* order */
    order_fx f;
    order_fx_init(&f);
    market_msg_create_order o, o2;
    ck_assert_int_eq(order_try(&f, &o), AG_OK);
    ck_assert_int_eq(market_msg_create_order_encode(&e, &o), AG_OK);
    size_t len;
    uint8_t *b = pack(&f.m.base, &len);
    ck_assert_uint_eq(e.len, len); /* the fixture is canonical: same bytes */
    ck_assert_mem_eq(e.data, b, len);
    free(b);
    ck_assert_int_eq(market_msg_create_order_decode(&o2, e.data, e.len), AG_OK);
    ck_assert_mem_eq(o2.workload, o.workload, o.workload_len);
    ck_assert_mem_eq(&o2.summary, &o.summary, sizeof o.summary);
    ck_assert_mem_eq(&o2.max_price, &o.max_price, sizeof o.max_price);
    market_msg_create_order_clear(&o2);
    uint8_t *keep = o.workload;
    o.workload = NULL;
    ck_assert_int_eq(market_msg_create_order_encode(&e, &o), AG_ERR_INVALID_ARG);
    o.workload = keep;
    market_msg_create_order_clear(&o);
    /* offers */
    offer_fx of;
    offer_fx_init(&of);
    market_msg_offer mo, mo2;
    ck_assert_int_eq(offer_try(&of, &mo), AG_OK);
    ag_buf_reset(&e);
    ck_assert_int_eq(market_msg_create_offer_encode(&e, &mo), AG_OK);
    ck_assert_int_eq(market_msg_create_offer_decode(&mo2, e.data, e.len), AG_OK);
    ck_assert_mem_eq(&mo2, &mo, sizeof mo);
    ck_assert_int_eq(market_msg_update_offer_encode(&e, &mo), AG_ERR_INVALID_ARG); /* id 0 */
    mo.offer_id = 12;
    ag_buf_reset(&e);
    ck_assert_int_eq(market_msg_update_offer_encode(&e, &mo), AG_OK);
    ck_assert_int_eq(market_msg_update_offer_decode(&mo2, e.data, e.len), AG_OK);
    ck_assert_mem_eq(&mo2, &mo, sizeof mo);
    /* bid */
    /* memset first: memcmp below also compares padding */
    market_msg_create_bid bid, bid2;
    memset(&bid, 0, sizeof bid);
    bid.provider = addr_of(2);
    bid.order_id = 1;
    bid.offer_id = 2;
    snprintf(bid.price.denom, sizeof bid.price.denom, "uagora");
    bid.price.amount = 5;
    bid.deposit = bid.price;
    ag_buf_reset(&e);
    ck_assert_int_eq(market_msg_create_bid_encode(&e, &bid), AG_OK);
    ck_assert_int_eq(market_msg_create_bid_decode(&bid2, e.data, e.len), AG_OK);
    ck_assert_mem_eq(&bid2, &bid, sizeof bid);
    /* close lease */
    market_msg_close_lease cl, cl2;
    memset(&cl, 0, sizeof cl);
    cl.signer = addr_of(3);
    cl.lease_id = 9;
    snprintf(cl.reason, sizeof cl.reason, "done");
    ag_buf_reset(&e);
    ck_assert_int_eq(market_msg_close_lease_encode(&e, &cl), AG_OK);
    ck_assert_int_eq(market_msg_close_lease_decode(&cl2, e.data, e.len), AG_OK);
    ck_assert_mem_eq(&cl2, &cl, sizeof cl);
    /* refs and deposits, every type of each family */
    const market_msg_type *refs[] = {
        &market_msg_deactivate_offer_type, &market_msg_close_order_type,
        &market_msg_withdraw_bid_type,     &market_msg_accept_bid_type,
        &market_msg_withdraw_lease_type,
    };
    market_msg_ref r, r2;
    memset(&r, 0, sizeof r);
    r.signer = addr_of(4);
    r.id = UINT64_MAX;
    for (size_t i = 0; i < 5; i++) {
        ag_buf_reset(&e);
        ck_assert_int_eq(market_msg_ref_encode(&e, refs[i], &r), AG_OK);
        ck_assert_int_eq(market_msg_ref_decode(&r2, refs[i], e.data, e.len), AG_OK);
        ck_assert_mem_eq(&r2, &r, sizeof r);
    }
    ck_assert_int_eq(market_msg_ref_encode(&e, &market_msg_deposit_order_type, &r),
                     AG_ERR_INVALID_ARG);
    market_msg_deposit d, d2;
    memset(&d, 0, sizeof d);
    d.signer = addr_of(5);
    d.id = 3;
    snprintf(d.amount.denom, sizeof d.amount.denom, "uagora");
    d.amount.amount = ~(market_u128)0;
    const market_msg_type *deps[] = {&market_msg_deposit_order_type,
                                     &market_msg_deposit_lease_type};
    for (size_t i = 0; i < 2; i++) {
        ag_buf_reset(&e);
        ck_assert_int_eq(market_msg_deposit_encode(&e, deps[i], &d), AG_OK);
        ck_assert_int_eq(market_msg_deposit_decode(&d2, deps[i], e.data, e.len), AG_OK);
        ck_assert_mem_eq(&d2, &d, sizeof d);
    }
    ck_assert_int_eq(market_msg_deposit_encode(&e, &market_msg_accept_bid_type, &d),
                     AG_ERR_INVALID_ARG);
    d.id = 0;
    ck_assert_int_eq(market_msg_deposit_encode(&e, deps[0], &d), AG_ERR_INVALID_ARG);
    ag_buf_free(&e);
}
END_TEST

/* ---- records -------------------------------------------------------------- */

static void make_offer(market_offer *o, uint64_t id)
{
    offer_fx f;
    offer_fx_init(&f);
    market_msg_offer m;
    ck_assert_int_eq(offer_try(&f, &m), AG_OK);
    memset(o, 0, sizeof *o);
    o->id = id;
    o->provider = m.provider;
    o->spec = m.spec;
    o->leased = (market_resources){1000, 1 << 30, 0, 2, 1};
    o->state = MARKET_OFFER_ACTIVE;
    o->created_height = 10;
}

static void make_order(market_order *o, uint64_t id)
{
    order_fx f;
    order_fx_init(&f);
    market_msg_create_order m;
    ck_assert_int_eq(order_try(&f, &m), AG_OK);
    memset(o, 0, sizeof *o);
    o->id = id;
    o->tenant = m.tenant;
    o->workload = m.workload; /* ownership moves */
    o->workload_len = m.workload_len;
    o->summary = m.summary;
    o->placement = m.placement;
    o->max_price = m.max_price;
    o->auto_award = m.auto_award;
    o->deposit = m.deposit;
    o->state = MARKET_ORDER_OPEN;
    o->created_height = 100;
    o->closing_height = 110;
    o->bid_count = 0;
}

static void make_lease(market_lease *l)
{
    memset(l, 0, sizeof *l);
    l->id = 4;
    l->order_id = 1;
    l->bid_id = 2;
    l->offer_id = 3;
    l->tenant = addr_of(1);
    l->provider = addr_of(2);
    snprintf(l->price.denom, sizeof l->price.denom, "uagora");
    l->price.amount = 700;
    l->state = MARKET_LEASE_ACTIVE;
    l->created_height = 120;
    l->last_settled_height = 150;
    l->escrow = u128("340282366920938463463374607431768211455");
    l->paid = 20580;
    l->withdrawn = 20000;
    l->taken = 420;
}

START_TEST(records_round_trip)
{
    ag_buf a, b;
    ag_buf_init(&a, 0);
    ag_buf_init(&b, 0);

    market_offer off, off2;
    make_offer(&off, 3);
    ck_assert_int_eq(market_offer_encode(&a, &off), AG_OK);
    ck_assert_int_eq(market_offer_decode(&off2, a.data, a.len), AG_OK);
    ck_assert_mem_eq(&off2, &off, sizeof off);
    ck_assert_int_eq(market_offer_encode(&b, &off2), AG_OK);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert_mem_eq(a.data, b.data, a.len);
    off.leased.cpu_millis = off.spec.capacity.cpu_millis + 1; /* leased above capacity */
    ag_buf_reset(&a);
    ck_assert_int_eq(market_offer_encode(&a, &off), AG_OK);
    ck_assert_int_eq(market_offer_decode(&off2, a.data, a.len), AG_ERR_DECODE);
    off.id = 0;
    ck_assert_int_eq(market_offer_encode(&a, &off), AG_ERR_INVALID_ARG);

    market_order ord, ord2;
    make_order(&ord, 1);
    ag_buf_reset(&a);
    ag_buf_reset(&b);
    ck_assert_int_eq(market_order_encode(&a, &ord), AG_OK);
    ck_assert_int_eq(market_order_decode(&ord2, a.data, a.len), AG_OK);
    ck_assert_uint_eq(ord2.workload_len, ord.workload_len);
    ck_assert_mem_eq(ord2.workload, ord.workload, ord.workload_len);
    ck_assert_mem_eq(&ord2.summary, &ord.summary, sizeof ord.summary);
    ck_assert_mem_eq(&ord2.placement, &ord.placement, sizeof ord.placement);
    ck_assert_uint_eq(ord2.closing_height, 110);
    ck_assert(ord2.auto_award);
    ck_assert_int_eq(market_order_encode(&b, &ord2), AG_OK);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert_mem_eq(a.data, b.data, a.len);
    market_order_clear(&ord2);
    ord.state = 0;
    ck_assert_int_eq(market_order_encode(&a, &ord), AG_ERR_INVALID_ARG);
    market_order_clear(&ord);

    market_bid bid; /* memset first: memcmp below also compares padding */
    memset(&bid, 0, sizeof bid);
    bid.id = 2;
    bid.order_id = 1;
    bid.offer_id = 3;
    bid.provider = addr_of(2);
    bid.state = MARKET_BID_WON;
    bid.created_height = 105;
    bid.closed_height = 110;
    snprintf(bid.price.denom, sizeof bid.price.denom, "uagora");
    bid.price.amount = 700;
    snprintf(bid.deposit.denom, sizeof bid.deposit.denom, "uagora");
    bid.deposit.amount = 0;
    market_bid bid2;
    ag_buf_reset(&a);
    ag_buf_reset(&b);
    ck_assert_int_eq(market_bid_encode(&a, &bid), AG_OK);
    ck_assert_int_eq(market_bid_decode(&bid2, a.data, a.len), AG_OK);
    ck_assert_mem_eq(&bid2, &bid, sizeof bid);
    ck_assert_int_eq(market_bid_encode(&b, &bid2), AG_OK);
    ck_assert_mem_eq(a.data, b.data, a.len);

    market_lease l, l2;
    make_lease(&l);
    ag_buf_reset(&a);
    ck_assert_int_eq(market_lease_encode(&a, &l), AG_OK);
    ck_assert_int_eq(market_lease_decode(&l2, a.data, a.len), AG_OK);
    ck_assert_mem_eq(&l2, &l, sizeof l);
    l.state = MARKET_LEASE_CLOSED;
    l.close_reason = MARKET_CLOSE_INSUFFICIENT_FUNDS;
    l.closed_height = 200;
    snprintf(l.close_note, sizeof l.close_note, "escrow ran out");
    ag_buf_reset(&a);
    ck_assert_int_eq(market_lease_encode(&a, &l), AG_OK);
    ck_assert_int_eq(market_lease_decode(&l2, a.data, a.len), AG_OK);
    ck_assert_mem_eq(&l2, &l, sizeof l);
    l.close_reason = MARKET_CLOSE_NONE; /* closed without a reason: refused on decode */
    ag_buf_reset(&a);
    ck_assert_int_eq(market_lease_encode(&a, &l), AG_OK);
    ck_assert_int_eq(market_lease_decode(&l2, a.data, a.len), AG_ERR_DECODE);
    l.withdrawn = l.paid + 1;
    ck_assert_int_eq(market_lease_encode(&a, &l), AG_ERR_INVALID_ARG);

    market_params p, p2;
    market_params_default(&p, "uagora");
    ck_assert_int_eq(market_params_validate(&p), AG_OK);
    ag_buf_reset(&a);
    ck_assert_int_eq(market_params_encode(&a, &p), AG_OK);
    ck_assert_int_eq(market_params_decode(&p2, a.data, a.len), AG_OK);
    ck_assert_mem_eq(&p2, &p, sizeof p);
    p.take_rate_bps = 10001;
    ck_assert_int_eq(market_params_validate(&p), AG_ERR_INVALID_ARG);
    p.take_rate_bps = 0;
    p.min_auction_blocks = 5;
    p.max_auction_blocks = 4;
    ck_assert_int_eq(market_params_validate(&p), AG_ERR_INVALID_ARG);
    p.max_auction_blocks = 5;
    p.max_bids_per_order = 0;
    ck_assert_int_eq(market_params_validate(&p), AG_ERR_INVALID_ARG);
    ag_buf_free(&a);
    ag_buf_free(&b);
}
END_TEST

/* Hostile record bytes: bad enums, unknown fields, zero ids, garbage. */
START_TEST(records_reject_hostile_bytes)
{
    Agora__Market__V1__Bid m = AGORA__MARKET__V1__BID__INIT;
    Cosmos__Base__V1beta1__Coin c = COSMOS__BASE__V1BETA1__COIN__INIT;
    c.denom = txt("uagora");
    c.amount = txt("1");
    m.id = 1;
    m.order_id = 1;
    m.offer_id = 1;
    m.provider = txt(bech(2));
    m.price = &c;
    m.deposit = &c;
    m.state = AGORA__MARKET__V1__BID_STATE__BID_STATE_OPEN;
    size_t len;
    uint8_t *b = pack(&m.base, &len);
    market_bid bid;
    ck_assert_int_eq(market_bid_decode(&bid, b, len), AG_OK);
    free(b);
    m.state = 9;
    b = pack(&m.base, &len);
    ck_assert_int_eq(market_bid_decode(&bid, b, len), AG_ERR_DECODE);
    ck_assert_uint_eq(bid.id, 0);
    free(b);
    m.state = 1;
    m.created_height = -1;
    b = pack(&m.base, &len);
    ck_assert_int_eq(market_bid_decode(&bid, b, len), AG_ERR_DECODE);
    free(b);
    m.created_height = 0;
    m.offer_id = 0;
    b = pack(&m.base, &len);
    ck_assert_int_eq(market_bid_decode(&bid, b, len), AG_ERR_DECODE);
    free(b);

    /* garbage and truncations never crash, never succeed with a zero id */
    ag_rng rng;
    ag_test_rng(&rng, 1);
    uint8_t junk[256];
    for (uint64_t i = 0; i < ag_test_iters(2000, 200000); i++) {
        size_t n = (size_t)ag_rng_below(&rng, sizeof junk);
        ag_rng_fill(&rng, junk, n);
        market_offer o;
        market_order ord;
        market_lease l;
        market_params p;
        if (market_offer_decode(&o, junk, n) == AG_OK)
            ck_assert_uint_ne(o.id, 0);
        if (market_order_decode(&ord, junk, n) == AG_OK)
            market_order_clear(&ord);
        if (market_bid_decode(&bid, junk, n) == AG_OK)
            ck_assert_uint_ne(bid.id, 0);
        if (market_lease_decode(&l, junk, n) == AG_OK)
            ck_assert(l.withdrawn <= l.paid);
        (void)market_params_decode(&p, junk, n);
    }
}
END_TEST

START_TEST(genesis_decodes)
{
    Agora__Market__V1__GenesisState g = AGORA__MARKET__V1__GENESIS_STATE__INIT;
    market_params p;
    market_params_default(&p, "uagora");
    ag_buf pb, o1, o2;
    ag_buf_init(&pb, 0);
    ag_buf_init(&o1, 0);
    ag_buf_init(&o2, 0);
    ck_assert_int_eq(market_params_encode(&pb, &p), AG_OK);
    market_offer a, b2;
    make_offer(&a, 1);
    make_offer(&b2, 2);
    ck_assert_int_eq(market_offer_encode(&o1, &a), AG_OK);
    ck_assert_int_eq(market_offer_encode(&o2, &b2), AG_OK);
    g.params = agora__market__v1__params__unpack(NULL, pb.len, pb.data);
    Agora__Market__V1__Offer *offs[2] = {agora__market__v1__offer__unpack(NULL, o1.len, o1.data),
                                         agora__market__v1__offer__unpack(NULL, o2.len, o2.data)};
    g.n_offers = 2;
    g.offers = offs;
    size_t len;
    uint8_t *bytes = pack(&g.base, &len);
    market_params gp;
    market_offer *list;
    size_t n;
    ck_assert_int_eq(market_genesis_decode(&gp, &list, &n, bytes, len), AG_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_mem_eq(&list[1], &b2, sizeof b2);
    ck_assert_mem_eq(&gp, &p, sizeof p);
    free(list);
    free(bytes);
    offs[0]->id = 2; /* duplicate id */
    bytes = pack(&g.base, &len);
    ck_assert_int_eq(market_genesis_decode(&gp, &list, &n, bytes, len), AG_ERR_DECODE);
    ck_assert_ptr_null(list);
    ck_assert_uint_eq(n, 0);
    free(bytes);
    Agora__Market__V1__Params *keep = g.params;
    g.params = NULL;
    bytes = pack(&g.base, &len);
    ck_assert_int_eq(market_genesis_decode(&gp, &list, &n, bytes, len), AG_ERR_DECODE);
    free(bytes);
    agora__market__v1__params__free_unpacked(keep, NULL);
    agora__market__v1__offer__free_unpacked(offs[0], NULL);
    agora__market__v1__offer__free_unpacked(offs[1], NULL);
    ag_buf_free(&pb);
    ag_buf_free(&o1);
    ag_buf_free(&o2);
}
END_TEST

/* ---- keys ------------------------------------------------------------------ */

START_TEST(keys_layout_and_order)
{
    market_key k;
    uint64_t id;
    int64_t h;
    market_key_record(&k, MARKET_KEY_ORDER, 0x0102030405060708ull);
    ck_assert_uint_eq(k.len, 9);
    static const uint8_t want[] = {0x28, 1, 2, 3, 4, 5, 6, 7, 8};
    ck_assert_mem_eq(k.b, want, 9);
    ck_assert_int_eq(market_key_trailing_id(&id, k.b, k.len), AG_OK);
    ck_assert_uint_eq(id, 0x0102030405060708ull);
    ck_assert_int_eq(market_key_trailing_id(&id, k.b, 8), AG_ERR_LENGTH);
    crypto_address owner = addr_of(5);
    market_key_by_owner(&k, MARKET_KEY_LEASE_BY_PROVIDER, &owner, 77);
    ck_assert_uint_eq(k.len, 29);
    ck_assert_uint_eq(k.b[0], 0x3A);
    ck_assert_mem_eq(k.b + 1, owner.b, 20);
    market_key pre;
    market_key_owner_prefix(&pre, MARKET_KEY_LEASE_BY_PROVIDER, &owner);
    ck_assert_mem_eq(pre.b, k.b, pre.len);
    market_key_bid_by_order(&k, 3, 4);
    market_key_bids_of_order(&pre, 3);
    ck_assert_uint_eq(k.len, 17);
    ck_assert_mem_eq(pre.b, k.b, pre.len);
    ck_assert_int_eq(market_key_prune(&k, 500, MARKET_KIND_BID, 9), AG_OK);
    ck_assert_uint_eq(k.len, 18);
    ck_assert_int_eq(market_key_height(&h, k.b, k.len), AG_OK);
    ck_assert_int_eq(h, 500);
    ck_assert_int_eq(market_key_by_height(&k, MARKET_KEY_LEASE_BY_EXHAUST, -1, 1),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(market_key_by_height(&k, MARKET_KEY_ORDER_BY_CLOSING, 42, 1), AG_OK);
    ck_assert_int_eq(market_key_height(&h, k.b, k.len), AG_OK);
    ck_assert_int_eq(h, 42);
    market_key_record(&k, MARKET_KEY_OFFER, 1);
    ck_assert_int_eq(market_key_height(&h, k.b, k.len), AG_ERR_LENGTH);

    /* every prefix in 0x10..0x3F */
    const uint8_t prefixes[] = {MARKET_KEY_SEQUENCE,
                                MARKET_KEY_PARAMS,
                                MARKET_KEY_OFFER,
                                MARKET_KEY_OFFER_BY_PROVIDER,
                                MARKET_KEY_ORDER,
                                MARKET_KEY_ORDER_BY_TENANT,
                                MARKET_KEY_ORDER_BY_CLOSING,
                                MARKET_KEY_BID,
                                MARKET_KEY_BID_BY_ORDER,
                                MARKET_KEY_BID_BY_PROVIDER,
                                MARKET_KEY_LEASE,
                                MARKET_KEY_LEASE_BY_TENANT,
                                MARKET_KEY_LEASE_BY_PROVIDER,
                                MARKET_KEY_LEASE_BY_EXHAUST,
                                MARKET_KEY_PRUNE};
    for (size_t i = 0; i < sizeof prefixes; i++) {
        ck_assert_uint_ge(prefixes[i], 0x10);
        ck_assert_uint_le(prefixes[i], 0x3F);
        for (size_t j = 0; j < i; j++)
            ck_assert_uint_ne(prefixes[i], prefixes[j]);
    }

    /* byte order is numeric order for ids and heights */
    ag_rng rng;
    ag_test_rng(&rng, 2);
    for (uint64_t i = 0; i < ag_test_iters(5000, 500000); i++) {
        uint64_t x = ag_rng_next(&rng) >> ag_rng_below(&rng, 64);
        uint64_t y = ag_rng_next(&rng) >> ag_rng_below(&rng, 64);
        market_key kx, ky;
        ck_assert_int_eq(
            market_key_by_height(&kx, MARKET_KEY_LEASE_BY_EXHAUST, (int64_t)(x >> 1), y), AG_OK);
        ck_assert_int_eq(
            market_key_by_height(&ky, MARKET_KEY_LEASE_BY_EXHAUST, (int64_t)(y >> 1), x), AG_OK);
        int c = memcmp(kx.b, ky.b, kx.len);
        if ((x >> 1) != (y >> 1))
            ck_assert_int_eq(c < 0, (x >> 1) < (y >> 1));
        market_key_record(&kx, MARKET_KEY_BID, x);
        market_key_record(&ky, MARKET_KEY_BID, y);
        c = memcmp(kx.b, ky.b, kx.len);
        ck_assert_int_eq(c < 0, x < y);
        ck_assert_int_eq(c == 0, x == y);
    }
}
END_TEST

/* ---- resources -------------------------------------------------------------- */

START_TEST(resources_arithmetic)
{
    market_resources a = {1000, 2000, 3000, 1, 2}, b = {1, 2, 3, 1, 2}, r;
    ck_assert_int_eq(market_resources_add(&r, &a, &b), AG_OK);
    ck_assert_uint_eq(r.cpu_millis, 1001);
    ck_assert_uint_eq(r.endpoints, 4);
    ck_assert_int_eq(market_resources_sub(&r, &r, &b), AG_OK);
    ck_assert_mem_eq(&r, &a, sizeof a);
    ck_assert_int_eq(market_resources_sub(&r, &b, &a), AG_ERR_OVERFLOW);
    ck_assert_mem_eq(&r, &a, sizeof a); /* unchanged on failure */
    market_resources max = {UINT64_MAX, 0, 0, 0, 0};
    ck_assert_int_eq(market_resources_add(&r, &max, &b), AG_ERR_OVERFLOW);
    ck_assert_int_eq(market_resources_scale(&r, &a, 3), AG_OK);
    ck_assert_uint_eq(r.storage_bytes, 9000);
    ck_assert_int_eq(market_resources_scale(&r, &max, 2), AG_ERR_OVERFLOW);
    ck_assert_int_eq(market_resources_scale(&r, &max, 1), AG_OK);
    ck_assert_int_eq(market_resources_scale(&r, &a, 0), AG_OK);
    ck_assert(market_resources_is_zero(&r));
    ck_assert(market_resources_fits(&a, &b));
    ck_assert(market_resources_fits(&a, &a));
    ck_assert(!market_resources_fits(&b, &a));
    market_resources one_more = a;
    one_more.gpus++;
    ck_assert(!market_resources_fits(&a, &one_more));
    ck_assert_int_eq(market_resources_check_max(&a, "x"), AG_OK);
    ck_assert_int_eq(market_resources_check_max(&max, "x"), AG_ERR_TOO_LARGE);
    /* shrink: allowed down to exactly what is leased, not below */
    ck_assert(market_offer_shrink_ok(&a, &a));
    ck_assert(market_offer_shrink_ok(&a, &b));
    ck_assert(!market_offer_shrink_ok(&b, &a));
    market_offer_spec spec = {.capacity = a};
    ck_assert_int_eq(market_offer_free(&r, &spec, &b), AG_OK);
    ck_assert_uint_eq(r.cpu_millis, 999);
    ck_assert_uint_eq(r.gpus, 0);
    ck_assert_int_eq(market_offer_free(&r, &spec, &one_more), AG_ERR_OVERFLOW);
}
END_TEST

START_TEST(placement_matching)
{
    market_offer off;
    make_offer(&off, 1);
    market_order ord;
    make_order(&ord, 1);
    ck_assert_int_eq(market_placement_check(&off.spec, &ord.placement, &ord.summary), AG_OK);
    ck_assert_str_eq(market_attributes_get(&off.spec.attributes, "tier"), "gold");
    ck_assert_ptr_null(market_attributes_get(&off.spec.attributes, "tie"));
    /* a value differs */
    snprintf(ord.placement.a[1].value, sizeof ord.placement.a[1].value, "silver");
    ck_assert_int_eq(market_placement_check(&off.spec, &ord.placement, &ord.summary), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "tier=silver"));
    size_t miss = 99;
    ck_assert(!market_attributes_match(&off.spec.attributes, &ord.placement, &miss));
    ck_assert_uint_eq(miss, 1);
    snprintf(ord.placement.a[1].value, sizeof ord.placement.a[1].value, "gold");
    /* GPU model */
    snprintf(off.spec.gpu_attributes.a[0].value, sizeof off.spec.gpu_attributes.a[0].value, "h100");
    ck_assert_int_eq(market_placement_check(&off.spec, &ord.placement, &ord.summary), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "GPU"));
    /* no GPU needed: the model does not matter */
    market_workload_summary no_gpu = ord.summary;
    no_gpu.total.gpus = 0;
    ck_assert_int_eq(market_placement_check(&off.spec, &ord.placement, &no_gpu), AG_OK);
    /* empty requirements match anything */
    market_attributes none = {.n = 0};
    ck_assert(market_attributes_match(&none, &none, NULL));
    market_order_clear(&ord);
}
END_TEST

/* ---- auction ---------------------------------------------------------------- */

START_TEST(floor_cost_rounding)
{
    market_prices p = {
        .denom = "uagora", .cpu = 10, .memory = 3, .storage = 1, .gpu = 100, .endpoint = 7};
    market_u128 c;
    market_resources r = {1000, (uint64_t)1 << 30, (uint64_t)2 << 30, 1, 1};
    ck_assert_int_eq(market_floor_cost(&c, &p, &r), AG_OK);
    ck_assert(c == 10 + 3 + 2 + 100 + 7);
    r = (market_resources){1, 1, 0, 0, 0}; /* fractions round up, per resource */
    ck_assert_int_eq(market_floor_cost(&c, &p, &r), AG_OK);
    ck_assert(c == 2);
    r = (market_resources){1000, 0, 0, 0, 0};
    p.cpu = 0;
    ck_assert_int_eq(market_floor_cost(&c, &p, &r), AG_OK);
    ck_assert(c == 0);
    p.gpu = ~(market_u128)0;
    r.gpus = 2;
    ck_assert_int_eq(market_floor_cost(&c, &p, &r), AG_ERR_OVERFLOW);
    ck_assert(c == 0);
    r.gpus = 1;
    p.endpoint = 1;
    r.endpoints = 1;
    ck_assert_int_eq(market_floor_cost(&c, &p, &r), AG_ERR_OVERFLOW); /* the sum */
}
END_TEST

/* An order, an offer and a bid that satisfy every rule. */
typedef struct auction_fx {
    market_order order;
    market_offer offer;
    market_msg_create_bid bid;
    market_params params;
} auction_fx;

static void auction_fx_init(auction_fx *f)
{
    make_order(&f->order, 1);
    make_offer(&f->offer, 2);
    f->offer.leased = (market_resources){0};
    memset(&f->bid, 0, sizeof f->bid);
    f->bid.provider = f->offer.provider;
    f->bid.order_id = 1;
    f->bid.offer_id = 2;
    snprintf(f->bid.price.denom, sizeof f->bid.price.denom, "uagora");
    f->bid.price.amount = 1000;
    f->bid.deposit = f->bid.price;
    f->bid.deposit.amount = 500000;
    market_params_default(&f->params, "uagora");
    /* floor: cpu 5.5 cores x 10 = 55, memory 16.75 GiB x 5 -> 84, storage 3 GiB x 1,
     * 2 GPUs x 100, endpoints 0: 55 + 84 + 3 + 200 = 342 */
}

#define BID_CHECK(code, ...)                                                                       \
    do {                                                                                           \
        auction_fx f;                                                                              \
        auction_fx_init(&f);                                                                       \
        __VA_ARGS__;                                                                               \
        ag_err e_ = market_bid_check(&f.order, &f.offer, &f.bid, &f.params, 105);                  \
        ck_assert_msg(e_ == (code), "line %d: got %s (%s)", __LINE__, ag_err_name(e_),             \
                      ag_err_detail());                                                            \
        market_order_clear(&f.order);                                                              \
    } while (0)

START_TEST(bid_acceptability)
{
    {
        auction_fx f;
        auction_fx_init(&f);
        market_u128 floor;
        ck_assert_int_eq(market_floor_cost(&floor, &f.offer.spec.floor, &f.order.summary.total),
                         AG_OK);
        ck_assert(floor == 342);
        market_order_clear(&f.order);
    }
    BID_CHECK(AG_OK, (void)0);
    BID_CHECK(AG_OK, f.bid.price.amount = 342);         /* exactly the floor */
    BID_CHECK(AG_ERR_STATE, f.bid.price.amount = 341);  /* below the floor */
    BID_CHECK(AG_OK, f.bid.price.amount = 1000);        /* exactly the max */
    BID_CHECK(AG_ERR_STATE, f.bid.price.amount = 1001); /* above the max */
    BID_CHECK(AG_ERR_STATE, f.order.state = MARKET_ORDER_ACTIVE);
    BID_CHECK(AG_ERR_STATE, f.order.state = MARKET_ORDER_CLOSED);
    BID_CHECK(AG_ERR_STATE, f.order.closing_height = 105); /* window ended */
    BID_CHECK(AG_OK, f.order.closing_height = 106);        /* last block of the window */
    BID_CHECK(AG_ERR_STATE, f.order.bid_count = f.params.max_bids_per_order);
    BID_CHECK(AG_OK, f.order.bid_count = f.params.max_bids_per_order - 1);
    BID_CHECK(AG_ERR_PERMISSION, f.bid.provider = addr_of(9));
    BID_CHECK(AG_ERR_STATE, f.offer.state = MARKET_OFFER_INACTIVE);
    BID_CHECK(AG_ERR_INVALID_ARG, f.bid.offer_id = 3);
    BID_CHECK(AG_ERR_INVALID_ARG, f.bid.order_id = 3);
    BID_CHECK(AG_ERR_STATE, snprintf(f.bid.price.denom, sizeof f.bid.price.denom, "uother"));
    BID_CHECK(AG_ERR_STATE, snprintf(f.offer.spec.floor.denom, 8, "uother"));
    BID_CHECK(AG_ERR_STATE, f.bid.deposit.amount = 499999);
    BID_CHECK(AG_ERR_STATE, snprintf(f.bid.deposit.denom, sizeof f.bid.deposit.denom, "uother"));
    BID_CHECK(AG_OK, f.params.min_bid_deposit.amount = 0);
    BID_CHECK(AG_ERR_STATE, f.offer.spec.attributes.n = 1); /* lacks tier=gold */
    BID_CHECK(AG_ERR_STATE, f.offer.leased.gpus = 7);       /* 1 GPU free, 2 needed */
    BID_CHECK(AG_OK, f.offer.leased.gpus = 6);              /* exactly 2 free */
    BID_CHECK(AG_ERR_STATE, f.offer.leased.cpu_millis = f.offer.spec.capacity.cpu_millis + 1);
    BID_CHECK(AG_ERR_OVERFLOW, f.offer.spec.floor.gpu = ~(market_u128)0);
}
END_TEST

static market_bid open_bid(uint64_t id, market_u128 price, int64_t height, uint8_t provider)
{
    market_bid b = {.id = id,
                    .order_id = 1,
                    .offer_id = 1,
                    .provider = addr_of(provider),
                    .state = MARKET_BID_OPEN,
                    .created_height = height};
    snprintf(b.price.denom, sizeof b.price.denom, "uagora");
    b.price.amount = price;
    return b;
}

START_TEST(auction_winner)
{
    market_bid bids[5] = {
        open_bid(10, 500, 101, 1), open_bid(11, 400, 103, 2), open_bid(12, 400, 102, 3),
        open_bid(13, 300, 100, 4), open_bid(14, 400, 102, 5),
    };
    size_t w;
    ck_assert_int_eq(market_auction_winner(&w, bids, 0), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(market_auction_winner(&w, bids, 5), AG_OK);
    ck_assert_uint_eq(w, 3); /* lowest price */
    bids[3].state = MARKET_BID_WITHDRAWN;
    ck_assert_int_eq(market_auction_winner(&w, bids, 5), AG_OK);
    ck_assert_uint_eq(w, 2); /* 400 at height 102, lower id than 14 */
    bids[2].state = MARKET_BID_LOST;
    ck_assert_int_eq(market_auction_winner(&w, bids, 5), AG_OK);
    ck_assert_uint_eq(w, 4); /* 400 at 102 beats 400 at 103 despite the higher id */
    /* same price, height and id: the provider address decides */
    market_bid x = open_bid(20, 1, 1, 1), y = open_bid(20, 1, 1, 2);
    ck_assert_int_lt(
        market_bid_compare(&x, &y) * memcmp(x.provider.b, y.provider.b, 20) >= 0 ? -1 : 1, 0);
    ck_assert_int_eq(market_bid_compare(&x, &x), 0);
    for (int i = 0; i < 5; i++)
        bids[i].state = MARKET_BID_WITHDRAWN;
    ck_assert_int_eq(market_auction_winner(&w, bids, 5), AG_ERR_NOT_FOUND);
    /* the result does not depend on the order bids are listed in */
    ag_rng rng;
    ag_test_rng(&rng, 3);
    for (uint64_t it = 0; it < ag_test_iters(500, 50000); it++) {
        market_bid set[8];
        size_t n = 1 + (size_t)ag_rng_below(&rng, 8);
        for (size_t i = 0; i < n; i++)
            set[i] = open_bid(i + 1, 1 + ag_rng_below(&rng, 3), (int64_t)ag_rng_below(&rng, 3),
                              (uint8_t)ag_rng_below(&rng, 4));
        size_t w1, w2;
        ck_assert_int_eq(market_auction_winner(&w1, set, n), AG_OK);
        uint64_t id = set[w1].id;
        for (size_t i = n - 1; i > 0; i--) { /* shuffle */
            size_t j = (size_t)ag_rng_below(&rng, i + 1);
            market_bid t = set[i];
            set[i] = set[j];
            set[j] = t;
        }
        ck_assert_int_eq(market_auction_winner(&w2, set, n), AG_OK);
        ck_assert_uint_eq(set[w2].id, id);
        for (size_t i = 0; i < n; i++)
            ck_assert_int_le(market_bid_compare(&set[w2], &set[i]), 0);
    }
}
END_TEST

/* ---- settlement --------------------------------------------------------------- */

START_TEST(settle_basics)
{
    market_settlement s;
    /* 10 blocks at 7 from an escrow of 100, 2% take */
    ck_assert_int_eq(market_settle(&s, 7, 100, 50, 60, 200), AG_OK);
    ck_assert_uint_eq(s.blocks, 10);
    ck_assert(s.owed == 70);
    ck_assert(s.take == 1);         /* floor(70 x 0.02) = floor(1.4) */
    ck_assert(s.to_provider == 69); /* the remainder goes to the provider */
    ck_assert(s.escrow_after == 30);
    ck_assert_int_eq(s.settled_height, 60);
    ck_assert(!s.exhausted);
    /* nothing due */
    ck_assert_int_eq(market_settle(&s, 7, 100, 60, 60, 200), AG_OK);
    ck_assert_uint_eq(s.blocks, 0);
    ck_assert(s.owed == 0 && s.escrow_after == 100);
    /* capped by the escrow: 14 blocks of 7 fit in 100, 2 left over */
    ck_assert_int_eq(market_settle(&s, 7, 100, 0, 1000, 0), AG_OK);
    ck_assert_uint_eq(s.blocks, 14);
    ck_assert(s.owed == 98 && s.escrow_after == 2 && s.take == 0 && s.to_provider == 98);
    ck_assert_int_eq(s.settled_height, 14);
    ck_assert(s.exhausted);
    /* escrow exactly enough: exhausted at the block boundary */
    ck_assert_int_eq(market_settle(&s, 10, 100, 0, 10, 10000), AG_OK);
    ck_assert_uint_eq(s.blocks, 10);
    ck_assert(s.escrow_after == 0 && s.exhausted);
    ck_assert(s.take == 100 && s.to_provider == 0); /* 100% take */
    /* one block short of exhaustion */
    ck_assert_int_eq(market_settle(&s, 10, 100, 0, 9, 0), AG_OK);
    ck_assert(s.escrow_after == 10 && !s.exhausted);
    /* invalid arguments */
    ck_assert_int_eq(market_settle(&s, 0, 100, 0, 9, 0), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(market_settle(&s, 1, 100, 10, 9, 0), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(market_settle(&s, 1, 100, -1, 9, 0), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(market_settle(&s, 1, 100, 0, 9, 10001), AG_ERR_INVALID_ARG);
    /* huge values: no overflow, exact */
    market_u128 max = ~(market_u128)0;
    ck_assert_int_eq(market_settle(&s, max, max, 0, INT64_MAX, 9999), AG_OK);
    ck_assert_uint_eq(s.blocks, 1);
    ck_assert(s.owed == max && s.escrow_after == 0);
    ck_assert(s.take + s.to_provider == max);
    ck_assert_int_eq(market_settle(&s, 1, max, 0, INT64_MAX, 300), AG_OK);
    ck_assert_uint_eq(s.blocks, (uint64_t)INT64_MAX);
    ck_assert_int_eq(s.settled_height, INT64_MAX);
}
END_TEST

START_TEST(exhaustion_height)
{
    int64_t h;
    ck_assert_int_eq(market_exhaustion_height(&h, 10, 100, 50), AG_OK);
    ck_assert_int_eq(h, 61); /* pays 51..60, cannot pay 61 */
    ck_assert_int_eq(market_exhaustion_height(&h, 10, 109, 50), AG_OK);
    ck_assert_int_eq(h, 61);
    ck_assert_int_eq(market_exhaustion_height(&h, 10, 110, 50), AG_OK);
    ck_assert_int_eq(h, 62);
    ck_assert_int_eq(market_exhaustion_height(&h, 10, 9, 50), AG_OK);
    ck_assert_int_eq(h, 51);
    ck_assert_int_eq(market_exhaustion_height(&h, 1, ~(market_u128)0, 5), AG_OK);
    ck_assert_int_eq(h, INT64_MAX);
    ck_assert_int_eq(market_exhaustion_height(&h, 0, 1, 5), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(market_exhaustion_height(&h, 1, 1, -5), AG_ERR_INVALID_ARG);
    /* settling at the exhaustion height pays exactly up to the block before it,
     * and leaves less than one block's price; after a deposit it moves on */
    ag_rng rng;
    ag_test_rng(&rng, 4);
    for (uint64_t i = 0; i < ag_test_iters(5000, 500000); i++) {
        market_u128 price = 1 + ag_rng_below(&rng, 1000);
        market_u128 escrow = ag_rng_below(&rng, 100000);
        int64_t last = (int64_t)ag_rng_below(&rng, 1000000);
        ck_assert_int_eq(market_exhaustion_height(&h, price, escrow, last), AG_OK);
        market_settlement s;
        ck_assert_int_eq(market_settle(&s, price, escrow, last, h, 0), AG_OK);
        ck_assert_int_eq(s.settled_height, h - 1);
        ck_assert(s.exhausted);
        ck_assert(s.escrow_after < price);
        if (h - 1 > last) {
            ck_assert_int_eq(market_settle(&s, price, escrow, last, h - 1, 0), AG_OK);
            ck_assert_int_eq(s.settled_height, h - 1);
        }
        int64_t h2;
        ck_assert_int_eq(market_exhaustion_height(&h2, price, escrow + price, last), AG_OK);
        ck_assert_int_eq(h2, h + 1);
    }
}
END_TEST

START_TEST(take_split_rounding)
{
    market_u128 t, r;
    ck_assert_int_eq(market_take_split(&t, &r, 99, 100), AG_OK); /* 1% of 99 = 0.99 */
    ck_assert(t == 0 && r == 99);
    ck_assert_int_eq(market_take_split(&t, &r, 100, 100), AG_OK);
    ck_assert(t == 1 && r == 99);
    ck_assert_int_eq(market_take_split(&t, &r, 12345, 0), AG_OK);
    ck_assert(t == 0 && r == 12345);
    ck_assert_int_eq(market_take_split(&t, &r, 12345, 10000), AG_OK);
    ck_assert(t == 12345 && r == 0);
    ck_assert_int_eq(market_take_split(&t, &r, 1, 10001), AG_ERR_INVALID_ARG);
    market_u128 max = ~(market_u128)0;
    ck_assert_int_eq(market_take_split(&t, &r, max, 5000), AG_OK);
    ck_assert(t == max / 2); /* floor of half of an odd number */
    ck_assert(t + r == max);
    ag_rng rng;
    ag_test_rng(&rng, 5);
    for (uint64_t i = 0; i < ag_test_iters(20000, 2000000); i++) {
        market_u128 a = ((market_u128)ag_rng_next(&rng) << 32 | ag_rng_next(&rng) >> 32) >>
                        ag_rng_below(&rng, 96); /* < 2^96: a x bps fits */
        uint32_t bps = (uint32_t)ag_rng_below(&rng, 10001);
        ck_assert_int_eq(market_take_split(&t, &r, a, bps), AG_OK);
        ck_assert(t == a * bps / 10000);
        ck_assert(t + r == a);
    }
    /* price x blocks */
    market_u128 out;
    ck_assert_int_eq(market_amount_mul(&out, 7, 6), AG_OK);
    ck_assert(out == 42);
    ck_assert_int_eq(market_amount_mul(&out, max, 2), AG_ERR_OVERFLOW);
    ck_assert(out == 0);
    ck_assert_int_eq(market_amount_sub(&out, 5, 6), AG_ERR_OVERFLOW);
    ck_assert_int_eq(market_amount_sub(&out, 6, 5), AG_OK);
    ck_assert(out == 1);
}
END_TEST

START_TEST(event_names)
{
    ck_assert_str_eq(market_close_reason_name(MARKET_CLOSE_INSUFFICIENT_FUNDS),
                     "insufficient_funds");
    ck_assert_str_eq(market_close_reason_name(MARKET_CLOSE_TENANT), "tenant");
    ck_assert_str_eq(market_close_reason_name(MARKET_CLOSE_PROVIDER), "provider");
    ck_assert_str_eq(market_close_reason_name(MARKET_CLOSE_ORDER_CLOSED), "order_closed");
    ck_assert_ptr_null(market_close_reason_name(MARKET_CLOSE_NONE));
}
END_TEST

static Suite *market_types_suite(void)
{
    Suite *s = suite_create("market_types");
    TCase *tc = ag_test_tcase("messages");
    tcase_add_test(tc, order_decodes_and_summarises);
    tcase_add_test(tc, order_rejections);
    tcase_add_test(tc, order_wire_caps_and_unknown_fields);
    tcase_add_test(tc, offer_decode_and_rejections);
    tcase_add_test(tc, ref_and_deposit_messages);
    tcase_add_test(tc, bid_and_close_lease_messages);
    tcase_add_test(tc, registry_entries);
    tcase_add_test(tc, message_encoders_round_trip);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("records");
    tcase_add_test(tc, records_round_trip);
    tcase_add_test(tc, records_reject_hostile_bytes);
    tcase_add_test(tc, genesis_decodes);
    tcase_add_test(tc, keys_layout_and_order);
    tcase_add_test(tc, event_names);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("logic");
    tcase_add_test(tc, resources_arithmetic);
    tcase_add_test(tc, placement_matching);
    tcase_add_test(tc, floor_cost_rounding);
    tcase_add_test(tc, bid_acceptability);
    tcase_add_test(tc, auction_winner);
    tcase_add_test(tc, settle_basics);
    tcase_add_test(tc, exhaustion_height);
    tcase_add_test(tc, take_split_rounding);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(market_types_suite)
