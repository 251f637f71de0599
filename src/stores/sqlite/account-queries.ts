import type { Database } from "better-sqlite3";
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

/** The account token and mail count operations of the SQLite store; synchronous, errors escape as they are. */
export interface AccountQueries {
  issue(token: NewAccountToken, events: AuditEvents | undefined): boolean;
  consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): ConsumedAccountToken | null;
  reserveMail(username: string, kind: string, now: number, windowMs: number, max: number): boolean;
  findByEmail(email: string, limit: number): StoredUser[];
  purge(now: number): number;
}

/** Prepares the statements once; `record` inserts audit events in the open transaction. */
export function prepareAccountQueries(db: Database, record: (events: AuditEvents | undefined) => void): AccountQueries {
  // The primary key (user, purpose) makes a newer token replace the older one in the same row.
  const upsert = db.prepare(`
    INSERT INTO account_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
    SELECT id, @purpose, @tokenHash, @email, @createdAt, @expiresAt FROM users WHERE username_key = @key
    ON CONFLICT (user_id, purpose) DO UPDATE SET
      token_hash = excluded.token_hash, email = excluded.email,
      created_at = excluded.created_at, expires_at = excluded.expires_at
  `);
  const issue = db.transaction((token: NewAccountToken, events: AuditEvents | undefined) => {
    const changed =
      upsert.run({
        key: usernameKey(token.username),
        purpose: token.purpose,
        tokenHash: token.tokenHash,
        email: token.email,
        createdAt: token.createdAt,
        expiresAt: token.expiresAt,
      }).changes > 0;
    if (changed) record(events);
    return changed;
  });
  // DELETE … RETURNING is the single use: a second consumer finds no row.
  const take = db.prepare(`
    DELETE FROM account_tokens WHERE token_hash = ? AND purpose = ?
    RETURNING (SELECT username FROM users WHERE users.id = account_tokens.user_id) AS username,
              purpose, email, created_at, expires_at
  `);
  const userId = db.prepare("SELECT id FROM users WHERE username_key = ?").pluck();
  const countMails = db
    .prepare("SELECT count(*) FROM account_mails WHERE user_id = ? AND kind = ? AND sent_at > ?")
    .pluck();
  const insertMail = db.prepare("INSERT INTO account_mails (user_id, kind, sent_at) VALUES (?, ?, ?)");
  // IMMEDIATE: the count and the insert under the write lock, so two processes cannot both pass.
  const reserve = db.transaction((key: string, kind: string, now: number, windowMs: number, max: number) => {
    const id = userId.get(key);
    if (typeof id !== "number") return false;
    const sent = countMails.get(id, kind, now - windowMs);
    if (typeof sent !== "number" || sent >= max) return false;
    insertMail.run(id, kind, now);
    return true;
  });
  const byEmail = db.prepare(
    `SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower(?) ORDER BY username_key LIMIT ?`,
  );
  const purgeTokens = db.prepare("DELETE FROM account_tokens WHERE expires_at < ?");
  const purgeMails = db.prepare("DELETE FROM account_mails WHERE sent_at < ?");
  const purge = db.transaction(
    (now: number) => purgeTokens.run(now).changes + purgeMails.run(now - ACCOUNT_MAIL_RETENTION_MS).changes,
  );

  return {
    issue: (token, events) => issue.immediate(token, events),
    consume(purpose, tokenHash, now) {
      const row = take.get(tokenHash, purpose);
      if (row === undefined) return null;
      const token = readConsumedTokenRow(row);
      return token.expiresAt > now ? token : null;
    },
    reserveMail(username, kind, now, windowMs, max) {
      checkMailWindow(windowMs, max);
      return reserve.immediate(usernameKey(username), kind, now, windowMs, max);
    },
    findByEmail: (email, limit) =>
      byEmail.all(email, Math.min(Math.max(limit, 0), MAX_USERS_BY_EMAIL)).map(readUserRow),
    purge: (now) => purge.immediate(now),
  };
}
