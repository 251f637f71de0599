import { GatehouseError } from "../errors.js";
import type { StoredUser } from "../store.js";

/** Most characters a username may have after NFKC normalisation. */
export const USERNAME_MAX_LENGTH = 64;
/** Password length bounds of the policy, in characters. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;
/** RFC 5321 limits a forward path to 256 octets, so an address is at most 254. */
export const EMAIL_MAX_LENGTH = 254;
export const FULL_NAME_MAX_LENGTH = 256;

/** The user as clients see it: the seed's pydantic model without `hashed_password`, plus its profile fields. */
export interface PublicUser {
  username: string;
  email: string;
  email_verified: boolean;
  full_name: string;
  disabled: boolean;
  scopes: string[];
  /** Whether the user has a confirmed second factor. */
  mfa_enabled: boolean;
  /** The profile fields (see `profile` in the options), beside the built-in ones. */
  [field: string]: unknown;
}

/** A user as the library hands it out: everything the store keeps but the password hash. */
export type UserRecord = Omit<StoredUser, "passwordHash">;

/** The user without its password hash, for anything that leaves the core. */
export function withoutPasswordHash(user: StoredUser): UserRecord {
  const { passwordHash: _hash, ...record } = user;
  return record;
}

/** Strips everything private from a stored user: the wire format of `/users/me`. */
export function toPublicUser(user: UserRecord): PublicUser {
  return {
    // First, so a built-in field always wins (profile schemas may not name one anyway).
    ...user.profile,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    full_name: user.fullName,
    disabled: user.disabled,
    scopes: [...user.scopes],
    mfa_enabled: user.mfaEnabled ?? false,
  };
}

// Control, format, surrogate, private-use and unassigned code points, and line/paragraph
// separators: invisible or ambiguous in a username, a classic impersonation trick.
const FORBIDDEN_USERNAME_CHARS = /[\p{C}\p{Zl}\p{Zp}]/u;

/**
 * Normalises a username as given by a client (NFKC) and checks it against the policy.
 * @throws GatehouseError `validation_failed` with a reason safe to show.
 */
export function normalizeUsername(raw: string): string {
  if (raw.length > USERNAME_MAX_LENGTH * 4) {
    throw new GatehouseError("validation_failed", `username must be at most ${USERNAME_MAX_LENGTH} characters`, {
      field: "username",
    });
  }
  const username = raw.normalize("NFKC");
  const length = countCharacters(username);
  if (length === 0) throw new GatehouseError("validation_failed", "username must not be empty", { field: "username" });
  if (length > USERNAME_MAX_LENGTH) {
    throw new GatehouseError("validation_failed", `username must be at most ${USERNAME_MAX_LENGTH} characters`, {
      field: "username",
    });
  }
  if (FORBIDDEN_USERNAME_CHARS.test(username)) {
    throw new GatehouseError("validation_failed", "username must not contain control or invisible characters", {
      field: "username",
    });
  }
  if (!isSingleScript(username)) {
    throw new GatehouseError(
      "validation_failed",
      "username must not mix writing systems (such as Latin and Cyrillic)",
      {
        field: "username",
      },
    );
  }
  if (username.trim() !== username) {
    throw new GatehouseError("validation_failed", "username must not start or end with white space", {
      field: "username",
    });
  }
  return username;
}

/**
 * Names no new account may take, compared as usernames are (NFKC, case-folded): `/users/me` is
 * always the caller, so a user named `me` (or `ME`, or fullwidth `ｍｅ`) could never be read or
 * changed through the admin API.
 */
export const RESERVED_USERNAMES: readonly string[] = ["me"];

/**
 * {@link normalizeUsername} for a new account (API, CLI, import): also refuses reserved names.
 * Lookups keep using `normalizeUsername`, so an account made before the reservation stays reachable.
 * @throws GatehouseError `validation_failed` with field `username`.
 */
