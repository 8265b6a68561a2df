/*
 * agorad — the Agora node. Each command lives in node/cmd_<name>.c:
 *
 *   agorad init --home DIR ...     a new home: config, genesis, keys
 *   agorad start --home DIR        run the node until SIGINT/SIGTERM
 *   agorad app [--abci ADDR] ...   the example application as an ABCI server
 *   agorad show-node-id / show-validator / inspect / version / help
 */
#include <stdio.h>
#include <string.h>

#include "node/cli.h"

void node_usage(FILE *out)
{
    fprintf(out,
            "usage: agorad <command> [options]\n"
            "\n"
            "commands:\n"
            "  init            create a home directory for a new single-validator chain\n"
            "  start           run the node (consensus, the application, the stores)\n"
            "  app             run an application (kvstore example or market) as an ABCI server\n"
            "  show-node-id    print the node's P2P ID\n"
            "  show-validator  print the validator's public key (JSON)\n"
            "  inspect         read the stores of a stopped node (blocks, signatures)\n"
            "  version         print the version\n"
            "  help            show this message\n"
            "\n"
            "The home directory is --home DIR, else $AGORA_HOME, else $HOME/.agora.\n"
            "\n"
            "agorad init [--home DIR] [--chain-id ID] [--moniker NAME] [--app kvstore|market]\n"
            "            [--fast] [--force]\n"
            "  --chain-id ID             the chain's ID (default agora-local)\n"
            "  --moniker NAME            this node's name (default: the host name)\n"
            "  --app kvstore|market      the builtin application ([abci] app in config.ini)\n"
            "  --fast                    short consensus timeouts (loopback and LAN networks)\n"
            "  --force                   erase an existing home (keys and chain data) first\n"
            "\n"
            "agorad start [--home DIR] [--log-level LEVEL] [--log-format FORMAT]\n"
            "  --log-level LEVEL         trace|debug|info|warn|error (overrides config.ini)\n"
            "  --log-format FORMAT       text|json (overrides config.ini)\n"
            "\n"
            "agorad inspect blocks [--home DIR] [--from H] [--to H]\n"
            "  one line per stored block: height, block hash, app hash, commit round\n"
            "agorad inspect signatures [--home DIR] [--history FILE]\n"
            "  verify this validator's signature in every stored commit, and that no\n"
            "  signer state recorded in FILE conflicts with the chain (see node/README.md)\n"
            "\n"
            "agorad app options:\n"
            "  --abci ADDR               listen address: tcp://HOST:PORT or unix:///PATH\n"
            "                            (default tcp://127.0.0.1:26658)\n"
            "  --app NAME                kvstore (default) or market\n"
            "  --home DIR                market: state directory (RocksDB under DIR/data)\n"
            "  --snapshot-interval N     take a state-sync snapshot every N heights "
            "(default 10, 0: never)\n"
            "  --log-level LEVEL         trace|debug|info|warn|error (default info)\n"
            "  --log-format FORMAT       text|json (default text)\n");
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } cmds[] = {
        {"init", node_cmd_init},
        {"start", node_cmd_start},
        {"app", node_cmd_app},
        {"show-node-id", node_cmd_show_node_id},
        {"show-validator", node_cmd_show_validator},
        {"inspect", node_cmd_inspect},
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
