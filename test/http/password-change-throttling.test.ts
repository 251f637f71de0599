import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { GatehouseOptions, PasswordHasher, WorkQueueOptions } from "../../src/core/index.js";
import { createWorkQueue } from "../../src/core/passwords/work-queue.js";
import { buildServer } from "../../src/server/build-server.js";
import { createCountingHasher } from "../support/counting-hasher.js";
import { createFixedClock, createTestGatehouse, createTestHasher } from "../support/fixtures.js";

const GUESSER = "203.0.113.9";
const ELSEWHERE = "198.51.100.20";

/** A hasher with its own bounded queue whose jobs wait, once `hold()` is called, until `release()`. */
function createHeldHasher(bounds: WorkQueueOptions): PasswordHasher & { hold(): void; release(): void } {
  const inner = createTestHasher();
  const queue = createWorkQueue(bounds);
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  const held = <T>(job: () => Promise<T>) =>
    queue.run(async () => {
      await gate;
      return job();
    });
  return {
    queue,
    needsRehash: (stored) => inner.needsRehash(stored),
    warmUp: () => inner.warmUp(),
    hash: (password) => held(() => inner.hash(password)),
    verify: (password, stored) => held(() => inner.verify(password, stored)),
    verifyDummy: (password) => held(() => inner.verifyDummy(password)),
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
  };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(hasher = createCountingHasher(), options: Partial<GatehouseOptions> = {}) {
  const { gatehouse } = await createTestGatehouse({ clock: createFixedClock(Date.now()), hasher, ...options });
  await gatehouse.users.create({ username: "judy", email: "judy@example.com", password: "judy-password-1" });
  const server = await buildServer({ gatehouse, logLevel: "error" });
  app = server;
  return { app: server, hasher };
}

function postToken(server: FastifyInstance, username: string, password: string, remoteAddress: string) {
  return server.inject({
    method: "POST",
    url: "/token",
    remoteAddress,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ username, password }).toString(),
  });
}

async function tokenOf(server: FastifyInstance, username: string, password: string, remoteAddress: string) {
  const response = await postToken(server, username, password, remoteAddress);
  expect(response.statusCode).toBe(200);
  return response.json().access_token as string;
}

function changePassword(server: FastifyInstance, token: string, current: string, remoteAddress = GUESSER) {
  return server.inject({
    method: "POST",
    url: "/users/me/password",
    remoteAddress,
    headers: { authorization: `Bearer ${token}` },
    payload: { current_password: current, new_password: "judy-password-2" },
  });
}

describe("regression: POST /users/me/password was an unthrottled password oracle (review finding 2)", () => {
  it("answers the 11th wrong current_password with 429 and Retry-After, and spends no hash on it", async () => {
    const { app, hasher } = await serve();
    const token = await tokenOf(app, "judy", "judy-password-1", GUESSER);
    for (let i = 0; i < 10; i++) {
      const wrong = await changePassword(app, token, `wrong guess ${i}`);
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toEqual({ detail: "Incorrect password" });
    }
    const checks = hasher.checks.verify + hasher.checks.verifyDummy;
    const refused = await changePassword(app, token, "judy-password-1");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("900");
    expect(refused.json().detail).toEqual(expect.any(String));
    expect(hasher.checks.verify + hasher.checks.verifyDummy).toBe(checks);
    // The right password was refused too: the password is unchanged.
    expect((await postToken(app, "judy", "judy-password-1", ELSEWHERE)).statusCode).toBe(200);
  });

  it("counts wrong passwords at /token and at /users/me/password together", async () => {
    const { app } = await serve();
    const token = await tokenOf(app, "judy", "judy-password-1", GUESSER);
    for (let i = 0; i < 5; i++) expect((await postToken(app, "judy", `wrong ${i}`, GUESSER)).statusCode).toBe(400);
    for (let i = 0; i < 5; i++) expect((await changePassword(app, token, `wrong ${i}`)).statusCode).toBe(400);
    expect((await postToken(app, "judy", "judy-password-1", GUESSER)).statusCode).toBe(429);
    expect((await changePassword(app, token, "judy-password-1")).statusCode).toBe(429);
  });

  it("lets 80 concurrent guesses take no more hash slots than the allowance, so another user still logs in", async () => {
    // One hash at a time with 16 waiting, and hashes held until the test lets them go: before
    // the fix, 80 guesses filled the queue and the other user's login got 503.
    const held = createHeldHasher({ concurrency: 1, maxQueued: 16 });
    const { app, hasher } = await serve(createCountingHasher(held));
    const token = await tokenOf(app, "judy", "judy-password-1", GUESSER);
    const before = hasher.checks.verify;
    held.hold();
    const guesses = Array.from({ length: 80 }, (_, i) => changePassword(app, token, `guess ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const other = postToken(app, "johndoe", "secret", ELSEWHERE);
    await new Promise((resolve) => setTimeout(resolve, 50));
    held.release();
    expect((await other).statusCode).toBe(200);
    const statuses = (await Promise.all(guesses)).map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 400)).toHaveLength(10);
    expect(statuses.every((status) => status === 400 || status === 429 || status === 503)).toBe(true);
    // Ten guesses reached the hasher (plus johndoe's login); every other one was refused before it.
    expect(hasher.checks.verify - before).toBe(11);
    const after = await changePassword(app, token, "judy-password-1");
    expect(after.statusCode).toBe(429);
    expect(Number(after.headers["retry-after"])).toBeGreaterThan(0);
  });
});
