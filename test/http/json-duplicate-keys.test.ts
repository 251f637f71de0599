import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseStore } from "../../src/core/index.js";
import { installErrorHandlers } from "../../src/http/fastify/error-handler.js";
import { gatehousePlugin } from "../../src/http/fastify/index.js";
import { findDuplicateJsonKey } from "../../src/http/fastify/json-body.js";
import { accessTokenFor, createTestGatehouse, createTestServer } from "../support/fixtures.js";

// Review finding 12: JSON bodies naming a key twice were accepted with the last value winning
// (`{"scopes":["me"],"scopes":["me","admin"]}`), unlike repeated form fields, which are refused.

let app: FastifyInstance;
let store: GatehouseStore;
let admin: string;
let user: string;

beforeAll(async () => {
  ({ app, store } = await createTestServer());
  admin = await accessTokenFor(app, "root", "rootpassword");
  user = await accessTokenFor(app, "johndoe", "secret");
});
afterAll(() => app.close());

const send = (method: "POST" | "PATCH", url: string, token: string, body: string) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    payload: body,
  });

const NEW_USER = '"username":"dup","email":"dup@example.com","password":"a-long-enough-password"';

describe("JSON bodies with a duplicate key (regression: duplicate JSON keys were accepted)", () => {
  it.each([
    ["a repeated top-level key", `{${NEW_USER},"scopes":["me"],"scopes":["me","admin"]}`, ["body", "scopes"]],
    [
      "a repeat spelled with an escape",
      `{${NEW_USER},"scopes":["me"],"scop\\u0065s":["me","admin"]}`,
      ["body", "scopes"],
    ],
    ["the same key with the same value", `{${NEW_USER},"disabled":false,"disabled":false}`, ["body", "disabled"]],
    ["a repeat in a nested object", `{${NEW_USER},"extra":{"a":1,"a":2}}`, ["body", "extra", "a"]],
    [
      "a repeat in an object inside an array",
      `{${NEW_USER},"extra":[{"a":1},{"b":1,"b":2}]}`,
      ["body", "extra", 1, "b"],
    ],
  ])("refuses POST /users with %s: 422 naming where, and creates nothing", async (_name, body, loc) => {
    const response = await send("POST", "/users", admin, body);
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 422,
      body: { detail: [{ loc, msg: "duplicate key in a JSON object", type: "duplicate_key" }] },
    });
    expect(await store.findUserByUsername("dup")).toBeNull();
  });

  it("refuses PATCH /users/me with a repeated email and changes nothing", async () => {
    const response = await send("PATCH", "/users/me", user, '{"email":"a@example.com","email":"b@example.com"}');
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(["body", "email"]);
    expect((await store.findUserByUsername("johndoe"))?.email).toBe("johndoe@example.com");
  });

  it("refuses PATCH /users/{username} with a repeated scopes and changes nothing", async () => {
    const response = await send("PATCH", "/users/johndoe", admin, '{"scopes":["me"],"scopes":["me","admin"]}');
    expect(response.statusCode).toBe(422);
    expect((await store.findUserByUsername("johndoe"))?.scopes).toEqual(["me"]);
  });

  it("still answers __proto__ with 400 and invalid JSON with 400, as before", async () => {
    const proto = await send("PATCH", "/users/me", user, '{"__proto__":{"admin":true}}');
    expect({ status: proto.statusCode, body: proto.json() }).toEqual({
      status: 400,
      body: { detail: "Request body is not valid JSON" },
    });
    const broken = await send("PATCH", "/users/me", user, '{"email":');
    expect(broken.statusCode).toBe(400);
  });

  it("accepts the same body without the repeat", async () => {
    const response = await send("POST", "/users", admin, `{${NEW_USER},"scopes":["me"]}`);
    expect(response.statusCode).toBe(201);
  });
});

describe("the plugin in a host app", () => {
  it("refuses duplicates on its own routes without replacing the host app's JSON parser", async () => {
    const { gatehouse } = await createTestGatehouse();
    const host = Fastify();
    installErrorHandlers(host);
    await host.register(gatehousePlugin, { gatehouse });
    host.post("/echo", async (request) => request.body);
    try {
      const token = await accessTokenFor(host, "johndoe", "secret");
      const own = await host.inject({
        method: "PATCH",
        url: "/users/me",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        payload: '{"full_name":"a","full_name":"b"}',
      });
      expect(own.statusCode).toBe(422);
      const hosts = await host.inject({
        method: "POST",
        url: "/echo",
        headers: { "content-type": "application/json" },
        payload: '{"a":1,"a":2}',
      });
      expect({ status: hosts.statusCode, body: hosts.json() }).toEqual({ status: 200, body: { a: 2 } });
    } finally {
      await host.close();
    }
  });
});

describe("findDuplicateJsonKey", () => {
  it.each([
    ["distinct keys", '{"a":1,"b":2}'],
    ["the same key in sibling objects", '[{"a":1},{"a":2}]'],
    ["the same key at different depths", '{"a":{"a":{"a":1}}}'],
    ["keys spelled alike inside string values", '{"a":"\\"a\\":1,","b":"{\\"b\\":[}"}'],
    ["a scalar", '"a"'],
    ["__proto__ once", '{"__proto__":1,"constructor":2}'],
  ])("finds none in %s", (_name, text) => {
    expect(findDuplicateJsonKey(text)).toBeNull();
  });

  it.each([
    ["a repeat after a nested object", '{"a":{"x":1},"b":2,"a":3}', ["a"]],
    ["a repeated __proto__", '{"__proto__":1,"__proto__":2}', ["__proto__"]],
    ["a repeat spelled with an escaped backslash", '{"a\\\\":1,"a\\u005c":2}', ["a\\"]],
    ["a repeat deep in arrays", '{"x":[[0,{"y":[{"z":1,"z":1}]}]]}', ["x", 0, 1, "y", 0, "z"]],
  ])("finds %s", (_name, text, path) => {
    expect(findDuplicateJsonKey(text)).toEqual(path);
  });

  it("scans 200,000 levels of nesting without exhausting the stack", () => {
    const depth = 200_000;
    const text = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    expect(findDuplicateJsonKey(text)).toBeNull();
    expect(findDuplicateJsonKey(`${"[".repeat(depth)}{"b":1,"b":2}${"]".repeat(depth)}`)).toHaveLength(depth + 1);
  });
});
