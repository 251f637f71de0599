import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createFixedClock, createRemoteVerifier, isGatehouseError, type JwksFetch } from "../../../src/core/index.js";
import { configuredSecretKey } from "../../../src/core/keys/signing-keys.js";
import { sharedSecretKid } from "../../../src/core/remote/shared-secret.js";
import { decodeBase64urlPortably, encodeBase64urlPortably } from "../../../src/core/tokens/base64url.js";

const ISSUER = "https://issuer.test";
const JWKS_URL = "https://issuer.test/.well-known/jwks.json";
const START = Date.UTC(2026, 11, 3, 12, 0, 0);

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return isGatehouseError(error) ? error.code : `unexpected ${String(error)}`;
  }
}

describe("base64url without Buffer (what browsers and workers run)", () => {
  it.each([0, 1, 2, 3, 31, 32, 33, 256])("round-trips %i random bytes exactly as Buffer does", (length) => {
    const bytes = randomBytes(length);
    const text = bytes.toString("base64url");
    expect(encodeBase64urlPortably(bytes)).toBe(text);
    expect(Buffer.from(decodeBase64urlPortably(text))).toEqual(bytes);
  });
});

describe("the shared secret's kid", () => {
  it.each(["09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7", "short", "ünïcødé ✓ secret"])(
    "is the one the server derives with node:crypto for %j",
    async (secret) => {
      expect(await sharedSecretKid(new TextEncoder().encode(secret))).toBe(configuredSecretKey(secret).kid);
    },
  );
});

describe("the WebCrypto remote verifier", () => {
  const clock = createFixedClock(START);
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  let jwks: { keys: Record<string, unknown>[] };
  let fetches = 0;
  const fetch: JwksFetch = async () => {
    fetches++;
    return new Response(JSON.stringify(jwks), { status: 200 });
  };
  const verifier = (extra: Record<string, unknown> = {}) =>
    createRemoteVerifier({ jwksUrl: JWKS_URL, issuer: ISSUER, fetch, clock, minRefetchIntervalMs: 1, ...extra });

  const sign = (header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}) => {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ iss: ISSUER, sub: "johndoe", iat: now, exp: now + 600, jti: "j1", scope: "me", ...claims })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "k1", ...header } as { alg: string })
      .sign(privateKey);
  };

  beforeAll(async () => {
    const pair = await generateKeyPair("EdDSA", { extractable: true });
    privateKey = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "EdDSA", use: "sig" }] };
  });

  it.each([
    ["at+jwt", "ok"],
    ["AT+JWT", "ok"],
    ["application/at+jwt", "ok"],
    ["JWT", "invalid_token"],
    [undefined, "invalid_token"],
  ])("takes typ %j as the server does: %s", async (typ, expected) => {
    expect(await outcome(verifier().verify(await sign({ typ })))).toBe(expected);
  });

  it("refuses a header with crit, since it understands no extension", async () => {
    const now = Math.floor(clock.now() / 1000);
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const signRaw = async (header: Record<string, unknown>) => {
      const claims = { iss: ISSUER, sub: "johndoe", iat: now, exp: now + 600, jti: "j1", scope: "me" };
      const input = `${part({ alg: "EdDSA", typ: "at+jwt", kid: "k1", ...header })}.${part(claims)}`;
      const signature = await crypto.subtle.sign("Ed25519", privateKey, new TextEncoder().encode(input));
      return `${input}.${Buffer.from(signature).toString("base64url")}`;
    };
    expect(await outcome(verifier().verify(await signRaw({})))).toBe("ok");
    expect(await outcome(verifier().verify(await signRaw({ crit: ["ext"], ext: 1 })))).toBe("invalid_token");
  });

  it("re-checks the claims of a token it has verified before: expiry still applies", async () => {
    const remote = verifier();
    const token = await sign();
    expect(await outcome(remote.verify(token))).toBe("ok");
    clock.advance(11 * 60_000);
    try {
      expect(await outcome(remote.verify(token))).toBe("invalid_token");
    } finally {
      clock.set(START);
    }
  });

  it("forgets a key's tokens when a refetched JWKS no longer has the key", async () => {
    const remote = verifier({ cacheMaxAgeMs: 1_000 });
    const token = await sign();
    expect(await outcome(remote.verify(token))).toBe("ok");
    const published = jwks;
    jwks = { keys: [] };
    clock.advance(2_000);
    try {
      const before = fetches;
      expect(await outcome(remote.verify(token))).toBe("invalid_token");
      expect(fetches).toBe(before + 1);
    } finally {
      jwks = published;
      clock.set(START);
    }
  });

  it("does not remember a token whose signature failed", async () => {
    const remote = verifier();
    const token = await sign();
    const forged = `${token.slice(0, -6)}AAAAAA`;
    expect(await outcome(remote.verify(forged))).toBe("invalid_token");
    expect(await outcome(remote.verify(forged))).toBe("invalid_token");
    expect(await outcome(remote.verify(token))).toBe("ok");
  });
});
