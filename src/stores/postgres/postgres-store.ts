import type { GatehouseStore } from "../../core/store.js";
import { createPostgresAttempts } from "./attempt-queries.js";
import { createChangeCounter } from "./change-counter.js";
import { createKeyQueries } from "./key-queries.js";
import { migratePostgres } from "./migrate.js";
import { openPool } from "./open-pool.js";
import { guarded } from "./postgres-errors.js";
import type { PostgresStoreOptions } from "./postgres-options.js";
import { createRefreshQueries } from "./refresh-queries.js";
import { createRevocationQueries } from "./revocation-queries.js";
import { DEFAULT_SCHEMA, tablesIn } from "./tables.js";
import { createUserQueries } from "./user-queries.js";

/**
 * Creates a store on a PostgreSQL 11+ database (`postgres://user:password@host:port/database`,
 * any URL `pg` accepts), migrating its schema first. Several Gatehouse processes may share
 * the database: a write by one shows up in the others' {@link GatehouseStore.changeVersion}.
 * @throws GatehouseError `store_unavailable` when the database cannot be reached or migrated
 * (the message never repeats the URL), or when `pg` is not installed (naming `npm install pg`);
 * `validation_failed` for bad options or a malformed URL.
 * @example
 * const store = await postgresStore(process.env.DATABASE_URL ?? "postgres://localhost/gatehouse");
 * const gatehouse = await createGatehouse({ store });
 */
export async function postgresStore(url: string, options: PostgresStoreOptions = {}): Promise<GatehouseStore> {
  const tables = tablesIn(options.schema ?? DEFAULT_SCHEMA);
  const pool = await openPool(url, options);
  try {
    await guarded(() => migratePostgres(pool, tables, Date.now()));
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const changes = createChangeCounter(tables);
  const users = createUserQueries(pool, tables, changes);
  const keys = createKeyQueries(pool, tables, changes);
  const refresh = createRefreshQueries(pool, tables, changes);
  const revocations = createRevocationQueries(pool, tables, changes);
  let closed = false;

  return {
    kind: "postgres",
    loginAttempts: createPostgresAttempts(pool, tables),

    findUserByUsername: (username) => guarded(() => users.find(username)),
    createUser: (user, now) => guarded(() => users.create(user, now)),
    createUsers: (batch, now) => guarded(() => users.createMany(batch, now)),
    updateUser: (username, patch, now) => guarded(() => users.update(username, patch, now)),
    deleteUser: (username) => guarded(() => users.delete(username)),
    listUsers: ({ limit, cursor }) => guarded(() => users.list(limit, cursor)),

    listSigningKeys: () => guarded(() => keys.list()),
    addSigningKey: (key, now) => guarded(() => keys.add(key, now)),
    deleteSigningKeysSupersededBefore: (before) => guarded(() => keys.deleteSupersededBefore(before)),

    createRefreshFamily: (token) => guarded(() => refresh.createFamily(token)),
    rotateRefreshToken: (tokenHash, replacement, now) => guarded(() => refresh.rotate(tokenHash, replacement, now)),
    findRefreshToken: (tokenHash) => guarded(() => refresh.find(tokenHash)),
    revokeRefreshFamily: (familyId, now) => guarded(() => refresh.revokeFamily(familyId, now)),
    revokeUserRefreshFamilies: (username, now) => guarded(() => refresh.revokeUserFamilies(username, now)),

    revokeAccessToken: (jti, expiresAt) => guarded(() => revocations.revokeAccessToken(jti, expiresAt)),
    findTokenSubject: (username, jti, familyId) => guarded(() => revocations.findTokenSubject(username, jti, familyId)),
    purgeExpired: (now) => guarded(() => revocations.purgeExpired(now)),

    ping: () =>
      guarded(async () => {
        await pool.query("SELECT 1");
      }),
    changeVersion: () => guarded(() => changes.read(pool)),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
