/* placeholder until queries land */
#include "cli/cli.h"
int cli_cmd_query(cli_ctx *ctx, cli_args *a)
{
    return cli_usage_error("query: not yet");
}
