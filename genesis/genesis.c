/* genesis.c — genesis.json: parse, validate, write. */
#include "genesis/genesis.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genesis/json.h"
#include "lib/hex.h"
#include "lib/rfc3339.h"

#define NS_PER_SECOND 1000000000LL

ag_err genesis_doc_init(genesis_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    doc->initial_height = 1;
    cons_params_default(&doc->params);
    doc->app_state = strdup("{}");
    if (!doc->app_state)
        return ag_err_set(AG_ERR_NOMEM, "genesis app_state");
    return AG_OK;
}

void genesis_doc_free(genesis_doc *doc)
{
    free(doc->validators);
    free(doc->app_state);
    memset(doc, 0, sizeof *doc);
}

ag_err genesis_doc_add_validator(genesis_doc *doc, const crypto_pubkey *pub, int64_t power,
                                 const char *name)
{
    if (power <= 0 || power > CONS_TOTAL_VOTING_POWER_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "genesis validator power %lld out of range",
                          (long long)power);
    if (name && strlen(name) > GENESIS_VALIDATOR_NAME_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "genesis validator name longer than %d bytes",
                          GENESIS_VALIDATOR_NAME_MAX);
    if (doc->n_validators >= CONS_VALIDATORS_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "genesis: more than %d validators",
                          CONS_VALIDATORS_MAX);
    for (size_t i = 0; i < doc->n_validators; i++)
        if (memcmp(doc->validators[i].pub_key.b, pub->b, CRYPTO_PUBKEY_LEN) == 0)
            return ag_err_set(AG_ERR_EXISTS, "genesis: validator %zu has the same key", i);
    genesis_validator *v = realloc(doc->validators, (doc->n_validators + 1) * sizeof *v);
    if (!v)
        return ag_err_set(AG_ERR_NOMEM, "genesis validators");
    doc->validators = v;
    genesis_validator *nv = &v[doc->n_validators++];
    memset(nv, 0, sizeof *nv);
    nv->pub_key = *pub;
    crypto_address_from_pubkey(&nv->address, pub);
    nv->power = power;
    if (name)
        strcpy(nv->name, name);
    return AG_OK;
}

ag_err genesis_doc_set_app_state(genesis_doc *doc, const char *json, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return ag_err_set(AG_ERR_DECODE, "genesis app_state must be a JSON object");
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!text)
        return ag_err_set(AG_ERR_NOMEM, "genesis app_state");
    free(doc->app_state);
    doc->app_state = text;
    return AG_OK;
}

ag_err genesis_doc_validate(const genesis_doc *doc)
{
    size_t chain_len = strnlen(doc->chain_id, sizeof doc->chain_id);
    if (chain_len == 0 || chain_len > CONS_CHAIN_ID_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "genesis: chain_id must be 1..%d bytes",
                          CONS_CHAIN_ID_MAX);
    if (doc->initial_height < 1)
        return ag_err_set(AG_ERR_INVALID_ARG, "genesis: initial_height must be >= 1");
    char t[AG_RFC3339_MAX];
    if (ag_rfc3339_format(t, doc->time_seconds, doc->time_nanos) != AG_OK)
        return ag_err_set(AG_ERR_INVALID_ARG, "genesis: genesis_time outside years 1..9999");
    ag_err err = cons_params_validate(&doc->params);
    if (err != AG_OK)
        return err;
    if (doc->app_hash_len > CONS_APP_HASH_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "genesis: app_hash longer than %d bytes",
                          CONS_APP_HASH_MAX);
    int64_t total = 0;
    for (size_t i = 0; i < doc->n_validators; i++) {
        const genesis_validator *v = &doc->validators[i];
        crypto_address a;
        crypto_address_from_pubkey(&a, &v->pub_key);
        if (!crypto_address_equal(&a, &v->address))
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "genesis: validator %zu address does not match its key", i);
        if (v->power <= 0)
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "genesis: validator %zu has no voting power (CometBFT refuses "
                              "zero-power genesis validators)",
                              i);
        if (v->power > CONS_TOTAL_VOTING_POWER_MAX - total)
            return ag_err_set(AG_ERR_OVERFLOW, "genesis: total voting power above %lld",
                              (long long)CONS_TOTAL_VOTING_POWER_MAX);
        total += v->power;
        for (size_t j = 0; j < i; j++)
            if (crypto_address_equal(&doc->validators[j].address, &v->address))
                return ag_err_set(AG_ERR_INVALID_ARG,
                                  "genesis: validators %zu and %zu are the "
                                  "same key",
                                  j, i);
    }
    if (!doc->app_state)
        return ag_err_set(AG_ERR_INVALID_ARG, "genesis: app_state missing");
    return AG_OK;
}

