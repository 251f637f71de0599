import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRemoteVerifier,
  DEFAULT_ISSUER,
  type Gatehouse,
  gatehouseVerifier,
  type TokenVerifier,
} from "../../../src/core/index.js";
import { requireBearer } from "../../../src/http/express/index.js";
import { accessTokenFor, createTestServer } from "../../support/fixtures.js";

let app: FastifyInstance;
let gatehouse: Gatehouse;
let server: Server;
let base: string;
let token: string;
let adminOnlyToken: string;
const serverErrors: unknown[] = [];

const failing: TokenVerifier = {
  verify: async () => {
    throw new Error("database on fire");
  },
};

beforeAll(async () => {
  ({ app, gatehouse } = await createTestServer({ algorithm: "EdDSA" }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const issuerPort = (app.server.address() as AddressInfo).port;
  token = await accessTokenFor(app, "johndoe", "secret");
  adminOnlyToken = await accessTokenFor(app, "root", "rootpassword", "admin");

  const local = gatehouseVerifier(gatehouse);
  const remote = createRemoteVerifier({
    jwksUrl: `http://127.0.0.1:${issuerPort}/.well-known/jwks.json`,
    issuer: DEFAULT_ISSUER,
  });
  const api = express();
  api.get("/users/me", requireBearer(local, { scopes: ["me"] }), (req, res) => {
    res.json({ sub: req.auth?.claims.sub, scopes: req.auth?.scopes, username: req.auth?.user?.username });
  });
  api.get("/any", requireBearer(local), (req, res) => {
    res.json({ sub: req.auth?.claims.sub });
  });
  api.get("/remote", requireBearer(remote, { scopes: ["me"] }), (req, res) => {
    res.json({ sub: req.auth?.claims.sub, scopes: req.auth?.scopes, user: req.auth?.user ?? null });
  });
  api.get("/failing", requireBearer(failing), (_req, res) => {
    res.json({ reached: true });
  });
  api.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    serverErrors.push(error);
    res.status(500).json({ detail: "Internal Server Error" });
  });
  server = await new Promise<Server>((resolve) => {
    const listening = api.listen(0, "127.0.0.1", () => resolve(listening));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.close();
});

async function get(path: string, authorization?: string) {
  const response = await fetch(`${base}${path}`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

describe("requireBearer (Express)", () => {
  it("passes a valid token through with req.auth set", async () => {
    const response = await get("/users/me", `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: "johndoe", scopes: ["me"], username: "johndoe" });
  });

  it("accepts a lower-case scheme followed by several spaces", async () => {
    expect((await get("/users/me", `bearer   ${token}`)).status).toBe(200);
  });

  it.each([undefined, "Basic am9obmRvZTpzZWNyZXQ=", "Token abc", "Bearer"])(
    "answers %j with 401 Not authenticated and a bare Bearer challenge",
    async (authorization) => {
      const response = await get("/users/me", authorization);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ detail: "Not authenticated" });
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
    },
  );

  it.each([
    ["garbage", () => "Bearer not-a-token"],
    ["a tampered signature", () => `Bearer ${token.slice(0, -4)}AAAA`],
    ["a malformed credential", () => "Bearer a b"],
  ])("answers %s with 401 and an invalid_token challenge naming the route's scopes", async (_name, header) => {
    const response = await get("/users/me", header());
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ detail: "Could not validate credentials" });
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token", scope="me"');
  });

  it("leaves the scope out of the invalid_token challenge on a route without scopes", async () => {
    const response = await get("/any", "Bearer not-a-token");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("answers a token without the route's scope with 403 and an insufficient_scope challenge", async () => {
    const response = await get("/users/me", `Bearer ${adminOnlyToken}`);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ detail: "Not enough permissions" });
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="me"');
  });

  it("answers a disabled user's token with 400 Inactive user, as the server does", async () => {
    await gatehouse.users.create({ username: "bob", email: "bob@example.com", password: "bobpassword1" });
    const bobToken = await accessTokenFor(app, "bob", "bobpassword1");
    await gatehouse.users.update("bob", { disabled: true });
    const response = await get("/users/me", `Bearer ${bobToken}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ detail: "Inactive user" });
  });

  it.each([
    ["no header", () => undefined],
    ["another scheme", () => "Basic am9obmRvZTpzZWNyZXQ="],
    ["garbage", () => "Bearer not-a-token"],
    ["a tampered signature", () => `Bearer ${token.slice(0, -4)}AAAA`],
    ["a malformed credential", () => "Bearer a b"],
    ["a token without the scope", () => `Bearer ${adminOnlyToken}`],
  ])("replies to %s exactly as the Fastify plugin's GET /users/me does", async (_name, header) => {
    const authorization = header();
    const ours = await get("/users/me", authorization);
    const fastify = await app.inject({
      method: "GET",
      url: "/users/me",
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(ours.status).toBe(fastify.statusCode);
    expect(ours.body).toEqual(fastify.json());
    expect(ours.headers.get("www-authenticate")).toBe(fastify.headers["www-authenticate"]);
    expect(ours.headers.get("content-type")).toBe(fastify.headers["content-type"]);
  });

  it("works with a remote verifier that only knows the issuer's JWKS URL", async () => {
    const response = await get("/remote", `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: "johndoe", scopes: ["me"], user: null });
    const denied = await get("/remote", `Bearer ${adminOnlyToken}`);
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="me"');
  });

  it("hands errors that are not Gatehouse's to the app's error handler, without the token", async () => {
    const response = await get("/failing", `Bearer ${token}`);
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain(token);
    expect(serverErrors).toHaveLength(1);
    expect((serverErrors[0] as Error).message).toBe("database on fire");
  });
});
