import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { auth } from "express-oauth2-jwt-bearer";
import { Hono } from "hono";
import { jwk } from "hono/jwk";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JWKS_MAX_AGE_SECONDS } from "../../src/core/index.js";
import { createRemoteVerifier } from "../../src/http/verify/index.js";
import { API_AUDIENCE, decodeJwt, type InteropIssuer, startInteropIssuer } from "./issuer.js";

/**
 * `keys rotate` as resource servers see it, each with its default JWKS caching: jose's
 * createRemoteJWKSet (10 min cache, 30 s cooldown), express-oauth2-jwt-bearer (the same, through
 * discovery), oauth4webapi's validateJwtAccessToken, Gatehouse's createRemoteVerifier (5 min
 * cache, 30 s between refetches) and Hono's jwk (fetches every time). Each fetches the JWKS before
 * the rotation; every token made after it must verify everywhere at once. Time is moved with a
 * fake Date (server and libraries read the same clock); sockets and timers stay real.
 */

describe("a key rotation seen by resource servers with default JWKS caching", () => {
  let issuer: InteropIssuer;
  let api: Server;
  let verifiers: Array<[name: string, verify: (token: string) => Promise<unknown>]>;

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.floor(Date.now() / 1000) * 1000);
    issuer = await startInteropIssuer({ algorithm: "EdDSA" });
    const jwksUrl = `${issuer.url}/.well-known/jwks.json`;

    const joseKeys = createRemoteJWKSet(new URL(jwksUrl));
    const remote = createRemoteVerifier({ jwksUrl, issuer: issuer.url, audience: API_AUDIENCE });
    const as = await oauth.processDiscoveryResponse(
      new URL(issuer.url),
      await oauth.discoveryRequest(new URL(issuer.url), { algorithm: "oauth2", [oauth.allowInsecureRequests]: true }),
    );
    const hono = new Hono();
    hono.use("/*", jwk({ jwks_uri: jwksUrl, alg: ["EdDSA"], verification: { typ: "at+jwt", iss: issuer.url } }));
    hono.get("/orders", (c) => c.text("ok"));
    const app = express();
    app.use(auth({ issuerBaseURL: issuer.url, audience: API_AUDIENCE, strict: true }));
    app.get("/orders", (_req, res) => {
      res.send("ok");
    });
    api = await new Promise<Server>((resolve) => {
      const server = app.listen(0, "127.0.0.1", () => resolve(server));
    });
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const expectOk = async (response: Response) => {
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    verifiers = [
      [
        "jose",
        (token) =>
          jwtVerify(token, joseKeys, {
            issuer: issuer.url,
            audience: API_AUDIENCE,
            typ: "at+jwt",
            algorithms: ["EdDSA"],
          }),
      ],
      ["gatehouse/verify", (token) => remote.verify(token)],
      [
        "oauth4webapi",
        (token) =>
          oauth.validateJwtAccessToken(
            as,
            new Request("https://api.example.com/", { headers: bearer(token) }),
            API_AUDIENCE,
            { [oauth.allowInsecureRequests]: true },
          ),
      ],
      ["hono/jwk", async (token) => expectOk(await hono.request("/orders", { headers: bearer(token) }))],
      [
        "express-oauth2-jwt-bearer",
        async (token) => expectOk(await fetch(`${apiUrl}/orders`, { headers: bearer(token) })),
      ],
    ];
  });
  afterAll(async () => {
    vi.useRealTimers();
    await new Promise((resolve) => api?.close(resolve));
    await issuer?.close();
  });

  const verifyEverywhere = async (token: string) => {
    const outcomes = await Promise.all(
      verifiers.map(async ([name, verify]) => {
        try {
          await verify(token);
          return [name, "ok"];
        } catch (error) {
          return [name, String(error)];
        }
      }),
    );
    return Object.fromEntries(outcomes);
  };
  const allOk = () => Object.fromEntries(verifiers.map(([name]) => [name, "ok"]));

  it("verifies every token at every resource server, before, during and after the switch to the new key", async () => {
    // Each resource server fetches (and caches) the JWKS that has only the old key.
    const before = (await issuer.login()).access_token;
    expect(await verifyEverywhere(before)).toEqual(allOk());

    const rotatedAt = Date.now();
    const newKid = await issuer.gatehouse.rotateKeys();
    expect(issuer.gatehouse.jwks().keys.map((key) => key.kid)).toContain(newKid);

    // Until the caches may have expired, the old key signs.
    vi.setSystemTime(rotatedAt + JWKS_MAX_AGE_SECONDS * 1000 - 1);
    const during = (await issuer.login()).access_token;
    expect(decodeJwt(during).header.kid).toBe(decodeJwt(before).header.kid);
    expect(await verifyEverywhere(during)).toEqual(allOk());

    // Then the new key signs, and its very first token verifies at every resource server.
    vi.setSystemTime(rotatedAt + JWKS_MAX_AGE_SECONDS * 1000);
    const after = (await issuer.login()).access_token;
    expect(decodeJwt(after).header.kid).toBe(newKid);
    expect(await verifyEverywhere(after)).toEqual(allOk());
    expect(await verifyEverywhere(before)).toEqual(allOk());
  });
});
