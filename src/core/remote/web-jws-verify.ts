import { decodeBase64url } from "../tokens/base64url.js";
import { decodeSegmentText, isCanonicalCompactJws } from "../tokens/jws-parse.js";
import type { WebJwsAlgorithm, WebKeyVerifier } from "./web-key-verifier.js";

type Subtle = typeof globalThis.crypto.subtle;
/** A WebCrypto key (`CryptoKey`), named without the DOM or Node type libraries. */
export type WebCryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;

// ES256 signatures are raw r||s (RFC 7518 §3.4), which is WebCrypto's ECDSA format too.
const IMPORT_PARAMS = {
  EdDSA: { name: "Ed25519" },
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  HS256: { name: "HMAC", hash: "SHA-256" },
} as const;
const VERIFY_PARAMS = {
  EdDSA: { name: "Ed25519" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  HS256: { name: "HMAC" },
} as const;

const ASCII = new TextEncoder();
// WebCrypto is asynchronous (Node runs it on its thread pool: tens to hundreds of µs a call),
// and a client sends the same token for its whole lifetime, so each key remembers the tokens
// whose signature it accepted. Only the signature is remembered: the claims (expiry above
// all) are checked on every use. A refetched JWKS builds new verifiers, so a key withdrawn
// from it takes its remembered tokens along.
const REMEMBERED_TOKENS = 1000;

/**
 * WebCrypto's SubtleCrypto: in Node 20+, browsers, workers, Deno and Bun.
 * @throws TypeError where there is none (an old runtime, or a page not served over HTTPS).
 */
export function subtleCrypto(): Subtle {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new TypeError(
      "WebCrypto is not available (globalThis.crypto.subtle): Node 20+, browsers and workers have it",
    );
  }
  return subtle;
}

/** Imports the public members of a JWK for verifying `algorithm`; rejects when WebCrypto refuses the key. */
export function importPublicJwk(
  jwk: Record<string, string>,
  algorithm: Exclude<WebJwsAlgorithm, "HS256">,
): Promise<WebCryptoKey> {
  return subtleCrypto().importKey("jwk", jwk, IMPORT_PARAMS[algorithm], false, ["verify"]);
}

/** Imports an HS256 secret, used as its bytes. */
export function importHmacSecret(secret: Uint8Array<ArrayBuffer>): Promise<WebCryptoKey> {
  return subtleCrypto().importKey("raw", secret, IMPORT_PARAMS.HS256, false, ["verify"]);
}

/**
 * A verifier for one key: the header's `alg` must be exactly `algorithm` (never `none`, never
 * another family: no algorithm confusion), `typ` must be `typ` when given (compared as RFC 9068
 * §4 and fast-jwt do: case-insensitively, an `application/` prefix allowed), and a header with
 * `crit` is refused (no extension is understood, RFC 7515 §4.1.11).
 */
export function createWebKeyVerifier(
  key: WebCryptoKey,
  algorithm: WebJwsAlgorithm,
  typ: string | undefined,
): WebKeyVerifier {
  const subtle = subtleCrypto();
  const pinnedTyp = typ?.toLowerCase();
  // Payload texts, parsed afresh on each use so no caller shares (and could change) another's claims.
  const accepted = new Map<string, string>();
  return async (token) => {
    const known = accepted.get(token);
    if (known !== undefined) return parseObject(known, "payload");
    if (!isCanonicalCompactJws(token)) throw new Error("malformed token");
    const first = token.indexOf(".");
    const last = token.lastIndexOf(".");
    const header = parseObject(decodeSegmentText(token.slice(0, first)), "header");
    if (header.alg !== algorithm) throw new Error("algorithm not allowed for this key");
    if (pinnedTyp !== undefined && normalizedTyp(header.typ) !== pinnedTyp) throw new Error("wrong typ");
    if (header.crit !== undefined) throw new Error("critical header extension not understood");
    const signature = decodeBase64url(token.slice(last + 1)) as Uint8Array<ArrayBuffer>;
    const input = ASCII.encode(token.slice(0, last));
    if (!(await subtle.verify(VERIFY_PARAMS[algorithm], key, signature, input))) throw new Error("bad signature");
    const text = decodeSegmentText(token.slice(first + 1, last));
    const payload = parseObject(text, "payload");
    // Oldest first out: a Map iterates in insertion order.
    if (accepted.size >= REMEMBERED_TOKENS) accepted.delete(accepted.keys().next().value as string);
    accepted.set(token, text);
    return payload;
  };
}

function normalizedTyp(typ: unknown): string | undefined {
  return typeof typ === "string" ? typ.toLowerCase().replace(/^application\//, "") : undefined;
}

function parseObject(text: string, part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${part} is not an object`);
  return value as Record<string, unknown>;
}
