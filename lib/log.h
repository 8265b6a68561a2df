/*
 * log.h — leveled logging for operators, as text or one JSON object per line.
 *
 *   ag_log_info("p2p", "dialed %s", addr);
 *   2026-11-24T15:36:23.123Z INFO  p2p: dialed 127.0.0.1:26656
 *   {"ts":"2026-11-24T15:36:23.123Z","level":"info","module":"p2p","msg":"dialed 127.0.0.1:26656"}
 *
 * The logger is process-global and thread-safe (each line is written whole).
 * Timestamps come from the wall clock: logging is output, never an input of
 * consensus or the state machine, so it does not affect determinism.
 * Messages longer than AG_LOG_LINE_MAX are truncated.
 */
#ifndef AGORA_LIB_LOG_H
#define AGORA_LIB_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/err.h"

typedef enum ag_log_level {
    AG_LOG_TRACE = 0,
    AG_LOG_DEBUG,
    AG_LOG_INFO,
    AG_LOG_WARN,
    AG_LOG_ERROR,
    AG_LOG_OFF
} ag_log_level;

typedef enum ag_log_format { AG_LOG_TEXT = 0, AG_LOG_JSON } ag_log_format;

#define AG_LOG_LINE_MAX 4096

/* Configure the logger. `out` is borrowed until the next ag_log_setup
 * (NULL means stderr). Defaults before any call: INFO, text, stderr. */
void ag_log_setup(ag_log_level level, ag_log_format format, FILE *out);

/* Parse "trace|debug|info|warn|error|off" (case-insensitive).
 * AG_ERR_DECODE with a detail naming the bad word otherwise. */
ag_err ag_log_level_parse(const char *s, ag_log_level *out);
/* Parse "text|json". */
ag_err ag_log_format_parse(const char *s, ag_log_format *out);

bool ag_log_enabled(ag_log_level level);

void ag_log_write(ag_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ag_log_trace(mod, ...) ag_log_write(AG_LOG_TRACE, mod, __VA_ARGS__)
#define ag_log_debug(mod, ...) ag_log_write(AG_LOG_DEBUG, mod, __VA_ARGS__)
#define ag_log_info(mod, ...)  ag_log_write(AG_LOG_INFO, mod, __VA_ARGS__)
#define ag_log_warn(mod, ...)  ag_log_write(AG_LOG_WARN, mod, __VA_ARGS__)
#define ag_log_error(mod, ...) ag_log_write(AG_LOG_ERROR, mod, __VA_ARGS__)

#endif
