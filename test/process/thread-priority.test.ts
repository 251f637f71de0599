import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfStale, type ServerProcess, startServerProcess } from "./server-process.js";

/** The nice value of each thread of `pid`, from /proc (field 19 of a task's stat). */
function niceByThread(pid: number): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      nice.set(Number(tid), Number(fields[16]));
    } catch {
      // The thread ended while we looked.
    }
  }
  return nice;
}

describe.skipIf(process.platform !== "linux")("hashing threads yield to the event loop", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    await buildIfStale();
    server = await startServerProcess(["--database", "memory:"]);
  }, 60_000);
  afterAll(() => server?.stop());

  it("runs every thread but the main one at nice 10 once the thread pool exists", async () => {
    const pid = server.child.pid as number;
    const deadline = Date.now() + 15_000;
    let nice = niceByThread(pid);
    const helpersLowered = () => [...nice].filter(([tid]) => tid !== pid).every(([, value]) => value === 10);
    while (Date.now() < deadline && !helpersLowered()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      nice = niceByThread(pid);
    }
    expect(nice.get(pid)).toBe(0);
    // libuv's four pool threads at least, besides V8's.
    expect([...nice.keys()].filter((tid) => tid !== pid).length).toBeGreaterThanOrEqual(4);
    expect(helpersLowered()).toBe(true);
  });
});
