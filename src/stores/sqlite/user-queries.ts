import type { Database } from "better-sqlite3";
import { GatehouseError } from "../../core/errors.js";
import type { AuditEvents, NewUser, StoredUser, UserPage, UserPatch } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { storedUserFrom } from "../new-user.js";
import { checkPageLimit, decodeCursor, encodeCursor } from "../page-cursor.js";
import { encodeProfile, encodeScopes, readUserRow, USER_COLUMNS } from "../sql/rows.js";
import { checkUserBatch } from "../user-batch.js";
import { isUniqueViolation } from "./sqlite-errors.js";

/**
 * The user operations of the SQLite store. Synchronous, and driver errors escape as they
 * are: the store converts them (and wraps the calls in promises).
 */
export interface UserQueries {
  find(username: string): StoredUser | null;
  create(user: NewUser, now: number): StoredUser;
  createMany(users: readonly NewUser[], now: number, events?: ReadonlyArray<AuditEvents>): Array<"created" | "exists">;
  update(username: string, patch: UserPatch, now: number): StoredUser | null;
  delete(username: string): boolean;
  list(limit: number, cursor: string | null): UserPage;
}

/**
 * Prepares every user statement once, for the life of the connection; `record` inserts audit
 * events inside the transaction that is open when it is called.
 */
export function prepareUserQueries(db: Database, record: (events: AuditEvents | undefined) => void): UserQueries {
  const findByKey = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE username_key = ?`);
  const columns = `users (username, username_key, email, full_name, disabled, scopes, password_hash, profile,
                          tokens_valid_after, created_at, updated_at, email_verified)`;
  const values =
    "VALUES (@username, @key, @email, @fullName, @disabled, @scopes, @passwordHash, @profile, @now, @now, @now, @emailVerified)";
  const insert = db.prepare(`INSERT INTO ${columns} ${values}`);
  // `changes` tells the outcome: 0 when the key is taken, by an earlier row of the batch too.
  const insertIfNew = db.prepare(`INSERT INTO ${columns} ${values} ON CONFLICT (username_key) DO NOTHING`);
  // One transaction, so one WAL fsync under synchronous = FULL however many users it holds.
  // IMMEDIATE takes the write lock up front, where the busy timeout applies.
  const createMany = db.transaction(
    (batch: readonly NewUser[], now: number, events: ReadonlyArray<AuditEvents> | undefined) =>
      batch.map((user, index) => {
        if (insertIfNew.run(insertParams(user, now)).changes === 0) return "exists";
        record(events?.[index]);
        return "created";
      }),
  );
  // One statement for every patch shape: NULL means "leave as is". tokens_valid_after only
  // moves forward, so a late or stale write can never revive tokens a newer one revoked.
  const update = db.prepare(`
    UPDATE users SET
      email = coalesce(@email, email),
      email_verified = coalesce(@emailVerified, email_verified),
      full_name = coalesce(@fullName, full_name),
      disabled = coalesce(@disabled, disabled),
      scopes = coalesce(@scopes, scopes),
      password_hash = coalesce(@passwordHash, password_hash),
      profile = coalesce(@profile, profile),
      tokens_valid_after = max(tokens_valid_after, coalesce(@tokensValidAfter, tokens_valid_after)),
      updated_at = @now
    WHERE username_key = @key
    RETURNING ${USER_COLUMNS}
  `);
  const deleteByKey = db.prepare("DELETE FROM users WHERE username_key = ?");
  // Every key is non-empty, so '' starts the first page; the unique index serves the range and the order.
  const page = db.prepare(
    `SELECT ${USER_COLUMNS}, username_key FROM users WHERE username_key > ? ORDER BY username_key LIMIT ?`,
  );

  return {
    find(username) {
      const row = findByKey.get(usernameKey(username));
      return row === undefined ? null : readUserRow(row);
    },

    create(user, now) {
      try {
        insert.run(insertParams(user, now));
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new GatehouseError("user_exists", "A user with this username already exists");
        }
        throw error;
      }
      return storedUserFrom(user, now);
    },

    createMany(batch, now, events) {
      checkUserBatch(batch);
      return batch.length === 0 ? [] : createMany.immediate(batch, now, events);
    },

    update(username, patch, now) {
      const row = update.get({
        key: usernameKey(username),
        email: patch.email ?? null,
        emailVerified: patch.emailVerified === undefined ? null : patch.emailVerified ? 1 : 0,
        fullName: patch.fullName ?? null,
        disabled: patch.disabled === undefined ? null : patch.disabled ? 1 : 0,
        scopes: patch.scopes === undefined ? null : encodeScopes(patch.scopes),
        passwordHash: patch.passwordHash ?? null,
        profile: patch.profile === undefined ? null : encodeProfile(patch.profile),
        tokensValidAfter: patch.tokensValidAfter ?? null,
        now,
      });
      return row === undefined ? null : readUserRow(row);
    },

    delete(username) {
      return deleteByKey.run(usernameKey(username)).changes > 0;
    },

    list(limit, cursor) {
      checkPageLimit(limit);
      const after = cursor === null ? "" : decodeCursor(cursor);
      // One row more than asked tells whether another page follows, so the last page says so.
      const rows = page.all(after, limit + 1);
      const more = rows.length > limit;
      const shown = more ? rows.slice(0, limit) : rows;
      const last = shown.at(-1) as { username_key?: unknown } | undefined;
      return {
        users: shown.map(readUserRow),
        nextCursor: more && typeof last?.username_key === "string" ? encodeCursor(last.username_key) : null,
      };
    },
  };
}

function insertParams(user: NewUser, now: number): Record<string, string | number> {
  return {
    username: user.username,
    key: usernameKey(user.username),
    email: user.email,
    fullName: user.fullName,
    disabled: user.disabled ? 1 : 0,
    scopes: encodeScopes(user.scopes),
    passwordHash: user.passwordHash,
    profile: encodeProfile(user.profile),
    emailVerified: user.emailVerified === true ? 1 : 0,
    now,
  };
}
