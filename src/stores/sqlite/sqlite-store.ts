import type { AuditEvents, GatehouseStore } from "../../core/store.js";
import { prepareAccountQueries } from "./account-queries.js";
import { prepareAuditQueries } from "./audit-queries.js";
import { prepareKeyQueries } from "./key-queries.js";
import { prepareMfaQueries } from "./mfa-queries.js";
import { openSqliteDatabase } from "./open-database.js";
import { prepareOutboxQueries } from "./outbox-queries.js";
import { prepareRefreshQueries } from "./refresh-queries.js";
import { prepareRevocationQueries } from "./revocation-queries.js";
import { prepareSecretQueries } from "./secret-queries.js";
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
  const outbox = guarded(() => prepareOutboxQueries(db));
  const audit = guarded(() => prepareAuditQueries(db, outbox));
  const accounts = guarded(() => prepareAccountQueries(db, audit.insert));
  const { users, keys, secrets, refresh, revocations, mfa, ping, dataVersion, transaction } = guarded(() => ({
    users: prepareUserQueries(db, audit.insert),
    keys: prepareKeyQueries(db),
    secrets: prepareSecretQueries(db),
    refresh: prepareRefreshQueries(db, audit.insert),
    transaction: db.transaction((work: () => unknown) => work()),
    revocations: prepareRevocationQueries(db),
    mfa: prepareMfaQueries(db, audit.insert),
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

  // A write and the audit events that describe it commit together; without events the write
  // runs as before (one statement, its own transaction).
  const audited = <T>(write: () => T, events: AuditEvents | undefined, tookEffect: (result: T) => boolean) => {
    if (events === undefined || events.length === 0) return write();
    return transaction.immediate(() => {
      const result = write();
      if (tookEffect(result)) audit.insert(events);
      return result;
    }) as T;
  };
  const always = () => true;

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
    createUser: async (user, now, events) => guarded(() => audited(() => users.create(user, now), events, always)),
    createUsers: async (batch, now, events) => guarded(() => users.createMany(batch, now, events)),
    updateUser: async (username, patch, now, events) =>
      guarded(() =>
        audited(
          () => users.update(username, patch, now),
          events,
          (user) => user !== null,
        ),
      ),
    deleteUser: async (username, events) =>
      guarded(() =>
        audited(
          () => users.delete(username),
          events,
          (deleted) => deleted,
        ),
      ),
    listUsers: async ({ limit, cursor }) => guarded(() => users.list(limit, cursor)),

    listSigningKeys: async () => guarded(() => keys.list()),
    addSigningKey: async (key, now, events) => guarded(() => audited(() => keys.add(key, now), events, always)),
    deleteSigningKeysSupersededBefore: async (before) => guarded(() => keys.deleteSupersededBefore(before)),

    ensureSecret: async (name, candidate, now) => guarded(() => secrets.ensure(name, candidate, now)),

    createRefreshFamily: async (family, events) =>
      guarded(() => withoutFsync(() => refresh.createFamily(family, events))),
    rotateRefreshToken: async (rotation, events) => guarded(() => withoutFsync(() => refresh.rotate(rotation, events))),
    findRefreshToken: async (tokenHash) => guarded(() => refresh.find(tokenHash)),
    revokeRefreshFamily: async (familyId, now, events) => {
      guarded(() =>
        audited(
          () => refresh.revokeFamily(familyId, now),
          events,
          (found) => found,
        ),
      );
    },
    revokeUserRefreshFamilies: async (username, now) => guarded(() => refresh.revokeUserFamilies(username, now)),
    listSessions: async (username, now) => guarded(() => refresh.listSessions(username, now)),
    revokeSession: async (username, familyId, now, events) =>
      guarded(() =>
        audited(
          () => refresh.revokeSession(username, familyId, now),
          events,
          (revoked) => revoked,
        ),
      ),

    revokeAccessToken: async (jti, expiresAt, events) =>
      guarded(() => audited(() => revocations.revokeAccessToken(jti, expiresAt), events, always)),
    // A failed login's record commits without an fsync, as sessions do: a killed process
    // loses none, and a flood of failures does not queue fsyncs on the event loop.
    recordAuditEvents: async (events) => guarded(() => withoutFsync(() => audit.record(events))),
    listAuditEvents: async (query) => guarded(() => audit.list(query)),
    purgeAuditEvents: async (before) => guarded(() => audit.purge(before)),

    setWebhookDelivery: async (enabled) => guarded(() => outbox.setEnabled(enabled)),
    // Delivery bookkeeping commits without an fsync: a claim, completion or retry lost to a
    // power cut only means one more delivery (at least once), never a lost event.
    claimWebhookDeliveries: async (claim) => guarded(() => withoutFsync(() => outbox.claim(claim))),
    completeWebhookDelivery: async (id, owner) => guarded(() => withoutFsync(() => outbox.complete(id, owner))),
    retryWebhookDelivery: async (id, owner, nextAttemptAt, error) =>
      guarded(() => withoutFsync(() => outbox.retry(id, owner, nextAttemptAt, error))),
    webhookOutboxStats: async () => guarded(() => outbox.stats()),
    purgeExpired: async (now) =>
      guarded(() => revocations.purgeExpired(now) + mfa.purgeExpired(now) + accounts.purge(now)),
    findTotpFactor: async (username) => guarded(() => mfa.findFactor(username)),
    savePendingTotpFactor: async (username, secret, now) => guarded(() => mfa.savePending(username, secret, now)),
    confirmTotpFactor: async (username, confirmation, events) =>
      guarded(() => mfa.confirm(username, confirmation, events)),
    acceptTotpTimeStep: async (username, step) => guarded(() => mfa.acceptStep(username, step)),
    deleteMfa: async (username, _now, events) => guarded(() => mfa.deleteMfa(username, events)),
    replaceRecoveryCodes: async (username, hashes, events) => guarded(() => mfa.replaceCodes(username, hashes, events)),
    consumeRecoveryCode: async (username, hash, now, events) =>
      guarded(() => mfa.consumeCode(username, hash, now, events)),
    countRecoveryCodes: async (username) => guarded(() => mfa.countCodes(username)),
    // Second-step tokens are short-lived and re-creatable: no fsync, as sessions.
    createMfaToken: async (token) => guarded(() => withoutFsync(() => mfa.createToken(token))),
    findMfaToken: async (hash, now) => guarded(() => mfa.findToken(hash, now)),
    recordMfaTokenFailure: async (hash, max) => guarded(() => mfa.recordFailure(hash, max)),
    consumeMfaToken: async (hash, now) => guarded(() => mfa.consumeToken(hash, now)),

    issueAccountToken: async (token, events) => guarded(() => accounts.issue(token, events)),
    consumeAccountToken: async (purpose, tokenHash, now) => guarded(() => accounts.consume(purpose, tokenHash, now)),
    reserveAccountMail: async (username, kind, now, windowMs, max) =>
      guarded(() => accounts.reserveMail(username, kind, now, windowMs, max)),
    findUsersByEmail: async (email, limit) => guarded(() => accounts.findByEmail(email, limit)),

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
