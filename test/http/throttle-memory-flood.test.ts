import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryAttemptStore } from "../../src/core/throttle/memory-attempts.js";
import { buildServer } from "../../src/server/build-server.js";
import { createFixedClock, createTestGatehouse } from "../support/fixtures.js";

const MAX_KEYS = 300;
let app: FastifyInstance;

beforeAll(async () => {
  const { gatehouse } = await createTestGatehouse({
    clock: createFixedClock(Date.now()),
    throttle: { failures: createMemoryAttemptStore({ maxKeys: MAX_KEYS }) },
  });
  app = await buildServer({ gatehouse, logLevel: "error" });
});
afterAll(() => app.close());

const postToken = (username: string, password: string, remoteAddress: string) =>
  app.inject({
    method: "POST",
    url: "/token",
    remoteAddress,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ username, password }).toString(),
  });

describe("regression: filling the throttle's memory lifted a block in force (review finding 4)", () => {
  it("still answers a blocked pair with 429 after failures from more fresh IPv6 /64s than the table holds", async () => {
    for (let i = 0; i < 10; i++)
      expect((await postToken("johndoe", `wrong ${i}`, "198.51.100.7")).statusCode).toBe(400);
    expect((await postToken("johndoe", "secret", "198.51.100.7")).statusCode).toBe(429);

    for (let i = 0; i < 2 * MAX_KEYS; i++) {
      const flood = await postToken("x".repeat(65), "guess", `2001:db8:${i.toString(16)}::1`);
      expect(flood.statusCode).toBe(400);
    }

    const after = await postToken("johndoe", "secret", "198.51.100.7");
    expect(after.statusCode).toBe(429);
    expect(after.headers["retry-after"]).toBe("900");
  });
});
