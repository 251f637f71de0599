import { hash as argon2Hash } from "@node-rs/argon2";
import { hash as bcryptHash } from "@node-rs/bcrypt";
import { beforeAll, describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../../src/core/index.js";
import { checkImportedHash, validateImportedUser } from "../../../src/core/users/user-import.js";

// @node-rs/argon2's Algorithm values (a const enum, which verbatimModuleSyntax cannot import).
const ARGON2D = 0;
const ARGON2I = 1;
const ARGON2ID = 2;

// passlib's CryptContext(schemes=["bcrypt"]).hash("secret"), as in FastAPI's tutorial.
const BCRYPT_SECRET = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
// passlib's documented pbkdf2_sha256 example for "password".
const PBKDF2_PASSWORD = "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M";
const ARGON2_SALT = "c29tZXNhbHRzb21lc2FsdA";
const ARGON2_OUTPUT = "H7QRu+syON/E4uhlhRI9ZmwnkHDznVCdufyMCtqM4+g";
const KNOWN_SCOPES = new Set(["me", "admin"]);

describe("checkImportedHash", () => {
  it.each([
    ["passlib bcrypt $2b$", BCRYPT_SECRET, "bcrypt"],
    ["bcrypt $2a$", BCRYPT_SECRET.replace("$2b$", "$2a$"), "bcrypt"],
    ["bcrypt $2y$", BCRYPT_SECRET.replace("$2b$", "$2y$"), "bcrypt"],
    ["bcrypt at cost 04", BCRYPT_SECRET.replace("$12$", "$04$"), "bcrypt"],
    ["bcrypt at cost 14, the most a login may cost", BCRYPT_SECRET.replace("$12$", "$14$"), "bcrypt"],
    ["argon2id at 256 MiB and t=10", `$argon2id$v=19$m=262144,t=10,p=4$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "argon2id"],
    ["pbkdf2 at 10 million rounds", PBKDF2_PASSWORD.replace("$6400$", "$10000000$"), "pbkdf2-sha256"],
    ["passlib pbkdf2-sha256", PBKDF2_PASSWORD, "pbkdf2-sha256"],
    ["argon2id", `$argon2id$v=19$m=65536,t=3,p=4$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "argon2id"],
    ["argon2i", `$argon2i$v=19$m=512,t=2,p=2$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "argon2i"],
    ["argon2d", `$argon2d$v=19$m=1024,t=1,p=1$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "argon2d"],
  ])("accepts %s", (_, hash, scheme) => {
    expect(checkImportedHash(hash)).toEqual({ ok: true, scheme, hash });
  });

  it.each([
    ["an absent value", undefined, "hashed_password is missing"],
    ["null", null, "hashed_password is missing"],
    ["a number", 42, "hashed_password must be a string"],
    ["an empty string", "", "hashed_password is empty"],
    ["white space", "   ", "hashed_password is empty"],
    ["a plain-text password", "hunter2", "not a password hash (plain text?)"],
    ["a plain-text password with dollars", "pa$$word", "not a password hash (plain text?)"],
    ["an unsalted MD5 digest", "5f4dcc3b5aa765d61d8327deb882cf99", "unsalted hex digest"],
    ["an unsalted SHA-256 digest", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "hex digest"],
    ["md5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", "unsupported scheme ($1$)"],
    ["sha512-crypt", "$6$rounds=5000$saltsalt$abc", "unsupported scheme ($6$)"],
    ["passlib pbkdf2-sha512", "$pbkdf2-sha512$25000$c2FsdA$c3Vt", "unsupported scheme ($pbkdf2-sha512$)"],
    ["an old bcrypt variant", "$2x$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW", "old bcrypt variant"],
    ["a truncated bcrypt hash", BCRYPT_SECRET.slice(0, 40), "not a well-formed bcrypt hash"],
    ["bcrypt with a trailing newline", `${BCRYPT_SECRET}\n`, "not a well-formed bcrypt hash"],
    ["bcrypt at cost 03", BCRYPT_SECRET.replace("$12$", "$03$"), "bcrypt cost below 04"],
    ["bcrypt at cost 15", BCRYPT_SECRET.replace("$12$", "$15$"), "a bcrypt cost above 14"],
    ["bcrypt at cost 32", BCRYPT_SECRET.replace("$12$", "$32$"), "a bcrypt cost above 14"],
    ["argon2 without a version", `$argon2id$m=65536,t=3,p=4$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "other than v=19"],
    ["argon2 v=16", `$argon2id$v=16$m=65536,t=3,p=4$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "other than v=19"],
    ["argon2 without parameters", `$argon2id$v=19$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "not a well-formed argon2"],
    ["an unknown argon2 variant", `$argon2x$v=19$m=512,t=2,p=2$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "not a well-formed"],
    ["argon2 memory below 8·p", `$argon2id$v=19$m=8,t=1,p=2$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "memory cost"],
    ["argon2 memory of 4 GiB", `$argon2id$v=19$m=4194304,t=1,p=1$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "memory cost"],
    ["argon2 memory over 256 MiB", `$argon2id$v=19$m=262145,t=1,p=1$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "256 MiB"],
    ["argon2 time cost 11", `$argon2id$v=19$m=512,t=11,p=1$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "time cost above 10"],
    ["argon2 time cost 0", `$argon2id$v=19$m=512,t=0,p=1$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "time cost"],
    ["argon2 parallelism 0", `$argon2id$v=19$m=512,t=1,p=0$${ARGON2_SALT}$${ARGON2_OUTPUT}`, "parallelism"],
    ["an argon2 salt of 6 bytes", `$argon2id$v=19$m=512,t=1,p=1$c2FsdHNh$${ARGON2_OUTPUT}`, "salt shorter"],
    ["an argon2 output of 9 bytes", `$argon2id$v=19$m=512,t=1,p=1$${ARGON2_SALT}$YWJjZGVmZ2hp`, "output shorter"],
    ["pbkdf2 without a salt", "$pbkdf2-sha256$6400$$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M", "not a well-formed"],
    ["pbkdf2 with a short checksum", "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11A", "not a well-formed"],
    ["pbkdf2 with 0 rounds", PBKDF2_PASSWORD.replace("$6400$", "$0$"), "not a well-formed"],
    ["pbkdf2 over 10 million rounds", PBKDF2_PASSWORD.replace("$6400$", "$10000001$"), "more than 10000000"],
    ["a 600-character value", `$2b$12$${"a".repeat(600)}`, "too long"],
  ])("rejects %s with a reason", (_, hash, fragment) => {
    const check = checkImportedHash(hash);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toContain(fragment);
  });

  it("never quotes the value in its reason", () => {
    for (const value of ["hunter2", "5f4dcc3b5aa765d61d8327deb882cf99", `${BCRYPT_SECRET}x`, "$1$saltsalt$qjXMv"]) {
      const check = checkImportedHash(value);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).not.toContain(value.slice(4));
    }
  });

  describe("agrees with the password hasher", () => {
    const hasher = createPasswordHasher();
    const made: [string, string][] = [];
    beforeAll(async () => {
      const options = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
      made.push(
        ["argon2id", await argon2Hash("pw argon2id", { ...options, algorithm: ARGON2ID })],
        ["argon2i", await argon2Hash("pw argon2i", { ...options, algorithm: ARGON2I })],
        ["argon2d", await argon2Hash("pw argon2d", { ...options, algorithm: ARGON2D })],
        ["bcrypt", await bcryptHash("pw bcrypt", 4)],
      );
    });

    it("accepts hashes the hasher verifies, each as its own scheme", async () => {
      for (const [scheme, hash] of made) {
        expect(checkImportedHash(hash)).toEqual({ ok: true, scheme, hash });
        expect((await hasher.verify(`pw ${scheme}`, hash)).ok).toBe(true);
      }
    });
  });
});

describe("validateImportedUser", () => {
  const record = (fields: Record<string, unknown> = {}) => ({
    username: "johndoe",
    email: "johndoe@example.com",
    hashed_password: BCRYPT_SECRET,
    ...fields,
  });
  const validate = (fields: Record<string, unknown> = {}) => validateImportedUser(record(fields), KNOWN_SCOPES);

  it("keeps the hash as it is and fills in the defaults of users add", () => {
    expect(validate()).toEqual({
      ok: true,
      scheme: "bcrypt",
      user: {
        username: "johndoe",
        email: "johndoe@example.com",
        fullName: "",
        disabled: false,
        scopes: ["me"],
        passwordHash: BCRYPT_SECRET,
      },
    });
  });

  it.each([undefined, null, ""])("accepts a missing email (%j), as FastAPI's model allows, stored as none", (email) => {
    const check = validate({ email });
    expect(check.ok && check.user.email).toBe("");
  });

  it("normalises the username with NFKC, as users add does", () => {
    const check = validate({ username: "ｊｏｈｎ" });
    expect(check.ok && check.user.username).toBe("john");
  });

  it("takes the full name, and ignores fields it does not know", () => {
    const check = validate({ full_name: "John Doe", id: 7, created_at: "2024-01-01" });
    expect(check.ok && check.user.fullName).toBe("John Doe");
  });

  it.each([
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    ["True", true],
    ["False", false],
    ["true", true],
    ["false", false],
    ["1", true],
    ["0", false],
    ["", false],
    [null, false],
    [undefined, false],
  ])("reads disabled %j as %s", (disabled, expected) => {
    const check = validate({ disabled });
    expect(check.ok && check.user.disabled).toBe(expected);
  });

  it.each([
    [
      ["me", "admin"],
      ["me", "admin"],
    ],
    ["me admin", ["me", "admin"]],
    ["me,admin", ["me", "admin"]],
    ['["admin"]', ["admin"]],
    [[], []],
    ["[]", []],
    [["me", "me"], ["me"]],
    [undefined, ["me"]],
    [null, ["me"]],
    ["", ["me"]],
  ])("reads scopes %j as %j", (scopes, expected) => {
    const check = validate({ scopes });
    expect(check.ok && check.user.scopes).toEqual(expected);
  });

  it.each([
    ["a missing username", { username: undefined }, "username is missing", null],
    ["a numeric username", { username: 7 }, "username must be a string", null],
    ["a username with a control character", { username: "jo\u0007hn" }, "control or invisible", null],
    ["a username with outer spaces", { username: " john " }, "white space", null],
    ["a hash as the username", { username: BCRYPT_SECRET, hashed_password: "johndoe" }, "columns swapped", null],
    ["a missing hash", { hashed_password: undefined }, "hashed_password is missing", "johndoe"],
    ["a plain-text password", { hashed_password: "secret" }, "plain text", "johndoe"],
    ["an invalid email", { email: "not-an-address" }, "email must be a valid e-mail address", "johndoe"],
    ["a full name that is not a string", { full_name: 3 }, "full_name must be a string", "johndoe"],
    ["a full name with a newline", { full_name: "John\nDoe" }, "control characters", "johndoe"],
    ["disabled as yes", { disabled: "yes" }, "disabled must be", "johndoe"],
    ["disabled as 2", { disabled: 2 }, "disabled must be", "johndoe"],
    ["an unknown scope", { scopes: "me root" }, "unknown scope: root", "johndoe"],
    ["scopes as a number", { scopes: 5 }, "scopes must be", "johndoe"],
    ["scopes with a non-string", { scopes: ["me", 1] }, "scopes must be", "johndoe"],
    ["scopes as Python's str(list)", { scopes: "['me']" }, "double quotes", "johndoe"],
  ])("rejects %s with a reason", (_, fields, fragment, username) => {
    const check = validate(fields);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toContain(fragment);
    expect(check.username).toBe(username);
  });
});

describe("regression: a cost-31 bcrypt hash imported and would hold a thread for days (review finding 3)", () => {
  it("refuses a cost-31 bcrypt hash at import with the reason", () => {
    expect(checkImportedHash(BCRYPT_SECRET.replace("$12$", "$31$"))).toEqual({
      ok: false,
      reason: "hashed_password has a bcrypt cost above 14, which would let one login stall the server",
    });
  });
});
