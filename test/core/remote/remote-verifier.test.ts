import { createHmac, createPrivateKey, generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Clock,
  createFixedClock,
  createRemoteVerifier,
  DEFAULT_ISSUER,
  type Gatehouse,
  isGatehouseError,
  JWKS_MAX_AGE_SECONDS,
  type JwksFetch,
  type RemoteVerifierOptions,
} from "../../../src/core/index.js";
import { createKeyRing, type KeyRing } from "../../../src/core/keys/key-ring.js";
import { generateSigningKey, loadSigningKey } from "../../../src/core/keys/signing-keys.js";
import { createAccessTokenService } from "../../../src/core/tokens/access-token.js";
import { bearerAuth } from "../../../src/http/web/index.js";
import { accessTokenFor, createTestServer } from "../../support/fixtures.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const decode = (segment: string) => JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));

/** The error code a verification ends with, or "ok". */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return isGatehouseError(error) ? error.code : `unexpected ${String(error)}`;
  }
}

function countingFetch(): { fetch: JwksFetch; count: () => number } {
  let calls = 0;
  return {
    fetch: (url, init) => {
      calls++;
      return globalThis.fetch(url, init);
    },
    count: () => calls,
  };
}

/** Re-signs nothing: swaps the header, keeping payload and signature. */
function withHeader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split(".");
  return `${b64(header)}.${payload}.${signature}`;
}

function hs256(header: unknown, payload: unknown, secret: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

interface Issuer {
  app: FastifyInstance;
  gatehouse: Gatehouse;
  jwksUrl: string;
  token(username?: string, password?: string, scope?: string): Promise<string>;
}

/** A real Gatehouse server (EdDSA, memory store) listening on a loopback port. */
async function startIssuer(clock?: Clock): Promise<Issuer> {
  const { app, gatehouse } = await createTestServer({ algorithm: "EdDSA", ...(clock === undefined ? {} : { clock }) });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    gatehouse,
    jwksUrl: `${base}/.well-known/jwks.json`,
    async token(username = "johndoe", password = "secret", scope?: string) {
      const response = await fetch(`${base}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username, password, ...(scope === undefined ? {} : { scope }) }),
      });
      if (response.status !== 200) throw new Error(`login failed with ${response.status}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
  };
}

describe("remote verifier over a real Gatehouse's JWKS", () => {
  let issuer: Issuer;
  let token: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    token = await issuer.token();
  });
  afterAll(() => issuer.app.close());

  const verifierFor = (options: Partial<RemoteVerifierOptions> = {}) =>
    createRemoteVerifier({ jwksUrl: issuer.jwksUrl, issuer: DEFAULT_ISSUER, ...options } as RemoteVerifierOptions);

  /** The WWW-Authenticate a resource server built on this verifier sends for `presented`. */
  const challengeOf = async (presented: string, scopes: string[]) => {
    const result = await bearerAuth(verifierFor(), { scopes })(
      new Request("http://resource.test/", { headers: { authorization: `Bearer ${presented}` } }),
    );
    return result.ok ? null : result.response.headers.get("www-authenticate");
  };

  it("verifies a token from /token with the JWKS URL alone", async () => {
    const { claims, scopes } = await verifierFor().verify(token, ["me"]);
    expect(claims).toMatchObject({ sub: "johndoe", iss: DEFAULT_ISSUER, scope: "me" });
    expect(typeof claims.jti).toBe("string");
    expect(scopes).toEqual(["me"]);
  });

  it("rejects a tampered payload with invalid_token", async () => {
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const forged = `${header}.${b64({ ...decode(payload), sub: "root", scope: "me admin" })}.${signature}`;
    expect(await outcome(verifierFor().verify(forged))).toBe("invalid_token");
  });

  it("rejects a tampered signature with invalid_token", async () => {
    expect(await outcome(verifierFor().verify(`${token.slice(0, -4)}AAAA`))).toBe("invalid_token");
  });

  it("answers a missing scope with insufficient_scope naming the required scopes", async () => {
    const error = await verifierFor()
      .verify(token, ["me", "admin"])
      .catch((caught: unknown) => caught);
    expect(isGatehouseError(error, "insufficient_scope")).toBe(true);
    const challenge = await challengeOf(token, ["me", "admin"]);
    expect(challenge).toBe('Bearer error="insufficient_scope", scope="me admin"');
  });

  it("puts the required scopes on invalid_token too, for the challenge", async () => {
    const error = await verifierFor()
      .verify("not.a.token", ["me"])
      .catch((caught: unknown) => caught);
    expect(isGatehouseError(error, "invalid_token")).toBe(true);
    expect(await challengeOf("not.a.token", ["me"])).toBe('Bearer error="invalid_token", scope="me"');
  });

  it("rejects HS256 tokens signed with the published public key (algorithm confusion)", async () => {
    const jwks = (await (await fetch(issuer.jwksUrl)).json()) as { keys: Array<Record<string, string>> };
    const jwk = jwks.keys[0]!;
    const { createPublicKey } = await import("node:crypto");
    const pem = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
    const payload = decode(token.split(".")[1]!);
    const header = { alg: "HS256", typ: "at+jwt", kid: jwk.kid };
    const verifier = verifierFor();
    for (const secret of [pem, Buffer.from(jwk.x!, "base64url"), JSON.stringify(jwk), jwk.x!]) {
      expect(await outcome(verifier.verify(hs256(header, payload, secret)))).toBe("invalid_token");
    }
  });

  it.each(["none", "None", "NONE"])("rejects alg %s with a real kid", async (alg) => {
    const [header, payload] = token.split(".") as [string, string];
    const unsigned = `${b64({ ...decode(header), alg })}.${payload}.`;
    expect(await outcome(verifierFor().verify(unsigned))).toBe("invalid_token");
  });

  it("rejects a token without a kid: Gatehouse always names its key", async () => {
    const [header] = token.split(".") as [string];
    const { kid: _kid, ...rest } = decode(header);
    expect(await outcome(verifierFor().verify(withHeader(token, rest)))).toBe("invalid_token");
  });

  it("rejects a token from another issuer", async () => {
    expect(await outcome(verifierFor({ issuer: "https://other.example.com" }).verify(token))).toBe("invalid_token");
  });

  it("rejects a token without the configured audience", async () => {
    expect(await outcome(verifierFor({ audience: "https://api.example.com" }).verify(token))).toBe("invalid_token");
  });

  it("rejects an expired token by its own frozen clock, allowing the clock skew", async () => {
    const { exp } = decode(token.split(".")[1]!) as { exp: number };
    const clock = createFixedClock(exp * 1000 + 29_000);
    const verifier = verifierFor({ clock });
    expect(await outcome(verifier.verify(token))).toBe("ok");
    clock.advance(2_000);
    expect(await outcome(verifier.verify(token))).toBe("invalid_token");
  });

  it("does not see revocation: a logged-out token still verifies until it expires (documented)", async () => {
    const revoked = await issuer.token();
    await issuer.gatehouse.revokeToken(revoked);
    await expect(issuer.gatehouse.currentUser(revoked)).rejects.toMatchObject({ code: "invalid_token" });
    expect(await outcome(verifierFor().verify(revoked))).toBe("ok");
  });
});

