/** Ways to break one property of a token while keeping everything else valid. */
import { createPrivateKey, sign } from "node:crypto";
import type { StoredSigningKey } from "../../src/core/index.js";
import { encodeJson, type Forge, type Json } from "./token-forge.js";

/** The order L of the Ed25519 base point, for the non-canonical signature case. */
const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/** The claims as JSON text with one member's value replaced by a raw (possibly non-JSON) literal. */
export function claimsText(claims: Json, name: string, literal: string): string {
  return JSON.stringify(claims).replace(`"${name}":0`, `"${name}":${literal}`);
}

/** The signature with the lowest bit of its first byte flipped. */
export function flipByte(signature: string): string {
  const bytes = Buffer.from(signature, "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString("base64url");
}

/** The segment with the `=` padding RFC 7515 forbids (four when it needs none). */
export function padded(segment: string): string {
  const missing = (4 - (segment.length % 4)) % 4;
  return `${segment}${"=".repeat(missing === 0 ? 4 : missing)}`;
}

/** Claims whose base64url form contains `-` or `_`, written in the standard alphabet instead. */
export function standardAlphabet(claims: Json): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const encoded = encodeJson({ ...claims, jti: `${claims.jti}-${attempt}~~~??>>>` });
    if (/[-_]/.test(encoded)) return encoded.replaceAll("-", "+").replaceAll("_", "/");
  }
  throw new Error("no claims encoding with - or _ found");
}

/** A real signature re-encoded in the standard alphabet (the token is re-signed until it has + or /). */
export function standardSignature(forge: Forge, header: string, payload: string): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const token = attempt === 0 ? `${header}.${payload}` : forge.sign(forge.header(), forge.claims());
    const [h = "", p = ""] = token.split(".");
    const signature = forge.signature(`${h}.${p}`);
    if (/[-_]/.test(signature)) return `${h}.${p}.${signature.replaceAll("-", "+").replaceAll("_", "/")}`;
  }
  throw new Error("no signature with - or _ found");
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The encoding of the first of `make("")`, `make("a")`, `make("aa")` whose last character has unused bits. */
export function encodeWithUnusedBits(make: (pad: string) => Json): string {
  for (const pad of ["", "a", "aa"]) {
    const encoded = encodeJson(make(pad));
    if (encoded.length % 4 !== 0) return encoded;
  }
  throw new Error("unreachable: one of three consecutive lengths is not a multiple of 3");
}

/** The same bytes with the unused low bits of the last character set (RFC 4648 §3.5). */
export function withTrailingBits(segment: string): string {
  const unused = segment.length % 4 === 2 ? 4 : segment.length % 4 === 3 ? 2 : 0;
  if (unused === 0) throw new Error(`segment of length ${segment.length} has no unused bits`);
  const last = ALPHABET.indexOf(segment.slice(-1));
  return `${segment.slice(0, -1)}${ALPHABET[last | 1]}`;
}

/** Characters that make the segment's length 4n+1, which no byte string encodes to. */
export function impossibleTail(segment: string): string {
  return "A".repeat((((1 - segment.length) % 4) + 4) % 4 || 4);
}

/** The token signed with ECDSA's DER encoding, which JWS replaces with r||s (RFC 7518 §3.4). */
export function derEcdsaToken(header: string, payload: string, key: StoredSigningKey): string {
  const input = `${header}.${payload}`;
  const der = sign("sha256", Buffer.from(input), createPrivateKey(key.privateKey));
  return `${input}.${der.toString("base64url")}`;
}

/** Adds the group order L to the S half of an Ed25519 signature: same curve point, non-canonical encoding. */
export function nonCanonicalEd25519(signature: string): string {
  const bytes = Buffer.from(signature, "base64url");
  const s = BigInt(`0x${Buffer.from(bytes.subarray(32)).reverse().toString("hex")}`) + ED25519_ORDER;
  const sBytes = Buffer.from(s.toString(16).padStart(64, "0"), "hex").reverse();
  return Buffer.concat([bytes.subarray(0, 32), sBytes]).toString("base64url");
}
