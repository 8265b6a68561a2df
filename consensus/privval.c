/* privval.c — the validator signer with double-sign protection (privval.h). */
#include "consensus/privval.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consensus/pb.h"
#include "crypto/address.h"
#include "lib/base64.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/varint.h"
#include "lib/wipe.h"
#include "tendermint/types/canonical.pb-c.h"

#define PUBKEY_TYPE  "tendermint/PubKeySecp256k1"
#define PRIVKEY_TYPE "tendermint/PrivKeySecp256k1"

struct cons_privval {
    crypto_privkey key;
    crypto_pubkey pub;
    crypto_address address;
    cons_privval_state state;
    char *state_path; /* NULL: in-memory signer */
    void (*save_hook)(void *ctx);
    void *save_ctx;
};

/* ---- JSON helpers ---- */

static ag_err parse_json(json_t **out, const char *json, size_t len, const char *what)
{
    *out = NULL;
    if (len > CONS_PRIVVAL_JSON_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "privval: %s is %zu bytes (max %u)", what, len,
                          CONS_PRIVVAL_JSON_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return ag_err_set(AG_ERR_DECODE, "privval: %s: bad JSON at line %d: %s", what, jerr.line,
                          jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return ag_err_set(AG_ERR_DECODE, "privval: %s: not a JSON object", what);
    }
    *out = root;
    return AG_OK;
}

static ag_err get_string(const char **out, json_t *obj, const char *field, const char *what)
{
    json_t *v = json_object_get(obj, field);
    if (!json_is_string(v))
        return ag_err_set(AG_ERR_DECODE, "privval: %s: \"%s\" missing or not a string", what,
                          field);
    *out = json_string_value(v);
    return AG_OK;
}

/* {"type": type, "value": base64 of exactly len bytes} */
static ag_err get_typed_key(uint8_t *out, size_t len, json_t *obj, const char *field,
                            const char *type, const char *what)
{
    json_t *k = json_object_get(obj, field);
    if (!json_is_object(k))
        return ag_err_set(AG_ERR_DECODE, "privval: %s: \"%s\" missing or not an object", what,
                          field);
    const char *t = NULL, *v = NULL;
    ag_err e = get_string(&t, k, "type", what);
    if (e == AG_OK)
        e = get_string(&v, k, "value", what);
    if (e != AG_OK)
        return e;
    if (strcmp(t, type) != 0)
        return ag_err_set(AG_ERR_DECODE, "privval: %s: %s type \"%.64s\" (expected %s)", what,
                          field, t, type);
    uint8_t buf[64];
    size_t got;
    if (ag_base64_decode(buf, sizeof buf, &got, v, strlen(v)) != AG_OK || got != len)
        return ag_err_set(AG_ERR_DECODE, "privval: %s: %s value is not base64 of %zu bytes", what,
                          field, len);
    memcpy(out, buf, len);
    ag_wipe(buf, sizeof buf);
    return AG_OK;
}

ag_err cons_privval_key_from_json(crypto_privkey *key, crypto_pubkey *pub, const char *json,
                                  size_t len)
{
    memset(key, 0, sizeof *key);
    memset(pub, 0, sizeof *pub);
    json_t *root;
    ag_err e = parse_json(&root, json, len, "key file");
    if (e != AG_OK)
        return e;
    const char *addr_hex = NULL;
    crypto_pubkey want_pub;
    uint8_t raw[CRYPTO_PRIVKEY_LEN];
    crypto_address addr, derived;
    if ((e = get_string(&addr_hex, root, "address", "key file")) != AG_OK)
        goto out;
    if (ag_hex_decode_exact(addr.b, CRYPTO_ADDRESS_LEN, addr_hex) != AG_OK) {
        e = ag_err_set(AG_ERR_DECODE, "privval: key file: address is not 40 hex digits");
        goto out;
    }
    if ((e = get_typed_key(want_pub.b, CRYPTO_PUBKEY_LEN, root, "pub_key", PUBKEY_TYPE,
                           "key file")) != AG_OK)
        goto out;
    if ((e = get_typed_key(raw, sizeof raw, root, "priv_key", PRIVKEY_TYPE, "key file")) != AG_OK)
        goto out;
    if (crypto_privkey_from_bytes(key, raw, sizeof raw) != AG_OK ||
        crypto_pubkey_from_privkey(pub, key) != AG_OK) {
        e = ag_err_set(AG_ERR_DECODE, "privval: key file: priv_key is not a valid secp256k1 key");
        goto out;
    }
    if (memcmp(pub->b, want_pub.b, CRYPTO_PUBKEY_LEN) != 0) {
        e = ag_err_set(AG_ERR_DECODE, "privval: key file: pub_key is not priv_key's public key");
        goto out;
    }
    crypto_address_from_pubkey(&derived, pub);
    if (!crypto_address_equal(&derived, &addr)) {
        e = ag_err_set(AG_ERR_DECODE, "privval: key file: address is not pub_key's address");
        goto out;
    }
out:
    ag_wipe(raw, sizeof raw);
    json_decref(root);
    if (e != AG_OK) {
        crypto_privkey_wipe(key);
        memset(pub, 0, sizeof *pub);
    }
    return e;
}

static ag_err dump(char **out, json_t *root)
{
    *out = NULL;
    if (!root)
        return ag_err_set(AG_ERR_NOMEM, "privval: JSON");
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!s)
        return ag_err_set(AG_ERR_NOMEM, "privval: JSON");
    *out = s;
    return AG_OK;
}

