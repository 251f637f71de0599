import type { AccountTokenStore, AuditEvents, ConsumedAccountToken, StoredUser } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { ACCOUNT_MAIL_RETENTION_MS, checkMailWindow, MAX_USERS_BY_EMAIL } from "../account-rows.js";
import { compareKeys } from "../page-cursor.js";

interface Token extends Omit<ConsumedAccountToken, "username"> {
  userKey: string;
  tokenHash: string;
}

/** What the memory store's account tokens need from it. */
export interface MemoryAccountsContext {
  /** The stored users by username key, uncopied (read only). */
  users: ReadonlyMap<string, StoredUser>;
  copyUser(user: StoredUser): StoredUser;
  open(): void;
  record(events: AuditEvents | undefined): void;
}

/** The memory store's account tokens and mail counts, plus the hooks its user writes call. */
export interface MemoryAccounts extends AccountTokenStore {
  /** A user's password or e-mail changed: their reset or verification link dies, as the SQL triggers do. */
  userChanged(key: string, before: StoredUser, after: StoredUser): void;
  forgetUser(key: string): void;
  purge(now: number): number;
}

/** Creates the memory store's account tokens. */
export function createMemoryAccounts({ users, copyUser, open, record }: MemoryAccountsContext): MemoryAccounts {
  // Keyed by user and purpose: one live token each, as the SQL primary key makes it.
  const tokens = new Map<string, Token>();
  const mails = new Map<string, number[]>();
  const slot = (userKey: string, purpose: string) => `${purpose}|${userKey}`;
  const drop = (userKey: string, purpose: string) => tokens.delete(slot(userKey, purpose));

  return {
    async issueAccountToken(token, events) {
      open();
      const userKey = usernameKey(token.username);
      if (!users.has(userKey)) return false;
      const { username: _username, ...rest } = token;
      tokens.set(slot(userKey, token.purpose), { ...rest, userKey });
      record(events);
      return true;
    },

    async consumeAccountToken(purpose, tokenHash, now) {
      open();
      for (const [key, token] of tokens) {
        if (token.tokenHash !== tokenHash || token.purpose !== purpose) continue;
        tokens.delete(key);
        const user = users.get(token.userKey);
        if (user === undefined || token.expiresAt <= now) return null;
        const { userKey: _key, tokenHash: _hash, ...rest } = token;
        return { ...rest, username: user.username };
      }
      return null;
    },

    async reserveAccountMail(username, kind, now, windowMs, max) {
      open();
      checkMailWindow(windowMs, max);
      const userKey = usernameKey(username);
      if (!users.has(userKey)) return false;
      const key = `${kind}|${userKey}`;
      const sent = (mails.get(key) ?? []).filter((at) => at > now - ACCOUNT_MAIL_RETENTION_MS);
      if (sent.filter((at) => at > now - windowMs).length >= max) return false;
      mails.set(key, [...sent, now]);
      return true;
    },

    async findUsersByEmail(email, limit) {
      open();
      const wanted = email.toLowerCase();
      return [...users.entries()]
        .filter(([, user]) => user.email.toLowerCase() === wanted)
        .sort(([a], [b]) => compareKeys(a, b))
        .slice(0, Math.min(Math.max(limit, 0), MAX_USERS_BY_EMAIL))
        .map(([, user]) => copyUser(user));
    },

    userChanged(key, before, after) {
      if (before.passwordHash !== after.passwordHash) drop(key, "reset");
      if (before.email !== after.email) drop(key, "verify");
    },

    forgetUser(key) {
      for (const purpose of ["verify", "reset", "unlock"]) drop(key, purpose);
      for (const mailKey of mails.keys()) if (mailKey.endsWith(`|${key}`)) mails.delete(mailKey);
    },

    purge(now) {
      let purged = 0;
      for (const [key, token] of tokens) if (token.expiresAt < now && tokens.delete(key)) purged++;
      for (const [key, sent] of mails) {
        const kept = sent.filter((at) => at >= now - ACCOUNT_MAIL_RETENTION_MS);
        purged += sent.length - kept.length;
        if (kept.length === 0) mails.delete(key);
        else mails.set(key, kept);
      }
      return purged;
    },
  };
}
