import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { createProgram } from "../../src/cli/program.js";
import { createTestIo } from "./cli-harness.js";

const root = resolve(import.meta.dirname, "../..");
const cliDoc = readFileSync(join(root, "docs/CLI.md"), "utf8");
const configurationDoc = readFileSync(join(root, "docs/CONFIGURATION.md"), "utf8");
// A topic's own settings and commands may be documented in its own page (docs/SESSIONS.md, …).
const allDocs = readdirSync(join(root, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => readFileSync(join(root, "docs", name), "utf8"))
  .join("\n");

function commandsOf(command: Command, path: string[] = []): Array<{ path: string; flags: string[] }> {
  if (command.commands.length === 0) {
    const flags = command.options.map((option) => option.long).filter((flag): flag is string => flag !== undefined);
    return [{ path: ["gatehouse", ...path].join(" "), flags }];
  }
  return command.commands.flatMap((child) => commandsOf(child, [...path, child.name()]));
}

/** Every source file's text, to find the settings the code reads. */
function sourceText(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((entry) =>
      entry.isDirectory() ? sourceText(join(dir, entry.name)) : readFileSync(join(dir, entry.name), "utf8"),
    )
    .join("\n");
}

describe("docs/CLI.md", () => {
  const commands = commandsOf(createProgram(createTestIo().io));

  it.each(commands.map((command) => [command.path, command]))("documents %s and each of its flags", (_, command) => {
    expect(allDocs, `no doc mentions ${command.path}`).toContain(command.path);
    for (const flag of command.flags) expect(cliDoc, `docs/CLI.md does not mention ${flag}`).toContain(`\`${flag}`);
  });

  it("states the exit codes", () => {
    expect(cliDoc).toMatch(/\| 0 \|[^\n]+\n\| 1 \|[^\n]+\n\| 2 \|/);
  });
});

describe("docs/CONFIGURATION.md", () => {
  const variables = new Set(sourceText(join(root, "src")).match(/\bGATEHOUSE_[A-Z0-9_]*[A-Z0-9]\b/g));

  it.each([...variables, "HOST", "PORT"])("documents %s", (name) => {
    const where = configurationDoc.includes(`\`${name}\``) ? configurationDoc : allDocs;
    expect(where, `no doc names the setting ${name}`).toContain(`\`${name}\``);
  });
});
