/*
 * pb_json.h — any protobuf-c message as JSON (for `agora query` output),
 * by walking its descriptor: field names as in the .proto, 64-bit integers
 * as decimal strings (as Cosmos and CometBFT print them), enums by name,
 * bytes as a string when they are printable ASCII (the market stores
 * addresses, denoms and amounts that way), base64 otherwise. Unset
 * sub-messages are left out. And JSON as indented "key: value" text.
 */
#ifndef AGORA_CLI_PB_JSON_H
#define AGORA_CLI_PB_JSON_H
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>

/* A new JSON object (NULL when out of memory). */
json_t *cli_pb_to_json(const ProtobufCMessage *msg);

/* Print j as indented text: objects as "key: value" lines, arrays as "- ". */
void cli_print_text(FILE *out, const json_t *j, int indent);

#endif
