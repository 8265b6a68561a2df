/* Market messages through the registry, and market records. The first byte
 * selects what the rest is: 0..11 a message of market/msg.h by type URL
 * (through market_msg_type_find, as the tx decoder does), 12..16 an Offer,
 * Order, Bid, Lease or Params record.
 * Properties: a failed decode leaves no object; a decoded message names its
 * signer, respects the limits, decodes the same twice; an order's workload
 * is canonical (checks again to the same bytes and summary); a record
 * re-encodes to bytes that decode to the same record and re-encode to the
 * same bytes. */
#include <string.h>

#include "market/msg.h"
#include "market/records.h"
#include "market/resources.h"
#include "tests/fuzz/fuzz.h"

static const char *const urls[] = {
    MARKET_MSG_CREATE_OFFER_URL,   MARKET_MSG_UPDATE_OFFER_URL,  MARKET_MSG_DEACTIVATE_OFFER_URL,
    MARKET_MSG_CREATE_ORDER_URL,   MARKET_MSG_DEPOSIT_ORDER_URL, MARKET_MSG_CLOSE_ORDER_URL,
    MARKET_MSG_CREATE_BID_URL,     MARKET_MSG_WITHDRAW_BID_URL,  MARKET_MSG_ACCEPT_BID_URL,
    MARKET_MSG_WITHDRAW_LEASE_URL, MARKET_MSG_DEPOSIT_LEASE_URL, MARKET_MSG_CLOSE_LEASE_URL,
};
#define N_URLS (sizeof urls / sizeof urls[0])

static void check_attrs(const market_attributes *a)
{
    FUZZ_ASSERT(a->n <= MARKET_MAX_ATTRIBUTES);
    for (size_t i = 0; i < a->n; i++) {
        FUZZ_ASSERT(strlen(a->a[i].key) >= 1 && strlen(a->a[i].key) <= MARKET_ATTR_KEY_MAX);
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(a->a[i].key, a->a[j].key) != 0);
    }
}

/* Encode a decoded message with its encoder. */
static ag_err reencode(ag_buf *out, const market_msg *m)
{
    const market_msg_type *t = m->type;
    if (t == &market_msg_create_offer_type)
        return market_msg_create_offer_encode(out, m->value);
    if (t == &market_msg_update_offer_type)
        return market_msg_update_offer_encode(out, m->value);
    if (t == &market_msg_create_order_type)
        return market_msg_create_order_encode(out, m->value);
    if (t == &market_msg_create_bid_type)
        return market_msg_create_bid_encode(out, m->value);
    if (t == &market_msg_close_lease_type)
        return market_msg_close_lease_encode(out, m->value);
    if (market_msg_as_ref(m))
        return market_msg_ref_encode(out, t, m->value);
    return market_msg_deposit_encode(out, t, m->value);
}