describe("remote verifier key refetching", () => {
  let issuer: Issuer;
  // The issuer's and the verifiers' time, moved by the tests.
  const clock = createFixedClock(Date.now());

  beforeAll(async () => {
    issuer = await startIssuer(clock);
  });
  afterAll(() => issuer.app.close());

  function setup() {
    const counter = countingFetch();
    const verifier = createRemoteVerifier({
      jwksUrl: issuer.jwksUrl,
      issuer: DEFAULT_ISSUER,
      fetch: counter.fetch,
      clock,
      minRefetchIntervalMs: 30_000,
    });
    return { verifier, clock, fetches: counter.count };
  }

  it("fetches the JWKS once for many tokens of a known key", async () => {
    const { verifier, fetches } = setup();
    const token = await issuer.token();
    await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)));
    expect(fetches()).toBe(1);
  });

  it("accepts the first token of a key rotated in after it started, without a restart", async () => {
    const { verifier, fetches } = setup();
    expect(await outcome(verifier.verify(await issuer.token()))).toBe("ok");
    const kid = await issuer.gatehouse.rotateKeys();
    // Published now, signing only once the verifier's cache (the JWKS max-age) has run out.
    expect(decode((await issuer.token()).split(".")[0] as string).kid).not.toBe(kid);
    clock.advance(JWKS_MAX_AGE_SECONDS * 1000);
    const rotated = await issuer.token();
    expect(decode(rotated.split(".")[0] as string).kid).toBe(kid);
    expect(await outcome(verifier.verify(rotated))).toBe("ok");
    expect(fetches()).toBe(2);
  });

  it("has a rotated-in key before it signs when it fetched after the rotation, so needs no refetch", async () => {
    const kid = await issuer.gatehouse.rotateKeys();
    clock.advance(1_000);
    const { verifier, fetches } = setup();
    expect(await outcome(verifier.verify(await issuer.token()))).toBe("ok");
    clock.advance(JWKS_MAX_AGE_SECONDS * 1000 - 1_000);
    const rotated = await issuer.token();
    expect(decode(rotated.split(".")[0] as string).kid).toBe(kid);
    expect(await outcome(verifier.verify(rotated))).toBe("ok");
    expect(fetches()).toBe(1);
  });

  it("refetches for unknown kids at most once per interval, however many arrive at once", async () => {
    const { verifier, fetches } = setup();
    const token = await issuer.token();
    await verifier.verify(token);
    const forged = () => withHeader(token, { alg: "EdDSA", typ: "at+jwt", kid: randomUUID() });
    const burst = () => Promise.all(Array.from({ length: 25 }, () => outcome(verifier.verify(forged()))));

    expect(new Set(await burst())).toEqual(new Set(["invalid_token"]));
    expect(fetches()).toBe(1);
    clock.advance(30_000);
    expect(new Set(await burst())).toEqual(new Set(["invalid_token"]));
    expect(fetches()).toBe(2);
    await burst();
    clock.advance(29_999);
    await burst();
    expect(fetches()).toBe(2);
  });

  it("refetches a stale key set after cacheMaxAgeMs", async () => {
    const { verifier, fetches } = setup();
    const token = await issuer.token();
    await verifier.verify(token);
    clock.advance(5 * 60_000 - 1);
    await verifier.verify(token);
    expect(fetches()).toBe(1);
    clock.advance(1);
    await verifier.verify(token);
    expect(fetches()).toBe(2);
  });
});

