import type { Clock } from "../clock.js";
import type { GatehouseStore, RotationResult, TokenSubject } from "../store.js";

/** Options for {@link withSubjectCache}. */
export interface SubjectCacheOptions {
  /**
   * How long a looked-up token subject may be reused. Writes through this store clear the cache
   * at once; writes by other processes (the CLI, other servers) are seen after at most this long.
   */
  ttlMs: number;
  /** Most subjects kept; the oldest go first. */
  maxEntries: number;
  clock: Clock;
}

/** A store whose per-request lookup is cached, and a way to drop the cache. */
export interface CachedStore extends GatehouseStore {
  /** Forgets every cached subject (another process changed the database). */
  clearSubjectCache(): void;
}

interface Entry {
  subject: TokenSubject | null;
  expiresAt: number;
}

/**
 * Wraps a store so `findTokenSubject`, the one lookup behind every authenticated request, is
 * served from memory for a short while. Every write that could change a subject (users,
 * revocations, a refresh reuse that revokes a family) clears the cache when it completes, so
 * this process sees its own changes at once; other processes' changes within `ttlMs`
 * (the documented bound is one second).
 */
export function withSubjectCache(store: GatehouseStore, options: SubjectCacheOptions): CachedStore {
  const cache = new Map<string, Entry>();
  // Bumped by every clear: a lookup that began before a write finished must not refill the cache.
  let generation = 0;
  const clear = () => {
    generation++;
    cache.clear();
  };
  const clearing =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await write(...args);
      } finally {
        clear();
      }
    };

  return {
    kind: store.kind,
    ...(store.loginAttempts === undefined ? {} : { loginAttempts: store.loginAttempts }),
    clearSubjectCache: clear,

    async findTokenSubject(username, jti, familyId) {
      const key = `${username}\u0000${jti ?? ""}\u0000${familyId ?? ""}`;
      const now = options.clock.now();
      const hit = cache.get(key);
      if (hit !== undefined && hit.expiresAt > now) return hit.subject;
      const started = generation;
      const subject = await store.findTokenSubject(username, jti, familyId);
      if (started === generation) {
        if (hit === undefined && cache.size >= options.maxEntries) cache.delete(cache.keys().next().value as string);
        cache.set(key, { subject, expiresAt: now + options.ttlMs });
      }
      return subject;
    },

    createUser: clearing((user, now, events) => store.createUser(user, now, events)),
    createUsers: clearing((users, now, events) => store.createUsers(users, now, events)),
    updateUser: clearing((username, patch, now, events) => store.updateUser(username, patch, now, events)),
    deleteUser: clearing((username, events) => store.deleteUser(username, events)),
    revokeRefreshFamily: clearing((familyId, now, events) => store.revokeRefreshFamily(familyId, now, events)),
    revokeUserRefreshFamilies: clearing((username, now) => store.revokeUserRefreshFamilies(username, now)),
    revokeAccessToken: clearing((jti, expiresAt, events) => store.revokeAccessToken(jti, expiresAt, events)),
    revokeSession: clearing((username, familyId, now, events) => store.revokeSession(username, familyId, now, events)),
    async rotateRefreshToken(rotation, events): Promise<RotationResult> {
      const result = await store.rotateRefreshToken(rotation, events);
      // A reused token revoked its family inside the store.
      if (result.status === "reused") clear();
      return result;
    },

    findUserByUsername: (username) => store.findUserByUsername(username),
    listUsers: (page) => store.listUsers(page),
    listSigningKeys: () => store.listSigningKeys(),
    addSigningKey: (key, now, events) => store.addSigningKey(key, now, events),
    deleteSigningKeysSupersededBefore: (before) => store.deleteSigningKeysSupersededBefore(before),
    createRefreshFamily: (family, events) => store.createRefreshFamily(family, events),
    listSessions: (username, now) => store.listSessions(username, now),
    ensureSecret: (name, candidate, now) => store.ensureSecret(name, candidate, now),
    findRefreshToken: (tokenHash) => store.findRefreshToken(tokenHash),
    purgeExpired: (now) => store.purgeExpired(now),
    recordAuditEvents: (events) => store.recordAuditEvents(events),
    listAuditEvents: (query) => store.listAuditEvents(query),
    purgeAuditEvents: (before) => store.purgeAuditEvents(before),
    setWebhookDelivery: (enabled) => store.setWebhookDelivery(enabled),
    claimWebhookDeliveries: (claim) => store.claimWebhookDeliveries(claim),
    completeWebhookDelivery: (id, owner) => store.completeWebhookDelivery(id, owner),
    retryWebhookDelivery: (id, owner, nextAttemptAt, error) =>
      store.retryWebhookDelivery(id, owner, nextAttemptAt, error),
    webhookOutboxStats: () => store.webhookOutboxStats(),
    // The user's `mfaEnabled` changes with these two, and /users/me reads it from the subject.
    confirmTotpFactor: clearing((username, confirmation, events) =>
      store.confirmTotpFactor(username, confirmation, events),
    ),
    deleteMfa: clearing((username, now, events) => store.deleteMfa(username, now, events)),
    findTotpFactor: (username) => store.findTotpFactor(username),
    savePendingTotpFactor: (username, secret, now) => store.savePendingTotpFactor(username, secret, now),
    acceptTotpTimeStep: (username, step) => store.acceptTotpTimeStep(username, step),
    replaceRecoveryCodes: (username, hashes, events) => store.replaceRecoveryCodes(username, hashes, events),
    consumeRecoveryCode: (username, hash, now, events) => store.consumeRecoveryCode(username, hash, now, events),
    countRecoveryCodes: (username) => store.countRecoveryCodes(username),
    createMfaToken: (token) => store.createMfaToken(token),
    findMfaToken: (hash, now) => store.findMfaToken(hash, now),
    recordMfaTokenFailure: (hash, max) => store.recordMfaTokenFailure(hash, max),
    consumeMfaToken: (hash, now) => store.consumeMfaToken(hash, now),
    issueAccountToken: (token, events) => store.issueAccountToken(token, events),
    consumeAccountToken: (purpose, tokenHash, now) => store.consumeAccountToken(purpose, tokenHash, now),
    reserveAccountMail: (username, kind, now, windowMs, max) =>
      store.reserveAccountMail(username, kind, now, windowMs, max),
    findUsersByEmail: (email, limit) => store.findUsersByEmail(email, limit),
    ping: () => store.ping(),
    changeVersion: () => store.changeVersion(),
    close: () => store.close(),
  };
}
