import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { type AuthResult, auth, requiredScopes } from "express-oauth2-jwt-bearer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_AUDIENCE, type InteropIssuer, startInteropIssuer } from "./issuer.js";

/**
 * Auth0's express-oauth2-jwt-bearer in a real Express 5 app, configured as its README says
 * (`issuerBaseURL` + `audience`, discovery and JWKS from there), in strict mode: RFC 9068's
 * `typ`, `iat`, `sub`, `client_id` and `jti` are required, and the issuer must equal the
 * discovered one exactly.
 */

describe.each(["EdDSA", "ES256", "RS256"] as const)("express-oauth2-jwt-bearer with %s", (algorithm) => {
  let issuer: InteropIssuer;
  let api: Server;
  let apiUrl = "";

  beforeAll(async () => {
    issuer = await startInteropIssuer({ algorithm });
    const app = express();
    app.use(auth({ issuerBaseURL: issuer.url, audience: API_AUDIENCE, strict: true }));
    app.get("/orders", requiredScopes("me"), (req, res) => {
      // Both this library and gatehouse/express type `req.auth`; in this program Gatehouse's type wins.
      const { payload } = (req as unknown as { auth: AuthResult }).auth;
      res.json({ owner: payload.sub, client: payload.client_id });
    });
    app.get("/admin", requiredScopes("admin"), (_req, res) => {
      res.json({ ok: true });
    });
    api = await new Promise<Server>((resolve) => {
      const server = app.listen(0, "127.0.0.1", () => resolve(server));
    });
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => api.close(resolve));
    await issuer.close();
  });

  const call = (path: string, token: string) =>
    fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it("accepts a Gatehouse token requested without a client, in strict mode", async () => {
    const { access_token } = await issuer.login();
    const response = await call("/orders", access_token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: "johndoe", client: "gatehouse" });
  });

  it("accepts a token requested by a named client", async () => {
    const { access_token } = await issuer.login("johndoe", "secret", { client_id: "shop-frontend" });
    expect(await (await call("/orders", access_token)).json()).toEqual({ owner: "johndoe", client: "shop-frontend" });
  });

  it("refuses a token lacking the scope with 403 insufficient_scope", async () => {
    const { access_token } = await issuer.login();
    const response = await call("/admin", access_token);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
  });

  it("refuses a tampered token with 401 invalid_token", async () => {
    const { access_token } = await issuer.login();
    const [header, , signature] = access_token.split(".");
    const payload = Buffer.from(JSON.stringify({ sub: "root", scope: "me admin" })).toString("base64url");
    const response = await call("/orders", `${header}.${payload}.${signature}`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});
