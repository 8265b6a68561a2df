/*
 * cmd_inspect.c — `agorad inspect`: read the stores of a stopped node.
 *
 *   inspect blocks      height, block hash, app hash, txs and commit round of
 *                       every stored block (what the crash test compares
 *                       across restarts to prove no committed block changed)
 *   inspect signatures  the double-sign check (node/README.md, "What
 *                       `inspect signatures` proves"):
 *     1. every stored commit carries this validator's precommit and its
 *        signature verifies against the validator key (the chain as stored
 *        was signed by us, once per height);
 *     2. the signer's state is at or above the last stored height (the
 *        signer never fell behind what it signed);
 *     3. with --history DIR: the signer state snapshots in DIR (files taken
 *        in order, sorted by name) never go backwards in height/round/step;
 *        two snapshots at the same height/round/step hold the same sign
 *        bytes; a precommit snapshot at a stored height and its commit
 *        round is byte for byte the precommit in the stored commit;
 *     4. every vote and proposal of this validator in the WAL (read-only;
 *        the engine logs its own signed messages there before sending them)
 *        carries a valid signature, and no two of them at the same
 *        height/round/type have different sign bytes (a double sign).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "consensus/block_store.h"
/* ENG_REC_* (the engine's WAL record types): kept in step at compile time. */
#include "consensus/engine_internal.h"
#include "consensus/privval.h"
#include "consensus/wal.h"
#include "crypto/hash.h"
#include "genesis/genesis.h"
#include "lib/hex.h"
#include "node/cli.h"
#include "node/home.h"

/* Most snapshot files read from a --history directory. */
#define INSPECT_WAL_SEGMENT_MAX ((size_t)1 << 30) /* bytes of one WAL segment read */
#define INSPECT_WAL_SIGNED_MAX  10000000u         /* own messages collected from the WAL */
#define INSPECT_HISTORY_MAX     100000u

typedef struct inspect_opts {
    const char *home;
    int64_t from, to;
    const char *history;
} inspect_opts;

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "agorad inspect: %s%s (see agorad help)\n", what, arg);
    return 2;
}

static ag_err open_blocks(const node_home *h, state_kv **kv, cons_block_store **bs)
{
    state_kv_rocksdb_options o = {.block_cache_bytes = 8u << 20, .write_buffer_bytes = 4u << 20};
    struct stat st;
    /* A node killed before its first start finished has no store yet: empty. */
    ag_err err = stat(h->blockstore_db, &st) != 0 && errno == ENOENT
                     ? state_kv_open_memory(kv)
                     : state_kv_open_rocksdb(kv, h->blockstore_db, &o);
    if (err == AG_ERR_AGAIN)
        return ag_err_set(err, "%s is in use: stop the node before inspecting its stores",
                          h->blockstore_db);
    if (err)
        return err;
    if ((err = cons_block_store_open(bs, *kv, NULL)) != AG_OK) {
        state_kv_close(*kv);
        *kv = NULL;
    }
    return err;
}

static void hex_of(char *out, const uint8_t *b, size_t len)
{
    if (len == 0)
        strcpy(out, "-");
    else
        ag_hex_encode(out, b, len, true);
}

/* The commit of `height`: the stored one, or the seen commit for the top. */
static ag_err load_commit(cons_block_store *bs, int64_t height, cons_commit *c)
{
    memset(c, 0, sizeof *c);
    if (height < cons_block_store_height(bs))
        return cons_block_store_load_commit(bs, height, c);
    return cons_block_store_load_seen_commit(bs, height, c);
}

