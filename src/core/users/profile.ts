import type { StandardSchemaV1 } from "@standard-schema/spec";
import { GatehouseError } from "../errors.js";

/**
 * A schema for the extra fields a team keeps with each user (an avatar URL, a locale, a
 * department): any Standard Schema, such as a zod or valibot object. Its output is what is stored.
 */
export type ProfileSchema = StandardSchemaV1<Record<string, unknown>, Record<string, unknown>>;

/** One reason a profile was refused: the field's path and a message safe to show. */
export interface ProfileIssue {
  path: ReadonlyArray<string | number>;
  message: string;
}

/** The profile fields a Gatehouse was configured with, as the rest of Gatehouse uses them. */
export interface ProfileFields {
  /** The fields' JSON Schema when the schema can say (for the OpenAPI document); `null` otherwise. */
  readonly jsonSchema: Readonly<Record<string, unknown>> | null;
  /**
   * Validates a whole profile and returns what to store.
   * @throws GatehouseError `validation_failed` with every issue, the first one's field as `field`.
   */
  validate(input: unknown): Promise<Record<string, unknown>>;
}

/**
 * Names a profile field cannot take: the built-in user fields of the wire format (profile
 * fields sit beside them in `/users/me`) and the request fields of the user routes.
 */
export const BUILT_IN_USER_FIELDS: readonly string[] = [
  "username",
  "email",
  "email_verified",
  "full_name",
  "disabled",
  "scopes",
  "mfa_enabled",
  "password",
  "current_password",
  "new_password",
  "hashed_password",
  "profile",
  "created_at",
  "updated_at",
];

/** Most bytes a stored profile may take as JSON. */
export const MAX_PROFILE_BYTES = 8192;
const MAX_DEPTH = 8;
const builtIn = new Set(BUILT_IN_USER_FIELDS);

/**
 * Wraps a profile schema: asks it for its JSON Schema once (Standard JSON Schema, as zod 4
 * offers it) and refuses field names that collide with built-in user fields.
 * @throws TypeError at construction for a value that is no Standard Schema or a colliding field.
 */
export function createProfileFields(schema: ProfileSchema): ProfileFields {
  const standard = (schema as Partial<ProfileSchema> | null)?.["~standard"];
  if (typeof standard?.validate !== "function")
    throw new TypeError("profile must be a Standard Schema (a zod or valibot object schema, say)");
  const jsonSchema = jsonSchemaOf(standard);
  const declared = jsonSchema?.properties;
  if (typeof declared === "object" && declared !== null) checkFieldNames(Object.keys(declared));
  return {
    jsonSchema,
    async validate(input) {
      const result = await standard.validate(input);
      if (result.issues !== undefined) throw profileError(result.issues.map(toProfileIssue));
      return checkStoredProfile(result.value);
    },
  };
}

/**
 * Checks field names against the built-in ones.
 * @throws TypeError naming the first collision.
 */
export function checkFieldNames(names: readonly string[]): void {
  for (const name of names) {
    if (builtIn.has(name))
      throw new TypeError(`the profile field ${name} collides with the built-in user field of that name`);
  }
}

/** Splits a request body into its built-in fields and its profile fields (everything else). */
export function profileFieldsOf(body: object): Record<string, unknown> {
  const profile: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!builtIn.has(name) && name !== "__proto__") profile[name] = value;
  }
  return profile;
}

/**
 * What a partial update makes of a stored profile (RFC 7396 merge patch): the given fields
 * replace the stored ones, a `null` removes one.
 */
export function mergeProfile(
  stored: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** The schema's output as it may be stored: a plain JSON object, no built-in names, bounded. */
function checkStoredProfile(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw profileError([{ path: [], message: "the profile must be an object" }]);
  const profile = value as Record<string, unknown>;
  for (const [name, field] of Object.entries(profile)) {
    if (builtIn.has(name)) throw profileError([{ path: [name], message: `${name} is a built-in field` }]);
    if (!isJson(field, 0)) throw profileError([{ path: [name], message: "must be a JSON value" }]);
  }
  if (Buffer.byteLength(JSON.stringify(profile)) > MAX_PROFILE_BYTES)
    throw profileError([{ path: [], message: `the profile must be at most ${MAX_PROFILE_BYTES} bytes of JSON` }]);
  return profile;
}

function profileError(issues: ProfileIssue[]): GatehouseError {
  const first = issues[0];
  const field = first?.path[0];
  return new GatehouseError("validation_failed", first?.message ?? "invalid profile", {
    ...(field === undefined ? {} : { field: String(field) }),
    issues,
  });
}

function toProfileIssue(issue: StandardSchemaV1.Issue): ProfileIssue {
  const path = (issue.path ?? []).map((segment) => {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    return typeof key === "number" ? key : String(key);
  });
  return { path, message: issue.message };
}

function jsonSchemaOf(standard: StandardSchemaV1.Props): Record<string, unknown> | null {
  const converter = (standard as { jsonSchema?: { input?: (options: { target: string }) => unknown } }).jsonSchema;
  if (typeof converter?.input !== "function") return null;
  try {
    const schema = converter.input({ target: "draft-2020-12" });
    return typeof schema === "object" && schema !== null ? (schema as Record<string, unknown>) : null;
  } catch {
    // Some schemas cannot be expressed as JSON Schema (transforms): the document shows a generic object.
    return null;
  }
}

function isJson(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === "boolean") return true;
  // PostgreSQL's jsonb cannot hold U+0000: refused here, for every store alike.
  if (typeof value === "string") return !value.includes("\u0000");
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.entries(value).every(([key, item]) => !key.includes("\u0000") && isJson(item, depth + 1));
}
