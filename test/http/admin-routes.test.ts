import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseStore } from "../../src/core/index.js";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

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

type Method = "GET" | "POST" | "PATCH" | "DELETE";
const call = (method: Method, url: string, token: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe("admin API", () => {
  it.each([
    ["GET", "/users"],
    ["POST", "/users"],
    ["GET", "/users/johndoe"],
    ["PATCH", "/users/johndoe"],
    ["DELETE", "/users/johndoe"],
  ] as const)("refuses %s %s to a non-admin with 403 insufficient_scope", async (method, url) => {
    const response = await call(
      method,
      url,
      user,
      method === "POST" || method === "PATCH" ? { disabled: true } : undefined,
    );
    expect(response.statusCode).toBe(403);
    expect(response.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="admin"');
    expect((await store.findUserByUsername("johndoe"))?.disabled).toBe(false);
  });

  it("refuses an anonymous caller with 401", async () => {
    expect((await app.inject({ method: "GET", url: "/users" })).statusCode).toBe(401);
  });

  it("creates a user (201) who can then log in, and never returns a hash", async () => {
    const response = await call("POST", "/users", admin, {
      username: "grace",
      email: "grace@example.com",
      password: "grace-password-1",
      full_name: "Grace Hopper",
      scopes: ["me"],
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      username: "grace",
      email: "grace@example.com",
      email_verified: false,
      full_name: "Grace Hopper",
      disabled: false,
      scopes: ["me"],
      mfa_enabled: false,
    });
    expect(response.body).not.toContain("argon2");
    expect(await accessTokenFor(app, "grace", "grace-password-1")).toEqual(expect.any(String));
  });

  it("answers a case-insensitive duplicate with 409 and a clear detail", async () => {
    const response = await call("POST", "/users", admin, {
      username: "JohnDoe",
      email: "x@example.com",
      password: "long-enough-pw",
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toMatch(/already exists/);
  });

  it.each([
    [{ username: "x", email: "not-an-email", password: "long-enough-pw" }, "email"],
    [{ username: "x", email: "x@example.com", password: "short" }, "password"],
    [{ username: "bad\u0000name", email: "x@example.com", password: "long-enough-pw" }, "username"],
    [{ username: "x", email: "x@example.com", password: "long-enough-pw", scopes: ["root"] }, "scopes"],
    [{ username: "x", email: "x@example.com" }, "password"],
    [
      { username: "x", email: "x@example.com", password: "long-enough-pw", hashed_password: "$2b$..." },
      "hashed_password",
    ],
  ])("rejects %j with 422 naming %s, and stores nothing", async (body, field) => {
    const response = await call("POST", "/users", admin, body);
    expect(response.statusCode).toBe(422);
    const detail = response.json().detail as Array<{ loc: string[] }>;
    expect(detail[0]?.loc).toContain(field);
    expect(await store.findUserByUsername("x")).toBeNull();
  });

  it.each([
    [{ disabled: "true" }, "disabled"],
    [{ scopes: "me" }, "scopes"],
    [{ disabled: 1 }, "disabled"],
  ])("does not coerce %j into another type: 422 naming %s, nothing changed", async (body, field) => {
    const response = await call("PATCH", "/users/johndoe", admin, body);
    expect(response.statusCode).toBe(422);
    expect(JSON.stringify(response.json().detail)).toContain(field);
    expect((await store.findUserByUsername("johndoe"))?.disabled).toBe(false);
  });

  it("reads, updates and deletes a user", async () => {
    await call("POST", "/users", admin, {
      username: "heidi",
      email: "heidi@example.com",
      password: "heidi-password-1",
    });
    expect((await call("GET", "/users/HEIDI", admin)).json().username).toBe("heidi");
    const patched = await call("PATCH", "/users/heidi", admin, {
      disabled: true,
      scopes: ["me", "admin"],
      full_name: "Heidi",
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ disabled: true, scopes: ["me", "admin"], full_name: "Heidi" });
    expect((await call("DELETE", "/users/heidi", admin)).statusCode).toBe(204);
    expect((await call("GET", "/users/heidi", admin)).statusCode).toBe(404);
    expect((await call("DELETE", "/users/heidi", admin)).json()).toEqual({ detail: "User not found" });
  });

  it("setting a password through the admin API ends the user's earlier tokens", async () => {
    await call("POST", "/users", admin, { username: "ivan", email: "ivan@example.com", password: "ivan-password-1" });
    const old = await accessTokenFor(app, "ivan", "ivan-password-1");
    await call("PATCH", "/users/ivan", admin, { password: "ivan-password-2" });
    expect((await call("GET", "/users/me", old)).statusCode).toBe(401);
    expect(await accessTokenFor(app, "ivan", "ivan-password-2")).toEqual(expect.any(String));
  });

  it("lists users a page at a time with next_cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = (await call("GET", url, admin)).json() as {
        users: Array<{ username: string }>;
        next_cursor: string | null;
      };
      expect(page.users.length).toBeLessThanOrEqual(2);
      seen.push(...page.users.map((u) => u.username));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toContain("johndoe");
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.each(["/users?limit=0", "/users?limit=100000", "/users?limit=abc", "/users?cursor=%%%"])(
    "answers the bad query %s with a 4xx detail",
    async (url) => {
      const response = await call("GET", url, admin);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.json().detail).toBeDefined();
    },
  );
});

// Review finding 10: a user named "me" could be created, but GET/PATCH/DELETE /users/me are the
// caller's own routes, so the admin API could never read, change or remove that user.
describe("POST /users with a reserved username (regression: a user named me could be created)", () => {
  it.each([
    ["me", "me"],
    ["ME", "an upper-case spelling"],
    ["Me", "a mixed-case spelling"],
    ["ｍｅ", "a fullwidth spelling (NFKC)"],
  ])("refuses %j (%s) with 422 on field username and creates nothing", async (username) => {
    const response = await call("POST", "/users", admin, {
      username,
      email: "me@example.com",
      password: "a-long-enough-password",
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        { loc: ["body", "username"], msg: 'username "me" is reserved (/users/me is the caller)', type: "value_error" },
      ],
    });
    expect(await store.findUserByUsername("me")).toBeNull();
  });

  it("still creates users whose names merely contain it", async () => {
    for (const username of ["meg", "me2", "home"]) {
      const response = await call("POST", "/users", admin, {
        username,
        email: `${username}@example.com`,
        password: "a-long-enough-password",
      });
      expect(response.statusCode).toBe(201);
    }
  });
});
