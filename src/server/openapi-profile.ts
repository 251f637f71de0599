import type { ProfileFields } from "../core/index.js";

type Json = Record<string, unknown>;

const USER_PATHS = ["/users/me", "/user/me", "/users", "/users/{username}"];

/**
 * Shows the profile fields in the OpenAPI document: the user routes' bodies and replies take
 * them beside the built-in fields, but their Fastify schemas leave them open (the core
 * validates them), so the document would otherwise show no field at all. With a JSON Schema
 * (a schema file, or a Standard Schema that can give one) its properties are merged in;
 * without, the open object stays as the document's description of them.
 */
export function addProfileToDocument(document: Json, profile: ProfileFields | null): void {
  const schema = profile?.jsonSchema;
  const properties = schema?.properties;
  if (typeof properties !== "object" || properties === null) return;
  const required = Array.isArray(schema?.required) ? (schema.required as string[]) : [];
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const path of USER_PATHS) {
    for (const [method, operation] of Object.entries(paths[path] ?? {})) {
      const body = jsonSchemaAt(operation.requestBody);
      // A new user's required profile fields are required in its body; a PATCH changes some fields.
      if (body !== null) mergeFields(body, properties as Json, method === "post" ? required : []);
      for (const response of Object.values((operation.responses ?? {}) as Record<string, unknown>)) {
        const reply = jsonSchemaAt(response);
        if (reply === null) continue;
        const items = ((reply.properties as Json | undefined)?.users as Json | undefined)?.items as Json | undefined;
        const user = items ?? reply;
        if ((user.properties as Json | undefined)?.username !== undefined) mergeFields(user, properties as Json, []);
      }
    }
  }
}

function jsonSchemaAt(holder: unknown): Json | null {
  const schema = (holder as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
    "application/json"
  ]?.schema;
  return typeof schema === "object" && schema !== null ? (schema as Json) : null;
}

function mergeFields(target: Json, fields: Json, required: readonly string[]): void {
  if (typeof target.properties !== "object" || target.properties === null) return;
  target.properties = { ...structuredClone(fields), ...(target.properties as Json) };
  if (required.length > 0) target.required = [...new Set([...((target.required as string[]) ?? []), ...required])];
}
