import { randomBytes } from "node:crypto";
import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { AuditStore } from "../store.js";
import {
  type AuditContext,
  type AuditEvent,
  type AuditEventType,
  type AuditPage,
  type AuditQuery,
  SYSTEM_CONTEXT,
} from "./audit-event.js";

/** What an event is about, beyond its type; absent fields are null (or `{}`). */
export interface AuditEventFields {
  username?: string | null;
  /** Who made the change and from where; Gatehouse itself when absent. */
  context?: AuditContext;
  /** The session the event concerns; the context's (the caller's) when absent. */
  sessionId?: string | null;
  details?: Record<string, unknown>;
}

/** Builds audit events and reads the log; stores write the events with the changes they describe. */
export interface AuditLog {
  /** False when the log is off: {@link AuditLog.event} then builds nothing. */
  readonly enabled: boolean;
  /**
   * One event, as a list for a store write to record in its own transaction (empty when the
   * log is off).
   */
  event(type: AuditEventType, fields?: AuditEventFields): AuditEvent[];
  /** Records events that describe no change of their own (a failed login): one insert. */
  record(events: readonly AuditEvent[]): Promise<void>;
  /** Events matching the query, newest first. */
  list(query: AuditQuery): Promise<AuditPage>;
}

/** Options for {@link createAuditLog}. */
export interface AuditLogOptions {
  store: AuditStore;
  clock: Clock;
  /** Default true; false records nothing (for measurements, or an app that keeps its own log). */
  enabled?: boolean;
}

/** Most events one page may hold. */
export const MAX_AUDIT_PAGE = 500;
// A username as tried may be anything a client sent; the log keeps a bounded prefix of it.
const MAX_USERNAME_LENGTH = 256;
const MAX_TEXT_LENGTH = 512;

/** Creates the audit log over a store. */
export function createAuditLog({ store, clock, enabled = true }: AuditLogOptions): AuditLog {
  return {
    enabled,
    event(type, fields = {}) {
      if (!enabled) return [];
      const context = fields.context ?? SYSTEM_CONTEXT;
      const now = clock.now();
      return [
        {
          id: newEventId(now),
          time: now,
          type,
          username: bounded(fields.username ?? null, MAX_USERNAME_LENGTH),
          actor: context.actor,
          ip: bounded(context.ip ?? null, MAX_TEXT_LENGTH),
          userAgent: bounded(context.userAgent ?? null, MAX_TEXT_LENGTH),
          sessionId: fields.sessionId === undefined ? (context.sessionId ?? null) : fields.sessionId,
          details: cleanDetails(fields.details ?? {}),
        },
      ];
    },
    async record(events) {
      if (events.length > 0) await store.recordAuditEvents(events);
    },
    list(query) {
      if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_AUDIT_PAGE) {
        return Promise.reject(
          new GatehouseError("validation_failed", `limit must be a whole number from 1 to ${MAX_AUDIT_PAGE}`, {
            field: "limit",
          }),
        );
      }
      return store.listAuditEvents(query);
    },
  };
}

/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, so ids sort by
 * time and never repeat across instances.
 */
export function newEventId(now: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// U+0000 is no character of a name, address or user agent, and PostgreSQL text and JSONB
// cannot hold it: a client's NUL must not turn its failed login into a failed write.
function withoutNul(value: string): string {
  return value.includes("\u0000") ? value.replaceAll("\u0000", "\ufffd") : value;
}

function bounded(value: string | null, max: number): string | null {
  if (value === null) return null;
  return withoutNul(value.length <= max ? value : Array.from(value).slice(0, max).join(""));
}

function cleanDetails(details: Record<string, unknown>): Record<string, unknown> {
  const clean = (value: unknown): unknown => {
    if (typeof value === "string") return bounded(value, MAX_TEXT_LENGTH);
    if (Array.isArray(value)) return value.map(clean);
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [withoutNul(key), clean(item)]));
    }
    return value;
  };
  return clean(details) as Record<string, unknown>;
}
