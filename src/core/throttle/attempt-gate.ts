interface KeyState {
  /** Attempts past the check whose outcome is not recorded yet. */
  admitted: number;
  /** Attempts holding this state (checking, waiting or admitted); the state goes when none does. */
  holders: number;
  /** Bumped whenever an admitted attempt ends, so a check can tell its reading went stale. */
  settled: number;
  /** Attempts waiting for an admitted one to end. */
  waiters: Set<Waiter>;
}

interface Waiter {
  wake(): void;
  states: KeyState[];
}

/** One attempt's hold on the in-process state of its throttling keys. */
export interface GateHold {
  /** A mark to compare with {@link unchangedSince}: taken before reading the stored counters. */
  mark(): number[];
  /** True when no admitted attempt on these keys has ended since `mark`: the reading is current. */
  unchangedSince(mark: readonly number[]): boolean;
  /** Attempts admitted on key `index` other than this one. */
  othersAdmitted(index: number): number;
  /** Attempts waiting on key `index`. */
  waiting(index: number): number;
  /** Resolves when an admitted attempt on any of these key indexes ends. */
  settled(indexes: readonly number[]): Promise<void>;
  /** Marks this attempt admitted (synchronously, right after a current check). */
  admit(): void;
  /** Ends the attempt: wakes waiters if it was admitted, and drops the hold. Call once, after recording. */
  release(): void;
}

/**
 * In-process bookkeeping that makes the allowance exact under concurrency: an attempt counts
 * as a failure-to-be from admission until its outcome is recorded, and attempts that would
 * overrun the allowance wait for those outcomes instead of racing past the check. Memory is
 * bounded by the attempts in progress.
 */
export function createAttemptGate(): { hold(keys: readonly string[]): GateHold } {
  const states = new Map<string, KeyState>();

  return {
    hold(keys) {
      const held = keys.map((key) => {
        let state = states.get(key);
        if (state === undefined) {
          state = { admitted: 0, holders: 0, settled: 0, waiters: new Set() };
          states.set(key, state);
        }
        state.holders++;
        return state;
      });
      let admitted = false;
      let released = false;
      return {
        mark: () => held.map((state) => state.settled),
        unchangedSince: (mark) => held.every((state, index) => state.settled === mark[index]),
        othersAdmitted: (index) => (held[index]?.admitted ?? 0) - (admitted ? 1 : 0),
        waiting: (index) => held[index]?.waiters.size ?? 0,
        settled: (indexes) =>
          new Promise<void>((resolve) => {
            const states = indexes.map((index) => held[index] as KeyState);
            const waiter: Waiter = {
              states,
              wake() {
                for (const state of states) state.waiters.delete(waiter);
                resolve();
              },
            };
            for (const state of states) state.waiters.add(waiter);
          }),
        admit() {
          admitted = true;
          for (const state of held) state.admitted++;
        },
        release() {
          if (released) return;
          released = true;
          keys.forEach((key, index) => {
            const state = held[index] as KeyState;
            if (admitted) {
              state.admitted--;
              state.settled++;
              for (const waiter of [...state.waiters]) waiter.wake();
            }
            state.holders--;
            if (state.holders === 0) states.delete(key);
          });
        },
      };
    },
  };
}
