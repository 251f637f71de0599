import type { StoredUser } from "../store.js";
import type { TokenRequestContext } from "./token-request.js";

/**
 * The decision for a correct password at a new address while the username is under attack
 * (past its per-username limit): the password alone does not log in there. Resolves to the
 * user when the login may go on to another proof, or throws (`throttled`) when it may not.
 */
export type SecondProof = (
  user: StoredUser,
  context: TokenRequestContext,
  retryAfterSeconds: number,
) => Promise<StoredUser>;

/** What {@link createSecondProof} needs. */
export interface SecondProofOptions {
  /** Whether the user has a second factor the login can go on to (the grant then asks for it). */
  hasSecondFactor(user: StoredUser): boolean;
  /** Mails an unlock link when the user can get one, and refuses the login saying so. */
  refuseWithUnlockLink(user: StoredUser, context: TokenRequestContext, retryAfterSeconds: number): Promise<never>;
}

/**
 * Creates the under-attack decision. Every way in that lets the login continue comes first and
 * returns the user (the grant then asks for that proof); the unlock link is the fallback.
 */
export function createSecondProof({ hasSecondFactor, refuseWithUnlockLink }: SecondProofOptions): SecondProof {
  return async (user, context, retryAfterSeconds) => {
    // The password grant answers mfa_required as for any login with a second factor; the code
    // step lets this address through the username's limit (and then counts it as known).
    if (hasSecondFactor(user)) return user;
    return refuseWithUnlockLink(user, context, retryAfterSeconds);
  };
}
