/* config.c — config.ini: one table drives defaults, parsing and writing. */
#include "node/config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

typedef enum key_kind { K_STR, K_U32, K_U64, K_BOOL, K_PROFILE, K_LIST } key_kind;

typedef struct key_def {
    const char *section;
    const char *name;
    key_kind kind;
    size_t offset;    /* of the field in node_config */
    size_t size;      /* K_STR/K_LIST: bytes of one string */
    size_t count_off; /* K_LIST: offset of the size_t count */
    const char *comment;
} key_def;

#define OFF(f) offsetof(node_config, f)
#define STR(sec, key, f, c)                                                                        \
    {                                                                                              \
        sec, key, K_STR, OFF(f), sizeof(((node_config *)0)->f), 0, c                               \
    }
#define U32(sec, key, f, c)                                                                        \
    {                                                                                              \
        sec, key, K_U32, OFF(f), 0, 0, c                                                           \
    }
#define U64(sec, key, f, c)                                                                        \
    {                                                                                              \
        sec, key, K_U64, OFF(f), 0, 0, c                                                           \
    }
#define BOOL(sec, key, f, c)                                                                       \
    {                                                                                              \
        sec, key, K_BOOL, OFF(f), 0, 0, c                                                          \
    }
#define LIST(sec, key, f, n, c)                                                                    \
    {                                                                                              \
        sec, key, K_LIST, OFF(f), sizeof(((node_config *)0)->f[0]), OFF(n), c                      \
    }

static const key_def keys[] = {
    STR("node", "moniker", moniker, "a name for this node, shown to peers"),
    STR("node", "log_level", log_level, "debug | info | warn | error"),
    STR("node", "log_format", log_format, "text | json"),
    STR("node", "genesis_file", genesis_file, "the chain's genesis document"),
    STR("node", "privval_key_file", privval_key_file, "the validator key (keep it secret)"),
    STR("node", "privval_state_file", privval_state_file,
        "last signed height/round/step: double-sign protection, never delete it"),
    STR("node", "node_key_file", node_key_file, "the P2P identity key"),
    STR("node", "data_dir", data_dir, "blocks, state, WAL"),
    STR("abci", "app", abci_app,
        "builtin:market | builtin:kvstore | tcp://host:port | unix:///path"),
    {"consensus", "timeouts", K_PROFILE, OFF(timeouts), 0, 0,
     "default (CometBFT's timeouts) | fast (loopback and LAN networks)"},
    U32("consensus", "timeout_propose_ms", timeout_propose_ms, "0: the profile's value"),
    U32("consensus", "timeout_propose_delta_ms", timeout_propose_delta_ms, "added per round"),
    U32("consensus", "timeout_prevote_ms", timeout_prevote_ms, "0: the profile's value"),
    U32("consensus", "timeout_prevote_delta_ms", timeout_prevote_delta_ms, "added per round"),
    U32("consensus", "timeout_precommit_ms", timeout_precommit_ms, "0: the profile's value"),
    U32("consensus", "timeout_precommit_delta_ms", timeout_precommit_delta_ms, "added per round"),
    U32("consensus", "timeout_commit_ms", timeout_commit_ms,
        "wait after a commit before the next height; 0: the profile's value"),
    BOOL("consensus", "create_empty_blocks", create_empty_blocks,
         "false: wait for transactions before proposing"),
    U32("consensus", "double_sign_check_height", double_sign_check_height,
        "refuse to start if this key signed one of the last N blocks (0: off)"),
    U32("mempool", "max_txs", mempool_max_txs, "transactions held"),
    U64("mempool", "max_txs_bytes", mempool_max_txs_bytes, "bytes of all transactions held"),
    U32("mempool", "max_tx_bytes", mempool_max_tx_bytes, "bytes of one transaction"),
    U32("mempool", "cache_size", mempool_cache_size, "recently seen transaction hashes"),
    BOOL("mempool", "recheck", mempool_recheck, "recheck pending transactions after a block"),
    U64("storage", "retain_blocks", retain_blocks, "blocks kept (0: all)"),
    STR("p2p", "laddr", p2p_laddr, "listen address"),
    STR("p2p", "external_address", p2p_external_address, "address advertised to peers"),
    LIST("p2p", "persistent_peer", persistent_peers, n_persistent_peers,
         "id@host:port, one per line; always (re)connected"),
    LIST("p2p", "seed", seeds, n_seeds, "id@host:port, one per line; asked for addresses"),
    U32("p2p", "max_inbound", p2p_max_inbound, "inbound peers"),
    U32("p2p", "max_outbound", p2p_max_outbound, "outbound peers"),
    BOOL("p2p", "pex", p2p_pex, "peer exchange"),
    BOOL("p2p", "allow_duplicate_ip", p2p_allow_loopback_duplicate_ip,
         "several peers on one IP (local networks)"),
    STR("rpc", "laddr", rpc_laddr, "CometBFT-compatible RPC (empty: off)"),
    U32("rpc", "max_body_bytes", rpc_max_body_bytes, "bytes of a request"),
    U32("rpc", "max_open_connections", rpc_max_open_connections, "connections"),
    U32("rpc", "max_subscriptions_per_client", rpc_max_subscriptions_per_client,
        "websocket subscriptions"),
    U32("rpc", "timeout_broadcast_tx_commit_ms", rpc_timeout_broadcast_tx_commit_ms,
        "broadcast_tx_commit waits this long"),
    STR("tx_index", "indexer", tx_indexer,
        "kv: index txs and blocks for tx, tx_search and block_search | null: off (a "
        "validator that serves no searches saves ~a fifth of its CPU under load)"),
    STR("feed", "pub_listen", events_pub_url,
        "NNG PUB socket publishing every committed block's events, e.g. "
        "tcp://127.0.0.1:26670 (empty: off)"),
    STR("feed", "rep_listen", events_rep_url,
        "NNG REP socket answering catch-up requests, e.g. tcp://127.0.0.1:26671 (empty: off)"),
    BOOL("instrumentation", "prometheus", prometheus,
         "serve Prometheus metrics at http://<prometheus_listen_addr>/metrics"),
    STR("instrumentation", "prometheus_listen_addr", metrics_laddr,
        "tcp://host:port of the metrics listener"),
};
#define N_KEYS (sizeof keys / sizeof keys[0])

