import { hash as bcryptHash } from "@node-rs/bcrypt";
import { describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../../src/core/index.js";

/** Runs `work` while a 1 ms timer chain measures how late each tick fires; returns the delays in ms. */
async function timerDelaysDuring(work: () => Promise<unknown>): Promise<number[]> {
  const delays: number[] = [];
  let running = true;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    delays.push(now - last - 1);
    last = now;
    if (running) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  await work();
  running = false;
  return delays.sort((a, b) => a - b);
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

describe("regression: bcrypt checks blocked the event loop (review finding 3)", () => {
  it("keeps timers firing while four cost-12 bcrypt verifications run", { timeout: 60_000 }, async () => {
    const hasher = createPasswordHasher();
    const stored = await bcryptHash("the right password", 12);
    const started = performance.now();
    expect((await hasher.verify("a wrong password", stored)).ok).toBe(false);
    const oneVerifyMs = performance.now() - started;

    const delays = await timerDelaysDuring(() =>
      Promise.all(Array.from({ length: 4 }, (_, i) => hasher.verify(`wrong password ${i}`, stored))),
    );
    // bcryptjs ran each verification on the event loop in 100 ms slices: nearly every tick
    // waited a slice. On the thread pool the loop stays free; the margins allow a busy machine.
    expect(delays.length).toBeGreaterThan(10);
    expect(quantile(delays, 0.5)).toBeLessThan(oneVerifyMs / 10);
    expect(quantile(delays, 1)).toBeLessThan(oneVerifyMs / 2);
  });
});
