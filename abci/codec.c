/* codec.c — Request/Response decoding on a budgeted arena, names, exceptions. */
#include "abci/codec.h"

#include <stdbool.h>
#include <string.h>

#include "abci/limits.h"

typedef struct {
    const char *name;
    Tendermint__Abci__Response__ValueCase resp;
} req_info;

/* Indexed by the Request oneof field number. */
static const req_info req_table[] = {
#define REQ_ROW_(m, M, C)                                                                          \
    [TENDERMINT__ABCI__REQUEST__VALUE_##C] = {#M, TENDERMINT__ABCI__RESPONSE__VALUE_##C},
    ABCI_ALL_METHODS(REQ_ROW_)
#undef REQ_ROW_
};

/* Indexed by the Response oneof field number. */
static const char *const resp_names[] = {[TENDERMINT__ABCI__RESPONSE__VALUE_EXCEPTION] =
                                             "Exception",
#define RESP_ROW_(m, M, C) [TENDERMINT__ABCI__RESPONSE__VALUE_##C] = #M,
                                         ABCI_ALL_METHODS(RESP_ROW_)
#undef RESP_ROW_
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *abci_request_name(Tendermint__Abci__Request__ValueCase c)
{
    if (c == TENDERMINT__ABCI__REQUEST__VALUE__NOT_SET)
        return "none";
    if ((unsigned)c >= COUNT(req_table) || !req_table[c].name)
        return "unknown";
    return req_table[c].name;
}

const char *abci_response_name(Tendermint__Abci__Response__ValueCase c)
{
    if (c == TENDERMINT__ABCI__RESPONSE__VALUE__NOT_SET)
        return "none";
    if ((unsigned)c >= COUNT(resp_names) || !resp_names[c])
        return "unknown";
    return resp_names[c];
}

Tendermint__Abci__Response__ValueCase abci_response_case_for(Tendermint__Abci__Request__ValueCase c)
{
    if ((unsigned)c >= COUNT(req_table) || !req_table[c].name)
        return TENDERMINT__ABCI__RESPONSE__VALUE__NOT_SET;
    return req_table[c].resp;
}

/*
 * protobuf-c keeps fields it does not know, and accepts a non-minimally
 * encoded field number 0, which protobuf forbids and which its own encoder
 * then cannot round-trip. Refuse it anywhere in the tree. The schema is not
 * recursive, so the depth is bounded by it.
 */
static bool field_numbers_valid(const ProtobufCMessage *m)
{
    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        if (m->unknown_fields[i].tag == 0)
            return false;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(const void *)(base + f->quantifier_offset);
            ProtobufCMessage *const *arr =
                *(ProtobufCMessage *const *const *)(const void *)(base + f->offset);
            for (size_t k = 0; k < n; k++)
                if (arr[k] && !field_numbers_valid(arr[k]))
                    return false;
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(const void *)(base + f->quantifier_offset) != f->id)
            continue;
        const ProtobufCMessage *sub =
            *(const ProtobufCMessage *const *)(const void *)(base + f->offset);
        if (sub && !field_numbers_valid(sub))
            return false;
    }
    return true;
}

/* Unpack under the decode budget; returns NULL with the detail set. */
static ProtobufCMessage *unpack(abci_arena *arena, const ProtobufCMessageDescriptor *desc,
                                const uint8_t *in, size_t len)
{
    size_t budget = len > (SIZE_MAX - ABCI_DECODE_BASE) / ABCI_DECODE_PER_BYTE
                        ? SIZE_MAX
                        : ABCI_DECODE_BASE + ABCI_DECODE_PER_BYTE * len;
    abci_arena_limit(arena, budget);
    ag_err_clear();
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, abci_arena_protobuf(arena), len, in);
    abci_arena_unlimit(arena);
    if (msg && !field_numbers_valid(msg)) {
        ag_err_set(AG_ERR_DECODE, "protobuf: malformed %s: field number 0", desc->name);
        return NULL;
    }
    if (!msg) {
        /* The arena left a detail if it refused memory; otherwise the bytes were bad. */
        if (strstr(ag_err_detail(), "bytes of memory"))
            ag_err_set(AG_ERR_TOO_LARGE, "abci: decoding a %zu-byte %s needs more than %zu bytes",
                       len, desc->short_name, budget);
        else
            ag_err_from_protobuf_c(desc->name);
    }
    return msg;
}

