import type { GatehouseStore } from "../../core/store.js";
import { prepareKeyQueries } from "./key-queries.js";
import { openSqliteDatabase } from "./open-database.js";
import { prepareRefreshQueries } from "./refresh-queries.js";
import { prepareRevocationQueries } from "./revocation-queries.js";
import { guarded, toStoreError } from "./sqlite-errors.js";
import type { SqliteStoreOptions } from "./sqlite-options.js";
import { prepareUserQueries } from "./user-queries.js";

/**
 * Creates a store on a SQLite file (created and migrated if needed; its directory must
 * exist), or on `:memory:`. Several processes may share the file: the CLI's writes show
 * up in a running server's {@link GatehouseStore.changeVersion}.
 * @throws GatehouseError `store_unavailable` when the database cannot be opened, or when
 * better-sqlite3 is missing or not built (the message names the npm command that fixes it).
 * @example
 * const store = await sqliteStore("./gatehouse.db");
 * const gatehouse = await createGatehouse({ store });
 */
export async function sqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<GatehouseStore> {
  const db = await openSqliteDatabase(path, options);
  const { users, keys, refresh, revocations, ping, dataVersion } = guarded(() => ({
    users: prepareUserQueries(db),
    keys: prepareKeyQueries(db),
    refresh: prepareRefreshQueries(db),
    revocations: prepareRevocationQueries(db),
    ping: db.prepare("SELECT 1"),
    // data_version changes when another connection commits, never for this one's own writes:
    // exactly "someone else wrote", without scanning any table.
    dataVersion: db.prepare("PRAGMA data_version").pluck(),
  }));

  // Every login writes a refresh family, and better-sqlite3 commits on the event loop: an fsync
  // there stalls every other request during a login flood. Session writes therefore commit
  // without one (WAL + synchronous NORMAL: a killed process loses nothing, a power cut may
  // drop the newest sessions, whose users log in again). Security writes (passwords,
  // disables, revocations) keep FULL, and their fsync also makes every earlier commit durable.
  const normal = db.prepare("PRAGMA synchronous = NORMAL");
  const full = db.prepare("PRAGMA synchronous = FULL");
  const withoutFsync = <T>(write: () => T): T => {
    normal.run();
    try {
      return write();
    } finally {
      full.run();
    }
  };

  // better-sqlite3 is synchronous; the interface is async because a PostgreSQL store shares it.
  // `async` turns every throw, converted by `guarded`, into a rejection.
  return {
    kind: "sqlite",
    // The two per-request lookups: one prepared `get` each, without a closure. Their cost is
    // SQLite's read transaction (two shm lock calls and an fstat), not this code.
    async findUserByUsername(username) {
      try {
        return users.find(username);
      } catch (error) {
        throw toStoreError(error);
      }
    },
    async findTokenSubject(username, jti, familyId) {
      try {
        return revocations.findTokenSubject(username, jti, familyId);
      } catch (error) {
        throw toStoreError(error);
      }
    },
    createUser: async (user, now) => guarded(() => users.create(user, now)),
    createUsers: async (batch, now) => guarded(() => users.createMany(batch, now)),
    updateUser: async (username, patch, now) => guarded(() => users.update(username, patch, now)),
    deleteUser: async (username) => guarded(() => users.delete(username)),
    listUsers: async ({ limit, cursor }) => guarded(() => users.list(limit, cursor)),

    listSigningKeys: async () => guarded(() => keys.list()),
    addSigningKey: async (key, now) => guarded(() => keys.add(key, now)),
    deleteSigningKeysSupersededBefore: async (before) => guarded(() => keys.deleteSupersededBefore(before)),

    createRefreshFamily: async (token) => guarded(() => withoutFsync(() => refresh.createFamily(token))),
    rotateRefreshToken: async (tokenHash, replacement, now) =>
      guarded(() => withoutFsync(() => refresh.rotate(tokenHash, replacement, now))),
    findRefreshToken: async (tokenHash) => guarded(() => refresh.find(tokenHash)),
    revokeRefreshFamily: async (familyId, now) => guarded(() => refresh.revokeFamily(familyId, now)),
    revokeUserRefreshFamilies: async (username, now) => guarded(() => refresh.revokeUserFamilies(username, now)),

    revokeAccessToken: async (jti, expiresAt) => guarded(() => revocations.revokeAccessToken(jti, expiresAt)),
    purgeExpired: async (now) => guarded(() => revocations.purgeExpired(now)),

    ping: async () => {
      guarded(() => ping.get());
    },
    changeVersion: async () =>
      guarded(() => {
        const version = dataVersion.get();
        if (typeof version !== "number") throw new Error("PRAGMA data_version did not return a number");
        return version;
      }),
    close: async () => {
      if (db.open) db.close();
    },
  };
}
