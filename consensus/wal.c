/* wal.c — the consensus write-ahead log (see wal.h for the format and the
 * recovery rules). */
#include "consensus/wal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"

#define WAL_NAME_LEN 24 /* "wal-" + 16 hex + ".log" */
/* A segment is read whole on open; anything larger cannot be ours. */
#define WAL_SEGMENT_READ_MAX ((uint64_t)1 << 32)

typedef struct wal_seg {
    uint64_t seq;
    int64_t max_marker; /* highest end-of-height marker in it, -1 if none */
} wal_seg;

struct cons_wal {
    char *dir;
    cons_wal_options opts;
    wal_seg *segs; /* oldest first; the last is the head */
    size_t n_segs, cap_segs;
    int fd; /* head segment, opened for appending */
    uint64_t written, synced;
    ag_buf buf;
    bool failed;
    int64_t last_height;
};

struct cons_wal_iter {
    cons_wal *wal;
    uint64_t *seqs;
    size_t n_seqs, next_seq;
    FILE *f;
    uint64_t off;
    uint8_t *payload;
};

/* ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) ---- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t cons_wal_crc32c(uint32_t crc, const uint8_t *data, size_t len)
{
    pthread_once(&crc_once, crc_init);
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- record codec ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t record_crc(const uint8_t *hdr5, const uint8_t *payload, size_t len)
{
    return cons_wal_crc32c(cons_wal_crc32c(0, hdr5, 5), payload, len);
}

void cons_wal_encode_header(uint8_t out[CONS_WAL_HEADER_LEN], uint8_t type, const uint8_t *payload,
                            size_t len)
{
    put_u32(out + 4, (uint32_t)len);
    out[8] = type;
    put_u32(out, record_crc(out + 4, payload, len));
}

const char *cons_wal_scan_str(cons_wal_scan s)
{
    switch (s) {
    case CONS_WAL_SCAN_OK:
        return "ok";
    case CONS_WAL_SCAN_SHORT:
        return "record cut short";
    case CONS_WAL_SCAN_BAD_LEN:
        return "impossible record length";
    case CONS_WAL_SCAN_BAD_TYPE:
        return "impossible record type";
    case CONS_WAL_SCAN_BAD_CRC:
        return "checksum mismatch";
    }
    return "unknown";
}

cons_wal_scan cons_wal_decode(const uint8_t *in, size_t len, cons_wal_record *rec, size_t *used)
{
    memset(rec, 0, sizeof *rec);
    *used = 0;
    if (len < CONS_WAL_HEADER_LEN)
        return CONS_WAL_SCAN_SHORT;
    uint32_t plen = get_u32(in + 4);
    uint8_t type = in[8];
    if (plen > CONS_WAL_RECORD_MAX)
        return CONS_WAL_SCAN_BAD_LEN;
    if (type == 0 || (type == CONS_WAL_END_HEIGHT && plen != 8))
        return CONS_WAL_SCAN_BAD_TYPE;
    if (len - CONS_WAL_HEADER_LEN < plen)
        return CONS_WAL_SCAN_SHORT;
    const uint8_t *payload = in + CONS_WAL_HEADER_LEN;
    if (record_crc(in + 4, payload, plen) != get_u32(in))
        return CONS_WAL_SCAN_BAD_CRC;
    if (type == CONS_WAL_END_HEIGHT) {
        uint64_t h = get_u64(payload);
        if (h == 0 || h > (uint64_t)INT64_MAX)
            return CONS_WAL_SCAN_BAD_TYPE;
        rec->height = (int64_t)h;
    }
    rec->type = type;
    rec->payload = payload;
    rec->len = plen;
    *used = CONS_WAL_HEADER_LEN + plen;
    return CONS_WAL_SCAN_OK;
}

/* ---- files ---- */

static void seg_path(char *out, size_t cap, const char *dir, uint64_t seq)
{
    snprintf(out, cap, "%s/wal-%016" PRIx64 ".log", dir, seq);
}

static bool parse_seg_name(const char *name, uint64_t *seq)
{
    if (strlen(name) != WAL_NAME_LEN || strncmp(name, "wal-", 4) != 0 ||
        strcmp(name + 20, ".log") != 0)
        return false;
    uint64_t v = 0;
    for (int i = 4; i < 20; i++) {
        char c = name[i];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *seq = v;
    return true;
}

static ag_err sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ag_err_from_errno(errno, "wal: open directory");
    ag_err e = AG_OK;
    if (fsync(fd) != 0)
        e = ag_err_from_errno(errno, "wal: fsync directory");
    close(fd);
    return e;
}

