/* cmd_light.c — `agora light init|sync|status|query`: the light client
 * (light/light.h) on the command line. The trust options and witnesses come
 * from <home>/light/config.json (light_config.h), the primary is --node, the
 * verified headers are kept in <home>/light/store. Nothing a node says is
 * printed unless the library verified it. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/chain.h"
#include "cli/cli.h"
#include "cli/light_config.h"
#include "cli/pb_json.h"
#include "cli/record_key.h"
#include "cli/record_view.h"
#include "lib/hex.h"
#include "lib/rfc3339.h"
#include "light/light.h"
#include "market/keys.h"
#include "state/coin.h"

#define DEFAULT_TRUSTING_PERIOD "336h" /* 14 days: below the unbonding period */
#define DEFAULT_CLOCK_DRIFT     "10s"

/* An open light client: the primary and witnesses as RPC providers. */
typedef struct light_session {
    light_rpc *primary;
    light_rpc *wit[LIGHT_WITNESSES_MAX];
    light_provider wp[LIGHT_WITNESSES_MAX];
    size_t n_wit;
    light_client *lc;
    cons_timestamp now;
} light_session;

static cons_timestamp wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (cons_timestamp){ts.tv_sec, (int32_t)ts.tv_nsec};
}

static void output(const cli_ctx *ctx, json_t *j)
{
    if (ctx->json)
        cli_print_json(j);
    else {
        cli_print_text(stdout, j, 0);
        json_decref(j);
    }
}

/* A refusal names the check that failed (the detail starts with the
 * reason); other errors are the node's or the disk's. */
static int light_fail_exit(ag_err e, light_fail why)
{
    if (e != AG_ERR_VERIFY)
        return cli_fail(e);
    const char *d = ag_err_detail();
    fprintf(stderr, "Error: refused: %s\n", *d ? d : light_fail_name(why));
    fprintf(stderr, "Hint: the node's answer did not verify against the light client's trusted "
                    "headers; nothing from it was printed\n");
    return 1;
}

static void on_attack(void *actx, const light_attack *a, ag_err submitted)
{
    (void)actx;
    fprintf(stderr,
            "Warning: light client attack: %s served a conflicting header at height %" PRId64
            " (common height %" PRId64 ", %zu byzantine validators); evidence %s%s%s\n",
            a->reported_by, a->conflicting.header.height, a->common_height, a->n_byzantine,
            submitted == AG_OK ? "submitted to the nodes (broadcast_evidence)" : "not accepted: ",
            submitted == AG_OK ? "" : ag_err_name(submitted),
            submitted == AG_OK ? "" : " (see the node's log)");
}

static void session_close(light_session *s)
{
    light_client_free(s->lc);
    light_rpc_free(s->primary);
    for (size_t i = 0; i < s->n_wit; i++)
        light_rpc_free(s->wit[i]);
    memset(s, 0, sizeof *s);
}

/* Start the client: the first time this fetches and checks the trust root. */
static ag_err session_open(light_session *s, const cli_ctx *ctx, const cli_light_config *cfg,
                           light_fail *why)
{
    memset(s, 0, sizeof *s);
    *why = LIGHT_OK;
    s->now = wall_now();
    char store[CLI_PATH_MAX];
    ag_err err = cli_light_store_path(store, sizeof store, ctx->home);
    if (!err)
        err = cli_make_dirs(store);
    if (!err)
        err = light_rpc_new(&s->primary, &(light_rpc_opts){.url = ctx->node});
    for (size_t i = 0; !err && i < cfg->n_witnesses; i++) {
        err = light_rpc_new(&s->wit[i], &(light_rpc_opts){.url = cfg->witnesses[i]});
        if (!err)
            s->wp[s->n_wit++] = light_rpc_provider(s->wit[i]);
    }
    if (!err) {
        light_client_opts o = {.chain_id = cfg->chain_id,
                               .trust = cfg->trust,
                               .primary = light_rpc_provider(s->primary),
                               .witnesses = s->wp,
                               .n_witnesses = s->n_wit,
                               .store_dir = store,
                               .on_attack = on_attack};
        err = light_client_new(&s->lc, &o, s->now, why);
    }
    if (err == AG_ERR_CONN_REFUSED || err == AG_ERR_TIMEOUT) {
        char why_net[256]; /* the detail buffer is rewritten by ag_err_set */
        snprintf(why_net, sizeof why_net, "%s", ag_err_detail());
        err = ag_err_set(err, "cannot reach the node at %s (%s): is it running? (--node URL)",
                         ctx->node, why_net);
    }
    if (err)
        session_close(s);
    return err;
}

