import type { FastifyInstance } from "fastify";

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/**
 * A JSON body that names a member twice in one object (`{"scopes":["me"],"scopes":["me","admin"]}`).
 * JSON.parse keeps the last; a proxy, a WAF or the client's own logs may read the first, so the
 * two would disagree about what was asked. Answered 422 like any invalid body, and never quoting
 * a value.
 */
export class DuplicateJsonKeyError extends Error {
  override readonly name = "DuplicateJsonKeyError";
  readonly statusCode = 422;
  /** Where the repeated member is: object keys and array indexes from the body's root. */
  readonly path: ReadonlyArray<string | number>;

  constructor(path: ReadonlyArray<string | number>) {
    super("duplicate key in a JSON object");
    this.path = path;
  }
}

interface Frame {
  /** Keys seen so far in this object; null for an array. */
  keys: Set<string> | null;
  /** The member or index being read, the place of any nested duplicate. */
  at: string | number;
  expectKey: boolean;
}

/**
 * The path of the first member named twice in one object, or null. `text` must be valid JSON
 * (call it after JSON.parse succeeded). One linear pass with an explicit stack, so neither deep
 * nesting nor a large body can exhaust the call stack; keys go into a Set, never onto an object,
 * so `__proto__` is just a string. Escaped spellings count as the same key (`"s\u0075b"` is `sub`).
 */
export function findDuplicateJsonKey(text: string): Array<string | number> | null {
  const stack: Frame[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      let end = index + 1;
      let escaped = false;
      for (let next = text.charCodeAt(end); next !== QUOTE; next = text.charCodeAt(++end)) {
        if (next === BACKSLASH) {
          escaped = true;
          end++;
        }
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = escaped ? (JSON.parse(text.slice(index, end + 1)) as string) : text.slice(index + 1, end);
        if (top.keys.has(key)) return [...stack.slice(0, -1).map((frame) => frame.at), key];
        top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
      index = end;
    } else if (code === OPEN_OBJECT) {
      stack.push({ keys: new Set(), at: "", expectKey: true });
    } else if (code === OPEN_ARRAY) {
      stack.push({ keys: null, at: 0, expectKey: false });
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      stack.pop();
    } else if (code === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.at = (top.at as number) + 1;
    }
  }
  return null;
}

/**
 * Replaces the context's `application/json` parser with Fastify's own (secure-json-parse,
 * refusing `__proto__` and `constructor.prototype`) followed by {@link findDuplicateJsonKey}.
 */
export function installStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  if (app.hasContentTypeParser("application/json")) app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, raw, done) => {
    const body = typeof raw === "string" ? raw : raw.toString("utf8");
    parseJson(request, body, (error, value) => {
      if (error) return done(error, undefined);
      const duplicate = findDuplicateJsonKey(body);
      if (duplicate !== null) return done(new DuplicateJsonKeyError(duplicate), undefined);
      done(null, value);
    });
  });
}