/* consensus_params: each group optional, defaults for the rest. */
static ag_err parse_params(cons_params *p, const json_t *cp)
{
    cons_params_default(p);
    if (!cp || json_is_null(cp))
        return AG_OK;
    if (!json_is_object(cp))
        return ag_err_set(AG_ERR_DECODE, "genesis: consensus_params must be an object");
    ag_err err = AG_OK;
    const json_t *g;
    if ((g = json_object_get(cp, "block")) != NULL) {
        if ((err = genesis_json_get_int64(g, "max_bytes", true, &p->block_max_bytes)) ||
            (err = genesis_json_get_int64(g, "max_gas", true, &p->block_max_gas)))
            return err;
    }
    if ((g = json_object_get(cp, "evidence")) != NULL) {
        if ((err = genesis_json_get_int64(g, "max_age_num_blocks", true,
                                          &p->evidence_max_age_num_blocks)) ||
            (err = genesis_json_get_int64(g, "max_age_duration", true, &p->evidence_max_age_ns)) ||
            (err = genesis_json_get_int64(g, "max_bytes", true, &p->evidence_max_bytes)))
            return err;
    }
    if ((g = json_object_get(cp, "validator")) != NULL) {
        const json_t *types = json_object_get(g, "pub_key_types");
        if (!json_is_array(types) || json_array_size(types) == 0 ||
            json_array_size(types) > CONS_PARAMS_KEY_TYPES_MAX)
            return ag_err_set(AG_ERR_DECODE,
                              "genesis: validator.pub_key_types must list 1..%d key types",
                              CONS_PARAMS_KEY_TYPES_MAX);
        memset(p->pub_key_types, 0, sizeof p->pub_key_types);
        p->n_pub_key_types = (uint32_t)json_array_size(types);
        for (size_t i = 0; i < json_array_size(types); i++) {
            const char *t = json_string_value(json_array_get(types, i));
            if (!t || strlen(t) >= CONS_PARAMS_KEY_TYPE_LEN)
                return ag_err_set(AG_ERR_DECODE, "genesis: bad validator key type %zu", i);
            strcpy(p->pub_key_types[i], t);
        }
    }
    if ((g = json_object_get(cp, "version")) != NULL) {
        int64_t app = 0;
        if ((err = genesis_json_get_int64(g, "app", false, &app)))
            return err;
        if (app < 0)
            return ag_err_set(AG_ERR_DECODE, "genesis: version.app is negative");
        p->version_app = (uint64_t)app;
    }
    if ((g = json_object_get(cp, "abci")) != NULL) {
        if ((err = genesis_json_get_int64(g, "vote_extensions_enable_height", false,
                                          &p->vote_extensions_enable_height)))
            return err;
    }
    return AG_OK;
}

/* Return err with "genesis: <what>[i]: " before its detail. */
static ag_err with_index(ag_err err, const char *what, size_t i)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    return ag_err_set(err, "genesis: %s[%zu]: %s", what, i, detail);
}

static ag_err parse_validator(genesis_doc *doc, const json_t *v, size_t i)
{
    if (!json_is_object(v))
        return ag_err_set(AG_ERR_DECODE, "genesis: validators[%zu] must be an object", i);
    crypto_pubkey pub;
    int64_t power = 0;
    char name[GENESIS_VALIDATOR_NAME_MAX + 1] = "";
    char addr_hex[2 * CRYPTO_ADDRESS_LEN + 1] = "";
    ag_err err;
    if ((err = genesis_json_get_pubkey(v, "pub_key", &pub)) ||
        (err = genesis_json_get_int64(v, "power", true, &power)) ||
        (err = genesis_json_get_string(v, "name", false, name, GENESIS_VALIDATOR_NAME_MAX)) ||
        (err = genesis_json_get_string(v, "address", false, addr_hex, 2 * CRYPTO_ADDRESS_LEN)))
        return with_index(err, "validators", i);
    if (power <= 0)
        return ag_err_set(AG_ERR_DECODE, "genesis: validators[%zu] power must be positive", i);
    err = genesis_doc_add_validator(doc, &pub, power, name);
    if (err != AG_OK)
        return err;
    if (addr_hex[0]) {
        crypto_address given;
        if (ag_hex_decode_exact(given.b, CRYPTO_ADDRESS_LEN, addr_hex) != AG_OK ||
            !crypto_address_equal(&given, &doc->validators[doc->n_validators - 1].address))
            return ag_err_set(AG_ERR_DECODE,
                              "genesis: validators[%zu] address does not match its pub_key", i);
    }
    return AG_OK;
}

