import fc from "fast-check";
import type { FuzzRequest, FuzzTarget } from "./fuzz-harness.js";

/** Strings that have broken parsers before: encodings, escapes, confusables, sizes. */
const NASTY_STRINGS = [
  "",
  " ",
  "%",
  "%zz",
  "%00",
  "%C0%AF",
  "%E2%80%AE",
  "+",
  "&",
  "=",
  "\u0000",
  "\t\r\n",
  "\ud800",
  "\u202e",
  "\u200b",
  "johndoe",
  "JOHNDOE",
  "ｊｏｈｎｄｏｅ",
  "johndoe\u200b",
  "johndoe ",
  "root",
  "alice",
  "../../etc/passwd",
  "' OR '1'='1' --",
  "__proto__",
  "constructor",
  "null",
  "[]",
  "{}",
  "😀".repeat(300),
  "a".repeat(1025),
  "a".repeat(20_000),
];

/** Any string: ASCII, full Unicode (lone surrogates too), or a known troublemaker. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(...NASTY_STRINGS),
);

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const latin1 = fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code));

/** A header value Node's parser would let through (visible ASCII, latin-1, tabs). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: printable, maxLength: 60 }),
  fc.string({ unit: fc.oneof(printable, latin1, fc.constant("\t")), maxLength: 30 }),
  fc.constant("x".repeat(9000)),
);

/** A client address, so throttling spreads over many clients as it would in an attack. */
export const remoteAddress: fc.Arbitrary<string> = fc.ipV4();

/** Content types a client might send, right, wrong, and malformed. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/x-www-form-urlencoded") },
  fc.constant("application/x-www-form-urlencoded; charset=utf-8"),
  fc.constant("APPLICATION/X-WWW-FORM-URLENCODED;charset=ISO-8859-1"),
  fc.constant("application/json"),
  fc.constant("application/json; charset=utf-16"),
  fc.constant("text/plain"),
  fc.constant("multipart/form-data; boundary=xyz"),
  fc.constant(";;;"),
  fc.constant(undefined),
  headerValue,
);

/** An Authorization header: none, the real tokens, and every kind of junk. */
export function authorization(tokens: FuzzTarget["tokens"]): fc.Arbitrary<string | undefined> {
  const tokenValue = fc.oneof(fc.constant(tokens.me), fc.constant(tokens.admin));
  return fc.oneof(
    fc.constant(undefined),
    { weight: 4, arbitrary: tokenValue.map((token) => `Bearer ${token}`) },
    tokenValue.map((token) => `bearer   ${token}`),
    tokenValue.map((token) => `Bearer ${token.slice(0, -2)}`),
    tokenValue.map((token) => `Basic ${token}`),
    fc.constantFrom("Bearer", "Bearer ", "Basic Og==", "Basic", "Basic !!!", "Digest x", "Bearer a.b.c"),
    fc.string({ unit: printable, maxLength: 40 }).map((value) => `Basic ${Buffer.from(value).toString("base64")}`),
    headerValue.map((value) => `Bearer ${value}`),
    headerValue,
  );
}

/**
 * A form body built from a template: each field kept, dropped, replaced or given twice, some
 * junk fields added, encoded properly or raw; or something that is not a form at all.
 */
export function formBody(template: Record<string, string>): fc.Arbitrary<string> {
  const variants = Object.entries(template).map(([name, value]) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant([[name, value]]) },
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 2, arbitrary: anyText.map((other) => [[name, other]]) },
      {
        weight: 1,
        arbitrary: anyText.map((other) => [
          [name, value],
          [name, other],
        ]),
      },
    ),
  );
  const junk = fc.array(fc.tuple(anyText, anyText), { maxLength: 3 });
  const form = fc
    .tuple(fc.tuple(...variants), junk, fc.boolean())
    .map(([fields, extra, raw]) =>
      [...fields.flat(), ...extra]
        .map(([name, value]) =>
          raw ? `${name}=${value}` : `${encodeURIComponent(safe(name ?? ""))}=${encodeURIComponent(safe(value ?? ""))}`,
        )
        .join("&"),
    );
  return fc.oneof(
    { weight: 6, arbitrary: form },
    { weight: 1, arbitrary: anyText },
    { weight: 1, arbitrary: fc.jsonValue().map((json) => JSON.stringify(json)) },
  );
}

/** A JSON body: the template with members kept, dropped or replaced by any JSON, extra members added; or not JSON at all. */
export function jsonBody(template: Record<string, unknown>): fc.Arbitrary<string> {
  const variants = Object.entries(template).map(([name, value]) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant<Array<[string, unknown]>>([[name, value]]) },
      { weight: 1, arbitrary: fc.constant<Array<[string, unknown]>>([]) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((other): Array<[string, unknown]> => [[name, other]]) },
      { weight: 1, arbitrary: anyText.map((other): Array<[string, unknown]> => [[name, other]]) },
    ),
  );
  const extra = fc.dictionary(
    fc.oneof(fc.constantFrom("password_hash", "hashed_password", "tokens_valid_after", "is_admin"), anyText),
    fc.jsonValue({ maxDepth: 1 }),
    { maxKeys: 2 },
  );
  const mutated = fc
    .tuple(fc.tuple(...variants), fc.option(extra, { freq: 4, nil: {} }))
    .map(([members, added]) => JSON.stringify({ ...Object.fromEntries(members.flat()), ...added }));
  return fc.oneof(
    { weight: 8, arbitrary: mutated },
    { weight: 1, arbitrary: fc.jsonValue().map((json) => JSON.stringify(json)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{"__proto__":{"disabled":true}}', '{"a":1,"a":2}', "{", "[", '"x"', "1e999"),
    },
    { weight: 1, arbitrary: anyText },
  );
}

/** A path segment: a known user, a stranger, or something no router expects. */
export const usernameSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("johndoe", "alice", "victim", "nobody", "JohnDoe", "%00", "..%2F..", "%", "a%2Fb", "me"),
  anyText.map((text) => encodeURIComponent(safe(text))),
);

/** Nothing, or a query string of anything (the form endpoints read only their bodies). */
export const queryString: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  anyText.map((text) => `?${encodeURIComponent(safe(text))}`),
  anyText.map((text) => `?token=${encodeURIComponent(safe(text))}&username=johndoe&password=secret`),
);

/** The request a fuzzer sends, assembled from its parts. */
export function request(parts: {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  payload?: string | undefined;
  remoteAddress: string;
}): FuzzRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parts.headers)) if (value !== undefined) headers[name] = value;
  return {
    method: parts.method,
    url: parts.url,
    headers,
    remoteAddress: parts.remoteAddress,
    ...(parts.payload === undefined ? {} : { payload: parts.payload }),
  };
}

/** Replaces lone surrogates, which encodeURIComponent refuses (as no client could send them). */
export function safe(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
