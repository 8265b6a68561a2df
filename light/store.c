/* The light client's file store of trusted blocks (store.h). */
#include "light/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "lib/buf.h"
#include "light/limits.h"

#define MAGIC     "AGLB\x01"
#define MAGIC_LEN 5
#define PATH_MAX_ 4096
#define DIR_MAX   3800

struct light_store {
    char dir[DIR_MAX];
    size_t max_blocks;
    int64_t *heights; /* sorted ascending */
    size_t n, cap;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void path_of(const light_store *s, int64_t h, const char *suffix, char out[PATH_MAX_])
{
    snprintf(out, PATH_MAX_, "%s/%020" PRId64 ".lb%s", s->dir, h, suffix);
}

static ag_err add_height(light_store *s, int64_t h)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->heights[i] == h)
            return AG_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        int64_t *g = realloc(s->heights, cap * sizeof *g);
        if (!g)
            return ag_err_set(AG_ERR_NOMEM, "light store");
        s->heights = g;
        s->cap = cap;
    }
    s->heights[s->n++] = h;
    qsort(s->heights, s->n, sizeof *s->heights, cmp_i64);
    return AG_OK;
}

ag_err light_store_open(light_store **out, const char *dir, size_t max_blocks)
{
    *out = NULL;
    if (!dir || strlen(dir) == 0 || strlen(dir) >= DIR_MAX || max_blocks == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "light store: directory or size limit");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return ag_err_from_errno(errno, dir);
    DIR *d = opendir(dir);
    if (!d)
        return ag_err_from_errno(errno, dir);
    light_store *s = calloc(1, sizeof *s);
    if (!s) {
        closedir(d);
        return ag_err_set(AG_ERR_NOMEM, "light store");
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->max_blocks = max_blocks;
    ag_err e = AG_OK;
    struct dirent *ent;
    while (!e && (ent = readdir(d)) != NULL) {
        const char *name = ent->d_name;
        size_t len = strlen(name);
        if (len == 20 + 7 && strcmp(name + 20, ".lb.tmp") == 0) {
            char p[PATH_MAX_];
            snprintf(p, sizeof p, "%s/%s", dir, name);
            unlink(p); /* a save that did not finish */
            continue;
        }
        if (len != 20 + 3 || strcmp(name + 20, ".lb") != 0)
            continue;
        int64_t h = 0;
        bool ok = true;
        for (size_t i = 0; i < 20 && ok; i++) {
            ok = name[i] >= '0' && name[i] <= '9' && h <= (INT64_MAX - 9) / 10;
            h = h * 10 + (name[i] - '0');
        }
        if (ok && h > 0)
            e = add_height(s, h);
    }
    closedir(d);
    if (e) {
        light_store_close(s);
        return e;
    }
    *out = s;
    return AG_OK;
}

void light_store_close(light_store *s)
{
    if (!s)
        return;
    free(s->heights);
    free(s);
}

static ag_err put_part(ag_buf *b, const ag_buf *part)
{
    uint8_t len[4] = {(uint8_t)part->len, (uint8_t)(part->len >> 8), (uint8_t)(part->len >> 16),
                      (uint8_t)(part->len >> 24)};
    ag_err e = ag_buf_append(b, len, 4);
    return e ? e : ag_buf_append(b, part->data, part->len);
}

static ag_err write_file(const char *tmp, const char *final, const char *dir, const ag_buf *b)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return ag_err_from_errno(errno, tmp);
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ag_err e = ag_err_from_errno(errno ? errno : EIO, tmp);
            close(fd);
            unlink(tmp);
            return e;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        ag_err e = ag_err_from_errno(errno, tmp);
        close(fd);
        unlink(tmp);
        return e;
    }
    close(fd);
    if (rename(tmp, final) != 0) {
        ag_err e = ag_err_from_errno(errno, final);
        unlink(tmp);
        return e;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return AG_OK;
}

