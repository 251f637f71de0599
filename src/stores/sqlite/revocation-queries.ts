import type { Database } from "better-sqlite3";
import type { TokenSubject } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { readUserRow, USER_COLUMNS } from "../sql/rows.js";

/** Access token revocation, the per-request subject lookup, and purging; synchronous. */
export interface RevocationQueries {
  revokeAccessToken(jti: string, expiresAt: number): void;
  findTokenSubject(username: string, jti: string | null, familyId: string | null): TokenSubject | null;
  purgeExpired(now: number): number;
}

/** Prepares every revocation statement once, for the life of the connection. */
export function prepareRevocationQueries(db: Database): RevocationQueries {
  const revoke = db.prepare(`
    INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)
    ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)
  `);
  // Every authenticated request runs this: the user and both revocation checks in one
  // statement, so one read transaction (one snapshot) answers all three. A NULL jti or
  // family matches nothing.
  const subject = db.prepare(`
    SELECT ${USER_COLUMNS},
      EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = @jti)
        OR EXISTS (SELECT 1 FROM refresh_families WHERE family_id = @familyId AND revoked_at IS NOT NULL)
        AS revoked
    FROM users WHERE username_key = @key
  `);
  const purgeRevocations = db.prepare("DELETE FROM revoked_access_tokens WHERE expires_at < ?");
  const purgeTokens = db.prepare("DELETE FROM refresh_tokens WHERE expires_at < ?");
  // A family expires with its newest token, after every access token naming it has expired.
  const purgeFamilies = db.prepare("DELETE FROM refresh_families WHERE expires_at < ?");
  const purge = db.transaction(
    (now: number) => purgeRevocations.run(now).changes + purgeTokens.run(now).changes + purgeFamilies.run(now).changes,
  );

  return {
    revokeAccessToken(jti, expiresAt) {
      revoke.run(jti, expiresAt);
    },

    findTokenSubject(username, jti, familyId) {
      const row = subject.get({ key: usernameKey(username), jti, familyId }) as { revoked?: unknown } | undefined;
      if (row === undefined) return null;
      return { user: readUserRow(row), revoked: row.revoked === 1 };
    },

    purgeExpired: (now) => purge.immediate(now),
  };
}
