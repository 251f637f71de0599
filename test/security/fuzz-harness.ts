import type { FastifyInstance, InjectOptions } from "fastify";
import { expect } from "vitest";
import type { GatehouseStore, StoredSigningKey, StoredUser } from "../../src/core/index.js";
import { buildServer } from "../../src/server/build-server.js";
import { memoryStore } from "../../src/stores/memory/memory-store.js";
import { createFixedClock, createTestGatehouse } from "../support/fixtures.js";

/** Fixed, so a failure found in CI is found again on a laptop; override to explore further. */
export const FUZZ_SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 20261128);

/** Runs per property: `fallback` in CI, `GATEHOUSE_FUZZ_RUNS` to fuzz longer. */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? fallback);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

/** Endpoints whose errors also carry RFC 6749 `error` and `error_description`. */
export const TOKEN_ENDPOINTS: readonly string[] = ["/token", "/revoke", "/introspect"];

/** A user the fuzzers never name, who must still be able to log in when they are done. */
export const SENTINEL = { username: "sentinel", password: "sentinel-password" } as const;

/** One generated request. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  remoteAddress: string;
}

/** A server over a store that can be put back to its first state between runs. */
export interface FuzzTarget {
  app: FastifyInstance;
  /** Tokens minted at setup: johndoe's (`me`) and root's (`me admin`); valid after every reset. */
  tokens: { me: string; admin: string };
  /** Puts the store back to the seeded users and keys, in microseconds (no hashing). */
  reset(): Promise<void>;
  /** Users (hashes and all) and signing keys, as comparable text. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

// Frozen, so tokens minted once stay valid (iat = tokensValidAfter) across resets.
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

/**
 * Builds one server for a whole fuzz property. A fresh server per run would cost ~150 ms
 * (plugins, OpenAPI); instead the Gatehouse sits on a store proxy whose target is swapped
 * for a freshly seeded memory store, carrying over the signing key so tokens stay valid.
 */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  let current: GatehouseStore = memoryStore();
  const store = new Proxy<GatehouseStore>(current, {
    get(_target, name) {
      const value: unknown = Reflect.get(current, name);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
  const { gatehouse } = await createTestGatehouse({ store, clock: createFixedClock(NOW) });
  await gatehouse.users.create({
    username: SENTINEL.username,
    email: "sentinel@example.com",
    password: SENTINEL.password,
  });
  const seedUsers = await listAllUsers(store);
  const seedKeys = await store.listSigningKeys();
  const app = await buildServer({ gatehouse });
  const tokens = {
    me: await mintToken(app, "johndoe", "secret", "me"),
    admin: await mintToken(app, "root", "rootpassword", "me admin"),
  };

  return {
    app,
    tokens,
    async reset() {
      current = await seededStore(seedUsers, seedKeys);
    },
    async snapshot() {
      return JSON.stringify({ users: await listAllUsers(store), keys: await store.listSigningKeys() });
    },
    async close() {
      await app.close();
    },
  };
}

async function seededStore(users: StoredUser[], keys: StoredSigningKey[]): Promise<GatehouseStore> {
  const fresh = memoryStore();
  for (const key of [...keys].sort((a, b) => a.createdAt - b.createdAt)) await fresh.addSigningKey(key, key.createdAt);
  for (const user of users) {
    const { tokensValidAfter: _valid, createdAt, updatedAt: _updated, ...fields } = user;
    await fresh.createUser(fields, createdAt);
  }
  return fresh;
}

async function listAllUsers(store: GatehouseStore): Promise<StoredUser[]> {
  const users: StoredUser[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listUsers({ limit: 100, cursor });
    users.push(...page.users);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return users;
}

async function mintToken(app: FastifyInstance, username: string, password: string, scope: string): Promise<string> {
  const response = await app.inject({
    method: "POST",
    url: "/token",
    remoteAddress: "192.0.2.1",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ username, password, scope }).toString(),
  });
  if (response.statusCode !== 200) throw new Error(`setup login of ${username} failed: ${response.body}`);
  return (response.json() as { access_token: string }).access_token;
}

/**
 * Sends the request and checks what every reply must satisfy: no 5xx but a 503 with
 * Retry-After, the contract's error shape, and an unchanged store unless the request succeeded.
 */
export async function sendAndCheck(target: FuzzTarget, request: FuzzRequest): Promise<number> {
  const before = await target.snapshot();
  const options: InjectOptions = {
    method: request.method as InjectOptions["method"],
    url: request.url,
    headers: request.headers,
    remoteAddress: request.remoteAddress,
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  };
  const response = await target.app.inject(options);
  const status = response.statusCode;
  const where = `${request.method} ${request.url} -> ${status} ${response.body.slice(0, 300)}`;
  if (status >= 500) {
    expect(status, where).toBe(503);
    expect(response.headers["retry-after"], where).toMatch(/^[1-9]\d*$/);
  }
  if (status >= 400) {
    if (request.method !== "HEAD")
      expectErrorShape(status, response.body, response.headers["content-type"], request, where);
    expect(await target.snapshot(), `${where}: the store changed`).toBe(before);
  }
  return status;
}

function expectErrorShape(
  status: number,
  body: string,
  contentType: unknown,
  request: FuzzRequest,
  where: string,
): void {
  expect(String(contentType), where).toMatch(/^application\/json/);
  const parsed: unknown = JSON.parse(body);
  expect(parsed, where).toEqual(expect.objectContaining({ detail: expect.anything() }));
  const { detail, error, error_description } = parsed as Record<string, unknown>;
  if (typeof detail !== "string") {
    expect(Array.isArray(detail), where).toBe(true);
    for (const issue of detail as unknown[]) {
      expect(issue, where).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
    }
  }
  // RFC 6749 §5.2: a token endpoint's 400 names its error; any reply that names one describes it.
  if (error !== undefined || (status === 400 && request.method === "POST" && isTokenEndpoint(request.url))) {
    expect({ error: typeof error, error_description: typeof error_description }, where).toEqual({
      error: "string",
      error_description: "string",
    });
  }
}

function isTokenEndpoint(url: string): boolean {
  return TOKEN_ENDPOINTS.includes(url.split("?")[0] ?? "");
}

/** Logs in as the sentinel from an address the fuzzers never use, then reads the profile. */
export async function expectNormalLogin(target: FuzzTarget): Promise<void> {
  await target.reset();
  const login = await target.app.inject({
    method: "POST",
    url: "/token",
    remoteAddress: "198.51.100.200",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ username: SENTINEL.username, password: SENTINEL.password }).toString(),
  });
  expect(login.statusCode, login.body).toBe(200);
  const token = (login.json() as { access_token: string }).access_token;
  const me = await target.app.inject({
    method: "GET",
    url: "/users/me",
    remoteAddress: "198.51.100.200",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(me.statusCode, me.body).toBe(200);
  expect(me.json()).toMatchObject({ username: SENTINEL.username });
}
