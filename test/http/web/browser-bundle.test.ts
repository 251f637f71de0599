import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { builtinModules } from "node:module";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { createContext, runInContext } from "node:vm";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { chromium } from "playwright-core";
import { rolldown } from "rolldown";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configuredSecretKey } from "../../../src/core/keys/signing-keys.js";
import { buildIfStale } from "../../support/build.js";

const root = resolve(import.meta.dirname, "../../..");
const ISSUER = "https://issuer.test";
const SECRET = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
const CHROMIUM = process.env.GATEHOUSE_CHROMIUM ?? "/usr/bin/chromium";
const SKIP_BROWSER = process.env.GATEHOUSE_SKIP_BROWSER === "1";
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

// What a worker would do with the two light entries: bearerAuth over a remote verifier.
const WORKER_SOURCE = `
import { bearerAuth } from "gatehouse/web";
import { createRemoteVerifier } from "gatehouse/verify";
globalThis.authorize = async (options, token) => {
  const result = await bearerAuth(createRemoteVerifier(options), { scopes: ["me"] })(
    new Request("https://api.test/orders", { headers: { authorization: "Bearer " + token } }),
  );
  return result.ok
    ? { status: 200, sub: result.auth.claims.sub, scopes: result.auth.scopes }
    : { status: result.response.status, body: await result.response.json() };
};
`;