static void hash_hex(char out[65], const light_block *b)
{
    crypto_hash h;
    if (light_block_hash(b, &h) == AG_OK)
        ag_hex_encode(out, h.b, 32, true);
    else
        snprintf(out, 65, "?");
}

/* The trusted store's files: removed by init (a new trust root). */
static ag_err clear_store(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? AG_OK : ag_err_from_errno(errno, dir);
    ag_err err = AG_OK;
    struct dirent *e;
    while (!err && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".lb") != 0)
            continue;
        char path[CLI_PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            err = ag_err_set(AG_ERR_TOO_LARGE, "store path too long");
        else if (unlink(path) != 0)
            err = ag_err_from_errno(errno, path);
    }
    closedir(d);
    return err;
}

static int l_init(cli_ctx *ctx, cli_args *a)
{
    static const char usage[] =
        "light init --trust-height H --trust-hash HASH [--trusting-period 336h] "
        "[--trust-level 1/3] [--max-clock-drift 10s] [--witness URL]... [--chain-id ID] "
        "[--force]";
    cli_light_config cfg = {0};
    const char *hash = cli_args_get(a, "trust-hash");
    const char *period = cli_args_get(a, "trusting-period");
    const char *level = cli_args_get(a, "trust-level");
    const char *drift = cli_args_get(a, "max-clock-drift");
    const char *chain = cli_args_get(a, "chain-id");
    bool force = cli_args_has(a, "force");
    const char *w[LIGHT_WITNESSES_MAX];
    uint64_t h = 0;
    ag_err err = cli_args_u64(a, "trust-height", 0, &h);
    if (!err)
        cfg.n_witnesses = cli_args_all(a, "witness", w, LIGHT_WITNESSES_MAX, &err);
    if (!err)
        err = cli_args_unused(a);
    if (err || a->n_pos != 2 || !hash || h == 0)
        return cli_usage_error("%s%s%s", usage, err ? ": " : "", err ? ag_err_detail() : "");
    if (h > INT64_MAX)
        return cli_usage_error("--trust-height too large");
    cfg.trust.height = (int64_t)h;
    if (strlen(hash) != 64 || ag_hex_decode_exact(cfg.trust.hash.b, 32, hash) != AG_OK)
        return cli_usage_error("--trust-hash: 64 hex digits (the header hash at the trust height)");
    if ((err = cli_parse_duration(period ? period : DEFAULT_TRUSTING_PERIOD,
                                  &cfg.trust.trusting_period_ns)))
        return cli_usage_error("--trusting-period: %s", ag_err_detail());
    if ((err = cli_parse_duration(drift ? drift : DEFAULT_CLOCK_DRIFT,
                                  &cfg.trust.max_clock_drift_ns)))
        return cli_usage_error("--max-clock-drift: %s", ag_err_detail());
    if ((err = cli_parse_trust_level(level ? level : "1/3", &cfg.trust.level)))
        return cli_usage_error("--trust-level: %s", ag_err_detail());
    for (size_t i = 0; i < cfg.n_witnesses; i++) {
        if (strlen(w[i]) >= LIGHT_URL_MAX)
            return cli_usage_error("--witness: URL longer than %d bytes", LIGHT_URL_MAX - 1);
        snprintf(cfg.witnesses[i], LIGHT_URL_MAX, "%s", w[i]);
    }
    if (chain && (!*chain || strlen(chain) > CONS_CHAIN_ID_MAX))
        return cli_usage_error("--chain-id: 1 to %d characters", CONS_CHAIN_ID_MAX);
    light_verify_opts vo = {.chain_id = chain ? chain : "x",
                            .trusting_period_ns = cfg.trust.trusting_period_ns,
                            .max_clock_drift_ns = cfg.trust.max_clock_drift_ns,
                            .trust_level = cfg.trust.level};
    if ((err = light_verify_opts_check(&vo)))
        return cli_usage_error("%s", ag_err_detail());

    cli_light_config old;
    err = cli_light_config_load(ctx->home, &old);
    if (err == AG_OK && !force)
        return cli_fail(ag_err_set(AG_ERR_EXISTS,
                                   "a light client is already set up in %s (trusted from height "
                                   "%" PRId64 "): pass --force to replace it and its store",
                                   ctx->home, old.trust.height));
    if (err && err != AG_ERR_NOT_FOUND && !force)
        return cli_fail(err);
    /* The chain id is not taken on trust: the trust root's header carries
     * it, and the header must hash to --trust-hash. */
    if (chain)
        snprintf(cfg.chain_id, sizeof cfg.chain_id, "%s", chain);
    else if ((err = cli_chain_id(ctx->node, cfg.chain_id, sizeof cfg.chain_id)))
        return cli_fail(err);

    char store[CLI_PATH_MAX];
    if ((err = cli_light_store_path(store, sizeof store, ctx->home)) || (err = clear_store(store)))
        return cli_fail(err);
    light_session s;
    light_fail why;
    if ((err = session_open(&s, ctx, &cfg, &why)))
        return light_fail_exit(err, why);
    light_block b = {0};
    err = light_client_trusted(s.lc, &b);
    session_close(&s);
    if (!err)
        err = cli_light_config_save(ctx->home, &cfg);
    if (err) {
        light_block_free(&b);
        return cli_fail(err);
    }
    char hex[65];
    hash_hex(hex, &b);
    output(ctx, json_pack("{s:s, s:I, s:s, s:I, s:s}", "chain_id", cfg.chain_id, "trusted_height",
                          (json_int_t)b.header.height, "trusted_hash", hex, "witnesses",
                          (json_int_t)cfg.n_witnesses, "store", store));
    light_block_free(&b);
    return 0;
}

