import { readFileSync } from "node:fs";

/** The parts of a V8 `.cpuprofile` (as `node --cpu-prof` writes it) the summary reads. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Time spent in one function (self) or under it (total), in milliseconds. */
export interface FunctionTime {
  name: string;
  location: string;
  category: string;
  selfMs: number;
  totalMs: number;
}

/** What a profile says, summed by function and by category. */
export interface ProfileSummary {
  /** Sampled time with the thread busy (not idle), in ms. */
  busyMs: number;
  idleMs: number;
  functions: FunctionTime[];
  /** Self time per category (package, Gatehouse layer, Node internals, GC), busiest first. */
  categories: Array<{ category: string; selfMs: number }>;
}

/**
 * Reads a `.cpuprofile` and sums self and total time per function, counting only samples
 * taken at or after `fromUs` (V8's profile clock is CLOCK_MONOTONIC in µs, the clock of
 * `process.hrtime`, so the harness can cut off the server's startup and warm-up).
 */
export function summariseProfile(file: string, repoRoot: string, fromUs = 0): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  // timeDeltas[i] leads up to sample i; timeDeltas[i + 1] is the time sample i stands for.
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  });

  const functions = new Map<string, FunctionTime>();
  const keyOf = (id: number) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return "?";
    return `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
  };
  const entry = (id: number): FunctionTime => {
    const key = keyOf(id);
    let fn = functions.get(key);
    if (!fn) {
      const frame = byId.get(id)?.callFrame ?? { functionName: "?", url: "", lineNumber: 0 };
      fn = {
        name: frame.functionName || "(anonymous)",
        location: shortLocation(frame.url, frame.lineNumber, repoRoot),
        category: categorise(frame.functionName, frame.url, repoRoot),
        selfMs: 0,
        totalMs: 0,
      };
      functions.set(key, fn);
    }
    return fn;
  };

  // Total time counts a function once per stack, however often it recurses.
  const onStack = new Map<string, number>();
  const walk = (id: number): number => {
    const node = byId.get(id);
    if (!node) return 0;
    const fn = entry(id);
    const key = keyOf(id);
    fn.selfMs += self.get(id) ?? 0;
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    let total = self.get(id) ?? 0;
    for (const child of node.children ?? []) total += walk(child);
    const depth = (onStack.get(key) ?? 1) - 1;
    onStack.set(key, depth);
    if (depth === 0) fn.totalMs += total;
    return total;
  };
  const root = profile.nodes[0];
  if (root) walk(root.id);

  const all = [...functions.values()];
  const idleMs = all.filter((fn) => fn.name === "(idle)").reduce((sum, fn) => sum + fn.selfMs, 0);
  const busyMs = all.filter((fn) => fn.name !== "(idle)").reduce((sum, fn) => sum + fn.selfMs, 0);
  const categories = new Map<string, number>();
  for (const fn of all) {
    if (fn.name === "(idle)" || fn.name === "(root)") continue;
    categories.set(fn.category, (categories.get(fn.category) ?? 0) + fn.selfMs);
  }
  return {
    busyMs,
    idleMs,
    functions: all.filter((fn) => fn.name !== "(idle)" && fn.name !== "(root)"),
    categories: [...categories.entries()]
      .map(([category, selfMs]) => ({ category, selfMs }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** Which package or layer a frame belongs to. */
export function categorise(functionName: string, url: string, repoRoot: string): string {
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "V8/native (unattributed)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
  }
  if (url.startsWith("node:")) {
    const name = url.slice(5).replace(/^internal\//, "");
    return `node:${name.split("/")[0]?.replace(/\.js$/, "") ?? name}`;
  }
  const local = url.replace(/^file:\/\//, "");
  if (local.startsWith(`${repoRoot}/dist/`)) {
    const layer = local.slice(repoRoot.length + "/dist/".length).split("/")[0] ?? "";
    return layer === "bench" ? "bench server" : `gatehouse ${layer}`;
  }
  return url === "" ? "native (C++ builtins)" : "other";
}

function shortLocation(url: string, line: number, repoRoot: string): string {
  if (url === "") return "";
  const local = url.replace(/^file:\/\//, "");
  const modules = local.lastIndexOf("/node_modules/");
  const short =
    modules >= 0
      ? local.slice(modules + "/node_modules/".length)
      : local.startsWith(`${repoRoot}/`)
        ? local.slice(repoRoot.length + 1)
        : local;
  return `${short}:${line + 1}`;
}
