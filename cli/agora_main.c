/* agora_main.c — the `agora` program: keys, transactions and queries. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

void cli_usage(FILE *out)
{
    fputs("agora " CLI_VERSION " — wallet and client of an Agora chain\n"
          "\n"
          "Keys (BIP-39 mnemonic, m/44'/118'/0'/0/0, the same addresses as CosmJS and Keplr):\n"
          "  agora keys add NAME [--words 12|15|18|21|24] [--hd-path PATH]\n"
          "  agora keys import NAME [--hd-path PATH]     (mnemonic on stdin)\n"
          "  agora keys list\n"
          "  agora keys show NAME|ADDRESS [--address] [--pubkey]\n"
          "  agora keys delete NAME [--yes]\n"
          "\n"
          "Transactions (sign, broadcast, wait for the block):\n"
          "  agora tx bank send FROM TO AMOUNT\n"
          "  agora tx market offer create FROM --cpu M --memory B [--storage B] [--gpu N]\n"
          "           [--endpoints N] [--price-cpu C] [--price-memory C] [--price-storage C]\n"
          "           [--price-gpu C] [--price-endpoint C] [--attr key=value]...\n"
          "  agora tx market offer update FROM OFFER_ID (same flags)\n"
          "  agora tx market offer deactivate FROM OFFER_ID\n"
          "  agora tx market order create FROM --image IMAGE --cpu M --memory B --max-price C\n"
          "           (or --workload FILE.yaml: services, placement, pricing; see cli/README.md)\n"
          "           --deposit C [--storage B] [--replicas N] [--auction-blocks N]\n"
          "           [--auto-award] [--service NAME] [--port P]\n"
          "  agora tx market order deposit FROM ORDER_ID AMOUNT\n"
          "  agora tx market order close FROM ORDER_ID\n"
          "  agora tx market bid create FROM ORDER_ID OFFER_ID --price C --deposit C\n"
          "  agora tx market bid close FROM BID_ID        (withdraw the bid)\n"
          "  agora tx market lease create FROM BID_ID     (accept the bid: the tenant)\n"
          "  agora tx market lease close FROM LEASE_ID [--reason TEXT]\n"
          "  agora tx market lease withdraw FROM LEASE_ID (the provider collects)\n"
          "  common: --chain-id ID --gas N --fees C | --gas-prices P --memo TEXT\n"
          "          --dry-run --timeout SECONDS --yes\n"
          "\n"
          "Queries:\n"
          "  agora query account ADDRESS|NAME     agora query balance ADDRESS|NAME [--denom D]\n"
          "  agora query offers|orders|bids|leases [--id N]\n"
          "  agora query tx HASH                  agora query block [HEIGHT]\n"
          "  --prove: check the value against the app hash of the next block (the node's header)\n"
          "\n"
          "Light client (headers verified from a trusted height, state by ICS23 proofs):\n"
          "  agora light init --trust-height H --trust-hash HASH [--trusting-period 336h]\n"
          "           [--trust-level 1/3] [--max-clock-drift 10s] [--witness URL]... [--force]\n"
          "  agora light sync [--height H]        agora light status\n"
          "  agora light query balance|account ADDRESS|NAME   (--denom D)\n"
          "  agora light query offers|orders|bids|leases --id N\n"
          "  agora light query raw KEYHEX         (all: [--height H])\n"
          "\n"
          "Common options: --home DIR (else $AGORA_HOME, else ~/.agora)\n"
          "  --keyring-backend file|test  --passphrase-file FILE  --node URL\n"
          "  --output text|json\n",
          out);
}

int main(int argc, char **argv)
{
    cli_args a;
    if (cli_args_parse(&a, argc - 1, (const char *const *)(argv + 1)))
        return cli_usage_error("%s", ag_err_detail());
    if (a.n_pos == 0 || !strcmp(a.pos[0], "help") || cli_args_has(&a, "help")) {
        cli_usage(a.n_pos == 0 && !cli_args_has(&a, "help") ? stderr : stdout);
        return a.n_pos == 0 && !cli_args_has(&a, "help") ? 2 : 0;
    }
    if (!strcmp(a.pos[0], "version")) {
        printf("%s\n", CLI_VERSION);
        return 0;
    }
    cli_ctx ctx;
    if (cli_ctx_init(&ctx, &a))
        return cli_usage_error("%s", ag_err_detail());
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (!strcmp(a.pos[0], "keys"))
        rc = cli_cmd_keys(&ctx, &a);
    else if (!strcmp(a.pos[0], "tx"))
        rc = cli_cmd_tx(&ctx, &a);
    else if (!strcmp(a.pos[0], "query") || !strcmp(a.pos[0], "q"))
        rc = cli_cmd_query(&ctx, &a);
    else if (!strcmp(a.pos[0], "light"))
        rc = cli_cmd_light(&ctx, &a);
    else
        rc = cli_usage_error("unknown command \"%s\"", a.pos[0]);
    curl_global_cleanup();
    return rc;
}
