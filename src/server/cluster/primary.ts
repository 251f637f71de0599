import cluster, { type Worker } from "node:cluster";
import { createGatehouse } from "../../core/index.js";
import { baseUrlOf, type ServerConfig } from "../config.js";
import { addDemoUsers } from "../demo-users.js";
import { findFreePort } from "../main.js";
import { openStore } from "../open-store.js";
import {
  isListeningMessage,
  type ShutdownMessage,
  WORKER_ISSUER_VARIABLE,
  WORKER_PORT_VARIABLE,
} from "./cluster-messages.js";
import { hostSharedCounters } from "./shared-counters.js";

/** Options for {@link startCluster}. */
export interface StartClusterOptions {
  workers: number;
  demo: boolean;
  log: (line: string) => void;
}

/** A running cluster: N workers on one port, and the primary that keeps them. */
export interface RunningCluster {
  url: string;
  /** Asks every worker to finish and exit, then closes the primary's database. */
  close(): Promise<void>;
}

// A worker that keeps dying right after start is not replaced in a tight loop.
const RESPAWN_DELAY_MS = 500;

/**
 * The cluster primary: prepares the database once (migrations, the first signing key, demo
 * users) so workers never race for it, purges expired rows and delivers webhooks for all of
 * them, keeps the shared throttling counters, forks the workers and replaces any that dies.
 */
export async function startCluster(given: ServerConfig, options: StartClusterOptions): Promise<RunningCluster> {
  // Every worker must listen on the same port under the same issuer: fix both here, once.
  const port = given.port === 0 ? await findFreePort(given.host) : given.port;
  const issuer = given.gatehouse.issuer ?? baseUrlOf(given.host, port);
  const config: ServerConfig = { ...given, port, gatehouse: { ...given.gatehouse, issuer } };
  // The primary serves no HTTP: no throttle here, only the store's upkeep (purging) and the one
  // webhook deliverer (workers queue events and deliver none).
  const gatehouse = await createGatehouse({
    ...config.gatehouse,
    store: await openStore(config.databaseUrl),
    throttle: false,
  });
  try {
    for (const notice of gatehouse.notices) options.log(notice);
    if (options.demo) {
      const added = await addDemoUsers(gatehouse);
      if (added.length > 0) options.log(`Added demo users: ${added.join(", ")}`);
    }
  } catch (error) {
    await gatehouse.close();
    throw error;
  }

  const counters = hostSharedCounters();
  const workers = new Set<Worker>();
  const listening = new Set<Worker>();
  let stopping = false;

  const askToStop = (worker: Worker) => {
    if (worker.isConnected()) worker.send({ gatehouse: "shutdown" } satisfies ShutdownMessage);
  };

  const fork = () => {
    const worker = cluster.fork({ [WORKER_PORT_VARIABLE]: String(port), [WORKER_ISSUER_VARIABLE]: issuer });
    workers.add(worker);
    counters.serve(worker);
    // A worker only hears the primary once it is up; one that comes up while stopping is stopped then.
    worker.on("message", (message: unknown) => {
      if (!isListeningMessage(message)) return;
      listening.add(worker);
      if (stopping) askToStop(worker);
    });
    worker.once("exit", () => listening.delete(worker));
    return worker;
  };

  // Every worker must listen once; one that fails at start fails the start (a taken port, say).
  const started = new Promise<string>((resolve, reject) => {
    let listening = 0;
    for (let index = 0; index < options.workers; index++) {
      const worker = fork();
      let ready = false;
      worker.on("message", (message: unknown) => {
        if (!isListeningMessage(message) || ready) return;
        ready = true;
        if (++listening === options.workers) resolve(message.url);
      });
      worker.once("exit", (code) => {
        if (!ready) reject(new Error(`a worker exited with code ${code ?? "null"} before it listened`));
      });
    }
  });

  cluster.on("exit", (worker, code, signal) => {
    workers.delete(worker);
    if (stopping) return;
    options.log(`Worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
    setTimeout(() => {
      if (!stopping) fork();
    }, RESPAWN_DELAY_MS).unref();
  });

  const stopWorkers = async () => {
    stopping = true;
    const exits = [...workers].map(
      (worker) => new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once("exit", () => resolve()))),
    );
    for (const worker of listening) askToStop(worker);
    await Promise.all(exits);
  };

  let url: string;
  try {
    url = await started;
  } catch (error) {
    await stopWorkers();
    await gatehouse.close();
    throw error;
  }
  return {
    url,
    async close() {
      await stopWorkers();
      await gatehouse.close();
    },
  };
}