ag_err cons_privval_key_to_json(char **out, const crypto_privkey *key)
{
    *out = NULL;
    crypto_pubkey pub;
    ag_err e = crypto_pubkey_from_privkey(&pub, key);
    if (e != AG_OK)
        return e;
    crypto_address addr;
    crypto_address_from_pubkey(&addr, &pub);
    char addr_hex[2 * CRYPTO_ADDRESS_LEN + 1], pub64[64], priv64[64];
    ag_hex_encode(addr_hex, addr.b, CRYPTO_ADDRESS_LEN, true);
    ag_base64_encode(pub64, pub.b, CRYPTO_PUBKEY_LEN);
    ag_base64_encode(priv64, key->b, CRYPTO_PRIVKEY_LEN);
    json_t *root =
        json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}}", "address", addr_hex, "pub_key", "type",
                  PUBKEY_TYPE, "value", pub64, "priv_key", "type", PRIVKEY_TYPE, "value", priv64);
    ag_wipe(priv64, sizeof priv64);
    /* jansson copied the private key into its own string: dump wipes nothing,
     * so keep the window short and free it at once. */
    return dump(out, root);
}

ag_err cons_privval_state_from_json(cons_privval_state *st, const char *json, size_t len)
{
    memset(st, 0, sizeof *st);
    json_t *root;
    ag_err e = parse_json(&root, json, len, "state file");
    if (e != AG_OK)
        return e;
    const char *h = NULL;
    json_t *round = json_object_get(root, "round"), *step = json_object_get(root, "step");
    json_t *sig = json_object_get(root, "signature"), *sb = json_object_get(root, "signbytes");
    if ((e = get_string(&h, root, "height", "state file")) != AG_OK)
        goto out;
    size_t hl = strlen(h);
    if (hl == 0 || hl > 19 || strspn(h, "0123456789") != hl || (hl > 1 && h[0] == '0')) {
        e = ag_err_set(AG_ERR_DECODE,
                       "privval: state file: height \"%.32s\" is not a decimal int64", h);
        goto out;
    }
    uint64_t hv = strtoull(h, NULL, 10);
    if (hv > (uint64_t)INT64_MAX) {
        e = ag_err_set(AG_ERR_DECODE, "privval: state file: height out of range");
        goto out;
    }
    st->height = (int64_t)hv;
    if (!json_is_integer(round) || json_integer_value(round) < 0 ||
        json_integer_value(round) > INT32_MAX) {
        e = ag_err_set(AG_ERR_DECODE, "privval: state file: round missing or out of range");
        goto out;
    }
    st->round = (int32_t)json_integer_value(round);
    if (!json_is_integer(step) || json_integer_value(step) < CONS_PRIVVAL_STEP_NONE ||
        json_integer_value(step) > CONS_PRIVVAL_STEP_PRECOMMIT) {
        e = ag_err_set(AG_ERR_DECODE, "privval: state file: step missing or not 0..3");
        goto out;
    }
    st->step = (int8_t)json_integer_value(step);
    if (sig && !json_is_null(sig)) {
        size_t got;
        if (!json_is_string(sig) ||
            ag_base64_decode(st->signature.b, sizeof st->signature.b, &got, json_string_value(sig),
                             json_string_length(sig)) != AG_OK ||
            (got != 0 && got != CRYPTO_SIG_LEN)) {
            e = ag_err_set(AG_ERR_DECODE,
                           "privval: state file: signature is not base64 of 64 bytes");
            goto out;
        }
        st->signature.len = (uint8_t)got;
    }
    if (sb && !json_is_null(sb)) {
        if (!json_is_string(sb) ||
            ag_hex_decode(st->sign_bytes, sizeof st->sign_bytes, &st->sign_bytes_len,
                          json_string_value(sb), json_string_length(sb)) != AG_OK) {
            e = ag_err_set(AG_ERR_DECODE,
                           "privval: state file: signbytes is not hex of at most %u "
                           "bytes",
                           CONS_PRIVVAL_SIGNBYTES_MAX);
            goto out;
        }
    }
    if ((st->sign_bytes_len != 0) != (st->signature.len != 0)) {
        e = ag_err_set(AG_ERR_DECODE, "privval: state file: signbytes and signature must come "
                                      "together");
        goto out;
    }
out:
    json_decref(root);
    if (e != AG_OK)
        memset(st, 0, sizeof *st);
    return e;
}

