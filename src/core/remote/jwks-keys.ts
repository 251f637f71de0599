import { decodeBase64url } from "../tokens/base64url.js";
import { createWebKeyVerifier, importPublicJwk, type WebCryptoKey } from "./web-jws-verify.js";
import type { WebKeyVerifier } from "./web-key-verifier.js";

/** The asymmetric algorithms a key from a JWK Set may verify; never `none`, never HMAC. */
export type JwksAlgorithm = "EdDSA" | "ES256" | "RS256";

/** Every {@link JwksAlgorithm}, the default allow-list of a remote verifier. */
export const JWKS_ALGORITHMS: readonly JwksAlgorithm[] = ["EdDSA", "ES256", "RS256"];

/** What {@link parseJwks} needs to turn a JWK Set into verifiers. */
export interface JwksParseOptions {
  /** The algorithms keys may use; other keys are ignored. */
  algorithms: ReadonlySet<JwksAlgorithm>;
  /** The `typ` every token must declare (RFC 9068 `at+jwt`). */
  typ: string;
}

const MAX_KEYS = 100;
const MAX_KID_LENGTH = 128;
// Only these members are passed to WebCrypto, so private parts and odd extras never reach it.
const PUBLIC_MEMBERS = ["kty", "crv", "x", "y", "n", "e"] as const;

/**
 * Turns an untrusted JWK Set (RFC 7517 §5) into one pinned verifier per `kid`. Keys with an
 * unsupported `kty`, `crv`, `alg` or `use`, without a `kid`, sharing a `kid`, or carrying
 * private parts are ignored rather than guessed at.
 * @throws Error when the document is not a JWK Set at all.
 */
export async function parseJwks(document: unknown, options: JwksParseOptions): Promise<Map<string, WebKeyVerifier>> {
  if (!isRecord(document) || !Array.isArray(document.keys)) throw new Error("the JWKS is not a JWK Set");
  if (document.keys.length > MAX_KEYS) throw new Error(`the JWKS has more than ${MAX_KEYS} keys`);
  const imported = await Promise.all(document.keys.map((jwk: unknown) => importKey(jwk, options.algorithms)));
  const verifiers = new Map<string, WebKeyVerifier>();
  const duplicated = new Set<string>();
  for (const key of imported) {
    if (key === null) continue;
    // Which key a kid names must not depend on the order of the set.
    if (verifiers.has(key.kid) || duplicated.has(key.kid)) {
      verifiers.delete(key.kid);
      duplicated.add(key.kid);
      continue;
    }
    verifiers.set(key.kid, createWebKeyVerifier(key.cryptoKey, key.algorithm, options.typ));
  }
  return verifiers;
}

interface ImportedKey {
  kid: string;
  algorithm: JwksAlgorithm;
  cryptoKey: WebCryptoKey;
}

async function importKey(jwk: unknown, allowed: ReadonlySet<JwksAlgorithm>): Promise<ImportedKey | null> {
  if (!isRecord(jwk)) return null;
  const { kid, alg, use, key_ops: keyOps } = jwk;
  if (typeof kid !== "string" || kid.length === 0 || kid.length > MAX_KID_LENGTH) return null;
  if (use !== undefined && use !== "sig") return null;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes("verify"))) return null;
  // A set that publishes private (or symmetric) key material is compromised: anyone could sign.
  if ("d" in jwk || "k" in jwk || jwk.kty === "oct") return null;
  const publicJwk: Record<string, string> = {};
  for (const member of PUBLIC_MEMBERS) {
    const value = jwk[member];
    if (value === undefined) continue;
    if (typeof value !== "string") return null;
    publicJwk[member] = value;
  }
  const algorithm = algorithmOf(publicJwk);
  if (algorithm === null || !allowed.has(algorithm)) return null;
  // A declared alg must agree with the key itself (RFC 7517 §4.4); we never take it on trust alone.
  if (alg !== undefined && alg !== algorithm) return null;
  try {
    // WebCrypto checks the material: a point off the curve or a malformed modulus is refused.
    return { kid, algorithm, cryptoKey: await importPublicJwk(publicJwk, algorithm) };
  } catch {
    return null;
  }
}

/** The one algorithm a public key can verify, from the key material rather than from claims about it. */
function algorithmOf(jwk: Readonly<Record<string, string>>): JwksAlgorithm | null {
  switch (jwk.kty) {
    case "OKP":
      return jwk.crv === "Ed25519" ? "EdDSA" : null;
    case "EC":
      return jwk.crv === "P-256" ? "ES256" : null;
    case "RSA": {
      const bits = modulusBits(jwk.n);
      return bits >= 2048 && bits <= 8192 ? "RS256" : null;
    }
    default:
      return null;
  }
}

/** The bit length of an RSA modulus given as base64url (RFC 7518 §6.3.1.1); 0 when unreadable. */
function modulusBits(n: string | undefined): number {
  if (n === undefined || !/^[A-Za-z0-9_-]+$/.test(n) || n.length > 2048) return 0;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64url(n);
  } catch {
    return 0;
  }
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  const top = bytes[start];
  return top === undefined ? 0 : (bytes.length - start - 1) * 8 + (32 - Math.clz32(top));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
