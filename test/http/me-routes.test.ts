import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gatehouse } from "../../src/core/index.js";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

let app: FastifyInstance;
let gatehouse: Gatehouse;
let token: string;

beforeAll(async () => {
  ({ app, gatehouse } = await createTestServer());
  token = await accessTokenFor(app, "johndoe", "secret");
});
afterAll(() => app.close());

function me(authorization?: string, url = "/users/me") {
  return app.inject({ method: "GET", url, headers: authorization === undefined ? {} : { authorization } });
}

describe("GET /users/me", () => {
  it("returns the profile without any password hash", async () => {
    const response = await me(`Bearer ${token}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      username: "johndoe",
      email: "johndoe@example.com",
      email_verified: false,
      full_name: "John Doe",
      disabled: false,
      scopes: ["me"],
      mfa_enabled: false,
    });
    expect(response.body).not.toMatch(/hash|\$argon2|\$2b\$/);
  });

  it("answers on the seed's alias /user/me too", async () => {
    expect((await me(`Bearer ${token}`, "/user/me")).statusCode).toBe(200);
  });

  it.each(["bearer", "BEARER", "Bearer   "])("accepts the scheme spelled %j", async (scheme) => {
    expect((await me(`${scheme} ${token}`)).statusCode).toBe(200);
  });

  it.each([undefined, `Basic ${Buffer.from("johndoe:secret").toString("base64")}`, "Token abc"])(
    "answers %j with 401 Not authenticated and a bare Bearer challenge",
    async (authorization) => {
      const response = await me(authorization);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: "Not authenticated" });
      expect(response.headers["www-authenticate"]).toBe("Bearer");
    },
  );

  it.each([
    ["garbage", "Bearer not-a-token"],
    [
      "a tampered payload",
      () =>
        `Bearer ${token.split(".")[0]}.${Buffer.from('{"sub":"root","exp":9999999999}').toString("base64url")}.${token.split(".")[2]}`,
    ],
    ["a tampered signature", () => `Bearer ${token.slice(0, -4)}AAAA`],
    [
      "alg none",
      () => `Bearer ${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString("base64url")}.${token.split(".")[1]}.`,
    ],
  ])("rejects %s with 401 invalid_token", async (_name, header) => {
    const response = await me(typeof header === "function" ? header() : header);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: "Could not validate credentials" });
    expect(response.headers["www-authenticate"]).toBe('Bearer error="invalid_token", scope="me"');
  });

  it("refuses a token without the me scope with 403 insufficient_scope", async () => {
    const adminOnly = await accessTokenFor(app, "root", "rootpassword", "admin");
    const response = await me(`Bearer ${adminOnly}`);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: "Not enough permissions" });
    expect(response.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="me"');
  });

  it("refuses a disabled user's token with 400 Inactive user, and with 401 once enabled again", async () => {
    await gatehouse.users.create({ username: "dora", email: "dora@example.com", password: "dora-password-1" });
    const own = await accessTokenFor(app, "dora", "dora-password-1");
    await gatehouse.users.update("dora", { disabled: true });
    const disabled = await me(`Bearer ${own}`);
    expect(disabled.statusCode).toBe(400);
    expect(disabled.json()).toEqual({ detail: "Inactive user" });
    await gatehouse.users.update("dora", { disabled: false });
    expect((await me(`Bearer ${own}`)).statusCode).toBe(401);
    expect((await me(`Bearer ${await accessTokenFor(app, "dora", "dora-password-1")}`)).statusCode).toBe(200);
  });

  it("rejects every earlier token after a password change and accepts one issued right after, in the same second", async () => {
    await gatehouse.users.create({ username: "carol", email: "carol@example.com", password: "carol-password-1" });
    const before = await accessTokenFor(app, "carol", "carol-password-1");
    await gatehouse.users.setPassword("carol", "carol-password-2");
    const after = await accessTokenFor(app, "carol", "carol-password-2");
    expect((await me(`Bearer ${before}`)).statusCode).toBe(401);
    expect((await me(`Bearer ${after}`)).statusCode).toBe(200);
  });

  it("rejects the token of a removed user, and of a new user created under the same name", async () => {
    await gatehouse.users.create({ username: "dave", email: "dave@example.com", password: "dave-password-1" });
    const old = await accessTokenFor(app, "dave", "dave-password-1");
    await gatehouse.users.remove("dave");
    expect((await me(`Bearer ${old}`)).statusCode).toBe(401);
    await gatehouse.users.create({ username: "Dave", email: "dave2@example.com", password: "dave-password-2" });
    expect((await me(`Bearer ${old}`)).statusCode).toBe(401);
  });

  it("gives a disabled user's token issued before a logout-everywhere Inactive user, not invalid_token", async () => {
    await gatehouse.users.create({ username: "erin", email: "erin@example.com", password: "erin-password-1" });
    const old = await accessTokenFor(app, "erin", "erin-password-1");
    await gatehouse.users.invalidateTokens("erin");
    await gatehouse.users.update("erin", { disabled: true });
    const response = await me(`Bearer ${old}`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: "Inactive user" });
  });
});
