import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gatehouse, GatehouseStore } from "../../src/core/index.js";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

// Every route, fed input a careless or hostile client sends: each gets a 4xx with a clear
// `detail`, nothing is written (the memory store counts every write), and the server
// still serves a normal login afterwards. Throttling is off so that the refusals are the
// input checks' own, not the brute-force limit's.

let app: FastifyInstance;
let store: GatehouseStore;
let gatehouse: Gatehouse;
let admin: string;
let user: string;

beforeAll(async () => {
  ({ app, store, gatehouse } = await createTestServer({ throttle: false }));
  admin = await accessTokenFor(app, "root", "rootpassword");
  user = await accessTokenFor(app, "johndoe", "secret");
});
afterAll(() => app.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const KIB = 1024;

type Request = Omit<InjectOptions, "headers"> & { headers?: Record<string, string>; as?: "admin" | "user" };

function send(request: Request) {
  const { as, headers = {}, ...rest } = request;
  const token = as === "admin" ? admin : as === "user" ? user : undefined;
  return app.inject({
    ...rest,
    headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
  } as InjectOptions);
}

const tokenForm = (payload: string | Buffer, headers: Record<string, string> = {}): Request => ({
  method: "POST",
  url: "/token",
  headers: { ...FORM, ...headers },
  payload,
});

/** [what, request, status, text the detail must contain]. */
const MALFORMED: Array<[string, Request, number, string]> = [
  // POST /token: percent-decoding and form rules
  ["a % not followed by two hex digits", tokenForm("username=johndoe&password=se%ZZcret"), 400, "form encoding"],
  ["a truncated escape at the end", tokenForm("username=johndoe&password=secret%4"), 400, "form encoding"],
  [
    "an overlong UTF-8 escape (%C0%AF for /)",
    tokenForm("username=johndoe&password=%C0%AFsecret"),
    400,
    "form encoding",
  ],
  ["a lone surrogate escape (%ED%A0%80)", tokenForm("username=johndoe&password=%ED%A0%80"), 400, "form encoding"],
  ["a truncated UTF-8 sequence (%E2%82)", tokenForm("username=johndoe&password=%E2%82"), 400, "form encoding"],
  [
    "a raw invalid byte",
    tokenForm(Buffer.from([...Buffer.from("username=johndoe&password=sec"), 0xff])),
    400,
    "form encoding",
  ],
  ["a malformed escape in an unknown field", tokenForm("username=johndoe&password=secret&x=%G1"), 400, "form encoding"],
  ["NUL in the password (%00)", tokenForm("username=johndoe&password=secret%00junk"), 400, "NUL"],
  ["NUL in the username", tokenForm("username=johndoe%00&password=secret"), 400, "NUL"],
  ["the username twice", tokenForm("username=johndoe&username=alice&password=secret"), 400, "more than once"],
  [
    "the password twice, once percent-encoded",
    tokenForm("username=johndoe&password=a&pass%77ord=b"),
    400,
    "more than once",
  ],
  ["an empty username given twice", tokenForm("username=&username=&password=secret"), 400, "more than once"],
  ["a password of 1025 characters", tokenForm(`username=johndoe&password=${"x".repeat(1025)}`), 400, "too long"],
  ["a username of 257 characters", tokenForm(`username=${"u".repeat(257)}&password=secret`), 400, "too long"],
  ["a username with a control character", tokenForm("username=john%07doe&password=secret"), 400, "username"],
  ["a username with a zero-width space", tokenForm("username=john%E2%80%8Bdoe&password=secret"), 400, "username"],
  ["a username with a right-to-left override", tokenForm("username=%E2%80%AEeodnhoj&password=secret"), 400, "username"],
  ["a username with a leading space", tokenForm("username=+johndoe&password=secret"), 400, "username"],
  ["no body at all", tokenForm(""), 400, "username"],
  ["8 000 empty fields", tokenForm("&".repeat(8000)), 400, "username"],
  ["no content type", { method: "POST", url: "/token", payload: "username=johndoe&password=secret" }, 400, "form"],
  ["JSON instead of a form", tokenForm('{"username":"johndoe"}', { "content-type": "application/json" }), 400, "form"],
  ["a body over 16 KiB", tokenForm(`username=johndoe&password=secret&pad=${"x".repeat(16 * KIB)}`), 413, "too large"],
  [
    "HTTP Basic that is not base64",
    tokenForm("username=johndoe&password=secret", { authorization: "Basic !!!" }),
    400,
    "Basic",
  ],
  [
    "HTTP Basic that is not UTF-8",
    tokenForm("username=johndoe&password=secret", {
      authorization: `Basic ${Buffer.from([0xff, 0x3a]).toString("base64")}`,
    }),
    400,
    "Basic",
  ],
  // POST /revoke and /introspect share the form rules
  [
    "revoke: a malformed escape",
    { method: "POST", url: "/revoke", headers: FORM, payload: "token=%ZZ" },
    400,
    "form encoding",
  ],
  [
    "revoke: no token",
    { method: "POST", url: "/revoke", headers: FORM, payload: "token_type_hint=refresh_token" },
    400,
    "token",
  ],
  [
    "revoke: a token over 8 KiB",
    { method: "POST", url: "/revoke", headers: FORM, payload: `token=${"a".repeat(8193)}` },
    400,
    "too long",
  ],
  [
    "revoke: a body over 16 KiB",
    { method: "POST", url: "/revoke", headers: FORM, payload: `token=${"a".repeat(17 * KIB)}` },
    413,
    "too large",
  ],
  [
    "introspect: the token twice",
    { method: "POST", url: "/introspect", headers: FORM, payload: "token=a&token=b", as: "admin" },
    400,
    "more than once",
  ],
  // Bearer credentials
  [
    "a 15 KiB bearer token",
    { method: "GET", url: "/users/me", headers: { authorization: `Bearer ${"a".repeat(15 * KIB)}` } },
    401,
    "credentials",
  ],
  [
    "a bearer token with a control character",
    { method: "GET", url: "/users/me", headers: { authorization: "Bearer abc\u0001def" } },
    401,
    "credentials",
  ],
  [
    "a JWT-shaped token of junk",
    { method: "GET", url: "/users/me", headers: { authorization: "Bearer a.b.c" } },
    401,
    "credentials",
  ],
  // JSON routes: self-service
  [
    "PATCH /users/me: a body over 1 MiB",
    {
      method: "PATCH",
      url: "/users/me",
      as: "user",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ full_name: "x".repeat(1100 * KIB) }),
    },
    413,
    "too large",
  ],
  [
    "PATCH /users/me: JSON that does not parse",
    {
      method: "PATCH",
      url: "/users/me",
      as: "user",
      headers: { "content-type": "application/json" },
      payload: '{"full_name":',
    },
    400,
    "JSON",
  ],
  [
    "PATCH /users/me: a __proto__ key",
    {
      method: "PATCH",
      url: "/users/me",
      as: "user",
      headers: { "content-type": "application/json" },
      payload: '{"full_name":"x","__proto__":{"disabled":true}}',
    },
    400,
    "",
  ],
  [
    "PATCH /users/me: 100 000 nested arrays",
    {
      method: "PATCH",
      url: "/users/me",
      as: "user",
      headers: { "content-type": "application/json" },
      payload: `{"full_name":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    },
    422,
    "",
  ],
  [
    "PATCH /users/me: XML",
    {
      method: "PATCH",
      url: "/users/me",
      as: "user",
      headers: { "content-type": "application/xml" },
      payload: "<full_name>x</full_name>",
    },
    415,
    "media type",
  ],
  [
    "PATCH /users/me: trying to set scopes",
    { method: "PATCH", url: "/users/me", as: "user", payload: { scopes: ["admin"] } },
    422,
    "",
  ],
  [
    "PATCH /users/me: a control character in full_name",
    { method: "PATCH", url: "/users/me", as: "user", payload: { full_name: "a\u0007b" } },
    422,
    "control",
  ],
  [
    "PATCH /users/me: an e-mail that is not one",
    { method: "PATCH", url: "/users/me", as: "user", payload: { email: "not an email" } },
    422,
    "email",
  ],
  [
    "POST /users/me/password: a new password of 1025 characters",
    {
      method: "POST",
      url: "/users/me/password",
      as: "user",
      payload: { current_password: "secret", new_password: "x".repeat(1025) },
    },
    422,
    "1024",
  ],
  [
    "POST /users/me/password: a new password of 4097 characters",
    {
      method: "POST",
      url: "/users/me/password",
      as: "user",
      payload: { current_password: "secret", new_password: "x".repeat(4097) },
    },
    422,
    "",
  ],
  [
    "POST /users/me/password: a missing field",
    { method: "POST", url: "/users/me/password", as: "user", payload: { new_password: "long-enough-1" } },
    422,
    "",
  ],
  // JSON routes: administration
  [
    "POST /users: a password of 1025 characters",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "longpw", email: "l@example.com", password: "x".repeat(1025) },
    },
    422,
    "1024",
  ],
  [
    "POST /users: a username with a control character",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "bad\u0000name", email: "b@example.com", password: "long-enough-1" },
    },
    422,
    "username",
  ],
  [
    "POST /users: a username with a zero-width joiner",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "jo\u200Dhn", email: "j@example.com", password: "long-enough-1" },
    },
    422,
    "username",
  ],
  [
    "POST /users: a username that is only spaces",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "   ", email: "s@example.com", password: "long-enough-1" },
    },
    422,
    "username",
  ],
  [
    "POST /users: a username of 65 characters after NFKC",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "ｕ".repeat(65), email: "u@example.com", password: "long-enough-1" },
    },
    422,
    "64",
  ],
  [
    "POST /users: fullwidth johndoe, which NFKC makes johndoe",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "ｊｏｈｎｄｏｅ", email: "j2@example.com", password: "long-enough-1" },
    },
    409,
    "",
  ],
  [
    "POST /users: a hashed_password field",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "hashy", email: "h@example.com", password: "long-enough-1", hashed_password: "$2b$12$x" },
    },
    422,
    "",
  ],
  [
    "POST /users: an unknown scope",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      payload: { username: "scopy", email: "s2@example.com", password: "long-enough-1", scopes: ["root"] },
    },
    422,
    "",
  ],
  [
    "POST /users: a body over 1 MiB",
    {
      method: "POST",
      url: "/users",
      as: "admin",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        username: "big",
        email: "b@example.com",
        password: "long-enough-1",
        full_name: "x".repeat(1100 * KIB),
      }),
    },
    413,
    "too large",
  ],
  [
    "PATCH /users/johndoe: a password of 1025 characters",
    { method: "PATCH", url: "/users/johndoe", as: "admin", payload: { password: "x".repeat(1025) } },
    422,
    "1024",
  ],
  [
    "PATCH /users/johndoe: a password of 7 characters",
    { method: "PATCH", url: "/users/johndoe", as: "admin", payload: { password: "short12" } },
    422,
    "8",
  ],
  [
    "PATCH /users/johndoe: an empty body",
    { method: "PATCH", url: "/users/johndoe", as: "admin", payload: {} },
    422,
    "",
  ],
  [
    "GET /users/{username}: 300 characters",
    { method: "GET", url: `/users/${"u".repeat(300)}`, as: "admin" },
    414,
    "too long",
  ],
  ["GET /users/{username}: a malformed escape", { method: "GET", url: "/users/%E0%A4%A", as: "admin" }, 400, ""],
  ["GET /users: limit that is not a number", { method: "GET", url: "/users?limit=abc", as: "admin" }, 422, ""],
  ["GET /users: limit past the maximum", { method: "GET", url: "/users?limit=100000", as: "admin" }, 422, ""],
  ["GET /users: a cursor we never issued", { method: "GET", url: "/users?cursor=%FF%FE", as: "admin" }, 422, ""],
  [
    "DELETE /users/{username}: a control character",
    { method: "DELETE", url: "/users/john%07doe", as: "admin" },
    404,
    "",
  ],
  [
    "DELETE /users/{username}: fullwidth of a user that does not exist",
    { method: "DELETE", url: "/users/%EF%BD%8E%EF%BD%8F", as: "admin" },
    404,
    "",
  ],
];

describe("malformed requests", () => {
  it.each(MALFORMED)(
    "answers %s with %i and a clear detail, writing nothing",
    async (_what, request, status, detail) => {
      const before = await store.changeVersion();
      const hashesBefore = gatehouse.hasher.queue.running + gatehouse.hasher.queue.queued;
      const response = await send(request);
      expect(response.statusCode).toBe(status);
      const body = response.json();
      expect(body.detail).toBeDefined();
      const text = JSON.stringify(body.detail);
      expect(text.length).toBeGreaterThan(2);
      expect(text.toLowerCase()).toContain(detail.toLowerCase());
      expect(await store.changeVersion()).toBe(before);
      expect(gatehouse.hasher.queue.running + gatehouse.hasher.queue.queued).toBe(hashesBefore);
    },
  );

  it("still logs johndoe in with his password after all of them", async () => {
    expect(await accessTokenFor(app, "johndoe", "secret")).toEqual(expect.any(String));
    const me = await send({ method: "GET", url: "/users/me", as: "user" });
    expect(me.json()).toMatchObject({ username: "johndoe", full_name: "John Doe", disabled: false, scopes: ["me"] });
  });
});

describe("form decoding that is accepted on purpose", () => {
  it("reads + as a space and %2B as a plus sign", async () => {
    await gatehouse.users.create({ username: "spacey", email: "spacey@example.com", password: "a b+c d-long" });
    const response = await send(tokenForm("username=spacey&password=a+b%2Bc%20d-long"));
    expect(response.statusCode).toBe(200);
  });

  it("decodes percent-encoded field names and UTF-8 passwords", async () => {
    await gatehouse.users.create({ username: "zoë", email: "zoe@example.com", password: "pässwörd-ünïcode" });
    const password = encodeURIComponent("pässwörd-ünïcode");
    const response = await send(tokenForm(`user%6Eame=zo%C3%AB&password=${password}`));
    expect(response.statusCode).toBe(200);
  });

  it("logs in a fullwidth username as its NFKC form", async () => {
    const response = await send(tokenForm(`username=${encodeURIComponent("ｊｏｈｎｄｏｅ")}&password=secret`));
    expect(response.statusCode).toBe(200);
  });

  it("ignores unknown fields, even repeated ones", async () => {
    const response = await send(tokenForm("username=johndoe&password=secret&foo=1&foo=2&=empty-name&bare"));
    expect(response.statusCode).toBe(200);
  });
});
