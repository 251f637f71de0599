import { GatehouseError } from "../core/errors.js";
import type { AuditEvent, AuditPage } from "../core/store.js";

/** Where an audit page ends: the last event's time and its order of recording. */
export interface AuditPosition {
  time: number;
  seq: number;
}

const CURSOR = /^(\d{1,16})\.(\d{1,16})$/;

/** Encodes the last event of a page as an opaque cursor (base64url). */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(`${position.time}.${position.seq}`, "utf8").toString("base64url");
}

/**
 * Decodes a cursor back into the position after which the next (older) page starts.
 * @throws GatehouseError `validation_failed` ("invalid cursor") for anything we could not have issued.
 */
export function decodeAuditCursor(cursor: string): AuditPosition {
  if (cursor.length === 0 || cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  const bytes = Buffer.from(cursor, "base64url");
  if (bytes.toString("base64url") !== cursor) throw invalidCursor();
  const match = CURSOR.exec(bytes.toString("latin1"));
  const time = Number(match?.[1]);
  const seq = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(time) || !Number.isSafeInteger(seq)) throw invalidCursor();
  // Only the canonical spelling is ours: no leading zeros.
  if (encodeAuditCursor({ time, seq }) !== cursor) throw invalidCursor();
  return { time, seq };
}

function invalidCursor(): GatehouseError {
  return new GatehouseError("validation_failed", "invalid cursor", { field: "cursor" });
}

/**
 * A page from up to `limit + 1` rows, newest first: one row more than asked tells that another
 * page follows, and the last row shown is where it starts.
 */
export function auditPageOf(rows: ReadonlyArray<{ seq: number; event: AuditEvent }>, limit: number): AuditPage {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  return {
    events: shown.map((row) => row.event),
    nextCursor: more && last !== undefined ? encodeAuditCursor({ time: last.event.time, seq: last.seq }) : null,
  };
}
