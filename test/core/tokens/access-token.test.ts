import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createFixedClock, DEFAULT_CLIENT_ID, isGatehouseError } from "../../../src/core/index.js";
import { createKeyRing } from "../../../src/core/keys/key-ring.js";
import { configuredSecretKey, generateSigningKey, loadSigningKey } from "../../../src/core/keys/signing-keys.js";
import { createAccessTokenService } from "../../../src/core/tokens/access-token.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const SECRET = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

function setup(options: { audience?: string; secret?: string } = {}) {
  const clock = createFixedClock(NOW);
  const key = configuredSecretKey(options.secret ?? SECRET);
  const ring = createKeyRing({ keys: [key], typ: "at+jwt", kidlessKey: key });
  const service = createAccessTokenService({
    keys: () => ring,
    issuer: "https://auth.example.com",
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ttlSeconds: 1800,
    clockSkewSeconds: 30,
    clock,
  });
  return { clock, service, key };
}

/** Claims that verify under setup(): each test changes only what it is about. */
function validPayload(change: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: "johndoe",
    exp: NOW / 1000 + 60,
    iat: NOW / 1000,
    iss: "https://auth.example.com",
    jti: "x",
    scope: "me",
    ...change,
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
function hs256(header: unknown, payload: unknown, secret: string | Buffer = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

function rejects(service: { verify(token: string): unknown }, token: string): boolean {
  try {
    service.verify(token);
    return false;
  } catch (error) {
    return isGatehouseError(error, "invalid_token");
  }
}

describe("access token service", () => {
  it("issues a token that verifies, with whole-second iat, exp and auth_time and the RFC 9068 claims", () => {
    const { service, clock } = setup();
    clock.set(NOW + 153);
    const issued = service.issue({ subject: "johndoe", scopes: ["me"], clientId: "app", authTime: NOW - 999 });
    const claims = service.verify(issued.token);
    expect(claims).toMatchObject({ sub: "johndoe", scope: "me", client_id: "app", iss: "https://auth.example.com" });
    // A fractional iat is "in the future" to Hono and PyJWT until its second is over.
    expect(claims.iat).toBe(NOW / 1000);
    expect(claims.exp).toBe(NOW / 1000 + 1800);
    expect(claims.auth_time).toBe(NOW / 1000 - 1);
  });

  it("names the client gatehouse when the request named none (RFC 9068 §2.2 requires client_id)", () => {
    const { service } = setup();
    const issued = service.issue({ subject: "johndoe", scopes: ["me"] });
    expect(issued.claims.client_id).toBe("gatehouse");
    expect(service.verify(issued.token).client_id).toBe(DEFAULT_CLIENT_ID);
  });

  it("rejects a token once expired, allowing the clock skew", () => {
    const { service, clock } = setup();
    const { token } = service.issue({ subject: "johndoe", scopes: [] });
    clock.advance(1800_000 + 29_000);
    expect(rejects(service, token)).toBe(false);
    clock.advance(2_000);
    expect(rejects(service, token)).toBe(true);
  });

  it("rejects alg none however it is spelled", () => {
    const { service, key } = setup();
    const payload = validPayload();
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      expect(rejects(service, `${b64({ alg, typ: "at+jwt", kid: key.kid })}.${b64(payload)}.`)).toBe(true);
    }
  });

  it("rejects a token signed with another key", () => {
    const { service, key } = setup();
    const payload = validPayload();
    expect(rejects(service, hs256({ alg: "HS256", typ: "at+jwt", kid: key.kid }, payload, "another secret"))).toBe(
      true,
    );
  });

  it("rejects a tampered payload", () => {
    const { service } = setup();
    const [header, , signature] = service.issue({ subject: "johndoe", scopes: ["me"] }).token.split(".");
    const forged = b64({
      sub: "root",
      exp: NOW / 1000 + 60,
      iat: NOW / 1000,
      iss: "https://auth.example.com",
      jti: "x",
      scope: "admin",
    });
    expect(rejects(service, `${header}.${forged}.${signature}`)).toBe(true);
  });

  it.each([
    ["a wrong issuer", { iss: "https://evil.example.com" }],
    ["no exp", { exp: undefined }],
    ["no sub", { sub: undefined }],
    ["an iat in the future", { iat: NOW / 1000 + 3600 }],
    ["an nbf in the future", { nbf: NOW / 1000 + 3600 }],
    ["an audience while none is configured", { aud: "other-api" }],
    ["a non-numeric exp", { exp: "9999999999" }],
  ])("rejects a correctly signed token with %s", (_name, change) => {
    const { service, key } = setup();
    const payload = validPayload(change);
    expect(rejects(service, hs256({ alg: "HS256", typ: "at+jwt", kid: key.kid }, payload))).toBe(true);
  });

  it("rejects a wrong typ on a token that names a kid", () => {
    const { service, key } = setup();
    const payload = validPayload();
    expect(rejects(service, hs256({ alg: "HS256", typ: "JWT", kid: key.kid }, payload))).toBe(true);
  });

  it("checks the audience when one is configured", () => {
    const { service, key } = setup({ audience: "https://api.example.com" });
    const base = validPayload();
    const header = { alg: "HS256", typ: "at+jwt", kid: key.kid };
    expect(rejects(service, hs256(header, { ...base, aud: "https://api.example.com" }))).toBe(false);
    expect(rejects(service, hs256(header, { ...base, aud: ["x", "https://api.example.com"] }))).toBe(false);
    expect(rejects(service, hs256(header, { ...base, aud: "https://other.example.com" }))).toBe(true);
    expect(rejects(service, hs256(header, base))).toBe(true);
  });

  it("accepts a token made by a FastAPI app sharing the secret (PyJWT: no kid, typ JWT, sub and exp only)", () => {
    const { service } = setup();
    const token = hs256({ alg: "HS256", typ: "JWT" }, { sub: "johndoe", exp: Math.floor(NOW / 1000) + 900 });
    expect(service.verify(token)).toMatchObject({ sub: "johndoe", scope: "" });
  });

  it("dates a kid-less token without iat one access token TTL before its exp", () => {
    const { service } = setup();
    const exp = NOW / 1000 + 900;
    expect(service.verify(hs256({ alg: "HS256", typ: "JWT" }, { sub: "johndoe", exp })).iat).toBe(exp - 1800);
  });

  it("refuses a kid-less token without iat that would live longer than the access token TTL", () => {
    const { service } = setup();
    // Dated exp − TTL, it would have been made in the future: beyond the clock skew, refused.
    const exp = NOW / 1000 + 1800 + 31;
    expect(rejects(service, hs256({ alg: "HS256", typ: "JWT" }, { sub: "johndoe", exp }))).toBe(true);
    expect(rejects(service, hs256({ alg: "HS256", typ: "JWT" }, { sub: "johndoe", exp: exp - 1 }))).toBe(false);
  });

  it("names a token without jti by a digest of itself, so it can be revoked", () => {
    const { service } = setup();
    const token = hs256({ alg: "HS256", typ: "JWT" }, { sub: "johndoe", exp: NOW / 1000 + 900 });
    const other = hs256({ alg: "HS256", typ: "JWT" }, { sub: "johndoe", exp: NOW / 1000 + 901 });
    const { jti } = service.verify(token);
    expect(jti).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(service.verify(token).jti).toBe(jti);
    expect(service.verify(other).jti).not.toBe(jti);
  });

  it("still rejects a FastAPI-style token with a wrong issuer or without exp", () => {
    const { service } = setup();
    expect(rejects(service, hs256({ alg: "HS256", typ: "JWT" }, { sub: "johndoe" }))).toBe(true);
    expect(rejects(service, hs256({ alg: "HS256" }, { sub: "johndoe", exp: NOW / 1000 + 60, iss: "evil" }))).toBe(true);
  });

  it("rejects HS256 tokens signed with the public key of an asymmetric ring (algorithm confusion)", () => {
    const clock = createFixedClock(NOW);
    const stored = generateSigningKey("RS256", NOW);
    const ring = createKeyRing({ keys: [loadSigningKey(stored)], typ: "at+jwt" });
    const service = createAccessTokenService({
      keys: () => ring,
      issuer: "gatehouse",
      ttlSeconds: 60,
      clockSkewSeconds: 0,
      clock,
    });
    const payload = { sub: "johndoe", exp: NOW / 1000 + 60, iat: NOW / 1000, iss: "gatehouse", jti: "x", scope: "me" };
    expect(rejects(service, hs256({ alg: "HS256", typ: "at+jwt", kid: stored.kid }, payload, stored.publicKey))).toBe(
      true,
    );
    expect(service.verify(service.issue({ subject: "johndoe", scopes: ["me"] }).token).sub).toBe("johndoe");
  });

  it.each(["EdDSA", "ES256", "RS256"] as const)("signs and verifies with %s", (algorithm) => {
    const clock = createFixedClock(NOW);
    const ring = createKeyRing({
      keys: [loadSigningKey(generateSigningKey(algorithm, NOW))],
      typ: "at+jwt",
    });
    const service = createAccessTokenService({
      keys: () => ring,
      issuer: "gatehouse",
      ttlSeconds: 60,
      clockSkewSeconds: 0,
      clock,
    });
    const { token } = service.issue({ subject: "johndoe", scopes: ["me"] });
    expect(service.verify(token).sub).toBe("johndoe");
    expect(ring.jwks.keys[0]).toMatchObject({ alg: algorithm, use: "sig" });
  });
});

/** A token signed with SECRET whose payload is `{"…valid claims…","note":"<bytes>"}` with the given raw bytes. */
function hs256WithRawClaim(header: Record<string, unknown>, bytes: number[], claim = "note"): string {
  const prefix = JSON.stringify(validPayload()).slice(0, -1);
  const payload = Buffer.concat([Buffer.from(`${prefix},"${claim}":"`), Buffer.from(bytes), Buffer.from('"}')]);
  const input = `${b64(header)}.${payload.toString("base64url")}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}

// Review finding 13: the JWT library decodes the payload leniently, turning invalid bytes into
// U+FFFD, so a correctly signed token whose claims were not UTF-8 was accepted.
describe("access token service (regression: a signed token with invalid UTF-8 inside a claim was accepted)", () => {
  const withKid = (key: { kid: string }) => ({ alg: "HS256", typ: "at+jwt", kid: key.kid });

  it.each([
    ["a lone 0xFF byte", [0xff]],
    ["a truncated three-byte sequence", [0xe2, 0x82]],
    ["an overlong encoding of '/'", [0xc0, 0xaf]],
    ["an encoded UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["a continuation byte on its own", [0x80]],
  ])("rejects %s inside a claim with invalid_token", (_name, bytes) => {
    const { service, key } = setup();
    expect(rejects(service, hs256WithRawClaim(withKid(key), bytes))).toBe(true);
    expect(rejects(service, hs256WithRawClaim({ alg: "HS256", typ: "JWT" }, bytes))).toBe(true);
    expect(rejects(service, hs256WithRawClaim(withKid(key), bytes, "jti"))).toBe(true);
  });

  it("rejects a header with invalid UTF-8 inside a parameter", () => {
    const { service, key } = setup();
    const header = Buffer.concat([
      Buffer.from(`{"alg":"HS256","typ":"at+jwt","kid":"${key.kid}","x":"`),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const input = `${header.toString("base64url")}.${b64(validPayload())}`;
    expect(rejects(service, `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`)).toBe(true);
  });

  it("accepts the same token with valid multi-byte UTF-8 in the claim (the control)", () => {
    const { service, key } = setup();
    const claims = service.verify(hs256WithRawClaim(withKid(key), [...Buffer.from("jöhn €𝄞")]));
    expect(claims.sub).toBe("johndoe");
  });
});