export function normalizeNewUsername(raw: string): string {
  const username = normalizeUsername(raw);
  const key = usernameKey(username);
  const reserved = RESERVED_USERNAMES.find((name) => usernameKey(name) === key);
  if (reserved !== undefined) {
    throw new GatehouseError(
      "validation_failed",
      `username "${reserved}" is reserved (/users/${reserved} is the caller)`,
      {
        field: "username",
      },
    );
  }
  return username;
}

// Scripts whose letters look alike across systems ("о" Cyrillic, "o" Latin, "ο" Greek).
const SCRIPTS = [
  "Latin",
  "Greek",
  "Cyrillic",
  "Armenian",
  "Georgian",
  "Hebrew",
  "Arabic",
  "Devanagari",
  "Bengali",
  "Gurmukhi",
  "Gujarati",
  "Tamil",
  "Telugu",
  "Kannada",
  "Malayalam",
  "Sinhala",
  "Thai",
  "Lao",
  "Tibetan",
  "Myanmar",
  "Khmer",
  "Ethiopic",
  "Cherokee",
  "Mongolian",
  "Hangul",
  "Han",
  "Hiragana",
  "Katakana",
  "Bopomofo",
].map((name) => ({ name, pattern: new RegExp(`\\p{Script=${name}}`, "u") }));
// UTS #39 §5.2 "Highly Restrictive": one script, or Latin with the scripts a CJK language mixes.
const ALLOWED_MIXES = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Hangul"]),
  new Set(["Latin", "Han", "Bopomofo"]),
];

/**
 * True when the username's letters come from one writing system (or an accepted CJK mix), so
 * "jоhndoe" with a Cyrillic "о" cannot pass for "johndoe".
 */
function isSingleScript(username: string): boolean {
  if (/^[\x20-\x7e]*$/.test(username)) return true;
  const scripts = new Set<string>();
  for (const char of username) {
    if (!/\p{L}/u.test(char)) continue;
    scripts.add(SCRIPTS.find((script) => script.pattern.test(char))?.name ?? `other:${char}`);
  }
  if (scripts.size <= 1) return true;
  return ALLOWED_MIXES.some((mix) => [...scripts].every((name) => mix.has(name)));
}

/**
 * The key under which usernames are compared: NFKC plus full case folding
 * (upper- then lower-casing folds "ß" and "SS" together), so "JohnDoe" is "johndoe".
 */
export function usernameKey(username: string): string {
  return username.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}

// WHATWG HTML's definition of a valid e-mail address: what browsers accept in <input type=email>.
const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** Checks an e-mail address and returns it unchanged. */
export function validateEmail(email: string): string {
  if (email.length > EMAIL_MAX_LENGTH || !EMAIL_PATTERN.test(email)) {
    throw new GatehouseError("validation_failed", "email must be a valid e-mail address", { field: "email" });
  }
  return email;
}

/** Checks a full name: bounded, no control characters. */
export function validateFullName(fullName: string): string {
  if (countCharacters(fullName) > FULL_NAME_MAX_LENGTH) {
    throw new GatehouseError("validation_failed", `full_name must be at most ${FULL_NAME_MAX_LENGTH} characters`, {
      field: "full_name",
    });
  }
  if (/\p{Cc}/u.test(fullName)) {
    throw new GatehouseError("validation_failed", "full_name must not contain control characters", {
      field: "full_name",
    });
  }
  return fullName;
}

/** Checks a new password against the policy (length only, as NIST SP 800-63B advises). */
export function validateNewPassword(password: string): string {
  const length = countCharacters(password);
  if (length < PASSWORD_MIN_LENGTH) {
    throw new GatehouseError("validation_failed", `password must be at least ${PASSWORD_MIN_LENGTH} characters`, {
      field: "password",
    });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new GatehouseError("validation_failed", `password must be at most ${PASSWORD_MAX_LENGTH} characters`, {
      field: "password",
    });
  }
  return password;
}

/** Counts code points, not UTF-16 units, so an emoji is one character. */
export function countCharacters(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
