/*
 * wal.h — the consensus write-ahead log: an append-only log of the inputs of
 * the consensus state machine (messages received, timeouts fired, the node's
 * own messages), replayed after a crash to reach the exact state it had.
 *
 * On disk: a directory of segments "wal-<16 hex digits>.log" (the segment
 * number), each a sequence of records
 *
 *     crc32c  u32 LE   over the 5 header bytes after it and the payload
 *     length  u32 LE   payload length, <= CONS_WAL_RECORD_MAX
 *     type    u8       1..254 chosen by the caller; 255 = end-of-height marker
 *     payload          `length` opaque bytes
 *
 * An end-of-height marker (CONS_WAL_END_HEIGHT, payload: height as u64 LE)
 * says every input of that height is in the log before it, like CometBFT's
 * #ENDHEIGHT; replay of height H starts after the marker of H-1.
 *
 * CRC-32C (Castagnoli) is computed by a small table-driven routine here rather
 * than zlib's CRC-32: it detects more error patterns of the lengths we write,
 * is the checksum of RocksDB's and LevelDB's own logs, and keeps the module
 * free of a new dependency.
 *
 * Crash recovery (cons_wal_open): every segment is scanned. In the last
 * segment, a record that is short, has an impossible length or type, or fails
 * its CRC, with no valid record anywhere after it, is a torn tail from a
 * crash during an append: it is truncated away with one warning line naming
 * the segment, offset and reason. A bad record that IS followed by a valid one
 * (a bit flip or lost block in the middle), or any bad record in an older
 * segment (which was fsynced before the next one was started), or a missing
 * segment between two others, is AG_ERR_CORRUPT: the log is not silently shortened, since dropping
 * inputs that were already acted on (e.g. our own signed votes) could make the node equivocate. The
 * operator decides (restore, or move the WAL away).
 *
 * Durability: cons_wal_write buffers in memory (up to CONS_WAL_BUFFER bytes,
 * then write(2)); cons_wal_write_sync and cons_wal_end_height write and
 * fdatasync before returning, so the node's own messages are durable before
 * they are sent. A failed write or sync leaves the WAL failed: every later
 * call returns AG_ERR_STATE (the node must stop; reopening recovers).
 *
 * Threads: one thread at a time per cons_wal. Iterators read the files and
 * may be used while nothing is appended (replay happens before consensus runs).
 */
#ifndef AGORA_CONSENSUS_WAL_H
#define AGORA_CONSENSUS_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define CONS_WAL_HEADER_LEN 9u
/* Largest payload: a vote with a maximal extension or a block part fits. */
#define CONS_WAL_RECORD_MAX (2u << 20)
/* Bytes buffered by cons_wal_write before a write(2). */
#define CONS_WAL_BUFFER (64u << 10)
/* Default segment size at which the log rotates (after a record). */
#define CONS_WAL_SEGMENT_DEFAULT (64u << 20)
/* Most segments a directory may hold (bounds the in-memory index). */
#define CONS_WAL_SEGMENTS_MAX 100000u

#define CONS_WAL_END_HEIGHT 255u

/* I/O steps reported to the test hook, in the order they happen. */
typedef enum cons_wal_io {
    CONS_WAL_IO_WRITE, /* a write(2) of buffered bytes to the head segment */
    CONS_WAL_IO_SYNC,  /* an fdatasync of the head segment */
    CONS_WAL_IO_ROTATE /* a new head segment is about to be created */
} cons_wal_io;

typedef struct cons_wal_options {
    uint64_t segment_bytes; /* 0: CONS_WAL_SEGMENT_DEFAULT */
    /* Test hook, called before each I/O step with the head segment's durable
     * size so far (bytes fsynced) and its written size; a non-AG_OK return
     * makes that step fail as if the system call had (fault injection).
     * NULL in production. */
    ag_err (*io_hook)(void *ctx, cons_wal_io op, uint64_t synced, uint64_t written);
    void *io_ctx;
} cons_wal_options;

typedef struct cons_wal cons_wal;

/* Open (creating `dir` and an empty first segment if missing) and recover as
 * described above. opts may be NULL. AG_ERR_CORRUPT (detail: segment, offset,
 * reason), AG_ERR_IO, AG_ERR_PERMISSION, AG_ERR_TOO_LARGE (too many
 * segments), AG_ERR_NOMEM. *out: caller frees with cons_wal_close. */
ag_err cons_wal_open(cons_wal **out, const char *dir, const cons_wal_options *opts);

