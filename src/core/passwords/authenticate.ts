import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import { normalizeUsername } from "../users/user.js";
import type { PasswordHasher } from "./password-hasher.js";

/** Checks a username and password; resolves to the user or throws `invalid_grant`. */
export type Authenticate = (username: string, password: string) => Promise<StoredUser>;

/** The outcome of {@link CheckCredentials}: the user, or a failure and whether the username exists. */
export type CredentialCheck = { ok: true; user: StoredUser } | { ok: false; known: boolean };

/** As {@link Authenticate}, but a wrong username or password is an outcome, not an error. */
export type CheckCredentials = (username: string, password: string) => Promise<CredentialCheck>;

/** What {@link createAuthenticate} needs. */
export interface AuthenticateOptions {
  store: GatehouseStore;
  hasher: PasswordHasher;
  clock: Clock;
}

/**
 * The seed's `authenticate_user`, in constant time: an unknown username costs a hash too, so
 * timing does not tell which usernames exist. Hashes of an older scheme or cost are upgraded
 * on a successful login. A malformed username is `invalid_request`, refused before any work.
 */
export function createCheckCredentials({ store, hasher, clock }: AuthenticateOptions): CheckCredentials {
  return async (username, password) => {
    // A username no user could have (too long, control characters, mixed scripts) is just an
    // unknown user: same reply, same dummy hash, so the answer and its timing say nothing.
    const name = normalizeOrNull(username);
    const user = name === null ? null : await store.findUserByUsername(name);
    if (!user) {
      await hasher.verifyDummy(password);
      return { ok: false, known: false };
    }
    const check = await hasher.verify(password, user.passwordHash);
    if (!check.ok) return { ok: false, known: true };
    if (check.needsRehash) {
      // Imported bcrypt/pbkdf2 hashes (and old argon2 parameters) become current argon2id on login.
      const passwordHash = await hasher.hash(password);
      return { ok: true, user: (await store.updateUser(user.username, { passwordHash }, clock.now())) ?? user };
    }
    return { ok: true, user };
  };
}

/** The throwing form of {@link createCheckCredentials}: `invalid_grant` for a wrong username or password. */
export function createAuthenticate(options: AuthenticateOptions): Authenticate {
  const check = createCheckCredentials(options);
  return async (username, password) => {
    const result = await check(username, password);
    if (!result.ok) throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
    return result.user;
  };
}

function normalizeOrNull(username: string): string | null {
  try {
    return normalizeUsername(username);
  } catch {
    return null;
  }
}
