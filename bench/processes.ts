import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A server the harness started in its own process. */
export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Everything the process wrote, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
  stop(): Promise<void>;
}

/** How to start a server process. */
export interface StartOptions {
  name: string;
  /** Arguments after the node executable (node flags first, then the script). */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Printed once the server listens; group 1 is its URL. */
  ready?: RegExp;
  timeoutMs?: number;
}

/** The line both Gatehouse and the bench's bare server print when they listen. */
export const LISTENING_LINE = /listening on (http:\/\/[^\s]+)/i;

/** Starts a node process and waits for it to print its URL. */
export function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, options.args, {
    env: { ...cleanEnv(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = options.ready ?? LISTENING_LINE;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = ready.exec(output);
      if (match?.[1] !== undefined && child.pid !== undefined) {
        clearTimeout(timer);
        const pid = child.pid;
        resolve({ name: options.name, url: match[1], pid, output: () => output, stop: () => stopChild(child) });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
}

/** Spawns a node process without waiting for anything; for startup timing. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, args, { env: { ...cleanEnv(), ...env }, stdio: ["ignore", "ignore", "pipe"] });
}

/** Sends SIGTERM and waits for the exit; SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Memory figures of a live process from /proc, in MiB: current resident set and its peak. */
export function readMemory(pid: number): { rssMb: number; peakRssMb: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
}

/**
 * CPU time a live process has used so far (user + system, all its threads), in seconds,
 * from /proc/PID/stat; `null` when it is gone.
 */
export function readCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15, in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

// USER_HZ is 100 on every Linux architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** A port that was free a moment ago on 127.0.0.1 (for servers whose address must be known before they start). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The harness's environment without Gatehouse settings that would change what is measured. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith("GATEHOUSE_") || name === "HOST" || name === "PORT" || name === "NODE_OPTIONS")
      delete env[name];
  }
  return env;
}
