import type { Readable } from "node:stream";
import { isatty } from "node:tty";

/** Where a command writes text: standard output or standard error. */
export interface TextOutput {
  write(text: string): unknown;
}

/** Standard input: a byte stream that may be a terminal (then raw mode hides what is typed). */
export type TextInput = Readable & { setRawMode?: (raw: boolean) => unknown };

/** The signals `serve` listens for; the process by default. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** Everything a command touches outside itself, so tests can run commands in-process. */
export interface CliIo {
  stdin: TextInput;
  stdout: TextOutput;
  stderr: TextOutput;
  env: NodeJS.ProcessEnv;
  /** True when standard input is a terminal, so a password prompt can be shown. */
  isTTY: boolean;
  /** Where `serve` waits for SIGTERM/SIGINT; `process` when absent. */
  signals?: SignalSource;
  /** Ends the process at once (a second signal during shutdown); `process.exit` when absent. */
  exit?: (code: number) => void;
}

/** A failure the user can act on: printed as one line, exit code 1 (or 2 for bad usage). */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The real process's streams, environment and signals. */
export function createProcessIo(): CliIo {
  return {
    // Lazily: touching process.stdin opens it, and an open terminal keeps the process alive.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: isatty(0),
    signals: process,
    exit: (code) => process.exit(code),
  };
}

/** Writes one line (a newline is added). */
export function writeLine(output: TextOutput, line: string): void {
  output.write(`${line}\n`);
}
