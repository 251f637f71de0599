import type { AuditEvents, MfaStore, StoredMfaToken, StoredTotpFactor, StoredUser } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";

/** What the memory store's second factors need from it. */
export interface MemoryMfaContext {
  /** The stored user under a username key, uncopied: `mfaEnabled` is set on it. */
  userAt(key: string): StoredUser | undefined;
  open(): void;
  changed(): void;
  record(events: AuditEvents | undefined): void;
}

/** The memory store's second factors. */
export interface MemoryMfa extends MfaStore {
  /** Drops a deleted user's factor, codes and tokens, as ON DELETE CASCADE does in SQL. */
  forgetUser(key: string): void;
  /** Forgets second-step tokens expired before `now`; returns how many went. */
  purgeExpired(now: number): number;
}

interface Factor {
  secretCiphertext: string;
  createdAt: number;
  confirmedAt: number | null;
  lastTimeStep: number | null;
}

/** Creates the second-factor half of the memory store, with the same semantics as the SQL stores. */
export function createMemoryMfa(context: MemoryMfaContext): MemoryMfa {
  const { open, changed, record } = context;
  const factors = new Map<string, Factor>();
  /** Unused recovery code hashes per user key. */
  const codes = new Map<string, Set<string>>();
  const tokens = new Map<string, StoredMfaToken>();

  const confirmed = (key: string) => {
    const factor = factors.get(key);
    return factor !== undefined && factor.confirmedAt !== null;
  };

  return {
    async findTotpFactor(username) {
      open();
      const key = usernameKey(username);
      const user = context.userAt(key);
      const factor = factors.get(key);
      if (!user || !factor) return null;
      const stored: StoredTotpFactor = { username: user.username, ...factor };
      return stored;
    },

    async savePendingTotpFactor(username, secretCiphertext, now) {
      open();
      const key = usernameKey(username);
      if (!context.userAt(key) || confirmed(key)) return false;
      factors.set(key, { secretCiphertext, createdAt: now, confirmedAt: null, lastTimeStep: null });
      changed();
      return true;
    },

    async confirmTotpFactor(username, { timeStep, recoveryCodeHashes, now }, events) {
      open();
      const key = usernameKey(username);
      const user = context.userAt(key);
      const factor = factors.get(key);
      if (!user || !factor || factor.confirmedAt !== null) return false;
      factor.confirmedAt = now;
      factor.lastTimeStep = timeStep;
      codes.set(key, new Set(recoveryCodeHashes));
      user.mfaEnabled = true;
      record(events);
      changed();
      return true;
    },

    async acceptTotpTimeStep(username, timeStep) {
      open();
      const factor = factors.get(usernameKey(username));
      if (!factor || factor.confirmedAt === null) return false;
      if (factor.lastTimeStep !== null && factor.lastTimeStep >= timeStep) return false;
      factor.lastTimeStep = timeStep;
      return true;
    },

    async deleteMfa(username, _now, events) {
      open();
      const key = usernameKey(username);
      const user = context.userAt(key);
      if (!user || !factors.has(key)) return false;
      factors.delete(key);
      codes.delete(key);
      delete user.mfaEnabled;
      record(events);
      changed();
      return true;
    },

    async replaceRecoveryCodes(username, codeHashes, events) {
      open();
      const key = usernameKey(username);
      if (!confirmed(key)) return false;
      codes.set(key, new Set(codeHashes));
      record(events);
      changed();
      return true;
    },

    async consumeRecoveryCode(username, codeHash, _now, events) {
      open();
      const key = usernameKey(username);
      const unused = codes.get(key);
      if (!confirmed(key) || !unused?.delete(codeHash)) return false;
      record(events);
      changed();
      return true;
    },

    async countRecoveryCodes(username) {
      open();
      return codes.get(usernameKey(username))?.size ?? 0;
    },

    async createMfaToken(token) {
      open();
      tokens.set(token.tokenHash, { ...token });
    },

    async findMfaToken(tokenHash, now) {
      open();
      const token = tokens.get(tokenHash);
      if (!token || token.expiresAt <= now || !context.userAt(usernameKey(token.username))) return null;
      return { ...token };
    },

    async recordMfaTokenFailure(tokenHash, maxFailures) {
      open();
      const token = tokens.get(tokenHash);
      if (!token) return false;
      token.failures++;
      if (token.failures < maxFailures) return true;
      tokens.delete(tokenHash);
      return false;
    },

    async consumeMfaToken(tokenHash, now) {
      open();
      const token = tokens.get(tokenHash);
      if (!token || token.expiresAt <= now) return false;
      return tokens.delete(tokenHash);
    },

    forgetUser(key) {
      factors.delete(key);
      codes.delete(key);
      for (const [hash, token] of tokens) if (usernameKey(token.username) === key) tokens.delete(hash);
    },

    purgeExpired(now) {
      let purged = 0;
      for (const [hash, token] of tokens) {
        if (token.expiresAt <= now) {
          tokens.delete(hash);
          purged++;
        }
      }
      return purged;
    },
  };
}
