/* agora-provider, chain side: the bid decision, the offer plan, the
 * withdrawal rule, config parsing and the pricing command. Pure functions
 * and a child process; the loop against a real chain is
 * tests/integration/test_provider.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/auction.h"
#include "provider/bidder.h"
#include "provider/config.h"
#include "provider/offer.h"
#include "provider/withdraw.h"
#include "tests/harness/ag_test.h"

#define GIB ((uint64_t)1 << 30)

static market_offer test_offer(void)
{
    market_offer f = {.id = 7, .state = MARKET_OFFER_ACTIVE};
    snprintf(f.spec.host_uri, sizeof f.spec.host_uri, "https://p.example:8443");
    f.spec.capacity = (market_resources){8000, 16 * GIB, 100 * GIB, 0, 4};
    f.spec.attributes.n = 2;
    snprintf(f.spec.attributes.a[0].key, sizeof f.spec.attributes.a[0].key, "region");
    snprintf(f.spec.attributes.a[0].value, sizeof f.spec.attributes.a[0].value, "eu");
    snprintf(f.spec.attributes.a[1].key, sizeof f.spec.attributes.a[1].key, "tier");
    snprintf(f.spec.attributes.a[1].value, sizeof f.spec.attributes.a[1].value, "gold");
    snprintf(f.spec.floor.denom, sizeof f.spec.floor.denom, "uagora");
    f.spec.floor.cpu = 100;   /* per 1000 millicores per block */
    f.spec.floor.memory = 50; /* per GiB */
    return f;
}

static market_order test_order(void)
{
    market_order o = {.id = 3, .state = MARKET_ORDER_OPEN, .closing_height = 100};
    o.summary.n_services = 1;
    o.summary.total = (market_resources){2000, 2 * GIB, 0, 0, 1};
    snprintf(o.max_price.denom, sizeof o.max_price.denom, "uagora");
    o.max_price.amount = 1000;
    o.placement.n = 1;
    snprintf(o.placement.a[0].key, sizeof o.placement.a[0].key, "region");
    snprintf(o.placement.a[0].value, sizeof o.placement.a[0].value, "eu");
    return o;
}

static provider_bid_decision decide(const market_offer *f, const market_order *o,
                                    market_resources reserved)
{
    provider_bid_input in = {.offer = f, .order = o, .reserved = reserved, .height = 50};
    provider_bid_decision d;
    provider_bid_decide(&in, &d);
    return d;
}

START_TEST(bids_at_the_floor_cost_when_everything_fits)
{
    market_offer f = test_offer();
    market_order o = test_order();
    provider_bid_decision d = decide(&f, &o, (market_resources){0});
    ck_assert_msg(d.bid, "%s", d.reason);
    /* 2 cpu x 100 + 2 GiB x 50 = 300, the chain's own floor cost. */
    market_u128 floor;
    ck_assert_int_eq(market_floor_cost(&floor, &f.spec.floor, &o.summary.total), AG_OK);
    ck_assert(d.price.amount == floor);
    ck_assert(d.price.amount == 300);
    ck_assert_str_eq(d.price.denom, "uagora");
    /* Deterministic: the same inputs, the same answer. */
    provider_bid_decision e = decide(&f, &o, (market_resources){0});
    ck_assert(memcmp(&d, &e, sizeof d) == 0);
}
END_TEST

