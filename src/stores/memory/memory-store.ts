import { GatehouseError } from "../../core/errors.js";
import type { GatehouseStore, NewUser, StoredSigningKey, StoredUser, UserPatch } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { storedUserFrom } from "../new-user.js";
import { checkPageLimit, compareKeys, decodeCursor, encodeCursor } from "../page-cursor.js";
import { checkUserBatch } from "../user-batch.js";
import { createMemoryAccounts } from "./memory-accounts.js";
import { createMemoryAudit } from "./memory-audit.js";
import { createMemoryMfa } from "./memory-mfa.js";
import { createMemoryOutbox } from "./memory-outbox.js";
import { createMemorySessions } from "./memory-sessions.js";

/**
 * Creates a store that keeps everything in this process, for tests and demos. It copies
 * every object in and out, so callers can no more change its state behind its back than
 * they could a database's.
 * @example
 * const gatehouse = await createGatehouse({ store: memoryStore() });
 */
export function memoryStore(): GatehouseStore {
  const users = new Map<string, StoredUser>();
  const keys = new Map<string, StoredSigningKey>();
  const secrets = new Map<string, string>();
  let version = 0;
  let closed = false;

  const open = () => {
    if (closed) throw new GatehouseError("store_unavailable", "the store is closed");
  };
  // No other process shares this store, but counting every write lets two Gatehouses on
  // one memory store notice each other's changes, as two processes on one database do.
  const changed = () => {
    version++;
  };
  const outbox = createMemoryOutbox(open);
  const audit = createMemoryAudit(open, outbox);
  const record = audit.append;
  const sessions = createMemorySessions({ userAt: (key) => users.get(key), copyUser, open, changed, record });
  const mfa = createMemoryMfa({ userAt: (key) => users.get(key), open, changed, record });
  const accounts = createMemoryAccounts({ users, copyUser, open, record });

  return {
    kind: "memory",

    async findUserByUsername(username) {
      open();
      const user = users.get(usernameKey(username));
      return user ? copyUser(user) : null;
    },

    async createUser(user: NewUser, now: number, events) {
      open();
      const key = usernameKey(user.username);
      if (users.has(key)) throw new GatehouseError("user_exists", "A user with this username already exists");
      const stored = storedUserFrom(user, now);
      users.set(key, stored);
      record(events);
      changed();
      return copyUser(stored);
    },

    async createUsers(batch: readonly NewUser[], now: number, events) {
      open();
      checkUserBatch(batch);
      const outcomes = batch.map((user, index) => {
        const key = usernameKey(user.username);
        if (users.has(key)) return "exists" as const;
        users.set(key, storedUserFrom(user, now));
        record(events?.[index]);
        return "created" as const;
      });
      if (outcomes.includes("created")) changed();
      return outcomes;
    },

    async updateUser(username: string, patch: UserPatch, now: number, events) {
      open();
      const user = users.get(usernameKey(username));
      if (!user) return null;
      const before = copyUser(user);
      if (patch.email !== undefined) user.email = patch.email;
      if (patch.emailVerified !== undefined) user.emailVerified = patch.emailVerified;
      if (patch.fullName !== undefined) user.fullName = patch.fullName;
      if (patch.disabled !== undefined) user.disabled = patch.disabled;
      if (patch.scopes !== undefined) user.scopes = [...patch.scopes];
      if (patch.passwordHash !== undefined) user.passwordHash = patch.passwordHash;
      if (patch.profile !== undefined) user.profile = { ...patch.profile };
      if (patch.tokensValidAfter !== undefined) {
        user.tokensValidAfter = Math.max(user.tokensValidAfter, patch.tokensValidAfter);
      }
      user.updatedAt = now;
      accounts.userChanged(usernameKey(username), before, user);
      record(events);
      changed();
      return copyUser(user);
    },

    async deleteUser(username, events) {
      open();
      const key = usernameKey(username);
      const deleted = users.delete(key);
      if (deleted) {
        sessions.forgetUser(key);
        mfa.forgetUser(key);
        accounts.forgetUser(key);
        record(events);
        changed();
      }
      return deleted;
    },

    async listUsers({ limit, cursor }) {
      open();
      checkPageLimit(limit);
      const after = cursor === null ? null : decodeCursor(cursor);
      const page = [...users.keys()]
        .filter((key) => after === null || compareKeys(key, after) > 0)
        .sort(compareKeys)
        .slice(0, limit + 1);
      const more = page.length > limit;
      const shown = more ? page.slice(0, limit) : page;
      return {
        users: shown.map((key) => copyUser(users.get(key)!)),
        nextCursor: more ? encodeCursor(shown[shown.length - 1]!) : null,
      };
    },

    async listSigningKeys() {
      open();
      return [...keys.values()].sort(byCreation).map((key) => ({ ...key }));
    },

    async addSigningKey(key, now, events) {
      open();
      if (keys.has(key.kid)) {
        throw new GatehouseError("validation_failed", "a signing key with this kid already exists");
      }
      for (const other of keys.values()) {
        if (other.supersededAt === null) other.supersededAt = now;
      }
      keys.set(key.kid, { ...key });
      record(events);
      changed();
    },

    async deleteSigningKeysSupersededBefore(before) {
      open();
      let deleted = 0;
      for (const [kid, key] of keys) {
        if (key.supersededAt !== null && key.supersededAt < before) {
          keys.delete(kid);
          deleted++;
        }
      }
      if (deleted > 0) changed();
      return deleted;
    },

    async ensureSecret(name, candidate) {
      open();
      if (!secrets.has(name)) secrets.set(name, candidate);
      return secrets.get(name) as string;
    },

    createRefreshFamily: sessions.createRefreshFamily,
    rotateRefreshToken: sessions.rotateRefreshToken,
    findRefreshToken: sessions.findRefreshToken,
    revokeRefreshFamily: sessions.revokeRefreshFamily,
    revokeUserRefreshFamilies: sessions.revokeUserRefreshFamilies,
    listSessions: sessions.listSessions,
    revokeSession: sessions.revokeSession,
    revokeAccessToken: sessions.revokeAccessToken,
    recordAuditEvents: audit.recordAuditEvents,
    listAuditEvents: audit.listAuditEvents,
    purgeAuditEvents: audit.purgeAuditEvents,
    setWebhookDelivery: outbox.setWebhookDelivery,
    claimWebhookDeliveries: outbox.claimWebhookDeliveries,
    completeWebhookDelivery: outbox.completeWebhookDelivery,
    retryWebhookDelivery: outbox.retryWebhookDelivery,
    webhookOutboxStats: outbox.webhookOutboxStats,
    findTokenSubject: sessions.findTokenSubject,
    async purgeExpired(now) {
      return (await sessions.purgeExpired(now)) + mfa.purgeExpired(now) + accounts.purge(now);
    },
    findTotpFactor: mfa.findTotpFactor,
    savePendingTotpFactor: mfa.savePendingTotpFactor,
    confirmTotpFactor: mfa.confirmTotpFactor,
    acceptTotpTimeStep: mfa.acceptTotpTimeStep,
    deleteMfa: mfa.deleteMfa,
    replaceRecoveryCodes: mfa.replaceRecoveryCodes,
    consumeRecoveryCode: mfa.consumeRecoveryCode,
    countRecoveryCodes: mfa.countRecoveryCodes,
    createMfaToken: mfa.createMfaToken,
    findMfaToken: mfa.findMfaToken,
    recordMfaTokenFailure: mfa.recordMfaTokenFailure,
    consumeMfaToken: mfa.consumeMfaToken,
    issueAccountToken: accounts.issueAccountToken,
    consumeAccountToken: accounts.consumeAccountToken,
    reserveAccountMail: accounts.reserveAccountMail,
    findUsersByEmail: accounts.findUsersByEmail,

    async ping() {
      open();
    },

    async changeVersion() {
      open();
      return version;
    },

    async close() {
      closed = true;
    },
  };
}

function copyUser(user: StoredUser): StoredUser {
  return { ...user, scopes: [...user.scopes], profile: structuredClone(user.profile) };
}

function byCreation(a: StoredSigningKey, b: StoredSigningKey): number {
  return a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
}
