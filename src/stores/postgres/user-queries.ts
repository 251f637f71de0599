import type { Pool } from "pg";
import { GatehouseError } from "../../core/errors.js";
import type { AuditEvents, NewUser, StoredUser, UserPage, UserPatch } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { checkPageLimit, decodeCursor, encodeCursor } from "../page-cursor.js";
import { encodeProfile, encodeScopes, readUsernameKey, readUserRow, USER_COLUMNS } from "../sql/rows.js";
import { checkUserBatch } from "../user-batch.js";
import type { AuditQueries } from "./audit-queries.js";
import type { ChangeCounter } from "./change-counter.js";
import { isUniqueViolation } from "./postgres-errors.js";
import { queryRows, type Statement, writeFirst } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The user operations of the PostgreSQL store; driver errors escape as they are. */
export interface UserQueries {
  find(username: string): Promise<StoredUser | null>;
  create(user: NewUser, now: number, events?: AuditEvents): Promise<StoredUser>;
  createMany(
    users: readonly NewUser[],
    now: number,
    events?: ReadonlyArray<AuditEvents>,
  ): Promise<Array<"created" | "exists">>;
  update(username: string, patch: UserPatch, now: number, events?: AuditEvents): Promise<StoredUser | null>;
  delete(username: string, events?: AuditEvents): Promise<boolean>;
  list(limit: number, cursor: string | null): Promise<UserPage>;
}

