import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { Gatehouse } from "../../src/core/index.js";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

const LAST_ADMIN = "This is the last enabled admin: it cannot lose the admin scope, be disabled or be deleted";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(): Promise<{ app: FastifyInstance; gatehouse: Gatehouse; root: string }> {
  const server = await createTestServer();
  app = server.app;
  return {
    app: server.app,
    gatehouse: server.gatehouse,
    root: await accessTokenFor(server.app, "root", "rootpassword"),
  };
}

type Method = "PATCH" | "DELETE";
const call = (server: FastifyInstance, method: Method, url: string, token: string, payload?: object) =>
  server.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe("regression: the last admin could be demoted, disabled or deleted through the API (review finding 11)", () => {
  it.each([
    ["demoting", "PATCH", { scopes: ["me"] }],
    ["taking every scope from", "PATCH", { scopes: [] }],
    ["disabling", "PATCH", { disabled: true }],
    ["deleting", "DELETE", undefined],
  ] as const)("refuses %s the last enabled admin with 409 and a detail", async (_change, method, payload) => {
    const { app, gatehouse, root } = await serve();
    const response = await call(app, method, "/users/root", root, payload);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: LAST_ADMIN });
    expect(await gatehouse.users.get("root")).toMatchObject({ disabled: false, scopes: ["me", "admin"] });
  });

  it("does not count a disabled admin as another admin", async () => {
    const { app, gatehouse, root } = await serve();
    await gatehouse.users.create({
      username: "sleeper",
      email: "sleeper@example.com",
      password: "sleeper-password",
      scopes: ["me", "admin"],
      disabled: true,
    });
    expect((await call(app, "PATCH", "/users/root", root, { scopes: ["me"] })).statusCode).toBe(409);
  });

  it("lets an admin be demoted while another enabled admin remains, and then protects that one", async () => {
    const { app, gatehouse, root } = await serve();
    await gatehouse.users.create({
      username: "admin2",
      email: "admin2@example.com",
      password: "admin2-password",
      scopes: ["me", "admin"],
    });
    const admin2 = await accessTokenFor(app, "admin2", "admin2-password");
    expect((await call(app, "PATCH", "/users/root", admin2, { scopes: ["me"] })).statusCode).toBe(200);
    expect((await call(app, "PATCH", "/users/admin2", admin2, { full_name: "Still admin" })).statusCode).toBe(200);
    expect((await call(app, "DELETE", "/users/admin2", admin2)).statusCode).toBe(409);
    expect((await call(app, "PATCH", "/users/root", root, { scopes: ["me", "admin"] })).statusCode).toBe(403);
  });
});