void node_config_default(node_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->moniker, "agora-node");
    strcpy(cfg->log_level, "info");
    strcpy(cfg->log_format, "text");
    strcpy(cfg->tx_indexer, "kv");
    strcpy(cfg->genesis_file, "config/genesis.json");
    strcpy(cfg->privval_key_file, "config/priv_validator_key.json");
    strcpy(cfg->privval_state_file, "data/priv_validator_state.json");
    strcpy(cfg->node_key_file, "config/node_key.json");
    strcpy(cfg->data_dir, "data");
    strcpy(cfg->abci_app, "builtin:market");
    cfg->timeouts = NODE_TIMEOUTS_DEFAULT;
    cfg->create_empty_blocks = true;
    cfg->mempool_max_txs = 5000;
    cfg->mempool_max_txs_bytes = 1u << 30;
    cfg->mempool_max_tx_bytes = 1u << 20;
    cfg->mempool_cache_size = 10000;
    cfg->mempool_recheck = true;
    strcpy(cfg->p2p_laddr, "tcp://0.0.0.0:26656");
    cfg->p2p_max_inbound = 40;
    cfg->p2p_max_outbound = 10;
    cfg->p2p_pex = true;
    strcpy(cfg->rpc_laddr, "tcp://127.0.0.1:26657");
    cfg->rpc_max_body_bytes = 1000000;
    cfg->rpc_max_open_connections = 900;
    cfg->rpc_max_subscriptions_per_client = 5;
    cfg->rpc_timeout_broadcast_tx_commit_ms = 10000;
    strcpy(cfg->metrics_laddr, "tcp://127.0.0.1:26660");
}

typedef struct parse_ctx {
    node_config *cfg;
    const char *name;
    bool failed;
    ag_err err;
    char why[200];
} parse_ctx;

static int fail(parse_ctx *p, const char *section, const char *name, const char *why)
{
    if (!p->failed) {
        p->failed = true;
        p->err = AG_ERR_DECODE;
        snprintf(p->why, sizeof p->why, "[%s] %s: %s", section, name, why);
    }
    return 0;
}

