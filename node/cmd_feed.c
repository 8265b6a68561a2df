/*
 * cmd_feed.c — `agorad feed`: a subscriber of a node's event feed (feed/client.h)
 * that prints every event once, in order, as one JSON object per line:
 *   {"height":5,"index":0,"tx_hash":"AB..","tx_index":0,"type":"kv",
 *    "attributes":[{"key":"key","value":"a","index":true}]}
 * (tx_hash is "" for a block-level event). A restarted subscriber passes
 * --from H:I, the cursor after the last line it printed, and gets exactly
 * the events after it.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/client.h"
#include "lib/hex.h"
#include "node/cli.h"

#define CMD "feed"

static void print_event(const feed_event *e)
{
    char hash[2 * 32 + 1] = "";
    if (e->tx_hash.len == 32)
        ag_hex_encode(hash, e->tx_hash.data, 32, true);
    json_t *attrs = json_array();
    bool ok = attrs != NULL;
    for (size_t i = 0; ok && i < e->n_attributes; i++) {
        const Agora__Feed__V1__Attribute *a = e->attributes[i];
        ok = json_array_append_new(attrs, json_pack("{s:s, s:s, s:b}", "key", a->key, "value",
                                                    a->value, "index", a->index)) == 0;
    }
    json_t *o = NULL;
    if (ok)
        o = json_pack("{s:I, s:I, s:s, s:I, s:s, s:O}", "height", (json_int_t)e->height, "index",
                      (json_int_t)e->index, "tx_hash", hash, "tx_index", (json_int_t)e->tx_index,
                      "type", e->type, "attributes", attrs);
    json_decref(attrs);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s)
        printf("%s\n", s);
    else /* not UTF-8 (JSON cannot carry it): still one line per event */
        printf("{\"height\":%" PRId64 ",\"index\":%" PRIu32 ",\"error\":\"not UTF-8\"}\n",
               e->height, e->index);
    free(s);
    json_decref(o);
}

/* "H" or "H:I". */
static int parse_from(const char *v, feed_cursor *out)
{
    long long h;
    unsigned long idx = 0;
    int used = 0;
    if (sscanf(v, "%lld%n", &h, &used) != 1 || h < 1)
        return -1;
    if (v[used] == ':') {
        const char *p = v + used + 1;
        char *end;
        if (*p < '0' || *p > '9')
            return -1;
        idx = strtoul(p, &end, 10);
        if (*end || idx > UINT32_MAX)
            return -1;
    } else if (v[used]) {
        return -1;
    }
    *out = (feed_cursor){h, (uint32_t)idx};
    return 0;
}

int node_cmd_feed(int argc, char **argv)
{
    const char *pub = NULL, *rep = NULL, *from_s = NULL, *until_s = NULL;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = node_cli_value(CMD, argc, argv, &i, "--connect", &pub)) ||
            (r = node_cli_value(CMD, argc, argv, &i, "--req", &rep)) ||
            (r = node_cli_value(CMD, argc, argv, &i, "--from", &from_s)) ||
            (r = node_cli_value(CMD, argc, argv, &i, "--until", &until_s))) {
            if (r < 0)
                return 2;
            continue;
        }
        fprintf(stderr, "agorad feed: unknown option '%s'\n", argv[i]);
        return 2;
    }
    if (!pub || !rep) {
        fprintf(stderr, "agorad feed: --connect PUB_ADDR and --req REP_ADDR are required "
                        "([feed] pub_listen and rep_listen of the node)\n");
        return 2;
    }
    feed_cursor from = {0, 0};
    if (from_s && parse_from(from_s, &from) != 0) {
        fprintf(stderr, "agorad feed: --from %s: expected HEIGHT or HEIGHT:INDEX (HEIGHT >= 1)\n",
                from_s);
        return 2;
    }
    int64_t until = 0;
    if (until_s && node_cli_parse_i64(until_s, 1, "--until", &until) != AG_OK) {
        fprintf(stderr, "agorad feed: %s\n", ag_err_detail());
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    feed_client *c;
    ag_err err = feed_client_open(&c, pub, rep, from.height);
    if (err) {
        fprintf(stderr, "agorad feed: %s\n", ag_err_detail());
        return 1;
    }
    if (from.height)
        feed_client_set_cursor(c, from);
    bool past_until = false;
    feed_cursor resume = {0, 0};
    for (;;) {
        if (until && feed_client_cursor(c).height > until)
            break;
        const feed_event *e;
        err = feed_client_next(c, &e, 500);
        if (err == AG_ERR_TIMEOUT) {
            err = AG_OK;
            continue;
        }
        if (err)
            break;
        if (until && e->height > until) {
            /* the first event past --until: not printed, resume there */
            past_until = true;
            resume = (feed_cursor){e->height, e->index};
            break;
        }
        print_event(e);
    }
    feed_client_stats st = feed_client_get_stats(c);
    /* Every event before the client's cursor was printed, except one
     * returned past --until. */
    feed_cursor at = past_until ? resume : feed_client_cursor(c);
    fprintf(stderr,
            "agorad feed: next %" PRId64 ":%" PRIu32 " (--from to continue; pages %" PRIu64
            ", gaps %" PRIu64 ", duplicates skipped %" PRIu64 ")\n",
            at.height, at.index, st.pages, st.gaps, st.duplicates);
    feed_client_close(c);
    if (err) {
        fprintf(stderr, "agorad feed: %s\n", ag_err_detail());
        return 1;
    }
    return 0;
}
