import type { Pool } from "pg";
import type { AuditEvents, TokenSubject } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { readTokenSubjectRow, USER_COLUMNS } from "../sql/rows.js";
import { purgeAttemptsStatement } from "./attempt-queries.js";
import type { AuditQueries } from "./audit-queries.js";
import type { ChangeCounter } from "./change-counter.js";
import { inTransaction, queryFirst, queryRows, type Statement, writeFirst } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** Access token revocation, the per-request subject lookup, and purging (throttling counters too). */
export interface RevocationQueries {
  revokeAccessToken(jti: string, expiresAt: number, events?: AuditEvents): Promise<void>;
  findTokenSubject(username: string, jti: string | null, familyId: string | null): Promise<TokenSubject | null>;
  purgeExpired(now: number): Promise<number>;
}

/** Builds the revocation statements for a schema's tables. */
export function createRevocationQueries(
  pool: Pool,
  t: Tables,
  changes: ChangeCounter,
  audit: AuditQueries,
): RevocationQueries {
  // Revoking again with an earlier expiry changes nothing, so it counts no change either.
  const revoke: Statement = {
    name: "gatehouse_revoke_access_token",
    text: `
      WITH revoked AS (
        INSERT INTO ${t.revokedAccessTokens} AS r (jti, expires_at) VALUES ($1, $2)
        ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at WHERE r.expires_at < excluded.expires_at
        RETURNING 1
      ), ${changes.countAfter("revoked")}, ${audit.cte(3)}
      SELECT count(*) AS revoked FROM revoked
    `,
  };
  // Every authenticated request runs this: the user and both revocation checks in one
  // statement, one round trip and one snapshot. A NULL jti or family matches nothing.
  const subject: Statement = {
    name: "gatehouse_find_token_subject",
    text: `
      SELECT ${USER_COLUMNS},
        EXISTS (SELECT 1 FROM ${t.revokedAccessTokens} WHERE jti = $2)
          OR EXISTS (SELECT 1 FROM ${t.refreshFamilies} WHERE family_id = $3 AND revoked_at IS NOT NULL)
          AS revoked
      FROM ${t.users} WHERE username_key = $1
    `,
  };
  const purgeStatements: Statement[] = [
    { text: `DELETE FROM ${t.revokedAccessTokens} WHERE expires_at < $1` },
    { text: `DELETE FROM ${t.refreshTokens} WHERE expires_at < $1` },
    // A family expires with its newest token, after every access token naming it has expired.
    { text: `DELETE FROM ${t.refreshFamilies} WHERE expires_at < $1` },
  ];
  const purgeAttempts = purgeAttemptsStatement(t);

  return {
    async revokeAccessToken(jti, expiresAt, events) {
      await writeFirst(pool, revoke, [jti, expiresAt, ...audit.values(events)]);
    },

    async findTokenSubject(username, jti, familyId) {
      const [row] = await queryRows(pool, subject, [usernameKey(username), jti, familyId]);
      return row === undefined ? null : readTokenSubjectRow(row);
    },

    purgeExpired: (now) =>
      inTransaction(pool, async (client) => {
        // Every server purges every minute; one at a time is enough, and the others skip.
        const { mine } = await queryFirst(
          client,
          { text: "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS mine" },
          [`gatehouse purge ${t.schema}`],
        );
        if (mine !== true) return 0;
        let purged = 0;
        for (const statement of purgeStatements) {
          purged += (await client.query({ text: statement.text, values: [now] })).rowCount ?? 0;
        }
        if (purged > 0) await changes.count(client);
        // Throttling counters are nothing another server reloads, so purging them counts no change.
        purged += (await client.query({ text: purgeAttempts.text, values: [now] })).rowCount ?? 0;
        await changes.compact(client);
        return purged;
      }),
  };
}