/** Builds the user statements for a schema's tables. */
export function createUserQueries(pool: Pool, t: Tables, changes: ChangeCounter, audit: AuditQueries): UserQueries {
  const find: Statement = {
    name: "gatehouse_find_user",
    text: `SELECT ${USER_COLUMNS} FROM ${t.users} WHERE username_key = $1`,
  };
  const insert: Statement = {
    name: "gatehouse_create_user",
    text: `
      WITH created AS (
        INSERT INTO ${t.users} (username, username_key, email, full_name, disabled, scopes, password_hash,
                                tokens_valid_after, created_at, updated_at, profile, email_verified)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $8, $8, $9::jsonb, $10)
        RETURNING ${USER_COLUMNS}
      ), ${changes.countAfter("created")}, ${audit.cte(11, "EXISTS (SELECT 1 FROM created)")}
      SELECT * FROM created
    `,
  };
  // One array parameter per column rather than one placeholder per value: the statement
  // has 10 parameters for any batch, far below PostgreSQL's 65535, and is prepared once.
  // As one statement it is one transaction, retried whole after a deadlock, and counts one
  // change when it created anyone.
  const insertMany: Statement = {
    name: "gatehouse_create_users",
    text: `
      WITH created AS (
        INSERT INTO ${t.users} (username, username_key, email, full_name, disabled, scopes, password_hash,
                                tokens_valid_after, created_at, updated_at, profile, email_verified)
        SELECT username, username_key, email, full_name, disabled, scopes::jsonb, password_hash, $8, $8, $8,
               profile::jsonb, email_verified
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[],
                    $9::text[], $10::boolean[])
          AS batch (username, username_key, email, full_name, disabled, scopes, password_hash, profile, email_verified)
        ON CONFLICT (username_key) DO NOTHING
        RETURNING username_key
      ), ${changes.countAfter("created")},
      ${audit.cte(11, "e.username_key IN (SELECT username_key FROM created)")}
      SELECT coalesce(array_agg(username_key), '{}') AS created FROM created
    `,
  };
  // As in SQLite: one statement for every patch shape, NULL meaning "leave as is", and
  // tokens_valid_after only moving forward, so a stale write cannot revive revoked tokens.
  const update: Statement = {
    name: "gatehouse_update_user",
    text: `
      WITH updated AS (
        UPDATE ${t.users} SET
          email = coalesce($2, email),
          full_name = coalesce($3, full_name),
          disabled = coalesce($4, disabled),
          scopes = coalesce($5::jsonb, scopes),
          password_hash = coalesce($6, password_hash),
          tokens_valid_after = greatest(tokens_valid_after, coalesce($7, tokens_valid_after)),
          updated_at = $8,
          profile = coalesce($9::jsonb, profile),
          email_verified = coalesce($10, email_verified)
        WHERE username_key = $1
        RETURNING ${USER_COLUMNS}
      ), ${changes.countAfter("updated")}, ${audit.cte(11, "EXISTS (SELECT 1 FROM updated)")}
      SELECT * FROM updated
    `,
  };
  // The cascade to families and tokens takes their locks in the same order as a rotation
  // (family, then token), so deleting a user mid-rotation waits rather than deadlocks.
  const remove: Statement = {
    name: "gatehouse_delete_user",
    text: `
      WITH deleted AS (DELETE FROM ${t.users} WHERE username_key = $1 RETURNING 1), ${changes.countAfter("deleted")},
      ${audit.cte(2, "EXISTS (SELECT 1 FROM deleted)")}
      SELECT count(*) AS deleted FROM deleted
    `,
  };
  const page: Statement = {
    name: "gatehouse_list_users",
    text: `SELECT ${USER_COLUMNS}, username_key FROM ${t.users} WHERE username_key > $1 ORDER BY username_key LIMIT $2`,
  };

  return {
    async find(username) {
      const [row] = await queryRows(pool, find, [usernameKey(username)]);
      return row === undefined ? null : readUserRow(row);
    },

    async create(user, now, events) {
      try {
        const row = await writeFirst(pool, insert, [
          user.username,
          usernameKey(user.username),
          user.email,
          user.fullName,
          user.disabled,
          encodeScopes(user.scopes),
          user.passwordHash,
          now,
          encodeProfile(user.profile),
          user.emailVerified === true,
          ...audit.values(events),
        ]);
        return readUserRow(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new GatehouseError("user_exists", "A user with this username already exists");
        }
        throw error;
      }
    },

    async createMany(batch, now, events) {
      checkUserBatch(batch);
      // Only the first user of a key is sent, so each key is inserted at most once; sorted
      // by key, so overlapping batches of two writers take their index entries in one order
      // and queue instead of deadlocking.
      const keys = batch.map((user) => usernameKey(user.username));
      const firstIndex = new Map<string, number>();
      keys.forEach((key, index) => {
        if (!firstIndex.has(key)) firstIndex.set(key, index);
      });
      if (firstIndex.size === 0) return [];
      const rows = [...firstIndex]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, index]) => ({ key, user: batch[index]! }));
      const { created } = await writeFirst(pool, insertMany, [
        rows.map(({ user }) => user.username),
        rows.map(({ key }) => key),
        rows.map(({ user }) => user.email),
        rows.map(({ user }) => user.fullName),
        rows.map(({ user }) => user.disabled),
        rows.map(({ user }) => encodeScopes(user.scopes)),
        rows.map(({ user }) => user.passwordHash),
        now,
        rows.map(({ user }) => encodeProfile(user.profile)),
        rows.map(({ user }) => user.emailVerified === true),
        // Each user's events, recorded when that user is created (the statement matches them by key).
        ...audit.values(rows.flatMap(({ key }) => events?.[firstIndex.get(key) ?? -1] ?? [])),
      ]);
      if (!Array.isArray(created)) throw new Error("the created username keys are not an array");
      const createdKeys = new Set<unknown>(created);
      return keys.map((key, index) =>
        firstIndex.get(key) === index && createdKeys.has(key) ? ("created" as const) : ("exists" as const),
      );
    },

    async update(username, patch, now, events) {
      const [row] = await queryRows(pool, update, [
        usernameKey(username),
        patch.email ?? null,
        patch.fullName ?? null,
        patch.disabled ?? null,
        patch.scopes === undefined ? null : encodeScopes(patch.scopes),
        patch.passwordHash ?? null,
        patch.tokensValidAfter ?? null,
        now,
        patch.profile === undefined ? null : encodeProfile(patch.profile),
        patch.emailVerified ?? null,
        ...audit.values(events),
      ]);
      return row === undefined ? null : readUserRow(row);
    },

    async delete(username, events) {
      const { deleted } = await writeFirst(pool, remove, [usernameKey(username), ...audit.values(events)]);
      return deleted === 1;
    },

    async list(limit, cursor) {
      checkPageLimit(limit);
      const after = cursor === null ? "" : decodeCursor(cursor);
      // PostgreSQL text cannot hold U+0000, so no key has one: a cursor with it is not ours.
      if (after.includes("\u0000")) throw new GatehouseError("validation_failed", "invalid cursor");
      // One row more than asked tells whether another page follows, so the last page says so.
      const rows = await queryRows(pool, page, [after, limit + 1]);
      const more = rows.length > limit;
      const shown = more ? rows.slice(0, limit) : rows;
      const last = shown.at(-1);
      return {
        users: shown.map(readUserRow),
        nextCursor: more && last !== undefined ? encodeCursor(readUsernameKey(last)) : null,
      };
    },
  };
}