/* The field number of the first unknown field, for the error detail. */
static unsigned first_unknown_tag(const ProtobufCMessage *m)
{
    return m->n_unknown_fields ? m->unknown_fields[0].tag : 0;
}

ag_err abci_request_decode(abci_arena *arena, const uint8_t *in, size_t len, abci_request **out)
{
    *out = NULL;
    ProtobufCMessage *m = unpack(arena, &tendermint__abci__request__descriptor, in, len);
    if (!m)
        return strstr(ag_err_detail(), "needs more than") ? AG_ERR_TOO_LARGE : AG_ERR_DECODE;
    abci_request *req = (abci_request *)m;
    if (req->value_case == TENDERMINT__ABCI__REQUEST__VALUE__NOT_SET) {
        if (m->n_unknown_fields)
            return ag_err_set(AG_ERR_UNSUPPORTED,
                              "abci: unknown request type (Request field %u) in a %zu-byte message",
                              first_unknown_tag(m), len);
        return ag_err_set(AG_ERR_DECODE, "abci: empty Request (%zu bytes, no request in it)", len);
    }
    *out = req;
    return AG_OK;
}

ag_err abci_response_decode(abci_arena *arena, const uint8_t *in, size_t len, abci_response **out)
{
    *out = NULL;
    ProtobufCMessage *m = unpack(arena, &tendermint__abci__response__descriptor, in, len);
    if (!m)
        return strstr(ag_err_detail(), "needs more than") ? AG_ERR_TOO_LARGE : AG_ERR_DECODE;
    abci_response *resp = (abci_response *)m;
    if (resp->value_case == TENDERMINT__ABCI__RESPONSE__VALUE__NOT_SET) {
        if (m->n_unknown_fields)
            return ag_err_set(AG_ERR_UNSUPPORTED,
                              "abci: unknown response type (Response field %u) in a %zu-byte "
                              "message",
                              first_unknown_tag(m), len);
        return ag_err_set(AG_ERR_DECODE, "abci: empty Response (%zu bytes)", len);
    }
    *out = resp;
    return AG_OK;
}

void abci_exception_fill(abci_arena *arena, abci_response *resp, const char *method, ag_err err)
{
    static char nomem_text[] = "AG_ERR_NOMEM: abci: no memory to describe an application error";
    static Tendermint__Abci__ResponseException fallback = {
        PROTOBUF_C_MESSAGE_INIT(&tendermint__abci__response_exception__descriptor), nomem_text};
    Tendermint__Abci__ResponseException *ex = abci_arena_alloc(arena, sizeof *ex);
    char *text = NULL;
    if (ex) {
        tendermint__abci__response_exception__init(ex);
        text = abci_arena_printf(arena, "%s: %s: %s", ag_err_name(err), method, ag_err_detail());
    }
    if (!ex || !text)
        ex = &fallback;
    else
        ex->error = text;
    tendermint__abci__response__init(resp);
    resp->value_case = TENDERMINT__ABCI__RESPONSE__VALUE_EXCEPTION;
    resp->exception = ex;
}

ag_err abci_exception_error(const char *method, const char *text)
{
    if (!text)
        text = "";
    ag_err code = AG_ERR_STATE;
    for (int e = 1; e < AG_ERR__COUNT; e++) {
        const char *name = ag_err_name((ag_err)e);
        size_t n = strlen(name);
        if (strncmp(text, name, n) == 0 && text[n] == ':') {
            code = (ag_err)e;
            break;
        }
    }
    return ag_err_set(code, "abci: %s failed in the application: %s", method, text);
}