static ag_err opt_height(cli_args *a, int64_t *h)
{
    uint64_t v;
    ag_err err = cli_args_u64(a, "height", 0, &v);
    *h = (int64_t)v;
    return !err && v > INT64_MAX ? ag_err_set(AG_ERR_INVALID_ARG, "--height too large") : err;
}

static int l_sync(cli_ctx *ctx, cli_args *a)
{
    int64_t h;
    ag_err err = opt_height(a, &h);
    if (!err)
        err = cli_args_unused(a);
    if (err || a->n_pos != 2)
        return cli_usage_error("light sync [--height H]%s%s", err ? ": " : "",
                               err ? ag_err_detail() : "");
    cli_light_config cfg;
    if ((err = cli_light_config_load(ctx->home, &cfg)))
        return cli_fail(err);
    light_session s;
    light_fail why;
    if ((err = session_open(&s, ctx, &cfg, &why)))
        return light_fail_exit(err, why);
    light_block b = {0};
    err = light_client_verify_to(s.lc, h, s.now, &b, &why);
    size_t steps = light_client_last_steps(s.lc), wit = light_client_witnesses(s.lc);
    session_close(&s);
    if (err)
        return light_fail_exit(err, why);
    char hex[65], t[AG_RFC3339_MAX] = "";
    hash_hex(hex, &b);
    ag_rfc3339_format(t, b.header.time.seconds, b.header.time.nanos);
    output(ctx,
           json_pack("{s:I, s:s, s:s, s:I, s:I}", "height", (json_int_t)b.header.height, "hash",
                     hex, "time", t, "steps", (json_int_t)steps, "witnesses", (json_int_t)wit));
    light_block_free(&b);
    return 0;
}

static int l_status(cli_ctx *ctx, cli_args *a)
{
    ag_err err = cli_args_unused(a);
    if (err || a->n_pos != 2)
        return cli_usage_error("light status");
    cli_light_config cfg;
    char store[CLI_PATH_MAX];
    if ((err = cli_light_config_load(ctx->home, &cfg)) ||
        (err = cli_light_store_path(store, sizeof store, ctx->home)))
        return cli_fail(err);
    light_store *st;
    if ((err = light_store_open(&st, store, 1000)))
        return cli_fail(err);
    char root[65], lv[48];
    ag_hex_encode(root, cfg.trust.hash.b, 32, true);
    snprintf(lv, sizeof lv, "%" PRIu64 "/%" PRIu64, cfg.trust.level.num, cfg.trust.level.den);
    json_t *w = json_array();
    for (size_t i = 0; i < cfg.n_witnesses; i++)
        json_array_append_new(w, json_string(cfg.witnesses[i]));
    json_t *j = json_pack(
        "{s:s, s:{s:I, s:s}, s:I, s:s, s:I, s:o, s:{s:I, s:I, s:I}}", "chain_id", cfg.chain_id,
        "trust_root", "height", (json_int_t)cfg.trust.height, "hash", root, "trusting_period_s",
        (json_int_t)(cfg.trust.trusting_period_ns / 1000000000), "trust_level", lv,
        "max_clock_drift_ms", (json_int_t)(cfg.trust.max_clock_drift_ns / 1000000), "witnesses", w,
        "store", "blocks", (json_int_t)light_store_count(st), "lowest",
        (json_int_t)light_store_lowest(st), "highest", (json_int_t)light_store_highest(st));
    light_block b = {0};
    if (j && light_store_load_below(st, 0, &b) == AG_OK) {
        char hex[65], t[AG_RFC3339_MAX] = "", until[AG_RFC3339_MAX] = "";
        hash_hex(hex, &b);
        ag_rfc3339_format(t, b.header.time.seconds, b.header.time.nanos);
        int64_t end = b.header.time.seconds + cfg.trust.trusting_period_ns / 1000000000;
        ag_rfc3339_format(until, end, b.header.time.nanos);
        bool expired = light_header_expired(&b.header, cfg.trust.trusting_period_ns, wall_now());
        json_object_set_new(j, "newest",
                            json_pack("{s:I, s:s, s:s, s:s, s:b}", "height",
                                      (json_int_t)b.header.height, "hash", hex, "time", t,
                                      "trusted_until", until, "expired", expired));
    }
    light_block_free(&b);
    light_store_close(st);
    if (!j)
        return cli_fail(ag_err_set(AG_ERR_NOMEM, "status"));
    output(ctx, j);
    return 0;
}

