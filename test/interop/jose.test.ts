import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { API_AUDIENCE, decodeJwt, type InteropIssuer, startInteropIssuer } from "./issuer.js";

/**
 * panva's jose as a resource server would use it: `createRemoteJWKSet` on the JWKS URL from the
 * metadata, and `jwtVerify` with strict options (issuer, audience, typ at+jwt, pinned
 * algorithm, every RFC 9068 claim required).
 */

const REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "sid", "auth_time"];

describe.each(["EdDSA", "ES256", "RS256"] as const)("jose jwtVerify with %s", (algorithm) => {
  let issuer: InteropIssuer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  beforeAll(async () => {
    issuer = await startInteropIssuer({ algorithm });
    const metadata = (await (await fetch(`${issuer.url}/.well-known/oauth-authorization-server`)).json()) as {
      jwks_uri: string;
    };
    jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  });
  afterAll(() => issuer.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const strict = () => ({
    issuer: issuer.url,
    audience: API_AUDIENCE,
    typ: "at+jwt",
    algorithms: [algorithm],
    requiredClaims: REQUIRED_CLAIMS,
  });

  it("verifies a Gatehouse access token with strict options", async () => {
    const { access_token } = await issuer.login();
    const { payload, protectedHeader } = await jwtVerify(access_token, jwks, strict());
    expect(protectedHeader).toMatchObject({ alg: algorithm, typ: "at+jwt" });
    expect(payload).toMatchObject({ iss: issuer.url, sub: "johndoe", scope: "me", client_id: "gatehouse" });
  });

  it("verifies it within the very millisecond it was issued (whole-second iat)", async () => {
    // Frozen half-way through a second: a fractional iat would be later than jose's clock tolerance-free now.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.floor(Date.now() / 1000) * 1000 + 500);
    const { access_token } = await issuer.login();
    expect(Number.isInteger(decodeJwt(access_token).payload.iat)).toBe(true);
    await expect(jwtVerify(access_token, jwks, { ...strict(), maxTokenAge: 0 })).resolves.toBeDefined();
  });

  it("refuses it for another audience or issuer, as a strict verifier must", async () => {
    const { access_token } = await issuer.login();
    await expect(jwtVerify(access_token, jwks, { ...strict(), audience: "https://other.example.com" })).rejects.toThrow(
      errors.JWTClaimValidationFailed,
    );
    await expect(jwtVerify(access_token, jwks, { ...strict(), issuer: "gatehouse" })).rejects.toThrow(
      errors.JWTClaimValidationFailed,
    );
  });
});

describe("jose jwtVerify with the shared HS256 secret", () => {
  const secret = "a secret shared between Gatehouse and the resource server";
  let issuer: InteropIssuer;
  beforeAll(async () => {
    issuer = await startInteropIssuer({ algorithm: "HS256", audience: null, env: { GATEHOUSE_SECRET_KEY: secret } });
  });
  afterAll(() => issuer.close());

  it("verifies with the secret's UTF-8 bytes as the key, as PyJWT does", async () => {
    const { access_token } = await issuer.login();
    const { payload } = await jwtVerify(access_token, new TextEncoder().encode(secret), {
      issuer: issuer.url,
      typ: "at+jwt",
      algorithms: ["HS256"],
      requiredClaims: REQUIRED_CLAIMS.filter((claim) => claim !== "aud"),
    });
    expect(payload.sub).toBe("johndoe");
  });
});
