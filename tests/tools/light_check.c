/* light_check — the light client library against real full nodes, for the
 * integration tests (tests/integration/test_light_*.sh). It reads the clock
 * (the library never does) and prints one line per command:
 *
 *   light_check --url URL --home DIR --chain-id ID --trust-height H
 *               --trust-hash HEX [--witness URL]... [--trusting-period-s N]
 *               [--now-offset-s N] [--fork-key FILE] COMMAND
 *   COMMAND:  sync [HEIGHT]                "verified height=H hash=HEX steps=N"
 *             query KEYHEX [HEIGHT]        "exists height=H value=HEX" | "absent height=H"
 *             balance ADDRHEX DENOM [HEIGHT]  "balance height=H amount=N" | "absent height=H"
 *   light_check bech32 ADDRHEX               the agora1... form of an address
 *
 * --fork-key FILE (a priv_validator_key.json) turns every witness into a
 * byzantine one: the blocks it serves get another app hash and a commit
 * signed again with that key — a lunatic fork signed by a real validator,
 * which the light client must report as an attack. An attack found prints
 * "attack height=H common=C submitted=OK|<error>" per report (the evidence
 * goes to the node not blamed by it, through broadcast_evidence).
 *
 * Exit 0 on success, 2 when a check refused ("refused: <reason>: detail"),
 * 1 on any other error ("error: ..."). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consensus/privval.h"
#include "crypto/address.h"
#include "lib/hex.h"
#include "light/light.h"

#define WITNESSES_MAX 4

/* A byzantine witness: the real node's blocks, forked (see the top). */
typedef struct forker {
    light_provider inner;
    crypto_privkey key;
} forker;

static ag_err fork_block(void *ctx, int64_t height, light_block *out)
{
    forker *f = ctx;
    ag_err e = f->inner.ops->light_block(f->inner.ctx, height, out);
    if (e)
        return e;
    out->header.app_hash.b[0] ^= 0xff;
    crypto_hash hh;
    if ((e = cons_header_hash(&hh, &out->header)) != AG_OK)
        return e;
    cons_commit *c = &out->commit;
    cons_hash_set(&c->block_id.hash, hh.b);
    for (size_t i = 0; i < c->n_sigs; i++) {
        if (c->sigs[i].flag != CONS_BLOCK_ID_FLAG_COMMIT)
            continue;
        cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                       .height = c->height,
                       .round = c->round,
                       .block_id = c->block_id,
                       .timestamp = c->sigs[i].timestamp,
                       .validator_index = (int32_t)i};
        if ((e = cons_vote_sign(&v, out->header.chain_id, &f->key, false)) != AG_OK)
            return e;
        if (!crypto_address_equal(&v.validator_address, &c->sigs[i].validator_address))
            continue; /* another validator's signature: left as is (it will not verify) */
        c->sigs[i].signature = v.signature;
    }
    return AG_OK;
}

static ag_err fork_report(void *ctx, const light_attack *a)
{
    forker *f = ctx;
    return f->inner.ops->report_attack(f->inner.ctx, a);
}

static const light_provider_ops FORK_OPS = {fork_block, NULL, fork_report};

static void on_attack(void *ctx, const light_attack *a, ag_err submitted)
{
    (void)ctx;
    printf("attack height=%" PRId64 " common=%" PRId64 " submitted=%s%s%s\n",
           a->conflicting.header.height, a->common_height,
           submitted ? ag_err_name(submitted) : "OK", submitted ? ": " : "",
           submitted ? ag_err_detail() : "");
}

static ag_err load_key(const char *path, crypto_privkey *key)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ag_err_set(AG_ERR_IO, "%s: cannot open", path);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    crypto_pubkey pub;
    return cons_privval_key_from_json(key, &pub, buf, n);
}

static int fail(ag_err e, light_fail why)
{
    if (e == AG_ERR_VERIFY) {
        /* the detail starts with the reason's name */
        printf("refused: %s\n", why != LIGHT_OK ? ag_err_detail() : "unknown reason");
        return 2;
    }
    printf("error: %s: %s\n", ag_err_name(e), ag_err_detail());
    return 1;
}

static unsigned __int128 be128(const uint8_t *b)
{
    unsigned __int128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | b[i];
    return v;
}

