/* resources.c — checked resource-vector arithmetic and attribute matching. */
#include "market/resources.h"

#include <string.h>

#define FOR_EACH_COMPONENT(X)                                                                      \
    X(cpu_millis, MARKET_MAX_CPU_MILLIS)                                                           \
    X(memory_bytes, MARKET_MAX_MEMORY_BYTES)                                                       \
    X(storage_bytes, MARKET_MAX_STORAGE_BYTES)                                                     \
    X(gpus, MARKET_MAX_GPUS)                                                                       \
    X(endpoints, MARKET_MAX_ENDPOINTS)

ag_err market_resources_add(market_resources *out, const market_resources *a,
                            const market_resources *b)
{
    market_resources r;
#define ADD(f, max)                                                                                \
    if (__builtin_add_overflow(a->f, b->f, &r.f))                                                  \
        return ag_err_set(AG_ERR_OVERFLOW, "resources: " #f " sum overflows");
    FOR_EACH_COMPONENT(ADD)
#undef ADD
    *out = r;
    return AG_OK;
}

ag_err market_resources_sub(market_resources *out, const market_resources *a,
                            const market_resources *b)
{
    market_resources r;
#define SUB(f, max)                                                                                \
    if (__builtin_sub_overflow(a->f, b->f, &r.f))                                                  \
        return ag_err_set(AG_ERR_OVERFLOW, "resources: " #f " %llu below %llu",                    \
                          (unsigned long long)a->f, (unsigned long long)b->f);
    FOR_EACH_COMPONENT(SUB)
#undef SUB
    *out = r;
    return AG_OK;
}

ag_err market_resources_scale(market_resources *out, const market_resources *a, uint64_t n)
{
    market_resources r;
#define MUL(f, max)                                                                                \
    if (__builtin_mul_overflow(a->f, n, &r.f))                                                     \
        return ag_err_set(AG_ERR_OVERFLOW, "resources: " #f " x %llu overflows",                   \
                          (unsigned long long)n);
    FOR_EACH_COMPONENT(MUL)
#undef MUL
    *out = r;
    return AG_OK;
}

bool market_resources_fits(const market_resources *have, const market_resources *need)
{
#define LE(f, max)                                                                                 \
    if (need->f > have->f)                                                                         \
        return false;
    FOR_EACH_COMPONENT(LE)
#undef LE
    return true;
}

bool market_resources_is_zero(const market_resources *r)
{
    return !r->cpu_millis && !r->memory_bytes && !r->storage_bytes && !r->gpus && !r->endpoints;
}

ag_err market_resources_check_max(const market_resources *r, const char *what)
{
#define CAP(f, max)                                                                                \
    if (r->f > (max))                                                                              \
        return ag_err_set(AG_ERR_TOO_LARGE, "%s." #f ": %llu (at most %llu)", what,                \
                          (unsigned long long)r->f, (unsigned long long)(max));
    FOR_EACH_COMPONENT(CAP)
#undef CAP
    return AG_OK;
}

ag_err market_offer_free(market_resources *out, const market_offer_spec *offer,
                         const market_resources *leased)
{
    return market_resources_sub(out, &offer->capacity, leased);
}

bool market_offer_shrink_ok(const market_resources *new_capacity, const market_resources *leased)
{
    return market_resources_fits(new_capacity, leased);
}

const char *market_attributes_get(const market_attributes *set, const char *key)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->a[i].key, key) == 0)
            return set->a[i].value;
    return NULL;
}

bool market_attributes_match(const market_attributes *have, const market_attributes *required,
                             size_t *missing)
{
    for (size_t i = 0; i < required->n; i++) {
        const char *v = market_attributes_get(have, required->a[i].key);
        if (!v || strcmp(v, required->a[i].value) != 0) {
            if (missing)
                *missing = i;
            return false;
        }
    }
    return true;
}

ag_err market_placement_check(const market_offer_spec *offer, const market_attributes *placement,
                              const market_workload_summary *need)
{
    size_t i;
    if (!market_attributes_match(&offer->attributes, placement, &i))
        return ag_err_set(AG_ERR_STATE, "placement: offer lacks attribute %s=%s",
                          placement->a[i].key, placement->a[i].value);
    if (need->total.gpus > 0 &&
        !market_attributes_match(&offer->gpu_attributes, &need->gpu_attributes, &i))
        return ag_err_set(AG_ERR_STATE, "placement: offer's GPUs lack attribute %s=%s",
                          need->gpu_attributes.a[i].key, need->gpu_attributes.a[i].value);
    return AG_OK;
}
