import { GatehouseError } from "../core/errors.js";

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
