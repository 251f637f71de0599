import { throttleAddressKey } from "./client-address.js";
import { type Clock, systemClock } from "./clock.js";
import { GatehouseError, isGatehouseError } from "./errors.js";
import { createMemoryAttemptStore } from "./memory-attempts.js";
import { penaltyMs, resolveThrottleLimits, type ThrottleLimits } from "./throttle-limits.js";
import { normalizeUsername, usernameKey } from "./user.js";

/** A counter as a {@link LoginAttemptStore} keeps it. */
export interface AttemptCounter {
  count: number;
  /** Milliseconds since the epoch at which the counter is forgotten. */
  expiresAt: number;
}

/**
 * Where throttling counters live: memory for one process, a shared backend (Redis,
 * PostgreSQL) when several processes serve one database. Each method is one atomic step
 * (in Redis: `INCR` + `PEXPIRE … GT`; `MGET`; `DEL`).
 */
export interface LoginAttemptStore {
  /** Adds one to a counter (absent or expired counts as 0), keeps it until at least `now + ttlMs`, returns it. */
  increment(key: string, ttlMs: number, now: number): Promise<AttemptCounter>;
  /** The live counters of `keys`, `null` where absent or expired, in one round trip. */
  get(keys: readonly string[], now: number): Promise<Array<AttemptCounter | null>>;
  delete(keys: readonly string[]): Promise<void>;
}

/** Everything login throttling can be configured with: the limits and where counters live. */
export interface ThrottleOptions extends ThrottleLimits {
  /** Failure counters; default an in-memory store. */
  failures: LoginAttemptStore;
  /** (username, address) pairs that logged in; apart from `failures` so a flood of failures cannot push them out. */
  knownLogins: LoginAttemptStore;
}

/** Brute-force protection for password logins. */
export interface LoginThrottle {
  readonly limits: ThrottleLimits;
  /**
   * Runs `authenticate` for this username and client address unless the attempt is
   * throttled, in which case it throws `throttled` (with `retryAfterSeconds`) without
   * calling it: a refused attempt costs no password hash. Counts a failed attempt.
   */
  guard<T>(username: string, clientAddress: string, authenticate: () => Promise<T>): Promise<T>;
}

interface Subject {
  key: string;
  allowance: number;
  /** The per-username counter does not apply to addresses that logged in as that user. */
  exemptIfKnown: boolean;
}

const THROTTLED = "Too many failed login attempts; try again later";

/**
 * Creates the throttle with the contract's defaults (see {@link ThrottleLimits} for the formula).
 * @example
 * const throttle = createLoginThrottle({ maxFailuresPerUserAndAddress: 5 });
 * await throttle.guard("johndoe", "203.0.113.7", () => gatehouse.authenticate("johndoe", "secret"));
 */
export function createLoginThrottle(options: Partial<ThrottleOptions> & { clock?: Clock } = {}): LoginThrottle {
  const limits = resolveThrottleLimits(options);
  const failures = options.failures ?? createMemoryAttemptStore();
  const knownLogins = options.knownLogins ?? createMemoryAttemptStore();
  const clock = options.clock ?? systemClock;
  const windowMs = limits.windowSeconds * 1000;
  // Attempts of this process whose outcome is not known yet. Counted with the stored failures,
  // so a burst of concurrent guesses cannot all pass the check before any failure is recorded.
  const inFlight = new Map<string, number>();

  const subjectsOf = (username: string, clientAddress: string) => {
    const address = throttleAddressKey(clientAddress, limits.ipv6PrefixLength);
    const user = userKeyOf(username);
    const subjects: Subject[] = [
      { key: `a|${address}`, allowance: limits.maxFailuresPerAddress, exemptIfKnown: false },
    ];
    if (user === null) return { subjects, knownKey: null };
    subjects.push(
      { key: `p|${user}|${address}`, allowance: limits.maxFailuresPerUserAndAddress, exemptIfKnown: false },
      { key: `u|${user}`, allowance: limits.maxFailuresPerUser, exemptIfKnown: true },
    );
    return { subjects, knownKey: `k|${user}|${address}` };
  };

  /** Milliseconds this subject keeps a new attempt waiting; 0 when it may go ahead. */
  const waitMs = (counter: AttemptCounter | null, allowance: number, othersInFlight: number, now: number) => {
    const count = counter?.count ?? 0;
    if (count + othersInFlight < allowance) return 0;
    if (count >= allowance && counter !== null) {
      // The counter lives `window` past its penalty, so the penalty ends a window before it expires.
      const remaining = counter.expiresAt - windowMs - now;
      if (remaining > 0) return remaining;
    }
    // The allowance is taken up by attempts still running: ask to come back once they are decided.
    return othersInFlight > 0 ? 1000 : 0;
  };

  const reserve = (keys: readonly string[], delta: 1 | -1) => {
    for (const key of keys) {
      const next = (inFlight.get(key) ?? 0) + delta;
      if (next === 0) inFlight.delete(key);
      else inFlight.set(key, next);
    }
  };

  return {
    limits,
    async guard<T>(username: string, clientAddress: string, authenticate: () => Promise<T>): Promise<T> {
      const { subjects, knownKey } = subjectsOf(username, clientAddress);
      const keys = subjects.map((subject) => subject.key);
      // Reserve before reading: any failure not in the store yet is then still in `inFlight`.
      reserve(keys, 1);
      try {
        const now = clock.now();
        const counters = await failures.get(keys, now);
        let wait = 0;
        let exemptWait = 0;
        subjects.forEach((subject, index) => {
          const ms = waitMs(counters[index] ?? null, subject.allowance, (inFlight.get(subject.key) ?? 1) - 1, now);
          if (subject.exemptIfKnown) exemptWait = ms;
          else wait = Math.max(wait, ms);
        });
        if (exemptWait > 0 && knownKey !== null && (await knownLogins.get([knownKey], now))[0] === null) {
          wait = Math.max(wait, exemptWait);
        }
        if (wait > 0) {
          throw new GatehouseError("throttled", THROTTLED, { retryAfterSeconds: Math.ceil(wait / 1000) });
        }

        let result: T;
        try {
          result = await authenticate();
        } catch (error) {
          if (isFailedLogin(error)) {
            const at = clock.now();
            await Promise.all(
              subjects.map((subject, index) => {
                // The count this failure makes if every attempt still running fails first: never too short a penalty.
                const expected = (counters[index]?.count ?? 0) + (inFlight.get(subject.key) ?? 1);
                return failures.increment(subject.key, windowMs + penaltyMs(expected, subject.allowance, limits), at);
              }),
            );
          }
          throw error;
        }
        if (knownKey !== null) {
          const at = clock.now();
          const pair = subjects.find((subject) => subject.key.startsWith("p|"));
          await Promise.all([
            knownLogins.increment(knownKey, limits.rememberLoginSeconds * 1000, at),
            pair === undefined ? undefined : failures.delete([pair.key]),
          ]);
        }
        return result;
      } finally {
        reserve(keys, -1);
      }
    },
  };
}

/** The case-folded username failures are counted under; `null` for one the policy refuses (counted per address only). */
function userKeyOf(username: string): string | null {
  try {
    return usernameKey(normalizeUsername(username));
  } catch {
    return null;
  }
}

/** A wrong username or password, or a malformed username: what guessing looks like. */
function isFailedLogin(error: unknown): boolean {
  return isGatehouseError(error, "invalid_grant") || isGatehouseError(error, "invalid_request");
}
