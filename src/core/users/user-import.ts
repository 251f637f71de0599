import { isGatehouseError } from "../errors.js";
import { excessiveHashCost } from "../passwords/hash-costs.js";
import type { NewUser } from "../store.js";
import { validateScopeList } from "../tokens/scopes.js";
import { type ProfileFields, profileFieldsOf } from "./profile.js";
import { normalizeNewUsername, validateEmail, validateFullName } from "./user.js";

/** The hash schemes an import may carry: those the password hasher verifies. */
export type ImportedHashScheme = "bcrypt" | "argon2id" | "argon2i" | "argon2d" | "pbkdf2-sha256";

/** The outcome of {@link checkImportedHash}: the scheme, or a reason that never quotes the hash. */
export type ImportedHashCheck = { ok: true; scheme: ImportedHashScheme; hash: string } | { ok: false; reason: string };

/** The outcome of {@link validateImportedUser}; `username` is set once the username passed. */
export type ImportedUserCheck =
  | { ok: true; user: NewUser; scheme: ImportedHashScheme }
  | { ok: false; reason: string; username: string | null };

/** Longer than any hash of an accepted scheme; more is not a hash. */
export const IMPORTED_HASH_MAX_LENGTH = 512;

/** The scopes of an imported user whose record names none, as `users add` gives. */
export const IMPORTED_DEFAULT_SCOPES: readonly string[] = ["me"];

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(id|i|d)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
// passlib's pbkdf2_sha256 always writes a 32-byte checksum (43 characters of its base64);
// a shorter one would still "verify", against far fewer bits.
const PBKDF2_SHA256 = /^\$pbkdf2-sha256\$([1-9]\d{0,9})\$([./A-Za-z0-9]+)\$([./A-Za-z0-9]{43})$/;
const ARGON2_MIN_SALT_BYTES = 8;
const ARGON2_MIN_OUTPUT_BYTES = 16;
const HEX_DIGEST = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/;
const SCHEME_TAG = /^\$([A-Za-z0-9-]{1,20})\$/;
const ACCEPTED = "only bcrypt, argon2 and pbkdf2-sha256 hashes are accepted";

/**
 * Checks that a `hashed_password` from an export is a well-formed bcrypt (`$2a$`/`$2b$`/`$2y$`),
 * argon2 (`$argon2id$`/`$argon2i$`/`$argon2d$`, v=19) or passlib `$pbkdf2-sha256$` hash.
 * Anything else (plain text, MD5, empty) is refused, so a password never gets stored as its own "hash".
 */
export function checkImportedHash(hash: unknown): ImportedHashCheck {
  if (hash === undefined || hash === null) return fail("hashed_password is missing");
  if (typeof hash !== "string") return fail("hashed_password must be a string");
  if (hash.trim() === "") return fail("hashed_password is empty");
  if (hash.length > IMPORTED_HASH_MAX_LENGTH) return fail(`hashed_password is too long to be a hash; ${ACCEPTED}`);
  const scheme = checkScheme(hash);
  if (!scheme.ok) return scheme;
  // The same bounds the hasher applies at every login: a hash past them could never log in.
  const excess = excessiveHashCost(hash);
  if (excess !== null) return fail(`hashed_password has ${excess}, which would let one login stall the server`);
  return { ok: true, scheme: scheme.value, hash };
}

/**
 * Validates one user record of an export (fields as a FastAPI/passlib app writes them) by the
 * rules `users add` applies, minus the password policy: there is no password, only its hash,
 * which is kept as it is.
 */
