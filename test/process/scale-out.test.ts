import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildIfStale } from "../support/build.js";
import { describePostgres } from "../support/postgres.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/gatehouse.js");
const _built = join(root, "dist/cli/main.js");
const ADMIN_PASSWORD = "admin-password-1";
// CONTRACT.md §2 and §5: a change made on one process is seen by every other within one second.
const PROPAGATION_MS = 1_000;
const PUBLISH_AHEAD_S = 3;

function environment(databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("GATEHOUSE_") && name !== "PORT" && name !== "HOST") env[name] = value;
  }
  return {
    ...env,
    GATEHOUSE_DATABASE_URL: databaseUrl,
    GATEHOUSE_ALGORITHM: "EdDSA",
    GATEHOUSE_LOG_LEVEL: "warn",
    // Behind a load balancer every instance names the same public URL as its issuer.
    GATEHOUSE_ISSUER: "http://gatehouse.test",
    // A rotated-in key waits this long in the JWKS before it signs (5 minutes by default).
    GATEHOUSE_JWKS_MAX_AGE: String(PUBLISH_AHEAD_S),
  };
}

/** Runs the CLI to completion and returns its standard output; throws when it fails. */
function gatehouse(args: string[], env: NodeJS.ProcessEnv, stdin = ""): string {
  return execFileSync(process.execPath, [bin, ...args], { cwd: root, env, input: stdin, encoding: "utf8" });
}

interface Server {
  url: string;
  child: ChildProcess;
}

function serve(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { cwd: root, env, stdio: "pipe" });
  let output = "";
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not report its URL: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /Gatehouse listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        done({ url: match[1], child });
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => fail(new Error(`serve exited with ${code}: ${output}`)));
  });
}

async function stop(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((done) => server.child.once("exit", done));
  server.child.kill("SIGTERM");
  await exited;
}

interface Tokens {
  access_token: string;
  refresh_token: string;
}

async function token(server: Server, form: Record<string, string>): Promise<{ status: number; body: Tokens }> {
  const response = await fetch(`${server.url}/token`, { method: "POST", body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as Tokens };
}

async function login(server: Server, username: string, password: string): Promise<Tokens> {
  const { status, body } = await token(server, { username, password });
  expect(status).toBe(200);
  return body;
}

function call(server: Server, path: string, accessToken: string, init: RequestInit = {}): Promise<Response> {
  const headers = {
    authorization: `Bearer ${accessToken}`,
    ...(init.body === undefined ? {} : { "content-type": "application/json" }),
  };
  return fetch(`${server.url}${path}`, { ...init, headers });
}

const kidOf = (jwt: string): unknown => JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString()).kid;

