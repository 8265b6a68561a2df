/* cmd_show.c — `agorad show-node-id` and `agorad show-validator`. */
#include <stdio.h>
#include <string.h>

#include "consensus/privval.h"
#include "lib/base64.h"
#include "node/cli.h"
#include "node/home.h"
#include "node/node_key.h"

/* Parse --home (the only option) and load the home. Returns -1 on success,
 * else the exit status. */
static int load_home(const char *cmd, int argc, char **argv, node_home *h)
{
    const char *dir = NULL;
    char def[NODE_PATH_MAX];
    for (int i = 0; i < argc; i++) {
        int r = node_cli_value(cmd, argc, argv, &i, "--home", &dir);
        if (r < 0)
            return 2;
        if (r == 0) {
            fprintf(stderr, "agorad %s: unknown option %s (see agorad help)\n", cmd, argv[i]);
            return 2;
        }
    }
    if (!dir) {
        if (node_cli_default_home(def, sizeof def) != AG_OK) {
            fprintf(stderr, "agorad %s: %s\n", cmd, ag_err_detail());
            return 2;
        }
        dir = def;
    }
    if (node_home_load(h, dir) != AG_OK) {
        fprintf(stderr, "agorad %s: %s\n", cmd, ag_err_detail());
        return 1;
    }
    return -1;
}

int node_cmd_show_node_id(int argc, char **argv)
{
    node_home h;
    int rc = load_home("show-node-id", argc, argv, &h);
    if (rc >= 0)
        return rc;
    node_key key;
    if (node_key_load(&key, h.node_key_file) != AG_OK) {
        fprintf(stderr, "agorad show-node-id: %s\n", ag_err_detail());
        return 1;
    }
    printf("%s\n", key.id);
    node_key_wipe(&key);
    return 0;
}

int node_cmd_show_validator(int argc, char **argv)
{
    node_home h;
    int rc = load_home("show-validator", argc, argv, &h);
    if (rc >= 0)
        return rc;
    cons_privval *pv;
    if (cons_privval_load(&pv, h.privval_key_file, h.privval_state_file) != AG_OK) {
        fprintf(stderr, "agorad show-validator: %s\n", ag_err_detail());
        return 1;
    }
    const crypto_pubkey *pub = cons_privval_pubkey(pv);
    char b64[64]; /* 44 characters for 33 bytes */
    ag_base64_encode(b64, pub->b, sizeof pub->b);
    printf("{\"type\":\"tendermint/PubKeySecp256k1\",\"value\":\"%s\"}\n", b64);
    cons_privval_free(pv);
    return 0;
}