ag_err cons_privval_state_to_json(char **out, const cons_privval_state *st)
{
    *out = NULL;
    char h[24];
    snprintf(h, sizeof h, "%" PRId64, st->height);
    json_t *root = json_pack("{s:s, s:I, s:I}", "height", h, "round", (json_int_t)st->round, "step",
                             (json_int_t)st->step);
    if (root && st->signature.len) {
        char sig[96];
        ag_base64_encode(sig, st->signature.b, st->signature.len);
        char *hex = malloc(2 * st->sign_bytes_len + 1);
        if (!hex) {
            json_decref(root);
            return ag_err_set(AG_ERR_NOMEM, "privval: JSON");
        }
        ag_hex_encode(hex, st->sign_bytes, st->sign_bytes_len, true);
        if (json_object_set_new(root, "signature", json_string(sig)) != 0 ||
            json_object_set_new(root, "signbytes", json_string(hex)) != 0) {
            json_decref(root);
            root = NULL;
        }
        free(hex);
    }
    return dump(out, root);
}

/* ---- files ---- */

static ag_err read_small_file(char **out, size_t *len, const char *path, bool key_file)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ag_err_from_errno(errno, path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return ag_err_from_errno(errno, path);
    }
    if (st.st_mode & 077) {
        if (key_file) {
            close(fd);
            return ag_err_set(AG_ERR_PERMISSION,
                              "privval: %s is accessible by group or others (mode %03o); "
                              "chmod 600 it",
                              path, (unsigned)(st.st_mode & 0777));
        }
        ag_log_warn("privval", "%s is accessible by group or others (mode %03o)", path,
                    (unsigned)(st.st_mode & 0777));
    }
    if (st.st_size > CONS_PRIVVAL_JSON_MAX) {
        close(fd);
        return ag_err_set(AG_ERR_TOO_LARGE, "privval: %s is larger than %u bytes", path,
                          CONS_PRIVVAL_JSON_MAX);
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (!buf) {
        close(fd);
        return ag_err_set(AG_ERR_NOMEM, "privval: read");
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    *out = buf;
    *len = got;
    return AG_OK;
}

static ag_err sync_parent_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return ag_err_set(AG_ERR_NOMEM, "privval: path");
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return ag_err_from_errno(errno, "privval: open directory");
    ag_err e = fsync(fd) == 0 ? AG_OK : ag_err_from_errno(errno, "privval: fsync directory");
    close(fd);
    return e;
}

