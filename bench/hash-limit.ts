import { fork } from "node:child_process";
import { benchScript } from "./paths.js";
import { stopChild } from "./processes.js";
import type { LimitRequest, LimitResult } from "./servers/argon2-limit.js";

/** The argon2id limit process, ready to run measurements on request. */
export interface HashLimit {
  run(seconds: number, concurrency: number): Promise<LimitResult>;
  stop(): Promise<void>;
}

/** Forks the hash-limit process (with the default libuv thread pool, as the server has). */
export function startHashLimit(): Promise<HashLimit> {
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  delete env.NODE_OPTIONS;
  const child = fork(benchScript("servers/argon2-limit.js"), [], {
    env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`argon2 limit process exited with ${code}`)));
    child.once("message", () => {
      resolve({
        run(seconds, concurrency) {
          return new Promise((done) => {
            child.once("message", (message) => done(message as LimitResult));
            const request: LimitRequest = { type: "run", seconds, concurrency };
            child.send(request);
          });
        },
        stop: () => stopChild(child),
      });
    });
  });
}
