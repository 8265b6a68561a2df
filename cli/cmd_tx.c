/* cmd_tx.c — `agora tx bank send` and `agora tx market ...`: turn the
 * command line into one message, then cli_tx_run signs and sends it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/types.pb-c.h"
#include "cli/tx_run.h"
#include "cli/workload.h"
#include "lib/pb.h"
#include "market/msg.h"
#include "state/msg.h"

/* The signer's address and a recipient that may be a key name. */
static ag_err resolve_address(const cli_ctx *ctx, const char *who, crypto_address *out)
{
    if (crypto_address_from_bech32(out, AGORA_BECH32_PREFIX, who) == AG_OK)
        return AG_OK;
    cli_key_info k;
    ag_err err = cli_keyring_find(ctx->keyring, who, &k);
    if (err)
        return ag_err_set(err, "\"%s\" is neither an agora1... address nor a key name", who);
    *out = k.addr;
    return AG_OK;
}

/* 1234, 4Ki, 512Mi, 2Gi, 1Ti (binary multiples) into bytes. */
static ag_err parse_size(cli_args *a, const char *name, uint64_t *out)
{
    const char *v = cli_args_get(a, name);
    *out = 0;
    if (!v)
        return AG_OK;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    unsigned shift = 0;
    if (!strcmp(end, "Ki"))
        shift = 10;
    else if (!strcmp(end, "Mi"))
        shift = 20;
    else if (!strcmp(end, "Gi"))
        shift = 30;
    else if (!strcmp(end, "Ti"))
        shift = 40;
    else if (*end)
        end = NULL;
    if (!end || end == v || *v < '0' || *v > '9' || (shift && n > (UINT64_MAX >> shift)))
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "--%s: \"%s\" (bytes, or a number with Ki, Mi, "
                          "Gi or Ti)",
                          name, v);
    *out = (uint64_t)n << shift;
    return AG_OK;
}

/* "k=v,k2=v2" into attrs. */
static ag_err parse_attrs(cli_args *a, const char *name, market_attributes *out)
{
    const char *v = cli_args_get(a, name);
    memset(out, 0, sizeof *out);
    while (v && *v) {
        const char *comma = strchr(v, ',');
        size_t len = comma ? (size_t)(comma - v) : strlen(v);
        const char *eq = memchr(v, '=', len);
        if (out->n == MARKET_MAX_ATTRIBUTES || !eq || eq == v ||
            (size_t)(eq - v) > MARKET_ATTR_KEY_MAX ||
            len - (size_t)(eq - v) - 1 > MARKET_ATTR_VALUE_MAX)
            return ag_err_set(AG_ERR_INVALID_ARG, "--%s: expected key=value[,key=value...]", name);
        market_attribute *at = &out->a[out->n++];
        memcpy(at->key, v, (size_t)(eq - v));
        memcpy(at->value, eq + 1, len - (size_t)(eq - v) - 1);
        v += len + (comma ? 1 : 0);
    }
    return AG_OK;
}

static ag_err parse_price(cli_args *a, const char *name, market_u128 *out)
{
    const char *v = cli_args_get(a, name);
    *out = 0;
    if (v && market_amount_parse(out, v, strlen(v)))
        return ag_err_set(AG_ERR_INVALID_ARG, "--%s: \"%s\" is not an amount", name, v);
    return AG_OK;
}

static ag_err offer_spec(cli_args *a, market_offer_spec *s)
{
    memset(s, 0, sizeof *s);
    const char *uri = cli_args_get(a, "host-uri"), *denom = cli_args_get(a, "price-denom");
    if (uri && strlen(uri) > MARKET_HOST_URI_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "--host-uri longer than %d", MARKET_HOST_URI_MAX);
    snprintf(s->host_uri, sizeof s->host_uri, "%s", uri ? uri : "");
    snprintf(s->floor.denom, sizeof s->floor.denom, "%s", denom ? denom : "uagora");
    ag_err err = cli_args_u64(a, "cpu", 0, &s->capacity.cpu_millis);
    if (!err)
        err = parse_size(a, "memory", &s->capacity.memory_bytes);
    if (!err)
        err = parse_size(a, "storage", &s->capacity.storage_bytes);
    if (!err)
        err = cli_args_u64(a, "gpu", 0, &s->capacity.gpus);
    if (!err)
        err = cli_args_u64(a, "endpoints", 0, &s->capacity.endpoints);
    if (!err)
        err = parse_attrs(a, "attr", &s->attributes);
    if (!err)
        err = parse_attrs(a, "gpu-attr", &s->gpu_attributes);
    if (!err)
        err = parse_price(a, "price-cpu", &s->floor.cpu);
    if (!err)
        err = parse_price(a, "price-memory", &s->floor.memory);
    if (!err)
        err = parse_price(a, "price-storage", &s->floor.storage);
    if (!err)
        err = parse_price(a, "price-gpu", &s->floor.gpu);
    if (!err)
        err = parse_price(a, "price-endpoint", &s->floor.endpoint);
    return err;
}

