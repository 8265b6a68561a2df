/* The consensus WAL: record codec, round trips, torn tails at every byte,
 * bit flips, fsync ordering under fault injection, rotation and pruning,
 * replay from a height, and SIGKILL of a writing child. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "consensus/wal.h"
#include "lib/log.h"
#include "tests/harness/ag_test.h"

static void quiet(void)
{
    ag_log_setup(AG_LOG_ERROR, AG_LOG_TEXT, NULL);
}

static char *head_path(const char *dir, unsigned seq)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/wal-%016x.log", dir, seq);
    return p;
}

static long file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (long)st.st_size;
}

/* Record i of a deterministic stream: type 1..254, length 0..300. */
static size_t make_record(uint64_t seed, unsigned i, uint8_t *type, uint8_t *buf)
{
    ag_rng r;
    ag_rng_seed(&r, seed * 1000003u + i);
    *type = (uint8_t)(1 + ag_rng_below(&r, 254));
    size_t len = (size_t)ag_rng_below(&r, 301);
    ag_rng_fill(&r, buf, len);
    return len;
}

/* Replay from `height` and check records first..first+n-1 of the stream
 * (end markers skipped); returns how many records were seen. */
static unsigned replay_count(cons_wal *w, int64_t height, uint64_t seed, unsigned first)
{
    cons_wal_iter *it;
    ck_assert_int_eq(cons_wal_replay_from(w, height, &it), AG_OK);
    unsigned n = 0;
    cons_wal_record rec;
    ag_err e;
    while ((e = cons_wal_iter_next(it, &rec)) == AG_OK) {
        if (rec.type == CONS_WAL_END_HEIGHT)
            continue;
        uint8_t type, buf[400];
        size_t len = make_record(seed, first + n, &type, buf);
        ck_assert_uint_eq(rec.type, type);
        ck_assert_uint_eq(rec.len, len);
        ck_assert(len == 0 || memcmp(rec.payload, buf, len) == 0);
        n++;
    }
    ck_assert_int_eq(e, AG_ERR_NOT_FOUND);
    cons_wal_iter_free(it);
    return n;
}

