/*
 * kube_quantity.h — Kubernetes resource quantities ("3910m", "16318004Ki",
 * "7.5Gi", "1e3") as integers, for reading nodes' allocatable resources.
 *
 * Grammar (k8s.io/apimachinery resource.Quantity): digits with an optional
 * fraction, then a decimal suffix (n u m "" k M G T P E), a binary suffix
 * (Ki Mi Gi Ti Pi Ei) or an exponent (e/E followed by a signed integer).
 * A leading '+' is accepted; negative quantities are rejected (allocatable
 * resources are never negative, and a negative value is hostile here).
 *
 * The value is floored: a node that reports 0.5m of CPU contributes 0
 * millis, never more than it has. Input is hostile: at most
 * PROVIDER_QUANTITY_MAX_LEN characters, and every intermediate product is
 * checked (128 bits), so a value that does not fit in uint64_t, or that
 * has more than 38 integer digits, is AG_ERR_OVERFLOW rather than wrapped. Anything else malformed
 * is AG_ERR_DECODE. Pure, no allocation.
 */
#ifndef AGORA_PROVIDER_KUBE_QUANTITY_H
#define AGORA_PROVIDER_KUBE_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PROVIDER_QUANTITY_MAX_LEN 64

/* Parse `s` (NUL-terminated) and return the value times `scale` (1 for
 * bytes, 1000 for CPU millis), floored, in *out. */
ag_err provider_quantity_parse(const char *s, uint64_t scale, uint64_t *out);

#endif