/** A tiny JWKS endpoint whose answers each test chooses. */
describe("untrusted JWKS responses", () => {
  const clock = createFixedClock(Date.UTC(2026, 0, 15, 12));
  let server: Server;
  let url: string;
  let requests = 0;
  let handler: (request: IncomingMessage, response: ServerResponse) => void;
  const ring: KeyRing = createKeyRing({
    keys: [loadSigningKey(generateSigningKey("EdDSA", clock.now()))],
    typ: "at+jwt",
  });
  const tokens = createAccessTokenService({
    keys: () => ring,
    issuer: "https://issuer.test",
    ttlSeconds: 3600,
    clockSkewSeconds: 30,
    clock,
  });
  const issue = () => tokens.issue({ subject: "johndoe", scopes: ["me"] }).token;

  const json = (body: unknown) => (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests++;
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterEach(() => {
    requests = 0;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const verifierFor = (options: Partial<RemoteVerifierOptions> = {}) =>
    createRemoteVerifier({ jwksUrl: url, issuer: "https://issuer.test", clock, ...options } as RemoteVerifierOptions);

  it("verifies against keys it fetched from the test endpoint", async () => {
    handler = json(ring.jwks);
    expect(await outcome(verifierFor().verify(issue()))).toBe("ok");
  });

  it.each<[string, (request: IncomingMessage, response: ServerResponse) => void]>([
    [
      "an oversize body with Content-Length",
      (_request, response) => response.writeHead(200).end(Buffer.alloc(70 * 1024, 0x20)),
    ],
    [
      "an oversize chunked body",
      (_request, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.write(`{"keys":[${JSON.stringify(ring.jwks.keys[0])}],"pad":"`);
        for (let i = 0; i < 80; i++) response.write("x".repeat(1024));
        response.end('"}');
      },
    ],
    ["a body that is not JSON", (_request, response) => response.writeHead(200).end("<html>oops</html>")],
    ["JSON that is not a JWK Set", json({ keys: "all of them" })],
    ["a JSON array", json([ring.jwks.keys[0]])],
    ["a set of 101 keys", json({ keys: Array.from({ length: 101 }, () => ring.jwks.keys[0]) })],
    ["HTTP 500", (_request, response) => response.writeHead(500).end(JSON.stringify(ring.jwks))],
    ["a redirect", (_request, response) => response.writeHead(302, { location: "http://127.0.0.1:1/" }).end()],
    ["invalid UTF-8", (_request, response) => response.writeHead(200).end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))],
  ])("refuses %s with store_unavailable (keys unavailable) and no token verifies", async (_name, respond) => {
    handler = respond;
    const errors: Error[] = [];
    const verifier = verifierFor({ onFetchError: (error) => errors.push(error) });
    const failure = await verifier.verify(issue()).catch((error: unknown) => error);
    expect(isGatehouseError(failure, "store_unavailable")).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).not.toMatch(/oops|xxxx/);
  });

  it("gives up on an endpoint that never answers after fetchTimeoutMs", async () => {
    const hung: ServerResponse[] = [];
    handler = (_request, response) => hung.push(response);
    const started = Date.now();
    expect(await outcome(verifierFor({ fetchTimeoutMs: 200 }).verify(issue()))).toBe("store_unavailable");
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const response of hung) response.destroy();
  });

  it("does not retry a failing endpoint sooner than the interval", async () => {
    handler = (_request, response) => response.writeHead(503).end();
    const verifier = verifierFor();
    for (let i = 0; i < 5; i++) expect(await outcome(verifier.verify(issue()))).toBe("store_unavailable");
    expect(requests).toBe(1);
  });

  it("keeps the last good keys when a later fetch fails", async () => {
    handler = json(ring.jwks);
    const local = createFixedClock(clock.now());
    const errors: Error[] = [];
    const verifier = verifierFor({ clock: local, onFetchError: (error) => errors.push(error) });
    const token = issue();
    expect(await outcome(verifier.verify(token))).toBe("ok");
    handler = (_request, response) => response.writeHead(200).end("garbage");
    local.advance(10 * 60_000);
    expect(await outcome(verifier.verify(token))).toBe("ok");
    expect(errors.map((error) => error.message)).toEqual(["the JWKS response is not JSON"]);
    const forged = withHeader(token, { alg: "EdDSA", typ: "at+jwt", kid: "unknown" });
    expect(await outcome(verifier.verify(forged))).toBe("invalid_token");
  });

  it("never verifies with a symmetric (oct) key from the JWKS", async () => {
    const secret = Buffer.alloc(32, 7);
    handler = json({ keys: [{ kty: "oct", kid: "hmac", alg: "HS256", use: "sig", k: secret.toString("base64url") }] });
    const payload = decode(issue().split(".")[1]!);
    const token = hs256({ alg: "HS256", typ: "at+jwt", kid: "hmac" }, payload, secret);
    expect(await outcome(verifierFor().verify(token))).toBe("invalid_token");
  });

  it.each<[string, (jwk: Record<string, unknown>) => Record<string, unknown>]>([
    ["use enc", (jwk) => ({ ...jwk, use: "enc" })],
    ["an alg that contradicts the key material", (jwk) => ({ ...jwk, alg: "RS256" })],
    ["an alg of HS256", (jwk) => ({ ...jwk, alg: "HS256" })],
    ["key_ops without verify", (jwk) => ({ ...jwk, key_ops: ["encrypt"] })],
    ["no kid", ({ kid: _kid, ...jwk }) => jwk],
    ["an unsupported curve", (jwk) => ({ ...jwk, crv: "Ed448" })],
    ["private key material", (jwk) => ({ ...jwk, d: jwk.x })],
    ["a numeric x", (jwk) => ({ ...jwk, x: 12 })],
  ])("ignores a key with %s", async (_name, change) => {
    handler = json({ keys: [change(ring.jwks.keys[0] as Record<string, unknown>)] });
    expect(await outcome(verifierFor().verify(issue()))).toBe("invalid_token");
  });

  it("ignores keys whose kid appears twice, whichever comes first", async () => {
    const other = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    const [real] = ring.jwks.keys;
    handler = json({ keys: [real, { ...other, kid: real?.kid, alg: "EdDSA", use: "sig" }] });
    expect(await outcome(verifierFor().verify(issue()))).toBe("invalid_token");
  });

  describe("the server's structural checks on signed tokens", () => {
    const privateKey = createPrivateKey(ring.signingKeyAt(clock.now()).key.signingSecret as string);
    const header = JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid: ring.signingKeyAt(clock.now()).key.kid });
    const now = clock.now() / 1000;
    const claims = (extra: string) =>
      `{"iss":"https://issuer.test","sub":"johndoe","exp":${now + 600},"iat":${now},"jti":"j1","scope":"me"${extra}}`;
    const signRaw = (headerText: string, payloadText: string) => {
      const input = `${Buffer.from(headerText).toString("base64url")}.${Buffer.from(payloadText).toString("base64url")}`;
      return `${input}.${sign(null, Buffer.from(input), privateKey).toString("base64url")}`;
    };

    it("accepts the control token signed byte for byte", async () => {
      handler = json(ring.jwks);
      expect(await outcome(verifierFor().verify(signRaw(header, claims(""))))).toBe("ok");
    });

    it.each([
      ["a claim named twice", () => signRaw(header, claims(',"sub":"root"'))],
      ["a header parameter named twice", () => signRaw(`${header.slice(0, -1)},"alg":"none"}`, claims(""))],
      ["an exp beyond the longest TTL", () => signRaw(header, claims(`,"exp":${now + 400 * 86_400}`))],
      [
        "a non-canonical base64url signature",
        () => {
          const token = signRaw(header, claims(""));
          const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
          const last = alphabet.indexOf(token.at(-1) as string);
          return `${token.slice(0, -1)}${alphabet[last | 1]}`;
        },
      ],
    ])("rejects %s with invalid_token, as the server does", async (_name, make) => {
      handler = json(ring.jwks);
      expect(await outcome(verifierFor().verify(make()))).toBe("invalid_token");
    });
  });

  it("ignores keys outside the pinned algorithms", async () => {
    handler = json(ring.jwks);
    expect(await outcome(verifierFor({ algorithms: ["ES256", "RS256"] }).verify(issue()))).toBe("invalid_token");
  });
});