START_TEST(declines_with_the_first_broken_rule)
{
    market_offer f = test_offer();
    market_order o = test_order();
    provider_bid_decision d;

    o.placement.a[0].value[0] = 'u'; /* region=uu */
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);
    ck_assert_msg(strstr(d.reason, "placement"), "%s", d.reason);

    o = test_order();
    o.max_price.amount = 299; /* below the floor cost of 300 */
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);
    ck_assert_msg(strstr(d.reason, "max_price"), "%s", d.reason);

    o = test_order();
    o.summary.total.cpu_millis = 8001;
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);
    ck_assert_msg(strstr(d.reason, "capacity"), "%s", d.reason);

    /* Capacity promised to open bids counts: 6500 reserved + 2000 > 8000. */
    o = test_order();
    d = decide(&f, &o, (market_resources){6500, 0, 0, 0, 0});
    ck_assert(!d.bid);
    ck_assert_msg(strstr(d.reason, "capacity"), "%s", d.reason);
    /* ... and leases on the offer too. */
    f.leased.endpoints = 4;
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);

    f = test_offer();
    o.closing_height = 50; /* the window ends at the current height */
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);
    ck_assert_msg(strstr(d.reason, "window"), "%s", d.reason);

    o = test_order();
    o.state = MARKET_ORDER_ACTIVE;
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);

    o = test_order();
    snprintf(o.max_price.denom, sizeof o.max_price.denom, "uatom");
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);
    ck_assert_msg(strstr(d.reason, "denom"), "%s", d.reason);

    o = test_order();
    f.state = MARKET_OFFER_INACTIVE;
    d = decide(&f, &o, (market_resources){0});
    ck_assert(!d.bid);

    f = test_offer();
    provider_bid_input in = {.offer = &f, .order = &o, .height = 50, .already_bid = true};
    provider_bid_decide(&in, &d);
    ck_assert(!d.bid);
    ck_assert_msg(strstr(d.reason, "already"), "%s", d.reason);
}
END_TEST

START_TEST(quotes_are_used_within_floor_and_max)
{
    market_offer f = test_offer();
    market_order o = test_order();
    provider_bid_input in = {.offer = &f, .order = &o, .height = 50, .has_quote = true};
    provider_bid_decision d;
    in.quote = 700;
    provider_bid_decide(&in, &d);
    ck_assert(d.bid && d.price.amount == 700);
    in.quote = 299; /* below the floor */
    provider_bid_decide(&in, &d);
    ck_assert(!d.bid);
    in.quote = 1001; /* above the order's max */
    provider_bid_decide(&in, &d);
    ck_assert(!d.bid);
    /* A zero floor still bids a positive price (the chain refuses 0). */
    memset(&f.spec.floor.cpu, 0, sizeof f.spec.floor.cpu);
    f.spec.floor.memory = 0;
    in.has_quote = false;
    provider_bid_decide(&in, &d);
    ck_assert(d.bid && d.price.amount == 1);
}
END_TEST

START_TEST(offer_plan_creates_updates_keeps)
{
    market_offer f = test_offer();
    size_t idx = 99;
    ck_assert_int_eq(provider_offer_plan(NULL, 0, &f.spec, &idx), PROVIDER_OFFER_CREATE);
    market_offer list[3] = {f, f, f};
    list[0].id = 1;
    list[0].state = MARKET_OFFER_INACTIVE;
    list[1].id = 2;
    list[2].id = 5;
    list[2].spec.capacity.cpu_millis = 4000;
    ck_assert_int_eq(provider_offer_plan(list, 3, &f.spec, &idx), PROVIDER_OFFER_UPDATE);
    ck_assert_uint_eq(idx, 2); /* the newest active one */
    list[2].spec = f.spec;
    /* Attributes compare as sets: order does not matter. */
    market_attribute t = list[2].spec.attributes.a[0];
    list[2].spec.attributes.a[0] = list[2].spec.attributes.a[1];
    list[2].spec.attributes.a[1] = t;
    ck_assert_int_eq(provider_offer_plan(list, 3, &f.spec, &idx), PROVIDER_OFFER_KEEP);
    list[2].spec.floor.memory = 51;
    ck_assert_int_eq(provider_offer_plan(list, 3, &f.spec, &idx), PROVIDER_OFFER_UPDATE);
    list[1].state = list[2].state = MARKET_OFFER_INACTIVE;
    ck_assert_int_eq(provider_offer_plan(list, 3, &f.spec, &idx), PROVIDER_OFFER_CREATE);
}
END_TEST

