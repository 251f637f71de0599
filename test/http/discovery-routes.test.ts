import { afterAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/server/build-server.js";
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

  it("serves RFC 8414 metadata whose endpoint URLs all come from the issuer", async () => {
    const { app } = await createTestServer({ issuer: "https://auth.example.com" });
    servers.push(app);
    const response = await app.inject({ method: "GET", url: "/.well-known/oauth-authorization-server" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      issuer: "https://auth.example.com",
      token_endpoint: "https://auth.example.com/token",
      jwks_uri: "https://auth.example.com/.well-known/jwks.json",
      revocation_endpoint: "https://auth.example.com/revoke",
      introspection_endpoint: "https://auth.example.com/introspect",
      grant_types_supported: [
        "password",
        "refresh_token",
        "urn:gatehouse:grant-type:mfa-otp",
        "urn:gatehouse:grant-type:mfa-recovery-code",
      ],
      scopes_supported: ["me", "admin"],
    });
  });

  it("names the default issuer, the server's default base URL, when none is configured", async () => {
    const { app } = await createTestServer();
    servers.push(app);
    const metadata = (await app.inject({ method: "GET", url: "/.well-known/oauth-authorization-server" })).json();
    expect(metadata.issuer).toBe("http://127.0.0.1:8000");
    expect(metadata.token_endpoint).toBe("http://127.0.0.1:8000/token");
  });

  // Security review, issue 9 item 5: `Host: evil.example:443` gave "token_endpoint":"http://evil.example:443/token".
  it.each([
    ["Host", { host: "evil.example:443" }],
    ["X-Forwarded-Host", { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" }],
    ["Forwarded", { forwarded: "host=evil.example;proto=https" }],
  ])("never copies a %s header into the discovery metadata (host header reflection)", async (_name, headers) => {
    const { gatehouse } = await createTestServer({ issuer: "https://auth.example.com" });
    // Trusting proxies is where forwarded headers would count, if anywhere.
    const app = await buildServer({ gatehouse, logLevel: "error", trustProxy: 1 });
    servers.push(app);
    const response = await app.inject({ method: "GET", url: "/.well-known/oauth-authorization-server", headers });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain("evil.example");
    expect(response.json().token_endpoint).toBe("https://auth.example.com/token");
  });

  it("serves the metadata of an issuer with a path at the RFC 8414 §3.1 location too", async () => {
    const { app } = await createTestServer({ issuer: "https://example.com/auth" });
    servers.push(app);
    for (const url of ["/.well-known/oauth-authorization-server/auth", "/.well-known/oauth-authorization-server"]) {
      const metadata = (await app.inject({ method: "GET", url })).json();
      expect(metadata).toMatchObject({
        issuer: "https://example.com/auth",
        token_endpoint: "https://example.com/auth/token",
      });
    }
  });

  it.each([
    ["a bare name", "gatehouse"],
    ["a query", "https://auth.example.com/?tenant=1"],
    ["a fragment", "https://auth.example.com/#top"],
    ["another scheme", "ftp://auth.example.com"],
    ["credentials", "https://user:pass@auth.example.com"],
  ])("refuses an issuer with %s when the Gatehouse is built", async (_name, issuer) => {
    await expect(createTestServer({ issuer })).rejects.toThrow(TypeError);
  });

  it("publishes the JWKS with the configured max-age", async () => {
    const { app } = await createTestServer({ algorithm: "EdDSA", jwksMaxAge: 120 });
    servers.push(app);
    const response = await app.inject({ method: "GET", url: "/.well-known/jwks.json" });
    expect(response.headers["cache-control"]).toBe("public, max-age=120");
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
