import { createVerifier } from "fast-jwt";
import { createJwsSigner, type JwsSigner } from "../tokens/jws-sign.js";
import { type PublicJwk, type SigningKey, toPublicJwk } from "./signing-keys.js";

/** A verifier for one key: signature, pinned algorithm and `typ` only; claims are checked by the caller. */
export type KeyVerifier = (token: string) => Record<string, unknown>;

/**
 * How long resource servers may cache the published JWKS: the server's `max-age` and the
 * remote verifier's default cache lifetime, so a rotated key reaches both in the same time.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/** One key with its signer and verifier, built once. */
export interface ActiveKey {
  key: SigningKey;
  sign: JwsSigner;
  verify: KeyVerifier;
}

/** The keys a token service signs and verifies with; swapped whole on rotation. */
export interface KeyRing {
  /** The key new tokens are signed with. */
  readonly current: ActiveKey;
  /** The key with this `kid`, or `null`. */
  find(kid: string): ActiveKey | null;
  /** The key used for tokens that carry no `kid` (a configured shared secret), or `null`. */
  readonly kidless: ActiveKey | null;
  /** Public keys for the JWKS (empty for HMAC). */
  readonly jwks: { keys: PublicJwk[] };
}

/** Options for {@link createKeyRing}. */
export interface KeyRingOptions {
  /** Signing keys; the newest not superseded one signs. */
  keys: SigningKey[];
  /** The `typ` access tokens must carry (RFC 9068). */
  typ: string;
  /** Accept tokens without `kid` signed with this key: a secret shared with a FastAPI app. */
  kidlessKey?: SigningKey;
}

/** Builds signers and verifiers for a set of keys. */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const byKid = new Map<string, ActiveKey>();
  for (const key of options.keys) byKid.set(key.kid, activate(key, options.typ));
  const signing = [...options.keys]
    .filter((key) => key.supersededAt === null)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!signing) throw new Error("no current signing key");
  const current = byKid.get(signing.kid) as ActiveKey;
  // Third-party HS256 tokens (PyJWT) say typ "JWT", so the kid-less verifier does not pin typ.
  const kidless = options.kidlessKey ? activate(options.kidlessKey, undefined) : null;
  const keys = options.keys.map(toPublicJwk).filter((jwk): jwk is PublicJwk => jwk !== null);
  return {
    current,
    kidless,
    jwks: { keys },
    find: (kid) => byKid.get(kid) ?? null,
  };
}

function activate(key: SigningKey, typ: string | undefined): ActiveKey {
  const verify = createVerifier({
    key: key.verificationKey,
    algorithms: [key.algorithm],
    // Time and claim checks use Gatehouse's injectable clock (access-token.ts).
    ignoreExpiration: true,
    ignoreNotBefore: true,
    ...(typ === undefined ? {} : { checkTyp: typ }),
    // The access token service caches verified tokens itself (keyed by the whole token).
    cache: false,
  }) as KeyVerifier;
  return { key, sign: createJwsSigner(key), verify };
}
