import { createAttemptGate, type GateHold } from "./attempt-gate.js";
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
 * (in Redis: `INCR` + `PEXPIRE … GT`; `MGET`; `DEL`). Attempts still running are tracked in
 * each process, so with several processes a burst of concurrent guesses can overrun an
 * allowance by at most the attempts the other processes have running at that moment.
 */
export interface LoginAttemptStore {
  /** Adds one to a counter (absent or expired counts as 0), keeps it until at least `now + ttlMs`, returns it. */
  increment(key: string, ttlMs: number, now: number): Promise<AttemptCounter>;
  /** The live counters of `keys`, `null` where absent or expired, in one round trip. */
  get(keys: readonly string[], now: number): Promise<Array<AttemptCounter | null>>;
  /** Forgets counters (a login clears its pair's failures). */
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
const BUSY = "Too many logins in progress for this account or address; try again shortly";

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
  const gate = createAttemptGate();

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

  /** The rest of a counter's penalty in milliseconds; 0 when none is running. */
  const penaltyLeft = (counter: AttemptCounter | null, allowance: number, now: number) =>
    // The counter lives `window` past its penalty, so the penalty ends a window before it expires.
    counter !== null && counter.count >= allowance ? Math.max(0, counter.expiresAt - windowMs - now) : 0;

  /**
   * Waits until the attempt may run: throws `throttled` while a penalty runs, waits while
   * attempts already admitted could use up the allowance (or throws `overloaded` when as many
   * wait already, so a flood is shed, not queued), and returns the counters it read.
   */
  const admit = async (hold: GateHold, subjects: readonly Subject[], knownKey: string | null) => {
    const keys = subjects.map((subject) => subject.key);
    for (;;) {
      const mark = hold.mark();
      const now = clock.now();
      const counters = await failures.get(keys, now);
      let known: boolean | undefined;
      let penalty = 0;
      const crowded: number[] = [];
      for (const [index, subject] of subjects.entries()) {
        const counter = counters[index] ?? null;
        const left = penaltyLeft(counter, subject.allowance, now);
        const others = hold.othersAdmitted(index);
        // Past a penalty one attempt at a time may go: its outcome sets the next penalty.
        if (left === 0 && (others === 0 || (counter?.count ?? 0) + others < subject.allowance)) continue;
        if (subject.exemptIfKnown && knownKey !== null) {
          known ??= (await knownLogins.get([knownKey], now))[0] !== null;
          if (known) continue;
        }
        if (left > 0) penalty = Math.max(penalty, left);
        else crowded.push(index);
      }
      // An outcome recorded while we read makes the reading stale: read again.
      if (!hold.unchangedSince(mark)) continue;
      if (penalty > 0) {
        throw new GatehouseError("throttled", THROTTLED, { retryAfterSeconds: Math.ceil(penalty / 1000) });
      }
      if (crowded.length === 0) {
        hold.admit();
        return counters;
      }
      if (crowded.some((index) => hold.waiting(index) >= (subjects[index]?.allowance ?? 0))) {
        throw new GatehouseError("overloaded", BUSY, { retryAfterSeconds: 1 });
      }
      await hold.settled(crowded);
    }
  };

  return {
    limits,
    async guard<T>(username: string, clientAddress: string, authenticate: () => Promise<T>): Promise<T> {
      const { subjects, knownKey } = subjectsOf(username, clientAddress);
      const hold = gate.hold(subjects.map((subject) => subject.key));
      try {
        const counters = await admit(hold, subjects, knownKey);
        let result: T;
        try {
          result = await authenticate();
        } catch (error) {
          if (isFailedLogin(error)) {
            const at = clock.now();
            await Promise.all(
              subjects.map((subject, index) => {
                // The count this failure makes if every admitted attempt fails first: never too short a penalty.
                const expected = (counters[index]?.count ?? 0) + hold.othersAdmitted(index) + 1;
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
        hold.release();
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
