import { readFileSync, statSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ProfileIssue, ProfileSchema } from "../core/index.js";
import { checkFieldNames } from "../core/users/profile.js";

const MAX_SCHEMA_BYTES = 1024 * 1024;
const DRAFT_07 = "http://json-schema.org/draft-07/schema";

/** Why a profile schema file was refused: one line, naming the file. */
export class ProfileSchemaFileError extends Error {
  override readonly name = "ProfileSchemaFileError";
}

/**
 * Reads and compiles `GATEHOUSE_PROFILE_SCHEMA`'s JSON Schema file once, at start, into the
 * Standard Schema the core takes. Draft 2020-12 unless `$schema` names draft-07; strict mode,
 * so a misspelt keyword is an error rather than a check that never runs. Formats `email`,
 * `uri`, `date` and `date-time` are known.
 * @throws ProfileSchemaFileError with one line saying what is wrong.
 */
export function loadProfileSchemaFile(path: string): ProfileSchema {
  const fail = (why: string): never => {
    throw new ProfileSchemaFileError(`GATEHOUSE_PROFILE_SCHEMA ${path}: ${why}`);
  };
  let text = "";
  try {
    if (statSync(path).size > MAX_SCHEMA_BYTES) fail(`larger than ${MAX_SCHEMA_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof ProfileSchemaFileError) throw error;
    fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    fail(`is not JSON (${(error as Error).message})`);
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) fail("must hold a JSON Schema object");
  const document = schema as Record<string, unknown>;
  if (document.type !== "object") fail('the schema must describe an object ("type": "object")');
  const properties = document.properties;
  if (properties !== undefined && (typeof properties !== "object" || properties === null))
    fail('"properties" must be an object');
  try {
    checkFieldNames(Object.keys(properties ?? {}));
  } catch (error) {
    fail((error as Error).message);
  }
  let validate: ValidateFunction;
  try {
    validate = compilerFor(document).compile(document);
  } catch (error) {
    fail(`is not a valid JSON Schema: ${(error as Error).message.split("\n")[0]}`);
  }
  return asStandardSchema(validate!, document);
}

function compilerFor(document: Record<string, unknown>): Ajv {
  const draft07 = typeof document.$schema === "string" && document.$schema.replace(/#$/, "") === DRAFT_07;
  // allErrors: a form shows every field at fault at once; the schema file is the operator's, and bounded.
  const options = { strict: true, allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false };
  const ajv = draft07 ? new Ajv(options) : new Ajv2020(options);
  ajv.addFormat("email", /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  ajv.addFormat("uri", (value: string) => URL.canParse(value) && /^[a-z][a-z0-9+.-]*:/i.test(value));
  ajv.addFormat("date", (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)));
  ajv.addFormat(
    "date-time",
    (value: string) =>
      /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value) &&
      !Number.isNaN(Date.parse(value)),
  );
  return ajv;
}

/** The compiled schema as a Standard Schema (vendor "gatehouse"), with the file as its JSON Schema. */
function asStandardSchema(validate: ValidateFunction, document: Record<string, unknown>): ProfileSchema {
  const jsonSchema = () => structuredClone(document);
  const standard = {
    version: 1 as const,
    vendor: "gatehouse",
    validate: (value: unknown) =>
      validate(value) ? { value: value as Record<string, unknown> } : { issues: (validate.errors ?? []).map(toIssue) },
    jsonSchema: { input: jsonSchema, output: jsonSchema },
  };
  return { "~standard": standard };
}

function toIssue(error: ErrorObject): ProfileIssue {
  const path: Array<string | number> = error.instancePath
    .split("/")
    .slice(1)
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === "required" && params.missingProperty !== undefined) {
    return { path: [...path, params.missingProperty], message: "Field required" };
  }
  if (error.keyword === "additionalProperties" && params.additionalProperty !== undefined) {
    return { path: [...path, params.additionalProperty], message: "Extra inputs are not permitted" };
  }
  return { path, message: error.message ?? "Invalid value" };
}
