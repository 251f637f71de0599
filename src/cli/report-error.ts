import { CommanderError } from "commander";
import { CliError, type CliIo, writeLine } from "./io.js";

/** The `code` of a GatehouseError (or any error carrying one), without loading the core. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/**
 * Prints a failure as one line on stderr and returns the exit code: 0 after `--help`,
 * 2 for bad usage, 1 for everything else. The stack trace only with GATEHOUSE_DEBUG=1.
 */
export function reportError(error: unknown, io: CliIo): number {
  const debug = io.env.GATEHOUSE_DEBUG === "1";
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) through the configured output already.
    return error.exitCode === 0 ? 0 : 2;
  }
  writeLine(io.stderr, `gatehouse: ${oneLine(describe(error))}`);
  if (debug && error instanceof Error && error.stack) writeLine(io.stderr, stackWithCauses(error));
  return error instanceof CliError ? error.exitCode : 1;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message || error.name;
  // The core keeps driver details out of its messages (they may reach clients); an operator needs them.
  if (errorCode(error) === "store_unavailable" && error.cause instanceof Error && error.cause.message) {
    return `${message}: ${error.cause.message}`;
  }
  return message;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

function stackWithCauses(error: Error): string {
  const parts = [error.stack ?? String(error)];
  let cause = error.cause;
  while (cause instanceof Error && parts.length < 8) {
    parts.push(`Caused by: ${cause.stack ?? String(cause)}`);
    cause = cause.cause;
  }
  return parts.join("\n");
}
