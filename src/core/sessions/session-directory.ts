import { type AuditContext, SYSTEM_CONTEXT } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { GatehouseStore } from "../store.js";
import { normalizeUsername } from "../users/user.js";

/** A login session as its user and admins see it. */
export interface SessionInfo {
  /** The session id, carried by its access tokens as `sid`. */
  id: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  /** The OAuth client that logged in; `null` when none was named. */
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  amr: string[];
  /** True for the session of the token that asked. */
  current: boolean;
}

/** Lists and ends one user's login sessions (the HTTP API and the CLI). */
export interface SessionDirectory {
  /**
   * The user's live sessions, newest first; `currentSessionId` marks the caller's own.
   * @throws GatehouseError `user_not_found`.
   */
  list(username: string, currentSessionId?: string): Promise<SessionInfo[]>;
  /**
   * Ends one session: its refresh token and access tokens stop working at once.
   * @throws GatehouseError `session_not_found` when the user has no such live session.
   */
  revoke(username: string, sessionId: string, context?: AuditContext): Promise<void>;
}

/** What {@link createSessionDirectory} needs. */
export interface SessionDirectoryOptions {
  store: GatehouseStore;
  clock: Clock;
  /** Seconds a session lives at most; older ones are not listed. */
  sessionMaxAge: number;
  /** Where `session.revoked` is recorded; nothing is when absent. */
  audit?: AuditLog;
  /** Who ends sessions when a call names no one (the CLI says `cli`); default `system`. */
  defaultContext?: AuditContext;
}

/** Creates the session directory. */
export function createSessionDirectory(options: SessionDirectoryOptions): SessionDirectory {
  const { store, clock, sessionMaxAge, audit } = options;
  const findUser = async (username: string) => {
    let name: string;
    try {
      name = normalizeUsername(username);
    } catch {
      throw new GatehouseError("user_not_found", "User not found");
    }
    const user = await store.findUserByUsername(name);
    if (!user) throw new GatehouseError("user_not_found", "User not found");
    return user;
  };

  return {
    async list(username, currentSessionId) {
      const user = await findUser(username);
      const now = clock.now();
      const sessions = await store.listSessions(user.username, now);
      return (
        sessions
          // Sessions the user's invalidations ended, or past their maximum age, are dead even
          // where the table still holds them.
          .filter((s) => s.createdAt >= user.tokensValidAfter && now < s.createdAt + sessionMaxAge * 1000)
          .map((s) => ({
            id: s.id,
            createdAt: s.createdAt,
            lastUsedAt: s.lastUsedAt,
            expiresAt: s.expiresAt,
            clientId: s.clientId,
            ip: s.ip,
            userAgent: s.userAgent,
            amr: s.amr,
            current: s.id === currentSessionId,
          }))
      );
    },

    async revoke(username, sessionId, context = options.defaultContext ?? SYSTEM_CONTEXT) {
      const user = await findUser(username);
      const events = audit?.event("session.revoked", { username: user.username, context, sessionId }) ?? [];
      if (!(await store.revokeSession(user.username, sessionId, clock.now(), events))) {
        throw new GatehouseError("session_not_found", "Session not found");
      }
    },
  };
}
