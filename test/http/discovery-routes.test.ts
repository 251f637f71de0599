import { afterAll, describe, expect, it } from "vitest";
import { createTestServer } from "../support/fixtures.js";

const servers: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

describe("discovery", () => {
  it("serves the JWKS with the current public key", async () => {
    const { app } = await createTestServer({ algorithm: "EdDSA" });
    servers.push(app);
    const response = await app.inject({ method: "GET", url: "/.well-known/jwks.json" });
    expect(response.statusCode).toBe(200);
    const { keys } = response.json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(keys[0].d).toBeUndefined();
  });

  it("serves RFC 8414 metadata that points at the real endpoints", async () => {
    const { app } = await createTestServer({ issuer: "https://auth.example.com" });
    servers.push(app);
    const response = await app.inject({
      method: "GET",
      url: "/.well-known/oauth-authorization-server",
      headers: { host: "auth.example.com" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      issuer: "https://auth.example.com",
      token_endpoint: "http://auth.example.com/token",
      jwks_uri: "http://auth.example.com/.well-known/jwks.json",
      revocation_endpoint: "http://auth.example.com/revoke",
      grant_types_supported: ["password", "refresh_token"],
      scopes_supported: ["me", "admin"],
    });
  });

  it("answers unknown routes with FastAPI's 404 shape", async () => {
    const { app } = await createTestServer();
    servers.push(app);
    const response = await app.inject({ method: "GET", url: "/nope" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: "Not Found" });
  });

  it("reports liveness and readiness, and 503 when the database does not answer", async () => {
    const { app, store } = await createTestServer();
    servers.push(app);
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    store.ping = () => Promise.reject(new Error("database is down"));
    const down = await app.inject({ method: "GET", url: "/readyz" });
    expect(down.statusCode).toBe(503);
    expect(down.json().detail).toEqual(expect.any(String));
  });
});
