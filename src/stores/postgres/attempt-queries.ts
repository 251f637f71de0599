import { createHash } from "node:crypto";
import type { Pool } from "pg";
import type { SharedLoginAttempts } from "../../core/store.js";
import type { AttemptCounter, LoginAttemptStore } from "../../core/throttle/attempt-store.js";
import { guarded } from "./postgres-errors.js";
import { queryRows, type Row, type Statement, writeFirst } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The two counter sets of the throttle, kept apart by the `kind` column. */
type AttemptKind = "failures" | "known_logins";

/**
 * Login throttling counters in the `login_attempts` table, shared by every process on the
 * database, so that several servers behind a load balancer count attempts together. Each method is one autocommit statement, so each is atomic: concurrent increments of
 * one key queue on its row and none is lost. Expired rows are ignored here and deleted by
 * the store's `purgeExpired`. Failures are `store_unavailable`, so the throttle fails closed.
 */
export function createPostgresAttempts(pool: Pool, t: Tables): SharedLoginAttempts {
  // An expired row starts again from 1; a live one only ever lives longer (GREATEST), so a
  // shorter penalty computed by a slower process never cuts a longer one short.
  const increment: Statement = {
    name: "gatehouse_increment_attempt",
    text: `
      INSERT INTO ${t.loginAttempts} AS a (kind, key, count, expires_at) VALUES ($1, $2, 1, $3::bigint)
      ON CONFLICT (kind, key) DO UPDATE SET
        count = CASE WHEN a.expires_at <= $4::bigint THEN 1 ELSE a.count + 1 END,
        expires_at = GREATEST(a.expires_at, excluded.expires_at)
      RETURNING key, count, expires_at
    `,
  };
  const get: Statement = {
    name: "gatehouse_get_attempts",
    text: `
      SELECT key, count, expires_at FROM ${t.loginAttempts}
      WHERE kind = $1 AND key = ANY($2::text[]) AND expires_at > $3::bigint
    `,
  };
  const remove: Statement = {
    name: "gatehouse_delete_attempts",
    text: `DELETE FROM ${t.loginAttempts} WHERE kind = $1 AND key = ANY($2::text[])`,
  };

  // Compared by prefix length rather than LIKE, so no character of a username needs escaping.
  const removePrefixed: Statement = {
    name: "gatehouse_delete_prefixed_attempts",
    text: `DELETE FROM ${t.loginAttempts}
      WHERE kind = $1 AND left(key, $3) = $2 AND strpos(substr(key, $3 + 1), '|') = 0`,
  };

  const attemptsOf = (kind: AttemptKind): LoginAttemptStore => ({
    increment: (key, ttlMs, now) =>
      guarded(async () => readCounter(await writeFirst(pool, increment, [kind, storedKey(key), now + ttlMs, now]))),

    get: (keys, now) =>
      guarded(async () => {
        if (keys.length === 0) return [];
        const stored = keys.map(storedKey);
        const rows = await queryRows(pool, get, [kind, [...new Set(stored)], now]);
        const found = new Map(rows.map((row) => [row.key, readCounter(row)]));
        return stored.map((key) => {
          const counter = found.get(key);
          return counter === undefined ? null : { ...counter };
        });
      }),

    delete: (keys) =>
      guarded(async () => {
        if (keys.length === 0) return;
        await queryRows(pool, remove, [kind, keys.map(storedKey)]);
      }),

    deleteByPrefix: (prefix) =>
      guarded(
        async () => (await pool.query({ ...removePrefixed, values: [kind, prefix, [...prefix].length] })).rowCount ?? 0,
      ),
  });

  return { failures: attemptsOf("failures"), knownLogins: attemptsOf("known_logins") };
}

/** Deletes the counters that expired by `$1`; run by `purgeExpired`. */
export function purgeAttemptsStatement(t: Tables): Statement {
  return { text: `DELETE FROM ${t.loginAttempts} WHERE expires_at <= $1` };
}

/**
 * The key as stored. PostgreSQL text cannot hold U+0000, which the core never puts in a key
 * but a custom adapter's address label might: such a key is stored by its SHA-256 instead.
 */
function storedKey(key: string): string {
  return key.includes("\u0000") ? `#nul:${createHash("sha256").update(key).digest("base64url")}` : key;
}

function readCounter(row: Row): AttemptCounter {
  const { count, expires_at: expiresAt } = row;
  if (typeof count !== "number" || typeof expiresAt !== "number") {
    throw new Error("a login_attempts row does not hold a count and an expiry");
  }
  return { count, expiresAt };
}
