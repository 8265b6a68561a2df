/*
 * offer.h — this provider's offer on chain versus its config: which one to
 * use, and whether it must be created or updated.
 */
#ifndef AGORA_PROVIDER_OFFER_H
#define AGORA_PROVIDER_OFFER_H

#include <stdbool.h>
#include <stddef.h>

#include "market/records.h"

typedef enum provider_offer_action {
    PROVIDER_OFFER_KEEP,
    PROVIDER_OFFER_CREATE,
    PROVIDER_OFFER_UPDATE,
} provider_offer_action;

/* Same host URI, capacity, floor prices, attributes (as sets) and GPU
 * attributes. */
bool provider_offer_spec_equal(const market_offer_spec *a, const market_offer_spec *b);

/* The newest active offer among offers[0..n) (*index), and what to do so
 * that it matches `want`: CREATE when none is active. */
provider_offer_action provider_offer_plan(const market_offer *offers, size_t n,
                                          const market_offer_spec *want, size_t *index);

#endif
