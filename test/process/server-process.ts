import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { type Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { join, resolve } from "node:path";

export { buildIfStale } from "../support/build.js";

const root = resolve(import.meta.dirname, "../..");
const _built = join(root, "dist/cli/main.js");

/** The pids whose parent is `pid` (Linux /proc): a cluster primary's workers. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The fields after the command name (which may contain spaces) start with state, ppid.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** A `gatehouse serve` child process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote to stdout so far (its URL, notices, and pino's log lines). */
  stdout(): string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Resident set size of the server now, in bytes (Linux /proc); NaN elsewhere. */
  rss(): number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node bin/gatehouse.js serve --port 0` with a clean environment plus `env`, and waits for its URL. */
export async function startServerProcess(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const cleanEnv: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("GATEHOUSE_") && name !== "PORT" && name !== "HOST") cleanEnv[name] = value;
  }
  const child = spawn(process.execPath, [join(root, "bin/gatehouse.js"), "serve", "--port", "0", ...args], {
    cwd: root,
    env: { ...cleanEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL after 20 s; stdout: ${stdout}; stderr: ${stderr}`)), 20_000);
    const check = () => {
      const match = /Gatehouse listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off("data", check);
        done(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.on("exit", (code) => fail(new Error(`the server exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    rss() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
        return kib === undefined ? Number.NaN : Number(kib) * 1024;
      } catch {
        return Number.NaN;
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** A finished HTTP exchange. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds from sending to the end of the body. */
  ms: number;
}

/** One HTTP request over a real socket; rejects on a network error or after `timeoutMs`. */
export function sendRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent; timeoutMs?: number },
): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = httpRequest(
      url,
      { method: options.method ?? "GET", headers: options.headers, agent: options.agent },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - started }),
        );
        res.on("error", fail);
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () =>
      req.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)),
    );
    req.on("error", fail);
    req.end(options.body);
  });
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
