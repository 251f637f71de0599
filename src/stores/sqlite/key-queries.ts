import type { Database } from "better-sqlite3";
import { GatehouseError } from "../../core/errors.js";
import type { StoredSigningKey } from "../../core/store.js";
import { KEY_COLUMNS, readKeyRow } from "../sql/rows.js";
import { isUniqueViolation } from "./sqlite-errors.js";

/** The signing key operations of the SQLite store; synchronous, driver errors escape as they are. */
export interface KeyQueries {
  list(): StoredSigningKey[];
  add(key: StoredSigningKey, now: number): void;
  deleteSupersededBefore(before: number): number;
}

/** Prepares every signing key statement once, for the life of the connection. */
export function prepareKeyQueries(db: Database): KeyQueries {
  const selectAll = db.prepare(`SELECT ${KEY_COLUMNS} FROM signing_keys ORDER BY created_at, kid`);
  const supersedeCurrent = db.prepare("UPDATE signing_keys SET superseded_at = ? WHERE superseded_at IS NULL");
  const insert = db.prepare(`
    INSERT INTO signing_keys (kid, algorithm, private_key, public_key, created_at, superseded_at)
    VALUES (@kid, @algorithm, @privateKey, @publicKey, @createdAt, @supersededAt)
  `);
  const deleteBefore = db.prepare("DELETE FROM signing_keys WHERE superseded_at IS NOT NULL AND superseded_at < ?");
  // Superseding and inserting commit together, so no reader ever sees two current keys or none.
  // IMMEDIATE takes the write lock up front, where the busy timeout applies.
  const add = db.transaction((key: StoredSigningKey, now: number) => {
    supersedeCurrent.run(now);
    insert.run({
      kid: key.kid,
      algorithm: key.algorithm,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      createdAt: key.createdAt,
      supersededAt: key.supersededAt,
    });
  });

  return {
    list: () => selectAll.all().map(readKeyRow),

    add(key, now) {
      try {
        add.immediate(key, now);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new GatehouseError("validation_failed", "a signing key with this kid already exists");
        }
        throw error;
      }
    },

    deleteSupersededBefore: (before) => deleteBefore.run(before).changes,
  };
}
