import type { Pool, PoolClient } from "pg";
import { GatehouseError } from "../../core/errors.js";
import type {
  AuditEvents,
  NewRefreshFamily,
  RefreshRotation,
  RotationEvents,
  RotationResult,
  StoredRefreshToken,
  StoredSession,
} from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import {
  encodeStringArray,
  REFRESH_TOKEN_COLUMNS,
  type RefreshTokenRow,
  readRefreshTokenRow,
  readSessionRow,
  SESSION_COLUMNS,
} from "../sql/rows.js";
import type { AuditQueries } from "./audit-queries.js";
import type { ChangeCounter } from "./change-counter.js";
import { sqlState } from "./postgres-errors.js";
import { inTransaction, type Queryable, queryFirst, queryRows, type Statement, writeFirst } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The refresh token operations of the PostgreSQL store; driver errors escape as they are. */
export interface RefreshQueries {
  createFamily(family: NewRefreshFamily, events?: AuditEvents): Promise<void>;
  rotate(rotation: RefreshRotation, events?: RotationEvents): Promise<RotationResult>;
  find(tokenHash: string): Promise<StoredRefreshToken | null>;
  revokeFamily(familyId: string, now: number, events?: AuditEvents): Promise<void>;
  revokeUserFamilies(username: string, now: number): Promise<void>;
  listSessions(username: string, now: number): Promise<StoredSession[]>;
  revokeSession(username: string, familyId: string, now: number, events?: AuditEvents): Promise<boolean>;
}

