import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describePostgres } from "../support/postgres.js";
import { deleteRedisKeyList, REDIS_TEST_URL, redisKeys } from "../support/redis.js";
import {
  buildIfStale,
  type RawResponse,
  type ServerProcess,
  sendRequest,
  startServerProcess,
} from "./server-process.js";

const root = resolve(import.meta.dirname, "../..");
// CONTRACT §3: at most 10 failures for one username from one address.
const PER_USER_AND_ADDRESS = 10;
const REDIS_SKIP_REASON = "GATEHOUSE_TEST_REDIS_URL is not set (.ci/run starts a Redis and sets it)";

/** Adds a user through the real CLI, on the servers' database. */
function addUser(databaseUrl: string, username: string, password: string): void {
  execFileSync(
    process.execPath,
    [
      join(root, "bin/gatehouse.js"),
      "users",
      "add",
      username,
      "--email",
      `${username}@example.com`,
      "--password-stdin",
    ],
    { cwd: root, env: { ...process.env, GATEHOUSE_DATABASE_URL: databaseUrl }, input: password, encoding: "utf8" },
  );
}

/**
 * A username and an address no earlier run has used: Redis outlives a test run, and a pair
 * it locked stays locked for 15 minutes. An IPv6 /64 of the documentation prefix, as a
 * proxy would forward it.
 */
function freshSubject(): { username: string; address: string } {
  const [a, b] = [randomBytes(2).toString("hex"), randomBytes(2).toString("hex")];
  return { username: `victim${randomBytes(4).toString("hex")}`, address: `2001:db8:${a}:${b}::7` };
}

function postToken(server: ServerProcess, username: string, password: string, address: string): Promise<RawResponse> {
  return sendRequest(`${server.url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": address },
    body: new URLSearchParams({ username, password }).toString(),
  });
}

/** What the Redis variant checks and tidies once the servers have stopped. */
type AfterRun = (subject: { username: string; address: string }) => Promise<void>;

/**
 * Two `gatehouse serve` processes behind one proxy (trusting its X-Forwarded-For), with
 * `env` added; the contract's throttle must count the attempts sent to both together.
 */
function describeSharedThrottle(
  name: string,
  databaseUrl: () => string,
  env: () => Record<string, string>,
  afterRun: AfterRun = async () => undefined,
): void {
  describe(name, () => {
    let servers: ServerProcess[] = [];
    const subject = freshSubject();
    const password = `right-password-${subject.username}`;

    beforeAll(async () => {
      buildIfStale();
      addUser(databaseUrl(), subject.username, password);
      const processEnv = { GATEHOUSE_DATABASE_URL: databaseUrl(), GATEHOUSE_LOG_LEVEL: "warn", ...env() };
      servers = await Promise.all([1, 2].map(() => startServerProcess(["--trust-proxy", "1"], processEnv)));
    });

    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await afterRun(subject);
    });

    it("refuses the 11th wrong password for one username from one address, alternating between A and B, with 429 on both", async () => {
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const statuses: number[] = [];
      for (let i = 0; i < PER_USER_AND_ADDRESS; i++) {
        statuses.push((await postToken(i % 2 ? b : a, subject.username, "wrong-password", subject.address)).status);
      }
      expect(statuses).toEqual(Array<number>(PER_USER_AND_ADDRESS).fill(400));
      for (const server of [a, b]) {
        const refused = await postToken(server, subject.username, "wrong-password", subject.address);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
      }
      // The pair is locked, even for the right password; another address is not.
      expect((await postToken(b, subject.username, password, subject.address)).status).toBe(429);
      expect((await postToken(b, subject.username, password, "198.51.100.23")).status).toBe(200);
      for (const server of servers) expect(server.stderr()).not.toMatch(/"level":(50|60)/);
    });
  });
}

describePostgres("two gatehouse serve processes on one PostgreSQL database share login throttling", (database) => {
  describeSharedThrottle(
    "through the database",
    () => database().url,
    () => ({}),
  );

  const redisUrl = REDIS_TEST_URL;
  describe.skipIf(redisUrl === undefined)(
    redisUrl === undefined ? `through Redis (skipped: ${REDIS_SKIP_REASON})` : "through Redis",
    () => {
      describeSharedThrottle(
        "with GATEHOUSE_REDIS_URL set",
        () => database().url,
        () => ({ GATEHOUSE_REDIS_URL: redisUrl ?? "" }),
        async ({ username, address }) => {
          if (redisUrl === undefined) return;
          const network = address.split("::")[0] ?? address;
          const ours = (await redisKeys(redisUrl, "gatehouse:throttle:")).filter(
            (key) => key.includes(username) || key.includes(network),
          );
          // Leave the shared Redis as we found it: the keys would otherwise live a day.
          await deleteRedisKeyList(redisUrl, ours);
          // Redis held the counters, not the database.
          expect(ours.some((key) => key.startsWith(`gatehouse:throttle:failures:p|${username}|`))).toBe(true);
          const rows = await database().query("SELECT key FROM gatehouse.login_attempts WHERE key LIKE $1", [
            `%${username}%`,
          ]);
          expect(rows).toEqual([]);
        },
      );
    },
  );
});

describe("gatehouse serve with GATEHOUSE_REDIS_URL", () => {
  beforeAll(() => buildIfStale());

  const serve = (redisUrl: string) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("GATEHOUSE_")) env[name] = value;
    return spawnSync(process.execPath, [join(root, "bin/gatehouse.js"), "serve", "--port", "0"], {
      cwd: root,
      env: { ...env, GATEHOUSE_DATABASE_URL: "memory:", GATEHOUSE_REDIS_URL: redisUrl },
      encoding: "utf8",
      timeout: 20_000,
    });
  };

  it.each([
    ["Redis does not answer", "redis://:hunter2@127.0.0.1:1", /Redis throttling counters are unavailable/],
    ["the URL is not redis://", "http://:hunter2@127.0.0.1:6379", /must start with redis:\/\/ or rediss:\/\//],
  ])("refuses to start, exit 1 with one line that keeps the password out, when %s", (_what, url, message) => {
    const result = serve(url);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toContain("hunter2");
  });
});