static ag_err write_all_sync(int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return ag_err_from_errno(errno, "privval: write");
        done += (size_t)w;
    }
    if (fsync(fd) != 0)
        return ag_err_from_errno(errno, "privval: fsync");
    return AG_OK;
}

/* tmp + fsync + (hook) + rename + fsync(dir). exclusive: fail if path exists. */
static ag_err write_atomic(const char *path, const char *data, bool exclusive, void (*hook)(void *),
                           void *ctx)
{
    if (exclusive) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return errno == EEXIST ? ag_err_set(AG_ERR_EXISTS, "privval: %s exists", path)
                                   : ag_err_from_errno(errno, path);
        ag_err e = write_all_sync(fd, data, strlen(data));
        close(fd);
        if (e == AG_OK)
            e = sync_parent_dir(path);
        if (e != AG_OK)
            unlink(path);
        return e;
    }
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (!tmp)
        return ag_err_set(AG_ERR_NOMEM, "privval: path");
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ag_err e = AG_OK;
    if (fd < 0) {
        e = ag_err_from_errno(errno, tmp);
        goto out;
    }
    e = write_all_sync(fd, data, strlen(data));
    close(fd);
    if (e != AG_OK) {
        unlink(tmp);
        goto out;
    }
    if (hook)
        hook(ctx);
    if (rename(tmp, path) != 0) {
        e = ag_err_from_errno(errno, "privval: rename state file");
        unlink(tmp);
        goto out;
    }
    e = sync_parent_dir(path);
out:
    free(tmp);
    return e;
}

ag_err cons_privval_create_files(const char *key_path, const char *state_path,
                                 const crypto_privkey *key)
{
    crypto_privkey k;
    ag_err e;
    if (key)
        k = *key;
    else if ((e = crypto_privkey_generate(&k)) != AG_OK)
        return e;
    char *json;
    e = cons_privval_key_to_json(&json, &k);
    crypto_privkey_wipe(&k);
    if (e != AG_OK)
        return e;
    e = write_atomic(key_path, json, true, NULL, NULL);
    ag_wipe(json, strlen(json));
    free(json);
    if (e != AG_OK)
        return e;
    if (access(state_path, F_OK) == 0)
        return AG_OK;
    cons_privval_state st = {0};
    if ((e = cons_privval_state_to_json(&json, &st)) != AG_OK)
        return e;
    e = write_atomic(state_path, json, true, NULL, NULL);
    free(json);
    return e;
}

static ag_err privval_init(cons_privval **out, const crypto_privkey *key)
{
    cons_privval *pv = calloc(1, sizeof *pv);
    if (!pv)
        return ag_err_set(AG_ERR_NOMEM, "privval");
    pv->key = *key;
    ag_err e = crypto_pubkey_from_privkey(&pv->pub, key);
    if (e != AG_OK) {
        cons_privval_free(pv);
        return e;
    }
    crypto_address_from_pubkey(&pv->address, &pv->pub);
    *out = pv;
    return AG_OK;
}

