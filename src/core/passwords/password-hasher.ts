import { pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { excessiveHashCost, HASH_COST_LIMITS } from "./hash-costs.js";
import { createWorkQueue, defaultHashQueueOptions, type WorkQueue, type WorkQueueOptions } from "./work-queue.js";

// The native addons load on first use, not at import: a server starts answering without waiting
// for them (argon2's took about 50 ms of start-up CPU), and bcrypt's loads only for imported hashes.
let argon2: Promise<typeof import("@node-rs/argon2")> | undefined;
let bcrypt: Promise<typeof import("@node-rs/bcrypt")> | undefined;
function loadArgon2(): Promise<typeof import("@node-rs/argon2")> {
  argon2 ??= import("@node-rs/argon2");
  return argon2;
}
function loadBcrypt(): Promise<typeof import("@node-rs/bcrypt")> {
  bcrypt ??= import("@node-rs/bcrypt");
  return bcrypt;
}
const argon2Hash = async (password: string, options: import("@node-rs/argon2").Options) =>
  (await loadArgon2()).hash(password, options);
const argon2Verify = async (hash: string, password: string) => (await loadArgon2()).verify(hash, password);
const bcryptVerify = async (password: string, hash: string) => (await loadBcrypt()).verify(password, hash);

/** argon2id parameters; the defaults are OWASP's (m=19 MiB, t=2, p=1). */
export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, argon2id, first recommended configuration. */
export const OWASP_ARGON2ID: Readonly<Argon2Parameters> = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** The result of checking a password against a stored hash. */
export interface PasswordCheck {
  ok: boolean;
  /** True when the hash is not argon2id with the current parameters and should be replaced. */
  needsRehash: boolean;
}

/** Options for {@link createPasswordHasher}. */
export interface PasswordHasherOptions {
  argon2?: Argon2Parameters;
  /** Bounds on concurrent hashing (load shedding); defaults: {@link defaultHashQueueOptions}. */
  queue?: Partial<WorkQueueOptions>;
}

/** Hashes new passwords with argon2id and verifies argon2, bcrypt and passlib pbkdf2 hashes. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, storedHash: string): Promise<PasswordCheck>;
  /** Spends the same time as verifying a real hash, then fails: for unknown usernames. */
  verifyDummy(password: string): Promise<PasswordCheck>;
  /** Prepares the dummy hash ahead of the first login, so the first unknown user costs no extra hash. */
  warmUp(): Promise<void>;
  /** True when the hash should be replaced by a fresh argon2id hash. */
  needsRehash(storedHash: string): boolean;
  readonly queue: WorkQueue;
}

const ARGON2ID_ALGORITHM = 2; // @node-rs/argon2's Algorithm.Argon2id (a const enum)

/**
 * Creates the password hasher. Hashing runs on libuv's thread pool (argon2, bcrypt, pbkdf2), never
 * on the event loop, and through a bounded queue.
 * @example
 * const hasher = createPasswordHasher();
 * const stored = await hasher.hash("correct horse battery staple");
 * (await hasher.verify("correct horse battery staple", stored)).ok; // true
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const params = checkArgon2Parameters(options.argon2 ?? OWASP_ARGON2ID);
  const argon2Options = { ...params, algorithm: ARGON2ID_ALGORITHM };
  const currentPrefix = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$`;
  const queue = createWorkQueue({ ...defaultHashQueueOptions(), ...options.queue });
  // A real hash of a random password: verifying against it costs what a real login costs. Made on
  // first need (servers call warmUp() at start) so one-shot CLI commands don't pay for it.
  let dummyHash: Promise<string> | undefined;
  const getDummyHash = () => {
    dummyHash ??= argon2Hash(randomBytes(24).toString("base64"), argon2Options);
    return dummyHash;
  };

  const needsRehash = (storedHash: string) => !storedHash.startsWith(currentPrefix);

  const verifyNow = async (password: string, storedHash: string): Promise<boolean> => {
    // A hash asking for more work than the limits allow fails before any of that work is done.
    if (excessiveHashCost(storedHash) !== null) return false;
    if (storedHash.startsWith("$argon2")) {
      return argon2Verify(storedHash, password).catch(() => false);
    }
    if (/^\$2[aby]\$\d\d\$/.test(storedHash)) {
      // Native bcrypt on libuv's thread pool, off the event loop (bcryptjs ran on it). Like
      // passlib and OpenBSD bcrypt, it uses only the first 72 bytes of the password.
      return bcryptVerify(password, storedHash).catch(() => false);
    }
    if (storedHash.startsWith("$pbkdf2-sha256$")) return verifyPasslibPbkdf2(password, storedHash);
    return false;
  };

  return {
    queue,
    needsRehash,
    warmUp: async () => {
      await getDummyHash();
    },
    hash: (password) => queue.run(() => argon2Hash(password, argon2Options)),
    verify: (password, storedHash) =>
      queue.run(async () => ({ ok: await verifyNow(password, storedHash), needsRehash: needsRehash(storedHash) })),
    verifyDummy: (password) =>
      queue.run(async () => {
        await verifyNow(password, await getDummyHash());
        return { ok: false, needsRehash: false };
      }),
  };
}

/** Refuses parameters whose own hashes would then fail verification as too costly. */
function checkArgon2Parameters(params: Argon2Parameters): Argon2Parameters {
  const { memoryCost, timeCost, parallelism } = params;
  const limits = HASH_COST_LIMITS;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > limits.argon2Parallelism)
    throw new TypeError(`argon2 parallelism must be a whole number from 1 to ${limits.argon2Parallelism}`);
  if (!Number.isInteger(memoryCost) || memoryCost < 8 * parallelism || memoryCost > limits.argon2MemoryKib)
    throw new TypeError(
      `argon2 memoryCost must be a whole number of KiB from 8·parallelism to ${limits.argon2MemoryKib}`,
    );
  if (!Number.isInteger(timeCost) || timeCost < 1 || timeCost > limits.argon2Time)
    throw new TypeError(`argon2 timeCost must be a whole number from 1 to ${limits.argon2Time}`);
  return params;
}

/** passlib's "adapted base64": standard alphabet with "." for "+", no padding. */
function decodeAb64(value: string): Buffer {
  return Buffer.from(value.replace(/\./g, "+"), "base64");
}

/** Verifies passlib's `$pbkdf2-sha256$ROUNDS$SALT$CHECKSUM`. */
function verifyPasslibPbkdf2(password: string, storedHash: string): Promise<boolean> {
  const parts = storedHash.split("$");
  const rounds = Number(parts[2]);
  const salt = parts[3];
  const checksum = parts[4];
  if (parts.length !== 5 || !Number.isInteger(rounds) || rounds < 1 || !salt || !checksum) {
    return Promise.resolve(false);
  }
  const expected = decodeAb64(checksum);
  if (expected.length === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    pbkdf2(password, decodeAb64(salt), rounds, expected.length, "sha256", (error, derived) => {
      resolve(!error && derived.length === expected.length && timingSafeEqual(derived, expected));
    });
  });
}
