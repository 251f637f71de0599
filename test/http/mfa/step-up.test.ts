import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatehouse, createRemoteVerifier, DEFAULT_ISSUER, gatehouseVerifier } from "../../../src/core/index.js";
import { requireBearer } from "../../../src/http/express/index.js";
import { bearerAuth } from "../../../src/http/web/index.js";
import { createTestHasher } from "../../support/fixtures.js";
import { call, claimsOf, createMfaServer, enrol, mfaTokenFor, OTP_GRANT, passwordToken, token } from "./mfa-harness.js";

const CHALLENGE = 'Bearer error="insufficient_user_authentication", acr_values="urn:gatehouse:mfa"';

let server: Awaited<ReturnType<typeof createMfaServer>>;
let passwordOnly: string;
let withFactor: string;
let expressServer: Server;
let expressBase: string;

beforeAll(async () => {
  server = await createMfaServer({ secretKey: "a shared secret for the remote verifier in this test" });
  const { app, gatehouse, codeAt, nextStep } = server;
  app.get("/sensitive", { onRequest: app.gatehouse.requireActiveUser(["me"], { mfa: true }) }, async (request) => ({
    owner: request.user?.username,
  }));
  passwordOnly = await passwordToken(app);
  const { secret } = await enrol(app, passwordOnly, codeAt);
  nextStep();
  const second = await token(app, {
    grant_type: OTP_GRANT,
    mfa_token: await mfaTokenFor(app),
    otp: await codeAt(secret),
  });
  withFactor = String(second.body.access_token);

  const web = express();
  web.get("/sensitive", requireBearer(gatehouseVerifier(gatehouse), { scopes: ["me"], mfa: true }), (req, res) => {
    res.json({ owner: req.auth?.claims.sub });
  });
  expressServer = await new Promise<Server>((done) => {
    const listening = web.listen(0, "127.0.0.1", () => done(listening));
  });
  expressBase = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => expressServer.close(done));
  await server.app.close();
});

describe("step-up: routes that demand a second factor", () => {
  it("refuses a password-only token on a Fastify route with 401 insufficient_user_authentication", async () => {
    const refused = await call(server.app, "GET", "/sensitive", passwordOnly);
    expect(refused.status).toBe(401);
    expect(refused.headers["www-authenticate"]).toBe(CHALLENGE);
    expect(refused.body).toEqual({ detail: "A second factor is required" });
    const allowed = await call(server.app, "GET", "/sensitive", withFactor);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual({ owner: "johndoe" });
  });

  it("refuses a password-only token on an Express route alike", async () => {
    const refused = await fetch(`${expressBase}/sensitive`, { headers: { authorization: `Bearer ${passwordOnly}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(CHALLENGE);
    expect(await refused.json()).toEqual({ detail: "A second factor is required" });
    const allowed = await fetch(`${expressBase}/sensitive`, { headers: { authorization: `Bearer ${withFactor}` } });
    expect(allowed.status).toBe(200);
  });

  it("refuses a password-only token on a Hono route (web adapter, remote verifier) alike", async () => {
    // The resource server verifies offline with the shared secret, as one without a database would.
    const verifier = createRemoteVerifier({
      secret: "a shared secret for the remote verifier in this test",
      issuer: DEFAULT_ISSUER,
      clock: server.clock,
    });
    const authorize = bearerAuth(verifier, { scopes: ["me"], mfa: true });
    const hono = new Hono();
    hono.get("/sensitive", async (c) => {
      const result = await authorize(c.req.raw);
      if (!result.ok) return result.response;
      return c.json({ owner: result.auth.claims.sub, amr: result.auth.claims.amr });
    });
    const refused = await hono.request("/sensitive", { headers: { authorization: `Bearer ${passwordOnly}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(CHALLENGE);
    expect(await refused.json()).toEqual({ detail: "A second factor is required" });
    const allowed = await hono.request("/sensitive", { headers: { authorization: `Bearer ${withFactor}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ owner: "johndoe", amr: ["pwd", "otp"] });
  });

  it("still answers a missing token with the plain Not authenticated", async () => {
    const response = await server.app.inject({ url: "/sensitive" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe("Bearer");
  });
});

describe("GATEHOUSE_MFA=required", () => {
  it("gives a user without a factor only an enrolment token, which reaches the enrolment routes and nothing else", async () => {
    const { app, codeAt, nextStep } = await createMfaServer({ mfa: "required" });
    const first = await token(app, { username: "johndoe", password: "secret" });
    expect(first.status).toBe(200);
    expect(first.body.scope).toBe("mfa_enrolment");
    expect(first.body.refresh_token).toBeUndefined();
    const enrolmentToken = String(first.body.access_token);
    expect((await call(app, "GET", "/users/me", enrolmentToken)).status).toBe(403);
    expect((await call(app, "GET", "/users/me/sessions", enrolmentToken)).status).toBe(403);
    expect((await call(app, "POST", "/logout/all", enrolmentToken)).status).toBe(403);

    const { secret } = await enrol(app, enrolmentToken, codeAt);
    nextStep();
    const mfaToken = await mfaTokenFor(app);
    const full = await token(app, { grant_type: OTP_GRANT, mfa_token: mfaToken, otp: await codeAt(secret) });
    expect(full.status).toBe(200);
    expect(full.body.scope).toBe("me");
    expect((await call(app, "GET", "/users/me", String(full.body.access_token))).body?.mfa_enabled).toBe(true);
    await app.close();
  });

  it("makes admin routes demand a second factor", async () => {
    const optional = await createMfaServer();
    // The same database served with factors required: a password-only admin token from before is not enough.
    const adminToken = await passwordToken(optional.app, "root", "rootpassword");
    const required = await createGatehouse({
      store: optional.store,
      hasher: createTestHasher(),
      clock: optional.clock,
      mfa: "required",
    });
    const { buildServer } = await import("../../../src/server/build-server.js");
    const app = await buildServer({ gatehouse: required, logLevel: "error" });
    const refused = await call(app, "GET", "/users", adminToken);
    expect(refused.status).toBe(401);
    expect(refused.headers["www-authenticate"]).toBe(CHALLENGE);
    // The same token still reads the caller's own profile: only admin routes step up.
    expect((await call(app, "GET", "/users/me", adminToken)).status).toBe(200);
    expect(claimsOf(adminToken).amr).toEqual(["pwd"]);
    await app.close();
    await optional.app.close();
  });
});
