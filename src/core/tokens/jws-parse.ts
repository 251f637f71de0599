/**
 * Strict structural checks on a JWS compact serialisation (RFC 7515 §7.1), for what JWT
 * libraries let through: base64url that decodes to the same bytes from more than one
 * spelling, and JSON objects that name a member twice.
 */

import { decodeBase64url } from "./base64url.js";

// Value of each base64url character (RFC 4648 §5), -1 for anything else.
const BASE64URL_VALUES = new Int8Array(128).fill(-1);
for (const [index, char] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries()) {
  BASE64URL_VALUES[char.charCodeAt(0)] = index;
}

// Linear: no class contains the dot, so there is nothing to backtrack over.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;

/**
 * True when `token` is exactly three non-empty segments of canonical unpadded base64url:
 * no `=`, `+`, `/` or other characters, no length that no byte string encodes to, and zero
 * unused bits in the last character (RFC 4648 §3.5). Without the last rule a token has up to
 * sixteen spellings with the same signature, so denylists and caches keyed by the token
 * string can be sidestepped. One regular-expression pass, no allocation.
 */
export function isCanonicalCompactJws(token: string): boolean {
  if (!COMPACT_JWS.test(token)) return false;
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  return (
    isCanonicalSegmentEnd(token, 0, first) &&
    isCanonicalSegmentEnd(token, first + 1, second) &&
    isCanonicalSegmentEnd(token, second + 1, token.length)
  );
}

function isCanonicalSegmentEnd(token: string, start: number, end: number): boolean {
  const remainder = (end - start) % 4;
  if (remainder === 0) return true;
  if (remainder === 1) return false;
  const last = BASE64URL_VALUES[token.charCodeAt(end - 1)] ?? -1;
  // Two leftover characters carry one byte (4 unused bits), three carry two (2 unused bits).
  return (last & (remainder === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * True when the JSON text names some member twice in one object (`{"sub":"a","sub":"b"}`,
 * also spelled `"s\u0075b"`). RFC 7515 §4 and RFC 7519 §4 say such a JWT must be rejected
 * or take the last; parsers that take the first would then read another token than ours.
 * `parsed` is `JSON.parse(text)`: every member has exactly one colon outside strings, so
 * a text with more colons than the parsed value has members lost one to a duplicate.
 */
export function hasDuplicateMembers(text: string, parsed: unknown): boolean {
  return countColonsOutsideStrings(text) !== countMembers(parsed);
}

// Fatal: RFC 7515 §5.2 has the decoded header and payload be UTF-8, and a lenient decoder turns
// invalid bytes into U+FFFD, so two different byte strings would read as the same claims.
// ignoreBOM keeps a byte-order mark in the text, where JSON.parse refuses it.
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A base64url segment decoded as strict UTF-8 (only call on a canonical token).
 * @throws TypeError when the bytes are not valid UTF-8.
 */
export function decodeSegmentText(segment: string): string {
  return STRICT_UTF8.decode(decodeBase64url(segment));
}

/**
 * The payload segment of a compact JWS, decoded as strict UTF-8 (only call on a canonical token).
 * @throws TypeError when the payload is not valid UTF-8.
 */
export function readPayloadText(token: string): string {
  const first = token.indexOf(".");
  return decodeSegmentText(token.slice(first + 1, token.indexOf(".", first + 1)));
}

function countColonsOutsideStrings(text: string): number {
  let colons = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === COLON) {
      colons++;
    }
  }
  return colons;
}

function countMembers(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countMembers(item);
    return count;
  }
  const record = value as Record<string, unknown>;
  for (const name in record) {
    if (Object.hasOwn(record, name)) count += 1 + countMembers(record[name]);
  }
  return count;
}
