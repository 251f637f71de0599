import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import { normalizeUsername } from "../users/user.js";
import type { PasswordHasher } from "./password-hasher.js";

/** Checks a username and password; resolves to the user or throws `invalid_grant`. */
export type Authenticate = (username: string, password: string) => Promise<StoredUser>;

/** What {@link createAuthenticate} needs. */
export interface AuthenticateOptions {
  store: GatehouseStore;
  hasher: PasswordHasher;
  clock: Clock;
}

/**
 * The seed's `authenticate_user`, in constant time: an unknown username costs a hash too, so
 * timing does not tell which usernames exist. Hashes of an older scheme or cost are upgraded
 * on a successful login.
 */
export function createAuthenticate({ store, hasher, clock }: AuthenticateOptions): Authenticate {
  return async (username, password) => {
    // A username no user could have (too long, control characters, mixed scripts) is just an
    // unknown user: same reply, same dummy hash, so the answer and its timing say nothing.
    const name = normalizeOrNull(username);
    const user = name === null ? null : await store.findUserByUsername(name);
    if (!user) {
      await hasher.verifyDummy(password);
      throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
    }
    const check = await hasher.verify(password, user.passwordHash);
    if (!check.ok) throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
    if (check.needsRehash) {
      // Imported bcrypt/pbkdf2 hashes (and old argon2 parameters) become current argon2id on login.
      const passwordHash = await hasher.hash(password);
      return (await store.updateUser(user.username, { passwordHash }, clock.now())) ?? user;
    }
    return user;
  };
}

function normalizeOrNull(username: string): string | null {
  try {
    return normalizeUsername(username);
  } catch {
    return null;
  }
}