export function validateImportedUser(
  fields: Readonly<Record<string, unknown>>,
  knownScopes: ReadonlySet<string>,
): ImportedUserCheck {
  const username = readUsername(fields.username);
  if (!username.ok) return { ok: false, reason: username.reason, username: null };
  const rejected = (reason: string): ImportedUserCheck => ({ ok: false, reason, username: username.value });

  const hash = checkImportedHash(fields.hashed_password);
  if (!hash.ok) return rejected(hash.reason);
  const email = readEmail(fields.email);
  if (!email.ok) return rejected(email.reason);
  const fullName = readFullName(fields.full_name);
  if (!fullName.ok) return rejected(fullName.reason);
  const disabled = readDisabled(fields.disabled);
  if (!disabled.ok) return rejected(disabled.reason);
  const scopes = readScopes(fields.scopes, knownScopes);
  if (!scopes.ok) return rejected(scopes.reason);
  return {
    ok: true,
    scheme: hash.scheme,
    user: {
      username: username.value,
      email: email.value,
      fullName: fullName.value,
      disabled: disabled.value,
      scopes: scopes.value,
      passwordHash: hash.hash,
    },
  };
}

type Field<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Runs a core validator, turning its `validation_failed` error into a reason. */
function validated<T>(check: () => T): Field<T> {
  try {
    return { ok: true, value: check() };
  } catch (error) {
    if (isGatehouseError(error, "validation_failed")) return fail(error.message);
    throw error;
  }
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

function readUsername(value: unknown): Field<string> {
  if (isAbsent(value)) return fail("username is missing");
  if (typeof value !== "string") return fail("username must be a string");
  // Callers show accepted usernames in their notes: a hash there (columns swapped) must not be shown.
  if (checkScheme(value).ok) return fail("username is a password hash (are the columns swapped?)");
  return validated(() => normalizeNewUsername(value));
}

// FastAPI's tutorial model has `email: str | None = None`: a user without one is imported with
// the empty string, the store's "no e-mail" (such a user cannot be sent a reset link).
function readEmail(value: unknown): Field<string> {
  if (isAbsent(value)) return { ok: true, value: "" };
  if (typeof value !== "string") return fail("email must be a string");
  return validated(() => validateEmail(value));
}

function readFullName(value: unknown): Field<string> {
  if (value === undefined || value === null) return { ok: true, value: "" };
  if (typeof value !== "string") return fail("full_name must be a string");
  return validated(() => validateFullName(value));
}

// As Python writes them: json.dumps gives true/false, csv gives True/False, a database 1/0.
const TRUE_FLAGS = new Set<unknown>([true, 1, "1", "true", "True", "TRUE"]);
const FALSE_FLAGS = new Set<unknown>([false, 0, "0", "false", "False", "FALSE", "", null, undefined]);

function readDisabled(value: unknown): Field<boolean> {
  if (TRUE_FLAGS.has(value)) return { ok: true, value: true };
  if (FALSE_FLAGS.has(value)) return { ok: true, value: false };
  return fail("disabled must be true, false, 1 or 0");
}

const SCOPES_FORMAT = "scopes must be a JSON array of strings or a space-separated string";

function readScopes(value: unknown, knownScopes: ReadonlySet<string>): Field<string[]> {
  const names = scopeNames(value);
  if (!names.ok) return names;
  return validated(() => validateScopeList(names.value, knownScopes));
}

function scopeNames(value: unknown): Field<string[]> {
  if (isAbsent(value)) return { ok: true, value: [...IMPORTED_DEFAULT_SCOPES] };
  if (Array.isArray(value)) {
    return value.every((name) => typeof name === "string") ? { ok: true, value: value } : fail(SCOPES_FORMAT);
  }
  if (typeof value !== "string") return fail(SCOPES_FORMAT);
  if (value.trimStart().startsWith("[")) {
    // A CSV cell holding json.dumps(scopes); Python's str(list) uses single quotes and is not JSON.
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return fail(`${SCOPES_FORMAT} (a list must be JSON, with double quotes)`);
    }
    return Array.isArray(parsed) ? scopeNames(parsed) : fail(SCOPES_FORMAT);
  }
  return { ok: true, value: value.split(/[\s,]+/).filter((name) => name !== "") };
}

function checkScheme(hash: string): Field<ImportedHashScheme> {
  if (/^\$2[aby]\$/.test(hash)) return checkBcrypt(hash);
  if (hash.startsWith("$argon2")) return checkArgon2(hash);
  if (hash.startsWith("$pbkdf2-sha256$")) return checkPbkdf2(hash);
  return fail(describeUnsupported(hash));
}

