import { readdirSync } from "node:fs";
import { setPriority } from "node:os";

// Nice value for helper threads: low enough that hashing yields the CPU to the event loop,
// which answers authenticated reads, without starving hashing on an idle machine.
const HELPER_THREAD_NICE = 10;

/**
 * Lowers the scheduling priority of this process's threads other than the main one: libuv's
 * thread pool (where argon2 and bcrypt hash), V8's helpers. Under a login flood the hashes
 * then wait for the event loop instead of the other way round (docs/BENCHMARKS.md measured
 * the read p99 under a flood go from 2.66× to 1.03× idle). Linux only (threads are
 * `/proc/self/task` entries there); elsewhere, or if the kernel refuses, it changes nothing.
 * Call it once the thread pool exists (after the first hash). Returns the threads changed.
 */
export function lowerHelperThreadPriority(): number {
  if (process.platform !== "linux") return 0;
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return 0;
  }
  let changed = 0;
  for (const tid of tids) {
    if (Number(tid) === process.pid) continue;
    try {
      setPriority(Number(tid), HELPER_THREAD_NICE);
      changed++;
    } catch {
      // A thread that ended meanwhile, or a kernel that refuses: leave it as it was.
    }
  }
  return changed;
}