static bool parse_u64(const char *v, uint64_t max, uint64_t *out)
{
    if (!*v || *v == '-' || *v == '+')
        return false;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end || x > max)
        return false;
    *out = x;
    return true;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *p = user;
    const key_def *k = NULL;
    bool section_known = false;
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].section, section) != 0)
            continue;
        section_known = true;
        if (strcmp(keys[i].name, name) == 0) {
            k = &keys[i];
            break;
        }
    }
    if (!section_known)
        return fail(p, section, name, "unknown section");
    if (!k)
        return fail(p, section, name, "unknown key");
    uint8_t *field = (uint8_t *)p->cfg + k->offset;
    uint64_t u;
    /* "key = ;x" reaches us as ";x", but written back as "key = ;x" the ';'
     * follows a space and starts a comment: such a value cannot round-trip
     * through the file, so it is refused rather than silently changed. */
    if ((k->kind == K_STR || k->kind == K_LIST) && value[0] == ';')
        return fail(p, section, name, "a value may not start with ';' (it begins a comment)");
    switch (k->kind) {
    case K_STR:
        if (strlen(value) >= k->size)
            return fail(p, section, name, "value too long");
        /* Zero the whole field so equal configs are equal bytes. */
        memset(field, 0, k->size);
        memcpy(field, value, strlen(value));
        return 1;
    case K_LIST: {
        size_t *count = (size_t *)(void *)((uint8_t *)p->cfg + k->count_off);
        if (*count >= NODE_CONFIG_PEERS_MAX)
            return fail(p, section, name, "too many entries");
        if (strlen(value) >= k->size)
            return fail(p, section, name, "value too long");
        if (*value)
            strcpy((char *)field + *count * k->size, value), (*count)++;
        return 1;
    }
    case K_U32:
        if (!parse_u64(value, UINT32_MAX, &u))
            return fail(p, section, name, "expected an integer in 0..4294967295");
        *(uint32_t *)(void *)field = (uint32_t)u;
        return 1;
    case K_U64:
        if (!parse_u64(value, UINT64_MAX, &u))
            return fail(p, section, name, "expected a non-negative integer");
        *(uint64_t *)(void *)field = u;
        return 1;
    case K_BOOL:
        if (strcmp(value, "true") == 0)
            *(bool *)(void *)field = true;
        else if (strcmp(value, "false") == 0)
            *(bool *)(void *)field = false;
        else
            return fail(p, section, name, "expected true or false");
        return 1;
    case K_PROFILE:
        if (strcmp(value, "default") == 0)
            *(node_timeout_profile *)(void *)field = NODE_TIMEOUTS_DEFAULT;
        else if (strcmp(value, "fast") == 0)
            *(node_timeout_profile *)(void *)field = NODE_TIMEOUTS_FAST;
        else
            return fail(p, section, name, "expected default or fast");
        return 1;
    }
    return fail(p, section, name, "internal: unknown key kind");
}

/* libinih would split a line longer than its buffer into two; refuse instead. */
static ag_err check_line_lengths(const char *text, const char *name)
{
    int line = 1;
    size_t len = 0;
    for (const char *c = text; *c; c++) {
        if (*c == '\n') {
            line++;
            len = 0;
        } else if (++len > NODE_CONFIG_LINE_MAX) {
            return ag_err_set(AG_ERR_DECODE, "%s:%d: line longer than %d bytes", name, line,
                              NODE_CONFIG_LINE_MAX);
        }
    }
    return AG_OK;
}