describe("remote verifier with a shared HS256 secret", () => {
  const secret = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ app } = await createTestServer({ secretKey: secret }));
  });
  afterAll(() => app.close());

  it("verifies a token of a Gatehouse configured with the same secret", async () => {
    const token = await accessTokenFor(app, "johndoe", "secret");
    const verifier = createRemoteVerifier({ secret, issuer: DEFAULT_ISSUER });
    expect((await verifier.verify(token, ["me"])).claims.sub).toBe("johndoe");
  });

  it("rejects it with another secret", async () => {
    const token = await accessTokenFor(app, "johndoe", "secret");
    const verifier = createRemoteVerifier({ secret: "another secret", issuer: DEFAULT_ISSUER });
    expect(await outcome(verifier.verify(token))).toBe("invalid_token");
  });

  it("accepts a FastAPI (PyJWT) token sharing the secret, as the server does", async () => {
    const token = hs256(
      { alg: "HS256", typ: "JWT" },
      { sub: "johndoe", exp: Math.floor(Date.now() / 1000) + 60 },
      secret,
    );
    const verifier = createRemoteVerifier({ secret, issuer: DEFAULT_ISSUER });
    expect((await verifier.verify(token)).scopes).toEqual([]);
  });
});

describe("remote verifier configuration", () => {
  const jwksUrl = "https://auth.example.com/.well-known/jwks.json";

  it.each<[string, Record<string, unknown>]>([
    ["no issuer", { jwksUrl }],
    ["an empty issuer", { jwksUrl, issuer: "" }],
    ["neither jwksUrl nor secret", { issuer: DEFAULT_ISSUER }],
    ["both jwksUrl and secret", { jwksUrl, secret: "s", issuer: DEFAULT_ISSUER }],
    ["an empty secret", { secret: "", issuer: DEFAULT_ISSUER }],
    ["a secret with algorithms", { secret: "s", issuer: DEFAULT_ISSUER, algorithms: ["HS256"] }],
    ["HS256 for JWKS keys", { jwksUrl, issuer: DEFAULT_ISSUER, algorithms: ["HS256"] }],
    ["alg none", { jwksUrl, issuer: DEFAULT_ISSUER, algorithms: ["none"] }],
    ["an empty algorithm list", { jwksUrl, issuer: DEFAULT_ISSUER, algorithms: [] }],
    ["plain http to another host", { jwksUrl: "http://auth.example.com/jwks.json", issuer: DEFAULT_ISSUER }],
    ["a relative URL", { jwksUrl: "/jwks.json", issuer: DEFAULT_ISSUER }],
    ["a file URL", { jwksUrl: "file:///etc/passwd", issuer: DEFAULT_ISSUER }],
    ["a clock skew over 300 s", { jwksUrl, issuer: DEFAULT_ISSUER, clockSkewSeconds: 301 }],
    ["a zero cache age", { jwksUrl, issuer: DEFAULT_ISSUER, cacheMaxAgeMs: 0 }],
    ["an empty audience", { jwksUrl, issuer: DEFAULT_ISSUER, audience: "" }],
  ])("throws a TypeError at construction for %s", (_name, options) => {
    expect(() => createRemoteVerifier(options as unknown as RemoteVerifierOptions)).toThrow(TypeError);
  });

  it("allows plain http on loopback and, when asked, on a private network", () => {
    expect(() => createRemoteVerifier({ jwksUrl: "http://localhost:8000/jwks", issuer: "g" })).not.toThrow();
    expect(() =>
      createRemoteVerifier({ jwksUrl: "http://gatehouse:8000/jwks", issuer: "g", allowInsecureHttp: true }),
    ).not.toThrow();
  });

  it("fetches nothing until the first token arrives", () => {
    const counter = countingFetch();
    createRemoteVerifier({ jwksUrl, issuer: DEFAULT_ISSUER, fetch: counter.fetch });
    expect(counter.count()).toBe(0);
  });
});