START_TEST(withdraw_rule)
{
    market_lease l = {
        .id = 1, .state = MARKET_LEASE_ACTIVE, .last_settled_height = 10, .escrow = 1000};
    snprintf(l.price.denom, sizeof l.price.denom, "uagora");
    l.price.amount = 10; /* 100 blocks from height 10 */
    ck_assert_uint_eq(provider_lease_blocks_left(&l, 10), 100);
    ck_assert_uint_eq(provider_lease_blocks_left(&l, 60), 50);
    ck_assert_uint_eq(provider_lease_blocks_left(&l, 500), 0);
    ck_assert(!provider_withdraw_due(&l, 60, false, 20)); /* 50 left, not due */
    ck_assert(provider_withdraw_due(&l, 60, true, 20));   /* the interval passed */
    ck_assert(provider_withdraw_due(&l, 95, false, 20));  /* 15 left: before it runs dry */
    ck_assert(!provider_withdraw_due(&l, 10, true, 20));  /* nothing accrued */
    l.paid = 5;
    ck_assert(provider_withdraw_due(&l, 10, true, 20)); /* unwithdrawn earnings */
    l.state = MARKET_LEASE_CLOSED;
    ck_assert(!provider_withdraw_due(&l, 95, true, 20));
    l.price.amount = 0;
    ck_assert_uint_eq(provider_lease_blocks_left(&l, 95), UINT64_MAX);
}
END_TEST

static const char *good_config =
    "[key]\nname = prov\nhome = /tmp/h\nbackend = test\n"
    "[node]\nrpc = http://127.0.0.1:1\n"
    "[cluster]\ndry_run_dir = /tmp/d\n"
    "[offer]\nhost_uri = https://p:1\nattributes = region=eu,tier=gold\n"
    "cpu_millis = 8000\nmemory_bytes = 17179869184\nendpoints = 4\n"
    "[pricing]\ndenom = uagora\ncpu = 100\nmemory = 50\n"
    "[bid]\ndeposit = 5000000uagora\n"
    "[daemon]\npoll_ms = 250\n";

START_TEST(config_parses_and_refuses)
{
    provider_config c;
    provider_config_default(&c);
    ck_assert_msg(provider_config_parse(&c, good_config, "t.ini") == AG_OK, "%s", ag_err_detail());
    ck_assert_int_eq(provider_config_check_cluster(&c), AG_OK);
    ck_assert_str_eq(c.key_name, "prov");
    ck_assert_uint_eq(c.offer.capacity.cpu_millis, 8000);
    ck_assert_uint_eq(c.offer.attributes.n, 2);
    ck_assert_str_eq(c.offer.attributes.a[1].value, "gold");
    ck_assert(c.offer.floor.memory == 50);
    ck_assert(c.bid_deposit.amount == 5000000);
    ck_assert_uint_eq(c.poll_ms, 250);
    ck_assert_uint_eq(c.withdraw_interval_s, 60); /* default kept */

    const char *bad[] = {
        "[key]\nnmae = x\n",                          /* unknown key */
        "[nope]\nname = x\n",                         /* unknown section */
        "[offer]\ncpu_millis = -1\n",                 /* not unsigned */
        "[offer]\ncpu_millis = 12abc\n",              /* trailing junk */
        "[offer]\nattributes = Region=eu\n",          /* key charset */
        "[offer]\nattributes = a=b,a=c\n",            /* duplicate key */
        "[offer]\nattributes = novalue\n",            /* not key=value */
        "[pricing]\ncpu = 1.5\n",                     /* not an amount */
        "[bid]\ndeposit = uagora\n",                  /* not a coin */
        "[daemon]\npoll_ms = 99999999999999999999\n", /* overflow */
        "[offer]\ncapacity = nodes\n",                /* fixed or cluster */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text, "%s%s", good_config, bad[i]);
        provider_config before = c;
        ck_assert_msg(provider_config_parse(&c, text, "t.ini") != AG_OK, "accepted: %s", bad[i]);
        ck_assert(memcmp(&before, &c, sizeof c) == 0); /* unchanged on error */
    }
    /* Required keys. */
    provider_config d;
    provider_config_default(&d);
    ck_assert_int_eq(provider_config_parse(&d, "[key]\nname = p\n", "t.ini"), AG_ERR_INVALID_ARG);
    /* A line too long for the parser is refused, not split. */
    char *huge = malloc(4096);
    memset(huge, 'a', 4095);
    huge[4095] = 0;
    memcpy(huge, "[key]\nname = ", 13);
    ck_assert_int_eq(provider_config_parse(&d, huge, "t.ini"), AG_ERR_DECODE);
    free(huge);
    /* Both or neither cluster sink. */
    c.kubeconfig[0] = 'k';
    ck_assert_int_eq(provider_config_check_cluster(&c), AG_ERR_INVALID_ARG);
}
END_TEST

