import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { resolveWorkerCount } from "../../../src/server/cluster/worker-count.js";

describe("resolveWorkerCount", () => {
  it("is 1 when unset, a number when given, and one per core for auto", () => {
    expect(resolveWorkerCount(undefined, "GATEHOUSE_WORKERS")).toBe(1);
    expect(resolveWorkerCount("", "GATEHOUSE_WORKERS")).toBe(1);
    expect(resolveWorkerCount("3", "--workers")).toBe(3);
    expect(resolveWorkerCount("auto", "--workers")).toBe(Math.min(availableParallelism(), 64));
  });

  it.each(["0", "-1", "1.5", "two", "65", " 2"])("refuses %j naming where it came from", (value) => {
    expect(() => resolveWorkerCount(value, "--workers")).toThrow(
      /^--workers must be a whole number from 1 to 64, or auto/,
    );
  });
});
