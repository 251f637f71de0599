import { type Clock, systemClock } from "../clock.js";
import { GatehouseError, isGatehouseError } from "../errors.js";
import { normalizeUsername, usernameKey } from "../users/user.js";
import { createAttemptGate, type GateHold } from "./attempt-gate.js";
import type { AttemptCounter, LoginAttemptStore, SharedLoginAttempts } from "./attempt-store.js";
import { throttleAddressKey } from "./client-address.js";
import { createMemoryAttemptStore } from "./memory-attempts.js";
import { penaltyMs, resolveThrottleLimits, type ThrottleLimits } from "./throttle-limits.js";

/** Everything login throttling can be configured with: the limits and where counters live. */
export interface ThrottleOptions extends ThrottleLimits {
  /** Failure counters; default an in-memory store. */
  failures: LoginAttemptStore;
  /** (username, address) pairs that logged in; apart from `failures` so a flood of failures cannot push them out. */
  knownLogins: LoginAttemptStore;
}

/** Options for {@link createLoginThrottle}: limits, counter stores, and a clock for tests. */
export interface LoginThrottleOptions extends Partial<ThrottleOptions> {
  /** The store's own shared counters, used for whichever of `failures`/`knownLogins` is not given. */
  shared?: SharedLoginAttempts | undefined;
  clock?: Clock;
}

/**
 * What a login does when the username is under attack (past its per-username limit) and the
 * address has never logged in as it: instead of refusing outright, the password is checked
 * (the per-address limits still apply first), and a correct one goes to {@link passed}, which
 * decides what more the user must show.
 */
export interface UnderAttackHandler<T> {
  /** Told, without waiting, that a new address met the username's limit. */
  noticed(): void;
  /** A correct password at a new address while under attack: return to go on, or throw (`throttled`). */
  passed(result: T, retryAfterSeconds: number): Promise<T>;
}

/** Brute-force protection for password logins. */
export interface LoginThrottle {
  readonly limits: ThrottleLimits;
  /**
   * Runs `authenticate` for this username and client address unless the attempt is
   * throttled, in which case it throws `throttled` (with `retryAfterSeconds`) without
   * calling it: a refused attempt costs no password hash. Counts a failed attempt.
   * With `options.underAttack`, an attempt blocked only by the per-username limit runs anyway and
   * a success goes to the handler (the address is then not remembered as known).
   */
  guard<T>(
    username: string,
    clientAddress: string,
    authenticate: () => Promise<T>,
    options?: GuardOptions<T>,
  ): Promise<T>;
  /** Remembers the address as one that logged in as the user (an unlock link does, as a login does). */
  rememberLogin(username: string, clientAddress: string): Promise<void>;
}

/** How {@link LoginThrottle.guard} treats a success. */
export interface GuardOptions<T> {
  /**
   * Whether this success completes a login, so the address becomes one the user logged in from;
   * default always. A correct password that a second factor must follow does not.
   */
  completesLogin?: (result: T) => boolean;
  /** What a correct password at a new address does while the username is under attack. */
  underAttack?: UnderAttackHandler<T>;
}

interface CountedKey {
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
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const limits = resolveThrottleLimits(options);
  // Where counters live, the one rule: counter stores named in the options win (Redis), then
  // the store's shared counters (PostgreSQL), then this process's memory.
  const failures = options.failures ?? options.shared?.failures ?? createMemoryAttemptStore();
  const knownLogins = options.knownLogins ?? options.shared?.knownLogins ?? createMemoryAttemptStore();
  const clock = options.clock ?? systemClock;
  const windowMs = limits.windowSeconds * 1000;
  const gate = createAttemptGate();

