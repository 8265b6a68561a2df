#include "lib/wipe.h"

#include <openssl/crypto.h>

void ag_wipe(void *p, size_t len)
{
    if (p && len)
        OPENSSL_cleanse(p, len);
}