function checkBcrypt(hash: string): Field<ImportedHashScheme> {
  const match = BCRYPT.exec(hash);
  if (!match) return fail("hashed_password is not a well-formed bcrypt hash (cost, then 53 characters)");
  const cost = Number(match[1]);
  if (cost < 4) return fail("hashed_password has a bcrypt cost below 04");
  return { ok: true, value: "bcrypt" };
}

function checkArgon2(hash: string): Field<ImportedHashScheme> {
  const match = ARGON2.exec(hash);
  if (!match) return fail("hashed_password is not a well-formed argon2 hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash)");
  const [, variant, version, m, t, p, salt, output] = match;
  if (version !== "19") return fail("hashed_password is an argon2 hash of a version other than v=19");
  const memory = Number(m);
  const time = Number(t);
  const parallelism = Number(p);
  if (parallelism < 1) return fail("hashed_password has an argon2 parallelism below 1");
  if (memory < 8 * parallelism) return fail("hashed_password has an argon2 memory cost below 8·p KiB");
  if (time < 1) return fail("hashed_password has an argon2 time cost below 1");
  if (base64Bytes(salt ?? "") < ARGON2_MIN_SALT_BYTES) {
    return fail(`hashed_password has an argon2 salt shorter than ${ARGON2_MIN_SALT_BYTES} bytes`);
  }
  if (base64Bytes(output ?? "") < ARGON2_MIN_OUTPUT_BYTES) {
    return fail(`hashed_password has an argon2 output shorter than ${ARGON2_MIN_OUTPUT_BYTES} bytes`);
  }
  return { ok: true, value: variant === "id" ? "argon2id" : variant === "i" ? "argon2i" : "argon2d" };
}

function checkPbkdf2(hash: string): Field<ImportedHashScheme> {
  const match = PBKDF2_SHA256.exec(hash);
  if (!match || base64Bytes(match[2] ?? "") <= 0) {
    return fail(
      "hashed_password is not a well-formed passlib pbkdf2-sha256 hash ($pbkdf2-sha256$rounds$salt$checksum)",
    );
  }
  return { ok: true, value: "pbkdf2-sha256" };
}

/** Bytes an unpadded base64 string decodes to; -1 for a length no encoder produces. */
function base64Bytes(text: string): number {
  if (text.length % 4 === 1) return -1;
  return Math.floor((text.length * 3) / 4);
}

/** Names what the value looks like, quoting at most a short scheme tag, never the value. */
function describeUnsupported(hash: string): string {
  if (HEX_DIGEST.test(hash))
    return `hashed_password is an unsalted hex digest (MD5/SHA), not a password hash; ${ACCEPTED}`;
  const tag = SCHEME_TAG.exec(hash)?.[1];
  if (tag !== undefined) {
    if (tag === "2" || tag === "2x") return `hashed_password is an old bcrypt variant ($${tag}$); ${ACCEPTED}`;
    return `hashed_password uses an unsupported scheme ($${tag}$); ${ACCEPTED}`;
  }
  return `hashed_password is not a password hash (plain text?); ${ACCEPTED}`;
}

/**
 * Adds an imported record's profile fields (its members that are no user field) to a user that
 * passed {@link validateImportedUser}, validated as the API validates them. Without profile
 * fields configured, other members are ignored as before. CSV values arrive as strings.
 */
export async function validateImportedProfile(
  check: ImportedUserCheck,
  fields: Readonly<Record<string, unknown>>,
  profile: ProfileFields | null,
): Promise<ImportedUserCheck> {
  if (!check.ok || profile === null) return check;
  try {
    return { ...check, user: { ...check.user, profile: await profile.validate(profileFieldsOf(fields)) } };
  } catch (error) {
    if (!isGatehouseError(error, "validation_failed")) throw error;
    const issues = error.issues ?? [{ path: [], message: error.message }];
    const reason = issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`);
    return { ok: false, reason: `profile ${reason.join("; ")}`, username: check.user.username };
  }
}