static void print_u128(unsigned __int128 v)
{
    char s[48];
    int n = 0;
    do {
        s[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n)
        putchar(s[--n]);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "bech32") == 0) {
        crypto_address a;
        char out[128];
        if (strlen(argv[2]) != 40 || ag_hex_decode_exact(a.b, 20, argv[2]) != AG_OK ||
            crypto_address_to_bech32(out, sizeof out, "agora", &a) != AG_OK)
            return fail(AG_ERR_INVALID_ARG, LIGHT_OK);
        printf("%s\n", out);
        return 0;
    }
    const char *url = NULL, *home = NULL, *chain = NULL, *hash_hex = NULL, *fork_key = NULL;
    const char *witness_urls[WITNESSES_MAX];
    size_t n_w = 0;
    int64_t trust_h = 0, period_s = 14 * 24 * 3600, offset_s = 0;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--url"))
            url = v;
        else if (!strcmp(k, "--home"))
            home = v;
        else if (!strcmp(k, "--chain-id"))
            chain = v;
        else if (!strcmp(k, "--trust-height"))
            trust_h = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--trust-hash"))
            hash_hex = v;
        else if (!strcmp(k, "--witness") && n_w < WITNESSES_MAX)
            witness_urls[n_w++] = v;
        else if (!strcmp(k, "--trusting-period-s"))
            period_s = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--now-offset-s"))
            offset_s = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--fork-key"))
            fork_key = v;
        else {
            fprintf(stderr, "light_check: unknown option %s\n", k);
            return 1;
        }
    }
    if (!url || !home || !chain || !hash_hex || trust_h <= 0 || i >= argc) {
        fprintf(stderr, "usage: see tests/tools/light_check.c\n");
        return 1;
    }
    const char *cmd = argv[i++];
    light_trust_options trust = {.height = trust_h,
                                 .trusting_period_ns = period_s * 1000000000LL,
                                 .max_clock_drift_ns = 10LL * 1000000000LL};
    if (strlen(hash_hex) != 64 || ag_hex_decode_exact(trust.hash.b, 32, hash_hex) != AG_OK) {
        fprintf(stderr, "light_check: --trust-hash must be 64 hex digits\n");
        return 1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cons_timestamp now = {ts.tv_sec + offset_s, (int32_t)ts.tv_nsec};

    light_rpc *rpc = NULL, *wrpc[WITNESSES_MAX] = {0};
    light_provider wp[WITNESSES_MAX];
    forker forks[WITNESSES_MAX];
    crypto_privkey fork_priv;
    ag_err e = fork_key ? load_key(fork_key, &fork_priv) : AG_OK;
    if (!e)
        e = light_rpc_new(&rpc, &(light_rpc_opts){.url = url});
    for (size_t w = 0; !e && w < n_w; w++) {
        e = light_rpc_new(&wrpc[w], &(light_rpc_opts){.url = witness_urls[w]});
        if (!e)
            wp[w] = light_rpc_provider(wrpc[w]);
        if (!e && fork_key) {
            forks[w] = (forker){wp[w], fork_priv};
            wp[w] = (light_provider){&FORK_OPS, &forks[w], witness_urls[w]};
        }
    }
    if (e)
        return fail(e, LIGHT_OK);
    light_client_opts o = {.chain_id = chain,
                           .trust = trust,
                           .primary = light_rpc_provider(rpc),
                           .witnesses = wp,
                           .n_witnesses = n_w,
                           .store_dir = home,
                           .on_attack = on_attack};
    light_client *lc = NULL;
    light_fail why = LIGHT_OK;
    int rc = 0;
    e = light_client_new(&lc, &o, now, &why);
    if (e) {
        rc = fail(e, why);
    } else if (!strcmp(cmd, "sync")) {
        int64_t h = i < argc ? strtoll(argv[i], NULL, 10) : 0;
        light_block b = {0};
        e = light_client_verify_to(lc, h, now, &b, &why);
        if (e) {
            rc = fail(e, why);
        } else {
            crypto_hash hh;
            char hex[65];
            light_block_hash(&b, &hh);
            ag_hex_encode(hex, hh.b, 32, true);
            printf("verified height=%" PRId64 " hash=%s steps=%zu\n", b.header.height, hex,
                   light_client_last_steps(lc));
        }
        light_block_free(&b);
    } else if (!strcmp(cmd, "query") || !strcmp(cmd, "balance")) {
        bool balance = !strcmp(cmd, "balance");
        uint8_t key[LIGHT_QUERY_KEY_MAX];
        size_t klen = 0;
        if (balance && i + 1 < argc && strlen(argv[i]) == 40 && strlen(argv[i + 1]) < 128) {
            key[0] = 0x02;
            if (ag_hex_decode_exact(key + 1, 20, argv[i]) == AG_OK) {
                memcpy(key + 21, argv[i + 1], strlen(argv[i + 1]));
                klen = 21 + strlen(argv[i + 1]);
            }
            i += 2;
        } else if (!balance && i < argc &&
                   ag_hex_decode(key, sizeof key, &klen, argv[i], strlen(argv[i])) == AG_OK) {
            i++;
        }
        if (klen == 0) {
            fprintf(stderr, "light_check: bad key\n");
            rc = 1;
        } else {
            int64_t h = i < argc ? strtoll(argv[i], NULL, 10) : 0;
            light_query_result r = {0};
            e = light_verify_query(lc, LIGHT_STORE_PATH, key, klen, h, now, &r, &why);
            if (e) {
                rc = fail(e, why);
            } else if (!r.exists) {
                printf("absent height=%" PRId64 "\n", r.height);
            } else if (balance) {
                if (r.value_len != 16) {
                    printf("error: balance of %zu bytes\n", r.value_len);
                    rc = 1;
                } else {
                    printf("balance height=%" PRId64 " amount=", r.height);
                    print_u128(be128(r.value));
                    printf("\n");
                }
            } else {
                char *hex = malloc(2 * r.value_len + 1);
                if (hex) {
                    ag_hex_encode(hex, r.value, r.value_len, false);
                    printf("exists height=%" PRId64 " value=%s\n", r.height, hex);
                    free(hex);
                }
            }
            light_query_result_free(&r);
        }
    } else {
        fprintf(stderr, "light_check: unknown command %s\n", cmd);
        rc = 1;
    }
    light_client_free(lc);
    light_rpc_free(rpc);
    for (size_t w = 0; w < n_w; w++)
        light_rpc_free(wrpc[w]);
    return rc;
}