static int cmp_seg(const void *a, const void *b)
{
    uint64_t x = ((const wal_seg *)a)->seq, y = ((const wal_seg *)b)->seq;
    return x < y ? -1 : x > y;
}

static ag_err push_seg(cons_wal *w, uint64_t seq)
{
    if (w->n_segs == CONS_WAL_SEGMENTS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "wal: more than %u segments in %s",
                          CONS_WAL_SEGMENTS_MAX, w->dir);
    if (w->n_segs == w->cap_segs) {
        size_t nc = w->cap_segs ? 2 * w->cap_segs : 8;
        wal_seg *ns = realloc(w->segs, nc * sizeof *ns);
        if (!ns)
            return ag_err_set(AG_ERR_NOMEM, "wal: segment list");
        w->segs = ns;
        w->cap_segs = nc;
    }
    w->segs[w->n_segs++] = (wal_seg){.seq = seq, .max_marker = -1};
    return AG_OK;
}

static ag_err list_segments(cons_wal *w)
{
    DIR *d = opendir(w->dir);
    if (!d)
        return ag_err_from_errno(errno, "wal: open directory");
    ag_err e = AG_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint64_t seq;
        if (parse_seg_name(de->d_name, &seq) && (e = push_seg(w, seq)) != AG_OK)
            break;
    }
    closedir(d);
    if (e == AG_OK && w->n_segs > 1)
        qsort(w->segs, w->n_segs, sizeof *w->segs, cmp_seg);
    return e;
}

/* Index of the first segment after a gap in the numbering, or n_segs. */
static size_t first_gap(const cons_wal *w)
{
    for (size_t i = 1; i < w->n_segs; i++)
        if (w->segs[i].seq != w->segs[i - 1].seq + 1)
            return i;
    return w->n_segs;
}

static ag_err read_file(const char *path, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ag_err_from_errno(errno, "wal: open segment");
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return ag_err_from_errno(errno, "wal: stat segment");
    }
    if ((uint64_t)st.st_size >= WAL_SEGMENT_READ_MAX) {
        close(fd);
        return ag_err_set(AG_ERR_TOO_LARGE, "wal: segment %s is %lld bytes", path,
                          (long long)st.st_size);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *p = malloc(n ? n : 1);
    if (!p) {
        close(fd);
        return ag_err_set(AG_ERR_NOMEM, "wal: segment of %zu bytes", n);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            ag_err e = r < 0 ? ag_err_from_errno(errno, "wal: read segment")
                             : ag_err_set(AG_ERR_IO, "wal: %s shrank while read", path);
            free(p);
            close(fd);
            return e;
        }
        got += (size_t)r;
    }
    close(fd);
    *data = p;
    *len = n;
    return AG_OK;
}

/* Is there a valid record anywhere in in[from..len)? */
static bool valid_record_after(const uint8_t *in, size_t len, size_t from)
{
    cons_wal_record rec;
    size_t used;
    for (size_t off = from; off + CONS_WAL_HEADER_LEN <= len; off++)
        if (cons_wal_decode(in + off, len - off, &rec, &used) == CONS_WAL_SCAN_OK)
            return true;
    return false;
}

/* Scan segment i; the head may be truncated to its last valid record. */
static ag_err scan_segment(cons_wal *w, size_t i, uint64_t *valid_len)
{
    char path[4096];
    seg_path(path, sizeof path, w->dir, w->segs[i].seq);
    uint8_t *data;
    size_t len;
    ag_err e = read_file(path, &data, &len);
    if (e != AG_OK)
        return e;
    bool head = i + 1 == w->n_segs;
    size_t off = 0;
    while (off < len) {
        cons_wal_record rec;
        size_t used;
        cons_wal_scan s = cons_wal_decode(data + off, len - off, &rec, &used);
        if (s != CONS_WAL_SCAN_OK) {
            if (!head || valid_record_after(data, len, off + 1)) {
                free(data);
                return ag_err_set(AG_ERR_CORRUPT,
                                  "wal: %s: %s at offset %zu with valid records after it "
                                  "(not a torn tail; refusing to drop them)",
                                  path, cons_wal_scan_str(s), off);
            }
            ag_log_warn("wal", "%s: torn tail at offset %zu (%s, %zu bytes): truncated", path, off,
                        cons_wal_scan_str(s), len - off);
            break;
        }
        if (rec.type == CONS_WAL_END_HEIGHT) {
            if (rec.height <= w->last_height) {
                free(data);
                return ag_err_set(AG_ERR_CORRUPT,
                                  "wal: %s: end-of-height %" PRId64 " at offset %zu after %" PRId64,
                                  path, rec.height, off, w->last_height);
            }
            w->last_height = rec.height;
            w->segs[i].max_marker = rec.height;
        }
        off += used;
    }
    free(data);
    if (off < len) {
        if (truncate(path, (off_t)off) != 0)
            return ag_err_from_errno(errno, "wal: truncate torn tail");
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || fdatasync(fd) != 0) {
            ag_err te = ag_err_from_errno(errno, "wal: sync truncated segment");
            if (fd >= 0)
                close(fd);
            return te;
        }
        close(fd);
    }
    *valid_len = off;
    return AG_OK;
}

