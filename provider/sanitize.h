/*
 * sanitize.h — Kubernetes names and values from chain strings, never trusted.
 *
 * Chain data (service names, images, env names, addresses) is written by
 * tenants and may hold anything. These pure functions either turn it into a
 * string that satisfies Kubernetes' rules (DNS-1123 labels, label values) or
 * refuse it with a reason; none of them allocates.
 */
#ifndef AGORA_PROVIDER_SANITIZE_H
#define AGORA_PROVIDER_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A DNS-1123 label is at most 63 characters; the buffers below include the NUL. */
#define PROVIDER_DNS_LABEL_MAX 63
#define PROVIDER_NAME_CAP      (PROVIDER_DNS_LABEL_MAX + 1)
/* Generated object names append "-np"/"-lb" to a service name: keep room. */
#define PROVIDER_SERVICE_NAME_MAX 50

/*
 * A DNS-1123 label of at most `max` (<= 63) characters for the bytes
 * in[0..len): the input itself when it already is one (lower-case
 * [a-z0-9]([a-z0-9-]*[a-z0-9])?) and fits, otherwise "x-" + the lower-cased
 * input with every other byte turned into '-', cut, + "-" + 8 hex digits of
 * SHA-256(input): distinct hostile inputs cannot collide by sanitising.
 * `out` holds max + 1 bytes. Never fails for max >= 16.
 */
void provider_dns_label(char *out, size_t max, const uint8_t *in, size_t len);

/* True when s is a DNS-1123 label of at most 63 characters. */
bool provider_is_dns_label(const char *s);

/* A Kubernetes label value for in[0..len): the input when it is a valid value
 * ((([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?, <= 63), else "h-" + 16 hex
 * digits of its SHA-256. `out` holds PROVIDER_NAME_CAP bytes. */
void provider_label_value(char out[PROVIDER_NAME_CAP], const uint8_t *in, size_t len);

/*
 * Container image reference check: 1..256 bytes of [A-Za-z0-9._/:@-], first
 * byte alphanumeric, last byte alphanumeric, no "//" or "..", at most one '@'
 * (digest). On false, `why` (cap bytes) says what is wrong.
 */
bool provider_image_ok(const uint8_t *in, size_t len, char *why, size_t cap);

/* Environment variable name: [A-Za-z_][A-Za-z0-9_]*, 1..128 bytes. */
bool provider_env_name_ok(const uint8_t *in, size_t len);

/* Valid UTF-8 without NUL bytes (what JSON and the API server accept). */
bool provider_utf8_ok(const uint8_t *in, size_t len);

#endif