/** Bundles the worker for a browser target; any Node built-in or unresolved import fails the build. */
async function bundleForBrowser(): Promise<string> {
  const problems: string[] = [];
  const bundle = await rolldown({
    input: "virtual:worker",
    platform: "browser",
    onLog: (level, log) => {
      if (level !== "debug") problems.push(`${log.code ?? level}: ${log.message}`);
    },
    plugins: [
      {
        name: "light-entries",
        resolveId(source) {
          if (source === "virtual:worker") return source;
          if (source === "gatehouse/web") return join(root, "dist/http/web/index.js");
          if (source === "gatehouse/verify") return join(root, "dist/http/verify/index.js");
          if (NODE_BUILTINS.has(source)) throw new Error(`the browser bundle imports the Node built-in ${source}`);
          return null;
        },
        load(id) {
          return id === "virtual:worker" ? WORKER_SOURCE : null;
        },
      },
    ],
  });
  try {
    const { output } = await bundle.generate({ format: "iife" });
    expect(problems).toEqual([]);
    expect(output).toHaveLength(1);
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

/**
 * A fresh context with only web-platform globals: no Buffer, process, require or node: modules,
 * as in a browser or a worker. Node's own web APIs back them (WebCrypto, fetch, streams).
 */
function webContext() {
  const context = createContext({
    crypto: globalThis.crypto,
    fetch: globalThis.fetch,
    Request,
    Response,
    Headers,
    URL,
    AbortSignal,
    AbortController,
    TextEncoder,
    TextDecoder,
    atob,
    btoa,
    setTimeout,
    clearTimeout,
    console,
  });
  return {
    has: (name: string) => runInContext(`typeof ${name} !== "undefined"`, context) as boolean,
    run: (code: string) => runInContext(code, context),
    authorize: (options: Record<string, unknown>, token: string) =>
      (runInContext("authorize", context) as (o: unknown, t: string) => Promise<Record<string, unknown>>)(
        options,
        token,
      ),
  };
}

interface Issuer {
  alg: "EdDSA" | "ES256" | "RS256";
  sign(claims?: Record<string, unknown>): Promise<string>;
}

async function createIssuer(alg: Issuer["alg"], kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  const sign = (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: ISSUER, sub: "johndoe", iat: now, exp: now + 600, scope: "me orders", jti: "j1", ...claims };
    return new SignJWT(payload).setProtectedHeader({ alg, typ: "at+jwt", kid }).sign(privateKey);
  };
  return { issuer: { alg, sign } satisfies Issuer, jwk };
}

describe("gatehouse/web and gatehouse/verify in a browser or worker", { timeout: 120_000 }, () => {
  let code: string;
  let server: Server;
  let jwksUrl: string;
  let jwksRequests = 0;
  const issuers: Issuer[] = [];

  beforeAll(async () => {
    buildIfStale();
    code = await bundleForBrowser();
    const made = await Promise.all([
      createIssuer("EdDSA", "ed-1"),
      createIssuer("ES256", "es-1"),
      createIssuer("RS256", "rs-1"),
    ]);
    issuers.push(...made.map(({ issuer }) => issuer));
    const jwks = JSON.stringify({ keys: made.map(({ jwk }) => jwk) });
    // The JWKS, and for Chromium a page loading the bundle from the same (loopback, so secure) origin.
    server = createServer((request, response) => {
      if (request.url === "/") {
        response.writeHead(200, { "content-type": "text/html" }).end('<script src="/worker.js"></script>');
      } else if (request.url === "/worker.js") {
        response.writeHead(200, { "content-type": "text/javascript" }).end(code);
      } else {
        jwksRequests++;
        response.writeHead(200, { "content-type": "application/json" }).end(jwks);
      }
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }, 120_000);
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("bundles with platform browser, no Node built-in and nothing left unresolved", () => {
    expect(code).not.toMatch(/\brequire\(|from\s*["']node:/);
  });

  it("runs in a context without Buffer, process or require", () => {
    const context = webContext();
    context.run(code);
    expect(["Buffer", "process", "require", "crypto", "fetch"].map(context.has)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it.each(["EdDSA", "ES256", "RS256"] as const)(
    "verifies a jose-signed %s token against the JWKS it fetches",
    async (alg) => {
      const issuer = issuers.find((candidate) => candidate.alg === alg) as Issuer;
      const context = webContext();
      context.run(code);
      const before = jwksRequests;
      const result = await context.authorize({ jwksUrl, issuer: ISSUER }, await issuer.sign());
      expect(result).toEqual({ status: 200, sub: "johndoe", scopes: ["me", "orders"] });
      expect(jwksRequests).toBe(before + 1);
    },
  );

  it.each<[string, (token: string) => string]>([
    ["a tampered payload", (token) => token.replace(/\.[^.]+\./, `.${btoa('{"sub":"root"}').replace(/=+$/, "")}.`)],
    ["a tampered signature", (token) => `${token.slice(0, -6)}AAAAAA`],
  ])("answers %s with 401 invalid_token", async (_name, tamper) => {
    const context = webContext();
    context.run(code);
    const token = await (issuers[0] as Issuer).sign();
    const result = await context.authorize({ jwksUrl, issuer: ISSUER }, tamper(token));
    expect(result).toEqual({ status: 401, body: { detail: "Could not validate credentials" } });
  });

  it("refuses an expired token and one from another issuer", async () => {
    const context = webContext();
    context.run(code);
    const issuer = issuers[1] as Issuer;
    const now = Math.floor(Date.now() / 1000);
    for (const token of [
      await issuer.sign({ exp: now - 3600, iat: now - 4000 }),
      await issuer.sign({ iss: "https://elsewhere.test" }),
    ]) {
      expect(await context.authorize({ jwksUrl, issuer: ISSUER }, token)).toMatchObject({ status: 401 });
    }
  });

  it.skipIf(SKIP_BROWSER)("verifies tokens of every algorithm in Chromium, and refuses a forged one", async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM} (GATEHOUSE_SKIP_BROWSER=1 skips this)`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(new URL("/", jwksUrl).href);
      await page.waitForFunction(() => typeof (globalThis as { authorize?: unknown }).authorize === "function");
      const authorize = (token: string) =>
        page.evaluate(
          ([url, issuer, value]) =>
            (
              globalThis as unknown as { authorize: (o: unknown, t: string) => Promise<Record<string, unknown>> }
            ).authorize({ jwksUrl: url, issuer }, value),
          [jwksUrl, ISSUER, token] as const,
        );
      for (const issuer of issuers) {
        expect(await authorize(await issuer.sign())).toEqual({ status: 200, sub: "johndoe", scopes: ["me", "orders"] });
      }
      const forged = `${(await (issuers[0] as Issuer).sign()).slice(0, -6)}AAAAAA`;
      expect(await authorize(forged)).toMatchObject({ status: 401 });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("verifies HS256 with a shared secret: Gatehouse's kid, and a kid-less FastAPI token", async () => {
    const context = webContext();
    context.run(code);
    const key = new TextEncoder().encode(SECRET);
    const { kid } = configuredSecretKey(SECRET);
    const gatehouseToken = await new SignJWT({ scope: "me", jti: "j1" })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid })
      .setIssuer(ISSUER)
      .setSubject("johndoe")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(key);
    const fastapiToken = await new SignJWT({ sub: "johndoe" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setExpirationTime("10m")
      .sign(key);
    const options = { secret: SECRET, issuer: ISSUER };
    expect(await context.authorize(options, gatehouseToken)).toEqual({ status: 200, sub: "johndoe", scopes: ["me"] });
    // Kid-less tokens carry no scopes: the route's `me` is missing.
    expect(await context.authorize(options, fastapiToken)).toMatchObject({ status: 403 });
    expect(await context.authorize({ ...options, secret: `${SECRET}x` }, gatehouseToken)).toMatchObject({
      status: 401,
    });
  });
});