/* What to read: the store key, and how to show the proven bytes. */
typedef enum query_what { Q_RAW, Q_BALANCE, Q_ACCOUNT, Q_RECORD } query_what;

typedef struct light_query {
    query_what what;
    uint8_t key[LIGHT_QUERY_KEY_MAX];
    size_t klen;
    char bech[CRYPTO_ADDRESS_STR_MAX];
    const char *denom;
    cli_record_kind kind;
    uint64_t id;
    char label[256]; /* what absence means, e.g. "offer 7" */
} light_query;

static int query_usage(void)
{
    return cli_usage_error("light query balance ADDRESS|NAME [--denom D] | account ADDRESS|NAME | "
                           "offers|orders|bids|leases --id N | raw KEYHEX   [--height H]");
}

/* The store key from the arguments (the same keys `agora query --prove` reads). */
static int parse_query(const cli_ctx *ctx, cli_args *a, light_query *q)
{
    const char *what = a->pos[2];
    ag_err err;
    if (!strcmp(what, "raw")) {
        if (a->n_pos != 4)
            return query_usage();
        q->what = Q_RAW;
        size_t n = strlen(a->pos[3]);
        if (n == 0 || n % 2 || n / 2 > LIGHT_QUERY_KEY_MAX ||
            ag_hex_decode(q->key, sizeof q->key, &q->klen, a->pos[3], n) != AG_OK)
            return cli_usage_error("KEYHEX: 2 to %d hex digits", 2 * LIGHT_QUERY_KEY_MAX);
        snprintf(q->label, sizeof q->label, "key %.64s%s", a->pos[3], n > 64 ? "..." : "");
        return 0;
    }
    if (!strcmp(what, "balance") || !strcmp(what, "account")) {
        if (a->n_pos != 4)
            return query_usage();
        crypto_address addr;
        if ((err = cli_resolve_address(ctx, a->pos[3], &addr, q->bech, sizeof q->bech)))
            return cli_fail(err);
        if (!strcmp(what, "account")) {
            q->what = Q_ACCOUNT;
            q->klen = market_key_account(q->key, &addr);
            snprintf(q->label, sizeof q->label, "account %s", q->bech);
            return 0;
        }
        q->what = Q_BALANCE; /* a proof covers one store key: one denom */
        if (!q->denom)
            q->denom = "uagora";
        if (market_denom_validate(q->denom, strlen(q->denom)))
            return cli_usage_error("--denom: \"%s\" is not a denom", q->denom);
        q->klen = market_key_balance(q->key, &addr, q->denom);
        snprintf(q->label, sizeof q->label, "balance of %s in %s", q->bech, q->denom);
        return 0;
    }
    static const char *const kinds[] = {"offers", "orders", "bids", "leases"};
    for (size_t k = 0; k < 4; k++) {
        /* offers or offer, as `agora query` */
        if (strncmp(what, kinds[k], strlen(what)) != 0 || strlen(what) + 1 < strlen(kinds[k]))
            continue;
        if (a->n_pos != 3 || q->id == 0)
            return cli_usage_error("light query %s --id N (a proof covers one record)", kinds[k]);
        q->what = Q_RECORD;
        q->kind = (cli_record_kind)k;
        q->klen = cli_record_key(q->key, q->kind, q->id);
        snprintf(q->label, sizeof q->label, "%s %" PRIu64, cli_view_record_name(q->kind), q->id);
        return 0;
    }
    return query_usage();
}

