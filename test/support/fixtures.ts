import type { FastifyInstance } from "fastify";
import {
  createFixedClock,
  createGatehouse,
  createPasswordHasher,
  type Gatehouse,
  type GatehouseOptions,
  type GatehouseStore,
  type PasswordHasher,
} from "../../src/core/index.js";
import { buildServer } from "../../src/server/build-server.js";
import { memoryStore } from "../../src/stores/memory/memory-store.js";

/** Cheap argon2id parameters so tests stay fast; production uses OWASP's. */
export function createTestHasher(): PasswordHasher {
  return createPasswordHasher({ argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
}

/** A Gatehouse over a memory store with the tutorial's johndoe (enabled) and alice (disabled). */
export async function createTestGatehouse(
  options: Partial<GatehouseOptions> = {},
): Promise<{ gatehouse: Gatehouse; store: GatehouseStore }> {
  const store = options.store ?? memoryStore();
  const gatehouse = await createGatehouse({ hasher: createTestHasher(), ...options, store });
  if (!(await gatehouse.users.get("johndoe"))) {
    await gatehouse.users.create({
      username: "johndoe",
      email: "johndoe@example.com",
      fullName: "John Doe",
      password: "secret",
      skipPasswordPolicy: true,
    });
    await gatehouse.users.create({
      username: "alice",
      email: "alicechains@example.com",
      fullName: "Alice Chains",
      password: "secretalice",
      disabled: true,
      skipPasswordPolicy: true,
    });
    await gatehouse.users.create({
      username: "root",
      email: "root@example.com",
      fullName: "Admin",
      password: "rootpassword",
      scopes: ["me", "admin"],
    });
  }
  return { gatehouse, store };
}

/** The full server over a test Gatehouse, for `inject()`. */
export async function createTestServer(
  options: Partial<GatehouseOptions> = {},
): Promise<{ app: FastifyInstance; gatehouse: Gatehouse; store: GatehouseStore }> {
  const { gatehouse, store } = await createTestGatehouse(options);
  const app = await buildServer({ gatehouse, logLevel: "error" });
  return { app, gatehouse, store };
}

/** Logs in through POST /token and returns the parsed response. */
export async function login(
  app: FastifyInstance,
  username: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<{ statusCode: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const response = await app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ username, password, ...extra }).toString(),
  });
  return { statusCode: response.statusCode, body: response.json(), headers: response.headers };
}

/** Logs in and returns the access token, failing the test when login fails. */
export async function accessTokenFor(
  app: FastifyInstance,
  username: string,
  password: string,
  scope?: string,
): Promise<string> {
  const result = await login(app, username, password, scope === undefined ? {} : { scope });
  if (result.statusCode !== 200) throw new Error(`login failed: ${JSON.stringify(result.body)}`);
  return result.body.access_token as string;
}

export { createFixedClock };
