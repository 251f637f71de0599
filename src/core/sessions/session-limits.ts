import type { TokenRequestContext } from "../grants/token-request.js";

/** The two lifetimes that bound a session's refresh tokens. */
export interface SessionLimits {
  /** Seconds one refresh token lives. */
  refreshTokenTtl: number;
  /** Seconds a session lives at most, however often it is refreshed. */
  sessionMaxAge: number;
}

// A user agent is shown, not parsed: enough for any real browser's, bounded for the rest.
const MAX_USER_AGENT_LENGTH = 512;

/**
 * When a refresh token issued at `now` in a session begun at `createdAt` expires: a token's
 * lifetime, but never past the session's maximum age.
 */
export function sessionExpiry(limits: SessionLimits, createdAt: number, now: number): number {
  return Math.min(now + limits.refreshTokenTtl * 1000, createdAt + limits.sessionMaxAge * 1000);
}

/** The address and user agent a session records of a login or refresh. */
export function clientMetadata(context: TokenRequestContext): { ip: string | null; userAgent: string | null } {
  const userAgent = context.userAgent === undefined || context.userAgent === "" ? null : context.userAgent;
  return {
    ip: context.clientAddress === "" ? null : context.clientAddress,
    userAgent: userAgent === null ? null : Array.from(userAgent).slice(0, MAX_USER_AGENT_LENGTH).join(""),
  };
}