START_TEST(wal_crc32c_vector)
{
    ck_assert_uint_eq(cons_wal_crc32c(0, (const uint8_t *)"123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(cons_wal_crc32c(0, NULL, 0), 0);
    /* incremental equals one-shot */
    uint32_t c = cons_wal_crc32c(0, (const uint8_t *)"1234", 4);
    ck_assert_uint_eq(cons_wal_crc32c(c, (const uint8_t *)"56789", 5), 0xE3069283u);
}
END_TEST

START_TEST(wal_codec)
{
    uint8_t rec[CONS_WAL_HEADER_LEN + 5];
    memcpy(rec + CONS_WAL_HEADER_LEN, "hello", 5);
    cons_wal_encode_header(rec, 7, rec + CONS_WAL_HEADER_LEN, 5);
    cons_wal_record r;
    size_t used;
    ck_assert_int_eq(cons_wal_decode(rec, sizeof rec, &r, &used), CONS_WAL_SCAN_OK);
    ck_assert_uint_eq(used, sizeof rec);
    ck_assert_uint_eq(r.type, 7);
    ck_assert_uint_eq(r.len, 5);
    for (size_t n = 0; n < sizeof rec; n++)
        ck_assert_int_eq(cons_wal_decode(rec, n, &r, &used), CONS_WAL_SCAN_SHORT);
    for (size_t bit = 0; bit < 8 * sizeof rec; bit++) {
        rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_ne(cons_wal_decode(rec, sizeof rec, &r, &used), CONS_WAL_SCAN_OK);
        rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    uint8_t big[CONS_WAL_HEADER_LEN] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 1};
    ck_assert_int_eq(cons_wal_decode(big, sizeof big, &r, &used), CONS_WAL_SCAN_BAD_LEN);
    uint8_t zero[CONS_WAL_HEADER_LEN] = {0};
    ck_assert_int_eq(cons_wal_decode(zero, sizeof zero, &r, &used), CONS_WAL_SCAN_BAD_TYPE);
}
END_TEST

START_TEST(wal_round_trip)
{
    quiet();
    char dir[64];
    ag_test_mkdtemp(dir, "wal");
    uint64_t seed = ag_test_seed();
    cons_wal *w;
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
    ck_assert_int_eq(cons_wal_write(w, 0, NULL, 0), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_wal_write(w, CONS_WAL_END_HEIGHT, NULL, 0), AG_ERR_INVALID_ARG);
    uint8_t big[1];
    ck_assert_int_eq(cons_wal_write(w, 1, big, (size_t)CONS_WAL_RECORD_MAX + 1), AG_ERR_TOO_LARGE);
    unsigned n = 500;
    for (unsigned i = 0; i < n; i++) {
        uint8_t type, buf[400];
        size_t len = make_record(seed, i, &type, buf);
        if (i % 7 == 0)
            ck_assert_int_eq(cons_wal_write_sync(w, type, buf, len), AG_OK);
        else
            ck_assert_int_eq(cons_wal_write(w, type, buf, len), AG_OK);
        if (i % 100 == 99)
            ck_assert_int_eq(cons_wal_end_height(w, (int64_t)(i / 100 + 1)), AG_OK);
    }
    ck_assert_int_eq(cons_wal_end_height(w, 3), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_wal_last_height(w), 5);
    ck_assert_uint_eq(replay_count(w, 1, seed, 0), n);
    cons_wal_close(w);
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
    ck_assert_int_eq(cons_wal_last_height(w), 5);
    ck_assert_uint_eq(replay_count(w, 0, seed, 0), n);
    ck_assert_uint_eq(replay_count(w, 3, seed, 200), 300);
    ck_assert_uint_eq(replay_count(w, 6, seed, 500), 0);
    cons_wal_iter *it;
    ck_assert_int_eq(cons_wal_replay_from(w, 7, &it), AG_ERR_NOT_FOUND);
    cons_wal_close(w);
    ag_test_rmdir(dir);
}
END_TEST

/* Three records; the last cut at every byte: open truncates to two and the
 * log keeps working. */
START_TEST(wal_torn_tail_every_offset)
{
    quiet();
    char dir[64];
    ag_test_mkdtemp(dir, "waltorn");
    uint64_t seed = ag_test_seed();
    cons_wal *w;
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
    long sizes[4] = {0};
    for (unsigned i = 0; i < 3; i++) {
        uint8_t type, buf[400];
        size_t len = make_record(seed, i, &type, buf);
        ck_assert_int_eq(cons_wal_write_sync(w, type, buf, len), AG_OK);
        sizes[i + 1] = file_size(head_path(dir, 0));
    }
    cons_wal_close(w);
    FILE *f = fopen(head_path(dir, 0), "rb");
    uint8_t full[2048];
    size_t total = fread(full, 1, sizeof full, f);
    fclose(f);
    ck_assert_uint_eq(total, (size_t)sizes[3]);
    for (long cut = sizes[2]; cut < sizes[3]; cut++) {
        f = fopen(head_path(dir, 0), "wb");
        ck_assert_uint_eq(fwrite(full, 1, (size_t)cut, f), (size_t)cut);
        fclose(f);
        ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
        ck_assert_int_eq(file_size(head_path(dir, 0)), sizes[2]);
        ck_assert_uint_eq(replay_count(w, 0, seed, 0), 2);
        uint8_t type, buf[400];
        size_t len = make_record(seed, 2, &type, buf);
        ck_assert_int_eq(cons_wal_write_sync(w, type, buf, len), AG_OK);
        ck_assert_uint_eq(replay_count(w, 0, seed, 0), 3);
        cons_wal_close(w);
    }
    ag_test_rmdir(dir);
}
END_TEST

static void flip_bit(const char *path, long off, int bit)
{
    int fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    uint8_t b;
    ck_assert_int_eq(pread(fd, &b, 1, off), 1);
    b ^= (uint8_t)(1u << bit);
    ck_assert_int_eq(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

/* A flipped bit in the last record is a torn tail (truncated); anywhere
 * before a valid record it is corruption (refused, file unchanged). */
START_TEST(wal_flipped_bits)
{
    quiet();
    char dir[64];
    ag_test_mkdtemp(dir, "walflip");
    uint64_t seed = ag_test_seed();
    ag_rng rng;
    ag_test_rng(&rng, 11);
    cons_wal *w;
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
    long sizes[6] = {0};
    for (unsigned i = 0; i < 5; i++) {
        uint8_t type, buf[400];
        size_t len = make_record(seed, i, &type, buf);
        ck_assert_int_eq(cons_wal_write_sync(w, type, buf, len), AG_OK);
        sizes[i + 1] = file_size(head_path(dir, 0));
    }
    cons_wal_close(w);
    for (int trial = 0; trial < 40; trial++) {
        unsigned rec = (unsigned)ag_rng_below(&rng, 4); /* not the last */
        long off = sizes[rec] + (long)ag_rng_below(&rng, (uint64_t)(sizes[rec + 1] - sizes[rec]));
        int bit = (int)ag_rng_below(&rng, 8);
        flip_bit(head_path(dir, 0), off, bit);
        ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_ERR_CORRUPT);
        ck_assert_ptr_null(w);
        ck_assert_ptr_nonnull(strstr(ag_err_detail(), "offset"));
        ck_assert_int_eq(file_size(head_path(dir, 0)), sizes[5]);
        flip_bit(head_path(dir, 0), off, bit);
    }
    /* the operator's repair keeps the records before a bad one */
    flip_bit(head_path(dir, 0), sizes[2] + 4, 0); /* the length of record 2 */
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_ERR_CORRUPT);
    char saved[160];
    snprintf(saved, sizeof saved, "%s/whole", dir);
    {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", head_path(dir, 0), saved);
        ck_assert_int_eq(system(cmd), 0);
    }
    uint64_t dropped;
    ck_assert_int_eq(cons_wal_repair(dir, &dropped), AG_OK);
    ck_assert_uint_eq(dropped, (uint64_t)(sizes[5] - sizes[2]));
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
    ck_assert_uint_eq(replay_count(w, 0, seed, 0), 2);
    cons_wal_close(w);
    {
        char broken[200];
        snprintf(broken, sizeof broken, "%s.broken", head_path(dir, 0));
        ck_assert_int_eq(file_size(broken), sizes[5]);
    }
    ck_assert_int_eq(rename(saved, head_path(dir, 0)), 0);
    flip_bit(head_path(dir, 0), sizes[2] + 4, 0);
    /* the last record */
    long off = sizes[4] + (long)ag_rng_below(&rng, (uint64_t)(sizes[5] - sizes[4]));
    flip_bit(head_path(dir, 0), off, 3);
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
    ck_assert_int_eq(file_size(head_path(dir, 0)), sizes[4]);
    ck_assert_uint_eq(replay_count(w, 0, seed, 0), 4);
    cons_wal_close(w);
    ag_test_rmdir(dir);
}
END_TEST

typedef struct io_log {
    cons_wal_io ops[64];
    int n;
    uint64_t durable; /* bytes of segment 0 made durable by the last sync */
    int fail_sync_at; /* 1-based; 0: never */
    int syncs;
} io_log;

static ag_err record_io(void *ctx, cons_wal_io op, uint64_t synced, uint64_t written)
{
    io_log *l = ctx;
    if (l->n < 64)
        l->ops[l->n++] = op;
    if (op == CONS_WAL_IO_SYNC) {
        if (++l->syncs == l->fail_sync_at)
            return ag_err_set(AG_ERR_IO, "injected fsync failure");
        l->durable = written;
    }
    return AG_OK;
}

/* write_sync writes then syncs before returning; buffered writes reach the
 * disk only with a later sync; a power cut keeps exactly what was synced;
 * a failed fsync fails the call and the WAL. */
START_TEST(wal_fsync_ordering)
{
    quiet();
    char dir[64];
    ag_test_mkdtemp(dir, "walsync");
    uint64_t seed = ag_test_seed();
    io_log log = {0};
    cons_wal_options o = {.io_hook = record_io, .io_ctx = &log};
    cons_wal *w;
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_OK);
    uint8_t type, buf[400];
    size_t len = make_record(seed, 0, &type, buf);
    ck_assert_int_eq(cons_wal_write(w, type, buf, len), AG_OK);
    ck_assert_int_eq(log.n, 0); /* buffered: nothing written yet */
    ck_assert_int_eq(file_size(head_path(dir, 0)), 0);
    len = make_record(seed, 1, &type, buf);
    ck_assert_int_eq(cons_wal_write_sync(w, type, buf, len), AG_OK);
    ck_assert_int_eq(log.n, 2);
    ck_assert_int_eq(log.ops[0], CONS_WAL_IO_WRITE);
    ck_assert_int_eq(log.ops[1], CONS_WAL_IO_SYNC);
    ck_assert_int_eq((long)log.durable, file_size(head_path(dir, 0)));
    /* three more buffered records, never synced: lost in a power cut */
    for (unsigned i = 2; i < 5; i++) {
        len = make_record(seed, i, &type, buf);
        ck_assert_int_eq(cons_wal_write(w, type, buf, len), AG_OK);
    }
    ck_assert_int_eq(log.n, 2);
    uint64_t durable = log.durable;
    cons_wal_close(w); /* close flushes... */
    ck_assert_int_eq(log.ops[2], CONS_WAL_IO_WRITE);
    ck_assert_int_eq(log.ops[3], CONS_WAL_IO_SYNC);
    /* ...but a power cut before that close would have kept only `durable` */
    ck_assert_int_eq(truncate(head_path(dir, 0), (off_t)durable), 0);
    ck_assert_int_eq(cons_wal_open(&w, dir, NULL), AG_OK);
    ck_assert_uint_eq(replay_count(w, 0, seed, 0), 2);
    cons_wal_close(w);

    /* a failing fsync: the call fails and the WAL refuses further use */
    io_log fl = {.fail_sync_at = 1};
    o.io_ctx = &fl;
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_OK);
    len = make_record(seed, 2, &type, buf);
    ck_assert_int_eq(cons_wal_write_sync(w, type, buf, len), AG_ERR_IO);
    ck_assert_int_eq(cons_wal_write(w, type, buf, len), AG_ERR_STATE);
    ck_assert_int_eq(cons_wal_sync(w), AG_ERR_STATE);
    cons_wal_close(w);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(wal_rotation_and_prune)
{
    quiet();
    char dir[64];
    ag_test_mkdtemp(dir, "walrot");
    uint64_t seed = ag_test_seed();
    cons_wal_options o = {.segment_bytes = 2000};
    cons_wal *w;
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_OK);
    unsigned n = 400;
    for (unsigned i = 0; i < n; i++) {
        uint8_t type, buf[400];
        size_t len = make_record(seed, i, &type, buf);
        ck_assert_int_eq(cons_wal_write(w, type, buf, len), AG_OK);
        if (i % 20 == 19)
            ck_assert_int_eq(cons_wal_end_height(w, (int64_t)(i / 20 + 1)), AG_OK);
    }
    size_t segs = cons_wal_segments(w);
    ck_assert_uint_gt(segs, 10);
    ck_assert_uint_eq(replay_count(w, 1, seed, 0), n);
    cons_wal_close(w);
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_OK);
    ck_assert_uint_eq(cons_wal_segments(w), segs);
    ck_assert_uint_eq(replay_count(w, 10, seed, 180), n - 180);
    size_t removed;
    ck_assert_int_eq(cons_wal_prune(w, 10, &removed), AG_OK);
    ck_assert_uint_gt(removed, 0);
    size_t removed_first = removed;
    ck_assert_uint_eq(cons_wal_segments(w), segs - removed);
    ck_assert_uint_eq(replay_count(w, 10, seed, 180), n - 180);
    ck_assert_uint_eq(replay_count(w, 15, seed, 280), n - 280);
    cons_wal_iter *it;
    ck_assert_int_eq(cons_wal_replay_from(w, 2, &it), AG_ERR_NOT_FOUND);
    /* pruning up to a height not yet ended keeps everything */
    ck_assert_int_eq(cons_wal_prune(w, 100, &removed), AG_OK);
    ck_assert_uint_eq(removed, 0);
    cons_wal_close(w);
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_OK);
    ck_assert_uint_eq(replay_count(w, 10, seed, 180), n - 180);
    cons_wal_close(w);

    /* a lost segment in the middle is corruption */
    char moved[160];
    snprintf(moved, sizeof moved, "%s/moved", dir);
    ck_assert_int_eq(rename(head_path(dir, (unsigned)segs - 3), moved), 0);
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "missing"));
    ck_assert_int_eq(rename(moved, head_path(dir, (unsigned)segs - 3)), 0);
    /* a bad record in an older (non-head) segment is corruption */
    flip_bit(head_path(dir, (unsigned)segs - 2), 20, 0);
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_ERR_CORRUPT);
    /* repair: the bad segment keeps its valid prefix, the head is set aside */
    uint64_t dropped;
    ck_assert_int_eq(cons_wal_repair(dir, &dropped), AG_OK);
    ck_assert_uint_gt(dropped, 0);
    ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_OK);
    ck_assert_uint_eq(cons_wal_segments(w), segs - 1 - removed_first);
    ck_assert_uint_lt(replay_count(w, 10, seed, 180), n - 180);
    cons_wal_close(w);
    ag_test_rmdir(dir);
}
END_TEST

