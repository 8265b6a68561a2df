/*
 * store_vectors — records and proofs from a real store, for tools we did not
 * write and for fuzz seeds.
 *
 *   store_vectors json N        N proofs as JSON lines {root,key,value,proof,exists} (hex)
 *   store_vectors corpus DIR    fuzz seeds for fuzz_ics23_verify (key index byte + proof)
 *   store_vectors nodes DIR     fuzz seeds for fuzz_smt_node (tree node records)
 *
 * The tree holds key-0..key-49 -> val-0..val-49 (as fuzz_ics23_verify's), or,
 * for json, 2000 pseudo-random keys so proofs have realistic depth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/rng.h"
#include "state/store.h"

static void die(const char *what)
{
    fprintf(stderr, "store_vectors: %s: %s\n", what, ag_err_detail());
    exit(1);
}

static void print_hex(const char *name, const uint8_t *p, size_t n, const char *sep)
{
    char *h = malloc(2 * n + 1);
    ag_hex_encode(h, p, n, false);
    printf("\"%s\":\"%s\"%s", name, h, sep);
    free(h);
}

int main(int argc, char **argv)
{
    if (argc != 3 ||
        (strcmp(argv[1], "json") && strcmp(argv[1], "corpus") && strcmp(argv[1], "nodes"))) {
        fprintf(stderr, "usage: store_vectors json N | corpus DIR | nodes DIR\n");
        return 2;
    }
    bool json = !strcmp(argv[1], "json");
    state_kv *kv;
    state_store *s;
    if (state_kv_open_memory(&kv) || state_store_open(&s, kv, NULL))
        die("open");
    unsigned nkeys = json ? 2000 : 50;
    for (unsigned i = 0; i < nkeys; i++) {
        char k[16], v[16];
        int kl = snprintf(k, sizeof k, "key-%u", i), vl = snprintf(v, sizeof v, "val-%u", i);
        if (state_store_set(s, (uint8_t *)k, (size_t)kl, (uint8_t *)v, (size_t)vl))
            die("set");
    }
    crypto_hash root;
    if (state_store_commit(s, NULL, &root))
        die("commit");
    if (!strcmp(argv[1], "nodes")) {
        state_kv_iter *it;
        if (kv->ops->iter_new(kv, STATE_CF_NODES, &it))
            die("iterate");
        kv->ops->iter_seek(it, (const uint8_t *)"", 0);
        for (unsigned i = 0; kv->ops->iter_valid(it) && i < 40; kv->ops->iter_next(it), i++) {
            const uint8_t *k, *v;
            size_t kl, vl;
            kv->ops->iter_entry(it, &k, &kl, &v, &vl);
            char path[512];
            snprintf(path, sizeof path, "%s/node-%u", argv[2], i);
            FILE *f = fopen(path, "wb");
            if (!f)
                die(path);
            fwrite(v, 1, vl, f);
            fclose(f);
        }
        kv->ops->iter_free(it);
        state_store_close(s);
        return 0;
    }
    unsigned n = json ? (unsigned)atoi(argv[2]) : 100;
    ag_rng rng;
    ag_rng_seed(&rng, 23);
    for (unsigned j = 0; j < n; j++) {
        /* half present, half absent */
        unsigned idx = json ? (unsigned)ag_rng_below(&rng, 2 * nkeys) : j;
        char k[16];
        int kl = snprintf(k, sizeof k, "key-%u", idx);
        ag_buf proof, value;
        ag_buf_init(&proof, 0);
        ag_buf_init(&value, 0);
        bool exists;
        if (state_store_prove(s, 1, (uint8_t *)k, (size_t)kl, &proof, &value, &exists))
            die("prove");
        if (json) {
            printf("{");
            print_hex("root", root.b, 32, ",");
            print_hex("key", (uint8_t *)k, (size_t)kl, ",");
            print_hex("value", value.data ? value.data : (const uint8_t *)"", value.len, ",");
            print_hex("proof", proof.data, proof.len, ",");
            printf("\"exists\":%s}\n", exists ? "true" : "false");
        } else {
            char path[512];
            snprintf(path, sizeof path, "%s/%s-%u", argv[2], exists ? "exist" : "absent", idx);
            FILE *f = fopen(path, "wb");
            if (!f)
                die(path);
            uint8_t sel = (uint8_t)idx;
            fwrite(&sel, 1, 1, f);
            fwrite(proof.data, 1, proof.len, f);
            fclose(f);
        }
        ag_buf_free(&proof);
        ag_buf_free(&value);
    }
    state_store_close(s);
    return 0;
}
