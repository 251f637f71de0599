import { GatehouseError } from "../core/errors.js";
import { usernameKey } from "../core/users/user.js";

// A username key is at most 64 NFKC characters; even case-folded and UTF-8 encoded it
// stays far below this, so anything longer cannot be a cursor we issued.
const MAX_CURSOR_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Encodes the last username key of a page as an opaque cursor (base64url). */
export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

/**
 * Decodes a cursor back into the username key after which the next page starts.
 * @throws GatehouseError `validation_failed` ("invalid cursor") for anything we could not have issued.
 */
export function decodeCursor(cursor: string): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalidCursor();
  const bytes = Buffer.from(cursor, "base64url");
  // Node decodes leniently (stray trailing bits); only the canonical spelling is ours.
  if (bytes.toString("base64url") !== cursor) throw invalidCursor();
  let key: string;
  try {
    key = utf8.decode(bytes);
  } catch {
    throw invalidCursor();
  }
  // U+0000 is no username's character, and PostgreSQL cannot even store it in text.
  if (key.includes("\u0000") || usernameKey(key) !== key) throw invalidCursor();
  return key;
}

/**
 * Checks the page size a caller asked for.
 * @throws GatehouseError `validation_failed` unless it is a positive integer.
 */
export function checkPageLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new GatehouseError("validation_failed", "limit must be a positive integer");
  }
  return limit;
}

/**
 * Orders username keys by code point, which is how SQLite's BINARY collation orders
 * UTF-8 text; JavaScript's `<` compares UTF-16 units and disagrees above U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function invalidCursor(): GatehouseError {
  return new GatehouseError("validation_failed", "invalid cursor");
}
