import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

let app: FastifyInstance;

beforeAll(async () => {
  const server = await createTestServer();
  app = server.app;
  await server.gatehouse.users.create({
    username: "admin2",
    email: "admin2@example.com",
    password: "admin2-password",
    scopes: ["me", "admin"],
  });
});
afterAll(() => app.close());

type Method = "GET" | "PATCH" | "POST";
const call = (method: Method, url: string, token: string, payload?: object) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe("regression: a demoted admin stayed admin (review finding 1)", () => {
  it("refuses the demoted admin's old token on admin routes at once, so it cannot give admin back", async () => {
    const root = await accessTokenFor(app, "root", "rootpassword");
    const old = await accessTokenFor(app, "admin2", "admin2-password");
    expect((await call("GET", "/users", old)).statusCode).toBe(200);

    expect((await call("PATCH", "/users/admin2", root, { scopes: ["me"] })).statusCode).toBe(200);

    const list = await call("GET", "/users", old);
    expect(list.statusCode).toBe(403);
    expect(list.json()).toEqual({ detail: "Not enough permissions" });
    expect(list.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="admin"');
    const promote = await call("PATCH", "/users/admin2", old, { scopes: ["me", "admin"] });
    expect(promote.statusCode).toBe(403);
    expect((await call("GET", "/users/admin2", root)).json().scopes).toEqual(["me"]);
    // What the token still may do, it still may.
    expect((await call("GET", "/users/me", old)).statusCode).toBe(200);

    const introspected = await app.inject({
      method: "POST",
      url: "/introspect",
      headers: { authorization: `Bearer ${root}`, "content-type": "application/x-www-form-urlencoded" },
      payload: `token=${old}`,
    });
    expect(introspected.json()).toMatchObject({ active: true, username: "admin2", scope: "me" });
  });
});
