import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BARE_FASTIFY } from "./bare.js";
import { type ProfileSummary, summariseProfile } from "./cpu-profile.js";
import { prepareDatabase } from "./database.js";
import { checkProfile, fetchToken, startGatehouse } from "./gatehouse.js";
import { type LoadResult, runLoad } from "./load.js";
import { REPO_ROOT } from "./paths.js";
import { type ServerProcess, startServerProcess } from "./processes.js";
import { DOCS_SKELETON, PROFILE_MARKERS, updateMarkdownBlock } from "./report.js";
import { alternate, startBoth } from "./rounds.js";
import type { Settings } from "./settings.js";
import { median, round } from "./stats.js";

interface ProfiledServer {
  name: string;
  /** Requests answered over the measured rounds, their median rate, and their total seconds. */
  requests: number;
  requestsPerSecond: number;
  seconds: number;
  summary: ProfileSummary;
}

/**
 * `npm run bench -- --profile`: Gatehouse and the bare server, both under `node --cpu-prof`,
 * get scenario 1's load in alternating rounds (so bursts of foreign load hit both alike);
 * then each profile is summarised as CPU per request over its measured rounds only.
 */
export async function runProfile(settings: Settings, command: string, log: (line: string) => void): Promise<void> {
  const dir = join(settings.cacheDir, "profile");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const small = await prepareDatabase(settings.cacheDir, settings.smallUsers);
  const flags = (name: string) => ["--cpu-prof", "--cpu-prof-dir", join(dir, name)];
  const [gatehouse, bare] = await startBoth(
    startGatehouse(small.url, flags("gatehouse")),
    startServerProcess({ name: "bare-fastify", args: [...flags("bare"), BARE_FASTIFY, "--port", "0"] }),
  );
  let runs: { baseline: LoadResult[]; subject: LoadResult[] };
  let fromUs: number;
  try {
    const token = await fetchToken(gatehouse.url, "johndoe", "secret");
    await checkProfile(gatehouse.url, token);
    const load = (server: ServerProcess, headers: Record<string, string>, seconds: number) =>
      runLoad({
        url: `${server.url}/users/me`,
        headers,
        connections: settings.readConnections,
        durationSeconds: seconds,
      });
    const auth = { authorization: `Bearer ${token}` };
    await load(bare, {}, settings.warmupSeconds);
    await load(gatehouse, auth, settings.warmupSeconds);
    log(`profile: ${settings.rounds} alternating rounds of ${settings.seconds} s of GET /users/me per server`);
    // Startup and warm-up are left out of the profiles: only the measured rounds count.
    fromUs = Number(process.hrtime.bigint() / 1000n);
    runs = await alternate(
      settings.rounds,
      () => load(bare, {}, settings.seconds),
      () => load(gatehouse, auth, settings.seconds),
    );
  } finally {
    await Promise.all([gatehouse.stop(), bare.stop()]);
  }
  const subject = profiled("gatehouse", runs.subject, dir, fromUs);
  const baseline = profiled("bare", runs.baseline, dir, fromUs);

  const markdown = renderProfile(subject, baseline, command);
  mkdirSync(settings.outDir, { recursive: true });
  writeFileSync(join(settings.outDir, "profile.md"), `${markdown}\n`);
  writeFileSync(
    join(settings.outDir, "profile.json"),
    `${JSON.stringify({ date: new Date().toISOString(), command, subject: compact(subject), baseline: compact(baseline) }, null, 2)}\n`,
  );
  if (settings.docsFile !== null) updateMarkdownBlock(settings.docsFile, PROFILE_MARKERS, markdown, DOCS_SKELETON);
  log(markdown);
}

/** Reads one server's profile; the figures are per request over all its measured rounds. */
function profiled(name: string, rounds: LoadResult[], dir: string, fromUs: number): ProfiledServer {
  const file = readdirSync(join(dir, name)).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error(`${name} wrote no .cpuprofile (did it exit cleanly on SIGTERM?)`);
  return {
    name,
    requests: rounds.reduce((sum, r) => sum + r.ok, 0),
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    seconds: rounds.reduce((sum, r) => sum + r.seconds, 0),
    summary: summariseProfile(join(dir, name, file), REPO_ROOT, fromUs),
  };
}

/** The profile as Markdown: CPU per request by category for both servers, top functions of Gatehouse. */
export function renderProfile(subject: ProfiledServer, baseline: ProfiledServer, command: string): string {
  const perRequest = (p: ProfiledServer, ms: number) => (ms * 1000) / Math.max(1, p.requests);
  const categories = new Set([...subject.summary.categories, ...baseline.summary.categories].map((c) => c.category));
  const selfOf = (p: ProfiledServer, category: string) =>
    p.summary.categories.find((c) => c.category === category)?.selfMs ?? 0;
  const rows = [...categories]
    .map((category) => ({
      category,
      s: perRequest(subject, selfOf(subject, category)),
      b: perRequest(baseline, selfOf(baseline, category)),
    }))
    .filter((row) => row.s >= 0.5 || row.b >= 0.5)
    .sort((x, y) => y.s - x.s);
  const busy = (p: ProfiledServer) => perRequest(p, p.summary.busyMs);
  const top = [...subject.summary.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, 20);
  const ours = subject.summary.functions
    .filter((fn) => /^gatehouse |^fast-jwt$|^better-sqlite3$/.test(fn.category))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, 12);
  const pct = (ms: number) => `${((100 * ms) / subject.summary.busyMs).toFixed(1)} %`;
  return [
    `Made with \`${command}\`: ${subject.seconds.toFixed(0)} s of scenario 1's load per server in alternating rounds, both under \`node --cpu-prof\` ` +
      `(Gatehouse ${Math.round(subject.requestsPerSecond).toLocaleString("en")} req/s, bare ${Math.round(baseline.requestsPerSecond).toLocaleString("en")} req/s while profiled). ` +
      "Main-thread time per request as V8's sampler sees it (busy, not idle; a preempted thread counts too), by where it is spent (self time, µs/request):",
    "",
    "| Where | Gatehouse | Bare Fastify |",
    "|---|---:|---:|",
    ...rows.map((row) => `| ${row.category} | ${row.s.toFixed(1)} | ${row.b.toFixed(1)} |`),
    `| **all busy time** | **${busy(subject).toFixed(1)}** | **${busy(baseline).toFixed(1)}** |`,
    "",
    "Top self-time functions in Gatehouse:",
    "",
    "| Function | Where | Category | Self | Total |",
    "|---|---|---|---:|---:|",
    ...top.map((fn) => `| \`${fn.name}\` | ${fn.location} | ${fn.category} | ${pct(fn.selfMs)} | ${pct(fn.totalMs)} |`),
    "",
    "Gatehouse, fast-jwt and better-sqlite3 frames by total (inclusive) time:",
    "",
    "| Function | Where | Self | Total |",
    "|---|---|---:|---:|",
    ...ours.map((fn) => `| \`${fn.name}\` | ${fn.location} | ${pct(fn.selfMs)} | ${pct(fn.totalMs)} |`),
  ].join("\n");
}

function compact(p: ProfiledServer) {
  return {
    requestsPerSecond: round(p.requestsPerSecond),
    requests: p.requests,
    busyMs: round(p.summary.busyMs),
    idleMs: round(p.summary.idleMs),
    categories: p.summary.categories.map((c) => ({ ...c, selfMs: round(c.selfMs) })),
    topSelf: [...p.summary.functions]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, 40)
      .map((fn) => ({ ...fn, selfMs: round(fn.selfMs), totalMs: round(fn.totalMs) })),
  };
}
