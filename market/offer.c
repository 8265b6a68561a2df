/* offer.c — MsgCreateOffer, MsgUpdateOffer, MsgDeactivateOffer. */
#include <string.h>

#include "market/event_names.h"
#include "market/mod_internal.h"
#include "market/resources.h"

static ag_err offer_event(market_ctx *ctx, const char *type, const market_offer *o)
{
    ag_err err = market_mod_ev(ctx, type);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_OFFER_ID, o->id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_PROVIDER, &o->provider);
    if (!err && strcmp(type, MARKET_EV_OFFER_DEACTIVATED) != 0) {
        err = market_mod_ev_str(ctx, MARKET_ATTR_HOST_URI, o->spec.host_uri);
        if (!err)
            err = market_mod_ev_resources(ctx, &o->spec.capacity);
    }
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}

ag_err market_mod_create_offer(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_offer *m = market_msg_as_offer(msg);
    if (!m || m->offer_id != 0)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgCreateOffer");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    uint64_t n = 0;
    if (!err)
        err = market_mod_counter_get(ctx, MARKET_KIND_OFFER, &m->provider, &n);
    if (err)
        return err;
    if (n >= p.max_offers_per_provider)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                               "provider already has %llu active offers (the cap is %u)",
                               (unsigned long long)n, p.max_offers_per_provider);
    market_offer o;
    memset(&o, 0, sizeof o);
    o.provider = m->provider;
    o.spec = m->spec;
    o.state = MARKET_OFFER_ACTIVE;
    o.created_height = ctx->height;
    err = market_mod_next_id(ctx, MARKET_KIND_OFFER, &o.id);
    market_key k;
    market_key_by_owner(&k, MARKET_KEY_OFFER_BY_PROVIDER, &o.provider, o.id);
    if (!err)
        err = market_mod_offer_put(ctx, &o);
    if (!err)
        err = market_mod_index_set(ctx, &k);
    if (!err)
        err = market_mod_counter_add(ctx, MARKET_KIND_OFFER, &o.provider, 1);
    return err ? err : offer_event(ctx, MARKET_EV_OFFER_CREATED, &o);
}

/* The signer's active offer `id`, or a failed tx. */
static ag_err own_active_offer(market_ctx *ctx, const crypto_address *signer, uint64_t id,
                               market_offer *o)
{
    ag_err err = market_ctx_fail_missing(ctx, market_mod_offer_get(ctx, id, o));
    if (err)
        return err;
    if (memcmp(o->provider.b, signer->b, sizeof signer->b) != 0)
        return market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED,
                               "offer %llu belongs to another provider", (unsigned long long)id);
    if (o->state != MARKET_OFFER_ACTIVE)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "offer %llu is not active",
                               (unsigned long long)id);
    return AG_OK;
}

ag_err market_mod_update_offer(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_offer *m = market_msg_as_offer(msg);
    if (!m || m->offer_id == 0)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgUpdateOffer");
    market_offer o;
    ag_err err = own_active_offer(ctx, &m->provider, m->offer_id, &o);
    if (err)
        return err;
    if (!market_offer_shrink_ok(&m->spec.capacity, &o.leased))
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                               "offer %llu: the new capacity is below what is leased",
                               (unsigned long long)o.id);
    o.spec = m->spec;
    err = market_mod_offer_put(ctx, &o);
    return err ? err : offer_event(ctx, MARKET_EV_OFFER_UPDATED, &o);
}

ag_err market_mod_deactivate_offer(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_ref *m = market_msg_as_ref(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgDeactivateOffer");
    market_offer o;
    ag_err err = own_active_offer(ctx, &m->signer, m->id, &o);
    if (err)
        return err;
    o.state = MARKET_OFFER_INACTIVE;
    o.closed_height = ctx->height;
    err = market_mod_offer_put(ctx, &o);
    if (!err)
        err = market_mod_counter_add(ctx, MARKET_KIND_OFFER, &o.provider, -1);
    return err ? err : offer_event(ctx, MARKET_EV_OFFER_DEACTIVATED, &o);
}
