/* log.c — leveled text/JSON logging; JSON escaping is jansson's. */
#include "lib/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* Read without the lock on every call site, so atomic. */
static _Atomic int log_level = AG_LOG_INFO;
static ag_log_format log_format = AG_LOG_TEXT;
static FILE *log_out;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};
static const char *const level_tags[] = {"TRACE", "DEBUG", "INFO ", "WARN ", "ERROR", "OFF  "};

void ag_log_setup(ag_log_level level, ag_log_format format, FILE *out)
{
    pthread_mutex_lock(&log_lock);
    atomic_store(&log_level, (int)level);
    log_format = format;
    log_out = out;
    pthread_mutex_unlock(&log_lock);
}

ag_err ag_log_level_parse(const char *s, ag_log_level *out)
{
    for (int i = AG_LOG_TRACE; i <= AG_LOG_OFF; i++) {
        if (s && strcasecmp(s, level_names[i]) == 0) {
            *out = (ag_log_level)i;
            return AG_OK;
        }
    }
    return ag_err_set(AG_ERR_DECODE, "log level '%s' is not one of trace|debug|info|warn|error|off",
                      s ? s : "(null)");
}

ag_err ag_log_format_parse(const char *s, ag_log_format *out)
{
    if (s && strcasecmp(s, "text") == 0) {
        *out = AG_LOG_TEXT;
        return AG_OK;
    }
    if (s && strcasecmp(s, "json") == 0) {
        *out = AG_LOG_JSON;
        return AG_OK;
    }
    return ag_err_set(AG_ERR_DECODE, "log format '%s' is not one of text|json", s ? s : "(null)");
}

bool ag_log_enabled(ag_log_level level)
{
    return (int)level >= atomic_load(&log_level) && level < AG_LOG_OFF;
}

static void format_timestamp(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000L));
}

void ag_log_write(ag_log_level level, const char *module, const char *fmt, ...)
{
    if (!ag_log_enabled(level))
        return;
    char msg[AG_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ts[32];
    format_timestamp(ts);
    if (!module)
        module = "agora";

    pthread_mutex_lock(&log_lock);
    FILE *out = log_out ? log_out : stderr;
    if (log_format == AG_LOG_JSON) {
        json_t *obj = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level", level_names[level],
                                "module", module, "msg", msg);
        /* json_pack refuses invalid UTF-8; fall back to a message that says so. */
        if (!obj)
            obj = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "module",
                            module, "msg", "(message was not valid UTF-8)");
        if (obj) {
            json_dumpf(obj, out, JSON_COMPACT);
            fputc('\n', out);
            json_decref(obj);
        }
    } else {
        fprintf(out, "%s %s %s: %s\n", ts, level_tags[level], module, msg);
    }
    fflush(out);
    pthread_mutex_unlock(&log_lock);
}