static ag_err coin_opt(cli_args *a, const char *name, market_coin *out)
{
    const char *v = cli_args_get(a, name);
    if (!v)
        return ag_err_set(AG_ERR_INVALID_ARG, "--%s AMOUNT is required", name);
    char what[40];
    snprintf(what, sizeof what, "--%s", name);
    return cli_parse_coin(out, v, what);
}

/* A one-service workload from the flags, in its canonical encoding. */
static ag_err order_workload(cli_args *a, market_msg_create_order *m, ag_buf *canon)
{
    const char *image = cli_args_get(a, "image"), *name = cli_args_get(a, "service");
    const char *expose = cli_args_get(a, "expose");
    uint64_t replicas, port;
    Agora__Market__V1__Resources res = AGORA__MARKET__V1__RESOURCES__INIT;
    ag_err err = cli_args_u64(a, "cpu", 0, &res.cpu_millis);
    if (!err)
        err = parse_size(a, "memory", &res.memory_bytes);
    if (!err)
        err = parse_size(a, "storage", &res.storage_bytes);
    if (!err)
        err = cli_args_u64(a, "gpu", 0, &res.gpus);
    if (!err)
        err = cli_args_u64(a, "replicas", 1, &replicas);
    if (!err)
        err = cli_args_u64(a, "port", 0, &port);
    if (err)
        return err;
    if (!image)
        return ag_err_set(AG_ERR_INVALID_ARG, "--image IMAGE is required");
    if (replicas == 0 || replicas > UINT32_MAX || port > 65535)
        return ag_err_set(AG_ERR_INVALID_ARG, "--replicas must be >= 1, --port 1..65535");
    if (!name)
        name = "web";
    Agora__Market__V1__Port p = AGORA__MARKET__V1__PORT__INIT;
    Agora__Market__V1__Port *ports[1] = {&p};
    p.port = (uint32_t)port;
    p.protocol = AGORA__MARKET__V1__PROTOCOL__PROTOCOL_TCP;
    p.expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP;
    if (expose && !strcmp(expose, "node-port"))
        p.expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_NODE_PORT;
    else if (expose && !strcmp(expose, "load-balancer"))
        p.expose = AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_LOAD_BALANCER;
    else if (expose && strcmp(expose, "cluster-ip"))
        return ag_err_set(AG_ERR_INVALID_ARG, "--expose cluster-ip|node-port|load-balancer");
    if (p.expose != AGORA__MARKET__V1__EXPOSE_KIND__EXPOSE_KIND_CLUSTER_IP)
        res.endpoints = 1; /* each node port or load balancer is one endpoint */
    Agora__Market__V1__Service svc = AGORA__MARKET__V1__SERVICE__INIT;
    svc.name = (ProtobufCBinaryData){strlen(name), (uint8_t *)(uintptr_t)name};
    svc.image = (ProtobufCBinaryData){strlen(image), (uint8_t *)(uintptr_t)image};
    svc.replicas = (uint32_t)replicas;
    svc.resources = &res;
    svc.n_ports = port ? 1 : 0;
    svc.ports = ports;
    Agora__Market__V1__Service *svcs[1] = {&svc};
    Agora__Market__V1__Workload w = AGORA__MARKET__V1__WORKLOAD__INIT;
    w.n_services = 1;
    w.services = svcs;
    ag_buf raw;
    ag_buf_init(&raw, 0);
    err = ag_pb_append(&raw, &w.base);
    if (!err)
        err = market_workload_check(&m->summary, canon, raw.data, raw.len);
    ag_buf_free(&raw);
    if (err)
        return ag_err_set(AG_ERR_INVALID_ARG, "workload: %s", ag_err_detail());
    m->workload = canon->data;
    m->workload_len = canon->len;
    return AG_OK;
}

static int need(const cli_args *a, int n, const char *usage)
{
    return a->n_pos == n ? 0 : cli_usage_error("usage: agora tx %s", usage);
}