static ag_err open_head(cons_wal *w, bool create)
{
    char path[4096];
    seg_path(path, sizeof path, w->dir, w->segs[w->n_segs - 1].seq);
    int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
    w->fd = open(path, flags, 0600);
    if (w->fd < 0)
        return ag_err_from_errno(errno, "wal: open head segment");
    if (create) {
        ag_err e = sync_dir(w->dir);
        if (e != AG_OK)
            return e;
    }
    return AG_OK;
}

ag_err cons_wal_open(cons_wal **out, const char *dir, const cons_wal_options *opts)
{
    *out = NULL;
    if (!dir || strlen(dir) > 4000)
        return ag_err_set(AG_ERR_INVALID_ARG, "wal: directory name missing or too long");
    cons_wal *w = calloc(1, sizeof *w);
    if (!w)
        return ag_err_set(AG_ERR_NOMEM, "wal: open");
    w->fd = -1;
    if (opts)
        w->opts = *opts;
    if (w->opts.segment_bytes == 0)
        w->opts.segment_bytes = CONS_WAL_SEGMENT_DEFAULT;
    ag_buf_init(&w->buf, CONS_WAL_BUFFER + CONS_WAL_HEADER_LEN + CONS_WAL_RECORD_MAX);
    ag_err e = AG_OK;
    w->dir = strdup(dir);
    if (!w->dir) {
        e = ag_err_set(AG_ERR_NOMEM, "wal: open");
        goto fail;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        e = ag_err_from_errno(errno, "wal: create directory");
        goto fail;
    }
    if ((e = list_segments(w)) != AG_OK)
        goto fail;
    size_t gap = first_gap(w);
    if (gap < w->n_segs) {
        /* segments are numbered consecutively: a gap is a lost segment */
        e = ag_err_set(AG_ERR_CORRUPT,
                       "wal: %s: segment %016" PRIx64 " is missing (found %016" PRIx64
                       " and %016" PRIx64 ")",
                       dir, w->segs[gap - 1].seq + 1, w->segs[gap - 1].seq, w->segs[gap].seq);
        goto fail;
    }
    bool create = w->n_segs == 0;
    if (create) {
        if ((e = push_seg(w, 0)) != AG_OK)
            goto fail;
    } else {
        for (size_t i = 0; i < w->n_segs; i++)
            if ((e = scan_segment(w, i, &w->written)) != AG_OK)
                goto fail;
    }
    w->synced = w->written;
    if ((e = open_head(w, create)) != AG_OK)
        goto fail;
    *out = w;
    return AG_OK;
fail:
    if (w->fd >= 0)
        close(w->fd);
    ag_buf_free(&w->buf);
    free(w->segs);
    free(w->dir);
    free(w);
    return e;
}

/* ---- operator repair ---- */

static ag_err set_aside(const char *dir, uint64_t seq)
{
    char path[4096], broken[4120];
    seg_path(path, sizeof path, dir, seq);
    snprintf(broken, sizeof broken, "%s.broken", path);
    if (rename(path, broken) != 0)
        return ag_err_from_errno(errno, "wal: set aside a segment");
    ag_log_warn("wal", "repair: moved %s to %s", path, broken);
    return AG_OK;
}

/* Keep the first `keep` bytes of segment seq: the whole segment is set aside
 * and a new one with its valid prefix written and synced in its place. */
