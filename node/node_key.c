/* node_key.c — node_key.json and node IDs. */
#include "node/node_key.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "crypto/address.h"
#include "genesis/json.h"
#include "lib/base64.h"
#include "lib/wipe.h"

void node_id_from_pubkey(char out[NODE_ID_LEN + 1], const crypto_pubkey *pub)
{
    crypto_address a;
    crypto_address_from_pubkey(&a, pub);
    crypto_address_to_hex(out, &a);
    for (int i = 0; i < NODE_ID_LEN; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
}

static ag_err complete(node_key *k)
{
    ag_err err = crypto_pubkey_from_privkey(&k->pub, &k->priv);
    if (err == AG_OK)
        node_id_from_pubkey(k->id, &k->pub);
    return err;
}

ag_err node_key_generate(node_key *out)
{
    memset(out, 0, sizeof *out);
    ag_err err = crypto_privkey_generate(&out->priv);
    if (err == AG_OK)
        err = complete(out);
    if (err != AG_OK)
        node_key_wipe(out);
    return err;
}

ag_err node_key_load(node_key *out, const char *path)
{
    memset(out, 0, sizeof *out);
    json_t *j;
    ag_err err = genesis_json_load_file(&j, path, 4096);
    if (err != AG_OK)
        return err;
    err = genesis_json_get_privkey(j, "priv_key", &out->priv);
    json_decref(j);
    if (err == AG_OK)
        err = complete(out);
    if (err != AG_OK) {
        char detail[AG_ERR_DETAIL_MAX];
        memcpy(detail, ag_err_detail(), sizeof detail);
        detail[sizeof detail - 1] = '\0';
        node_key_wipe(out);
        return ag_err_set(err, "%s: %s", path, detail);
    }
    return AG_OK;
}

ag_err node_key_save(const node_key *key, const char *path)
{
    /* Built by hand rather than through jansson so every copy of the secret
     * text is wiped. */
    char b64[48], text[160];
    ag_base64_encode(b64, key->priv.b, CRYPTO_PRIVKEY_LEN);
    int n = snprintf(text, sizeof text,
                     "{\n  \"priv_key\": {\n    \"type\": \"%s\",\n    \"value\": \"%s\"\n  }\n}\n",
                     GENESIS_PRIVKEY_TYPE_SECP256K1, b64);
    ag_err err = genesis_json_save_text(text, (size_t)n, path, 0600);
    ag_wipe(b64, sizeof b64);
    ag_wipe(text, sizeof text);
    return err;
}

void node_key_wipe(node_key *key)
{
    ag_wipe(key, sizeof *key);
}
