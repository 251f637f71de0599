// The hash-bound limit of a login: the same number of concurrent argon2id verifications
// (OWASP parameters, @node-rs/argon2 on libuv's thread pool, as Gatehouse uses) called
// directly, with no HTTP, in a process of its own. Driven over IPC by the harness:
// it answers {type:"ready"}, then each {type:"run", seconds, concurrency} with a result.
import { hash, verify } from "@node-rs/argon2";
import { percentile, sortSamples } from "../stats.js";

/** A request from the harness. */
export interface LimitRequest {
  type: "run";
  seconds: number;
  concurrency: number;
}

/** What one run measured. */
export interface LimitResult {
  type: "result";
  verificationsPerSecond: number;
  verifications: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

const OWASP = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 } as const;
const PASSWORD = "secret";
const stored = await hash(PASSWORD, OWASP);

async function measure(seconds: number, concurrency: number): Promise<LimitResult> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      if (!(await verify(stored, PASSWORD))) throw new Error("argon2 verification failed");
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const sorted = sortSamples(latencies);
  return {
    type: "result",
    verificationsPerSecond: latencies.length / elapsed,
    verifications: latencies.length,
    seconds: elapsed,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

process.on("message", (message: LimitRequest) => {
  if (message.type !== "run") return;
  measure(message.seconds, message.concurrency).then(
    (result) => process.send?.(result),
    (error: unknown) => {
      process.stderr.write(`argon2-limit: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
process.on("disconnect", () => process.exit(0));
process.send?.({ type: "ready" });