int cli_cmd_tx(cli_ctx *ctx, cli_args *a)
{
    /* pos: tx <module> <cmd> [<verb>] FROM ... */
    if (a->n_pos < 4)
        return cli_usage_error("tx: bank send | market offer|order|bid|lease ...");
    const char *mod = a->pos[1], *obj = a->pos[2];
    bool market = !strcmp(mod, "market");
    if (!market && strcmp(mod, "bank"))
        return cli_usage_error("tx: unknown module \"%s\" (bank or market)", mod);
    const char *verb = market ? a->pos[3] : obj;
    int first = market ? 4 : 3; /* index of FROM */
    if (a->n_pos <= first)
        return cli_usage_error("tx %s %s: FROM is missing", mod, obj);
    const char *from = a->pos[first];
    crypto_address signer;
    ag_err err = resolve_address(ctx, from, &signer);
    if (err)
        return cli_fail(err);

    ag_buf val, canon;
    ag_buf_init(&val, 0);
    ag_buf_init(&canon, 0);
    market_any any = {0};
    uint64_t id = 0, id2 = 0;
    int rc = -1;
    const market_msg_type *ref_type = NULL, *dep_type = NULL;
    if (!market && !strcmp(verb, "send")) {
        if ((rc = need(a, 6, "bank send FROM TO AMOUNT")))
            goto out;
        market_msg_send m = {.from = signer, .n_amount = 1};
        err = resolve_address(ctx, a->pos[4], &m.to);
        if (!err)
            err = cli_parse_coin(&m.amount[0], a->pos[5], "AMOUNT");
        if (!err)
            err = market_msg_send_encode(&val, &m);
        any.type_url = MARKET_MSG_SEND_TYPE_URL;
    } else if (market && !strcmp(obj, "offer") && !strcmp(verb, "create")) {
        if ((rc = need(a, 5, "market offer create FROM --cpu M --memory B ...")))
            goto out;
        market_msg_offer m = {.provider = signer};
        err = offer_spec(a, &m.spec);
        if (!err)
            err = market_msg_create_offer_encode(&val, &m);
        any.type_url = MARKET_MSG_CREATE_OFFER_URL;
    } else if (market && !strcmp(obj, "offer") && !strcmp(verb, "update")) {
        if ((rc = need(a, 6, "market offer update FROM OFFER_ID --cpu M ...")))
            goto out;
        market_msg_offer m = {.provider = signer};
        err = cli_parse_id(a->pos[5], "OFFER_ID", &m.offer_id);
        if (!err)
            err = offer_spec(a, &m.spec);
        if (!err)
            err = market_msg_update_offer_encode(&val, &m);
        any.type_url = MARKET_MSG_UPDATE_OFFER_URL;
    } else if (market && !strcmp(obj, "offer") && !strcmp(verb, "deactivate")) {
        ref_type = &market_msg_deactivate_offer_type;
        any.type_url = MARKET_MSG_DEACTIVATE_OFFER_URL;
    } else if (market && !strcmp(obj, "order") && !strcmp(verb, "create")) {
        if ((rc = need(a, 5,
                       "market order create FROM --image I --cpu M --memory B "
                       "--max-price C --deposit C")))
            goto out;
        market_msg_create_order m;
        memset(&m, 0, sizeof m);
        m.tenant = signer;
        m.auto_award = cli_args_has(a, "auto-award");
        const char *file = cli_args_get(a, "workload");
        cli_workload w;
        memset(&w, 0, sizeof w);
        if (file) {
            /* The file describes the services; flags may still set the pricing. */
            static const char *const per_service[] = {"image",  "cpu",      "memory", "storage",
                                                      "gpu",    "replicas", "port",   "service",
                                                      "expose", NULL};
            for (size_t i = 0; per_service[i] && !err; i++)
                if (cli_args_has(a, per_service[i]))
                    err = ag_err_set(AG_ERR_INVALID_ARG,
                                     "--%s and --workload: the file describes the services",
                                     per_service[i]);
            if (!err)
                err = cli_workload_load(&w, file);
            if (!err) {
                m.workload = w.canon.data;
                m.workload_len = w.canon.len;
                m.summary = w.summary;
                m.placement = w.placement;
                m.max_price = w.max_price;
                m.deposit = w.deposit;
                m.auction_blocks = w.has_auction_blocks ? w.auction_blocks : 10;
                m.auto_award = m.auto_award || w.auto_award;
            }
        } else {
            err = order_workload(a, &m, &canon);
        }
        if (!err && (!file || cli_args_has(a, "placement")))
            err = parse_attrs(a, "placement", &m.placement);
        if (!err && (!w.has_max_price || cli_args_has(a, "max-price")))
            err = coin_opt(a, "max-price", &m.max_price);
        if (!err && (!w.has_deposit || cli_args_has(a, "deposit")))
            err = coin_opt(a, "deposit", &m.deposit);
        if (!err && (!w.has_auction_blocks || cli_args_has(a, "auction-blocks")))
            err = cli_args_u64(a, "auction-blocks", m.auction_blocks ? m.auction_blocks : 10,
                               &m.auction_blocks);
        if (!err)
            err = market_msg_create_order_encode(&val, &m);
        cli_workload_free(&w);
        any.type_url = MARKET_MSG_CREATE_ORDER_URL;
    } else if (market && !strcmp(obj, "order") && !strcmp(verb, "deposit")) {
        dep_type = &market_msg_deposit_order_type;
        any.type_url = MARKET_MSG_DEPOSIT_ORDER_URL;
    } else if (market && !strcmp(obj, "order") && !strcmp(verb, "close")) {
        ref_type = &market_msg_close_order_type;
        any.type_url = MARKET_MSG_CLOSE_ORDER_URL;
    } else if (market && !strcmp(obj, "bid") && !strcmp(verb, "create")) {
        if ((rc = need(a, 7, "market bid create FROM ORDER_ID OFFER_ID --price C --deposit C")))
            goto out;
        market_msg_create_bid m = {.provider = signer};
        err = cli_parse_id(a->pos[5], "ORDER_ID", &id);
        if (!err)
            err = cli_parse_id(a->pos[6], "OFFER_ID", &id2);
        m.order_id = id;
        m.offer_id = id2;
        if (!err)
            err = coin_opt(a, "price", &m.price);
        if (!err)
            err = coin_opt(a, "deposit", &m.deposit);
        if (!err)
            err = market_msg_create_bid_encode(&val, &m);
        any.type_url = MARKET_MSG_CREATE_BID_URL;
    } else if (market && !strcmp(obj, "bid") && !strcmp(verb, "close")) {
        ref_type = &market_msg_withdraw_bid_type;
        any.type_url = MARKET_MSG_WITHDRAW_BID_URL;
    } else if (market && !strcmp(obj, "lease") && !strcmp(verb, "create")) {
        ref_type = &market_msg_accept_bid_type; /* a lease is born when the tenant accepts a bid */
        any.type_url = MARKET_MSG_ACCEPT_BID_URL;
    } else if (market && !strcmp(obj, "lease") && !strcmp(verb, "withdraw")) {
        ref_type = &market_msg_withdraw_lease_type;
        any.type_url = MARKET_MSG_WITHDRAW_LEASE_URL;
    } else if (market && !strcmp(obj, "lease") && !strcmp(verb, "deposit")) {
        dep_type = &market_msg_deposit_lease_type;
        any.type_url = MARKET_MSG_DEPOSIT_LEASE_URL;
    } else if (market && !strcmp(obj, "lease") && !strcmp(verb, "close")) {
        if ((rc = need(a, 6, "market lease close FROM LEASE_ID [--reason TEXT]")))
            goto out;
        market_msg_close_lease m = {.signer = signer};
        const char *reason = cli_args_get(a, "reason");
        err = cli_parse_id(a->pos[5], "LEASE_ID", &m.lease_id);
        if (!err && reason && strlen(reason) > MARKET_CLOSE_NOTE_MAX)
            err = ag_err_set(AG_ERR_INVALID_ARG, "--reason longer than %d", MARKET_CLOSE_NOTE_MAX);
        if (!err && reason)
            snprintf(m.reason, sizeof m.reason, "%s", reason);
        if (!err)
            err = market_msg_close_lease_encode(&val, &m);
        any.type_url = MARKET_MSG_CLOSE_LEASE_URL;
    } else {
        rc = cli_usage_error("tx: unknown command \"%s %s%s%s\"", mod, obj, market ? " " : "",
                             market ? verb : "");
        goto out;
    }
    if (ref_type) {
        if ((rc = need(a, 6, "market <object> <verb> FROM ID")))
            goto out;
        market_msg_ref m = {.signer = signer};
        err = cli_parse_id(a->pos[5], "ID", &m.id);
        if (!err)
            err = market_msg_ref_encode(&val, ref_type, &m);
    } else if (dep_type) {
        if ((rc = need(a, 7, "market order|lease deposit FROM ID AMOUNT")))
            goto out;
        market_msg_deposit m = {.signer = signer};
        err = cli_parse_id(a->pos[5], "ID", &m.id);
        if (!err)
            err = cli_parse_coin(&m.amount, a->pos[6], "AMOUNT");
        if (!err)
            err = market_msg_deposit_encode(&val, dep_type, &m);
    }
    if (err) {
        rc = err == AG_ERR_INVALID_ARG ? cli_usage_error("%s", ag_err_detail()) : cli_fail(err);
        goto out;
    }
    any.value = ag_buf_slice(&val);
    rc = cli_tx_run(ctx, a, from, &any);
out:
    ag_buf_free(&val);
    ag_buf_free(&canon);
    return rc;
}
