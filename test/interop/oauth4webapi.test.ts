import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, API_AUDIENCE, decodeJwt, type InteropIssuer, startInteropIssuer } from "./issuer.js";

/**
 * panva's oauth4webapi, the strict RFC client, against `gatehouse serve` with its defaults (no
 * GATEHOUSE_ISSUER): RFC 8414 discovery, the password grant through its generic token endpoint
 * request, refresh rotation, RFC 7009 revocation, RFC 7662 introspection, and RFC 9068
 * `validateJwtAccessToken` as a resource server would run it.
 */

// Loopback http: oauth4webapi insists on https unless told otherwise.
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: "my-spa", token_endpoint_auth_method: "none" };
const clientAuth = oauth.None();

async function discover(issuer: InteropIssuer): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer.url);
  const response = await oauth.discoveryRequest(issuerUrl, { algorithm: "oauth2", ...insecure });
  return oauth.processDiscoveryResponse(issuerUrl, response);
}

async function passwordGrant(
  as: oauth.AuthorizationServer,
  username = "johndoe",
  password = "secret",
  scope = "me",
): Promise<oauth.TokenEndpointResponse> {
  const response = await oauth.genericTokenEndpointRequest(
    as,
    client,
    clientAuth,
    "password",
    new URLSearchParams({ username, password, scope }),
    insecure,
  );
  return oauth.processGenericTokenEndpointResponse(as, client, response);
}

const bearerRequest = (token: string) =>
  new Request("https://api.example.com/orders", { headers: { authorization: `Bearer ${token}` } });

describe("oauth4webapi against gatehouse serve's defaults", () => {
  let issuer: InteropIssuer;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    issuer = await startInteropIssuer({ algorithm: "EdDSA" });
    as = await discover(issuer);
  });
  afterAll(() => issuer.close());

  it("discovers the metadata: the issuer is the URL it was fetched from, and every endpoint is under it", () => {
    expect(as.issuer).toBe(issuer.url);
    for (const endpoint of [as.token_endpoint, as.jwks_uri, as.revocation_endpoint, as.introspection_endpoint]) {
      expect(endpoint?.startsWith(`${issuer.url}/`)).toBe(true);
    }
    expect(as.grant_types_supported).toEqual(expect.arrayContaining(["password", "refresh_token"]));
  });

  it("gets tokens with the password grant and validates the access token as RFC 9068 requires", async () => {
    const tokens = await passwordGrant(as);
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.scope).toBe("me");
    const claims = await oauth.validateJwtAccessToken(as, bearerRequest(tokens.access_token), API_AUDIENCE, insecure);
    expect(claims).toMatchObject({ iss: issuer.url, sub: "johndoe", aud: API_AUDIENCE, client_id: "my-spa" });
  });

  it("validates a token requested without any client (client_id gatehouse)", async () => {
    const { access_token } = await issuer.login();
    expect(decodeJwt(access_token).payload.client_id).toBe("gatehouse");
    const claims = await oauth.validateJwtAccessToken(as, bearerRequest(access_token), API_AUDIENCE, insecure);
    expect(claims.client_id).toBe("gatehouse");
  });

  it("rotates the refresh token, and the used one is refused afterwards", async () => {
    const first = await passwordGrant(as);
    const refresh = first.refresh_token as string;
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refresh, insecure);
    const second = await oauth.processRefreshTokenResponse(as, client, response);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(refresh);
    await oauth.validateJwtAccessToken(as, bearerRequest(second.access_token), API_AUDIENCE, insecure);

    const replay = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refresh, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, replay)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("revokes an access token (RFC 7009); Gatehouse then refuses it", async () => {
    const { access_token } = await passwordGrant(as);
    const response = await oauth.revocationRequest(as, client, clientAuth, access_token, insecure);
    await oauth.processRevocationResponse(response);
    const me = await fetch(`${issuer.url}/users/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(401);
  });

  it("introspects a token (RFC 7662) with an admin's bearer token, and reports a revoked one inactive", async () => {
    const admin = await passwordGrant(as, ADMIN.username, ADMIN.password, "me admin");
    const { access_token } = await passwordGrant(as);
    // Gatehouse's introspection endpoint authenticates an admin's bearer token, not a client:
    // oauth4webapi's ClientAuth is the extension point for the header.
    const adminBearer: oauth.ClientAuth = (_as, _client, _body, headers) => {
      headers.set("authorization", `Bearer ${admin.access_token}`);
    };
    const introspect = async () => {
      const response = await oauth.introspectionRequest(as, client, adminBearer, access_token, insecure);
      return oauth.processIntrospectionResponse(as, client, response);
    };
    expect(await introspect()).toMatchObject({ active: true, sub: "johndoe", client_id: "my-spa", scope: "me" });
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, clientAuth, access_token, insecure),
    );
    expect(await introspect()).toEqual({ active: false });
  });
});

describe.each(["EdDSA", "ES256", "RS256"] as const)("oauth4webapi validateJwtAccessToken with %s", (algorithm) => {
  let issuer: InteropIssuer;
  beforeAll(async () => {
    issuer = await startInteropIssuer({ algorithm });
  });
  afterAll(() => issuer.close());

  it("validates a fresh token, pinned to the algorithm, in the second it was issued", async () => {
    const as = await discover(issuer);
    const tokens = await passwordGrant(as);
    expect(decodeJwt(tokens.access_token).header).toMatchObject({ alg: algorithm, typ: "at+jwt" });
    const claims = await oauth.validateJwtAccessToken(as, bearerRequest(tokens.access_token), API_AUDIENCE, {
      ...insecure,
      signingAlgorithms: [algorithm],
    });
    expect(claims.sub).toBe("johndoe");
  });
});
