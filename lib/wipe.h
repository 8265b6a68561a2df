/*
 * wipe.h — erase secrets so the compiler cannot elide it (OpenSSL_cleanse).
 * Use on every copy of key material, seeds and passphrases before release.
 */
#ifndef AGORA_LIB_WIPE_H
#define AGORA_LIB_WIPE_H

#include <stddef.h>

void ag_wipe(void *p, size_t len);

#endif