/* A child appends (every 3rd record synced, reporting it) and is SIGKILLed at
 * a random moment; the reopened log must hold a prefix of the stream that
 * includes every record the child reported as synced. Repeated. */
static void child_append(const char *dir, uint64_t seed, int progress)
{
    cons_wal *w;
    cons_wal_options o = {.segment_bytes = 20000};
    if (cons_wal_open(&w, dir, &o) != AG_OK)
        _exit(3);
    unsigned have = 0;
    cons_wal_iter *it;
    cons_wal_record rec;
    if (cons_wal_replay_from(w, 0, &it) != AG_OK)
        _exit(4);
    while (cons_wal_iter_next(it, &rec) == AG_OK)
        have++;
    cons_wal_iter_free(it);
    for (unsigned i = have;; i++) {
        uint8_t type, buf[400];
        size_t len = make_record(seed, i, &type, buf);
        if (i % 3 == 0) {
            if (cons_wal_write_sync(w, type, buf, len) != AG_OK)
                _exit(5);
            uint32_t n = i + 1;
            if (write(progress, &n, sizeof n) != sizeof n)
                _exit(6);
        } else if (cons_wal_write(w, type, buf, len) != AG_OK) {
            _exit(5);
        }
    }
}

START_TEST(wal_survives_sigkill)
{
    quiet();
    char dir[64];
    ag_test_mkdtemp(dir, "walkill");
    uint64_t seed = ag_test_seed();
    ag_rng rng;
    ag_test_rng(&rng, 77);
    unsigned rounds = (unsigned)ag_test_iters(15, 100);
    uint32_t synced = 0;
    for (unsigned r = 0; r < rounds; r++) {
        int p[2];
        ck_assert_int_eq(pipe(p), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(p[0]);
            child_append(dir, seed, p[1]);
        }
        close(p[1]);
        struct timespec ts = {0, (long)(1000000 + ag_rng_below(&rng, 30000000))};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        ck_assert(WIFSIGNALED(status));
        uint32_t n;
        while (read(p[0], &n, sizeof n) == sizeof n)
            synced = n;
        close(p[0]);
        cons_wal *w;
        cons_wal_options o = {.segment_bytes = 20000};
        ck_assert_int_eq(cons_wal_open(&w, dir, &o), AG_OK);
        unsigned have = replay_count(w, 0, seed, 0);
        ck_assert_uint_ge(have, synced);
        cons_wal_close(w);
    }
    ck_assert_uint_gt(synced, 0);
    ag_test_rmdir(dir);
}
END_TEST

static Suite *wal_suite(void)
{
    Suite *s = suite_create("cons_wal");
    TCase *tc = ag_test_tcase("wal");
    tcase_add_test(tc, wal_crc32c_vector);
    tcase_add_test(tc, wal_codec);
    tcase_add_test(tc, wal_round_trip);
    tcase_add_test(tc, wal_torn_tail_every_offset);
    tcase_add_test(tc, wal_flipped_bits);
    tcase_add_test(tc, wal_fsync_ordering);
    tcase_add_test(tc, wal_rotation_and_prune);
    tcase_add_test(tc, wal_survives_sigkill);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(wal_suite)
