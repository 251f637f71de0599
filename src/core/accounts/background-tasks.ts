/** Work a request starts but does not wait for (so its reply and timing cannot depend on it). */
export interface BackgroundTasks {
  /** Runs `task` later; never throws. When too much is pending, the task is dropped and reported. */
  run(task: () => Promise<void>): void;
  /** Resolves once every task started so far has ended. */
  idle(): Promise<void>;
}

/** Creates a bounded set of background tasks whose failures go to `onError`. */
export function createBackgroundTasks(onError: (error: unknown) => void, maxPending = 1000): BackgroundTasks {
  const pending = new Set<Promise<void>>();
  return {
    run(task) {
      if (pending.size >= maxPending) {
        onError(new Error("background work dropped: too much pending"));
        return;
      }
      // setImmediate: not even the first synchronous step runs in the request's turn.
      const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch(onError)
        .finally(() => pending.delete(done));
      pending.add(done);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
