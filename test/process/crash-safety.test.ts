import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildIfStale,
  type RawResponse,
  type ServerProcess,
  sendRequest,
  startServerProcess,
} from "./server-process.js";

// SIGKILL the real server in the middle of user creations, password changes and logins, on
// one SQLite file, again and again; after each kill the file must pass integrity_check and
// every write the server acknowledged must be there after a restart.

const ROUNDS = 5;
const WORKERS = 6;
const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "gatehouse-crash-"));
const dbPath = join(dir, "gatehouse.db");
// Only serve and demo create a missing database; an empty file is a new SQLite database.
writeFileSync(dbPath, "");
const ADMIN = { username: "root", password: "root password for crashes" };

/** What the client knows about one user; only acknowledged replies move it forward. */
interface TrackedUser {
  username: string;
  /** The password of the last acknowledged create or change. */
  password: string;
  created: "pending" | "acknowledged";
  /** A change whose reply never came: the database may hold either password. */
  pendingPassword?: string;
  /** Access tokens acknowledged since the last acknowledged password change. */
  tokens: string[];
  refreshToken?: string;
  /** The last round that acknowledged a write of this user: the one whose check covers it. */
  touchedInRound: number;
  /** The last round that acknowledged a password change. */
  changedInRound?: number;
}

interface Tally {
  creates: number;
  changes: number;
  tokens: number;
  shed: number;
  lost: number;
}

/** A small deterministic generator (mulberry32): the kill moments and operations repeat run to run. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function runCli(args: string[], stdin: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, "bin/gatehouse.js"), ...args, "--database", `sqlite:${dbPath}`], {
      cwd: dir,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, output }));
    child.stdin.end(stdin);
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

async function login(url: string, username: string, password: string): Promise<RawResponse> {
  return sendRequest(`${url}/token`, {
    method: "POST",
    headers: FORM,
    body: form({ username, password }),
    timeoutMs: 20_000,
  });
}

async function adminToken(url: string): Promise<string> {
  const response = await login(url, ADMIN.username, ADMIN.password);
  if (response.status !== 200) throw new Error(`admin login failed: ${response.status} ${response.body}`);
  return (JSON.parse(response.body) as { access_token: string }).access_token;
}

/** One worker's loop: its own users, one operation at a time, until the server dies. */
async function runWorker(
  url: string,
  admin: string,
  users: TrackedUser[],
  name: string,
  round: number,
  random: () => number,
  tally: Tally,
  stopped: () => boolean,
): Promise<void> {
  let next = 0;
  while (!stopped()) {
    const usable = users.filter((user) => user.created === "acknowledged" && user.pendingPassword === undefined);
    const dice = random();
    try {
      if (usable.length === 0 || dice < 0.35) {
        const user: TrackedUser = {
          username: `${name}-${next++}`,
          password: `first password ${random()}`,
          created: "pending",
          tokens: [],
          touchedInRound: round,
        };
        users.push(user);
        const response = await sendRequest(`${url}/users`, {
          method: "POST",
          headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
          body: JSON.stringify({
            username: user.username,
            email: `${user.username}@example.com`,
            password: user.password,
          }),
        });
        if (response.status === 201) {
          user.created = "acknowledged";
          tally.creates++;
        } else {
          users.splice(users.indexOf(user), 1);
          if (response.status === 503) tally.shed++;
          else throw new Error(`create answered ${response.status} ${response.body}`);
        }
      } else {
        const user = usable[Math.floor(random() * usable.length)] as TrackedUser;
        user.touchedInRound = round;
        const response = await login(url, user.username, user.password);
        if (response.status === 503) {
          tally.shed++;
          continue;
        }
        if (response.status !== 200) throw new Error(`login answered ${response.status} ${response.body}`);
        const tokens = JSON.parse(response.body) as { access_token: string; refresh_token: string };
        user.tokens.push(tokens.access_token);
        user.refreshToken = tokens.refresh_token;
        tally.tokens++;
        if (dice < 0.65) {
          const password = `changed password ${random()}`;
          user.pendingPassword = password;
          const change = await sendRequest(`${url}/users/me/password`, {
            method: "POST",
            headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json" },
            body: JSON.stringify({ current_password: user.password, new_password: password }),
          });
          delete user.pendingPassword;
          if (change.status === 200) {
            user.password = password;
            user.tokens = [];
            delete user.refreshToken;
            user.changedInRound = round;
            tally.changes++;
          } else if (change.status === 503) {
            tally.shed++;
          } else {
            throw new Error(`password change answered ${change.status} ${change.body}`);
          }
        }
      }
    } catch (error) {
      // The server died under this request: whatever it was is neither acknowledged nor refused.
      if (!stopped()) throw error;
      tally.lost++;
    }
  }
}

