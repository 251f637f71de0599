import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

// ASVS 3.1.1: credentials and tokens in a URL end up in logs, histories and Referer headers,
// so Gatehouse reads them only from headers and bodies (RFC 6750 §2.3 is not supported).
describe("tokens and passwords in the URL", () => {
  let app: FastifyInstance;
  let token: string;
  beforeAll(async () => {
    ({ app } = await createTestServer());
    token = await accessTokenFor(app, "johndoe", "secret");
  });
  afterAll(async () => {
    await app.close();
  });

  it("ignores an access_token query parameter: 401 Not authenticated", async () => {
    const response = await app.inject({ method: "GET", url: `/users/me?access_token=${token}` });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: { detail: "Not authenticated" },
    });
    expect(response.headers["www-authenticate"]).toBe("Bearer");
  });

  it("ignores a username and password in the query of POST /token: no token", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/token?grant_type=password&username=johndoe&password=secret",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).not.toHaveProperty("access_token");
  });

  it("ignores a token in the query of POST /revoke: the token keeps working", async () => {
    const response = await app.inject({
      method: "POST",
      url: `/revoke?token=${token}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(response.statusCode).toBe(400);
    const me = await app.inject({ method: "GET", url: "/users/me", headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
  });
});