static int inspect_blocks(const node_home *h, const inspect_opts *o)
{
    state_kv *kv;
    cons_block_store *bs;
    if (open_blocks(h, &kv, &bs) != AG_OK) {
        fprintf(stderr, "agorad inspect: %s\n", ag_err_detail());
        return 1;
    }
    int rc = 0;
    int64_t base = cons_block_store_base(bs), top = cons_block_store_height(bs);
    int64_t from = o->from > base ? o->from : base;
    int64_t to = o->to > 0 && o->to < top ? o->to : top;
    printf("# base %" PRId64 " height %" PRId64 "\n", base, top);
    for (int64_t height = from; height >= 1 && height <= to; height++) {
        cons_block_meta meta;
        cons_commit c;
        ag_err err = cons_block_store_load_meta(bs, height, &meta);
        if (!err)
            err = load_commit(bs, height, &c);
        if (err) {
            fprintf(stderr, "agorad inspect: height %" PRId64 ": %s\n", height, ag_err_detail());
            rc = 1;
            break;
        }
        char hash[2 * CONS_HASH_LEN + 1], app[2 * CONS_APP_HASH_MAX + 1];
        hex_of(hash, meta.block_id.hash.b, meta.block_id.hash.len);
        hex_of(app, meta.header.app_hash.b, meta.header.app_hash.len);
        printf("%" PRId64 " %s %s txs=%" PRId64 " round=%" PRId32 "\n", height, hash, app,
               meta.num_txs, c.round);
        cons_commit_clear(&c);
    }
    cons_block_store_close(bs);
    state_kv_close(kv);
    return rc;
}

/* ---- signatures ---- */

typedef struct snapshot {
    char name[256];
    cons_privval_state st;
} snapshot;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(((const snapshot *)a)->name, ((const snapshot *)b)->name);
}

