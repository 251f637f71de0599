import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gatehouse } from "../../src/core/index.js";
import { accessTokenFor, createTestServer, login } from "../support/fixtures.js";

let app: FastifyInstance;
let gatehouse: Gatehouse;

beforeAll(async () => {
  ({ app, gatehouse } = await createTestServer());
});
afterAll(() => app.close());

const form = { "content-type": "application/x-www-form-urlencoded" };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const me = (token: string) => app.inject({ method: "GET", url: "/users/me", headers: bearer(token) });
const refresh = (token: string) =>
  app.inject({
    method: "POST",
    url: "/token",
    headers: form,
    payload: `grant_type=refresh_token&refresh_token=${token}`,
  });
const revoke = (payload: string) => app.inject({ method: "POST", url: "/revoke", headers: form, payload });

async function session(username = "johndoe", password = "secret") {
  const result = await login(app, username, password);
  return result.body as { access_token: string; refresh_token: string };
}

describe("POST /revoke (RFC 7009)", () => {
  it("revokes an access token: it then gets 401 invalid_token", async () => {
    const { access_token } = await session();
    const response = await revoke(`token=${access_token}&token_type_hint=access_token`);
    expect(response.statusCode).toBe(200);
    const after = await me(access_token);
    expect(after.statusCode).toBe(401);
    expect(after.headers["www-authenticate"]).toContain('error="invalid_token"');
  });

  it("revokes a refresh token and the access tokens of its session", async () => {
    const { access_token, refresh_token } = await session();
    expect((await revoke(`token=${refresh_token}`)).statusCode).toBe(200);
    expect((await refresh(refresh_token)).statusCode).toBe(400);
    expect((await me(access_token)).statusCode).toBe(401);
  });

  it("answers 200 for a token it does not know, and changes nothing", async () => {
    const { access_token } = await session();
    expect((await revoke("token=nonsense")).statusCode).toBe(200);
    expect((await me(access_token)).statusCode).toBe(200);
  });

  it("asks for the token parameter", async () => {
    const response = await revoke("token_type_hint=access_token");
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe("invalid_request");
  });
});

describe("POST /logout and /logout/all", () => {
  it("logout ends this token and its refresh family, not the user's other sessions", async () => {
    const one = await session();
    const two = await session();
    const response = await app.inject({ method: "POST", url: "/logout", headers: bearer(one.access_token) });
    expect(response.statusCode).toBe(204);
    expect((await me(one.access_token)).statusCode).toBe(401);
    expect((await refresh(one.refresh_token)).statusCode).toBe(400);
    expect((await me(two.access_token)).statusCode).toBe(200);
  });

  it("logout/all ends every token issued so far, and a new login works at once", async () => {
    const one = await session("root", "rootpassword");
    const two = await session("root", "rootpassword");
    const response = await app.inject({ method: "POST", url: "/logout/all", headers: bearer(one.access_token) });
    expect(response.statusCode).toBe(204);
    for (const s of [one, two]) {
      expect((await me(s.access_token)).statusCode).toBe(401);
      expect((await refresh(s.refresh_token)).statusCode).toBe(400);
    }
    const fresh = await accessTokenFor(app, "root", "rootpassword");
    expect((await me(fresh)).statusCode).toBe(200);
  });

  it("logout without a token is 401 Not authenticated", async () => {
    const response = await app.inject({ method: "POST", url: "/logout" });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: "Not authenticated" });
  });

  it("the CLI's logout (users.invalidateTokens via logoutEverywhere) ends existing tokens", async () => {
    const s = await session();
    await gatehouse.logoutEverywhere("johndoe");
    expect((await me(s.access_token)).statusCode).toBe(401);
  });
});

describe("POST /introspect (RFC 7662)", () => {
  const introspect = (token: string, as: string) =>
    app.inject({ method: "POST", url: "/introspect", headers: { ...form, ...bearer(as) }, payload: `token=${token}` });

  it("reports an active token's claims to an admin", async () => {
    const admin = await accessTokenFor(app, "root", "rootpassword");
    const { access_token } = await session();
    const response = await introspect(access_token, admin);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      active: true,
      username: "johndoe",
      sub: "johndoe",
      scope: "me",
      token_type: "Bearer",
    });
  });

  it("reports revoked and garbage tokens as inactive, with nothing else", async () => {
    const admin = await accessTokenFor(app, "root", "rootpassword");
    const { access_token } = await session();
    await revoke(`token=${access_token}`);
    expect((await introspect(access_token, admin)).json()).toEqual({ active: false });
    expect((await introspect("garbage", admin)).json()).toEqual({ active: false });
  });

  it("refuses a non-admin with 403 insufficient_scope", async () => {
    const user = await accessTokenFor(app, "johndoe", "secret");
    const response = await introspect(user, user);
    expect(response.statusCode).toBe(403);
    expect(response.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="admin"');
  });
});
