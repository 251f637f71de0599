import { GatehouseError, MESSAGES } from "../errors.js";
import type { StoredUser } from "../store.js";
import type { LoginThrottle } from "../throttle/login-throttle.js";
import { countCharacters, PASSWORD_MAX_LENGTH } from "../users/user.js";
import type { Authenticate } from "./authenticate.js";

/** Where a password check came from: the throttle counts per account and per this address. */
export interface PasswordCheckContext {
  /** The client's network address as the server trusts it. */
  clientAddress: string;
}

/**
 * Checks a username and password through the login throttle; resolves to the user or throws
 * `invalid_grant` (wrong credentials), `throttled` (with `retryAfterSeconds`) or `overloaded`.
 */
export type CheckPassword = (username: string, password: string, context: PasswordCheckContext) => Promise<StoredUser>;

/** What {@link createCheckPassword} needs. */
export interface CheckPasswordOptions {
  authenticate: Authenticate;
  /** `null` when throttling is off. */
  throttle: LoginThrottle | null;
}

/**
 * The one guard in front of every password check (the password grant, a password change, any
 * re-authentication): the same throttle counters per (account, address), address and account,
 * so a guess counts the same wherever it is made, and a refused attempt costs no hash and no
 * queue slot. A password longer than any stored one could be fails as a wrong one, counted,
 * without a hash.
 */
export function createCheckPassword({ authenticate, throttle }: CheckPasswordOptions): CheckPassword {
  const check = (username: string, password: string) => {
    if (countCharacters(password) > PASSWORD_MAX_LENGTH) {
      return Promise.reject(new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword));
    }
    return authenticate(username, password);
  };
  if (throttle === null) return (username, password) => check(username, password);
  return (username, password, context) =>
    throttle.guard(username, context.clientAddress, () => check(username, password));
}
