import { request } from "node:http";
import { BARE_FASTIFY } from "../bare.js";
import type { ScenarioContext } from "../context.js";
import { GATEHOUSE_BIN } from "../paths.js";
import { findFreePort, spawnNode, stopChild } from "../processes.js";
import { compareRow, plainSide, type ResultRow } from "../results.js";
import { alternate } from "../rounds.js";

const POLL_INTERVAL_MS = 2;
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * Scenario 5: milliseconds from spawning `gatehouse serve` to its first 200 on /healthz,
 * against the bare Fastify server spawned and polled the same way.
 */
export async function runFootprint(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const gatehouseArgs = (port: number) => [
    GATEHOUSE_BIN,
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--database",
    ctx.small.url,
  ];
  const bareArgs = (port: number) => [BARE_FASTIFY, "--port", String(port)];
  if (settings.mode === "full") {
    // One unmeasured start each warms the OS file cache.
    await timeStartup(gatehouseArgs);
    await timeStartup(bareArgs);
  }
  const runs = await alternate(
    settings.startupRounds,
    () => timeStartup(bareArgs),
    () => timeStartup(gatehouseArgs),
  );
  const subject = plainSide("gatehouse serve: spawn to first /healthz 200", "ms", runs.subject);
  const baseline = plainSide("bare Fastify: spawn to first /healthz 200", "ms", runs.baseline);
  ctx.log(`  5 startup: gatehouse ${subject.value} ms, bare ${baseline.value} ms`);
  return [
    compareRow("5-startup", "5. Footprint: startup", subject, baseline, { kind: "max", value: 2, text: "≤ 2× bare" }),
  ];
}

/** Spawns the server on a free port, polls /healthz until it answers 200, stops it. */
async function timeStartup(args: (port: number) => string[]): Promise<number> {
  const port = await findFreePort();
  const started = performance.now();
  const child = spawnNode(args(port));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  try {
    while (performance.now() - started < STARTUP_TIMEOUT_MS) {
      if ((await healthStatus(port)) === 200) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} during startup: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    throw new Error(`no /healthz 200 within ${STARTUP_TIMEOUT_MS} ms: ${stderr}`);
  } finally {
    await stopChild(child);
  }
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.end();
  });
}
