/*
 * offer.c — compare the configured offer with the chain's (see offer.h).
 */
#include "provider/offer.h"

#include <string.h>

#include "market/resources.h"

static bool attrs_equal(const market_attributes *a, const market_attributes *b)
{
    return a->n == b->n && market_attributes_match(a, b, NULL);
}

bool provider_offer_spec_equal(const market_offer_spec *a, const market_offer_spec *b)
{
    const market_resources *x = &a->capacity, *y = &b->capacity;
    const market_prices *p = &a->floor, *q = &b->floor;
    return !strcmp(a->host_uri, b->host_uri) && x->cpu_millis == y->cpu_millis &&
           x->memory_bytes == y->memory_bytes && x->storage_bytes == y->storage_bytes &&
           x->gpus == y->gpus && x->endpoints == y->endpoints && !strcmp(p->denom, q->denom) &&
           p->cpu == q->cpu && p->memory == q->memory && p->storage == q->storage &&
           p->gpu == q->gpu && p->endpoint == q->endpoint &&
           attrs_equal(&a->attributes, &b->attributes) &&
           attrs_equal(&a->gpu_attributes, &b->gpu_attributes);
}

provider_offer_action provider_offer_plan(const market_offer *offers, size_t n,
                                          const market_offer_spec *want, size_t *index)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (offers[i].state != MARKET_OFFER_ACTIVE)
            continue;
        if (!found || offers[i].id > offers[*index].id)
            *index = i;
        found = true;
    }
    if (!found)
        return PROVIDER_OFFER_CREATE;
    return provider_offer_spec_equal(&offers[*index].spec, want) ? PROVIDER_OFFER_KEEP
                                                                 : PROVIDER_OFFER_UPDATE;
}
