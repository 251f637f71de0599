import type { GatehouseStore } from "../../core/store.js";
import { createAccountQueries } from "./account-queries.js";
import { createPostgresAttempts } from "./attempt-queries.js";
import { createAuditQueries } from "./audit-queries.js";
import { createChangeCounter } from "./change-counter.js";
import { createKeyQueries } from "./key-queries.js";
import { createMfaQueries } from "./mfa-queries.js";
import { migratePostgres } from "./migrate.js";
import { openPool } from "./open-pool.js";
import { createOutboxQueries } from "./outbox-queries.js";
import { guarded } from "./postgres-errors.js";
import type { PostgresStoreOptions } from "./postgres-options.js";
import { createRefreshQueries } from "./refresh-queries.js";
import { createRevocationQueries } from "./revocation-queries.js";
import { createSecretQueries } from "./secret-queries.js";
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
  const audit = createAuditQueries(pool, tables);
  const outbox = createOutboxQueries(pool, tables);
  const users = createUserQueries(pool, tables, changes, audit);
  const keys = createKeyQueries(pool, tables, changes, audit);
  const secrets = createSecretQueries(pool, tables);
  const refresh = createRefreshQueries(pool, tables, changes, audit);
  const revocations = createRevocationQueries(pool, tables, changes, audit);
  const mfa = createMfaQueries(pool, tables, changes, audit);
  const accounts = createAccountQueries(pool, tables, audit);
  let closed = false;

  return {
    kind: "postgres",
    loginAttempts: createPostgresAttempts(pool, tables),

    findUserByUsername: (username) => guarded(() => users.find(username)),
    createUser: (user, now, events) => guarded(() => users.create(user, now, events)),
    createUsers: (batch, now, events) => guarded(() => users.createMany(batch, now, events)),
    updateUser: (username, patch, now, events) => guarded(() => users.update(username, patch, now, events)),
    deleteUser: (username, events) => guarded(() => users.delete(username, events)),
    listUsers: ({ limit, cursor }) => guarded(() => users.list(limit, cursor)),

    listSigningKeys: () => guarded(() => keys.list()),
    addSigningKey: (key, now, events) => guarded(() => keys.add(key, now, events)),
    deleteSigningKeysSupersededBefore: (before) => guarded(() => keys.deleteSupersededBefore(before)),

    ensureSecret: (name, candidate, now) => guarded(() => secrets.ensure(name, candidate, now)),

    createRefreshFamily: (family, events) => guarded(() => refresh.createFamily(family, events)),
    rotateRefreshToken: (rotation, events) => guarded(() => refresh.rotate(rotation, events)),
    findRefreshToken: (tokenHash) => guarded(() => refresh.find(tokenHash)),
    revokeRefreshFamily: (familyId, now, events) => guarded(() => refresh.revokeFamily(familyId, now, events)),
    revokeUserRefreshFamilies: (username, now) => guarded(() => refresh.revokeUserFamilies(username, now)),
    listSessions: (username, now) => guarded(() => refresh.listSessions(username, now)),
    revokeSession: (username, familyId, now, events) =>
      guarded(() => refresh.revokeSession(username, familyId, now, events)),

    revokeAccessToken: (jti, expiresAt, events) => guarded(() => revocations.revokeAccessToken(jti, expiresAt, events)),
    recordAuditEvents: (events) => guarded(() => audit.insert(pool, events)),
    listAuditEvents: (query) => guarded(() => audit.list(query)),
    purgeAuditEvents: (before) => guarded(() => audit.purge(before)),
    setWebhookDelivery: (enabled) => guarded(() => outbox.setEnabled(enabled)),
    claimWebhookDeliveries: (claim) => guarded(() => outbox.claim(claim)),
    completeWebhookDelivery: (id, owner) => guarded(() => outbox.complete(id, owner)),
    retryWebhookDelivery: (id, owner, nextAttemptAt, error) =>
      guarded(() => outbox.retry(id, owner, nextAttemptAt, error)),
    webhookOutboxStats: () => guarded(() => outbox.stats()),
    findTokenSubject: (username, jti, familyId) => guarded(() => revocations.findTokenSubject(username, jti, familyId)),
    purgeExpired: (now) =>
      guarded(
        async () => (await revocations.purgeExpired(now)) + (await mfa.purgeExpired(now)) + (await accounts.purge(now)),
      ),
    findTotpFactor: (username) => guarded(() => mfa.findTotpFactor(username)),
    savePendingTotpFactor: (username, secret, now) => guarded(() => mfa.savePendingTotpFactor(username, secret, now)),
    confirmTotpFactor: (username, confirmation, events) =>
      guarded(() => mfa.confirmTotpFactor(username, confirmation, events)),
    acceptTotpTimeStep: (username, step) => guarded(() => mfa.acceptTotpTimeStep(username, step)),
    deleteMfa: (username, now, events) => guarded(() => mfa.deleteMfa(username, now, events)),
    replaceRecoveryCodes: (username, hashes, events) =>
      guarded(() => mfa.replaceRecoveryCodes(username, hashes, events)),
    consumeRecoveryCode: (username, hash, now, events) =>
      guarded(() => mfa.consumeRecoveryCode(username, hash, now, events)),
    countRecoveryCodes: (username) => guarded(() => mfa.countRecoveryCodes(username)),
    createMfaToken: (token) => guarded(() => mfa.createMfaToken(token)),
    findMfaToken: (hash, now) => guarded(() => mfa.findMfaToken(hash, now)),
    recordMfaTokenFailure: (hash, max) => guarded(() => mfa.recordMfaTokenFailure(hash, max)),
    consumeMfaToken: (hash, now) => guarded(() => mfa.consumeMfaToken(hash, now)),

    issueAccountToken: (token, events) => guarded(() => accounts.issue(token, events)),
    consumeAccountToken: (purpose, tokenHash, now) => guarded(() => accounts.consume(purpose, tokenHash, now)),
    reserveAccountMail: (username, kind, now, windowMs, max) =>
      guarded(() => accounts.reserveMail(username, kind, now, windowMs, max)),
    findUsersByEmail: (email, limit) => guarded(() => accounts.findByEmail(email, limit)),

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
