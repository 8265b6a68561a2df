/*
 * agorad — the Agora node. Each command lives in node/cmd_<name>.c:
 *
 *   agorad init --home DIR ...     a new home: config, genesis, keys
 *   agorad start --home DIR        run the node until SIGINT/SIGTERM
 *   agorad testnet --validators N --output DIR   homes of a local network
 *   agorad app [--abci ADDR] ...   the example application as an ABCI server
 *   agorad feed --connect ADDR --req ADDR [--from H]   print a node's events
 *   agorad show-node-id / show-validator / inspect / version / help
 */
#include <stdio.h>
#include <string.h>

#include "node/cli.h"

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } cmds[] = {
        {"init", node_cmd_init},
        {"start", node_cmd_start},
        {"testnet", node_cmd_testnet},
        {"app", node_cmd_app},
        {"show-node-id", node_cmd_show_node_id},
        {"show-validator", node_cmd_show_validator},
        {"inspect", node_cmd_inspect},
        {"feed", node_cmd_feed},
    };
    if (argc < 2) {
        node_usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].run(argc - 2, argv + 2);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("agorad %s (ABCI %s, CometBFT v0.38 compatible)\n", NODE_VERSION, NODE_ABCI_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        node_usage(stdout);
        return 0;
    }
    fprintf(stderr, "agorad: unknown command '%s'\n\n", argv[1]);
    node_usage(stderr);
    return 2;
}