static ag_err cut_segment(const char *dir, uint64_t seq, const uint8_t *data, size_t keep)
{
    ag_err e = set_aside(dir, seq);
    if (e != AG_OK)
        return e;
    char path[4096];
    seg_path(path, sizeof path, dir, seq);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ag_err_from_errno(errno, "wal: repair: create segment");
    size_t done = 0;
    while (done < keep) {
        ssize_t r = write(fd, data + done, keep - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            e = ag_err_from_errno(errno, "wal: repair: write");
            break;
        }
        done += (size_t)r;
    }
    if (e == AG_OK && fdatasync(fd) != 0)
        e = ag_err_from_errno(errno, "wal: repair: fdatasync");
    close(fd);
    return e;
}

ag_err cons_wal_repair(const char *dir, uint64_t *dropped)
{
    if (dropped)
        *dropped = 0;
    cons_wal w = {.dir = (char *)(uintptr_t)dir};
    ag_err e = list_segments(&w);
    size_t bad_seg = first_gap(&w), bad_off = 0;
    uint8_t *bad_data = NULL;
    uint64_t lost = 0;
    for (size_t i = 0; e == AG_OK && i < w.n_segs; i++) {
        char path[4096];
        seg_path(path, sizeof path, dir, w.segs[i].seq);
        uint8_t *data;
        size_t len;
        if ((e = read_file(path, &data, &len)) != AG_OK)
            break;
        if (i >= bad_seg) {
            lost += len;
            free(data);
            continue;
        }
        size_t off = 0;
        cons_wal_record rec;
        size_t used;
        while (off < len && cons_wal_decode(data + off, len - off, &rec, &used) == CONS_WAL_SCAN_OK)
            off += used;
        if (off < len) {
            ag_log_warn("wal",
                        "repair: %s: first bad record at offset %zu: dropping it and "
                        "everything after it",
                        path, off);
            bad_seg = i;
            bad_off = off;
            bad_data = data;
            lost += len - off;
            continue;
        }
        free(data);
    }
    if (e == AG_OK && bad_seg < w.n_segs) {
        for (size_t i = w.n_segs; e == AG_OK && i-- > bad_seg + 1;)
            e = set_aside(dir, w.segs[i].seq);
        if (e == AG_OK)
            e = bad_data ? cut_segment(dir, w.segs[bad_seg].seq, bad_data, bad_off)
                         : set_aside(dir, w.segs[bad_seg].seq);
        if (e == AG_OK)
            e = sync_dir(dir);
    }
    free(bad_data);
    free(w.segs);
    if (e == AG_OK && dropped)
        *dropped = lost;
    return e;
}

/* ---- appending ---- */

static ag_err hook(cons_wal *w, cons_wal_io op)
{
    if (!w->opts.io_hook)
        return AG_OK;
    return w->opts.io_hook(w->opts.io_ctx, op, w->synced, w->written);
}

static ag_err fail(cons_wal *w, ag_err e)
{
    w->failed = true;
    return e;
}

