import type { NewUser, StoredUser } from "../core/store.js";

/**
 * The stored form of a user created at `now`: tokens issued before the creation never count
 * for it, so a user removed and created again under the same name gets none of the old tokens.
 */
export function storedUserFrom(user: NewUser, now: number): StoredUser {
  return {
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified ?? false,
    fullName: user.fullName,
    disabled: user.disabled,
    scopes: [...user.scopes],
    passwordHash: user.passwordHash,
    profile: structuredClone(user.profile ?? {}),
    tokensValidAfter: now,
    createdAt: now,
    updatedAt: now,
  };
}
