import { copyFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type BenchDatabase, migrateDatabase, removeDatabase } from "./database.js";

/** The admin the audit scenario reads the log as; its password is the filler users'. */
export const AUDITOR = "auditor";
/** The user whose events scenario 7 lists. */
export const AUDITED_USER = "johndoe";
/** Events of {@link AUDITED_USER} in every audit database, spread over the whole log. */
export const AUDITED_EVENTS = 200;

const TYPES = ["login.succeeded", "login.failed", "token.refreshed", "logout"] as const;

/**
 * A copy of the small database with an admin and an audit log of `events` events: the audited
 * user's 200 spread evenly through it, the rest about the filler users, generated once and
 * cached like the user databases (rows go in directly, in one transaction).
 */
export function prepareAuditDatabase(cacheDir: string, small: BenchDatabase, events: number): string {
  const template = join(cacheDir, `audit-${events}.db`);
  if (!existsSync(template)) {
    const building = `${template}.building`;
    removeDatabase(building);
    copyFileSync(small.path, building);
    migrateDatabase(building);
    const db = new Database(building);
    try {
      db.pragma("journal_mode = DELETE");
      db.pragma("synchronous = OFF");
      const hash = db.prepare("SELECT password_hash FROM users WHERE username_key = 'user0000001'").pluck().get();
      if (typeof hash !== "string") throw new Error("the small database has no filler user user0000001");
      const now = Date.now();
      db.prepare(
        `INSERT INTO users (username, username_key, email, full_name, disabled, scopes, password_hash,
                            tokens_valid_after, created_at, updated_at)
         VALUES (?, ?, 'auditor@bench.example', 'Auditor', 0, '["me","admin"]', ?, ?, ?, ?)`,
      ).run(AUDITOR, AUDITOR, hash, now, now, now);
      const insert = db.prepare(`
        INSERT INTO audit_events (id, time, type, username, username_key, actor, ip, user_agent, session_id, details)
        VALUES (?, ?, ?, ?, ?, 'self', '203.0.113.7', 'bench/1.0', NULL, '{"client_id":null}')`);
      const every = Math.max(1, Math.floor(events / AUDITED_EVENTS));
      db.transaction(() => {
        for (let n = 0; n < events; n++) {
          const name =
            n % every === 0 && n / every < AUDITED_EVENTS
              ? AUDITED_USER
              : `user${String((n % 98) + 1).padStart(7, "0")}`;
          const time = now - (events - n) * 1000;
          insert.run(`bench-${n}`, time, TYPES[n % TYPES.length], name, name);
        }
      })();
      db.pragma("journal_mode = WAL");
    } finally {
      db.close();
    }
    copyFileSync(building, template);
    rmSync(building, { force: true });
  }
  const path = join(cacheDir, `run-audit-${events}.db`);
  removeDatabase(path);
  copyFileSync(template, path);
  return path;
}