/* capacity = cluster: the fixed amounts may be all zero (the nodes give
 * them), the reserve is read, and a dry run (no nodes) is refused. */
START_TEST(config_capacity_from_cluster)
{
    provider_config c;
    provider_config_default(&c);
    ck_assert(!provider_config_capacity_from_cluster(&c));
    const char *text = "[key]\nname = prov\n[offer]\nhost_uri = https://p:1\ncapacity = cluster\n"
                       "reserve_cpu_millis = 500\nreserve_memory_bytes = 1073741824\n"
                       "[pricing]\ndenom = uagora\n[bid]\ndeposit = 1uagora\n"
                       "[cluster]\nkubeconfig = /tmp/kc\n";
    ck_assert_msg(provider_config_parse(&c, text, "t.ini") == AG_OK, "%s", ag_err_detail());
    ck_assert(provider_config_capacity_from_cluster(&c));
    ck_assert_uint_eq(c.reserve.cpu_millis, 500);
    ck_assert_uint_eq(c.reserve.memory_bytes, 1073741824);
    ck_assert_int_eq(provider_config_check_cluster(&c), AG_OK);
    c.kubeconfig[0] = 0;
    snprintf(c.dry_run_dir, sizeof c.dry_run_dir, "/tmp/d");
    ck_assert_int_eq(provider_config_check_cluster(&c), AG_ERR_INVALID_ARG);
    /* Fixed capacity still needs an amount. */
    provider_config f;
    provider_config_default(&f);
    const char *fixed = "[key]\nname = prov\n[offer]\nhost_uri = https://p:1\n"
                        "[pricing]\ndenom = uagora\n[bid]\ndeposit = 1uagora\n";
    ck_assert_int_eq(provider_config_parse(&f, fixed, "t.ini"), AG_ERR_INVALID_ARG);
}
END_TEST

START_TEST(pricing_command)
{
    market_u128 p = 0;
    /* The command reads the order JSON: its length decides the price. */
    ck_assert_msg(provider_price_command("wc -c", "{\"id\":\"3\"}", 5000, &p) == AG_OK, "%s",
                  ag_err_detail());
    ck_assert(p == 10);
    ck_assert_int_eq(provider_price_command("echo 1234", "{}", 5000, &p), AG_OK);
    ck_assert(p == 1234);
    ck_assert_int_eq(provider_price_command("echo twelve", "{}", 5000, &p), AG_ERR_DECODE);
    ck_assert_int_eq(provider_price_command("exit 3", "{}", 5000, &p), AG_ERR_STATE);
    ck_assert_int_eq(provider_price_command("sleep 5; echo 1", "{}", 200, &p), AG_ERR_TIMEOUT);
    ck_assert_int_eq(provider_price_command("yes 1", "{}", 5000, &p), AG_ERR_DECODE);
}
END_TEST

static Suite *provider_daemon_suite(void)
{
    Suite *s = suite_create("provider_daemon");
    TCase *tc = ag_test_tcase("decide");
    tcase_add_test(tc, bids_at_the_floor_cost_when_everything_fits);
    tcase_add_test(tc, declines_with_the_first_broken_rule);
    tcase_add_test(tc, quotes_are_used_within_floor_and_max);
    tcase_add_test(tc, offer_plan_creates_updates_keeps);
    tcase_add_test(tc, withdraw_rule);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("config");
    tcase_add_test(tc, config_parses_and_refuses);
    tcase_add_test(tc, config_capacity_from_cluster);
    tcase_add_test(tc, pricing_command);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(provider_daemon_suite)
