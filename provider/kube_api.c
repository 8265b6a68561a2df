#include "provider/kube_internal.h"

ag_err provider_kube_api_open(provider_kube **out, const provider_kube_opts *o)
{
    (void)o;
    *out = NULL;
    return ag_err_set(AG_ERR_UNSUPPORTED,
                      "provider: the Kubernetes API sink is not in this commit yet");
}
