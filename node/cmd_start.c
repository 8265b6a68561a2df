/* cmd_start.c — `agorad start` (placeholder until the engine lands). */
#include <stdio.h>

#include "node/cli.h"

int node_cmd_start(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "agorad start: the consensus engine is not built yet\n");
    return 1;
}