/** Builds the refresh token statements for a schema's tables. */
export function createRefreshQueries(
  pool: Pool,
  t: Tables,
  changes: ChangeCounter,
  audit: AuditQueries,
): RefreshQueries {
  const joined = `
    FROM ${t.refreshTokens} t
    JOIN ${t.refreshFamilies} f ON f.family_id = t.family_id
    JOIN ${t.users} u ON u.id = f.user_id
    WHERE t.token_hash = $1`;
  // The family and its first token in one statement, so a user removed meanwhile leaves neither.
  const createFamily: Statement = {
    name: "gatehouse_create_family",
    text: `
      WITH family AS (
        INSERT INTO ${t.refreshFamilies} (family_id, user_id, client_id, scope, created_at, last_used_at, expires_at,
                                          ip, user_agent, amr)
        SELECT $1::text, id, $2::text, $3::text, $4::bigint, $4::bigint, $5::bigint, $8::text, $9::text, $10::jsonb
        FROM ${t.users} WHERE username_key = $6
        RETURNING family_id
      ), token AS (
        INSERT INTO ${t.refreshTokens} (token_hash, family_id, issued_at, expires_at, used_at)
        SELECT $7::text, family_id, $4::bigint, $5::bigint, NULL FROM family
      ), ${changes.countAfter("family")}, ${audit.cte(11, "EXISTS (SELECT 1 FROM family)")}
      SELECT count(*) AS created FROM family
    `,
  };
  const find: Statement = { name: "gatehouse_find_refresh_token", text: `SELECT ${REFRESH_TOKEN_COLUMNS} ${joined}` };
  // Every writer of a family locks the family row before any of its tokens, in the order
  // a user's deletion cascades (user, family, token): concurrent rotations of one family
  // queue here instead of deadlocking.
  const lockAndFind: Statement = {
    name: "gatehouse_lock_refresh_token",
    text: `SELECT ${REFRESH_TOKEN_COLUMNS} ${joined} FOR NO KEY UPDATE OF f`,
  };
  // `used_at IS NULL` decides who won: a rotation that waited for the family lock read the
  // token as it was before the winner committed, and here finds it used.
  const markUsed: Statement = {
    name: "gatehouse_rotate_refresh_token",
    text: `
      WITH used AS (
        UPDATE ${t.refreshTokens} SET used_at = $2, successor_hash = $3
        WHERE token_hash = $1 AND used_at IS NULL RETURNING family_id
      ), replacement AS (
        INSERT INTO ${t.refreshTokens} (token_hash, family_id, issued_at, expires_at, used_at)
        SELECT $3::text, family_id, $4::bigint, $5::bigint, NULL FROM used
      ), extended AS (
        UPDATE ${t.refreshFamilies}
        SET expires_at = greatest(expires_at, $5::bigint), last_used_at = $2, ip = $6::text, user_agent = $7::text
        WHERE family_id IN (SELECT family_id FROM used)
      ), ${changes.countAfter("used")}
      SELECT count(*) AS rotated FROM used
    `,
  };
  const revokeFamily: Statement = {
    name: "gatehouse_revoke_family",
    text: `
      WITH revoked AS (
        UPDATE ${t.refreshFamilies} SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL RETURNING 1
      ), ${changes.countAfter("revoked")},
      ${audit.cte(3, `EXISTS (SELECT 1 FROM ${t.refreshFamilies} WHERE family_id = $2)`)}
      SELECT count(*) AS revoked FROM revoked
    `,
  };
  const revokeUserFamilies: Statement = {
    name: "gatehouse_revoke_user_families",
    text: `
      WITH revoked AS (
        UPDATE ${t.refreshFamilies} SET revoked_at = $1
        WHERE revoked_at IS NULL AND user_id = (SELECT id FROM ${t.users} WHERE username_key = $2)
        RETURNING 1
      ), ${changes.countAfter("revoked")}
      SELECT count(*) AS revoked FROM revoked
    `,
  };

  const liveSessions: Statement = {
    name: "gatehouse_list_sessions",
    text: `
      SELECT ${SESSION_COLUMNS}
      FROM ${t.refreshFamilies} f JOIN ${t.users} u ON u.id = f.user_id
      WHERE u.username_key = $1 AND f.revoked_at IS NULL AND f.expires_at > $2
      ORDER BY f.created_at DESC, f.family_id DESC
    `,
  };
  const revokeLiveSession: Statement = {
    name: "gatehouse_revoke_session",
    text: `
      WITH revoked AS (
        UPDATE ${t.refreshFamilies} SET revoked_at = $1
        WHERE family_id = $2 AND revoked_at IS NULL AND expires_at > $1
          AND user_id = (SELECT id FROM ${t.users} WHERE username_key = $3)
        RETURNING 1
      ), ${changes.countAfter("revoked")}, ${audit.cte(4, "EXISTS (SELECT 1 FROM revoked)")}
      SELECT count(*) AS revoked FROM revoked
    `,
  };

  const readToken = async (db: Queryable, statement: Statement, tokenHash: string): Promise<RefreshTokenRow | null> => {
    const [row] = await queryRows(db, statement, [tokenHash]);
    return row === undefined ? null : readRefreshTokenRow(row);
  };

  // RFC 9700 §4.14.2: a used refresh token presented again means one of its holders is a thief.
  const reuse = async (
    client: PoolClient,
    token: StoredRefreshToken,
    now: number,
    events: AuditEvents | undefined,
  ): Promise<RotationResult> => {
    await queryFirst(client, revokeFamily, [now, token.familyId, ...audit.values(events)]);
    return { status: "reused", previous: token };
  };

  const rotate = (rotation: RefreshRotation, events: RotationEvents = {}) =>
    inTransaction(pool, async (client): Promise<RotationResult> => {
      const { tokenHash, successor, now } = rotation;
      const found = await readToken(client, lockAndFind, tokenHash);
      if (!found || found.revokedAt !== null) return { status: "invalid" };
      const { token } = found;
      if (token.usedAt !== null) return retryOrReuse(client, token, rotation, events);
      if (token.expiresAt <= now) return { status: "invalid" };
      const { rotated } = await queryFirst(client, markUsed, [
        tokenHash,
        now,
        successor.tokenHash,
        successor.issuedAt,
        successor.expiresAt,
        rotation.ip,
        rotation.userAgent,
      ]);
      if (rotated === 1) {
        await audit.insert(client, events.rotated);
        return { status: "rotated", previous: { ...token, usedAt: now, successorHash: successor.tokenHash } };
      }
      const current = await readToken(client, find, tokenHash);
      return current ? retryOrReuse(client, current.token, rotation, events) : { status: "invalid" };
    });

  // A used token presented again: the same successor within the reuse interval is a retry
  // (two tabs refreshing at once), anything else is theft.
  const retryOrReuse = async (
    client: PoolClient,
    token: StoredRefreshToken,
    rotation: RefreshRotation,
    events: RotationEvents,
  ): Promise<RotationResult> => {
    const retry =
      token.usedAt !== null &&
      token.successorHash === rotation.successor.tokenHash &&
      rotation.now < token.usedAt + rotation.reuseIntervalMs;
    if (!retry) return reuse(client, token, rotation.now, events.reused);
    await audit.insert(client, events.reissued);
    return { status: "reissued", previous: token };
  };

  return {
    async createFamily(family, events) {
      let created: unknown;
      try {
        ({ created } = await writeFirst(pool, createFamily, [
          family.familyId,
          family.clientId,
          family.scope,
          family.issuedAt,
          family.expiresAt,
          usernameKey(family.username),
          family.tokenHash,
          family.ip,
          family.userAgent,
          encodeStringArray(family.amr),
          ...audit.values(events),
        ]));
      } catch (error) {
        // The user's deletion committed while this statement waited to check its reference.
        if (sqlState(error) === "23503") created = 0;
        else throw error;
      }
      // The user was removed between the password check and here: no session for a ghost.
      if (created !== 1) throw new GatehouseError("user_not_found", "User not found");
    },
    rotate,
    find: async (tokenHash) => (await readToken(pool, find, tokenHash))?.token ?? null,
    async revokeFamily(familyId, now, events) {
      await writeFirst(pool, revokeFamily, [now, familyId, ...audit.values(events)]);
    },
    async revokeUserFamilies(username, now) {
      await writeFirst(pool, revokeUserFamilies, [now, usernameKey(username)]);
    },
    listSessions: async (username, now) =>
      (await queryRows(pool, liveSessions, [usernameKey(username), now])).map(readSessionRow),
    async revokeSession(username, familyId, now, events) {
      const { revoked } = await writeFirst(pool, revokeLiveSession, [
        now,
        familyId,
        usernameKey(username),
        ...audit.values(events),
      ]);
      return revoked === 1;
    },
  };
}
