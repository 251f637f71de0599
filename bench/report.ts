import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { BenchReport, ResultRow, Side } from "./results.js";

/** Where generated blocks go in docs/BENCHMARKS.md; everything outside them is hand-written and kept. */
export const RESULTS_MARKERS = ["<!-- bench:results:start -->", "<!-- bench:results:end -->"] as const;
export const PROFILE_MARKERS = ["<!-- bench:profile:start -->", "<!-- bench:profile:end -->"] as const;
export const SIZING_MARKERS = ["<!-- bench:sizing:start -->", "<!-- bench:sizing:end -->"] as const;

/**
 * The sizing table from scenario 9's rows (reads, logins and memory per worker count and
 * database), or null when the run had none.
 */
export function renderSizing(report: BenchReport, argon2: string): string | null {
  const byId = new Map(report.rows.map((row) => [row.id, row]));
  const lines: string[] = [];
  for (const [prefix, kind] of [
    ["9", "SQLite"],
    ["9-pg", "PostgreSQL"],
  ] as const) {
    for (const workers of ["1", "2", "auto"]) {
      const read = byId.get(`${prefix}-read-${workers}`);
      const login = byId.get(`${prefix}-login-${workers}`);
      const rss = byId.get(`${prefix}-rss-${workers}`);
      if (read === undefined || login === undefined) continue;
      const label = read.scenario.replace(/^9\. Workers ([^:,]+).*$/, "$1");
      const bare = read.baseline === null ? "—" : number(read.baseline.value);
      const ratio = read.ratio === null ? "—" : `${read.ratio.toFixed(2)}×`;
      const memory = rss === undefined ? "—" : `${number(rss.subject.value)} MB`;
      lines.push(
        `| ${kind} | ${label} | ${number(read.subject.value)} | ${bare} | ${ratio} | ${number(login.subject.value)} | ${memory} |`,
      );
    }
  }
  if (lines.length === 0) return null;
  return [
    `Run of ${report.date} (${report.mode} mode, medians of ${report.settings.rounds} rounds of ${report.settings.seconds} s), with \`${report.command}\`, ` +
      `on ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}. Logins use argon2id ${argon2}; ` +
      "reads are `GET /users/me` with a valid token at 10 connections, logins `POST /token` at 4, and the load generator " +
      "shares the machine's cores with the server.",
    "",
    "| database | workers | reads/s | bare Fastify, same workers | ratio | logins/s | memory, largest process |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...lines,
  ].join("\n");
}

/** The results table, the chart and the machine note, as Markdown. */
export function renderResults(report: BenchReport, chartPath: string): string {
  const lines = [
    `Run of ${report.date} (${report.mode} mode: ${report.settings.rounds} alternating rounds of ${report.settings.seconds} s per side, medians), with:`,
    "",
    "```",
    report.command,
    "```",
    "",
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, Node ${report.machine.node}, ${report.machine.platform}. ` +
      "**Two shared, noisy cores: the ratios matter, the absolute numbers don't.** The server, the load generator " +
      "(autocannon, in the harness process) and the baseline process all share those two cores, as they would on a small VM.",
    "",
    "| Scenario | Subject | Baseline | Ratio | Goal | Met? |",
    "|---|---|---|---|---|---|",
    ...report.rows.map(tableLine),
    "",
    `![Benchmark ratios against their goals](${chartPath})`,
    "",
    "What each row compares (subject vs baseline), with every round's figure:",
    "",
    ...report.rows.flatMap(detailLines),
  ];
  if (report.notes.length > 0) lines.push("", ...report.notes.map((note) => `> ${note}`));
  return lines.join("\n");
}

function tableLine(row: ResultRow): string {
  const ratio = row.ratio === null ? "—" : `${row.ratio.toFixed(2)}×`;
  const baseline = row.baseline === null ? "—" : formatSide(row.baseline);
  return `| ${row.scenario} | ${formatSide(row.subject)} | ${baseline} | ${ratio} | ${row.goal.text} | ${row.met ? "yes" : "**no**"} |`;
}

function formatSide(side: Side): string {
  const latency =
    side.p50Ms !== undefined && side.unit === "req/s" ? ` (p50 ${ms(side.p50Ms)}, p99 ${ms(side.p99Ms ?? 0)})` : "";
  return `${number(side.value)} ${side.unit}${latency}`;
}

function detailLines(row: ResultRow): string[] {
  const side = (s: Side) =>
    `${s.label}: ${s.rounds.map(number).join(", ")} ${s.unit}${s.failures ? ` (${s.failures} non-2xx/errors)` : ""}`;
  return [
    `- **${row.scenario}** — ${side(row.subject)}${row.baseline === null ? "" : `; vs ${side(row.baseline)}`}.` +
      (row.note === undefined ? "" : ` ${row.note}.`),
  ];
}

function number(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en") : String(value);
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

/** Replaces the block between `markers` in a Markdown file, creating the file from `skeleton` when needed. */
export function updateMarkdownBlock(
  file: string,
  markers: readonly [string, string],
  content: string,
  skeleton: string,
): void {
  let text = existsSync(file) ? readFileSync(file, "utf8") : skeleton;
  if (!text.includes(markers[0]) || !text.includes(markers[1]))
    text = `${text.trimEnd()}\n\n${markers[0]}\n${markers[1]}\n`;
  const start = text.indexOf(markers[0]) + markers[0].length;
  const end = text.indexOf(markers[1]);
  writeFileSync(file, `${text.slice(0, start)}\n${content.trim()}\n${text.slice(end)}`);
}

/** The start of docs/BENCHMARKS.md when it does not exist yet. */
export const DOCS_SKELETON = `# Benchmarks

How fast Gatehouse is next to the ceilings that bound it: the bare framework for protected
reads, the password hash for logins. Regenerate with \`npm run bench\` (about 7 minutes);
\`npm run bench -- --quick\` is the 1-second smoke version.

## Results

${RESULTS_MARKERS[0]}
${RESULTS_MARKERS[1]}

## Profile of GET /users/me

${PROFILE_MARKERS[0]}
${PROFILE_MARKERS[1]}
`;
