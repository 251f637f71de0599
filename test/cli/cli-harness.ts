import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough, Readable } from "node:stream";
import type { CliIo, TextInput } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import type { GatehouseStore } from "../../src/core/index.js";
import { sqliteStore } from "../../src/stores/sqlite/index.js";

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of a test run: standard input, extra environment, a fake terminal. */
export interface RunOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** A stdin stream of your own (a fake terminal); `stdin` is ignored then. */
  input?: TextInput;
  isTTY?: boolean;
  signals?: EventEmitter;
  exit?: (code: number) => void;
}

/** Captures everything written, for assertions while a command still runs. */
export class CapturedOutput {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Builds an in-memory CliIo plus the captured outputs. */
export function createTestIo(options: RunOptions = {}): { io: CliIo; stdout: CapturedOutput; stderr: CapturedOutput } {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const io: CliIo = {
    stdin: options.input ?? Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    env: { ...options.env },
    isTTY: options.isTTY ?? false,
    signals: options.signals ?? new EventEmitter(),
    exit: options.exit ?? (() => undefined),
  };
  return { io, stdout, stderr };
}

/** Runs the CLI in-process, as `gatehouse ...args`. */
export async function runTestCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const { io, stdout, stderr } = createTestIo(options);
  const code = await runCli(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/**
 * A temporary directory with an SQLite database URL in it; `remove()` deletes both. The file
 * is there, empty (SQLite takes it as a new database), since only `serve` and `demo` create a
 * missing one; `{ create: false }` leaves it out.
 */
export function createTempDatabase(options: { create?: boolean } = {}): {
  dir: string;
  path: string;
  url: string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-"));
  const path = join(dir, "gatehouse.db");
  if (options.create !== false) writeFileSync(path, "");
  return { dir, path, url: `sqlite:${path}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens the database a test's CLI runs wrote to, to check what they stored. */
export async function inspectDatabase<T>(path: string, check: (store: GatehouseStore) => Promise<T>): Promise<T> {
  const store = await sqliteStore(path);
  try {
    return await check(store);
  } finally {
    await store.close();
  }
}

/** A fake terminal: raw mode is recorded, keystrokes are pushed by the test. */
export function createFakeTerminal(): PassThrough & { rawModes: boolean[]; setRawMode(raw: boolean): void } {
  const rawModes: boolean[] = [];
  return Object.assign(new PassThrough(), {
    rawModes,
    setRawMode(raw: boolean) {
      rawModes.push(raw);
    },
  });
}

const BIN = join(resolve(import.meta.dirname, "../.."), "bin/gatehouse.js");

/**
 * Runs the real binary to completion: the caller's environment without its `GATEHOUSE_*`
 * variables, plus `env`; `stdin` is written and closed.
 */
export function runBinary(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("GATEHOUSE_")) env[name] = value;
  Object.assign(env, options.env);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}
