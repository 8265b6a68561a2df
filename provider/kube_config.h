/*
 * kube_config.h — how to reach a Kubernetes API server: a kubeconfig file
 * (YAML, parsed with libyaml) or the pod's service account (in-cluster).
 *
 * From a kubeconfig the current-context's cluster and user are taken:
 * cluster.server, certificate-authority(-data), insecure-skip-tls-verify;
 * user.client-certificate(-data), client-key(-data), token, tokenFile.
 * File paths are relative to the kubeconfig's directory. Credentials are
 * read into memory (PEM blobs handed to libcurl) and wiped on clear.
 * Exec plugins and auth providers are not supported (AG_ERR_UNSUPPORTED).
 *
 * Errors: AG_ERR_NOT_FOUND (file, context, cluster or user missing),
 * AG_ERR_DECODE (not YAML, wrong shapes, bad base64), AG_ERR_TOO_LARGE
 * (file above 1 MiB, server URL above 512 bytes), AG_ERR_INVALID_ARG
 * (server not http:// or https://), AG_ERR_UNSUPPORTED.
 */
#ifndef AGORA_PROVIDER_KUBE_CONFIG_H
#define AGORA_PROVIDER_KUBE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define PROVIDER_KUBE_SERVER_MAX 512

typedef struct provider_kube_config {
    char server[PROVIDER_KUBE_SERVER_MAX + 1]; /* "https://host:port", no trailing '/' */
    char *ca_pem;                              /* NULL: the system's CAs */
    size_t ca_len;
    char *cert_pem; /* client certificate, with key_pem; or NULL */
    size_t cert_len;
    char *key_pem;
    size_t key_len;
    char *token;   /* bearer token, NUL-terminated, or NULL */
    bool insecure; /* insecure-skip-tls-verify: true */
} provider_kube_config;

/* Parse the kubeconfig at `path`; *out is cleared first and filled on
 * success (free with provider_kube_config_clear). */
ag_err provider_kube_config_load(provider_kube_config *out, const char *path);

/* Same, from text in memory; `base_dir` resolves relative file paths. */
ag_err provider_kube_config_parse(provider_kube_config *out, const char *text, size_t len,
                                  const char *base_dir);

/* In-cluster: token and ca.crt from `sa_dir` (NULL: the standard
 * /var/run/secrets/kubernetes.io/serviceaccount), server from the
 * KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT environment. */
ag_err provider_kube_config_in_cluster(provider_kube_config *out, const char *sa_dir);

/* Wipe and free the credentials; safe on a zeroed struct. */
void provider_kube_config_clear(provider_kube_config *c);

#endif