/* The proven bytes as the ordinary query prints them; NULL value when absent. */
static ag_err view(const light_query *q, const light_query_result *r, json_t **out)
{
    *out = NULL;
    switch (q->what) {
    case Q_BALANCE: /* an absent balance key is a proven zero */
        return cli_view_balance_json(q->bech, q->denom, r->value, r->value_len, out);
    case Q_ACCOUNT: {
        if (!r->exists)
            return AG_OK;
        cli_account acc;
        ag_err err = cli_view_account_decode(r->value, r->value_len, &acc);
        if (!err && !(*out = cli_view_account_json(q->bech, &acc)))
            err = ag_err_set(AG_ERR_NOMEM, "account");
        return err;
    }
    case Q_RECORD:
        return r->exists ? cli_view_record_json(q->kind, r->value, r->value_len, out) : AG_OK;
    case Q_RAW:
        break;
    }
    if (!r->exists)
        return AG_OK;
    char *hex = malloc(2 * r->value_len + 1);
    if (!hex)
        return ag_err_set(AG_ERR_NOMEM, "value");
    ag_hex_encode(hex, r->value, r->value_len, false);
    *out = json_pack("{s:s}", "value", hex);
    free(hex);
    return *out ? AG_OK : ag_err_set(AG_ERR_NOMEM, "value");
}

static int l_query(cli_ctx *ctx, cli_args *a)
{
    if (a->n_pos < 3)
        return query_usage();
    light_query q = {0};
    int64_t h;
    q.denom = cli_args_get(a, "denom");
    ag_err err = opt_height(a, &h);
    if (!err)
        err = cli_args_u64(a, "id", 0, &q.id);
    if (!err)
        err = cli_args_unused(a);
    if (err)
        return cli_usage_error("%s", ag_err_detail());
    int rc = parse_query(ctx, a, &q);
    if (rc)
        return rc;
    if ((q.id && q.what != Q_RECORD) || (q.denom && q.what != Q_BALANCE))
        return cli_usage_error("--id is for records, --denom for balances");
    cli_light_config cfg;
    if ((err = cli_light_config_load(ctx->home, &cfg)))
        return cli_fail(err);
    light_session s;
    light_fail why;
    if ((err = session_open(&s, ctx, &cfg, &why)))
        return light_fail_exit(err, why);
    light_query_result r = {0};
    err = light_verify_query(s.lc, LIGHT_STORE_PATH, q.key, q.klen, h, s.now, &r, &why);
    session_close(&s);
    if (err)
        return light_fail_exit(err, why);
    json_t *v = NULL;
    err = view(&q, &r, &v);
    char key[2 * LIGHT_QUERY_KEY_MAX + 1], app[65];
    ag_hex_encode(key, q.key, q.klen, false);
    ag_hex_encode(app, r.app_hash.b, 32, true);
    if (err) {
        light_query_result_free(&r);
        return cli_fail(err);
    }
    if (ctx->json) {
        cli_print_json(json_pack("{s:s, s:I, s:I, s:s, s:b, s:o?}", "key", key, "height",
                                 (json_int_t)r.height, "header_height", (json_int_t)r.height + 1,
                                 "app_hash", app, "exists", r.exists, "value", v));
    } else {
        if (v) {
            cli_print_text(stdout, v, 0);
            json_decref(v);
        }
        if (!r.exists)
            printf("%s does not exist (proven absent)\n", q.label);
        printf("verified: %s at height %" PRId64 " against app hash %s of light-verified header "
               "%" PRId64 "\n",
               r.exists ? "value" : "absence", r.height, app, r.height + 1);
    }
    light_query_result_free(&r);
    return 0;
}

int cli_cmd_light(cli_ctx *ctx, cli_args *a)
{
    const char *sub = a->n_pos >= 2 ? a->pos[1] : "";
    if (!strcmp(sub, "init"))
        return l_init(ctx, a);
    if (!strcmp(sub, "sync"))
        return l_sync(ctx, a);
    if (!strcmp(sub, "status"))
        return l_status(ctx, a);
    if (!strcmp(sub, "query") || !strcmp(sub, "q"))
        return l_query(ctx, a);
    return cli_usage_error("light init|sync|status|query");
}
