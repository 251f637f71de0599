import { availableParallelism } from "node:os";
import { GatehouseError } from "../errors.js";

/** Options for {@link createWorkQueue}. */
export interface WorkQueueOptions {
  /** Jobs that may run at once. */
  concurrency: number;
  /** Jobs that may wait for a slot; one more is refused with `overloaded`. */
  maxQueued: number;
  /** What `Retry-After` a refused caller is told, in seconds. */
  retryAfterSeconds?: number;
}

/**
 * Default bounds for password hashing: argon2 runs on libuv's 4-thread pool, so at most 3 at
 * once (fewer on smaller machines) leaves a thread for file and DNS work and keeps reads fast
 * during a login flood; 64 may wait, more are refused with 503 at once.
 */
export function defaultHashQueueOptions(): Required<WorkQueueOptions> {
  return { concurrency: Math.max(1, Math.min(3, availableParallelism())), maxQueued: 64, retryAfterSeconds: 1 };
}

/** Runs async jobs with bounded concurrency and a bounded wait list. */
export interface WorkQueue {
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Jobs running now. */
  readonly running: number;
  /** Jobs waiting for a slot. */
  readonly queued: number;
}

/**
 * A semaphore with a bounded queue: password hashing is the one expensive thing a login
 * does, so a login flood must wait in a short line or be refused at once (503), never
 * pile up memory or starve the event loop.
 */
export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError("concurrency must be a positive integer");
  }
  if (!Number.isInteger(options.maxQueued) || options.maxQueued < 0) {
    throw new RangeError("maxQueued must be a non-negative integer");
  }
  const waiting: Array<() => void> = [];
  let running = 0;

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  return {
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
    async run<T>(job: () => Promise<T>): Promise<T> {
      if (running < options.concurrency) {
        running++;
      } else if (waiting.length < options.maxQueued) {
        // The slot is handed over by release(), so `running` stays the same.
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        throw new GatehouseError("overloaded", "Too many logins in progress; try again shortly", {
          retryAfterSeconds: options.retryAfterSeconds ?? 1,
        });
      }
      try {
        return await job();
      } finally {
        release();
      }
    },
  };
}