ag_err node_config_parse(node_config *cfg, const char *text, const char *name)
{
    ag_err err = check_line_lengths(text, name);
    if (err != AG_OK)
        return err;
    node_config next = *cfg;
    /* Lists given in the file replace the defaults' (empty) lists. */
    parse_ctx p = {.cfg = &next, .name = name};
    int rc = ini_parse_string(text, on_key, &p);
    if (p.failed)
        return ag_err_set(p.err, "%s: %s", name, p.why);
    if (rc > 0)
        return ag_err_set(AG_ERR_DECODE, "%s:%d: syntax error", name, rc);
    if (rc < 0)
        return ag_err_set(AG_ERR_NOMEM, "%s: parser failed", name);
    err = node_config_validate(&next);
    if (err != AG_OK) {
        char detail[AG_ERR_DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", ag_err_detail());
        return ag_err_set(err, "%s: %s", name, detail);
    }
    *cfg = next;
    return AG_OK;
}

ag_err node_config_load(node_config *cfg, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ag_err_from_errno(errno, path);
    /* Config files are small; 1 MiB is far above any real one. */
    enum { MAX = 1 << 20 };
    char *text = malloc(MAX + 1);
    if (!text) {
        fclose(f);
        return ag_err_set(AG_ERR_NOMEM, "%s", path);
    }
    size_t n = fread(text, 1, MAX + 1, f);
    bool bad = ferror(f);
    fclose(f);
    ag_err err = AG_OK;
    if (bad)
        err = ag_err_set(AG_ERR_IO, "%s: read failed", path);
    else if (n > MAX)
        err = ag_err_set(AG_ERR_TOO_LARGE, "%s: larger than 1 MiB", path);
    else if (memchr(text, '\0', n))
        err = ag_err_set(AG_ERR_DECODE, "%s: contains a NUL byte", path);
    if (err == AG_OK) {
        text[n] = '\0';
        err = node_config_parse(cfg, text, path);
    }
    free(text);
    return err;
}

static bool valid_url(const char *s)
{
    return strncmp(s, "tcp://", 6) == 0 || strncmp(s, "unix://", 7) == 0;
}

/* <40 lower-case hex>@host:port */
static bool valid_peer(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at - s != 40)
        return false;
    for (const char *c = s; c < at; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    const char *colon = strrchr(at, ':');
    if (!colon || colon == at + 1 || !colon[1])
        return false;
    uint64_t port;
    return parse_u64(colon + 1, 65535, &port) && port > 0;
}

ag_err node_config_set(node_config *cfg, const char *assignment)
{
    const char *dot = strchr(assignment, '.');
    const char *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq || dot == assignment || eq == dot + 1 ||
        strcspn(assignment, "[]\n\r;#") < strlen(assignment))
        return ag_err_set(
            AG_ERR_INVALID_ARG,
            "--set %s: expected section.key=value (e.g. p2p.laddr=tcp://0.0.0.0:26656)",
            assignment);
    /* The same parser as the file: one section header and one key line. */
    char text[NODE_CONFIG_LINE_MAX + 64];
    int n = snprintf(text, sizeof text, "[%.*s]\n%.*s = %s\n", (int)(dot - assignment), assignment,
                     (int)(eq - dot - 1), dot + 1, eq + 1);
    if (n < 0 || (size_t)n >= sizeof text)
        return ag_err_set(AG_ERR_TOO_LARGE, "--set %.40s...: too long", assignment);
    ag_err err = node_config_parse(cfg, text, "--set");
    return err ? err : node_config_validate(cfg);
}

ag_err node_config_validate(const node_config *cfg)
{
    ag_log_level level;
    ag_log_format format;
    if (ag_log_level_parse(cfg->log_level, &level) != AG_OK)
        return ag_err_set(AG_ERR_INVALID_ARG, "[node] log_level \"%s\": debug, info, warn or error",
                          cfg->log_level);
    if (ag_log_format_parse(cfg->log_format, &format) != AG_OK)
        return ag_err_set(AG_ERR_INVALID_ARG, "[node] log_format \"%s\": text or json",
                          cfg->log_format);
    if (!cfg->genesis_file[0] || !cfg->data_dir[0] || !cfg->privval_key_file[0] ||
        !cfg->privval_state_file[0] || !cfg->node_key_file[0])
        return ag_err_set(AG_ERR_INVALID_ARG, "[node] file and directory paths cannot be empty");
    if (strcmp(cfg->abci_app, "builtin:market") != 0 &&
        strcmp(cfg->abci_app, "builtin:kvstore") != 0 && !valid_url(cfg->abci_app))
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "[abci] app \"%s\": builtin:market, builtin:kvstore, tcp://host:port "
                          "or unix:///path",
                          cfg->abci_app);
    if (cfg->mempool_max_txs == 0 || cfg->mempool_max_txs_bytes == 0 ||
        cfg->mempool_max_tx_bytes == 0 || cfg->mempool_max_tx_bytes > cfg->mempool_max_txs_bytes)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "[mempool] limits must be positive and max_tx_bytes <= max_txs_bytes");
    for (size_t i = 0; i < cfg->n_persistent_peers; i++)
        if (!valid_peer(cfg->persistent_peers[i]))
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "[p2p] persistent_peer \"%s\": expected <40 hex id>@host:port",
                              cfg->persistent_peers[i]);
    for (size_t i = 0; i < cfg->n_seeds; i++)
        if (!valid_peer(cfg->seeds[i]))
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "[p2p] seed \"%s\": expected <40 hex id>@host:port", cfg->seeds[i]);
    if (cfg->p2p_laddr[0] && strncmp(cfg->p2p_laddr, "tcp://", 6) != 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "[p2p] laddr must be tcp://host:port");
    if (cfg->rpc_laddr[0] && strncmp(cfg->rpc_laddr, "tcp://", 6) != 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "[rpc] laddr must be tcp://host:port or empty");
    if (cfg->rpc_max_body_bytes == 0 || cfg->rpc_max_open_connections == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "[rpc] limits must be positive");
    if (strcmp(cfg->tx_indexer, "kv") != 0 && strcmp(cfg->tx_indexer, "null") != 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "[tx_index] indexer must be kv or null, not \"%s\"",
                          cfg->tx_indexer);
    if (cfg->events_pub_url[0] && !strstr(cfg->events_pub_url, "://"))
        return ag_err_set(AG_ERR_INVALID_ARG, "[feed] pub_listen must be an NNG address "
                                              "(tcp://host:port, ipc:///path) or empty");
    if (cfg->events_rep_url[0] && !strstr(cfg->events_rep_url, "://"))
        return ag_err_set(AG_ERR_INVALID_ARG, "[feed] rep_listen must be an NNG address "
                                              "(tcp://host:port, ipc:///path) or empty");
    if (cfg->prometheus && strncmp(cfg->metrics_laddr, "tcp://", 6) != 0)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "[instrumentation] prometheus_listen_addr must be tcp://host:port");
    return AG_OK;
}

