/**
 * The audit log's events: what happened, to whom, by whom, from where. An event never holds a
 * password, token, code, hash or secret; `details` carries names, counts and outcomes only.
 */

/** Every event type, in the order docs/AUDIT.md lists them. */
export const AUDIT_EVENT_TYPES = [
  "login.succeeded",
  "login.failed",
  "login.mfa_required",
  "token.refreshed",
  "refresh.reuse_detected",
  "token.revoked",
  "session.revoked",
  "logout",
  "logout.all",
  "password.changed",
  "password.reset_requested",
  "password.reset",
  "email.verification_sent",
  "email.verified",
  "account.under_attack",
  "account.unlocked",
  "user.registered",
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "user.removed",
  "user.scopes_changed",
  "mfa.enrolled",
  "mfa.removed",
  "mfa.recovery_code_used",
  "keys.rotated",
] as const;

/** One of {@link AUDIT_EVENT_TYPES}. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Who caused an event: the user themself, an admin (by name), the CLI, or Gatehouse itself. */
export type AuditActor = "self" | "cli" | "system" | `admin:${string}`;

/** One recorded event, as stores keep it (times in milliseconds). */
export interface AuditEvent {
  /** Unique and time-ordered (a UUIDv7): receivers de-duplicate webhook deliveries by it. */
  id: string;
  time: number;
  type: AuditEventType;
  /** The user the event is about (as stored, or as tried for a failed login); null for none. */
  username: string | null;
  actor: AuditActor;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
  /** Small JSON facts about the event; never a secret. */
  details: Record<string, unknown>;
}

/** Where a change came from: whoever made it and their request. */
export interface AuditContext {
  actor: AuditActor;
  ip?: string;
  userAgent?: string;
  /** The session of the token that asked, if any. */
  sessionId?: string;
}

/** A change made by Gatehouse on its own (start-up, upkeep). */
export const SYSTEM_CONTEXT: AuditContext = { actor: "system" };

/** The event as the API lists it and webhooks send it: wire spelling, RFC 3339 time. */
export interface AuditEventJson {
  id: string;
  time: string;
  type: AuditEventType;
  username: string | null;
  actor: string;
  ip: string | null;
  user_agent: string | null;
  session_id: string | null;
  details: Record<string, unknown>;
}

/** Converts an event to its wire form, the one place that spelling is decided. */
export function toAuditEventJson(event: AuditEvent): AuditEventJson {
  return {
    id: event.id,
    time: new Date(event.time).toISOString(),
    type: event.type,
    username: event.username,
    actor: event.actor,
    ip: event.ip,
    user_agent: event.userAgent,
    session_id: event.sessionId,
    details: event.details,
  };
}

/** True when `value` names an event type. */
export function isAuditEventType(value: string): value is AuditEventType {
  return (AUDIT_EVENT_TYPES as readonly string[]).includes(value);
}

/** Filters and page of an audit query, newest first. */
export interface AuditQuery {
  /** Compared case-insensitively, as usernames are. */
  username?: string;
  type?: AuditEventType;
  /** Only events at or after this instant (milliseconds). */
  since?: number;
  limit: number;
  cursor: string | null;
}

/** One page of events, newest first. */
export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `cursor` for the next (older) page; `null` on the last. */
  nextCursor: string | null;
}