static ag_err flush(cons_wal *w)
{
    if (w->buf.len == 0)
        return AG_OK;
    ag_err e = hook(w, CONS_WAL_IO_WRITE);
    if (e != AG_OK)
        return fail(w, e);
    size_t done = 0;
    while (done < w->buf.len) {
        ssize_t r = write(w->fd, w->buf.data + done, w->buf.len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail(w, ag_err_from_errno(errno, "wal: write"));
        done += (size_t)r;
        w->written += (uint64_t)r;
    }
    ag_buf_reset(&w->buf);
    return AG_OK;
}

static ag_err do_sync(cons_wal *w)
{
    ag_err e = flush(w);
    if (e != AG_OK)
        return e;
    if (w->synced == w->written)
        return AG_OK;
    if ((e = hook(w, CONS_WAL_IO_SYNC)) != AG_OK)
        return fail(w, e);
    if (fdatasync(w->fd) != 0)
        return fail(w, ag_err_from_errno(errno, "wal: fdatasync"));
    w->synced = w->written;
    return AG_OK;
}

static ag_err rotate(cons_wal *w)
{
    ag_err e = do_sync(w);
    if (e != AG_OK)
        return e;
    if ((e = hook(w, CONS_WAL_IO_ROTATE)) != AG_OK)
        return fail(w, e);
    uint64_t seq = w->segs[w->n_segs - 1].seq + 1;
    if ((e = push_seg(w, seq)) != AG_OK)
        return fail(w, e);
    close(w->fd);
    w->fd = -1;
    w->written = w->synced = 0;
    if ((e = open_head(w, true)) != AG_OK)
        return fail(w, e);
    return AG_OK;
}

static ag_err append(cons_wal *w, uint8_t type, const uint8_t *payload, size_t len)
{
    if (w->failed)
        return ag_err_set(AG_ERR_STATE, "wal: an earlier write failed; reopen the WAL");
    if (len > CONS_WAL_RECORD_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "wal: record of %zu bytes (max %u)", len,
                          CONS_WAL_RECORD_MAX);
    if (len && !payload)
        return ag_err_set(AG_ERR_INVALID_ARG, "wal: NULL payload");
    uint8_t hdr[CONS_WAL_HEADER_LEN];
    cons_wal_encode_header(hdr, type, payload, len);
    ag_err e = ag_buf_append(&w->buf, hdr, sizeof hdr);
    if (e == AG_OK && len)
        e = ag_buf_append(&w->buf, payload, len);
    if (e != AG_OK)
        return fail(w, e);
    if (w->buf.len >= CONS_WAL_BUFFER && (e = flush(w)) != AG_OK)
        return e;
    if (w->written + w->buf.len >= w->opts.segment_bytes)
        return rotate(w);
    return AG_OK;
}

ag_err cons_wal_write(cons_wal *wal, uint8_t type, const uint8_t *payload, size_t len)
{
    if (type == 0 || type == CONS_WAL_END_HEIGHT)
        return ag_err_set(AG_ERR_INVALID_ARG, "wal: record type %u is reserved", type);
    return append(wal, type, payload, len);
}

ag_err cons_wal_write_sync(cons_wal *wal, uint8_t type, const uint8_t *payload, size_t len)
{
    ag_err e = cons_wal_write(wal, type, payload, len);
    return e != AG_OK ? e : do_sync(wal);
}

ag_err cons_wal_sync(cons_wal *wal)
{
    if (wal->failed)
        return ag_err_set(AG_ERR_STATE, "wal: an earlier write failed; reopen the WAL");
    return do_sync(wal);
}

ag_err cons_wal_end_height(cons_wal *wal, int64_t height)
{
    if (height <= wal->last_height)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "wal: end of height %" PRId64 " not above the last (%" PRId64 ")", height,
                          wal->last_height);
    uint8_t p[8];
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)((uint64_t)height >> (8 * i));
    size_t head = wal->n_segs - 1;
    ag_err e = append(wal, CONS_WAL_END_HEIGHT, p, sizeof p);
    if (e != AG_OK)
        return e;
    /* the marker went to the segment that was the head when it was appended */
    wal->segs[head].max_marker = height;
    wal->last_height = height;
    return do_sync(wal);
}

int64_t cons_wal_last_height(const cons_wal *wal)
{
    return wal->last_height;
}

size_t cons_wal_segments(const cons_wal *wal)
{
    return wal->n_segs;
}

ag_err cons_wal_prune(cons_wal *wal, int64_t height, size_t *removed)
{
    if (removed)
        *removed = 0;
    int64_t target = height - 1;
    size_t j = 0;
    while (j < wal->n_segs && wal->segs[j].max_marker < target)
        j++;
    if (j >= wal->n_segs)
        return AG_OK; /* marker not written yet: everything is still needed */
    size_t done = 0;
    ag_err e = AG_OK;
    for (; done < j; done++) {
        char path[4096];
        seg_path(path, sizeof path, wal->dir, wal->segs[done].seq);
        if (unlink(path) != 0 && errno != ENOENT) {
            e = ag_err_from_errno(errno, "wal: remove segment");
            break;
        }
    }
    memmove(wal->segs, wal->segs + done, (wal->n_segs - done) * sizeof *wal->segs);
    wal->n_segs -= done;
    if (removed)
        *removed = done;
    if (done && e == AG_OK)
        e = sync_dir(wal->dir);
    return e;
}

void cons_wal_close(cons_wal *wal)
{
    if (!wal)
        return;
    if (!wal->failed && do_sync(wal) != AG_OK)
        ag_log_error("wal", "final sync of %s failed: %s", wal->dir, ag_err_detail());
    if (wal->fd >= 0)
        close(wal->fd);
    ag_buf_free(&wal->buf);
    free(wal->segs);
    free(wal->dir);
    free(wal);
}

/* ---- replay ---- */