ag_err light_store_save(light_store *s, const light_block *b)
{
    if (b->header.height <= 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "light store: height");
    ag_buf file, part;
    ag_buf_init(&file, LIGHT_STORE_FILE_MAX);
    ag_buf_init(&part, LIGHT_STORE_FILE_MAX);
    ag_err e = ag_buf_append(&file, MAGIC, MAGIC_LEN);
    if (!e)
        e = cons_header_encode(&part, &b->header);
    if (!e)
        e = put_part(&file, &part);
    ag_buf_reset(&part);
    if (!e)
        e = cons_commit_encode(&part, &b->commit);
    if (!e)
        e = put_part(&file, &part);
    ag_buf_reset(&part);
    if (!e)
        e = cons_valset_encode(&part, &b->vals);
    if (!e)
        e = put_part(&file, &part);
    uint8_t sum[32];
    if (!e) {
        crypto_sha256(sum, file.data, file.len);
        e = ag_buf_append(&file, sum, 32);
    }
    char tmp[PATH_MAX_], final[PATH_MAX_];
    path_of(s, b->header.height, ".tmp", tmp);
    path_of(s, b->header.height, "", final);
    if (!e)
        e = write_file(tmp, final, s->dir, &file);
    ag_buf_free(&file);
    ag_buf_free(&part);
    if (!e)
        e = add_height(s, b->header.height);
    while (!e && s->n > s->max_blocks) {
        path_of(s, s->heights[0], "", final);
        if (unlink(final) != 0 && errno != ENOENT)
            return ag_err_from_errno(errno, final);
        memmove(s->heights, s->heights + 1, (s->n - 1) * sizeof *s->heights);
        s->n--;
    }
    return e;
}

static ag_err get_part(const uint8_t **p, size_t *left, const uint8_t **part, size_t *len)
{
    if (*left < 4)
        return AG_ERR_CORRUPT;
    size_t n =
        (size_t)(*p)[0] | (size_t)(*p)[1] << 8 | (size_t)(*p)[2] << 16 | (size_t)(*p)[3] << 24;
    if (n > *left - 4)
        return AG_ERR_CORRUPT;
    *part = *p + 4;
    *len = n;
    *p += 4 + n;
    *left -= 4 + n;
    return AG_OK;
}

ag_err light_store_load(light_store *s, int64_t h, light_block *out)
{
    memset(out, 0, sizeof *out);
    char path[PATH_MAX_];
    path_of(s, h, "", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? ag_err_set(AG_ERR_NOT_FOUND, "light store: no height %" PRId64, h)
                               : ag_err_from_errno(errno, path);
    uint8_t *data = malloc(LIGHT_STORE_FILE_MAX + 1);
    if (!data) {
        fclose(f);
        return ag_err_set(AG_ERR_NOMEM, "light store");
    }
    size_t n = fread(data, 1, LIGHT_STORE_FILE_MAX + 1, f);
    bool rerr = ferror(f);
    fclose(f);
    ag_err e = AG_OK;
    if (rerr)
        e = ag_err_set(AG_ERR_IO, "light store: read %s", path);
    else if (n < MAGIC_LEN + 32 || n > LIGHT_STORE_FILE_MAX || memcmp(data, MAGIC, MAGIC_LEN))
        e = AG_ERR_CORRUPT;
    uint8_t sum[32];
    if (!e) {
        crypto_sha256(sum, data, n - 32);
        if (memcmp(sum, data + n - 32, 32) != 0)
            e = AG_ERR_CORRUPT;
    }
    const uint8_t *p = data + MAGIC_LEN, *part;
    size_t left = n - MAGIC_LEN - 32, len;
    if (!e)
        e = get_part(&p, &left, &part, &len);
    if (!e && cons_header_decode(&out->header, part, len) != AG_OK)
        e = AG_ERR_CORRUPT;
    if (!e)
        e = get_part(&p, &left, &part, &len);
    if (!e && cons_commit_decode(&out->commit, part, len) != AG_OK)
        e = AG_ERR_CORRUPT;
    if (!e)
        e = get_part(&p, &left, &part, &len);
    if (!e && cons_valset_decode(&out->vals, part, len) != AG_OK)
        e = AG_ERR_CORRUPT;
    if (!e && (left != 0 || out->header.height != h))
        e = AG_ERR_CORRUPT;
    free(data);
    if (e) {
        light_block_free(out);
        if (e == AG_ERR_CORRUPT)
            e = ag_err_set(AG_ERR_CORRUPT, "light store: %s is damaged", path);
    }
    return e;
}

ag_err light_store_load_below(light_store *s, int64_t h, light_block *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = s->n; i-- > 0;)
        if (h <= 0 || s->heights[i] <= h)
            return light_store_load(s, s->heights[i], out);
    return ag_err_set(AG_ERR_NOT_FOUND, "light store: nothing at or below %" PRId64, h);
}

ag_err light_store_load_above(light_store *s, int64_t h, light_block *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < s->n; i++)
        if (s->heights[i] >= h)
            return light_store_load(s, s->heights[i], out);
    return ag_err_set(AG_ERR_NOT_FOUND, "light store: nothing at or above %" PRId64, h);
}

size_t light_store_count(const light_store *s)
{
    return s->n;
}

int64_t light_store_lowest(const light_store *s)
{
    return s->n ? s->heights[0] : 0;
}

int64_t light_store_highest(const light_store *s)
{
    return s->n ? s->heights[s->n - 1] : 0;
}
