import { GatehouseError } from "../../core/errors.js";
import type {
  AuditEvents,
  RefreshTokenStore,
  RevocationStore,
  StoredRefreshToken,
  StoredSession,
  StoredUser,
} from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { sessionAmr } from "../session-amr.js";

interface Family {
  familyId: string;
  userKey: string;
  clientId: string | null;
  scope: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  ip: string | null;
  userAgent: string | null;
  amr: string[];
}

interface Token {
  familyId: string;
  issuedAt: number;
  expiresAt: number;
  usedAt: number | null;
  successorHash: string | null;
}

/** What the memory store's refresh families and revocations need from it. */
export interface MemorySessionsContext {
  /** The stored user under a username key, uncopied (read only). */
  userAt(key: string): StoredUser | undefined;
  copyUser(user: StoredUser): StoredUser;
  /** Throws when the store is closed. */
  open(): void;
  changed(): void;
  /** Records audit events with the change that describes them. */
  record(events: AuditEvents | undefined): void;
}

/** The memory store's refresh token families and access token revocations. */
export interface MemorySessions extends RefreshTokenStore, RevocationStore {
  /** Drops a deleted user's families and their tokens, as ON DELETE CASCADE does in SQL. */
  forgetUser(key: string): void;
}

/** Creates the session half of the memory store, with the same semantics as the SQL stores. */
export function createMemorySessions(context: MemorySessionsContext): MemorySessions {
  const { open, changed, record } = context;
  const families = new Map<string, Family>();
  const tokens = new Map<string, Token>();
  const revoked = new Map<string, number>();

  const view = (tokenHash: string): { token: StoredRefreshToken; family: Family } | null => {
    const token = tokens.get(tokenHash);
    const family = token && families.get(token.familyId);
    const user = family && context.userAt(family.userKey);
    if (!token || !family || !user) return null;
    const { familyId, issuedAt, expiresAt, usedAt, successorHash } = token;
    const { clientId, scope, createdAt } = family;
    return {
      token: {
        tokenHash,
        familyId,
        username: user.username,
        clientId,
        scope,
        issuedAt,
        expiresAt,
        usedAt,
        sessionCreatedAt: createdAt,
        successorHash,
        ...sessionAmr([...family.amr]),
      },
      family,
    };
  };
  const revokeFamily = (family: Family | undefined, now: number) => {
    if (family && family.revokedAt === null) family.revokedAt = now;
  };
  const dropFamily = (familyId: string) => {
    families.delete(familyId);
    for (const [hash, token] of tokens) if (token.familyId === familyId) tokens.delete(hash);
  };
  const isLive = (family: Family, key: string, now: number) =>
    family.userKey === key && family.revokedAt === null && family.expiresAt > now;

  return {
    async createRefreshFamily(input, events) {
      open();
      const userKey = usernameKey(input.username);
      if (!context.userAt(userKey)) throw new GatehouseError("user_not_found", "User not found");
      if (families.has(input.familyId) || tokens.has(input.tokenHash)) {
        throw new GatehouseError("store_unavailable", "the refresh token or its family exists already");
      }
      const { familyId, clientId, scope, issuedAt, expiresAt, ip, userAgent } = input;
      families.set(familyId, {
        familyId,
        userKey,
        clientId,
        scope,
        createdAt: issuedAt,
        lastUsedAt: issuedAt,
        expiresAt,
        revokedAt: null,
        ip,
        userAgent,
        amr: [...input.amr],
      });
      tokens.set(input.tokenHash, { familyId, issuedAt, expiresAt, usedAt: null, successorHash: null });
      record(events);
      changed();
    },

    async rotateRefreshToken({ tokenHash, successor, now, reuseIntervalMs, ip, userAgent }, events = {}) {
      open();
      const found = view(tokenHash);
      if (!found || found.family.revokedAt !== null) return { status: "invalid" };
      const { token, family } = found;
      if (token.usedAt !== null) {
        if (token.successorHash === successor.tokenHash && now < token.usedAt + reuseIntervalMs) {
          record(events.reissued);
          return { status: "reissued", previous: token };
        }
        revokeFamily(family, now);
        record(events.reused);
        changed();
        return { status: "reused", previous: token };
      }
      if (token.expiresAt <= now) return { status: "invalid" };
      const stored = tokens.get(tokenHash)!;
      stored.usedAt = now;
      stored.successorHash = successor.tokenHash;
      const { issuedAt, expiresAt } = successor;
      tokens.set(successor.tokenHash, {
        familyId: token.familyId,
        issuedAt,
        expiresAt,
        usedAt: null,
        successorHash: null,
      });
      family.expiresAt = Math.max(family.expiresAt, expiresAt);
      family.lastUsedAt = now;
      family.ip = ip;
      family.userAgent = userAgent;
      record(events.rotated);
      changed();
      return { status: "rotated", previous: { ...token, usedAt: now, successorHash: successor.tokenHash } };
    },

    async findRefreshToken(tokenHash) {
      open();
      return view(tokenHash)?.token ?? null;
    },

    async revokeRefreshFamily(familyId, now, events) {
      open();
      const family = families.get(familyId);
      revokeFamily(family, now);
      if (family) record(events);
      changed();
    },

    async revokeUserRefreshFamilies(username, now) {
      open();
      const key = usernameKey(username);
      for (const family of families.values()) if (family.userKey === key) revokeFamily(family, now);
      changed();
    },

    async listSessions(username, now) {
      open();
      const key = usernameKey(username);
      const user = context.userAt(key);
      if (!user) return [];
      return [...families.values()]
        .filter((family) => isLive(family, key, now))
        .sort((a, b) => b.createdAt - a.createdAt || (a.familyId < b.familyId ? 1 : -1))
        .map(
          (family): StoredSession => ({
            id: family.familyId,
            username: user.username,
            clientId: family.clientId,
            scope: family.scope,
            createdAt: family.createdAt,
            lastUsedAt: family.lastUsedAt,
            expiresAt: family.expiresAt,
            ip: family.ip,
            userAgent: family.userAgent,
            amr: [...family.amr],
          }),
        );
    },

    async revokeSession(username, familyId, now, events) {
      open();
      const family = families.get(familyId);
      if (!family || !isLive(family, usernameKey(username), now)) return false;
      revokeFamily(family, now);
      record(events);
      changed();
      return true;
    },

    async revokeAccessToken(jti, expiresAt, events) {
      open();
      revoked.set(jti, Math.max(revoked.get(jti) ?? expiresAt, expiresAt));
      record(events);
      changed();
    },

    async findTokenSubject(username, jti, familyId) {
      open();
      const user = context.userAt(usernameKey(username));
      if (!user) return null;
      const familyRevoked = familyId !== null && (families.get(familyId)?.revokedAt ?? null) !== null;
      return { user: context.copyUser(user), revoked: (jti !== null && revoked.has(jti)) || familyRevoked };
    },

    async purgeExpired(now) {
      open();
      let purged = 0;
      for (const [jti, expiresAt] of revoked) if (expiresAt < now && revoked.delete(jti)) purged++;
      for (const [hash, token] of tokens) if (token.expiresAt < now && tokens.delete(hash)) purged++;
      for (const [id, family] of families) if (family.expiresAt < now && families.delete(id)) purged++;
      if (purged > 0) changed();
      return purged;
    },

    forgetUser(key) {
      for (const [id, family] of families) if (family.userKey === key) dropFamily(id);
    },
  };
}
