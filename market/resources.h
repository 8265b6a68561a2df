/*
 * resources.h — resource vectors and placement matching, pure functions.
 *
 * A vector is (cpu millicores, memory bytes, storage bytes, gpus,
 * endpoints). Arithmetic is checked: AG_ERR_OVERFLOW past 2^64 - 1 in any
 * component, and *out is left unchanged on failure.
 */
#ifndef AGORA_MARKET_RESOURCES_H
#define AGORA_MARKET_RESOURCES_H

#include <stdbool.h>

#include "lib/err.h"
#include "market/types.h"

/* a + b. */
ag_err market_resources_add(market_resources *out, const market_resources *a,
                            const market_resources *b);

/* a - b; AG_ERR_OVERFLOW (underflow) if any component of b exceeds a's. */
ag_err market_resources_sub(market_resources *out, const market_resources *a,
                            const market_resources *b);

/* a x n (a service's replicas). */
ag_err market_resources_scale(market_resources *out, const market_resources *a, uint64_t n);

/* Every component of `need` <= the same component of `have`. */
bool market_resources_fits(const market_resources *have, const market_resources *need);

/* All components zero. */
bool market_resources_is_zero(const market_resources *r);

/* Every component within the maxima of limits.h (MARKET_MAX_CPU_MILLIS ...);
 * AG_ERR_TOO_LARGE names the first component above its maximum. */
ag_err market_resources_check_max(const market_resources *r, const char *what);

/*
 * Free capacity of an offer: capacity - leased. AG_ERR_OVERFLOW when leased
 * exceeds capacity somewhere (only a corrupt record or a shrink gone wrong).
 */
ag_err market_offer_free(market_resources *out, const market_offer_spec *offer,
                         const market_resources *leased);

/*
 * May an offer's capacity become `new_capacity` while `leased` is in use?
 * True when leased fits in it (an update may not strand running leases).
 */
bool market_offer_shrink_ok(const market_resources *new_capacity, const market_resources *leased);

/* The value of `key` in the set, or NULL. */
const char *market_attributes_get(const market_attributes *set, const char *key);

/* Every attribute of `required` is present with the same value in `have`.
 * On false, *missing (if non-NULL) is the index of the first one that is not. */
bool market_attributes_match(const market_attributes *have, const market_attributes *required,
                             size_t *missing);

/*
 * Placement: can the offer host the order? The offer's attributes satisfy
 * the order's placement, and, if the order needs GPUs, the offer's GPU
 * attributes satisfy the order's GPU attributes. Resource amounts are not
 * looked at (see market_resources_fits). AG_ERR_STATE with a detail naming
 * the first unmet requirement.
 */
ag_err market_placement_check(const market_offer_spec *offer, const market_attributes *placement,
                              const market_workload_summary *need);

#endif
