import type { Pool } from "pg";
import type {
  AccountTokenPurpose,
  AuditEvents,
  ConsumedAccountToken,
  NewAccountToken,
  StoredUser,
} from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import {
  ACCOUNT_MAIL_RETENTION_MS,
  checkMailWindow,
  MAX_USERS_BY_EMAIL,
  readConsumedTokenRow,
} from "../account-rows.js";
import { readUserRow, USER_COLUMNS } from "../sql/rows.js";
import type { AuditQueries } from "./audit-queries.js";
import { inTransaction, queryFirst, queryRows, type Statement, writeFirst } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The account token and mail count operations of the PostgreSQL store; driver errors escape as they are. */
export interface AccountQueries {
  issue(token: NewAccountToken, events: AuditEvents | undefined): Promise<boolean>;
  consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<ConsumedAccountToken | null>;
  reserveMail(username: string, kind: string, now: number, windowMs: number, max: number): Promise<boolean>;
  findByEmail(email: string, limit: number): Promise<StoredUser[]>;
  purge(now: number): Promise<number>;
}

/** Builds the account statements for a schema's tables. */
export function createAccountQueries(pool: Pool, t: Tables, audit: AuditQueries): AccountQueries {
  // One statement: the upsert on (user, purpose) replaces an older token, and its audit event
  // is recorded only when the user exists.
  const issue: Statement = {
    name: "gatehouse_issue_account_token",
    text: `
      WITH issued AS (
        INSERT INTO ${t.accountTokens} (user_id, purpose, token_hash, email, created_at, expires_at)
        SELECT id, $2, $3, $4, $5, $6 FROM ${t.users} WHERE username_key = $1
        ON CONFLICT (user_id, purpose) DO UPDATE SET
          token_hash = excluded.token_hash, email = excluded.email,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        RETURNING 1
      ), ${audit.cte(7, "EXISTS (SELECT 1 FROM issued)")}
      SELECT count(*)::int AS issued FROM issued
    `,
  };
  // DELETE … RETURNING takes the row: of concurrent consumers one gets it.
  const consume: Statement = {
    name: "gatehouse_consume_account_token",
    text: `
      DELETE FROM ${t.accountTokens} a USING ${t.users} u
      WHERE a.token_hash = $1 AND a.purpose = $2 AND u.id = a.user_id
      RETURNING u.username, a.purpose, a.email, a.created_at, a.expires_at
    `,
  };
  const byEmail: Statement = {
    name: "gatehouse_users_by_email",
    text: `SELECT ${USER_COLUMNS} FROM ${t.users} WHERE lower(email) = lower($1) ORDER BY username_key LIMIT $2`,
  };

  return {
    async issue(token, events) {
      const { issued } = await writeFirst(pool, issue, [
        usernameKey(token.username),
        token.purpose,
        token.tokenHash,
        token.email,
        token.createdAt,
        token.expiresAt,
        ...audit.values(events),
      ]);
      return issued === 1;
    },

    async consume(purpose, tokenHash, now) {
      const [row] = await queryRows(pool, consume, [tokenHash, purpose]);
      if (row === undefined) return null;
      const token = readConsumedTokenRow(row);
      return token.expiresAt > now ? token : null;
    },

    reserveMail(username, kind, now, windowMs, max) {
      checkMailWindow(windowMs, max);
      // The user's row lock serialises reservations for one user across every instance.
      return inTransaction(pool, async (client) => {
        const [user] = await queryRows(
          client,
          { text: `SELECT id FROM ${t.users} WHERE username_key = $1 FOR UPDATE` },
          [usernameKey(username)],
        );
        if (user === undefined) return false;
        const { sent } = await queryFirst(
          client,
          {
            text: `SELECT count(*)::int AS sent FROM ${t.accountMails} WHERE user_id = $1 AND kind = $2 AND sent_at > $3`,
          },
          [user.id, kind, now - windowMs],
        );
        if (typeof sent !== "number" || sent >= max) return false;
        await client.query({
          text: `INSERT INTO ${t.accountMails} (user_id, kind, sent_at) VALUES ($1, $2, $3)`,
          values: [user.id, kind, now],
        });
        return true;
      });
    },

    async findByEmail(email, limit) {
      const rows = await queryRows(pool, byEmail, [email, Math.min(Math.max(limit, 0), MAX_USERS_BY_EMAIL)]);
      return rows.map(readUserRow);
    },

    async purge(now) {
      const tokens = await pool.query({ text: `DELETE FROM ${t.accountTokens} WHERE expires_at < $1`, values: [now] });
      const mails = await pool.query({
        text: `DELETE FROM ${t.accountMails} WHERE sent_at < $1`,
        values: [now - ACCOUNT_MAIL_RETENTION_MS],
      });
      return (tokens.rowCount ?? 0) + (mails.rowCount ?? 0);
    },
  };
}
