import type { Database } from "better-sqlite3";
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

/** The refresh token operations of the SQLite store; synchronous, driver errors escape as they are. */
export interface RefreshQueries {
  createFamily(family: NewRefreshFamily, events?: AuditEvents): void;
  rotate(rotation: RefreshRotation, events?: RotationEvents): RotationResult;
  find(tokenHash: string): StoredRefreshToken | null;
  /** @returns whether the family exists (revoked now or before). */
  revokeFamily(familyId: string, now: number): boolean;
  revokeUserFamilies(username: string, now: number): void;
  listSessions(username: string, now: number): StoredSession[];
  revokeSession(username: string, familyId: string, now: number): boolean;
}

/**
 * Prepares every refresh token statement once, for the life of the connection; `record`
 * inserts audit events inside the transaction that is open when it is called.
 */
export function prepareRefreshQueries(db: Database, record: (events: AuditEvents | undefined) => void): RefreshQueries {
  const insertFamily = db.prepare(`
    INSERT INTO refresh_families (family_id, user_id, client_id, scope, created_at, last_used_at, expires_at,
                                  revoked_at, ip, user_agent, amr)
    SELECT @familyId, id, @clientId, @scope, @issuedAt, @issuedAt, @expiresAt, NULL, @ip, @userAgent, @amr
    FROM users WHERE username_key = @key
  `);
  const insertToken = db.prepare(`
    INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at, used_at)
    VALUES (@tokenHash, @familyId, @issuedAt, @expiresAt, NULL)
  `);
  const selectToken = db.prepare(`
    SELECT ${REFRESH_TOKEN_COLUMNS}
    FROM refresh_tokens t
    JOIN refresh_families f ON f.family_id = t.family_id
    JOIN users u ON u.id = f.user_id
    WHERE t.token_hash = ?
  `);
  const markUsed = db.prepare(
    "UPDATE refresh_tokens SET used_at = ?, successor_hash = ? WHERE token_hash = ? AND used_at IS NULL",
  );
  const touchFamily = db.prepare(`
    UPDATE refresh_families SET expires_at = max(expires_at, @expiresAt), last_used_at = @now, ip = @ip,
      user_agent = @userAgent
    WHERE family_id = @familyId
  `);
  const revokeFamily = db.prepare(
    "UPDATE refresh_families SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
  );
  const familyExists = db.prepare("SELECT 1 FROM refresh_families WHERE family_id = ?");
  const revokeUserFamilies = db.prepare(`
    UPDATE refresh_families SET revoked_at = ?
    WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE username_key = ?)
  `);
  const liveSessions = db.prepare(`
    SELECT ${SESSION_COLUMNS}
    FROM refresh_families f JOIN users u ON u.id = f.user_id
    WHERE u.username_key = ? AND f.revoked_at IS NULL AND f.expires_at > ?
    ORDER BY f.created_at DESC, f.family_id DESC
  `);
  const revokeLiveSession = db.prepare(`
    UPDATE refresh_families SET revoked_at = @now
    WHERE family_id = @familyId AND revoked_at IS NULL AND expires_at > @now
      AND user_id = (SELECT id FROM users WHERE username_key = @key)
  `);
  const readToken = (tokenHash: string): RefreshTokenRow | null => {
    const row = selectToken.get(tokenHash);
    return row === undefined ? null : readRefreshTokenRow(row);
  };

  const createFamily = db.transaction((family: NewRefreshFamily, events: AuditEvents | undefined) => {
    const created = insertFamily.run({
      familyId: family.familyId,
      clientId: family.clientId,
      scope: family.scope,
      issuedAt: family.issuedAt,
      expiresAt: family.expiresAt,
      ip: family.ip,
      userAgent: family.userAgent,
      amr: encodeStringArray(family.amr),
      key: usernameKey(family.username),
    });
    // The user was removed between the password check and here: no session for a ghost.
    if (created.changes === 0) throw new GatehouseError("user_not_found", "User not found");
    insertToken.run({
      tokenHash: family.tokenHash,
      familyId: family.familyId,
      issuedAt: family.issuedAt,
      expiresAt: family.expiresAt,
    });
    record(events);
  });

  // Reading, checking and writing in one IMMEDIATE transaction serialises concurrent
  // rotations of one token, here and in other processes: the first wins, the second finds
  // the token used with the successor it would make itself, and is a retry.
  const rotate = db.transaction((rotation: RefreshRotation, events: RotationEvents): RotationResult => {
    const { tokenHash, successor, now } = rotation;
    const found = readToken(tokenHash);
    if (!found || found.revokedAt !== null) return { status: "invalid" };
    const { token } = found;
    if (token.usedAt !== null) {
      if (token.successorHash === successor.tokenHash && now < token.usedAt + rotation.reuseIntervalMs) {
        record(events.reissued);
        return { status: "reissued", previous: token };
      }
      // RFC 9700 §4.14.2: a used refresh token presented again means one of its holders is a thief.
      revokeFamily.run(now, token.familyId);
      record(events.reused);
      return { status: "reused", previous: token };
    }
    if (token.expiresAt <= now) return { status: "invalid" };
    markUsed.run(now, successor.tokenHash, tokenHash);
    insertToken.run({ ...successor, familyId: token.familyId });
    touchFamily.run({
      expiresAt: successor.expiresAt,
      now,
      ip: rotation.ip,
      userAgent: rotation.userAgent,
      familyId: token.familyId,
    });
    record(events.rotated);
    return { status: "rotated", previous: { ...token, usedAt: now, successorHash: successor.tokenHash } };
  });

  return {
    createFamily: (family, events) => createFamily.immediate(family, events),
    rotate: (rotation, events = {}) => rotate.immediate(rotation, events),
    find: (tokenHash) => readToken(tokenHash)?.token ?? null,
    revokeFamily: (familyId, now) =>
      revokeFamily.run(now, familyId).changes > 0 || familyExists.get(familyId) !== undefined,
    revokeUserFamilies(username, now) {
      revokeUserFamilies.run(now, usernameKey(username));
    },
    listSessions: (username, now) => liveSessions.all(usernameKey(username), now).map(readSessionRow),
    revokeSession: (username, familyId, now) =>
      revokeLiveSession.run({ now, familyId, key: usernameKey(username) }).changes > 0,
  };
}
