// `npm run bench`: every scenario against its baseline in the same run, alternating rounds,
// medians; writes bench/results/<date>.json, latest.json, chart.svg and docs/BENCHMARKS.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { renderChart } from "./chart.js";
import type { ScenarioContext } from "./context.js";
import { prepareDatabase } from "./database.js";
import { runProfile } from "./profile.js";
import {
  DOCS_SKELETON,
  RESULTS_MARKERS,
  renderResults,
  renderSizing,
  SIZING_MARKERS,
  updateMarkdownBlock,
} from "./report.js";
import type { BenchReport, ResultRow } from "./results.js";
import { runAuditCost } from "./scenarios/audit-cost.js";
import { runAuditQuery } from "./scenarios/audit-query.js";
import { runAuthenticatedRead } from "./scenarios/authenticated-read.js";
import { runFootprint } from "./scenarios/footprint.js";
import { runGrowth } from "./scenarios/growth.js";
import { runLogin } from "./scenarios/login.js";
import { runLoginFlood } from "./scenarios/login-flood.js";
import { runWebhookDrain } from "./scenarios/webhook-drain.js";
import { runWorkers } from "./scenarios/workers.js";
import { parseSettings, type Settings } from "./settings.js";

const SCENARIOS: ReadonlyArray<[number, string, (ctx: ScenarioContext) => Promise<ResultRow[]>]> = [
  [1, "authenticated read", runAuthenticatedRead],
  [2, "login", runLogin],
  [3, "reads during a login flood", runLoginFlood],
  [4, "growth", runGrowth],
  [5, "footprint", runFootprint],
  [6, "login with the audit log on vs off", runAuditCost],
  [7, "audit query on a large log", runAuditQuery],
  [8, "webhook outbox drain", runWebhookDrain],
  [9, "workers", runWorkers],
];

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<void> {
  const settings = parseSettings(argv);
  const command = ["npm run bench", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" ");
  if (settings.profile) {
    await runProfile(settings, command, log);
    return;
  }
  const started = performance.now();
  log(`bench: ${settings.mode} mode, ${settings.rounds} rounds × ${settings.seconds} s per side`);
  if (settings.bigUsers < 1_000_000) {
    log(
      `bench: scenario 4 uses ${settings.bigUsers.toLocaleString("en")} users, not 1,000,000 (quick mode skips the million-user database)`,
    );
  }
  const small = await prepareDatabase(settings.cacheDir, settings.smallUsers);
  const ctx: ScenarioContext = { settings, small, log };
  const rows: ResultRow[] = [];
  for (const [number, name, run] of SCENARIOS) {
    if (!settings.only.has(number)) continue;
    const t0 = performance.now();
    log(`bench: scenario ${number}, ${name}`);
    rows.push(...(await run(ctx)));
    log(`bench: scenario ${number} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const report = buildReport(settings, command, rows);
  writeResults(settings, report);
  log(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s; results in ${settings.outDir}`);
  for (const row of rows) {
    log(
      `  ${row.met ? "met   " : "MISSED"} ${row.scenario}: ${row.subject.value} ${row.subject.unit}` +
        (row.baseline === null ? "" : ` vs ${row.baseline.value} ${row.baseline.unit}, ratio ${row.ratio}`) +
        ` (goal ${row.goal.text})`,
    );
  }
}

function buildReport(settings: Settings, command: string, rows: ResultRow[]): BenchReport {
  const cpu = cpus();
  const notes: string[] = [];
  if (settings.bigUsers < 1_000_000) {
    notes.push(
      `Scenario 4 ran with ${settings.bigUsers.toLocaleString("en")} users instead of 1,000,000 (quick mode).`,
    );
  }
  return {
    date: new Date().toISOString(),
    command,
    mode: settings.mode,
    settings: {
      rounds: settings.rounds,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      bigUsers: settings.bigUsers,
      smallUsers: settings.smallUsers,
    },
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? "unknown",
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}, ${Math.round(freemem() / 2 ** 30)} GB free`,
    },
    rows,
    notes,
  };
}

function writeResults(settings: Settings, report: BenchReport): void {
  mkdirSync(settings.outDir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(settings.outDir, `${report.date.slice(0, 10)}.json`), json);
  writeFileSync(join(settings.outDir, "latest.json"), json);
  const chart = join(settings.outDir, "chart.svg");
  writeFileSync(chart, renderChart(report.rows, `Gatehouse benchmarks, ${report.date.slice(0, 10)} (${report.mode})`));
  if (settings.docsFile !== null) {
    const chartLink = relative(dirname(settings.docsFile), chart);
    updateMarkdownBlock(settings.docsFile, RESULTS_MARKERS, renderResults(report, chartLink), DOCS_SKELETON);
    const sizing = renderSizing(report, "m=19456 KiB, t=2, p=1 (OWASP), one hash thread per core up to 3");
    if (sizing !== null) updateMarkdownBlock(settings.docsFile, SIZING_MARKERS, sizing, DOCS_SKELETON);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
