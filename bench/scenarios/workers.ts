import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { startBareFastify } from "../bare.js";
import type { ScenarioContext } from "../context.js";
import { checkProfile, fetchToken, LOGIN_HEADERS, loginBody, startGatehouse } from "../gatehouse.js";
import { type LoadOptions, runLoad } from "../load.js";
import { GATEHOUSE_BIN } from "../paths.js";
import { readMemory, spawnNode, stopChild } from "../processes.js";
import { compareRow, plainSide, type ResultRow, throughputSide } from "../results.js";
import { alternate, startBoth } from "../rounds.js";

/**
 * Scenario 9, the sizing runs: `serve --workers N` for 1, 2 and auto (one per core):
 * authenticated reads against the bare Fastify route in as many cluster workers, logins with N
 * workers, and the resident memory of each server process after that load. On SQLite always;
 * on PostgreSQL too when `GATEHOUSE_BENCH_POSTGRES_URL` names a database for it (its `gatehouse`
 * schema gets the demo users). On a machine whose cores the load generator shares, more workers
 * can only help as far as cores are free.
 */
export async function runWorkers(ctx: ScenarioContext): Promise<ResultRow[]> {
  const databases: Array<{ kind: string; prefix: string; url: string }> = [
    { kind: "SQLite", prefix: "9", url: ctx.small.url },
  ];
  const postgres = process.env.GATEHOUSE_BENCH_POSTGRES_URL;
  if (postgres !== undefined && postgres !== "") {
    await runDemo(postgres);
    databases.push({ kind: "PostgreSQL", prefix: "9-pg", url: postgres });
  }
  const rows: ResultRow[] = [];
  for (const database of databases) rows.push(...(await runWorkerCounts(ctx, database)));
  return rows;
}

async function runWorkerCounts(
  ctx: ScenarioContext,
  database: { kind: string; prefix: string; url: string },
): Promise<ResultRow[]> {
  const { settings } = ctx;
  const rows: ResultRow[] = [];
  const counts = [...new Set(["1", "2", "auto"])];
  for (const workers of counts) {
    const label = workers === "auto" ? `auto (${availableParallelism()})` : workers;
    const [gatehouse, bare] = await startBoth(
      startGatehouse(database.url, [], `gatehouse-workers-${workers}`, {}, ["--workers", workers]),
      startBareFastify(workers),
    );
    try {
      const token = await fetchToken(gatehouse.url, "johndoe", "secret");
      await checkProfile(gatehouse.url, token);
      const auth = { authorization: `Bearer ${token}` };
      const read = (url: string, seconds: number): LoadOptions => ({
        url: `${url}/users/me`,
        headers: auth,
        connections: settings.readConnections,
        durationSeconds: seconds,
      });
      await runLoad(read(bare.url, settings.warmupSeconds));
      await runLoad(read(gatehouse.url, settings.warmupSeconds));
      const reads = await alternate(
        settings.rounds,
        () => runLoad(read(bare.url, settings.seconds)),
        () => runLoad(read(gatehouse.url, settings.seconds)),
      );
      const login = (seconds: number): LoadOptions => ({
        url: `${gatehouse.url}/token`,
        method: "POST",
        headers: LOGIN_HEADERS,
        body: loginBody("johndoe", "secret"),
        connections: settings.loginConnections,
        durationSeconds: seconds,
      });
      await runLoad(login(settings.warmupSeconds));
      const logins = [];
      for (let round = 0; round < settings.rounds; round++) logins.push(await runLoad(login(settings.seconds)));
      const memory = processMemory(gatehouse.pid);
      const subject = throughputSide(`Gatehouse GET /users/me, ${label} workers, ${database.kind}`, reads.subject);
      const baseline = throughputSide(`bare Fastify route, ${label} workers`, reads.baseline);
      const loginSide = throughputSide(`Gatehouse POST /token, ${label} workers, ${database.kind}`, logins);
      ctx.log(
        `  9 workers ${label}, ${database.kind}: reads ${subject.value} vs bare ${baseline.value} req/s; ` +
          `logins ${loginSide.value}/s; ${memory.processes} processes, ${memory.largestMb} MB the largest`,
      );
      const id = (what: string) => `${database.prefix}-${what}-${workers}`;
      const name = (what: string) =>
        `9. Workers ${label}${database.kind === "SQLite" ? "" : `, ${database.kind}`}: ${what}`;
      rows.push(
        compareRow(id("read"), name("authenticated read"), subject, baseline, {
          kind: "min",
          value: 0.9,
          text: "≥ 0.90 of bare with as many workers",
        }),
        // No goal of its own: the figure goes to the sizing table (above zero means it ran).
        compareRow(id("login"), name("login"), loginSide, null, {
          kind: "below",
          value: Number.MAX_SAFE_INTEGER,
          text: "reported, no goal",
        }),
        compareRow(
          id("rss"),
          name("memory of the largest process"),
          plainSide(`resident memory (VmRSS) after the load, largest of ${memory.processes} processes`, "MB", [
            memory.largestMb,
          ]),
          null,
          { kind: "below", value: 150, text: "< 150 MB per process" },
        ),
      );
    } finally {
      await Promise.all([gatehouse.stop(), bare.stop()]);
    }
  }
  return rows;
}

/** The server's processes (the primary and its workers) and the largest resident set among them. */
function processMemory(pid: number): { processes: number; largestMb: number } {
  const pids = [pid, ...childPids(pid)];
  const sizes = pids.map((each) => readMemory(each)?.rssMb ?? 0);
  return { processes: pids.length, largestMb: Math.round(Math.max(...sizes)) };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `gatehouse demo` on the PostgreSQL database: schema, key and the tutorial users. */
async function runDemo(url: string): Promise<void> {
  const child = spawnNode([GATEHOUSE_BIN, "demo", "--database", url]);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) {
    await stopChild(child);
    throw new Error(`gatehouse demo on GATEHOUSE_BENCH_POSTGRES_URL exited ${code}`);
  }
}
