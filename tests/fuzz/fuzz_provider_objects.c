/* A lease's Kubernetes objects from hostile Workload bytes: whatever is not
 * refused yields objects whose names are DNS labels, whose label values are
 * valid, that fit the size limit, and that regenerate byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "crypto/address.h"
#include "provider/objects.h"
#include "tests/fuzz/fuzz.h"

static bool label_value_ok(const char *v)
{
    size_t n = strlen(v);
    if (n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && ((i == 0 || i == n - 1) || (c != '-' && c != '_' && c != '.')))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    market_lease l;
    market_order o;
    memset(&l, 0, sizeof l);
    memset(&o, 0, sizeof o);
    memset(l.provider.b, 0x11, sizeof l.provider.b);
    memset(l.tenant.b, 0x22, sizeof l.tenant.b);
    l.id = 42;
    l.order_id = o.id = 7;
    o.workload = (uint8_t *)(uintptr_t)data;
    o.workload_len = size;
    char prov[CRYPTO_ADDRESS_STR_MAX];
    FUZZ_ASSERT(crypto_address_to_bech32(prov, sizeof prov, AGORA_BECH32_PREFIX, &l.provider) ==
                AG_OK);
    provider_objset a, b;
    char why[PROVIDER_REASON_MAX];
    if (provider_objects_build(&a, prov, &l, &o, why, sizeof why) != AG_OK) {
        FUZZ_ASSERT(a.n == 0 && why[0] != '\0');
        FUZZ_ASSERT(strstr(why, "belongs to") ==
                    NULL); /* the lease is ours: only the workload is judged */
        return 0;
    }
    FUZZ_ASSERT(provider_objects_build(&b, prov, &l, &o, why, sizeof why) == AG_OK);
    FUZZ_ASSERT(a.n == b.n && a.n >= 5);
    for (size_t i = 0; i < a.n; i++) {
        FUZZ_ASSERT(provider_is_dns_label(a.objs[i].name));
        json_t *labels = json_object_get(json_object_get(a.objs[i].body, "metadata"), "labels");
        const char *k;
        json_t *v;
        json_object_foreach(labels, k, v)
        {
            FUZZ_ASSERT(json_is_string(v) && label_value_ok(json_string_value(v)));
        }
        char *x = provider_object_dump(a.objs[i].body, 0),
             *y = provider_object_dump(b.objs[i].body, 0);
        FUZZ_ASSERT(x && y && strcmp(x, y) == 0 && strlen(x) <= PROVIDER_OBJECT_MAX);
        free(x);
        free(y);
    }
    provider_objset_clear(&a);
    provider_objset_clear(&b);
    return 0;
}
