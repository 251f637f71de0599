import { randomBytes } from "node:crypto";

// RFC 9562 §5.7 UUIDv7: 48 bits of Unix milliseconds, version 7, variant 10, 74 random bits.
const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A new session (refresh-token family) id: a UUIDv7 whose first 48 bits are the moment the
 * session began, in milliseconds. Access tokens carry it as `sid`, so the verifier knows to the
 * millisecond when the login happened although `iat` is whole seconds (RFC 7519 NumericDate
 * as strict verifiers want it), and "issued after the password change" stays exact.
 */
export function newSessionId(nowMs: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(nowMs)), 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * When the session with this id began, in milliseconds; `null` for ids that are not UUIDv7
 * (sessions from before ids carried their time, or a `sid` Gatehouse did not make).
 */
export function sessionStartedAt(sessionId: string): number | null {
  const match = UUID_V7.exec(sessionId);
  if (match === null) return null;
  return Number.parseInt(`${match[1]}${match[2]}`, 16);
}
