/* kubeconfig YAML: no crash or leak on any input; what parses names an
 * http(s) server without a trailing slash or control bytes. */
#include <string.h>

#include "provider/kube_config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    provider_kube_config c;
    /* no base directory: relative credential paths resolve to the working
     * directory, where nothing by those names exists */
    if (provider_kube_config_parse(&c, (const char *)data, size, "/nonexistent") != AG_OK) {
        FUZZ_ASSERT(c.token == NULL && c.ca_pem == NULL && c.cert_pem == NULL);
        return 0;
    }
    size_t n = strlen(c.server);
    FUZZ_ASSERT(strncmp(c.server, "http://", 7) == 0 || strncmp(c.server, "https://", 8) == 0);
    FUZZ_ASSERT(n > 0 && c.server[n - 1] != '/');
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT((unsigned char)c.server[i] > ' ');
    FUZZ_ASSERT(!c.cert_pem == !c.key_pem);
    provider_kube_config_clear(&c);
    return 0;
}
