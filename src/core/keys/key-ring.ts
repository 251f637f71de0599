import { createVerifier } from "fast-jwt";
import { createJwsSigner, type JwsSigner } from "../tokens/jws-sign.js";
import { type PublicJwk, type SigningKey, toPublicJwk } from "./signing-keys.js";

/** A verifier for one key: signature, pinned algorithm and `typ` only; claims are checked by the caller. */
export type KeyVerifier = (token: string) => Record<string, unknown>;

export { JWKS_MAX_AGE_SECONDS } from "./jwks-max-age.js";

/** One key with its signer and verifier, built once. */
export interface ActiveKey {
  key: SigningKey;
  sign: JwsSigner;
  verify: KeyVerifier;
}

/** The keys a token service signs and verifies with; swapped whole when the stored keys change. */
export interface KeyRing {
  /** The key that signs at this moment: a key published ahead of time takes over when its predecessor stops. */
  signingKeyAt(nowMs: number): ActiveKey;
  /** The key with this `kid`, or `null`. */
  find(kid: string): ActiveKey | null;
  /** The key used for tokens that carry no `kid` (a configured shared secret), or `null`. */
  readonly kidless: ActiveKey | null;
  /** Public keys for the JWKS (empty for HMAC). */
  readonly jwks: { keys: PublicJwk[] };
}

/** Options for {@link createKeyRing}. */
export interface KeyRingOptions {
  /** Signing keys; at any moment the oldest one not yet superseded signs (see {@link signingKeyAt}). */
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
  if (!options.keys.some((key) => key.supersededAt === null)) throw new Error("no current signing key");
  const keys = [...options.keys];
  // Third-party HS256 tokens (PyJWT) say typ "JWT", so the kid-less verifier does not pin typ.
  const kidless = options.kidlessKey ? activate(options.kidlessKey, undefined) : null;
  // Every stored key is published: the next one before it signs, the retiring ones while their tokens live.
  const published = options.keys.map(toPublicJwk).filter((jwk): jwk is PublicJwk => jwk !== null);
  return {
    signingKeyAt: (nowMs) => byKid.get(signingKeyAt(keys, nowMs).kid) as ActiveKey,
    kidless,
    jwks: { keys: published },
    find: (kid) => byKid.get(kid) ?? null,
  };
}

/**
 * The key that signs at `nowMs`. Rotation supersedes the signing key at a future moment and
 * adds the new key at once, so the new key is in the JWKS that long before it signs. Keys
 * sign in the order they are superseded (the one not superseded last), so the signer is the
 * first whose `supersededAt` is unset or still ahead.
 */
export function signingKeyAt<T extends Pick<SigningKey, "supersededAt">>(keys: readonly T[], nowMs: number): T {
  const ordered = inSigningOrder(keys);
  const signing = ordered.find((key) => key.supersededAt === null || key.supersededAt > nowMs) ?? ordered.at(-1);
  if (signing === undefined) throw new Error("no current signing key");
  return signing;
}

/** Keys in the order they sign: by the moment each stops, the one with no end last. */
export function inSigningOrder<T extends Pick<SigningKey, "supersededAt">>(keys: readonly T[]): T[] {
  return [...keys].sort(
    (a, b) => (a.supersededAt ?? Number.POSITIVE_INFINITY) - (b.supersededAt ?? Number.POSITIVE_INFINITY),
  );
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
