// What the stand-alone timing scripts (enumeration.mjs, forgot-password-timing.mjs) share:
// running the built binary, starting a server on a free port, timing one request, quantiles.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..");
export const bin = join(root, "bin/gatehouse.js");

/** The environment without Gatehouse's settings, so the scripts' own choices are the only ones. */
export function withoutGatehouseSettings(source) {
  return Object.fromEntries(
    Object.entries(source).filter(([name]) => !name.startsWith("GATEHOUSE_") && name !== "PORT" && name !== "HOST"),
  );
}

/**
 * An empty SQLite database file at `path`, as its URL: commands other than `serve` and `demo`
 * refuse a file that does not exist, and SQLite takes an empty one as an empty database.
 */
export function createDatabase(path) {
  writeFileSync(path, "");
  return `sqlite:${path}`;
}

/** Runs a `gatehouse` command to completion in `dir`; rejects with its stderr when it fails. */
export function runToEnd(dir, env, args, stdin) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`gatehouse ${args[0]} failed: ${stderr}`))));
    child.stdin.end(stdin);
  });
}

/** Starts `gatehouse serve --port 0` in `dir`; resolves to its URL and a stop function. */
export function startServer(dir, env) {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0"], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((done) => child.on("exit", done));
  return new Promise((done, fail) => {
    let output = "";
    const collect = (chunk) => {
      output += chunk;
      const match = /Gatehouse listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout.off("data", collect);
        done({
          url: match[1],
          async stop() {
            child.kill("SIGTERM");
            await exited;
          },
        });
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("exit", (code) => fail(new Error(`the server exited with ${code}: ${output}`)));
  });
}

/** POSTs `body` and resolves to the status, the reply text and the milliseconds it took. */
export function timedPost(url, agent, contentType, body) {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": contentType } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => done({ status: res.statusCode, body: text, ms: performance.now() - started }));
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end(body);
  });
}

export function median(samples) {
  return quantile(samples, 0.5);
}

export function quantile(samples, q) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
