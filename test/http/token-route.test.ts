import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ISSUER } from "../../src/core/index.js";
import { createCountingHasher } from "../support/counting-hasher.js";
import { createTestServer, login } from "../support/fixtures.js";

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await createTestServer());
});
afterAll(() => app.close());

function decodeSegment(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index] as string, "base64url").toString("utf8"));
}

function postToken(payload: string, headers: Record<string, string> = {}) {
  return app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload,
  });
}

describe("POST /token with the password grant", () => {
  it("issues a bearer token with the RFC 9068 header and claims", async () => {
    const result = await login(app, "johndoe", "secret");
    expect(result.statusCode).toBe(200);
    expect(result.headers["cache-control"]).toBe("no-store");
    expect(result.body).toMatchObject({ token_type: "bearer", expires_in: 1800, scope: "me" });
    const token = result.body.access_token as string;
    expect(decodeSegment(token, 0)).toMatchObject({ alg: "HS256", typ: "at+jwt", kid: expect.any(String) });
    const claims = decodeSegment(token, 1);
    expect(claims).toMatchObject({
      iss: DEFAULT_ISSUER,
      sub: "johndoe",
      scope: "me",
      jti: expect.any(String),
      client_id: "gatehouse",
      sid: expect.any(String),
    });
    // Whole seconds: strict verifiers (Hono, PyJWT) refuse a fractional iat within its second.
    expect(Number.isInteger(claims.iat)).toBe(true);
    expect(Number.isInteger(claims.auth_time)).toBe(true);
    expect(claims.exp).toBe((claims.iat as number) + 1800);
  });

  it("accepts the username in another case and returns the stored spelling as sub", async () => {
    const result = await login(app, "JohnDoe", "secret");
    expect(result.statusCode).toBe(200);
    expect(decodeSegment(result.body.access_token as string, 1).sub).toBe("johndoe");
  });

  it("answers an unknown user and a wrong password identically", async () => {
    const unknown = await postToken("username=nobody&password=secret");
    const wrong = await postToken("username=johndoe&password=wrong-password");
    expect(unknown.statusCode).toBe(400);
    expect(wrong.statusCode).toBe(400);
    expect(unknown.body).toBe(wrong.body);
    const { date: _a, ...unknownHeaders } = unknown.headers;
    const { date: _b, ...wrongHeaders } = wrong.headers;
    expect(unknownHeaders).toEqual(wrongHeaders);
    expect(wrong.json()).toEqual({
      error: "invalid_grant",
      error_description: "Incorrect username or password",
      detail: "Incorrect username or password",
    });
  });

  it("refuses a disabled user with the right password as Inactive user", async () => {
    const result = await login(app, "alice", "secretalice");
    expect(result.statusCode).toBe(400);
    expect(result.body).toMatchObject({ error: "invalid_grant", detail: "Inactive user" });
  });

  it("does not say a disabled user exists when the password is wrong", async () => {
    const result = await login(app, "alice", "wrong-password");
    expect(result.body).toMatchObject({ detail: "Incorrect username or password" });
  });

  it.each([
    ["username=johndoe", "password"],
    ["password=secret", "username"],
    ["username=&password=secret", "username"],
  ])("rejects %j with invalid_request naming %s", async (payload, field) => {
    const response = await postToken(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_request" });
    expect(response.json().error_description).toContain(field);
  });

  it("rejects a parameter given twice", async () => {
    const response = await postToken("username=johndoe&password=secret&password=other");
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe("invalid_request");
  });

  it("rejects an unknown grant type with unsupported_grant_type", async () => {
    const response = await postToken("grant_type=client_credentials&username=johndoe&password=secret");
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe("unsupported_grant_type");
  });

  it.each([
    ["application/json", JSON.stringify({ username: "johndoe", password: "secret" })],
    ["text/plain", "username=johndoe&password=secret"],
    ["multipart/form-data; boundary=x", "--x--"],
  ])("never issues a token for a %s body", async (contentType, payload) => {
    const response = await app.inject({
      method: "POST",
      url: "/token",
      headers: { "content-type": contentType },
      payload,
    });
    expect([400, 415]).toContain(response.statusCode);
    expect(response.json().access_token).toBeUndefined();
    expect(response.json().detail).toEqual(expect.any(String));
  });

  it("accepts a charset on the content type, unknown parameters, and Swagger UI's empty Basic credentials", async () => {
    const response = await postToken("grant_type=password&username=johndoe&password=secret&foo=bar", {
      "content-type": "application/x-www-form-urlencoded; charset=UTF-8",
      authorization: "Basic Og==",
    });
    expect(response.statusCode).toBe(200);
  });

  it("records a client id given by HTTP Basic in the token", async () => {
    const response = await postToken("username=johndoe&password=secret", {
      authorization: `Basic ${Buffer.from("my-app:").toString("base64")}`,
    });
    expect(response.statusCode).toBe(200);
    expect(decodeSegment(response.json().access_token, 1).client_id).toBe("my-app");
  });

  it("grants all of the user's scopes when none is requested", async () => {
    const result = await login(app, "root", "rootpassword", { scope: "" });
    expect(result.body.scope).toBe("me admin");
  });

  it("grants only the requested scopes", async () => {
    const result = await login(app, "root", "rootpassword", { scope: "admin" });
    expect(result.body.scope).toBe("admin");
  });

  it("refuses a scope the user does not hold with invalid_scope", async () => {
    const result = await login(app, "johndoe", "secret", { scope: "me admin" });
    expect(result.statusCode).toBe(400);
    expect(result.body.error).toBe("invalid_scope");
  });

  it("refuses an unknown scope with invalid_scope", async () => {
    const result = await login(app, "johndoe", "secret", { scope: "everything" });
    expect(result.statusCode).toBe(400);
    expect(result.body.error).toBe("invalid_scope");
  });

  it("refuses a password over 1024 characters without hashing it", async () => {
    const result = await login(app, "johndoe", "x".repeat(1025));
    expect(result.statusCode).toBe(400);
    expect(result.body.error).toBe("invalid_request");
  });

  it("never echoes the password in an error", async () => {
    const response = await postToken("username=johndoe&password=hunter2-secret-value&password=x");
    expect(response.body).not.toContain("hunter2");
  });
});

describe("regression: a 65-character username at /token was invalid_request (review finding 14)", () => {
  it.each([
    ["65 characters", "a".repeat(65)],
    ["a control character", "john\u0007doe"],
    ["mixed scripts", "j\u043ehndoe"],
  ])("answers a username with %s like an unknown user, after a dummy hash", async (_kind, username) => {
    const hasher = createCountingHasher();
    const server = await createTestServer({ hasher });
    try {
      const unknown = await login(server.app, "nobody", "secret");
      const before = hasher.checks.verifyDummy;
      const impossible = await login(server.app, username, "secret");
      expect(impossible.statusCode).toBe(400);
      expect(impossible.body).toEqual(unknown.body);
      expect(impossible.body).toEqual({
        error: "invalid_grant",
        error_description: "Incorrect username or password",
        detail: "Incorrect username or password",
      });
      const { date: _a, ...impossibleHeaders } = impossible.headers;
      const { date: _b, ...unknownHeaders } = unknown.headers;
      expect(impossibleHeaders).toEqual(unknownHeaders);
      expect(hasher.checks.verifyDummy).toBe(before + 1);
    } finally {
      await server.app.close();
    }
  });
});
