import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, API_AUDIENCE, decodeJwt, type InteropIssuer, startInteropIssuer } from "./issuer.js";

/**
 * Both directions between Gatehouse and the seed itself: the FastAPI tutorial app the project
 * started from (test/interop/seed_app, python-jose), run with Debian's Python packages on
 * loopback, sharing the tutorial's SECRET_KEY as GATEHOUSE_SECRET_KEY.
 */

const SEED_APP = join(import.meta.dirname, "seed_app");
const PYTHON = process.env.GATEHOUSE_PYTHON ?? "/usr/bin/python3";
const SKIP = process.env.GATEHOUSE_SKIP_PYTHON === "1";
const DEBIAN_PACKAGES =
  "python3-fastapi python3-uvicorn python3-jose python3-jwt python3-multipart python3-passlib python3-bcrypt";
const TUTORIAL_SECRET = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
// Importing FastAPI on a busy two-core machine takes seconds; the margin is for CI.
const START_TIMEOUT_MS = 45_000;
// No bytecode files in the source tree.
const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" };

interface DecodeAnswer {
  now: number;
  pyjwt: { claims?: Record<string, unknown>; error?: string };
  "python-jose": { claims?: Record<string, unknown>; error?: string };
}

/** A Python child process and the lines it prints. */
interface PythonProcess {
  child: ChildProcess;
  lines: Interface;
  /** The next line printed, or a failure naming what it printed to stderr. */
  nextLine(timeoutMs: number): Promise<string>;
}