/** Polls until `check` holds, and returns how long that took in ms; fails after `limitMs` more. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > limitMs) throw new Error(`not seen within ${limitMs} ms`);
    await new Promise((done) => setTimeout(done, 25));
  }
  return Date.now() - start;
}

describePostgres("two gatehouse serve processes on one PostgreSQL database", (database) => {
  let env: NodeJS.ProcessEnv;
  let a: Server | undefined;
  let b: Server | undefined;
  let admin = "";
  let users = 0;
  const servers = (): [Server, Server] => {
    if (!a || !b) throw new Error("the servers did not start");
    return [a, b];
  };

  /** A fresh user with scope `me`, created through A's admin API; returns its password. */
  const newUser = async (): Promise<{ username: string; password: string }> => {
    const username = `user${++users}`;
    const password = `password-of-${username}`;
    const body = JSON.stringify({ username, email: `${username}@example.com`, password, scopes: ["me"] });
    expect((await call(servers()[0], "/users", admin, { method: "POST", body })).status).toBe(201);
    return { username, password };
  };

  beforeAll(async () => {
    buildIfStale();
    env = environment(database().url);
    gatehouse(
      ["users", "add", "admin", "--email", "admin@example.com", "--scopes", "me admin", "--password-stdin"],
      env,
      ADMIN_PASSWORD,
    );
    [a, b] = await Promise.all([serve(env), serve(env)]);
    admin = (await login(a, "admin", ADMIN_PASSWORD)).access_token;
  });

  afterAll(async () => {
    await Promise.all([stop(a), stop(b)]);
  });

  it("accepts on B an access token issued by A", async () => {
    const [one, two] = servers();
    const { username, password } = await newUser();
    const { access_token } = await login(one, username, password);
    const me = await call(two, "/users/me", access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username });
  });

  it("refuses on B a refresh token already rotated on A, and revokes its family on both", async () => {
    const [one, two] = servers();
    const { username, password } = await newUser();
    const first = await login(one, username, password);
    const rotated = await token(one, { grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    const replay = await token(two, { grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: "invalid_grant" });
    expect((await token(one, { grant_type: "refresh_token", refresh_token: rotated.body.refresh_token })).status).toBe(
      400,
    );
    expect((await call(two, "/users/me", rotated.body.access_token)).status).toBe(401);
  });

  it.each([
    [
      "a password change",
      (server: Server, accessToken: string, password: string) =>
        call(server, "/users/me/password", accessToken, {
          method: "POST",
          body: JSON.stringify({ current_password: password, new_password: `${password}-new` }),
        }),
      401,
    ],
    [
      "a logout everywhere",
      (server: Server, accessToken: string) => call(server, "/logout/all", accessToken, { method: "POST" }),
      401,
    ],
    [
      "disabling the user",
      (server: Server, _accessToken: string, _password: string, username: string) =>
        call(server, `/users/${username}`, admin, { method: "PATCH", body: JSON.stringify({ disabled: true }) }),
      400,
    ],
  ])("refuses on B, within one second, earlier tokens after %s on A", async (_what, act, status) => {
    const [one, two] = servers();
    const { username, password } = await newUser();
    const { access_token } = await login(one, username, password);
    expect((await call(two, "/users/me", access_token)).status).toBe(200);
    expect((await act(one, access_token, password, username)).ok).toBe(true);
    const took = await within(
      PROPAGATION_MS,
      async () => (await call(two, "/users/me", access_token)).status === status,
    );
    expect(took).toBeLessThanOrEqual(PROPAGATION_MS);
  });

  it("publishes the new key on both within about a second of `gatehouse keys rotate`, signs with it only after the JWKS max-age, and still accepts the old key's tokens", async () => {
    const [one, two] = servers();
    const { username, password } = await newUser();
    const before = await login(one, username, password);
    const oldKid = kidOf(before.access_token);
    const rotatedAt = Date.now();
    const newKid = gatehouse(["keys", "rotate"], env).trim();
    expect(newKid).not.toBe(oldKid);
    const listed = async (server: Server) => {
      const { keys } = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      return keys.map((key) => key.kid);
    };
    const took = await within(2 * PROPAGATION_MS, async () => {
      const [kidsA, kidsB] = await Promise.all([listed(one), listed(two)]);
      return kidsA.includes(newKid) && kidsB.includes(newKid);
    });
    expect(took).toBeLessThanOrEqual(PROPAGATION_MS + 250);
    expect(await listed(two)).toEqual(expect.arrayContaining([oldKid, newKid]));
    for (const server of [one, two]) {
      // A token of the new key is never made before the key has been in the JWKS for the max-age.
      await within(PUBLISH_AHEAD_S * 1000 + 10 * PROPAGATION_MS, async () => {
        const kid = kidOf((await login(server, username, password)).access_token);
        if (kid === newKid) expect(Date.now() - rotatedAt).toBeGreaterThanOrEqual(PUBLISH_AHEAD_S * 1000);
        else expect(kid).toBe(oldKid);
        return kid === newKid;
      });
      expect((await call(server, "/users/me", before.access_token)).status).toBe(200);
    }
  });
});
