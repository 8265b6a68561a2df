/*
 * tx_run.h — sign, (simulate,) broadcast and await one transaction.
 *
 * Options read here (common to every `agora tx` command):
 *   --chain-id ID        default: the node's status.node_info.network
 *   --gas N|auto         gas limit (default 200000; auto: simulate x 1.3)
 *   --fees COIN          e.g. 5000uagora; else --gas-prices (default
 *                        0.025uagora, the genesis minimum) x gas, rounded up
 *   --memo TEXT  --timeout-height H
 *   --sequence N --account-number N   offline overrides
 *   --dry-run            simulate only: print the gas, send nothing
 *   --timeout SECONDS    how long to wait for inclusion (default 30)
 *   --yes                do not ask for confirmation on a terminal
 * Exit status as cli.h; a tx the chain refuses or fails is 1 with its code
 * and log, plus advice for the codes a user can fix.
 */
#ifndef AGORA_CLI_TX_RUN_H
#define AGORA_CLI_TX_RUN_H
#include "cli/cli.h"
#include "state/tx_encode.h"

/* Sign msg as the key `from` and see it through (options above). */
int cli_tx_run(cli_ctx *ctx, cli_args *a, const char *from, const market_any *msg);

/* fee = ceil(gas x price) for a price such as "0.025uagora" (at most 18
 * digits before and after the point). AG_ERR_INVALID_ARG otherwise. */
ag_err cli_fee_from_price(market_coin *out, const char *price, uint64_t gas);

/* Parse "123uagora" into a positive coin. AG_ERR_INVALID_ARG naming what. */
ag_err cli_parse_coin(market_coin *out, const char *s, const char *what);

#endif
