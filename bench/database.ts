import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hash } from "@node-rs/argon2";
import Database from "better-sqlite3";
import { GATEHOUSE_BIN } from "./paths.js";

/** The password of every filler user (they share one precomputed hash). */
export const FILLER_PASSWORD = "bench-password";

/** A Gatehouse SQLite database for the bench: the demo users plus filler users. */
export interface BenchDatabase {
  path: string;
  url: string;
  users: number;
  /** How many filler users there are: `fillerName(1)` … `fillerName(fillers)`. */
  fillers: number;
  /** True when an earlier run's cached file was reused. */
  cached: boolean;
  seconds: number;
}

const OWASP = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 } as const;
const DEMO_USERS = 2;

/** The username of filler user `n` (1-based). */
export function fillerName(n: number): string {
  return `user${String(n).padStart(7, "0")}`;
}

/**
 * Returns a fresh copy of a database with `users` users, generated once and cached in `cacheDir`:
 * `gatehouse demo` creates the schema, the signing key and the demo users, then the filler
 * rows go in directly in one transaction, all with ONE precomputed argon2id hash (hashing
 * a million passwords would take hours and measures nothing).
 */
export async function prepareDatabase(cacheDir: string, users: number): Promise<BenchDatabase> {
  mkdirSync(cacheDir, { recursive: true });
  const template = join(cacheDir, `users-${users}.db`);
  const marker = `${template}.json`;
  const fillers = users - DEMO_USERS;
  const started = performance.now();
  const cached = existsSync(template) && existsSync(marker) && readMarker(marker) === users;
  if (!cached) {
    removeDatabase(template);
    rmSync(marker, { force: true });
    const demo = spawnSync(process.execPath, [GATEHOUSE_BIN, "demo", "--database", `sqlite:${template}`], {
      encoding: "utf8",
      env: { ...process.env, GATEHOUSE_DATABASE_URL: "" },
    });
    if (demo.status !== 0) throw new Error(`gatehouse demo failed (${demo.status}): ${demo.stderr}${demo.stdout}`);
    insertFillers(template, fillers, await hash(FILLER_PASSWORD, OWASP));
    writeFileSync(marker, `${JSON.stringify({ users, fillers, password: FILLER_PASSWORD })}\n`);
  }
  // Every run starts from the same state: logins add refresh tokens, so servers get a fresh copy.
  const path = join(cacheDir, `run-users-${users}.db`);
  removeDatabase(path);
  copyFileSync(template, path);
  const seconds = cached ? 0 : (performance.now() - started) / 1000;
  return { path, url: `sqlite:${path}`, users, fillers, cached, seconds };
}

/** Deletes a database file with its WAL, shared-memory and key files. */
export function removeDatabase(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}.key`]) rmSync(file, { force: true });
}

/** Brings a (cached, maybe older) database's schema up to date: any command migrates it. */
export function migrateDatabase(path: string): void {
  const run = spawnSync(process.execPath, [GATEHOUSE_BIN, "users", "list", "--database", `sqlite:${path}`], {
    encoding: "utf8",
    env: { ...process.env, GATEHOUSE_DATABASE_URL: "" },
  });
  if (run.status !== 0) throw new Error(`gatehouse users list failed (${run.status}): ${run.stderr}`);
}

function insertFillers(path: string, fillers: number, passwordHash: string): void {
  const db = new Database(path);
  try {
    // One bulk load with no journal to speak of; the file goes back to WAL as Gatehouse runs it.
    db.pragma("journal_mode = DELETE");
    db.pragma("synchronous = OFF");
    const now = Date.now();
    const insert = db.prepare(`
      INSERT INTO users (username, username_key, email, full_name, disabled, scopes, password_hash,
                         tokens_valid_after, created_at, updated_at)
      VALUES (?, ?, ?, ?, 0, '["me"]', ?, ?, ?, ?)`);
    db.transaction(() => {
      for (let n = 1; n <= fillers; n++) {
        const name = fillerName(n);
        insert.run(name, name, `${name}@bench.example`, `Bench User ${n}`, passwordHash, now, now, now);
      }
    })();
    const count = db.prepare("SELECT count(*) FROM users").pluck().get();
    if (count !== fillers + DEMO_USERS)
      throw new Error(`expected ${fillers + DEMO_USERS} users, found ${String(count)}`);
    db.pragma("journal_mode = WAL");
  } finally {
    db.close();
  }
}

function readMarker(marker: string): number | null {
  try {
    const { users } = JSON.parse(readFileSync(marker, "utf8")) as { users?: unknown };
    return typeof users === "number" ? users : null;
  } catch {
    return null;
  }
}

/** `count` filler usernames spread evenly over the whole table (so lookups touch the whole index). */
export function spreadFillers(db: BenchDatabase, count: number): string[] {
  const n = Math.min(count, db.fillers);
  return Array.from({ length: n }, (_, i) => fillerName(1 + Math.floor(((i + 0.5) * db.fillers) / n)));
}
