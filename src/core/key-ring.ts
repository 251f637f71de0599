import { createVerifier } from "fast-jwt";
import { createJwsSigner, type JwsSigner } from "./jws-sign.js";
import { type PublicJwk, type SigningKey, toPublicJwk } from "./signing-keys.js";

/** A verifier for one key: signature, pinned algorithm and `typ` only; claims are checked by the caller. */
export type KeyVerifier = (token: string) => Record<string, unknown>;

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
  readonly legacy: ActiveKey | null;
  /** Public keys for the JWKS (empty for HMAC). */
  readonly jwks: { keys: PublicJwk[] };
}

/** Options for {@link createKeyRing}. */
export interface KeyRingOptions {
  /** Signing keys; the newest not superseded one signs. */
  keys: SigningKey[];
  /** The `typ` access tokens must carry (RFC 9068). */
  typ: string;
  /** Verified tokens cached by fast-jwt (signature work only; claims are re-checked every time). */
  cacheSize: number;
  /** Accept tokens without `kid` signed with this key: a secret shared with a FastAPI app. */
  legacyKey?: SigningKey;
}

/** Builds signers and verifiers for a set of keys. */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const byKid = new Map<string, ActiveKey>();
  for (const key of options.keys) byKid.set(key.kid, activate(key, options.typ, options.cacheSize));
  const signing = [...options.keys]
    .filter((key) => key.supersededAt === null)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!signing) throw new Error("no current signing key");
  const current = byKid.get(signing.kid) as ActiveKey;
  // Third-party HS256 tokens (PyJWT) say typ "JWT", so the legacy verifier does not pin typ.
  const legacy = options.legacyKey ? activate(options.legacyKey, undefined, options.cacheSize) : null;
  const keys = options.keys.map(toPublicJwk).filter((jwk): jwk is PublicJwk => jwk !== null);
  return {
    current,
    legacy,
    jwks: { keys },
    find: (kid) => byKid.get(kid) ?? null,
  };
}

function activate(key: SigningKey, typ: string | undefined, cacheSize: number): ActiveKey {
  const verify = createVerifier({
    key: key.verificationKey,
    algorithms: [key.algorithm],
    // Time and claim checks use Gatehouse's injectable clock (access-token.ts).
    ignoreExpiration: true,
    ignoreNotBefore: true,
    ...(typ === undefined ? {} : { checkTyp: typ }),
    cache: cacheSize > 0 ? cacheSize : false,
  }) as KeyVerifier;
  return { key, sign: createJwsSigner(key), verify };
}
