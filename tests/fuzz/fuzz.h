/*
 * fuzz.h — shared by the fuzz targets in this folder.
 *
 * Each fuzz_<decoder>.c defines LLVMFuzzerTestOneInput. It is linked twice:
 * with libFuzzer by `make fuzz` (clang, coverage-guided, ASan+UBSan), and
 * with replay_main.c by the ordinary build, so `make test` replays every
 * committed corpus and crasher file (tests/fuzz/corpus/<target>/,
 * tests/fuzz/crashers/<target>/) through the same code.
 *
 * Targets check properties, not only absence of crashes: whatever decodes
 * must re-encode to the same value.
 */
#ifndef AGORA_TESTS_FUZZ_H
#define AGORA_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
