import { inSigningOrder, signingKeyAt } from "./key-ring.js";
import type { SigningAlgorithm, SigningKey } from "./signing-keys.js";

/**
 * Where a key is in its life: `next` is published but does not sign yet, `current` signs,
 * `retiring` only verifies the tokens it signed until they have all expired.
 */
export type SigningKeyState = "next" | "current" | "retiring";

/** One signing key as `gatehouse keys list` shows it; times in ms since the epoch. */
export interface SigningKeyStatus {
  kid: string;
  algorithm: SigningAlgorithm;
  state: SigningKeyState;
  /** When it was added and published in the JWKS. */
  createdAt: number;
  /** When it signs (signed) its first token. */
  signsFrom: number;
  /** When it stops (stopped) signing; `null` while no newer key is there. */
  signsUntil: number | null;
  /** When it leaves the JWKS, its last token expired; `null` while it signs with no end set. */
  retiresAt: number | null;
}

/** The state of each key at `nowMs`, newest first. */
export function describeSigningKeys(
  keys: readonly SigningKey[],
  nowMs: number,
  retireAfterMs: number,
): SigningKeyStatus[] {
  const ordered = inSigningOrder(keys);
  const signing = ordered.length === 0 ? null : signingKeyAt(ordered, nowMs);
  return ordered
    .map((key, index): SigningKeyStatus => {
      const previous = ordered[index - 1];
      // A key takes over when its predecessor stops signing, never before it was published.
      const signsFrom = Math.max(key.createdAt, previous?.supersededAt ?? key.createdAt);
      const state: SigningKeyState =
        key === signing ? "current" : key.supersededAt !== null && key.supersededAt <= nowMs ? "retiring" : "next";
      return {
        kid: key.kid,
        algorithm: key.algorithm,
        state,
        createdAt: key.createdAt,
        signsFrom,
        signsUntil: key.supersededAt,
        retiresAt: key.supersededAt === null ? null : key.supersededAt + retireAfterMs,
      };
    })
    .reverse();
}
