/**
 * The numbers of login throttling (POST /token). Failures are counted per
 * (username, address), per address and per username; each counter has an allowance.
 *
 * For a counter with allowance `L` that has seen `n` failures, the last at `t`:
 *
 *     penalty(n) = 0                                      when n < L
 *                = min(maxDelay, window × 2^(n − L))       when n ≥ L
 *
 * A new attempt is refused (429, `Retry-After` = the rest of the penalty in whole seconds)
 * while `now < t + penalty(n)`, and the counter is forgotten `window` after the penalty ends
 * with no new failure. With the defaults, ten wrong passwords in a row lock that pair out
 * for 15 minutes, the next failure for 30, then 1 h, 2 h … up to a day; a quiet window
 * after the penalty gives the full allowance back. So at most `L` failures fall in any
 * `window`, and a guesser who keeps going gets exponentially fewer tries.
 */
export interface ThrottleLimits {
  /** Seconds over which failures are counted, and the first penalty; default 900 (15 minutes). */
  windowSeconds: number;
  /** Failures for one username from one address; default 10. */
  maxFailuresPerUserAndAddress: number;
  /** Failures from one address over all usernames; default 30. */
  maxFailuresPerAddress: number;
  /** Failures for one username from all addresses; past it, only addresses that logged in as it may try. Default 100. */
  maxFailuresPerUser: number;
  /** Longest penalty, in seconds; default 86 400 (a day). */
  maxDelaySeconds: number;
  /** How long an address that logged in as a user stays exempt from that user's global limit; default 30 days. */
  rememberLoginSeconds: number;
  /** IPv6 addresses are counted by this prefix (one host often owns a /64); default 64. */
  ipv6PrefixLength: number;
}

/** The contract's defaults. */
export const DEFAULT_THROTTLE_LIMITS: Readonly<ThrottleLimits> = {
  windowSeconds: 15 * 60,
  maxFailuresPerUserAndAddress: 10,
  maxFailuresPerAddress: 30,
  maxFailuresPerUser: 100,
  maxDelaySeconds: 24 * 3600,
  rememberLoginSeconds: 30 * 24 * 3600,
  ipv6PrefixLength: 64,
};

const BOUNDS: Record<keyof ThrottleLimits, [number, number]> = {
  windowSeconds: [1, 7 * 24 * 3600],
  maxFailuresPerUserAndAddress: [1, 1_000_000],
  maxFailuresPerAddress: [1, 1_000_000],
  maxFailuresPerUser: [1, 1_000_000],
  maxDelaySeconds: [1, 366 * 24 * 3600],
  rememberLoginSeconds: [1, 366 * 24 * 3600],
  ipv6PrefixLength: [16, 128],
};

/**
 * Fills in the contract's defaults and checks every number.
 * @throws TypeError naming the bad setting.
 */
export function resolveThrottleLimits(partial: Partial<ThrottleLimits> = {}): ThrottleLimits {
  const limits = { ...DEFAULT_THROTTLE_LIMITS };
  for (const name of Object.keys(BOUNDS) as Array<keyof ThrottleLimits>) {
    const value = partial[name] ?? DEFAULT_THROTTLE_LIMITS[name];
    const [min, max] = BOUNDS[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new TypeError(`throttle ${name} must be a whole number from ${min} to ${max}`);
    }
    limits[name] = value;
  }
  if (limits.maxDelaySeconds < limits.windowSeconds) {
    throw new TypeError("throttle maxDelaySeconds must be at least windowSeconds");
  }
  return limits;
}

/** The penalty after `count` failures against an allowance, in milliseconds (see {@link ThrottleLimits}). */
export function penaltyMs(count: number, allowance: number, limits: ThrottleLimits): number {
  if (count < allowance) return 0;
  const windowMs = limits.windowSeconds * 1000;
  // 2 ** big is Infinity, which min() turns into the cap.
  return Math.min(limits.maxDelaySeconds * 1000, windowMs * 2 ** (count - allowance));
}
