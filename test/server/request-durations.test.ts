import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DurationHistogram } from "../../src/server/request-durations.js";

const BUCKETS = [0.001, 0.01, 0.1];
const OBSERVATIONS = [0.0005, 0.001, 0.002, 0.05, 0.1, 3];

describe("DurationHistogram", () => {
  it("exposes the same text as prom-client's Histogram for the same observations", async () => {
    const ours = new Registry();
    const series = new DurationHistogram("request_seconds", "Request time", BUCKETS, ours).series("GET /a", {
      route: "/a",
      method: "GET",
    });
    const theirs = new Registry();
    const reference = new Histogram({
      name: "request_seconds",
      help: "Request time",
      labelNames: ["route", "method"],
      buckets: BUCKETS,
      registers: [theirs],
    });
    for (const seconds of OBSERVATIONS) {
      series.observe(seconds);
      reference.observe({ route: "/a", method: "GET" }, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // Bounds are inclusive (le), the last bucket holds everything.
    expect(await ours.metrics()).toContain('request_seconds_bucket{le="0.001",route="/a",method="GET"} 2');
    expect(await ours.metrics()).toContain('request_seconds_bucket{le="+Inf",route="/a",method="GET"} 6');
  });

  it("keeps one series per key and forgets them on reset", async () => {
    const registry = new Registry();
    const histogram = new DurationHistogram("t", "t", BUCKETS, registry);
    expect(histogram.series("k", { route: "/a" })).toBe(histogram.series("k", { route: "/a" }));
    histogram.series("k", { route: "/a" }).observe(0.5);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain("t_count");
  });
});