ag_err cons_privval_load(cons_privval **out, const char *key_path, const char *state_path)
{
    *out = NULL;
    char *json;
    size_t len;
    ag_err e = read_small_file(&json, &len, key_path, true);
    if (e != AG_OK)
        return e;
    crypto_privkey key;
    crypto_pubkey pub;
    e = cons_privval_key_from_json(&key, &pub, json, len);
    ag_wipe(json, len);
    free(json);
    if (e != AG_OK)
        return cons_pb_err_prefix(e, key_path);
    cons_privval *pv;
    e = privval_init(&pv, &key);
    crypto_privkey_wipe(&key);
    if (e != AG_OK)
        return e;
    if ((e = read_small_file(&json, &len, state_path, false)) != AG_OK) {
        cons_privval_free(pv);
        return e;
    }
    e = cons_privval_state_from_json(&pv->state, json, len);
    free(json);
    if (e == AG_OK && !(pv->state_path = strdup(state_path)))
        e = ag_err_set(AG_ERR_NOMEM, "privval");
    if (e != AG_OK) {
        cons_privval_free(pv);
        return cons_pb_err_prefix(e, state_path);
    }
    *out = pv;
    return AG_OK;
}

ag_err cons_privval_new_memory(cons_privval **out, const crypto_privkey *key,
                               const cons_privval_state *initial)
{
    *out = NULL;
    cons_privval *pv;
    ag_err e = privval_init(&pv, key);
    if (e != AG_OK)
        return e;
    if (initial)
        pv->state = *initial;
    *out = pv;
    return AG_OK;
}

void cons_privval_free(cons_privval *pv)
{
    if (!pv)
        return;
    crypto_privkey_wipe(&pv->key);
    free(pv->state_path);
    free(pv);
}

const crypto_pubkey *cons_privval_pubkey(const cons_privval *pv)
{
    return &pv->pub;
}

const crypto_address *cons_privval_address(const cons_privval *pv)
{
    return &pv->address;
}

const cons_privval_state *cons_privval_last_state(const cons_privval *pv)
{
    return &pv->state;
}

void cons_privval_set_save_hook(cons_privval *pv, void (*hook)(void *ctx), void *ctx)
{
    pv->save_hook = hook;
    pv->save_ctx = ctx;
}

/* ---- the rules ---- */

/* CheckHRS: AG_OK with *same set, or the regression error. */
static ag_err check_hrs(const cons_privval_state *s, int64_t h, int32_t r, int8_t step, bool *same)
{
    *same = false;
    if (s->height > h)
        return ag_err_set(AG_ERR_STATE,
                          "privval: height regression: got %" PRId64 ", last signed %" PRId64, h,
                          s->height);
    if (s->height == h) {
        if (s->round > r)
            return ag_err_set(AG_ERR_STATE,
                              "privval: round regression at height %" PRId64 ": got %d, last %d", h,
                              r, s->round);
        if (s->round == r) {
            if (s->step > step)
                return ag_err_set(AG_ERR_STATE,
                                  "privval: step regression at %" PRId64 "/%d: got %d, last %d", h,
                                  r, step, s->step);
            if (s->step == step) {
                if (s->sign_bytes_len == 0)
                    return ag_err_set(AG_ERR_STATE,
                                      "privval: no sign bytes stored for %" PRId64 "/%d/%d", h, r,
                                      step);
                *same = true;
            }
        }
    }
    return AG_OK;
}

/* The timestamp inside stored sign bytes (length-prefixed canonical vote or
 * proposal). */