static ag_err read_file(const char *path, char **out, size_t *len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ag_err_from_errno(errno, path);
    char *buf = malloc(CONS_PRIVVAL_JSON_MAX + 1);
    if (!buf) {
        fclose(f);
        return ag_err_set(AG_ERR_NOMEM, "%s", path);
    }
    size_t n = fread(buf, 1, CONS_PRIVVAL_JSON_MAX + 1, f);
    fclose(f);
    if (n > CONS_PRIVVAL_JSON_MAX) {
        free(buf);
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: over %u bytes", path, CONS_PRIVVAL_JSON_MAX);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return AG_OK;
}

/* Load every *.json in dir as a signer state, sorted by file name. */
static ag_err load_history(const char *dir, snapshot **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return ag_err_from_errno(errno, dir);
    snapshot *snaps = NULL;
    size_t n = 0, cap = 0;
    ag_err err = AG_OK;
    struct dirent *e;
    while (!err && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || len >= sizeof snaps->name || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (n == INSPECT_HISTORY_MAX) {
            err = ag_err_set(AG_ERR_TOO_LARGE, "%s: more than %u snapshots", dir,
                             INSPECT_HISTORY_MAX);
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            snapshot *grown = realloc(snaps, ncap * sizeof *snaps);
            if (!grown) {
                err = ag_err_set(AG_ERR_NOMEM, "history");
                break;
            }
            snaps = grown;
            cap = ncap;
        }
        char path[NODE_PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *json;
        size_t jlen = 0;
        if ((err = read_file(path, &json, &jlen)) != AG_OK)
            break;
        memset(&snaps[n], 0, sizeof snaps[n]);
        memcpy(snaps[n].name, e->d_name, len + 1);
        err = cons_privval_state_from_json(&snaps[n].st, json, jlen);
        free(json);
        if (err) {
            char detail[AG_ERR_DETAIL_MAX];
            snprintf(detail, sizeof detail, "%s", ag_err_detail());
            err = ag_err_set(err, "%s: %s", path, detail);
            break;
        }
        n++;
    }
    closedir(d);
    if (err) {
        free(snaps);
        return err;
    }
    if (n > 1) /* snaps may be NULL when the history is empty */
        qsort(snaps, n, sizeof *snaps, cmp_names);
    *out = snaps;
    *n_out = n;
    return AG_OK;
}

static int cmp_hrs(const cons_privval_state *a, const cons_privval_state *b)
{
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    if (a->round != b->round)
        return a->round < b->round ? -1 : 1;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    return 0;
}

/* Our precommit at c->height/c->round as the commit stores it. */
static ag_err our_precommit(const cons_commit *c, const crypto_address *addr, cons_vote *v)
{
    memset(v, 0, sizeof *v);
    for (size_t i = 0; i < c->n_sigs; i++) {
        const cons_commit_sig *s = &c->sigs[i];
        if (!s->has_address || !crypto_address_equal(&s->validator_address, addr))
            continue;
        v->type = CONS_MSG_PRECOMMIT;
        v->height = c->height;
        v->round = c->round;
        if (s->flag == CONS_BLOCK_ID_FLAG_COMMIT)
            v->block_id = c->block_id;
        v->timestamp = s->timestamp;
        v->validator_address = *addr;
        v->validator_index = (int32_t)i;
        v->signature = s->signature;
        return AG_OK;
    }
    return ag_err_set(AG_ERR_NOT_FOUND, "commit of height %" PRId64 " has no signature of ours",
                      c->height);
}

typedef struct sig_report {
    int64_t heights, verified, snapshots, matched_precommits;
    int failures;
} sig_report;

#define FAIL(r, ...)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "agorad inspect: FAIL: " __VA_ARGS__);                                     \
        fputc('\n', stderr);                                                                       \
        (r)->failures++;                                                                           \
    } while (0)

static void check_commits(cons_block_store *bs, const char *chain_id, const cons_privval *pv,
                          sig_report *r)
{
    int64_t base = cons_block_store_base(bs), top = cons_block_store_height(bs);
    for (int64_t height = base; height >= 1 && height <= top; height++) {
        r->heights++;
        cons_block_meta meta;
        cons_commit c;
        cons_vote v;
        ag_err err = cons_block_store_load_meta(bs, height, &meta);
        if (!err && (err = load_commit(bs, height, &c)) != AG_OK)
            memset(&c, 0, sizeof c);
        if (!err && !cons_block_id_equal(&c.block_id, &meta.block_id))
            err = ag_err_set(AG_ERR_CORRUPT, "the commit names another block than the stored one");
        if (!err && (err = our_precommit(&c, cons_privval_address(pv), &v)) == AG_OK &&
            (err = cons_vote_verify(&v, chain_id, cons_privval_pubkey(pv))) == AG_OK)
            r->verified++;
        if (err)
            FAIL(r, "height %" PRId64 ": %s", height, ag_err_detail());
        cons_commit_clear(&c);
    }
    const cons_privval_state *last = cons_privval_last_state(pv);
    if (top > 0 && last->height < top)
        FAIL(r, "the signer's last signed height %" PRId64 " is below the stored height %" PRId64,
             last->height, top);
}

static void check_history(cons_block_store *bs, const char *chain_id, const crypto_address *addr,
                          const snapshot *snaps, size_t n, sig_report *r)
{
    int64_t base = cons_block_store_base(bs), top = cons_block_store_height(bs);
    for (size_t i = 0; i < n; i++) {
        const cons_privval_state *s = &snaps[i].st;
        r->snapshots++;
        if (i > 0) {
            const cons_privval_state *p = &snaps[i - 1].st;
            int c = cmp_hrs(p, s);
            if (c > 0)
                FAIL(r,
                     "%s: signer state went back from %" PRId64 "/%d/%d (%s) to %" PRId64 "/%d/%d",
                     snaps[i].name, p->height, p->round, p->step, snaps[i - 1].name, s->height,
                     s->round, s->step);
            else if (c == 0 && (p->sign_bytes_len != s->sign_bytes_len ||
                                memcmp(p->sign_bytes, s->sign_bytes, s->sign_bytes_len) != 0))
                FAIL(r, "%s and %s: two different messages signed at %" PRId64 "/%d/%d",
                     snaps[i - 1].name, snaps[i].name, s->height, s->round, s->step);
        }
        if (s->step != CONS_PRIVVAL_STEP_PRECOMMIT || s->height < base || s->height > top ||
            s->sign_bytes_len == 0)
            continue;
        cons_commit c;
        cons_vote v;
        ag_buf sb;
        ag_buf_init(&sb, 0);
        ag_err err = load_commit(bs, s->height, &c);
        if (err) {
            FAIL(r, "%s: commit of height %" PRId64 ": %s", snaps[i].name, s->height,
                 ag_err_detail());
            continue;
        }
        if (c.round == s->round) {
            if ((err = our_precommit(&c, addr, &v)) == AG_OK &&
                (err = cons_vote_sign_bytes(&sb, chain_id, &v)) == AG_OK) {
                /* The state stores the length-prefixed sign bytes, as signed. */
                if (sb.len == s->sign_bytes_len && memcmp(sb.data, s->sign_bytes, sb.len) == 0)
                    r->matched_precommits++;
                else
                    FAIL(r,
                         "%s: the precommit signed at %" PRId64 "/%d differs from the one in "
                         "the stored commit",
                         snaps[i].name, s->height, s->round);
            } else {
                FAIL(r, "%s: %s", snaps[i].name, ag_err_detail());
            }
        }
        ag_buf_free(&sb);
        cons_commit_clear(&c);
    }
}

/* ---- the WAL's own messages ---- */

typedef struct signed_msg {
    int64_t height;
    int32_t round;
    int32_t type;                      /* CONS_MSG_PREVOTE / PRECOMMIT / PROPOSAL */
    uint8_t digest[CRYPTO_SHA256_LEN]; /* of the sign bytes */
} signed_msg;

typedef struct wal_scan {
    signed_msg *msgs;
    size_t n, cap;
    int64_t records, votes, proposals, others;
} wal_scan;

static int cmp_msgs(const void *a, const void *b)
{
    const signed_msg *x = a, *y = b;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    if (x->round != y->round)
        return x->round < y->round ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return memcmp(x->digest, y->digest, sizeof x->digest);
}

static ag_err add_msg(wal_scan *w, int64_t height, int32_t round, int32_t type, const ag_buf *sb)
{
    if (w->n == w->cap) {
        if (w->cap >= INSPECT_WAL_SIGNED_MAX)
            return ag_err_set(AG_ERR_TOO_LARGE, "WAL: more than %u own messages",
                              INSPECT_WAL_SIGNED_MAX);
        size_t ncap = w->cap ? w->cap * 2 : 1024;
        signed_msg *grown = realloc(w->msgs, ncap * sizeof *grown);
        if (!grown)
            return ag_err_set(AG_ERR_NOMEM, "WAL messages");
        w->msgs = grown;
        w->cap = ncap;
    }
    signed_msg *m = &w->msgs[w->n++];
    m->height = height;
    m->round = round;
    m->type = type;
    crypto_sha256(m->digest, sb->data, sb->len);
    return AG_OK;
}

/* One record: own votes and proposals (signature checked) are collected. */
static void scan_record(wal_scan *w, const cons_wal_record *rec, const char *chain_id,
                        const cons_privval *pv, const char *where, sig_report *r)
{
    ag_buf sb;
    ag_buf_init(&sb, 0);
    w->records++;
    if (rec->type == ENG_REC_VOTE) {
        cons_vote v = {0};
        if (cons_vote_decode(&v, rec->payload, rec->len) != AG_OK) {
            FAIL(r, "%s: a vote record does not decode: %s", where, ag_err_detail());
        } else if (crypto_address_equal(&v.validator_address, cons_privval_address(pv))) {
            w->votes++;
            if (cons_vote_verify(&v, chain_id, cons_privval_pubkey(pv)) != AG_OK)
                FAIL(r, "%s: our vote at %" PRId64 "/%d does not verify: %s", where, v.height,
                     v.round, ag_err_detail());
            else if (cons_vote_sign_bytes(&sb, chain_id, &v) != AG_OK ||
                     add_msg(w, v.height, v.round, (int32_t)v.type, &sb) != AG_OK)
                FAIL(r, "%s: %s", where, ag_err_detail());
        }
        cons_vote_clear(&v);
    } else if (rec->type == ENG_REC_PROPOSAL && rec->len >= CRYPTO_ADDRESS_LEN) {
        /* Payload: the signer's address, then the encoded proposal. */
        cons_proposal p;
        crypto_address signer;
        memcpy(signer.b, rec->payload, CRYPTO_ADDRESS_LEN);
        if (cons_proposal_decode(&p, rec->payload + CRYPTO_ADDRESS_LEN,
                                 rec->len - CRYPTO_ADDRESS_LEN) != AG_OK) {
            FAIL(r, "%s: a proposal record does not decode: %s", where, ag_err_detail());
        } else if (crypto_address_equal(&signer, cons_privval_address(pv))) {
            w->proposals++;
            if (cons_proposal_verify(&p, chain_id, cons_privval_pubkey(pv)) != AG_OK)
                FAIL(r, "%s: our proposal at %" PRId64 "/%d does not verify: %s", where, p.height,
                     p.round, ag_err_detail());
            else if (cons_proposal_sign_bytes(&sb, chain_id, &p) != AG_OK ||
                     add_msg(w, p.height, p.round, CONS_MSG_PROPOSAL, &sb) != AG_OK)
                FAIL(r, "%s: %s", where, ag_err_detail());
        }
    } else {
        w->others++;
    }
    ag_buf_free(&sb);
}

static int cmp_strs(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read every segment of the WAL directory without changing it (a torn tail
 * of the last segment ends the scan, as recovery would truncate it). */
static void check_wal(const char *dir, const char *chain_id, const cons_privval *pv, wal_scan *w,
                      sig_report *r)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT)
            FAIL(r, "%s: %s", dir, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 8 || strncmp(e->d_name, "wal-", 4) != 0 || strcmp(e->d_name + len - 4, ".log"))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **grown = realloc(names, ncap * sizeof *grown);
            if (!grown || n >= CONS_WAL_SEGMENTS_MAX) {
                free(grown ? grown : names);
                names = NULL;
                n = 0;
                FAIL(r, "%s: too many segments or out of memory", dir);
                break;
            }
            names = grown;
            cap = ncap;
        }
        if ((names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n > 1) /* names may be NULL when the WAL directory is empty */
        qsort(names, n, sizeof *names, cmp_strs);
    for (size_t i = 0; i < n; i++) {
        char path[NODE_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        uint8_t *data = NULL;
        size_t len = 0;
        if (f && fseek(f, 0, SEEK_END) == 0) {
            long size = ftell(f);
            rewind(f);
            if (size >= 0 && (size_t)size <= INSPECT_WAL_SEGMENT_MAX &&
                (data = malloc((size_t)size + 1)) != NULL)
                len = fread(data, 1, (size_t)size, f);
        }
        if (f)
            fclose(f);
        if (!data) {
            FAIL(r, "%s: cannot read (missing, too large or out of memory)", path);
            continue;
        }
        size_t off = 0;
        while (off < len) {
            cons_wal_record rec;
            size_t used;
            cons_wal_scan sc = cons_wal_decode(data + off, len - off, &rec, &used);
            if (sc != CONS_WAL_SCAN_OK) {
                if (i + 1 < n)
                    FAIL(r, "%s: bad record at offset %zu (%s) before the last segment", path, off,
                         cons_wal_scan_str(sc));
                break; /* the torn tail of the last segment */
            }
            char where[NODE_PATH_MAX + 96];
            snprintf(where, sizeof where, "%s@%zu", names[i], off);
            scan_record(w, &rec, chain_id, pv, where, r);
            off += used;
        }
        free(data);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    /* The same message may be logged twice (re-sent after a restart): equal
     * digests are fine; two digests at one height/round/type are not. */
    if (w->n > 1) /* msgs is NULL when nothing of ours was logged yet (an early kill) */
        qsort(w->msgs, w->n, sizeof *w->msgs, cmp_msgs);
    for (size_t i = 1; i < w->n; i++) {
        const signed_msg *a = &w->msgs[i - 1], *b = &w->msgs[i];
        if (a->height == b->height && a->round == b->round && a->type == b->type &&
            memcmp(a->digest, b->digest, sizeof a->digest) != 0)
            FAIL(r, "WAL: two different messages of ours signed at %" PRId64 "/%d type %d",
                 b->height, b->round, b->type);
    }
}

static int inspect_signatures(const node_home *h, const inspect_opts *o)
{
    genesis_doc doc;
    cons_privval *pv = NULL;
    state_kv *kv = NULL;
    cons_block_store *bs = NULL;
    snapshot *snaps = NULL;
    size_t n_snaps = 0;
    int rc = 1;
    memset(&doc, 0, sizeof doc);
    if (genesis_doc_load(&doc, h->genesis_file) != AG_OK ||
        cons_privval_load(&pv, h->privval_key_file, h->privval_state_file) != AG_OK ||
        (o->history && load_history(o->history, &snaps, &n_snaps) != AG_OK) ||
        open_blocks(h, &kv, &bs) != AG_OK) {
        fprintf(stderr, "agorad inspect: %s\n", ag_err_detail());
        goto out;
    }
    sig_report r = {0};
    check_commits(bs, doc.chain_id, pv, &r);
    check_history(bs, doc.chain_id, cons_privval_address(pv), snaps, n_snaps, &r);
    wal_scan w = {0};
    check_wal(h->wal_dir, doc.chain_id, pv, &w, &r);
    free(w.msgs);
    printf("heights %" PRId64 " (base %" PRId64 " .. %" PRId64 "), our precommits verified %" PRId64
           ", signer snapshots %" PRId64 ", snapshot precommits equal to the stored ones %" PRId64
           ", WAL records %" PRId64 " with our votes %" PRId64 " and proposals %" PRId64
           ", failures %d\n",
           r.heights, cons_block_store_base(bs), cons_block_store_height(bs), r.verified,
           r.snapshots, r.matched_precommits, w.records, w.votes, w.proposals, r.failures);
    rc = r.failures ? 1 : 0;
out:
    free(snaps);
    cons_block_store_close(bs);
    state_kv_close(kv);
    cons_privval_free(pv);
    genesis_doc_free(&doc);
    return rc;
}

int node_cmd_inspect(int argc, char **argv)
{
    if (argc < 1)
        return usage_error("which store? ", "blocks or signatures");
    const char *what = argv[0];
    inspect_opts o = {0};
    const char *from = NULL, *to = NULL;
    for (int i = 1; i < argc; i++) {
        int r;
        if ((r = node_cli_value("inspect", argc, argv, &i, "--home", &o.home)) ||
            (r = node_cli_value("inspect", argc, argv, &i, "--history", &o.history)) ||
            (r = node_cli_value("inspect", argc, argv, &i, "--from", &from)) ||
            (r = node_cli_value("inspect", argc, argv, &i, "--to", &to))) {
            if (r < 0)
                return 2;
        } else {
            return usage_error("unknown option ", argv[i]);
        }
    }
    if ((from && node_cli_parse_i64(from, 1, "--from", &o.from) != AG_OK) ||
        (to && node_cli_parse_i64(to, 1, "--to", &o.to) != AG_OK)) {
        fprintf(stderr, "agorad inspect: %s\n", ag_err_detail());
        return 2;
    }
    char def[NODE_PATH_MAX];
    if (!o.home) {
        if (node_cli_default_home(def, sizeof def) != AG_OK) {
            fprintf(stderr, "agorad inspect: %s\n", ag_err_detail());
            return 2;
        }
        o.home = def;
    }
    node_home h;
    if (node_home_load(&h, o.home) != AG_OK) {
        fprintf(stderr, "agorad inspect: %s\n", ag_err_detail());
        return 1;
    }
    if (strcmp(what, "blocks") == 0)
        return inspect_blocks(&h, &o);
    if (strcmp(what, "signatures") == 0)
        return inspect_signatures(&h, &o);
    return usage_error("unknown store (blocks or signatures): ", what);
}
