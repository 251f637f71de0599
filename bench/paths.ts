import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file whose package.json is Gatehouse's. */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** The compiled harness (bench/ compiles to dist/bench/). */
export const BENCH_DIST = join(REPO_ROOT, "dist", "bench");

/** The Gatehouse CLI users run. */
export const GATEHOUSE_BIN = join(REPO_ROOT, "bin", "gatehouse.js");

/** Where full runs keep their results, and where generated databases are cached (git-ignored). */
export const RESULTS_DIR = join(REPO_ROOT, "bench", "results");
export const CACHE_DIR = join(RESULTS_DIR, "tmp");

/** The published report. */
export const DOCS_FILE = join(REPO_ROOT, "docs", "BENCHMARKS.md");

/** A compiled helper script of the harness, e.g. `servers/bare-fastify.js`. */
export function benchScript(relative: string): string {
  return join(BENCH_DIST, relative);
}

function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "gatehouse"
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no Gatehouse package.json above ${start}`);
    dir = parent;
  }
}
