import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { createVerifier } from "fast-jwt";
import type { KeyVerifier } from "../keys/key-ring.js";

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
// Only these members are passed to node:crypto, so private parts and odd extras never reach it.
const PUBLIC_MEMBERS = ["kty", "crv", "x", "y", "n", "e"] as const;

/**
 * Turns an untrusted JWK Set (RFC 7517 §5) into one pinned verifier per `kid`. Keys with an
 * unsupported `kty`, `crv`, `alg` or `use`, without a `kid`, sharing a `kid`, or carrying
 * private parts are ignored rather than guessed at.
 * @throws Error when the document is not a JWK Set at all.
 */
export function parseJwks(document: unknown, options: JwksParseOptions): Map<string, KeyVerifier> {
  if (!isRecord(document) || !Array.isArray(document.keys)) throw new Error("the JWKS is not a JWK Set");
  if (document.keys.length > MAX_KEYS) throw new Error(`the JWKS has more than ${MAX_KEYS} keys`);
  const verifiers = new Map<string, KeyVerifier>();
  const duplicated = new Set<string>();
  for (const jwk of document.keys) {
    const key = importKey(jwk, options.algorithms);
    if (key === null) continue;
    // Which key a kid names must not depend on the order of the set.
    if (verifiers.has(key.kid) || duplicated.has(key.kid)) {
      verifiers.delete(key.kid);
      duplicated.add(key.kid);
      continue;
    }
    verifiers.set(key.kid, createPinnedVerifier(key.pem, key.algorithm, options.typ));
  }
  return verifiers;
}

interface ImportedKey {
  kid: string;
  algorithm: JwksAlgorithm;
  pem: string;
}

function importKey(jwk: unknown, allowed: ReadonlySet<JwksAlgorithm>): ImportedKey | null {
  if (!isRecord(jwk)) return null;
  const { kid, alg, use, key_ops: keyOps } = jwk;
  if (typeof kid !== "string" || kid.length === 0 || kid.length > MAX_KID_LENGTH) return null;
  if (use !== undefined && use !== "sig") return null;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes("verify"))) return null;
  // A set that publishes private (or symmetric) key material is compromised: anyone could sign.
  if ("d" in jwk || "k" in jwk || jwk.kty === "oct") return null;
  const publicJwk: JsonWebKey = {};
  for (const member of PUBLIC_MEMBERS) {
    const value = jwk[member];
    if (value === undefined) continue;
    if (typeof value !== "string") return null;
    publicJwk[member] = value;
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: publicJwk, format: "jwk" });
  } catch {
    return null;
  }
  const algorithm = algorithmOf(keyObject);
  if (algorithm === null || !allowed.has(algorithm)) return null;
  // A declared alg must agree with the key itself (RFC 7517 §4.4); we never take it on trust alone.
  if (alg !== undefined && alg !== algorithm) return null;
  return { kid, algorithm, pem: keyObject.export({ type: "spki", format: "pem" }).toString() };
}

/** The one algorithm a public key can verify, from the key material rather than from claims about it. */
function algorithmOf(key: KeyObject): JwksAlgorithm | null {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return "EdDSA";
    case "ec":
      return details.namedCurve === "prime256v1" ? "ES256" : null;
    case "rsa": {
      const bits = details.modulusLength ?? 0;
      return bits >= 2048 && bits <= 8192 ? "RS256" : null;
    }
    default:
      return null;
  }
}

/** The same pinned fast-jwt verifier a local key ring builds: signature, algorithm and `typ` only. */
function createPinnedVerifier(pem: string, algorithm: JwksAlgorithm, typ: string): KeyVerifier {
  return createVerifier({
    key: pem,
    algorithms: [algorithm],
    // Time and claim checks use the caller's injectable clock (access-token-claims.ts).
    ignoreExpiration: true,
    ignoreNotBefore: true,
    checkTyp: typ,
    cache: false,
  }) as KeyVerifier;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
