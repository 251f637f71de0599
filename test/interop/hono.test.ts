import { Hono } from "hono";
import { jwk } from "hono/jwk";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRemoteVerifier } from "../../src/http/verify/index.js";
import { bearerAuth } from "../../src/http/web/index.js";
import { API_AUDIENCE, decodeJwt, type InteropIssuer, startInteropIssuer } from "./issuer.js";

/**
 * Hono as a resource server, two ways: its own `hono/jwk` middleware on Gatehouse's JWKS (it
 * refuses an `iat` later than its whole-second clock, so a fractional iat failed for the rest
 * of its second), and Gatehouse's `gatehouse/web` adapter inside a Hono route.
 */

describe.each(["EdDSA", "ES256", "RS256"] as const)("Hono with %s tokens", (algorithm) => {
  let issuer: InteropIssuer;
  let app: Hono<{ Variables: { jwtPayload: { sub: string } } }>;

  beforeAll(async () => {
    issuer = await startInteropIssuer({ algorithm });
    const jwksUrl = `${issuer.url}/.well-known/jwks.json`;
    const authorize = bearerAuth(createRemoteVerifier({ jwksUrl, issuer: issuer.url, audience: API_AUDIENCE }), {
      scopes: ["me"],
    });
    app = new Hono<{ Variables: { jwtPayload: { sub: string } } }>();
    app.use(
      "/jwk/*",
      jwk({
        jwks_uri: jwksUrl,
        alg: [algorithm],
        verification: { typ: "at+jwt", iss: issuer.url, aud: API_AUDIENCE },
      }),
    );
    app.get("/jwk/orders", (c) => c.json({ owner: c.get("jwtPayload").sub }));
    app.get("/gatehouse/orders", async (c) => {
      const result = await authorize(c.req.raw);
      if (!result.ok) return result.response;
      return c.json({ owner: result.auth.claims.sub });
    });
  });
  afterAll(() => issuer.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const call = (path: string, token: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });

  it.each(["/jwk/orders", "/gatehouse/orders"])("%s accepts a Gatehouse token", async (path) => {
    const { access_token } = await issuer.login();
    const response = await call(path, access_token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: "johndoe" });
  });

  // Interop issue: `iat: 1796231476.153` was "must be a valid number lower than 1796231476" until the second ended.
  it.each(["/jwk/orders", "/gatehouse/orders"])(
    "%s accepts a token in the very millisecond it was issued (whole-second iat)",
    async (path) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Math.floor(Date.now() / 1000) * 1000 + 999);
      const { access_token } = await issuer.login();
      expect(decodeJwt(access_token).payload.iat).toBe(Math.floor(Date.now() / 1000));
      expect((await call(path, access_token)).status).toBe(200);
    },
  );

  it.each(["/jwk/orders", "/gatehouse/orders"])("%s refuses a tampered token with 401", async (path) => {
    const { access_token } = await issuer.login();
    const [header, , signature] = access_token.split(".");
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(access_token).payload, sub: "root" })).toString(
      "base64url",
    );
    expect((await call(path, `${header}.${payload}.${signature}`)).status).toBe(401);
  });

  it("/gatehouse/orders answers a missing scope with 403 and the RFC 6750 challenge", async () => {
    const token = await issuer.login("root", "root-password-1", { scope: "admin" });
    const response = await call("/gatehouse/orders", token.access_token);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="me"');
  });
});
