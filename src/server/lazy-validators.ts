import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifyInstance, FastifySchema } from "fastify";

/**
 * Request validators compiled on a route's first request instead of at start-up. Compiling
 * every route's body, query, params and headers schema with ajv was the largest part of
 * start-up after loading modules; most routes of a given server are never called in its first
 * seconds, and a compile costs a millisecond or two when they are. Options as Fastify's own
 * compiler would use them with the server's settings: nothing coerced, nothing removed (an
 * unknown field is an error), the first error only, the standard formats.
 */
export function installLazyValidators(app: FastifyInstance): void {
  const ajv = new Ajv({
    coerceTypes: false,
    useDefaults: true,
    removeAdditional: false,
    addUsedSchema: false,
    allErrors: false,
  });
  addFormats.default(ajv);
  // One schema object serves several routes (the username parameter, list queries): compile it once.
  const compiled = new WeakMap<object, ValidateFunction>();
  app.setValidatorCompiler(({ schema }: { schema: FastifySchema }) => {
    let validate: ValidateFunction | undefined;
    const lazy = (data: unknown): boolean => {
      if (validate === undefined) {
        validate = compiled.get(schema) ?? ajv.compile(schema);
        compiled.set(schema, validate);
      }
      const valid = validate(data);
      lazy.errors = validate.errors;
      return valid;
    };
    lazy.errors = null as ValidateFunction["errors"];
    return lazy;
  });
}
