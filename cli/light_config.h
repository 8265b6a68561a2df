/*
 * light_config.h — what `agora light init` remembers: the trust options and
 * the witnesses, in <home>/light/config.json; the verified headers live next
 * to it in <home>/light/store/ (light/store.h). The primary is not stored:
 * it is --node at every command, so the same trust root can be used through
 * any full node.
 *
 * config.json (written once by init, mode 0600):
 *   {"version": 1, "chain_id": "agora-1",
 *    "trust_height": 1, "trust_hash": "<64 hex>",
 *    "trusting_period_ns": 1209600000000000, "trust_level": "1/3",
 *    "max_clock_drift_ns": 10000000000, "witnesses": ["http://..."]}
 *
 * The file is the user's, but it is still read as input: its size is
 * bounded, every field typed and range-checked (AG_ERR_DECODE naming the
 * field), and the options are checked as the library checks them.
 */
#ifndef AGORA_CLI_LIGHT_CONFIG_H
#define AGORA_CLI_LIGHT_CONFIG_H
#include <stddef.h>
#include <stdint.h>

#include "cli/args.h"
#include "light/light.h"

#define CLI_LIGHT_CONFIG_MAX ((size_t)64 << 10)

typedef struct cli_light_config {
    char chain_id[CONS_CHAIN_ID_MAX + 1];
    light_trust_options trust;
    char witnesses[LIGHT_WITNESSES_MAX][LIGHT_URL_MAX];
    size_t n_witnesses;
} cli_light_config;

/* <home>/light, <home>/light/config.json and <home>/light/store into out
 * (cap bytes). AG_ERR_TOO_LARGE when the path does not fit. */
ag_err cli_light_dir(char *out, size_t cap, const char *home);
ag_err cli_light_config_path(char *out, size_t cap, const char *home);
ag_err cli_light_store_path(char *out, size_t cap, const char *home);

/* Read <home>/light/config.json. AG_ERR_NOT_FOUND when `agora light init`
 * has not run (the detail says so), AG_ERR_DECODE for a malformed file. */
ag_err cli_light_config_load(const char *home, cli_light_config *out);
/* Write it (creating <home>/light, mode 0700), replacing an older one
 * atomically (temporary file, fsync, rename). */
ag_err cli_light_config_save(const char *home, const cli_light_config *c);

/* "336h", "14d", "10s", "1h30m", "500ms": a sum of <decimal><unit> with
 * units ns us ms s m h d. AG_ERR_INVALID_ARG for anything else or an
 * overflow of int64 nanoseconds; the result is > 0. */
ag_err cli_parse_duration(const char *s, int64_t *ns);
/* "1/3", "2/3": num/den, both > 0 and at most 2^32 (the library checks the
 * range [1/3, 1]). AG_ERR_INVALID_ARG otherwise. */
ag_err cli_parse_trust_level(const char *s, light_trust_level *out);

#endif