static ag_err iter_read(cons_wal_iter *it, cons_wal_record *rec)
{
    for (;;) {
        if (!it->f) {
            if (it->next_seq == it->n_seqs)
                return AG_ERR_NOT_FOUND;
            char path[4096];
            seg_path(path, sizeof path, it->wal->dir, it->seqs[it->next_seq++]);
            it->f = fopen(path, "rbe");
            if (!it->f)
                return ag_err_from_errno(errno, "wal: open segment for replay");
            it->off = 0;
        }
        uint8_t hdr[CONS_WAL_HEADER_LEN];
        size_t got = fread(hdr, 1, sizeof hdr, it->f);
        if (got == 0 && feof(it->f)) {
            fclose(it->f);
            it->f = NULL;
            continue;
        }
        if (got < sizeof hdr)
            return ag_err_set(AG_ERR_CORRUPT, "wal: replay: short header at offset %" PRIu64,
                              it->off);
        uint32_t plen = get_u32(hdr + 4);
        if (plen > CONS_WAL_RECORD_MAX)
            return ag_err_set(AG_ERR_CORRUPT, "wal: replay: length %u at offset %" PRIu64, plen,
                              it->off);
        uint8_t *buf = malloc(CONS_WAL_HEADER_LEN + (size_t)plen);
        if (!buf)
            return ag_err_set(AG_ERR_NOMEM, "wal: replay buffer");
        memcpy(buf, hdr, sizeof hdr);
        if (fread(buf + sizeof hdr, 1, plen, it->f) != plen) {
            free(buf);
            return ag_err_set(AG_ERR_CORRUPT, "wal: replay: short record at offset %" PRIu64,
                              it->off);
        }
        size_t used;
        cons_wal_scan s = cons_wal_decode(buf, CONS_WAL_HEADER_LEN + (size_t)plen, rec, &used);
        if (s != CONS_WAL_SCAN_OK) {
            free(buf);
            return ag_err_set(AG_ERR_CORRUPT, "wal: replay: %s at offset %" PRIu64,
                              cons_wal_scan_str(s), it->off);
        }
        free(it->payload);
        it->payload = buf;
        it->off += used;
        return AG_OK;
    }
}

ag_err cons_wal_iter_next(cons_wal_iter *it, cons_wal_record *rec)
{
    ag_err e = iter_read(it, rec);
    if (e != AG_OK)
        memset(rec, 0, sizeof *rec);
    return e;
}

void cons_wal_iter_free(cons_wal_iter *it)
{
    if (!it)
        return;
    if (it->f)
        fclose(it->f);
    free(it->payload);
    free(it->seqs);
    free(it);
}

ag_err cons_wal_replay_from(cons_wal *wal, int64_t height, cons_wal_iter **out)
{
    *out = NULL;
    if (!wal->failed) {
        ag_err e = flush(wal);
        if (e != AG_OK)
            return e;
    }
    int64_t target = height - 1;
    size_t j = 0;
    bool skip = target > 0;
    if (skip) {
        while (j < wal->n_segs && wal->segs[j].max_marker < target)
            j++;
        if (j == wal->n_segs)
            return ag_err_set(AG_ERR_NOT_FOUND, "wal: no end-of-height marker for %" PRId64,
                              target);
    }
    cons_wal_iter *it = calloc(1, sizeof *it);
    if (!it)
        return ag_err_set(AG_ERR_NOMEM, "wal: iterator");
    it->wal = wal;
    it->n_seqs = wal->n_segs - j;
    it->seqs = malloc(it->n_seqs * sizeof *it->seqs);
    if (!it->seqs) {
        free(it);
        return ag_err_set(AG_ERR_NOMEM, "wal: iterator");
    }
    for (size_t i = 0; i < it->n_seqs; i++)
        it->seqs[i] = wal->segs[j + i].seq;
    while (skip) {
        cons_wal_record rec;
        ag_err e = iter_read(it, &rec);
        if (e == AG_ERR_NOT_FOUND)
            e = ag_err_set(AG_ERR_NOT_FOUND, "wal: no end-of-height marker for %" PRId64, target);
        if (e != AG_OK) {
            cons_wal_iter_free(it);
            return e;
        }
        if (rec.type == CONS_WAL_END_HEIGHT && rec.height >= target) {
            if (rec.height != target) {
                cons_wal_iter_free(it);
                return ag_err_set(AG_ERR_NOT_FOUND,
                                  "wal: no end-of-height marker for %" PRId64 " (next is %" PRId64
                                  ")",
                                  target, rec.height);
            }
            skip = false;
        }
    }
    *out = it;
    return AG_OK;
}
