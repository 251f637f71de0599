import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchReport } from "../../bench/results.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "gatehouse-bench-smoke-"));

/** Runs the compiled harness and passes its progress lines through, so the test log shows them. */
function runHarness(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "dist", "bench", "run.js"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      process.stderr.write(chunk);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

afterAll(() => rmSync(out, { recursive: true, force: true }));

// Timing belongs to `npm run bench`; this only keeps the harness working (no timing assertions).
describe("benchmark harness (quick mode, one 1-second round per side)", () => {
  it("runs every scenario and writes numbers above zero to its JSON file", { timeout: 300_000 }, async () => {
    execFileSync(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "bench/tsconfig.json"],
      {
        cwd: root,
        stdio: "inherit",
      },
    );
    const run = await runHarness([
      "--quick",
      "--rounds",
      "1",
      "--out",
      out,
      "--cache",
      join(out, "cache"),
      "--no-docs",
    ]);
    expect(run.code, run.output).toBe(0);
    // Quick mode must say that it skipped the million-user database.
    expect(run.output).toContain("uses 20,000 users, not 1,000,000");

    const report = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as BenchReport;
    expect(readdirSync(out).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))).toHaveLength(1);
    expect(report.rows.map((row) => row.id)).toEqual([
      "1-read",
      "2-login",
      "3-flood-p99",
      "3-peak-rss",
      "4-growth-read",
      "4-growth-login",
      "5-startup",
      "6-audit-login",
      "7-audit-query",
      "8-webhook-drain",
      "9-read-1",
      "9-login-1",
      "9-rss-1",
      "9-read-2",
      "9-login-2",
      "9-rss-2",
      "9-read-auto",
      "9-login-auto",
      "9-rss-auto",
    ]);
    for (const row of report.rows) {
      expect(row.subject.value, row.id).toBeGreaterThan(0);
      if (row.baseline !== null) {
        expect(row.baseline.value, row.id).toBeGreaterThan(0);
        expect(row.ratio, row.id).toBeGreaterThan(0);
      }
    }
    expect(existsSync(join(out, "chart.svg"))).toBe(true);
    expect(readFileSync(join(out, "chart.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });
});