function startPython(script: string): PythonProcess {
  const child = spawn(PYTHON, [script], { cwd: SEED_APP, env: PYTHON_ENV, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queue.push(line);
  });
  return {
    child,
    lines,
    nextLine(timeoutMs) {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${script} printed nothing within ${timeoutMs} ms; stderr: ${stderr}`)),
          timeoutMs,
        );
        const onExit = (code: number | null) => {
          clearTimeout(timer);
          reject(new Error(`${script} exited with ${code}; stderr: ${stderr}`));
        };
        child.once("exit", onExit);
        waiting.push((line) => {
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve(line);
        });
      });
    },
  };
}

/** Runs a script of the seed app's folder to its end. */
function runPython(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: SEED_APP, env: PYTHON_ENV, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function stopPython(python: PythonProcess | undefined): Promise<void> {
  if (!python || python.child.exitCode !== null || python.child.signalCode !== null) return;
  const exited = new Promise((resolve) => python.child.once("exit", resolve));
  python.child.kill("SIGTERM");
  await exited;
}

/** Resolves once the clock has moved past the second `sinceMs` falls in. */
async function nextSecondAfter(sinceMs: number): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= Math.floor(sinceMs / 1000)) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(SKIP)("the seed's FastAPI app and Gatehouse sharing the secret", () => {
  let gatehouse: InteropIssuer;
  let seed: PythonProcess | undefined;
  let decoder: PythonProcess | undefined;
  let seedUrl = "";
  // A setup failure is kept and rethrown by each test, so the run counts them as failed, not skipped.
  let setupError: unknown;

  beforeAll(async () => {
    try {
      await setUp();
    } catch (error) {
      setupError = error;
    }
  }, START_TIMEOUT_MS + 15_000);

  async function setUp(): Promise<void> {
    const check = spawnSync(PYTHON, ["-c", "import fastapi, uvicorn, jose, jwt, multipart, passlib, bcrypt"], {
      env: PYTHON_ENV,
      encoding: "utf8",
    });
    if (check.status !== 0) {
      throw new Error(
        `${PYTHON} cannot run the seed's FastAPI app (${(check.stderr ?? String(check.error)).trim().split("\n").at(-1)}): ` +
          `install Debian's ${DEBIAN_PACKAGES} (apt-get install, as .ci/run does), point GATEHOUSE_PYTHON at a ` +
          "Python with them, or set GATEHOUSE_SKIP_PYTHON=1 to skip the FastAPI interop tests",
      );
    }
    const startedAt = Date.now();
    gatehouse = await startInteropIssuer({
      algorithm: "HS256",
      // Contract: the seed (python-jose) accepts Gatehouse's tokens when no audience is set.
      audience: null,
      env: { GATEHOUSE_SECRET_KEY: TUTORIAL_SECRET },
    });
    seed = startPython("serve.py");
    decoder = startPython("decode_token.py");
    const [listening, ready] = await Promise.all([seed.nextLine(START_TIMEOUT_MS), decoder.nextLine(START_TIMEOUT_MS)]);
    seedUrl = /listening on (http:\/\/\S+)/.exec(listening)?.[1] ?? "";
    if (seedUrl === "") throw new Error(`the seed app said ${listening}`);
    expect(JSON.parse(ready)).toEqual({ ready: true });
    // A seed token has no iat and counts as made at exp − TTL, in whole seconds: one made in the
    // second the users were created would count as older than them.
    await nextSecondAfter(startedAt + 1_000);
  }

  function requireSetup(): void {
    if (setupError !== undefined) throw setupError;
  }

  afterAll(async () => {
    await Promise.all([stopPython(seed), stopPython(decoder)]);
    await gatehouse?.close();
  });

  async function seedLogin(username = "johndoe", password = "secret"): Promise<string> {
    const response = await fetch(`${seedUrl}/token`, {
      method: "POST",
      body: new URLSearchParams({ username, password }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  const atGatehouse = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${gatehouse.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });

  it("the seed's /user/me accepts a Gatehouse token", async () => {
    requireSetup();
    const { access_token } = await gatehouse.login();
    const response = await fetch(`${seedUrl}/user/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ username: "johndoe", full_name: "John Doe", disabled: false });
  });

  it("the seed refuses a Gatehouse token for its disabled user as Inactive user", async () => {
    requireSetup();
    // alice is disabled in the seed's database; enabled on Gatehouse only, she gets a token the seed must refuse.
    await gatehouse.gatehouse.users.update("alice", { disabled: false });
    const { access_token } = await gatehouse.login("alice", "secretalice");
    const response = await fetch(`${seedUrl}/user/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: "Inactive user" });
  });

  it("PyJWT and python-jose decode a Gatehouse token in the second it was made (whole-second iat)", async () => {
    requireSetup();
    const proc = decoder as PythonProcess;
    // PyJWT refused a fractional iat with ImmatureSignatureError until its second was over. Decode
    // right after issuing; on a busy machine the second may turn in between, so try a few times.
    let answer: DecodeAnswer | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const { access_token } = await gatehouse.login();
      proc.child.stdin?.write(`${access_token}\n`);
      answer = JSON.parse(await proc.nextLine(10_000)) as DecodeAnswer;
      if (answer.now === decodeJwt(access_token).payload.iat) break;
    }
    expect(answer?.now).toBe(answer?.pyjwt.claims?.iat);
    expect(answer?.pyjwt).toEqual({ claims: expect.objectContaining({ sub: "johndoe", iss: gatehouse.url }) });
    expect(answer?.["python-jose"]).toEqual({ claims: expect.objectContaining({ sub: "johndoe" }) });
  });

  it("Gatehouse accepts the seed's token (sub and exp only): 403 where a scope is needed, active at /introspect", async () => {
    requireSetup();
    const token = await seedLogin();
    expect(decodeJwt(token).payload).toEqual({ sub: "johndoe", exp: expect.any(Number) });
    const me = await atGatehouse("/users/me", token);
    expect(me.status).toBe(403);
    expect(await me.json()).toEqual({ detail: "Not enough permissions" });
    const admin = await gatehouse.login(ADMIN.username, ADMIN.password, { scope: "me admin" });
    const introspection = await fetch(`${gatehouse.url}/introspect`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.access_token}` },
      body: new URLSearchParams({ token }),
    });
    expect(introspection.status).toBe(200);
    expect(await introspection.json()).toMatchObject({ active: true, sub: "johndoe", scope: "" });
  });

  it("refuses a wrongly signed seed-style token, and one for an unknown user", async () => {
    requireSetup();
    const token = await seedLogin();
    const [header, payload] = token.split(".");
    expect((await atGatehouse("/users/me", `${header}.${payload}.${"A".repeat(43)}`)).status).toBe(401);
    const stranger = Buffer.from(JSON.stringify({ sub: "mallory", exp: decodeJwt(token).payload.exp })).toString(
      "base64url",
    );
    expect((await atGatehouse("/users/me", `${header}.${stranger}.${token.split(".")[2]}`)).status).toBe(401);
  });

  it("makes a seed token stop working at Gatehouse with /revoke, and another with /logout", async () => {
    requireSetup();
    const revoked = await seedLogin();
    const revoke = await fetch(`${gatehouse.url}/revoke`, {
      method: "POST",
      body: new URLSearchParams({ token: revoked }),
    });
    expect(revoke.status).toBe(200);
    expect((await atGatehouse("/users/me", revoked)).status).toBe(401);

    // The seed's tokens carry only sub and exp: one made in the same second would be the same bytes.
    await nextSecondAfter(Date.now());
    const loggedOut = await seedLogin();
    expect(loggedOut).not.toBe(revoked);
    expect((await atGatehouse("/logout", loggedOut, { method: "POST" })).status).toBe(204);
    expect((await atGatehouse("/users/me", loggedOut)).status).toBe(401);
  });

  it("makes every seed token made before a log-out-everywhere stop working at Gatehouse", async () => {
    requireSetup();
    // Not the same bytes as the token the test before revoked.
    await nextSecondAfter(Date.now());
    const token = await seedLogin();
    expect((await atGatehouse("/users/me", token)).status).toBe(403);
    const own = await gatehouse.login();
    expect((await atGatehouse("/logout/all", own.access_token, { method: "POST" })).status).toBe(204);
    expect((await atGatehouse("/users/me", token)).status).toBe(401);
  });
});

describe.skipIf(SKIP)("a Python resource server verifying from the JWKS (PyJWT's PyJWKClient)", () => {
  it.each(["EdDSA", "ES256", "RS256"] as const)("verifies a %s token with issuer and audience", async (algorithm) => {
    const issuer = await startInteropIssuer({ algorithm });
    try {
      const { access_token } = await issuer.login();
      // Not spawnSync: the script fetches the JWKS from the server in this very process.
      const run = await runPython([
        "verify_jwks.py",
        `${issuer.url}/.well-known/jwks.json`,
        issuer.url,
        API_AUDIENCE,
        algorithm,
        access_token,
      ]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(JSON.parse(run.stdout)).toMatchObject({ sub: "johndoe", iss: issuer.url, aud: API_AUDIENCE });
    } finally {
      await issuer.close();
    }
  });
});
