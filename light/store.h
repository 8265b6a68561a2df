/*
 * store.h — the light client's trusted store: verified light blocks (signed
 * header + validator set), one file per height in a directory, pruned to
 * the newest max_blocks.
 *
 * File DIR/<height, 20 digits>.lb: "AGLB" 0x01, then three length-prefixed
 * (u32 little endian) protobuf encodings — tendermint.types.Header, Commit
 * and ValidatorSet — then SHA-256 of everything before it. A file is
 * written to a temporary name, fsynced, renamed and the directory fsynced,
 * so a crash leaves either the old set of files or the new one. A file
 * that fails its checksum or decoding is AG_ERR_CORRUPT (never trusted).
 *
 * Only blocks the client verified are saved: the store is trusted input.
 * Threads: one thread at a time. Ownership: light_store_close frees.
 */
#ifndef AGORA_LIGHT_STORE_H
#define AGORA_LIGHT_STORE_H

#include <stddef.h>

#include "light/block.h"

typedef struct light_store light_store;

/* Open (creating the directory if needed) keeping at most max_blocks
 * (>= 1). Leftover temporary files are removed. AG_ERR_INVALID_ARG,
 * AG_ERR_IO / AG_ERR_PERMISSION, AG_ERR_NOMEM. */
ag_err light_store_open(light_store **out, const char *dir, size_t max_blocks);
void light_store_close(light_store *s);
/* Save b (replacing the same height), then prune the oldest beyond the
 * limit. I/O errors leave the previous files in place. */
ag_err light_store_save(light_store *s, const light_block *b);
/* The block at h: AG_ERR_NOT_FOUND, AG_ERR_CORRUPT, AG_ERR_IO. *out empty
 * on entry; free with light_block_free. */
ag_err light_store_load(light_store *s, int64_t h, light_block *out);
/* The highest stored block at or below h (h <= 0: the highest of all).
 * AG_ERR_NOT_FOUND when there is none. */
ag_err light_store_load_below(light_store *s, int64_t h, light_block *out);
/* The lowest stored block at or above h. AG_ERR_NOT_FOUND when none. */
ag_err light_store_load_above(light_store *s, int64_t h, light_block *out);
size_t light_store_count(const light_store *s);
/* Heights stored, lowest and highest (0 when empty). */
int64_t light_store_lowest(const light_store *s);
int64_t light_store_highest(const light_store *s);

#endif