/* Operator repair of a WAL that cons_wal_open refused as corrupt (a node
 * flag, never automatic): keeps the records before the first bad record (or
 * missing segment) and sets the rest aside as "<segment>.broken" files (the
 * segment holding the bad record is set aside whole and its valid prefix
 * rewritten in its place), logging each step. *dropped (may be NULL): bytes
 * no longer in the log. Records after a corruption may be the node's own
 * signed votes: the signer's state file still prevents signing them again.
 * AG_ERR_IO, AG_ERR_NOMEM. The WAL must not be open. */
ag_err cons_wal_repair(const char *dir, uint64_t *dropped);

/* Flush buffered records, fdatasync and close. NULL is a no-op. Errors of the
 * final flush are logged (call cons_wal_sync first to see them). */
void cons_wal_close(cons_wal *wal);

/* Append a record (buffered). type 1..254; AG_ERR_INVALID_ARG otherwise,
 * AG_ERR_TOO_LARGE over CONS_WAL_RECORD_MAX, AG_ERR_IO, AG_ERR_STATE after a
 * failure. The payload is copied. */
ag_err cons_wal_write(cons_wal *wal, uint8_t type, const uint8_t *payload, size_t len);

/* Append and make durable (write + fdatasync) before returning. */
ag_err cons_wal_write_sync(cons_wal *wal, uint8_t type, const uint8_t *payload, size_t len);

/* Make everything appended so far durable. */
ag_err cons_wal_sync(cons_wal *wal);

/* Append the end-of-height marker for `height` (> 0) and sync. Heights must
 * increase: AG_ERR_INVALID_ARG for a height not above the last marker. */
ag_err cons_wal_end_height(cons_wal *wal, int64_t height);

/* Highest end-of-height marker in the log, 0 if none. */
int64_t cons_wal_last_height(const cons_wal *wal);

/* Remove whole segments whose records all precede the end-of-height marker of
 * height-1 (they are not needed to replay `height` or later). The head
 * segment is never removed. *removed (may be NULL) gets the count. AG_ERR_IO. */
ag_err cons_wal_prune(cons_wal *wal, int64_t height, size_t *removed);

/* Number of segments (for tests and metrics). */
size_t cons_wal_segments(const cons_wal *wal);

/* ---- replay ---- */

typedef struct cons_wal_iter cons_wal_iter;

typedef struct cons_wal_record {
    uint8_t type;
    int64_t height;         /* for CONS_WAL_END_HEIGHT records, else 0 */
    const uint8_t *payload; /* borrowed until the next cons_wal_iter_next */
    size_t len;
} cons_wal_record;

/* An iterator over every record after the end-of-height marker of height-1
 * (height 0 or 1 with no marker for 0: from the very first record). Flushes
 * buffered records first. AG_ERR_NOT_FOUND if the marker of height-1 is not
 * in the log (pruned or never written). Caller frees with cons_wal_iter_free. */
ag_err cons_wal_replay_from(cons_wal *wal, int64_t height, cons_wal_iter **out);

/* Next record: AG_OK with *rec filled, AG_ERR_NOT_FOUND at the end, or
 * AG_ERR_CORRUPT / AG_ERR_IO (the files changed under the iterator). */
ag_err cons_wal_iter_next(cons_wal_iter *it, cons_wal_record *rec);
void cons_wal_iter_free(cons_wal_iter *it);

/* ---- the record codec (exposed for the fuzz target and tests) ---- */

/* CRC-32C of data (initial value 0, as the usual crc32c()). */
uint32_t cons_wal_crc32c(uint32_t crc, const uint8_t *data, size_t len);

typedef enum cons_wal_scan {
    CONS_WAL_SCAN_OK = 0,   /* a valid record: *rec and *used set */
    CONS_WAL_SCAN_SHORT,    /* input ends inside the header or payload */
    CONS_WAL_SCAN_BAD_LEN,  /* length over CONS_WAL_RECORD_MAX */
    CONS_WAL_SCAN_BAD_TYPE, /* type 0, or an end marker with a bad payload */
    CONS_WAL_SCAN_BAD_CRC   /* checksum mismatch */
} cons_wal_scan;

/* Decode one record at the start of in[0..len). rec->payload borrows from in. */
cons_wal_scan cons_wal_decode(const uint8_t *in, size_t len, cons_wal_record *rec, size_t *used);
const char *cons_wal_scan_str(cons_wal_scan s);

/* Encode one record into out[0..CONS_WAL_HEADER_LEN + len): header and payload. */
void cons_wal_encode_header(uint8_t out[CONS_WAL_HEADER_LEN], uint8_t type, const uint8_t *payload,
                            size_t len);

#endif
