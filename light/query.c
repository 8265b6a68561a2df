/* Verified state queries (query.h). */
#include "light/query.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "light/limits.h"
#include "state/ics23.h"

void light_query_result_free(light_query_result *r)
{
    free(r->value);
    memset(r, 0, sizeof *r);
}

static ag_err refuse(light_fail *why, light_fail f, const char *msg)
{
    *why = f;
    return ag_err_set(AG_ERR_VERIFY, "%s: %s", light_fail_name(f), msg);
}

ag_err light_check_query_proof(const light_query_resp *r, const uint8_t *key, size_t klen,
                               int64_t height, const cons_app_hash *app_hash, light_fail *why)
{
    *why = LIGHT_OK;
    if (r->code != 0)
        return refuse(why, LIGHT_FAIL_QUERY, r->log[0] ? r->log : "the node refused the query");
    if (r->height != height)
        return refuse(why, LIGHT_FAIL_QUERY, "response for another height");
    if (r->key_len != klen || (klen && memcmp(r->key, key, klen) != 0))
        return refuse(why, LIGHT_FAIL_QUERY, "response for another key");
    if (r->n_proof_ops == 0)
        return refuse(why, LIGHT_FAIL_QUERY, "no proof");
    if (r->n_proof_ops != 1 || strcmp(r->proof_type, LIGHT_PROOF_TYPE_SMT) != 0)
        return refuse(why, LIGHT_FAIL_QUERY, "not a single ics23:smt proof op");
    if (r->proof_key_len != klen || (klen && memcmp(r->proof_key, key, klen) != 0))
        return refuse(why, LIGHT_FAIL_QUERY, "proof op for another key");
    if (app_hash->len != CRYPTO_SHA256_LEN)
        return refuse(why, LIGHT_FAIL_PROOF, "app hash is not a 32-byte tree root");
    crypto_hash root;
    memcpy(root.b, app_hash->b, 32);
    ag_err e;
    if (r->value_len > 0)
        e = state_ics23_verify_membership(&root, r->proof, r->proof_len, key, klen, r->value,
                                          r->value_len);
    else
        e = state_ics23_verify_nonmembership(&root, r->proof, r->proof_len, key, klen);
    if (e) {
        char d[AG_ERR_DETAIL_MAX];
        snprintf(d, sizeof d, "%s proof: %s", r->value_len ? "existence" : "non-existence",
                 ag_err_detail());
        return refuse(why, LIGHT_FAIL_PROOF, d);
    }
    return AG_OK;
}

ag_err light_verify_query(light_client *c, const char *path, const uint8_t *key, size_t klen,
                          int64_t height, cons_timestamp now, light_query_result *out,
                          light_fail *why)
{
    memset(out, 0, sizeof *out);
    *why = LIGHT_OK;
    const light_provider *p = light_client_primary(c);
    if (!p->ops->abci_query)
        return ag_err_set(AG_ERR_UNSUPPORTED, "light query: the primary answers no queries");
    if (klen == 0 || klen > LIGHT_QUERY_KEY_MAX || strlen(path) > LIGHT_QUERY_PATH_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "light query: key of %zu bytes", klen);
    light_block hb = {0};
    ag_err e;
    if (height <= 0) {
        e = light_client_verify_to(c, 0, now, &hb, why);
        if (!e && hb.header.height < 2)
            e = ag_err_set(AG_ERR_NOT_FOUND, "light query: no provable state yet");
        height = hb.header.height - 1;
    } else {
        e = light_client_verify_to(c, height + 1, now, &hb, why);
    }
    light_query_resp r = {0};
    if (!e)
        e = p->ops->abci_query(p->ctx, path, key, klen, height, &r);
    if (!e)
        e = light_check_query_proof(&r, key, klen, height, &hb.header.app_hash, why);
    if (!e) {
        out->height = height;
        out->exists = r.value_len > 0;
        memcpy(out->app_hash.b, hb.header.app_hash.b, 32);
        out->value = r.value;
        out->value_len = r.value_len;
        r.value = NULL;
    }
    light_query_resp_free(&r);
    light_block_free(&hb);
    return e;
}
