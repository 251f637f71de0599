import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ServerProcess, startServerProcess } from "../process/server-process.js";
import { buildIfStale } from "../support/build.js";

const root = resolve(import.meta.dirname, "../..");

/** The examples compiled to JavaScript, and the way to remove them. */
export interface CompiledExamples {
  dir: string;
  remove(): void;
}

/**
 * Builds dist/ when stale, then compiles examples/ into a directory of its own under
 * examples/dist (test files compiling at once do not share one). It must be inside the
 * package: that is how the examples' `import "gatehouse/…"` finds dist/, as in a user's project.
 */
export function compileExamples(): CompiledExamples {
  buildIfStale();
  const outRoot = join(root, "examples/dist");
  mkdirSync(outRoot, { recursive: true });
  const dir = mkdtempSync(join(outRoot, "run-"));
  execFileSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", "examples/tsconfig.json", "--outDir", dir],
    { cwd: root, stdio: "pipe" },
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running example app. */
export interface ExampleProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `node <file>` with `env` added, and waits for the "listening on URL" line it prints. */
export async function startExample(file: string, env: Record<string, string>): Promise<ExampleProcess> {
  const child = spawn(process.execPath, [file], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL after 30 s: ${output}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the example exited with ${code}: ${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** A Gatehouse server the resource-server examples verify against, and johndoe's token from it. */
export interface TokenIssuer {
  server: ServerProcess;
  token: string;
  stop(): Promise<void>;
}

/**
 * Starts `gatehouse serve` on a fresh SQLite database with the demo users and EdDSA keys (a
 * JWKS needs an asymmetric algorithm; the issuer is the URL it listens on), and logs johndoe in.
 */
export async function startTokenIssuer(): Promise<TokenIssuer> {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-example-"));
  const server = await startServerProcess(["--database", `sqlite:${join(dataDir, "gatehouse.db")}`, "--demo"], {
    GATEHOUSE_ALGORITHM: "EdDSA",
  });
  const response = await fetch(`${server.url}/token`, {
    method: "POST",
    body: new URLSearchParams({ username: "johndoe", password: "secret" }),
  });
  const { access_token: token } = (await response.json()) as { access_token: string };
  return {
    server,
    token,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
