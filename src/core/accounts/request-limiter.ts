import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { LoginAttemptStore } from "../throttle/attempt-store.js";

/** A budget of requests per key (an address) within a window. */
export interface RequestBudget {
  /** Key prefix, such as `r` for registrations. */
  name: string;
  allowance: number;
  windowSeconds: number;
}

/** Per-address budgets for the account routes (registration, forgot-password, one-time tokens). */
export interface RequestLimiter {
  /** Counts one request; throws `throttled` (with `retryAfterSeconds`) past the allowance. */
  spend(budget: RequestBudget, key: string): Promise<void>;
  /** Throws `throttled` when the budget is used up, counting nothing. */
  check(budget: RequestBudget, key: string): Promise<void>;
  /** Counts a failure (a bad token) against the budget. */
  fail(budget: RequestBudget, key: string): Promise<void>;
}

const MESSAGE = "Too many requests from this address; try again later";

/**
 * Creates the limiter over a counter store: the throttle's shared counters (PostgreSQL, Redis)
 * when there are any, so every instance counts together, else this process's memory.
 */
export function createRequestLimiter(counters: LoginAttemptStore, clock: Clock): RequestLimiter {
  const keyOf = (budget: RequestBudget, key: string) => `${budget.name}|${key}`;
  const refuse = (expiresAt: number, now: number) =>
    new GatehouseError("throttled", MESSAGE, { retryAfterSeconds: Math.max(1, Math.ceil((expiresAt - now) / 1000)) });
  const check = async (budget: RequestBudget, key: string) => {
    const now = clock.now();
    const [counter] = await counters.get([keyOf(budget, key)], now);
    if (counter !== null && counter !== undefined && counter.count >= budget.allowance)
      throw refuse(counter.expiresAt, now);
  };
  const fail = async (budget: RequestBudget, key: string) => {
    await counters.increment(keyOf(budget, key), budget.windowSeconds * 1000, clock.now(), budget.allowance);
  };
  return {
    check,
    fail,
    async spend(budget, key) {
      await check(budget, key);
      await fail(budget, key);
    },
  };
}