ag_err genesis_doc_parse(genesis_doc *doc, const char *in, size_t len)
{
    ag_err err = genesis_doc_init(doc);
    if (err != AG_OK)
        return err;
    json_error_t je;
    json_t *root = NULL;
    if (len > GENESIS_FILE_MAX) {
        err = ag_err_set(AG_ERR_TOO_LARGE, "genesis: %zu bytes (max %u)", len, GENESIS_FILE_MAX);
        goto fail;
    }
    root = json_loadb(in, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        err = ag_err_set(AG_ERR_DECODE, "genesis:%d:%d: %s", je.line, je.column, je.text);
        goto fail;
    }
    if (!json_is_object(root)) {
        err = ag_err_set(AG_ERR_DECODE, "genesis: the document must be a JSON object");
        goto fail;
    }
    char time_text[64];
    if ((err = genesis_json_get_string(root, "genesis_time", true, time_text,
                                       sizeof time_text - 1)) ||
        (err = ag_rfc3339_parse(time_text, strlen(time_text), &doc->time_seconds,
                                &doc->time_nanos)) ||
        (err = genesis_json_get_string(root, "chain_id", true, doc->chain_id, CONS_CHAIN_ID_MAX)) ||
        (err = genesis_json_get_int64(root, "initial_height", false, &doc->initial_height)))
        goto fail;
    if (doc->initial_height == 0)
        doc->initial_height = 1; /* CometBFT: 0 means "start at 1" */
    if ((err = parse_params(&doc->params, json_object_get(root, "consensus_params"))))
        goto fail;
    const json_t *vals = json_object_get(root, "validators");
    if (vals && !json_is_null(vals)) {
        if (!json_is_array(vals)) {
            err = ag_err_set(AG_ERR_DECODE, "genesis: validators must be an array");
            goto fail;
        }
        for (size_t i = 0; i < json_array_size(vals); i++)
            if ((err = parse_validator(doc, json_array_get(vals, i), i)))
                goto fail;
    }
    char hash_hex[2 * CONS_APP_HASH_MAX + 1] = "";
    if ((err = genesis_json_get_string(root, "app_hash", false, hash_hex, 2 * CONS_APP_HASH_MAX)))
        goto fail;
    if (ag_hex_decode(doc->app_hash, sizeof doc->app_hash, &doc->app_hash_len, hash_hex,
                      strlen(hash_hex)) != AG_OK) {
        err = ag_err_set(AG_ERR_DECODE, "genesis: app_hash is not hex");
        goto fail;
    }
    const json_t *state = json_object_get(root, "app_state");
    if (state && !json_is_null(state)) {
        if (!json_is_object(state)) {
            err = ag_err_set(AG_ERR_DECODE, "genesis: app_state must be a JSON object");
            goto fail;
        }
        char *text = json_dumps(state, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!text) {
            err = ag_err_set(AG_ERR_NOMEM, "genesis app_state");
            goto fail;
        }
        free(doc->app_state);
        doc->app_state = text;
    }
    json_decref(root);
    root = NULL;
    if ((err = genesis_doc_validate(doc)))
        goto fail;
    return AG_OK;
fail:
    json_decref(root);
    genesis_doc_free(doc);
    return err;
}

