import type { Pool, PoolClient } from "pg";
import { GatehouseError } from "../../core/errors.js";
import type { RefreshReplacement, RotationResult, StoredRefreshToken } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { REFRESH_TOKEN_COLUMNS, type RefreshTokenRow, readRefreshTokenRow } from "../sql/rows.js";
import type { ChangeCounter } from "./change-counter.js";
import { sqlState } from "./postgres-errors.js";
import { inTransaction, type Queryable, queryFirst, queryRows, type Statement, writeFirst } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The refresh token operations of the PostgreSQL store; driver errors escape as they are. */
export interface RefreshQueries {
  createFamily(token: StoredRefreshToken): Promise<void>;
  rotate(tokenHash: string, replacement: RefreshReplacement, now: number): Promise<RotationResult>;
  find(tokenHash: string): Promise<StoredRefreshToken | null>;
  revokeFamily(familyId: string, now: number): Promise<void>;
  revokeUserFamilies(username: string, now: number): Promise<void>;
}

/** Builds the refresh token statements for a schema's tables. */
export function createRefreshQueries(pool: Pool, t: Tables, changes: ChangeCounter): RefreshQueries {
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
        INSERT INTO ${t.refreshFamilies} (family_id, user_id, client_id, scope, created_at, expires_at)
        SELECT $1::text, id, $2::text, $3::text, $4::bigint, $5::bigint FROM ${t.users} WHERE username_key = $6
        RETURNING family_id
      ), token AS (
        INSERT INTO ${t.refreshTokens} (token_hash, family_id, issued_at, expires_at, used_at)
        SELECT $7::text, family_id, $4::bigint, $5::bigint, $8::bigint FROM family
      ), ${changes.countAfter("family")}
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
        UPDATE ${t.refreshTokens} SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL RETURNING family_id
      ), replacement AS (
        INSERT INTO ${t.refreshTokens} (token_hash, family_id, issued_at, expires_at, used_at)
        SELECT $3::text, family_id, $4::bigint, $5::bigint, NULL FROM used
      ), extended AS (
        UPDATE ${t.refreshFamilies} SET expires_at = greatest(expires_at, $5::bigint)
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
      ), ${changes.countAfter("revoked")}
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

  const readToken = async (db: Queryable, statement: Statement, tokenHash: string): Promise<RefreshTokenRow | null> => {
    const [row] = await queryRows(db, statement, [tokenHash]);
    return row === undefined ? null : readRefreshTokenRow(row);
  };

  // RFC 9700 §4.14.2: a used refresh token presented again means one of its holders is a thief.
  const reuse = async (client: PoolClient, token: StoredRefreshToken, now: number): Promise<RotationResult> => {
    await queryFirst(client, revokeFamily, [now, token.familyId]);
    return { status: "reused", previous: token };
  };

  const rotate = (tokenHash: string, replacement: RefreshReplacement, now: number) =>
    inTransaction(pool, async (client): Promise<RotationResult> => {
      const found = await readToken(client, lockAndFind, tokenHash);
      if (!found || found.revokedAt !== null) return { status: "invalid" };
      const { token } = found;
      if (token.usedAt !== null) return reuse(client, token, now);
      if (token.expiresAt <= now) return { status: "invalid" };
      const { rotated } = await queryFirst(client, markUsed, [
        tokenHash,
        now,
        replacement.tokenHash,
        replacement.issuedAt,
        replacement.expiresAt,
      ]);
      if (rotated === 1) return { status: "rotated", previous: { ...token, usedAt: now } };
      const current = await readToken(client, find, tokenHash);
      return current ? reuse(client, current.token, now) : { status: "invalid" };
    });

  return {
    async createFamily(token) {
      let created: unknown;
      try {
        ({ created } = await writeFirst(pool, createFamily, [
          token.familyId,
          token.clientId,
          token.scope,
          token.issuedAt,
          token.expiresAt,
          usernameKey(token.username),
          token.tokenHash,
          token.usedAt,
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
    async revokeFamily(familyId, now) {
      await writeFirst(pool, revokeFamily, [now, familyId]);
    },
    async revokeUserFamilies(username, now) {
      await writeFirst(pool, revokeUserFamilies, [now, usernameKey(username)]);
    },
  };
}