static void check_message(const market_msg_type *t, const uint8_t *data, size_t size)
{
    void *v = (void *)1;
    if (t->decode(&v, data, size) != AG_OK) {
        FUZZ_ASSERT(v == NULL);
        return;
    }
    FUZZ_ASSERT(v != NULL);
    crypto_address signer;
    t->signer(v, &signer);
    market_msg msg = {t, v};
    const market_msg_create_order *o = market_msg_as_create_order(&msg);
    if (o) {
        FUZZ_ASSERT(o->summary.n_services >= 1 && o->summary.n_services <= MARKET_MAX_SERVICES);
        FUZZ_ASSERT(market_resources_check_max(&o->summary.total, "total") == AG_OK);
        FUZZ_ASSERT(o->max_price.amount > 0 && o->deposit.amount > 0);
        check_attrs(&o->placement);
        check_attrs(&o->summary.gpu_attributes);
        market_workload_summary s;
        ag_buf canon;
        ag_buf_init(&canon, 0);
        FUZZ_ASSERT(market_workload_check(&s, &canon, o->workload, o->workload_len) == AG_OK);
        FUZZ_ASSERT(memcmp(&s, &o->summary, sizeof s) == 0);
        FUZZ_ASSERT(canon.len == o->workload_len &&
                    memcmp(canon.data, o->workload, canon.len) == 0);
        ag_buf_free(&canon);
    }
    const market_msg_offer *of = market_msg_as_offer(&msg);
    if (of) {
        check_attrs(&of->spec.attributes);
        check_attrs(&of->spec.gpu_attributes);
        FUZZ_ASSERT(of->spec.capacity.cpu_millis > 0);
        /* as a record it round-trips */
        market_offer rec;
        memset(&rec, 0, sizeof rec);
        rec.id = 1;
        rec.provider = of->provider;
        rec.spec = of->spec;
        rec.state = MARKET_OFFER_ACTIVE;
        ag_buf enc;
        ag_buf_init(&enc, 0);
        FUZZ_ASSERT(market_offer_encode(&enc, &rec) == AG_OK);
        market_offer back;
        FUZZ_ASSERT(market_offer_decode(&back, enc.data, enc.len) == AG_OK);
        FUZZ_ASSERT(memcmp(&back, &rec, sizeof rec) == 0);
        ag_buf_free(&enc);
    }
    const market_msg_ref *r = market_msg_as_ref(&msg);
    if (r)
        FUZZ_ASSERT(r->id > 0);
    const market_msg_deposit *d = market_msg_as_deposit(&msg);
    if (d)
        FUZZ_ASSERT(d->id > 0 && d->amount.amount > 0);
    /* deterministic */
    void *again = NULL;
    FUZZ_ASSERT(t->decode(&again, data, size) == AG_OK);
    t->free_msg(again);
    /* encode -> decode gives the same value; encoding is a fixed point */
    ag_buf e1, e2;
    ag_buf_init(&e1, 0);
    ag_buf_init(&e2, 0);
    FUZZ_ASSERT(reencode(&e1, &msg) == AG_OK);
    again = NULL;
    FUZZ_ASSERT(t->decode(&again, e1.data, e1.len) == AG_OK);
    market_msg back = {t, again};
    FUZZ_ASSERT(reencode(&e2, &back) == AG_OK);
    FUZZ_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
    ag_buf_free(&e1);
    ag_buf_free(&e2);
    if (o) {
        const market_msg_create_order *o2 = again;
        FUZZ_ASSERT(o2->workload_len == o->workload_len &&
                    memcmp(o2->workload, o->workload, o->workload_len) == 0);
        FUZZ_ASSERT(memcmp(&o2->summary, &o->summary, sizeof o->summary) == 0);
        FUZZ_ASSERT(memcmp(&o2->placement, &o->placement, sizeof o->placement) == 0);
        FUZZ_ASSERT(memcmp(&o2->tenant, &o->tenant, sizeof o->tenant) == 0);
        FUZZ_ASSERT(memcmp(&o2->max_price, &o->max_price, sizeof o->max_price) == 0);
        FUZZ_ASSERT(memcmp(&o2->deposit, &o->deposit, sizeof o->deposit) == 0);
        FUZZ_ASSERT(o2->auction_blocks == o->auction_blocks && o2->auto_award == o->auto_award);
    }
    if (!o) {
        /* same struct bytes (structs are zeroed before filling) */
        size_t sz = of                               ? sizeof(market_msg_offer)
                    : r                              ? sizeof(market_msg_ref)
                    : d                              ? sizeof(market_msg_deposit)
                    : market_msg_as_create_bid(&msg) ? sizeof(market_msg_create_bid)
                                                     : sizeof(market_msg_close_lease);
        FUZZ_ASSERT(memcmp(again, v, sz) == 0);
    }
    t->free_msg(again);
    t->free_msg(v);
}

/* decode -> encode -> decode -> encode: equal values, equal bytes. */
#define RECORD_ROUND_TRIP(type, decode, encode, clear, eq)                                         \
    do {                                                                                           \
        type a, b;                                                                                 \
        if (decode(&a, data, size) != AG_OK)                                                       \
            return;                                                                                \
        ag_buf e1, e2;                                                                             \
        ag_buf_init(&e1, 0);                                                                       \
        ag_buf_init(&e2, 0);                                                                       \
        FUZZ_ASSERT(encode(&e1, &a) == AG_OK);                                                     \
        FUZZ_ASSERT(decode(&b, e1.data, e1.len) == AG_OK);                                         \
        FUZZ_ASSERT(eq);                                                                           \
        FUZZ_ASSERT(encode(&e2, &b) == AG_OK);                                                     \
        FUZZ_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);                    \
        clear;                                                                                     \
        ag_buf_free(&e1);                                                                          \
        ag_buf_free(&e2);                                                                          \
    } while (0)

static void check_record(unsigned which, const uint8_t *data, size_t size)
{
    switch (which) {
    case 0:
        RECORD_ROUND_TRIP(market_offer, market_offer_decode, market_offer_encode, (void)0,
                          memcmp(&a, &b, sizeof a) == 0);
        break;
    case 1:
        RECORD_ROUND_TRIP(market_order, market_order_decode, market_order_encode,
                          (market_order_clear(&a), market_order_clear(&b)),
                          a.workload_len == b.workload_len &&
                              memcmp(a.workload, b.workload, a.workload_len) == 0 &&
                              memcmp(&a.summary, &b.summary, sizeof a.summary) == 0 &&
                              a.bid_count == b.bid_count);
        break;
    case 2:
        RECORD_ROUND_TRIP(market_bid, market_bid_decode, market_bid_encode, (void)0,
                          memcmp(&a, &b, sizeof a) == 0);
        break;
    case 3:
        RECORD_ROUND_TRIP(market_lease, market_lease_decode, market_lease_encode, (void)0,
                          memcmp(&a, &b, sizeof a) == 0);
        break;
    default:
        RECORD_ROUND_TRIP(market_params, market_params_decode, market_params_encode, (void)0,
                          memcmp(&a, &b, sizeof a) == 0);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0] % (N_URLS + 5);
    data++;
    size--;
    if (sel < N_URLS) {
        const market_msg_type *t =
            market_msg_type_find((const uint8_t *)urls[sel], strlen(urls[sel]));
        FUZZ_ASSERT(t != NULL);
        check_message(t, data, size);
    } else {
        check_record(sel - (unsigned)N_URLS, data, size);
    }
    return 0;
}