  const countedKeysOf = (username: string, clientAddress: string) => {
    const address = throttleAddressKey(clientAddress, limits.ipv6PrefixLength);
    const user = userKeyOf(username);
    const counted: CountedKey[] = [
      { key: `a|${address}`, allowance: limits.maxFailuresPerAddress, exemptIfKnown: false },
    ];
    if (user === null) return { counted, knownKey: null };
    counted.push(
      { key: `p|${user}|${address}`, allowance: limits.maxFailuresPerUserAndAddress, exemptIfKnown: false },
      { key: `u|${user}`, allowance: limits.maxFailuresPerUser, exemptIfKnown: true },
    );
    return { counted, knownKey: `k|${user}|${address}` };
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
  const admit = async (
    hold: GateHold,
    counted: readonly CountedKey[],
    knownKey: string | null,
    passUserLimit: boolean,
  ) => {
    const keys = counted.map((entry) => entry.key);
    for (;;) {
      const mark = hold.mark();
      const now = clock.now();
      const counters = await failures.get(keys, now);
      let known: boolean | undefined;
      let penalty = 0;
      // The per-username penalty at a new address, when the caller lets such an attempt go on.
      let userPenalty = 0;
      const crowded: number[] = [];
      for (const [index, entry] of counted.entries()) {
        const counter = counters[index] ?? null;
        const left = penaltyLeft(counter, entry.allowance, now);
        const others = hold.othersAdmitted(index);
        // Past a penalty one attempt at a time may go: its outcome sets the next penalty.
        if (left === 0 && (others === 0 || (counter?.count ?? 0) + others < entry.allowance)) continue;
        if (entry.exemptIfKnown && knownKey !== null) {
          known ??= (await knownLogins.get([knownKey], now))[0] !== null;
          if (known) continue;
          if (passUserLimit && left > 0) {
            userPenalty = Math.max(userPenalty, left);
            continue;
          }
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
        return { counters, userPenalty };
      }
      if (crowded.some((index) => hold.waiting(index) >= (counted[index]?.allowance ?? 0))) {
        throw new GatehouseError("overloaded", BUSY, { retryAfterSeconds: 1 });
      }
      await hold.settled(crowded);
    }
  };

  /** Marks the address known for the user and clears the pair's failures (a login, or an unlock link). */
  const remember = async (counted: readonly CountedKey[], knownKey: string) => {
    const at = clock.now();
    const pair = counted.find((entry) => entry.key.startsWith("p|"));
    await Promise.all([
      knownLogins.increment(knownKey, limits.rememberLoginSeconds * 1000, at),
      pair === undefined ? undefined : failures.delete([pair.key]),
    ]);
  };

  return {
    limits,
    async rememberLogin(username, clientAddress) {
      const { counted, knownKey } = countedKeysOf(username, clientAddress);
      if (knownKey !== null) await remember(counted, knownKey);
    },
    async guard<T>(
      username: string,
      clientAddress: string,
      authenticate: () => Promise<T>,
      options: GuardOptions<T> = {},
    ): Promise<T> {
      const { underAttack } = options;
      const { counted, knownKey } = countedKeysOf(username, clientAddress);
      const hold = gate.hold(counted.map((entry) => entry.key));
      try {
        const { counters, userPenalty } = await admit(hold, counted, knownKey, underAttack !== undefined);
        if (userPenalty > 0) underAttack?.noticed();
        let result: T;
        try {
          result = await authenticate();
        } catch (error) {
          if (isFailedLogin(error)) {
            const at = clock.now();
            await Promise.all(
              counted.map((entry, index) => {
                // The count this failure makes if every admitted attempt fails first: never too short a penalty.
                const expected = (counters[index]?.count ?? 0) + hold.othersAdmitted(index) + 1;
                return failures.increment(
                  entry.key,
                  windowMs + penaltyMs(expected, entry.allowance, limits),
                  at,
                  entry.allowance,
                );
              }),
            );
          }
          throw error;
        }
        // A password alone is not enough here: the handler decides, and the address stays new.
        if (userPenalty > 0 && underAttack !== undefined)
          return await underAttack.passed(result, Math.ceil(userPenalty / 1000));
        if (knownKey !== null && (options.completesLogin?.(result) ?? true)) await remember(counted, knownKey);
        return result;
      } finally {
        hold.release();
      }
    },
  };
}

/**
 * The failure counters of one user, as `gatehouse users unlock` clears them: the per-username
 * counter by key, and the per-(username, address) counters by prefix. `null` for a username
 * the policy refuses (it has none).
 */
export function userCounterKeys(username: string): { key: string; pairPrefix: string } | null {
  const user = userKeyOf(username);
  return user === null ? null : { key: `u|${user}`, pairPrefix: `p|${user}|` };
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