ag_err node_config_write(const node_config *cfg, FILE *out)
{
    const char *section = "";
    fprintf(out, "# Agora node configuration. Every key is shown with its value;\n"
                 "# relative paths are relative to the node's home directory.\n");
    for (size_t i = 0; i < N_KEYS; i++) {
        const key_def *k = &keys[i];
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            fprintf(out, "\n[%s]\n", section);
        }
        fprintf(out, "; %s\n", k->comment);
        const uint8_t *field = (const uint8_t *)cfg + k->offset;
        switch (k->kind) {
        case K_STR:
            fprintf(out, "%s = %s\n", k->name, (const char *)field);
            break;
        case K_LIST: {
            size_t count = *(const size_t *)(const void *)((const uint8_t *)cfg + k->count_off);
            if (count == 0)
                fprintf(out, ";%s =\n", k->name);
            for (size_t j = 0; j < count; j++)
                fprintf(out, "%s = %s\n", k->name, (const char *)field + j * k->size);
            break;
        }
        case K_U32:
            fprintf(out, "%s = %" PRIu32 "\n", k->name, *(const uint32_t *)(const void *)field);
            break;
        case K_U64:
            fprintf(out, "%s = %" PRIu64 "\n", k->name, *(const uint64_t *)(const void *)field);
            break;
        case K_BOOL:
            fprintf(out, "%s = %s\n", k->name,
                    *(const bool *)(const void *)field ? "true" : "false");
            break;
        case K_PROFILE:
            fprintf(out, "%s = %s\n", k->name,
                    *(const node_timeout_profile *)(const void *)field == NODE_TIMEOUTS_FAST
                        ? "fast"
                        : "default");
            break;
        }
    }
    return ferror(out) ? ag_err_set(AG_ERR_IO, "writing the configuration") : AG_OK;
}

ag_err node_config_save(const node_config *cfg, const char *path)
{
    char tmp[PATH_MAX + 8];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return ag_err_set(AG_ERR_TOO_LARGE, "%s: path too long", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return ag_err_from_errno(errno, tmp);
    ag_err err = node_config_write(cfg, f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        err = err ? err : ag_err_from_errno(errno, tmp);
    if (fclose(f) != 0)
        err = err ? err : ag_err_from_errno(errno, tmp);
    if (!err && rename(tmp, path) != 0)
        err = ag_err_from_errno(errno, path);
    if (err)
        unlink(tmp);
    return err;
}

ag_err node_config_path(char *out, size_t cap, const char *home, const char *path)
{
    int n =
        path[0] == '/' ? snprintf(out, cap, "%s", path) : snprintf(out, cap, "%s/%s", home, path);
    if (n < 0 || (size_t)n >= cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "path %s/%s too long", home, path);
    return AG_OK;
}