static ag_err stored_timestamp(const cons_privval_state *s, bool proposal, cons_timestamp *ts)
{
    uint64_t n;
    size_t used;
    if (ag_uvarint_decode(s->sign_bytes, s->sign_bytes_len, &n, &used) != AG_OK ||
        n != s->sign_bytes_len - used)
        return ag_err_set(AG_ERR_CORRUPT, "privval: stored sign bytes are not length-prefixed");
    const uint8_t *msg = s->sign_bytes + used;
    Google__Protobuf__Timestamp *pbts = NULL;
    ProtobufCMessage *m;
    if (proposal) {
        Tendermint__Types__CanonicalProposal *p =
            tendermint__types__canonical_proposal__unpack(NULL, (size_t)n, msg);
        m = (ProtobufCMessage *)p;
        if (p)
            pbts = p->timestamp;
    } else {
        Tendermint__Types__CanonicalVote *v =
            tendermint__types__canonical_vote__unpack(NULL, (size_t)n, msg);
        m = (ProtobufCMessage *)v;
        if (v)
            pbts = v->timestamp;
    }
    if (!m)
        return ag_err_set(AG_ERR_CORRUPT, "privval: stored sign bytes do not decode");
    ag_err e = pbts ? cons_pb_timestamp_to(ts, pbts, "timestamp")
                    : ag_err_set(AG_ERR_CORRUPT, "privval: stored sign bytes have no timestamp");
    protobuf_c_message_free_unpacked(m, NULL);
    return e;
}

static ag_err save_state(cons_privval *pv, const cons_privval_state *next)
{
    if (pv->state_path) {
        char *json;
        ag_err e = cons_privval_state_to_json(&json, next);
        if (e != AG_OK)
            return e;
        e = write_atomic(pv->state_path, json, false, pv->save_hook, pv->save_ctx);
        free(json);
        if (e != AG_OK)
            return e;
    }
    pv->state = *next;
    return AG_OK;
}

/* Sign `sb` as the new last-sign state (h, r, step) and persist it first. */
static ag_err sign_new(cons_privval *pv, const ag_buf *sb, int64_t h, int32_t r, int8_t step,
                       cons_sig *out)
{
    if (sb->len > CONS_PRIVVAL_SIGNBYTES_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "privval: sign bytes of %zu bytes", sb->len);
    crypto_sig sig;
    ag_err e = crypto_sign(&sig, &pv->key, sb->data, sb->len);
    if (e != AG_OK)
        return e;
    cons_privval_state next = {.height = h, .round = r, .step = step};
    next.signature.len = CRYPTO_SIG_LEN;
    memcpy(next.signature.b, sig.b, CRYPTO_SIG_LEN);
    memcpy(next.sign_bytes, sb->data, sb->len);
    next.sign_bytes_len = sb->len;
    if ((e = save_state(pv, &next)) != AG_OK)
        return e;
    *out = next.signature;
    return AG_OK;
}

static bool same_bytes(const ag_buf *b, const cons_privval_state *s)
{
    return b->len == s->sign_bytes_len && memcmp(b->data, s->sign_bytes, b->len) == 0;
}

