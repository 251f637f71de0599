import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, decodeJwt, type InteropIssuer, startInteropIssuer } from "./issuer.js";

/**
 * openid-client 6 (the certified relying-party library) against `gatehouse serve` with its
 * defaults: RFC 8414 discovery, the password grant (genericGrantRequest), refresh rotation,
 * revocation and introspection.
 */

const CLIENT_ID = "my-backend";

async function discover(issuer: InteropIssuer, clientAuth = client.None()): Promise<client.Configuration> {
  return client.discovery(new URL(issuer.url), CLIENT_ID, undefined, clientAuth, {
    algorithm: "oauth2",
    // Loopback http: openid-client insists on https unless told otherwise.
    execute: [client.allowInsecureRequests],
  });
}

describe("openid-client against gatehouse serve's defaults", () => {
  let issuer: InteropIssuer;
  let config: client.Configuration;

  beforeAll(async () => {
    issuer = await startInteropIssuer({ algorithm: "ES256" });
    config = await discover(issuer);
  });
  afterAll(() => issuer.close());

  it("discovers the issuer (RFC 8414: the URL it fetched from) and its endpoints", () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(issuer.url);
    expect(metadata.token_endpoint).toBe(`${issuer.url}/token`);
    expect(metadata.jwks_uri).toBe(`${issuer.url}/.well-known/jwks.json`);
  });

  it("logs in with the password grant; the token names the issuer and the client", async () => {
    const tokens = await client.genericGrantRequest(config, "password", {
      username: "johndoe",
      password: "secret",
      scope: "me",
    });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.expiresIn()).toBeGreaterThan(1700);
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({ iss: issuer.url, client_id: CLIENT_ID });
  });

  it("refreshes, rotating the refresh token, and refuses the used one", async () => {
    const first = await client.genericGrantRequest(config, "password", { username: "johndoe", password: "secret" });
    const second = await client.refreshTokenGrant(config, first.refresh_token as string);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expect(client.refreshTokenGrant(config, first.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("revokes a refresh token, which ends its session's access token too", async () => {
    const tokens = await client.genericGrantRequest(config, "password", { username: "johndoe", password: "secret" });
    await client.tokenRevocation(config, tokens.refresh_token as string, { token_type_hint: "refresh_token" });
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    const me = await fetch(`${issuer.url}/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(401);
  });

  it("introspects with an admin's bearer token as the client authentication", async () => {
    const admin = await issuer.login(ADMIN.username, ADMIN.password, { scope: "me admin" });
    const adminBearer: client.ClientAuth = (_as, _client, _body, headers) => {
      headers.set("authorization", `Bearer ${admin.access_token}`);
    };
    const introspecting = await discover(issuer, adminBearer);
    const tokens = await client.genericGrantRequest(config, "password", { username: "johndoe", password: "secret" });
    expect(await client.tokenIntrospection(introspecting, tokens.access_token)).toMatchObject({
      active: true,
      sub: "johndoe",
      client_id: CLIENT_ID,
      iss: issuer.url,
    });
  });
});