ag_err genesis_doc_load(genesis_doc *doc, const char *path)
{
    memset(doc, 0, sizeof *doc);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ag_err_from_errno(errno, path);
    ag_err err = AG_OK;
    char *text = NULL;
    size_t len = 0;
    if (fseek(f, 0, SEEK_END) != 0) {
        err = ag_err_from_errno(errno, path);
    } else {
        long size = ftell(f);
        if (size < 0)
            err = ag_err_from_errno(errno, path);
        else if ((unsigned long)size > GENESIS_FILE_MAX)
            err = ag_err_set(AG_ERR_TOO_LARGE, "%s: %ld bytes (max %u)", path, size,
                             GENESIS_FILE_MAX);
        else if (!(text = malloc((size_t)size + 1)))
            err = ag_err_set(AG_ERR_NOMEM, "%s", path);
        else {
            rewind(f);
            len = fread(text, 1, (size_t)size, f);
            if (len != (size_t)size)
                err = ag_err_set(AG_ERR_IO, "%s: short read", path);
        }
    }
    fclose(f);
    if (err == AG_OK)
        err = genesis_doc_parse(doc, text, len);
    if (err != AG_OK) {
        char detail[AG_ERR_DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", ag_err_detail());
        err = ag_err_set(err, "%s: %s", path, detail);
    }
    free(text);
    return err;
}

static json_t *params_json(const cons_params *p)
{
    json_t *types = json_array();
    for (uint32_t i = 0; i < p->n_pub_key_types; i++)
        json_array_append_new(types, json_string(p->pub_key_types[i]));
    return json_pack(
        "{s:{s:o, s:o}, s:{s:o, s:o, s:o}, s:{s:o}, s:{s:o}, s:{s:o}}", "block", "max_bytes",
        genesis_json_int64(p->block_max_bytes), "max_gas", genesis_json_int64(p->block_max_gas),
        "evidence", "max_age_num_blocks", genesis_json_int64(p->evidence_max_age_num_blocks),
        "max_age_duration", genesis_json_int64(p->evidence_max_age_ns), "max_bytes",
        genesis_json_int64(p->evidence_max_bytes), "validator", "pub_key_types", types, "version",
        "app", genesis_json_int64((int64_t)p->version_app), "abci", "vote_extensions_enable_height",
        genesis_json_int64(p->vote_extensions_enable_height));
}

static json_t *doc_json(const genesis_doc *doc)
{
    char t[AG_RFC3339_MAX];
    if (ag_rfc3339_format(t, doc->time_seconds, doc->time_nanos) != AG_OK)
        return NULL;
    json_t *vals = json_array();
    for (size_t i = 0; vals && i < doc->n_validators; i++) {
        const genesis_validator *v = &doc->validators[i];
        char addr[2 * CRYPTO_ADDRESS_LEN + 1];
        crypto_address_to_hex(addr, &v->address);
        json_array_append_new(vals, json_pack("{s:s, s:o, s:o, s:s}", "address", addr, "pub_key",
                                              genesis_json_pubkey(&v->pub_key), "power",
                                              genesis_json_int64(v->power), "name", v->name));
    }
    char hash[2 * CONS_APP_HASH_MAX + 1];
    ag_hex_encode(hash, doc->app_hash, doc->app_hash_len, true);
    json_error_t je;
    json_t *state = json_loads(doc->app_state, JSON_REJECT_DUPLICATES, &je);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o}", "genesis_time", t, "chain_id",
                     doc->chain_id, "initial_height", genesis_json_int64(doc->initial_height),
                     "consensus_params", params_json(&doc->params), "validators", vals, "app_hash",
                     hash, "app_state", state);
}

ag_err genesis_doc_to_json(const genesis_doc *doc, char **out)
{
    *out = NULL;
    ag_err err = genesis_doc_validate(doc);
    if (err != AG_OK)
        return err;
    json_t *j = doc_json(doc);
    if (!j)
        return ag_err_set(AG_ERR_NOMEM, "genesis JSON");
    *out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    return *out ? AG_OK : ag_err_set(AG_ERR_NOMEM, "genesis JSON");
}

ag_err genesis_doc_save(const genesis_doc *doc, const char *path)
{
    ag_err err = genesis_doc_validate(doc);
    if (err != AG_OK)
        return err;
    json_t *j = doc_json(doc);
    if (!j)
        return ag_err_set(AG_ERR_NOMEM, "genesis JSON");
    err = genesis_json_save_file(j, path, 0644);
    json_decref(j);
    return err;
}

ag_err genesis_doc_valset(const genesis_doc *doc, cons_valset *out)
{
    memset(out, 0, sizeof *out);
    if (doc->n_validators == 0)
        return ag_err_set(AG_ERR_STATE, "genesis has no validators");
    cons_validator *vals = calloc(doc->n_validators, sizeof *vals);
    if (!vals)
        return ag_err_set(AG_ERR_NOMEM, "genesis validator set");
    for (size_t i = 0; i < doc->n_validators; i++)
        cons_validator_init(&vals[i], &doc->validators[i].pub_key, doc->validators[i].power);
    ag_err err = cons_valset_new(out, vals, doc->n_validators);
    free(vals);
    return err;
}
