import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const built = join(root, "dist/cli/main.js");

/** Rebuilds dist/ when any source file is newer than the built CLI (the real binary runs dist/). */
export function buildIfStale(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, "src"))) return;
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
      stdio: "pipe",
    });
  } catch {
    // Type errors elsewhere in the tree do not stop tsc from emitting; the check below decides.
  }
  if (!existsSync(built)) throw new Error("npm run build did not produce dist/cli/main.js");
}
