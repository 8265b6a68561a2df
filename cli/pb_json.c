/* pb_json.c — protobuf-c messages to JSON through their descriptors. */
#include "cli/pb_json.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"

static json_t *u64_json(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, v);
    return json_string(s);
}

static json_t *i64_json(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, v);
    return json_string(s);
}

static json_t *bytes_json(const ProtobufCBinaryData *b)
{
    bool printable = true;
    for (size_t i = 0; i < b->len && printable; i++)
        printable = b->data[i] >= 0x20 && b->data[i] < 0x7f;
    if (printable)
        return json_stringn((const char *)b->data, b->len);
    char *s = malloc(ag_base64_encoded_len(b->len) + 1);
    if (!s)
        return NULL;
    ag_base64_encode(s, b->data, b->len);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* One value of field f stored at p. */
static json_t *value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return i64_json(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return u64_json(*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT:
        return json_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        return ev ? json_string(ev->name) : json_integer(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return json_string(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES:
        return bytes_json((const ProtobufCBinaryData *)p);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        return m ? cli_pb_to_json(m) : json_null();
    }
    }
    return json_null();
}

static size_t value_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        return 4;
    }
}

json_t *cli_pb_to_json(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *)msg;
    json_t *o = json_object();
    for (unsigned i = 0; o && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(const char *const *)p;
            json_t *a = json_array();
            for (size_t k = 0; k < n; k++)
                json_array_append_new(a, value_json(f, arr + k * value_size(f)));
            json_object_set_new(o, f->name, a);
            continue;
        }
        /* A oneof member is only meaningful when the case says it is set
         * (the members share memory). */
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
            f->quantifier_offset && f->type != PROTOBUF_C_TYPE_MESSAGE &&
            f->type != PROTOBUF_C_TYPE_STRING &&
            !*(const protobuf_c_boolean *)(base + f->quantifier_offset))
            continue;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && !*(const ProtobufCMessage *const *)p)
            continue;
        json_object_set_new(o, f->name, value_json(f, p));
    }
    return o;
}

void cli_print_text(FILE *out, const json_t *j, int indent)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        json_object_foreach((json_t *)(uintptr_t)j, k, v)
        {
            if ((json_is_object(v) && json_object_size(v)) ||
                (json_is_array(v) && json_array_size(v))) {
                fprintf(out, "%*s%s:\n", indent, "", k);
                cli_print_text(out, v, indent + 2);
            } else {
                fprintf(out, "%*s%s: ", indent, "", k);
                cli_print_text(out, v, -1);
            }
        }
    } else if (json_is_array(j)) {
        json_array_foreach((json_t *)(uintptr_t)j, i, v)
        {
            if (json_is_object(v) || json_is_array(v)) {
                fprintf(out, "%*s-\n", indent < 0 ? 0 : indent, "");
                cli_print_text(out, v, (indent < 0 ? 0 : indent) + 2);
            } else {
                fprintf(out, "%*s- ", indent < 0 ? 0 : indent, "");
                cli_print_text(out, v, -1);
            }
        }
        if (!json_array_size(j) && indent < 0)
            fprintf(out, "[]\n");
    } else {
        if (indent >= 0)
            fprintf(out, "%*s", indent, "");
        if (json_is_string(j))
            fprintf(out, "%s\n", json_string_value(j));
        else if (json_is_null(j))
            fprintf(out, "null\n");
        else if (json_is_object(j))
            fprintf(out, "{}\n");
        else {
            char *s = json_dumps(j, JSON_ENCODE_ANY);
            fprintf(out, "%s\n", s ? s : "?");
            free(s);
        }
    }
}