/** Opens the file the way a restart would, without the server, and asks SQLite whether it is whole. */
function checkIntegrity(): { integrity: unknown; foreignKeys: unknown[] } {
  const db = new Database(dbPath);
  try {
    return {
      integrity: db.pragma("integrity_check", { simple: true }),
      foreignKeys: db.pragma("foreign_key_check") as unknown[],
    };
  } finally {
    db.close();
  }
}

/** Checks, on the restarted server, that what was acknowledged in `round` survived. */
async function verifyAcknowledged(url: string, admin: string, users: TrackedUser[], round: number): Promise<void> {
  for (const user of users) {
    if (user.created !== "acknowledged" || user.touchedInRound !== round) continue;
    const stored = await sendRequest(`${url}/users/${user.username}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(stored.status, `acknowledged user ${user.username} is missing`).toBe(200);
    if (user.pendingPassword !== undefined) {
      await settlePendingChange(url, user);
      continue;
    }
    for (const token of user.tokens.slice(-2)) {
      const me = await sendRequest(`${url}/users/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status, `an acknowledged token of ${user.username} no longer verifies: ${me.body}`).toBe(200);
    }
    if (user.changedInRound === round) {
      const again = await login(url, user.username, user.password);
      expect(again.status, `the acknowledged new password of ${user.username} fails: ${again.body}`).toBe(200);
    }
    if (user.refreshToken !== undefined) {
      const refreshed = await sendRequest(`${url}/token`, {
        method: "POST",
        headers: FORM,
        body: form({ grant_type: "refresh_token", refresh_token: user.refreshToken }),
      });
      expect(refreshed.status, `an acknowledged refresh token of ${user.username} fails: ${refreshed.body}`).toBe(200);
      const tokens = JSON.parse(refreshed.body) as { access_token: string; refresh_token: string };
      user.tokens.push(tokens.access_token);
      user.refreshToken = tokens.refresh_token;
    }
  }
}

/** A change cut off by the kill may or may not have been written, so one of the two passwords logs in. */
async function settlePendingChange(url: string, user: TrackedUser): Promise<void> {
  const pending = user.pendingPassword as string;
  delete user.pendingPassword;
  if ((await login(url, user.username, user.password)).status === 200) return;
  const changed = await login(url, user.username, pending);
  expect(changed.status, `neither password of ${user.username} logs in: ${changed.body}`).toBe(200);
  user.password = pending;
  user.tokens = [];
  delete user.refreshToken;
}

let server: ServerProcess | undefined;
// Each restart listens on another port: a configured issuer keeps the tokens issued before it valid.
const SERVER_ENV = { GATEHOUSE_LOG_LEVEL: "error", GATEHOUSE_ISSUER: "http://gatehouse.test" };
const everyone: TrackedUser[][] = Array.from({ length: WORKERS }, () => []);

beforeAll(async () => {
  buildIfStale();
  const added = await runCli(
    ["users", "add", ADMIN.username, "--email", "root@example.com", "--scopes", "me admin", "--password-stdin"],
    `${ADMIN.password}\n`,
  );
  if (added.code !== 0) throw new Error(`users add failed: ${added.output}`);
  server = await startServerProcess(["--database", `sqlite:${dbPath}`], SERVER_ENV);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("crash safety under SIGKILL", () => {
  it.each(Array.from({ length: ROUNDS }, (_, index) => index + 1))(
    "round %i: the database passes integrity_check and keeps every acknowledged write after a SIGKILL mid-write",
    async (round) => {
      const random = createRandom(round * 7919);
      const running = server as ServerProcess;
      const admin = await adminToken(running.url);
      const tally: Tally = { creates: 0, changes: 0, tokens: 0, shed: 0, lost: 0 };
      let killed = false;
      const workers = everyone.map((users, worker) =>
        runWorker(
          running.url,
          admin,
          users,
          `r${round}w${worker}`,
          round,
          createRandom(round * 131 + worker),
          tally,
          () => killed,
        ),
      );
      // Past the first few acknowledged writes, at a different moment each round.
      const acknowledged = () => tally.creates + tally.changes + tally.tokens;
      const deadline = Date.now() + 20_000;
      while (acknowledged() < 4 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      await new Promise((done) => setTimeout(done, random() * 1000));
      killed = true;
      running.child.kill("SIGKILL");
      await running.stop();
      await Promise.all(workers);

      expect(checkIntegrity()).toEqual({ integrity: "ok", foreignKeys: [] });
      server = await startServerProcess(["--database", `sqlite:${dbPath}`], SERVER_ENV);
      await verifyAcknowledged(server.url, admin, everyone.flat(), round);
      expect(acknowledged(), JSON.stringify(tally)).toBeGreaterThanOrEqual(4);
      console.info(`crash round ${round}: acknowledged before SIGKILL ${JSON.stringify(tally)}`);
    },
    60_000,
  );
});
