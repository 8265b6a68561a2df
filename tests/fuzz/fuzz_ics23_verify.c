/* ICS23 verification is sound: against a fixed tree whose contents are
 * known, no input may prove a pair that is not in it, nor the absence of a
 * key that is. Input: byte 0 picks the key (0..49 present, 50..99 absent),
 * the rest is the proof. Seeds are real proofs (tests/tools/store_vectors corpus). */
#include <stdio.h>
#include <string.h>

#include "state/ics23.h"
#include "state/store.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_KEYS 50

static crypto_hash root;
static int ready;

static size_t key_of(unsigned i, char *buf)
{
    return (size_t)snprintf(buf, 16, "key-%u", i);
}

static size_t val_of(unsigned i, char *buf)
{
    return (size_t)snprintf(buf, 16, "val-%u", i);
}

static void setup(void)
{
    state_kv *kv;
    state_store *s;
    FUZZ_ASSERT(state_kv_open_memory(&kv) == AG_OK);
    FUZZ_ASSERT(state_store_open(&s, kv, NULL) == AG_OK);
    for (unsigned i = 0; i < FUZZ_KEYS; i++) {
        char k[16], v[16];
        size_t kl = key_of(i, k), vl = val_of(i, v);
        FUZZ_ASSERT(state_store_set(s, (uint8_t *)k, kl, (uint8_t *)v, vl) == AG_OK);
    }
    FUZZ_ASSERT(state_store_commit(s, NULL, &root) == AG_OK);
    state_store_close(s);
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    if (size < 1)
        return 0;
    unsigned k = data[0] % (2 * FUZZ_KEYS);
    char key[16], val[16];
    size_t kl = key_of(k, key), vl = val_of(k, val);
    if (state_ics23_verify_membership(&root, data + 1, size - 1, (uint8_t *)key, kl, (uint8_t *)val,
                                      vl) == AG_OK)
        FUZZ_ASSERT(k < FUZZ_KEYS);
    /* the right key with any other value must never verify */
    if (state_ics23_verify_membership(&root, data + 1, size - 1, (uint8_t *)key, kl,
                                      (const uint8_t *)"forged", 6) == AG_OK)
        FUZZ_ASSERT(0);
    if (state_ics23_verify_nonmembership(&root, data + 1, size - 1, (uint8_t *)key, kl) == AG_OK)
        FUZZ_ASSERT(k >= FUZZ_KEYS);
    return 0;
}