ag_err cons_privval_sign_vote(cons_privval *pv, const char *chain_id, cons_vote *v,
                              bool sign_extension)
{
    int8_t step;
    if (v->type == CONS_MSG_PREVOTE)
        step = CONS_PRIVVAL_STEP_PREVOTE;
    else if (v->type == CONS_MSG_PRECOMMIT)
        step = CONS_PRIVVAL_STEP_PRECOMMIT;
    else
        return ag_err_set(AG_ERR_INVALID_ARG, "privval: vote type %d", (int)v->type);
    bool same;
    ag_err e = check_hrs(&pv->state, v->height, v->round, step, &same);
    if (e != AG_OK)
        return e;
    ag_buf sb;
    ag_buf_init(&sb, 0);
    if ((e = cons_vote_sign_bytes(&sb, chain_id, v)) != AG_OK)
        goto out;
    if (sign_extension) {
        if (v->type == CONS_MSG_PRECOMMIT && !cons_block_id_is_zero(&v->block_id)) {
            ag_buf eb;
            ag_buf_init(&eb, 0);
            crypto_sig xs;
            e = cons_vote_extension_sign_bytes(&eb, chain_id, v);
            if (e == AG_OK)
                e = crypto_sign(&xs, &pv->key, eb.data, eb.len);
            ag_buf_free(&eb);
            if (e != AG_OK)
                goto out;
            v->extension_signature.len = CRYPTO_SIG_LEN;
            memcpy(v->extension_signature.b, xs.b, CRYPTO_SIG_LEN);
        } else if (v->extension_len) {
            e = ag_err_set(AG_ERR_INVALID_ARG, "privval: extension on a prevote or nil precommit");
            goto out;
        }
    }
    if (same) {
        if (!same_bytes(&sb, &pv->state)) {
            cons_timestamp ts;
            if ((e = stored_timestamp(&pv->state, false, &ts)) != AG_OK)
                goto out;
            cons_vote alt = *v; /* shallow: only sign bytes are computed from it */
            alt.timestamp = ts;
            ag_buf_reset(&sb);
            if ((e = cons_vote_sign_bytes(&sb, chain_id, &alt)) != AG_OK)
                goto out;
            if (!same_bytes(&sb, &pv->state)) {
                e = ag_err_set(AG_ERR_EXISTS,
                               "privval: conflicting data: already signed a different vote at "
                               "%" PRId64 "/%d/%d",
                               v->height, v->round, step);
                goto out;
            }
            v->timestamp = ts;
        }
        v->signature = pv->state.signature;
        goto out;
    }
    e = sign_new(pv, &sb, v->height, v->round, step, &v->signature);
out:
    ag_buf_free(&sb);
    return e;
}

ag_err cons_privval_sign_proposal(cons_privval *pv, const char *chain_id, cons_proposal *p)
{
    bool same;
    ag_err e = check_hrs(&pv->state, p->height, p->round, CONS_PRIVVAL_STEP_PROPOSE, &same);
    if (e != AG_OK)
        return e;
    ag_buf sb;
    ag_buf_init(&sb, 0);
    if ((e = cons_proposal_sign_bytes(&sb, chain_id, p)) != AG_OK)
        goto out;
    if (same) {
        if (!same_bytes(&sb, &pv->state)) {
            cons_timestamp ts;
            if ((e = stored_timestamp(&pv->state, true, &ts)) != AG_OK)
                goto out;
            cons_proposal alt = *p;
            alt.timestamp = ts;
            ag_buf_reset(&sb);
            if ((e = cons_proposal_sign_bytes(&sb, chain_id, &alt)) != AG_OK)
                goto out;
            if (!same_bytes(&sb, &pv->state)) {
                e = ag_err_set(AG_ERR_EXISTS,
                               "privval: conflicting data: already signed a different proposal "
                               "at %" PRId64 "/%d",
                               p->height, p->round);
                goto out;
            }
            p->timestamp = ts;
        }
        p->signature = pv->state.signature;
        goto out;
    }
    e = sign_new(pv, &sb, p->height, p->round, CONS_PRIVVAL_STEP_PROPOSE, &p->signature);
out:
    ag_buf_free(&sb);
    return e;
}

ag_err cons_privval_check_commits(const cons_privval *pv, const cons_commit *commits,
                                  const cons_valset *sets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cons_commit *c = &commits[i];
        long idx = sets ? cons_valset_index_of(&sets[i], &pv->address) : -1;
        for (size_t k = 0; k < c->n_sigs; k++) {
            const cons_commit_sig *s = &c->sigs[k];
            if (s->flag == CONS_BLOCK_ID_FLAG_ABSENT || s->flag == CONS_BLOCK_ID_FLAG_UNKNOWN)
                continue;
            bool mine =
                (s->has_address && crypto_address_equal(&s->validator_address, &pv->address)) ||
                (idx >= 0 && (size_t)idx == k);
            if (mine)
                return ag_err_set(AG_ERR_EXISTS,
                                  "privval: this validator already signed the commit of height "
                                  "%" PRId64 " (double-sign risk; is the key running elsewhere?)",
                                  c->height);
        }
    }
    return AG_OK;
}
