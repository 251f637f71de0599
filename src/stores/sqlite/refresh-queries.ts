import type { Database } from "better-sqlite3";
import { GatehouseError } from "../../core/errors.js";
import type { RefreshReplacement, RotationResult, StoredRefreshToken } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { REFRESH_TOKEN_COLUMNS, type RefreshTokenRow, readRefreshTokenRow } from "../sql/rows.js";

/** The refresh token operations of the SQLite store; synchronous, driver errors escape as they are. */
export interface RefreshQueries {
  createFamily(token: StoredRefreshToken): void;
  rotate(tokenHash: string, replacement: RefreshReplacement, now: number): RotationResult;
  find(tokenHash: string): StoredRefreshToken | null;
  revokeFamily(familyId: string, now: number): void;
  revokeUserFamilies(username: string, now: number): void;
}

/** Prepares every refresh token statement once, for the life of the connection. */
export function prepareRefreshQueries(db: Database): RefreshQueries {
  const insertFamily = db.prepare(`
    INSERT INTO refresh_families (family_id, user_id, client_id, scope, created_at, expires_at, revoked_at)
    SELECT @familyId, id, @clientId, @scope, @issuedAt, @expiresAt, NULL FROM users WHERE username_key = @key
  `);
  const insertToken = db.prepare(`
    INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at, used_at)
    VALUES (@tokenHash, @familyId, @issuedAt, @expiresAt, @usedAt)
  `);
  const selectToken = db.prepare(`
    SELECT ${REFRESH_TOKEN_COLUMNS}
    FROM refresh_tokens t
    JOIN refresh_families f ON f.family_id = t.family_id
    JOIN users u ON u.id = f.user_id
    WHERE t.token_hash = ?
  `);
  const markUsed = db.prepare("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
  const extendFamily = db.prepare("UPDATE refresh_families SET expires_at = max(expires_at, ?) WHERE family_id = ?");
  const revokeFamily = db.prepare(
    "UPDATE refresh_families SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
  );
  const revokeUserFamilies = db.prepare(`
    UPDATE refresh_families SET revoked_at = ?
    WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE username_key = ?)
  `);
  const readToken = (tokenHash: string): RefreshTokenRow | null => {
    const row = selectToken.get(tokenHash);
    return row === undefined ? null : readRefreshTokenRow(row);
  };

  const createFamily = db.transaction((token: StoredRefreshToken) => {
    const family = insertFamily.run({
      familyId: token.familyId,
      clientId: token.clientId,
      scope: token.scope,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
      key: usernameKey(token.username),
    });
    // The user was removed between the password check and here: no session for a ghost.
    if (family.changes === 0) throw new GatehouseError("user_not_found", "User not found");
    insertToken.run(pickToken(token));
  });

  // Reading, checking and writing in one IMMEDIATE transaction serialises concurrent
  // rotations of one token, here and in other processes: the first wins, the second is a reuse.
  const rotate = db.transaction((tokenHash: string, replacement: RefreshReplacement, now: number): RotationResult => {
    const found = readToken(tokenHash);
    if (!found || found.revokedAt !== null) return { status: "invalid" };
    const { token } = found;
    if (token.usedAt !== null) {
      // RFC 9700 §4.14.2: a used refresh token presented again means one of its holders is a thief.
      revokeFamily.run(now, token.familyId);
      return { status: "reused", previous: token };
    }
    if (token.expiresAt <= now) return { status: "invalid" };
    markUsed.run(now, tokenHash);
    insertToken.run({ ...replacement, familyId: token.familyId, usedAt: null });
    extendFamily.run(replacement.expiresAt, token.familyId);
    return { status: "rotated", previous: { ...token, usedAt: now } };
  });

  return {
    createFamily: (token) => createFamily.immediate(token),
    rotate: (tokenHash, replacement, now) => rotate.immediate(tokenHash, replacement, now),
    find: (tokenHash) => readToken(tokenHash)?.token ?? null,
    revokeFamily(familyId, now) {
      revokeFamily.run(now, familyId);
    },
    revokeUserFamilies(username, now) {
      revokeUserFamilies.run(now, usernameKey(username));
    },
  };
}

function pickToken(token: StoredRefreshToken) {
  return {
    tokenHash: token.tokenHash,
    familyId: token.familyId,
    issuedAt: token.issuedAt,
    expiresAt: token.expiresAt,
    usedAt: token.usedAt,
  };
}
